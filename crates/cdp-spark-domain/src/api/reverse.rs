use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Log, Status};

/// `ReverseProvisioningRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReverseProvisioningRequest {
    pub use_case_template_id: String,
    pub environment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_info: Option<Map<String, Value>>,
}

/// `ReverseProvisioningStatus`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReverseProvisioningStatus {
    pub status: Status,
    pub updates: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<Vec<Log>>,
}
