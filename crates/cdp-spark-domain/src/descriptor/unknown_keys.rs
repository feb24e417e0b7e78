//! Keys under `specific` that no rule reads: a typo (`maxDurration`,
//! `exectorMemory`) would silently do nothing, so each becomes an issue
//! naming its full path and the closest registered key
//! ([`super::fields`]). A warning by default; an error when the operator
//! sets `descriptor.unknown_keys = "error"`.
//!
//! Descriptor authors are not trusted: keys are shown escaped (control and
//! format characters as `\u{…}`) and cut, distances are computed only for
//! short keys, and at most [`MAX_UNKNOWN_KEYS`] are reported (then one line
//! with how many more).

use serde::{Deserialize, Serialize};

use crate::issues::Issue;

use super::check::join;
use super::fields::{children, Field, Shape, FIELDS};
use super::yaml::Node;

/// Most unknown keys reported one by one.
pub const MAX_UNKNOWN_KEYS: usize = 10;

/// Longest key shown, in characters (longer keys are cut with `…`).
const MAX_KEY_SHOWN: usize = 64;

/// Longest key a suggestion is looked for (the distance is quadratic).
const MAX_KEY_COMPARED: usize = 64;

/// What an unknown key under `specific` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownKeys {
    /// A warning: the descriptor stays valid (the default).
    #[default]
    Warn,
    /// An error: the descriptor is not valid.
    Error,
}

impl UnknownKeys {
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownKeys::Warn => "warn",
            UnknownKeys::Error => "error",
        }
    }
}

/// The unknown keys of the `specific` mapping `node`, whose field path is
/// `base` (`dataProduct.components[0].specific`), at every level the
/// registry knows; not inside free maps (`conf`).
pub(crate) fn unknown_keys(node: &Node, base: &str, refused: bool) -> Vec<Issue> {
    let mut found = Vec::new();
    let mut more = 0usize;
    walk(node, "", base, &mut found, &mut more);
    let hint = if refused {
        "fix the key's spelling or remove it: this provisioner is configured to refuse keys it \
         does not know under specific (descriptor.unknown_keys = \"error\")"
    } else {
        "fix the key's spelling or remove it: it is ignored"
    };
    let mut issues: Vec<Issue> = found
        .into_iter()
        .map(|(field, problem)| Issue::new(field, problem, hint))
        .collect();
    if more > 0 {
        issues.push(Issue::new(
            base,
            format!(
                "has {more} more unknown key{} than the {MAX_UNKNOWN_KEYS} listed",
                if more == 1 { "" } else { "s" }
            ),
            hint,
        ));
    }
    issues
}

fn walk(
    node: &Node,
    parent: &str,
    base: &str,
    found: &mut Vec<(String, String)>,
    more: &mut usize,
) {
    let Node::Map(entries) = node else {
        return;
    };
    for (key, value) in entries {
        let path = join(parent, key);
        match FIELDS.iter().find(|f| f.path == path) {
            Some(Field {
                shape: Shape::Object,
                ..
            }) => walk(value, &path, &join(base, key), found, more),
            Some(_) => {}
            None if found.len() < MAX_UNKNOWN_KEYS => {
                let problem = match suggestion(key, parent) {
                    Some(s) => format!("is not a known key; did you mean {s}?"),
                    None => {
                        let known: Vec<&str> = children(parent).map(Field::key).collect();
                        format!("is not a known key (known here: {})", known.join(", "))
                    }
                };
                found.push((key_field(base, key), problem));
            }
            None => *more += 1,
        }
    }
}

/// `base.key`, or `base["…"]` (escaped, cut) when the key is not a plain
/// word.
fn key_field(base: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key.chars().count() <= MAX_KEY_SHOWN
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        join(base, key)
    } else {
        format!("{base}[\"{}\"]", escaped(key))
    }
}

/// The key with control, format and quoting characters escaped, cut at
/// [`MAX_KEY_SHOWN`] characters.
pub(crate) fn escaped(key: &str) -> String {
    let mut out = String::new();
    for (n, c) in key.chars().enumerate() {
        if n == MAX_KEY_SHOWN {
            out.push('…');
            break;
        }
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || is_format(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Invisible characters that change how text reads (bidi overrides,
/// zero-width characters, BOM).
fn is_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// The closest registered key: at the same level within the distance a key
/// of its length allows (the nearest wins, the first registered on a
/// tie); else a registered key elsewhere that it spells (any case), shown
/// with its path below `specific`.
fn suggestion(key: &str, parent: &str) -> Option<String> {
    if key.chars().count() > MAX_KEY_COMPARED {
        return None;
    }
    let allowed = match key.chars().count() {
        0..=3 => 1,
        4..=7 => 2,
        _ => 3,
    };
    let near = children(parent)
        .map(|f| (distance(&key.to_lowercase(), &f.key().to_lowercase()), f))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d);
    if let Some((_, f)) = near {
        return Some(f.key().to_string());
    }
    FIELDS
        .iter()
        .find(|f| f.parent() != parent && f.key().eq_ignore_ascii_case(key))
        .map(|f| {
            format!(
                "{} (it belongs under {})",
                f.key(),
                join("specific", f.parent()).trim_end_matches('.')
            )
        })
}

/// The optimal string alignment distance (Damerau-Levenshtein with each
/// substring edited once): insertions, deletions, substitutions and
/// transpositions of two neighbours, on characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits_and_neighbour_swaps() {
        for (a, b, want) in [
            ("", "", 0),
            ("abc", "", 3),
            ("maxdurration", "maxduration", 1),
            ("exectormemory", "executormemory", 1),
            ("drivercroes", "drivercores", 1),
            ("kitten", "sitting", 3),
            ("ca", "abc", 3),
            ("héllo", "hello", 1),
        ] {
            assert_eq!(distance(a, b), want, "{a} / {b}");
            assert_eq!(distance(b, a), want, "{b} / {a}");
        }
    }

    #[test]
    fn escaping_shows_control_and_invisible_characters_and_cuts() {
        assert_eq!(escaped("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escaped("x\u{202e}y\"z\\"), "x\\u{202e}y\\\"z\\\\");
        assert_eq!(escaped("\n"), "\\u{a}");
        let long = "k".repeat(1000);
        assert_eq!(escaped(&long).chars().count(), MAX_KEY_SHOWN + 1);
        assert!(escaped(&long).ends_with('…'));
    }

    #[test]
    fn suggestions_at_the_same_level_then_elsewhere() {
        assert_eq!(
            suggestion("maxDurration", "jobConfig").as_deref(),
            Some("maxDuration")
        );
        assert_eq!(
            suggestion("CRONEXPRESSION", "jobConfig.schedule").as_deref(),
            Some("cronExpression")
        );
        assert_eq!(
            suggestion("driverCores", "").as_deref(),
            Some("driverCores (it belongs under specific.jobConfig)")
        );
        assert_eq!(
            suggestion("jobConfig", "jobConfig.schedule").as_deref(),
            Some("jobConfig (it belongs under specific)")
        );
        assert_eq!(suggestion("owner", ""), None);
        assert_eq!(suggestion(&"q".repeat(10_000), ""), None);
    }
}
