use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Log, Status};

// `ReverseProvisioningRequest` of the contract (no description in the document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReverseProvisioningRequest {
    /// Component's use case template id.
    pub use_case_template_id: String,
    /// Target environment.
    pub environment: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required = false))]
    pub params: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required = false))]
    pub catalog_info: Option<Map<String, Value>>,
}

// `ReverseProvisioningStatus` of the contract (no description in the document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReverseProvisioningStatus {
    pub status: Status,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub updates: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Log>, required = false))]
    pub logs: Option<Vec<Log>>,
}
