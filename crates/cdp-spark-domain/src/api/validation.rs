use serde::{Deserialize, Serialize};

use super::Status;

/// Validation error related to a provided descriptor: one entry per failed rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValidationError {
    pub errors: Vec<String>,
}

/// Result of a validation operation on a provided descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValidationResult {
    /// Whether the provided descriptor is valid or not.
    pub valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = ValidationError, required = false))]
    pub error: Option<ValidationError>,
    /// Beyond the contract (which allows more properties): what does not
    /// make the descriptor invalid but is probably a mistake, e.g. a key
    /// under `specific` that no rule reads. Left out when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl ValidationResult {
    pub fn valid() -> Self {
        Self {
            valid: true,
            error: None,
            warnings: Vec::new(),
        }
    }

    /// The same result with these warnings.
    pub fn with_warnings(mut self, warnings: Vec<String>) -> Self {
        self.warnings = warnings;
        self
    }

    pub fn invalid(errors: Vec<String>) -> Self {
        Self {
            valid: false,
            error: Some(ValidationError { errors }),
            warnings: Vec::new(),
        }
    }
}

// `ValidationInfo` of the contract (no description in the document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValidationInfo {
    pub public_info: ValidationResult,
}

/// The status of an asynchronous validation.
// The answer to `GET /v2/validate/{token}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ValidationStatus {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = ValidationInfo, required = false))]
    pub info: Option<ValidationInfo>,
}
