//! The descriptor's YAML, read into a plain tree ([`Node`]) that the rules
//! then walk by hand, so that every problem can be named with its field path
//! and all of them reported at once.
//!
//! Scalars keep their source text: YAML types a plain `0x1F` as 31 and
//! `True` as true, but args and conf values are text to Spark, so each
//! typed scalar carries the text its author wrote (taken from the span the
//! parser reports), and every rule that wants text reads that.
//!
//! Reading is hardened: aliases may replay at most
//! `DescriptorSettings::max_alias_replayed_events` events in total (alias
//! bombs fail fast), nesting is bounded by [`MAX_NESTING_DEPTH`], and
//! duplicate keys are an error rather than a silent "last one wins".

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::NonFiniteFloatPolicy;
use serde_saphyr::{Location, Spanned};

use crate::issues::Issue;

/// Deepest nesting of mappings and lists accepted in a descriptor. A
/// component descriptor needs about ten levels; other components of the data
/// product (schemas of output ports) may need more, so this is generous.
pub const MAX_NESTING_DEPTH: usize = 64;

/// A YAML value as the rules see it. Every scalar keeps the text its
/// author wrote (`0x1F`, `1e3`, `True`, `~`, `1.50`), so that a field that
/// wants text gets exactly that text, while a field that wants a number or a
/// boolean still reads the typed value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A null: `~`, `null`, or nothing at all (text `""`).
    Null(String),
    Bool(bool, String),
    Int(i128, String),
    Float(f64, String),
    /// A string scalar: its value (quoted scalars unquoted and unescaped,
    /// block scalars as YAML reads them).
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are scalars, kept as their text.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value of `key` in a mapping; `None` when absent or null (YAML
    /// `key:` with nothing after it, or `key: ~`).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        #[cfg(test)]
        reads::record(self, key);
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .filter(|v| !matches!(v, Node::Null(_))),
            _ => None,
        }
    }

    /// The text of a scalar exactly as its author wrote it: strings as they
    /// are, numbers, booleans and an explicit null (`~`, `null`) in their
    /// source spelling (`0x1F`, `1e3`, `True`, `~`), never a re-rendering of
    /// the typed value. `None` for an empty null (nothing written), lists
    /// and mappings.
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match self {
            Node::Str(s) => Some(s.clone()),
            Node::Int(_, text) | Node::Float(_, text) | Node::Bool(_, text) => Some(text.clone()),
            Node::Null(text) if !text.is_empty() => Some(text.clone()),
            Node::Null(_) | Node::Seq(_) | Node::Map(_) => None,
        }
    }

    /// What the value is, for messages: `the string 'two'`, `a list`, ...
    pub(crate) fn describe(&self) -> String {
        match self {
            Node::Null(text) if text.is_empty() => "nothing (null)".to_string(),
            Node::Null(text) => format!("nothing (null, written '{}')", shorten(text, 80)),
            Node::Bool(_, text) => format!("the boolean {}", shorten(text, 80)),
            Node::Int(_, text) => format!("the integer {}", shorten(text, 80)),
            Node::Float(_, text) => format!("the number {}", shorten(text, 80)),
            Node::Str(s) => format!("the string '{}'", shorten(s, 80)),
            Node::Seq(_) => "a list".to_string(),
            Node::Map(_) => "a mapping".to_string(),
        }
    }
}

/// `s` cut to at most `max` characters (with `…` when cut), for messages.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// What the rules look up, for the test that holds the field registry to
/// the rules (`fields.rs`): each `get` as the node's address and the key.
#[cfg(test)]
pub(crate) mod reads {
    use std::cell::RefCell;

    use super::Node;

    thread_local! {
        static READS: RefCell<Option<Vec<(usize, String)>>> = const { RefCell::new(None) };
    }

    pub(crate) fn record(node: &Node, key: &str) {
        READS.with(|r| {
            if let Some(reads) = r.borrow_mut().as_mut() {
                reads.push((node as *const Node as usize, key.to_string()));
            }
        });
    }

    /// The lookups `f` makes on this thread.
    pub(crate) fn during<T>(f: impl FnOnce() -> T) -> (T, Vec<(usize, String)>) {
        READS.with(|r| *r.borrow_mut() = Some(Vec::new()));
        let out = f();
        let reads = READS.with(|r| r.borrow_mut().take()).unwrap_or_default();
        (out, reads)
    }
}

/// Stack of the thread that reads a descriptor. serde-saphyr recurses once
/// per nesting level, with the span of every node (see [`Raw`]): under
/// 8 KiB a level in an optimized build, up to 55 KiB in a debug build, so
/// [`MAX_NESTING_DEPTH`] levels need up to 4 MiB there, more than a test
/// thread or a tokio worker has (2 MiB). Reading on a thread of its own keeps a deep
/// descriptor from overflowing whatever thread the caller is on (which
/// would abort the whole process); the stack is only reserved, and touched
/// as deep as the document goes.
const READER_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Read `text` as one YAML document, or the issue (with line and column)
/// saying why it is not acceptable YAML.
pub(crate) fn load(text: &str, max_alias_replayed_events: usize) -> Result<Node, Issue> {
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("descriptor-yaml".to_string())
            .stack_size(READER_STACK_BYTES)
            .spawn_scoped(scope, || read(text, max_alias_replayed_events));
        match reader {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had: read on this one (an optimized build
            // needs well under 1 MiB for the deepest accepted document).
            Err(_) => read(text, max_alias_replayed_events),
        }
    })
}

fn read(text: &str, max_alias_replayed_events: usize) -> Result<Node, Issue> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_NESTING_DEPTH,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: max_alias_replayed_events,
        },
        // Typed reads: `yes`, `on`, `007`, `1_000` and `+.nan` are strings,
        // not booleans or numbers, so that a count field refuses them rather
        // than reading 7 or 1000. Whatever type a scalar reads as, its text as
        // written is kept beside it (see `Node`).
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        // `.inf`, `.NaN`, `1e999` read as floats; their text stays as written
        // (`AsString` would hand over a canonical `.inf` instead).
        non_finite_float_policy: NonFiniteFloatPolicy::PassThrough,
    };
    let raw = serde_saphyr::from_str_with_options::<Spanned<Raw>>(text, options)
        .map_err(|e| yaml_issue(&e, max_alias_replayed_events))?;
    Ok(resolve(raw, text))
}

/// A node as serde-saphyr hands it over: typed scalars without their text,
/// but every node with the place it was defined, from which [`resolve`]
/// takes the text as written.
#[derive(Debug)]
enum Raw {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

/// The tree with every typed scalar's source text.
fn resolve(raw: Spanned<Raw>, source: &str) -> Node {
    let Spanned { value, defined, .. } = raw;
    let text = || written(source, &defined);
    match value {
        Raw::Str(s) => Node::Str(s),
        Raw::Null => Node::Null(text().unwrap_or_default()),
        Raw::Bool(b) => Node::Bool(b, text().unwrap_or_else(|| b.to_string())),
        Raw::Int(i) => Node::Int(i, text().unwrap_or_else(|| i.to_string())),
        Raw::Float(f) => Node::Float(f, text().unwrap_or_else(|| format!("{f:?}"))),
        Raw::Seq(items) => Node::Seq(items.into_iter().map(|i| resolve(i, source)).collect()),
        Raw::Map(entries) => Node::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = match resolve(k, source) {
                        Node::Str(s) => s,
                        other => other.scalar_text().unwrap_or_default(),
                    };
                    (key, resolve(v, source))
                })
                .collect(),
        ),
    }
}

/// The source text of the scalar defined at `at` (for an alias: the
/// anchored scalar's). A plain scalar is its text; a quoted or block scalar
/// carries an explicit tag (`!!int "0x1F"`) to have been typed at all, and
/// its text is its content. `None` when the parser gave no byte range.
fn written(source: &str, at: &Location) -> Option<String> {
    let span = at.span();
    let start = usize::try_from(span.byte_offset()?).ok()?;
    let len = usize::try_from(span.byte_len()?).ok()?;
    let text = source.get(start..start.checked_add(len)?)?;
    if text.starts_with(['"', '\'', '|', '>']) {
        let options = serde_saphyr::options! { null_as_string: true };
        return serde_saphyr::from_str_with_options::<String>(text, options).ok();
    }
    Some(text.to_string())
}

fn yaml_issue(error: &serde_saphyr::Error, max_alias_replayed_events: usize) -> Issue {
    // The plain rendering (no source snippet) ends with "at line L, column C".
    let message = error.without_snippet().to_string();
    let position = error
        .location()
        .map(|l| format!("line {}, column {}", l.line(), l.column()));
    let lower = message.to_ascii_lowercase();
    let alias_budget = (lower.contains("alias") || lower.contains("anchor"))
        && (lower.contains("limit") || lower.contains("budget") || lower.contains("exceeded"));
    let too_deep = lower.contains("depth") || lower.contains("nesting");
    let (problem, hint) = if alias_budget {
        (
            format!("the descriptor's YAML aliases were rejected: {message}"),
            format!(
                "aliases (*name) may replay at most {max_alias_replayed_events} YAML events in \
                 total, which protects the provisioner from alias bombs; write the repeated \
                 values out or use fewer aliases{}",
                at(&position)
            ),
        )
    } else if too_deep {
        (
            format!("the descriptor nests too deeply: {message}"),
            format!(
                "nest mappings and lists at most {MAX_NESTING_DEPTH} levels deep{}",
                at(&position)
            ),
        )
    } else {
        (
            format!("the descriptor is not valid YAML: {message}"),
            format!("fix the YAML syntax{}", at(&position)),
        )
    };
    Issue::new("", problem, hint)
}

fn at(position: &Option<String>) -> String {
    position
        .as_ref()
        .map(|p| format!(" (at {p})"))
        .unwrap_or_default()
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Int(v.into()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        i128::try_from(v)
            .map(Raw::Int)
            .map_err(|_| E::custom(format!("the integer {v} is too large")))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        String::from_utf8(v.to_vec())
            .map(Raw::Str)
            .map_err(|_| E::custom("binary values must be UTF-8 text"))
    }

    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(key) = map.next_key::<Spanned<Raw>>()? {
            if matches!(key.value, Raw::Seq(_) | Raw::Map(_)) {
                return Err(de::Error::custom(
                    "mapping keys must be plain scalars, not lists or mappings",
                ));
            }
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keep_their_text() {
        let node = load(
            "a: 2026-01-01T00:00:00Z\nb: yes\nc: 007\nd: 1_000\ne: 1.0\nf: 42\ng: .nan\nh:\n",
            100,
        )
        .expect("valid YAML");
        let text = |k: &str| node.get(k).and_then(Node::scalar_text);
        assert_eq!(text("a").as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(text("b").as_deref(), Some("yes"));
        assert_eq!(text("c").as_deref(), Some("007"));
        assert_eq!(text("d").as_deref(), Some("1_000"));
        assert_eq!(text("e").as_deref(), Some("1.0"));
        assert_eq!(node.get("f"), Some(&Node::Int(42, "42".to_string())));
        assert_eq!(text("g").as_deref(), Some(".nan"));
        assert_eq!(node.get("h"), None, "null reads as absent");
    }

    #[test]
    fn typed_scalars_keep_the_text_as_written_beside_the_value() {
        let node = load(
            "s: [0x1F, 1e3, 0o17, True, 1_000, .inf, +1, 007, 1.50, ~, null, -.5E-3, .NaN, \
             1e999, 0X1F, FALSE]\n\
             a: &n 0x2A\n\
             b: *n\n\
             c: !!int \"0x10\"\n\
             d: !!float 3\n\
             e: \"0x1F\"\n\
             0o17: key\n",
            100,
        )
        .expect("valid YAML");
        let Some(Node::Seq(items)) = node.get("s") else {
            panic!("s is a list: {node:?}");
        };
        let texts: Vec<Option<String>> = items.iter().map(Node::scalar_text).collect();
        let expected = [
            "0x1F", "1e3", "0o17", "True", "1_000", ".inf", "+1", "007", "1.50", "~", "null",
            "-.5E-3", ".NaN", "1e999", "0X1F", "FALSE",
        ];
        assert_eq!(
            texts,
            expected
                .iter()
                .map(|t| Some(t.to_string()))
                .collect::<Vec<_>>()
        );
        // The typed values are still there for fields that want numbers.
        assert_eq!(items[0], Node::Int(31, "0x1F".into()));
        assert_eq!(items[1], Node::Float(1000.0, "1e3".into()));
        assert_eq!(items[3], Node::Bool(true, "True".into()));
        assert_eq!(items[6], Node::Int(1, "+1".into()));
        assert_eq!(items[9], Node::Null("~".into()));
        // An alias carries the anchored scalar's text; a tagged quoted
        // scalar its content; a quoted number is a string.
        assert_eq!(node.get("a"), Some(&Node::Int(42, "0x2A".into())));
        assert_eq!(node.get("b"), Some(&Node::Int(42, "0x2A".into())));
        assert_eq!(node.get("c"), Some(&Node::Int(16, "0x10".into())));
        assert_eq!(node.get("d"), Some(&Node::Float(3.0, "3".into())));
        assert_eq!(node.get("e"), Some(&Node::Str("0x1F".into())));
        assert_eq!(node.get("0o17"), Some(&Node::Str("key".into())));
        // Merged entries (`<<: *base`) carry their definition's text.
        let merged = load("base: &b {x: 0x1F}\nm:\n  <<: *b\n  y: 1e3\n", 100).expect("valid");
        let m = merged.get("m").expect("m");
        assert_eq!(m.get("x"), Some(&Node::Int(31, "0x1F".into())));
        assert_eq!(m.get("y"), Some(&Node::Float(1000.0, "1e3".into())));
        // Nothing written is no text.
        assert_eq!(
            load("a: [1, ]\nb:\n", 100)
                .expect("valid")
                .get("b")
                .and_then(Node::scalar_text),
            None
        );
    }

    #[test]
    fn text_is_taken_from_the_right_place_after_a_byte_order_mark_and_crlf() {
        let node = load("\u{feff}a: x\r\nb: [é, 0x1F]  # ü\r\nc: 1.50\r\n", 100).expect("valid");
        let Some(Node::Seq(items)) = node.get("b") else {
            panic!("b is a list: {node:?}");
        };
        assert_eq!(items[1].scalar_text().as_deref(), Some("0x1F"));
        assert_eq!(
            node.get("c").and_then(Node::scalar_text).as_deref(),
            Some("1.50")
        );
    }

    #[test]
    fn complex_keys_and_duplicate_keys_are_errors_with_a_position() {
        let e = load("? [a]\n: b\n", 100).expect_err("complex key");
        assert!(e.problem.contains("mapping keys"), "{}", e.problem);
        let e = load("a: 1\na: 2\n", 100).expect_err("duplicate key");
        assert!(e.problem.contains("line 2, column 1"), "{}", e.problem);
    }
}
