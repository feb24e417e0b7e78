use serde::{Deserialize, Serialize};

use super::Status;

/// `ValidationError`: the list of problems of an invalid descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationError {
    pub errors: Vec<String>,
}

/// `ValidationResult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationResult {
    pub valid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

/// `ValidationInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationInfo {
    pub public_info: ValidationResult,
}

/// `ValidationStatus`: the answer to `GET /v2/validate/{token}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationStatus {
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ValidationInfo>,
}
