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
}

impl ValidationResult {
    pub fn valid() -> Self {
        Self {
            valid: true,
            error: None,
        }
    }

    pub fn invalid(errors: Vec<String>) -> Self {
        Self {
            valid: false,
            error: Some(ValidationError { errors }),
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
