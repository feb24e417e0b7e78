//! The component descriptor the Coordinator sends, parsed into types that
//! cannot hold invalid values, with every failing rule reported at once.
//!
//! [`parse_request`] checks the kind and the size, reads the YAML into a
//! plain tree (hardened against alias bombs and deep nesting, see
//! [`yaml`]), then walks the tree by hand ([`rules`], [`schedule`]): every
//! problem becomes an [`Issue`](crate::issues::Issue) naming its field in
//! dot/index form (`dataProduct.components[1].specific.jobConfig.driverCores`),
//! what is wrong and how to fix it. Fields this provisioner does not use are
//! tolerated, except under `specific`, whose keys are all registered
//! ([`fields`]): an unknown one there is a warning (or, by the operator's
//! choice, an error) naming the closest known key.

mod check;
mod conf_policy;
mod duration;
pub mod fields;
mod job;
mod limits;
mod rules;
mod schedule;
pub mod schema;
mod types;
mod unknown_keys;
mod yaml;

pub use conf_policy::{
    check_pattern, glob_matches, BuiltinDeny, ConfPolicy, InvalidPattern, Refusal,
    BUILTIN_CONF_DENY,
};
pub use duration::{MaxDuration, MAX_DURATION_LIMIT_SECS};
pub use schedule::{parse_duration, parse_timestamp, TIMESTAMP_FORMAT};
pub use types::*;
pub use unknown_keys::{UnknownKeys, MAX_UNKNOWN_KEYS};
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
    /// Which Spark properties `jobConfig.conf` may set.
    pub conf_policy: ConfPolicy,
    /// Whether a key under `specific` that no rule reads is a warning or
    /// an error.
    pub unknown_keys: UnknownKeys,
}

impl Default for DescriptorSettings {
    fn default() -> Self {
        Self {
            accepted_use_case_templates: vec![DEFAULT_USE_CASE_TEMPLATE.to_string()],
            max_descriptor_bytes: DEFAULT_MAX_DESCRIPTOR_BYTES,
            max_alias_replayed_events: 10_000,
            conf_policy: ConfPolicy::default(),
            unknown_keys: UnknownKeys::default(),
        }
    }
}

/// What a descriptor is read for: the rules on what a job may carry apply
/// only to a job about to be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Purpose {
    /// Validate or provision: every rule, including the operator's conf
    /// policy and what the job store can hold.
    #[default]
    Provision,
    /// Unprovision: only the job's key matters, so a job provisioned before
    /// the conf policy changed can still be removed.
    Remove,
}

/// Parse a `ProvisioningRequest.descriptor` of the given kind into the
/// component to provision, or every failed rule: the descriptor's own, the
/// operator's conf policy ([`ConfPolicy`]) and the sizes the job store can
/// hold (so that a descriptor that validates can be provisioned).
///
/// Only `COMPONENT_DESCRIPTOR` is accepted; a descriptor larger than
/// `settings.max_descriptor_bytes` is rejected before it is read.
pub fn parse_request(
    kind: DescriptorKind,
    descriptor: &str,
    settings: &DescriptorSettings,
) -> Result<ComponentDescriptor, Issues> {
    parse(kind, descriptor, settings, Purpose::Provision)
}

/// As [`parse_request`], for unprovisioning: without the rules on what a
/// job may carry (the conf policy, the job store's sizes), which only the
/// job's key is left to need. A job provisioned before the operator
/// tightened the policy can still be removed.
pub fn parse_request_to_remove(
    kind: DescriptorKind,
    descriptor: &str,
    settings: &DescriptorSettings,
) -> Result<ComponentDescriptor, Issues> {
    parse(kind, descriptor, settings, Purpose::Remove)
}

fn parse(
    kind: DescriptorKind,
    descriptor: &str,
    settings: &DescriptorSettings,
    purpose: Purpose,
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
    let parsed = rules::component_descriptor(&root, settings, purpose)?;
    if purpose == Purpose::Provision {
        limits::job_data_fits(&parsed)?;
    }
    Ok(parsed)
}
