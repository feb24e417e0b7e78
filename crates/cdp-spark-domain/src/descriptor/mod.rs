//! The component descriptor the Coordinator sends, parsed into types that
//! cannot hold invalid values, with every failing rule reported at once.
//!
//! [`parse_request`] checks the kind and the size, reads the YAML into a
//! plain tree (hardened against alias bombs and deep nesting, see
//! [`yaml`]), then walks the tree by hand ([`rules`], [`schedule`]): every
//! problem becomes an [`Issue`](crate::issues::Issue) naming its field in
//! dot/index form (`dataProduct.components[1].specific.jobConfig.driverCores`),
//! what is wrong and how to fix it. Fields this provisioner does not use are
//! tolerated.

mod check;
mod rules;
mod schedule;
mod types;
mod yaml;

pub use schedule::{parse_duration, parse_timestamp, TIMESTAMP_FORMAT};
pub use types::*;
pub use yaml::MAX_NESTING_DEPTH;

use crate::api::DescriptorKind;
use crate::issues::{Issue, Issues};

/// Default accepted `useCaseTemplateId` (any version suffix is accepted).
pub const DEFAULT_USE_CASE_TEMPLATE: &str = "urn:dmb:utm:cdp-private-spark-workload-template";

/// Default largest descriptor accepted, in bytes (1 MiB).
pub const DEFAULT_MAX_DESCRIPTOR_BYTES: usize = 1024 * 1024;

/// Knobs of descriptor parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescriptorSettings {
    /// Accepted `useCaseTemplateId`s, without version suffix: a component's
    /// id matches when it equals one of these or starts with one plus `:`.
    pub accepted_use_case_templates: Vec<String>,
    /// Largest descriptor accepted, in bytes.
    pub max_descriptor_bytes: usize,
    /// Most YAML events replayed from aliases in one descriptor (alias-bomb
    /// bound).
    pub max_alias_replayed_events: usize,
}

impl Default for DescriptorSettings {
    fn default() -> Self {
        Self {
            accepted_use_case_templates: vec![DEFAULT_USE_CASE_TEMPLATE.to_string()],
            max_descriptor_bytes: DEFAULT_MAX_DESCRIPTOR_BYTES,
            max_alias_replayed_events: 10_000,
        }
    }
}

/// Parse a `ProvisioningRequest.descriptor` of the given kind into the
/// component to provision, or every failed rule.
///
/// Only `COMPONENT_DESCRIPTOR` is accepted; a descriptor larger than
/// `settings.max_descriptor_bytes` is rejected before it is read.
pub fn parse_request(
    kind: DescriptorKind,
    descriptor: &str,
    settings: &DescriptorSettings,
) -> Result<ComponentDescriptor, Issues> {
    if kind != DescriptorKind::ComponentDescriptor {
        return Err(Issues::single(Issue::new(
            "descriptorKind",
            format!(
                "is {}, but this provisioner handles single components: only {} is accepted",
                kind.as_str(),
                DescriptorKind::ComponentDescriptor.as_str()
            ),
            format!(
                "send the descriptor of the one component to provision with descriptorKind {}",
                DescriptorKind::ComponentDescriptor.as_str()
            ),
        )));
    }
    if descriptor.len() > settings.max_descriptor_bytes {
        return Err(Issues::single(Issue::new(
            "descriptor",
            format!(
                "is {} bytes long, more than the {} bytes this provisioner accepts",
                descriptor.len(),
                settings.max_descriptor_bytes
            ),
            "send a smaller descriptor, or raise the provisioner's descriptor size limit",
        )));
    }
    let root =
        yaml::load(descriptor, settings.max_alias_replayed_events).map_err(Issues::single)?;
    rules::component_descriptor(&root, settings)
}
