//! The component descriptor the Coordinator sends, parsed into types that
//! cannot hold invalid values, with every failing rule reported at once.
//!
//! PLACEHOLDER parse — being implemented. Types and `parse_request` are the
//! fixed surface.

mod types;

pub use types::*;

use crate::api::DescriptorKind;
use crate::issues::Issues;

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
pub fn parse_request(
    _kind: DescriptorKind,
    _descriptor: &str,
    _settings: &DescriptorSettings,
) -> Result<ComponentDescriptor, Issues> {
    Err(Issues::new())
}
