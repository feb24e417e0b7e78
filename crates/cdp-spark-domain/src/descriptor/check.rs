//! Small helpers the rules share: reading typed values out of a [`Node`]
//! mapping while collecting an [`Issue`](crate::issues::Issue) with the
//! field path for everything missing or of the wrong type.

use crate::issues::{Issue, Issues};

use super::conf_policy::ConfPolicy;
use super::types::InvalidValue;
use super::unknown_keys::{unknown_keys, UnknownKeys};
use super::yaml::Node;

/// `base.key`, or `key` at the top.
pub(crate) fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// `base[index]`.
pub(crate) fn index(base: &str, index: usize) -> String {
    format!("{base}[{index}]")
}

/// Collects the issues of one descriptor.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    pub(crate) issues: Issues,
    /// The operator's conf policy, when it applies (not to unprovisioning).
    pub(crate) conf_policy: Option<ConfPolicy>,
    /// Whether the job store's sizes apply (not to unprovisioning).
    pub(crate) store_limits: bool,
    /// Whether `${…}` placeholders must name known values (not to
    /// unprovisioning: a job stored before the rule can still be removed).
    pub(crate) placeholder_names: bool,
    /// What a key under `specific` that no rule reads is (not looked for
    /// when unprovisioning: only the job's key matters then).
    pub(crate) unknown_keys: Option<UnknownKeys>,
    /// What does not make the descriptor invalid but is worth saying.
    pub(crate) warnings: Vec<Issue>,
}

impl Checker {
    pub(crate) fn add(&mut self, field: &str, problem: impl Into<String>, hint: impl Into<String>) {
        self.issues.add(field, problem, hint);
    }

    /// The keys of the `specific` mapping `node` (at `field`) that the
    /// registry does not know: warnings, or errors when the operator
    /// refuses them.
    pub(crate) fn unknown_keys(&mut self, node: &Node, field: &str) {
        match self.unknown_keys {
            None => {}
            Some(UnknownKeys::Warn) => self.warnings.extend(unknown_keys(node, field, false)),
            Some(UnknownKeys::Error) => {
                for issue in unknown_keys(node, field, true) {
                    self.issues.push(issue);
                }
            }
        }
    }

    pub(crate) fn invalid(&mut self, field: &str, invalid: InvalidValue) {
        self.issues.add(field, invalid.problem, invalid.hint);
    }

    /// The placeholders of one `args` element or `conf` value
    /// ([`crate::placeholders::check`]); `false` with an issue when one is
    /// unknown or malformed.
    pub(crate) fn placeholders(&mut self, field: &str, text: &str) -> bool {
        if !self.placeholder_names {
            return true;
        }
        match crate::placeholders::check(text) {
            Ok(()) => true,
            Err(e) => {
                self.invalid(field, e);
                false
            }
        }
    }

    /// "expected X, found Y".
    pub(crate) fn wrong_type(&mut self, field: &str, expected: &str, found: &Node, hint: &str) {
        self.add(
            field,
            format!("expected {expected}, found {}", found.describe()),
            hint,
        );
    }

    /// The mapping at `parent.key`; an issue when it is missing (if
    /// required) or not a mapping.
    pub(crate) fn mapping<'n>(
        &mut self,
        parent: &'n Node,
        key: &str,
        field: &str,
        required: Option<&str>,
    ) -> Option<&'n Node> {
        match parent.get(key) {
            None => {
                if let Some(hint) = required {
                    self.add(field, "is missing", hint);
                }
                None
            }
            Some(node @ Node::Map(_)) => Some(node),
            Some(other) => {
                self.wrong_type(
                    field,
                    "a mapping",
                    other,
                    required.unwrap_or("write it as a YAML mapping (key: value lines)"),
                );
                None
            }
        }
    }

    /// The list at `parent.key` (absent: `None`, no issue).
    pub(crate) fn list<'n>(
        &mut self,
        parent: &'n Node,
        key: &str,
        field: &str,
        hint: &str,
    ) -> Option<&'n [Node]> {
        match parent.get(key)? {
            Node::Seq(items) => Some(items),
            other => {
                self.wrong_type(field, "a list", other, hint);
                None
            }
        }
    }

    /// A required, non-blank string (YAML numbers and booleans are not
    /// accepted: ids and names are text).
    pub(crate) fn required_string(
        &mut self,
        parent: &Node,
        key: &str,
        field: &str,
        hint: &str,
    ) -> Option<String> {
        let Some(node) = parent.get(key) else {
            self.add(field, "is missing", hint);
            return None;
        };
        self.string_value(node, field, hint)
    }

    /// `node` as a non-blank string.
    pub(crate) fn string_value(&mut self, node: &Node, field: &str, hint: &str) -> Option<String> {
        match node {
            Node::Str(s) if s.trim().is_empty() => {
                self.add(field, "is empty", hint);
                None
            }
            Node::Str(s) => Some(s.clone()),
            other => {
                self.wrong_type(field, "a string", other, hint);
                None
            }
        }
    }

    /// A required scalar as text (numbers and booleans as written).
    pub(crate) fn required_text(
        &mut self,
        parent: &Node,
        key: &str,
        field: &str,
        hint: &str,
    ) -> Option<String> {
        let Some(node) = parent.get(key) else {
            self.add(field, "is missing", hint);
            return None;
        };
        match node.scalar_text() {
            Some(text) if text.trim().is_empty() => {
                self.add(field, "is empty", hint);
                None
            }
            Some(text) => Some(text),
            None => {
                self.wrong_type(field, "a string", node, hint);
                None
            }
        }
    }

    /// An optional scalar as text; an issue when it is a list or mapping.
    pub(crate) fn optional_text(
        &mut self,
        parent: &Node,
        key: &str,
        field: &str,
        hint: &str,
    ) -> Option<String> {
        let node = parent.get(key)?;
        match node.scalar_text() {
            Some(text) => Some(text),
            None => {
                self.wrong_type(field, "a string", node, hint);
                None
            }
        }
    }
}

/// The outcome of reading an optional field: absent (`Ok(None)`), read
/// (`Ok(Some)`), or present but unusable (`Err(Rejected)`, an issue was
/// added) — so that a wrong optional value never silently reads as absent.
pub(crate) type Optional<T> = Result<Option<T>, Rejected>;

/// Marker: the value was rejected and an issue says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rejected;

impl Checker {
    /// Read the optional `parent.key` with `read` (which adds an issue when
    /// it returns `None`).
    pub(crate) fn optional<'n, T>(
        &mut self,
        parent: &'n Node,
        key: &str,
        read: impl FnOnce(&mut Self, &'n Node) -> Option<T>,
    ) -> Optional<T> {
        match parent.get(key) {
            None => Ok(None),
            Some(node) => read(self, node).map(Some).ok_or(Rejected),
        }
    }
}
