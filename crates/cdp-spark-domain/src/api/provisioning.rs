use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Values:
///  * `DATAPRODUCT_DESCRIPTOR` - Complete descriptor of a data product (refused: this provisioner needs a component).
///  * `COMPONENT_DESCRIPTOR` - The data product descriptor plus the id of the component to provision.
///  * `DATAPRODUCT_DESCRIPTOR_WITH_RESULTS` - Not used in the scope of a specific provisioner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

/// A provisioning request from the Witboost Coordinator.
// What the Coordinator posts to validate, provision and unprovision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningRequest {
    pub descriptor_kind: DescriptorKind,
    /// Descriptor specification in yaml format. Its structure changes according to `descriptorKind`.
    pub descriptor: String,
    /// Complete data product descriptor (YAML), enriched with the provisioning info of the latest operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub latest_enriched_descriptor: Option<String>,
    /// If true, when a component is undeployed, its underlying data will also be deleted.
    // Required by the contract; a request without it is read as `false`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(default = false, required = true))]
    pub remove_data: bool,
}

/// `RUNNING`, `COMPLETED` or `FAILED`.
// The `status` of `ProvisioningStatus`, `ValidationStatus` and
// `ReverseProvisioningStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Running,
    Completed,
    Failed,
}

/// The status of a provisioning request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningStatus {
    pub status: Status,
    /// One-line summary (deprecated by the contract, still required).
    #[cfg_attr(feature = "openapi", schema(deprecated))]
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Info, required = false))]
    pub info: Option<Info>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Log>, required = false))]
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

/// `publicInfo` is rendered by the Witboost marketplace: entries shaped
/// `{type: "string", label, value}`, with `href` when the value is a link.
/// `privateInfo` is stored in the deployed descriptor only (job and trigger keys).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Info {
    /// Fields to display in the Marketplace UI.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub public_info: Map<String, Value>,
    /// Stored in the deployed descriptor, not shown.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub private_info: Map<String, Value>,
}

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LogLevel {
    Debug,
    Info,
    Warning,
    Error,
}

// `Log` of the contract (no description in the document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Log {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub timestamp: DateTime<Utc>,
    pub level: LogLevel,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub phase: Option<String>,
}

/// Information related to the provisioning workflow of a data product component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProvisionInfo {
    pub request: String,
    pub result: String,
}

// `UpdateAclRequest` of the contract (no description in the document).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateAclRequest {
    /// Identities (i.e. users and groups) involved in the ACL update request.
    pub refs: Vec<String>,
    pub provision_info: ProvisionInfo,
}
