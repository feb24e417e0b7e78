//! The descriptor's YAML, read into a plain tree ([`Node`]) that the rules
//! then walk by hand, so that every problem can be named with its field path
//! and all of them reported at once.
//!
//! Reading is hardened: aliases may replay at most
//! `DescriptorSettings::max_alias_replayed_events` events in total (alias
//! bombs fail fast), nesting is bounded by [`MAX_NESTING_DEPTH`], and
//! duplicate keys are an error rather than a silent "last one wins".

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::options::NonFiniteFloatPolicy;

use crate::issues::Issue;

/// Deepest nesting of mappings and lists accepted in a descriptor. A
/// component descriptor needs about ten levels; other components of the data
/// product (schemas of output ports) may need more, so this is generous.
pub const MAX_NESTING_DEPTH: usize = 64;

/// A YAML value as the rules see it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order; keys are scalars, kept as their text.
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value of `key` in a mapping; `None` when absent or null (YAML
    /// `key:` with nothing after it).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .filter(|v| !matches!(v, Node::Null)),
            _ => None,
        }
    }

    /// The text of a scalar: strings as they are, numbers and booleans as
    /// YAML wrote them (floats in their shortest form that still reads as a
    /// float, e.g. `1.0`). `None` for null, lists and mappings.
    pub(crate) fn scalar_text(&self) -> Option<String> {
        match self {
            Node::Str(s) => Some(s.clone()),
            Node::Int(i) => Some(i.to_string()),
            Node::Float(f) => Some(format!("{f:?}")),
            Node::Bool(b) => Some(b.to_string()),
            Node::Null | Node::Seq(_) | Node::Map(_) => None,
        }
    }

    /// What the value is, for messages: `the string 'two'`, `a list`, ...
    pub(crate) fn describe(&self) -> String {
        match self {
            Node::Null => "nothing (null)".to_string(),
            Node::Bool(b) => format!("the boolean {b}"),
            Node::Int(i) => format!("the integer {i}"),
            Node::Float(f) => format!("the number {f:?}"),
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

/// Read `text` as one YAML document, or the issue (with line and column)
/// saying why it is not acceptable YAML.
pub(crate) fn load(text: &str, max_alias_replayed_events: usize) -> Result<Node, Issue> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_NESTING_DEPTH,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: max_alias_replayed_events,
        },
        // Keep `yes`, `on`, `007`, `1_000`, `.nan` as the text written:
        // args and conf values are text, and silently turning `007` into 7
        // or `yes` into true would change what the job receives.
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        non_finite_float_policy: NonFiniteFloatPolicy::AsString,
    };
    serde_saphyr::from_str_with_options::<Node>(text, options)
        .map_err(|e| yaml_issue(&e, max_alias_replayed_events))
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

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Int(v.into()))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        i128::try_from(v)
            .map(Node::Int)
            .map_err(|_| E::custom(format!("the integer {v} is too large")))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Node, E> {
        String::from_utf8(v.to_vec())
            .map(Node::Str)
            .map_err(|_| E::custom("binary values must be UTF-8 text"))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
        while let Some(key) = map.next_key::<Node>()? {
            let Some(key) = key
                .scalar_text()
                .or_else(|| matches!(key, Node::Null).then(|| "null".to_string()))
            else {
                return Err(de::Error::custom(
                    "mapping keys must be plain scalars, not lists or mappings",
                ));
            };
            let value = map.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
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
        assert_eq!(node.get("f"), Some(&Node::Int(42)));
        assert_eq!(text("g").as_deref(), Some(".nan"));
        assert_eq!(node.get("h"), None, "null reads as absent");
    }

    #[test]
    fn complex_keys_and_duplicate_keys_are_errors_with_a_position() {
        let e = load("? [a]\n: b\n", 100).expect_err("complex key");
        assert!(e.problem.contains("mapping keys"), "{}", e.problem);
        let e = load("a: 1\na: 2\n", 100).expect_err("duplicate key");
        assert!(e.problem.contains("line 2, column 1"), "{}", e.problem);
    }
}
