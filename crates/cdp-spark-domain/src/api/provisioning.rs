use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `DescriptorKind` of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DescriptorKind {
    DataproductDescriptor,
    ComponentDescriptor,
    DataproductDescriptorWithResults,
}

impl DescriptorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DescriptorKind::DataproductDescriptor => "DATAPRODUCT_DESCRIPTOR",
            DescriptorKind::ComponentDescriptor => "COMPONENT_DESCRIPTOR",
            DescriptorKind::DataproductDescriptorWithResults => {
                "DATAPRODUCT_DESCRIPTOR_WITH_RESULTS"
            }
        }
    }
}

/// `ProvisioningRequest`: what the Coordinator posts to validate, provision
/// and unprovision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningRequest {
    pub descriptor_kind: DescriptorKind,
    /// The descriptor, as YAML text.
    pub descriptor: String,
    #[serde(default)]
    pub remove_data: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_enriched_descriptor: Option<String>,
}

/// `status` of `ProvisioningStatus`, `ValidationStatus` and
/// `ReverseProvisioningStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Running,
    Completed,
    Failed,
}

/// `ProvisioningStatus`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningStatus {
    pub status: Status,
    /// Deprecated in the contract but required: a one-line summary.
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<Vec<Log>>,
}

impl ProvisioningStatus {
    pub fn running(result: impl Into<String>) -> Self {
        Self {
            status: Status::Running,
            result: result.into(),
            info: None,
            logs: None,
        }
    }

    pub fn completed(result: impl Into<String>, info: Option<Info>) -> Self {
        Self {
            status: Status::Completed,
            result: result.into(),
            info,
            logs: None,
        }
    }

    pub fn failed(result: impl Into<String>) -> Self {
        Self {
            status: Status::Failed,
            result: result.into(),
            info: None,
            logs: None,
        }
    }
}

/// `Info`: `publicInfo` is rendered by the Witboost marketplace,
/// `privateInfo` is stored in the deployed descriptor only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    pub public_info: Map<String, Value>,
    pub private_info: Map<String, Value>,
}

/// `Log.level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LogLevel {
    Debug,
    Info,
    Warning,
    Error,
}

/// `Log`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Log {
    pub timestamp: DateTime<Utc>,
    pub level: LogLevel,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

/// `ProvisionInfo`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionInfo {
    pub request: String,
    pub result: String,
}

/// `UpdateAclRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAclRequest {
    pub refs: Vec<String>,
    pub provision_info: ProvisionInfo,
}
