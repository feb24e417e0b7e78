use serde::{Deserialize, Serialize};

/// Object that will include the more in-depth, specific information about the error.
// One problem and one solution per failed rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorMoreInfo {
    /// One entry per problem (field path: problem).
    pub problems: Vec<String>,
    /// How to fix each problem, in the same order.
    pub solutions: Vec<String>,
}

/// The request cannot be accepted: what is wrong and how to fix it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RequestValidationError {
    #[cfg_attr(feature = "openapi", schema(deprecated))]
    pub errors: Vec<String>,
    /// User-readable message to be displayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub user_message: Option<String>,
    /// The file or descriptor that raised the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub input: Option<String>,
    /// The field path (in dot format) that raised the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub input_error_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = ErrorMoreInfo, required = false))]
    pub more_info: Option<ErrorMoreInfo>,
}

/// A fault of ours or of a dependency (database, NameNode).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SystemError {
    #[cfg_attr(feature = "openapi", schema(deprecated))]
    pub error: String,
    /// User-readable message to be displayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub user_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub input: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub input_error_field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = ErrorMoreInfo, required = false))]
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
