//! Failed rules, collected: every rule that fails on a descriptor becomes an
//! [`Issue`] with the field path, the problem and a hint to fix it, and all
//! of them are reported at once.

use std::fmt;

use crate::api::{ErrorMoreInfo, RequestValidationError, ValidationResult};

/// One failed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Field path in dot/index form, e.g.
    /// `dataProduct.components[1].specific.jobConfig.schedule.cronExpression`.
    /// Empty for problems of the whole document (such as YAML syntax).
    pub field: String,
    /// What is wrong.
    pub problem: String,
    /// How to fix it.
    pub hint: String,
}

impl Issue {
    pub fn new(
        field: impl Into<String>,
        problem: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            problem: problem.into(),
            hint: hint.into(),
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "{}: {}", self.field, self.problem)
        }
    }
}

/// A non-empty list of failed rules, and the warnings of the same
/// descriptor (unknown keys under `specific`), which do not make it
/// invalid but are reported with the errors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Issues {
    errors: Vec<Issue>,
    warnings: Vec<Issue>,
}

impl Issues {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(issue: Issue) -> Self {
        Self {
            errors: vec![issue],
            warnings: Vec::new(),
        }
    }

    /// The warnings that come with these errors.
    pub fn warnings(&self) -> &[Issue] {
        &self.warnings
    }

    /// Adds warnings (they do not count as failed rules).
    pub fn add_warnings(&mut self, warnings: impl IntoIterator<Item = Issue>) {
        self.warnings.extend(warnings);
    }

    pub fn push(&mut self, issue: Issue) {
        self.errors.push(issue);
    }

    pub fn add(
        &mut self,
        field: impl Into<String>,
        problem: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.push(Issue::new(field, problem, hint));
    }

    pub fn extend(&mut self, other: Issues) {
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn len(&self) -> usize {
        self.errors.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Issue> {
        self.errors.iter()
    }

    pub fn into_vec(self) -> Vec<Issue> {
        self.errors
    }

    /// `Ok(value)` when no rule failed, the issues otherwise.
    pub fn into_result<T>(self, value: T) -> Result<T, Issues> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// The `errors` strings of the API: `field: problem (hint)`.
    pub fn messages(&self) -> Vec<String> {
        messages(&self.errors)
    }

    /// The `ValidationResult` of `POST /v1/validate` for these issues,
    /// with their warnings.
    pub fn to_validation_result(&self) -> ValidationResult {
        ValidationResult::invalid(self.messages()).with_warnings(messages(&self.warnings))
    }

    /// The `RequestValidationError` of a 400 answer for these issues.
    pub fn to_request_validation_error(&self, input: Option<String>) -> RequestValidationError {
        let user_message = match self.errors.len() {
            0 => "The request is not valid".to_string(),
            1 => format!("The descriptor is not valid: {}", self.errors[0]),
            n => format!(
                "The descriptor is not valid: {n} problems, the first is {}",
                self.errors[0]
            ),
        };
        RequestValidationError {
            errors: self.messages(),
            user_message: Some(user_message),
            input,
            input_error_field: self
                .errors
                .iter()
                .map(|i| i.field.clone())
                .find(|f| !f.is_empty()),
            more_info: Some(ErrorMoreInfo {
                problems: self.errors.iter().map(|i| i.to_string()).collect(),
                solutions: self.errors.iter().map(|i| capitalized(&i.hint)).collect(),
            }),
        }
    }
}

/// `field: problem. Hint` for each issue (errors and warnings alike).
pub fn messages(issues: &[Issue]) -> Vec<String> {
    issues
        .iter()
        .map(|i| {
            if i.hint.is_empty() {
                i.to_string()
            } else if i.problem.ends_with('?') {
                // "did you mean maxDuration? Fix ...", not "?. Fix".
                format!("{i} {}", capitalized(&i.hint))
            } else {
                format!("{i}. {}", capitalized(&i.hint))
            }
        })
        .collect()
}

/// The text with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<Issue> for Issues {
    fn from(issue: Issue) -> Self {
        Issues::single(issue)
    }
}

impl FromIterator<Issue> for Issues {
    fn from_iter<T: IntoIterator<Item = Issue>>(iter: T) -> Self {
        Issues {
            errors: iter.into_iter().collect(),
            warnings: Vec::new(),
        }
    }
}

impl IntoIterator for Issues {
    type Item = Issue;
    type IntoIter = std::vec::IntoIter<Issue>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl fmt::Display for Issues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, issue) in self.errors.iter().enumerate() {
            if n > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Issues {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_validation_error_fills_every_field() {
        let mut issues = Issues::new();
        issues.add("a.b", "is wrong", "make it right");
        issues.add("a.c", "is missing", "add it");
        let e = issues.to_request_validation_error(Some("doc".into()));
        assert_eq!(e.input_error_field.as_deref(), Some("a.b"));
        assert_eq!(e.errors.len(), 2);
        assert_eq!(e.errors[0], "a.b: is wrong. Make it right");
        let more = e.more_info.expect("moreInfo");
        assert_eq!(more.problems, vec!["a.b: is wrong", "a.c: is missing"]);
        assert_eq!(more.solutions, vec!["Make it right", "Add it"]);
        assert!(e.user_message.expect("userMessage").contains("2 problems"));
    }
}
