use serde::{Deserialize, Serialize};

/// `ErrorMoreInfo`: one problem and one solution per failed rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorMoreInfo {
    pub problems: Vec<String>,
    pub solutions: Vec<String>,
}

/// `RequestValidationError`: the caller sent something we cannot accept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestValidationError {
    pub errors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_error_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_info: Option<ErrorMoreInfo>,
}

/// `SystemError`: a fault of ours or of a dependency (database, NameNode).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemError {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_error_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more_info: Option<ErrorMoreInfo>,
}

impl SystemError {
    /// A system error with an operator-facing `error` and a caller-facing
    /// `userMessage`.
    pub fn new(error: impl Into<String>, user_message: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            user_message: Some(user_message.into()),
            ..Self::default()
        }
    }

    pub fn with_solution(
        mut self,
        problem: impl Into<String>,
        solution: impl Into<String>,
    ) -> Self {
        let more = self.more_info.get_or_insert_with(ErrorMoreInfo::default);
        more.problems.push(problem.into());
        more.solutions.push(solution.into());
        self
    }
}

impl std::fmt::Display for SystemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.user_message {
            Some(m) => write!(f, "{m} ({})", self.error),
            None => f.write_str(&self.error),
        }
    }
}

impl std::error::Error for SystemError {}
