//! Use cases, written only against the ports: what `validate`, `provision`,
//! `unprovision`, asynchronous operations, the job status API, pause and
//! resume and the manual trigger do. Their results are the API model
//! ([`crate::api`]), ready for HTTP or the CLI.

mod artifacts;
mod control;
mod deploy;
mod errors;
mod explain;
mod gate;
mod info;
pub mod job_list;
mod jobs;
mod logs;
pub mod operation_results;
pub mod operations;
mod provision;
mod steps;
mod unprovision;
mod validate;

#[cfg(test)]
mod control_tests;
#[cfg(test)]
mod job_list_tests;
#[cfg(test)]
mod logs_tests;
#[cfg(test)]
mod operations_tests;
#[cfg(test)]
mod provision_tests;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::descriptor::DescriptorSettings;
use crate::jar::DEFAULT_MAX_READ_BYTES;
use crate::ports::{HdfsPort, JobStorePort, RunLogStorePort};
use crate::redact::Redactor;
use crate::runlog::RunLinkSettings;
use gate::Gate;

pub use control::{JobControl, MANUAL_RUN_WAIT, NO_ENGINE_HERE};
pub use deploy::Deployment;
pub use errors::{fs_system_error, store_system_error, UseCaseError};
pub use info::provisioning_info;
pub use jobs::{job_definition, scheduled_trigger, ManualTrigger};
pub use logs::{AggregatedLogSource, RunLogAnswer, RunLogs};
pub use validate::Validated;

/// How many next fire times `publicInfo` shows.
pub const NEXT_FIRE_TIMES_SHOWN: usize = 5;

/// Settings of the use cases.
#[derive(Debug, Clone, Default)]
pub struct UseCaseSettings {
    pub descriptor: DescriptorSettings,
    /// The provisioner's public base URL (e.g. `https://spark-sp.example.com`);
    /// when set, `publicInfo` links to the job status API.
    pub public_base_url: Option<String>,
    /// What checking a descriptor's jar and dependencies may cost.
    pub artifacts: ArtifactSettings,
    /// What runs link to (the RM's application page, the Spark History
    /// Server).
    pub links: RunLinkSettings,
    /// `scheduler.run_unscheduled_at_provision`: a job without a schedule
    /// runs once when it is provisioned (created or changed), as the
    /// existing Scala provisioner did; a job's `jobConfig.runAtProvision`
    /// wins. Default `false`: it waits for a manual trigger.
    pub run_unscheduled_at_provision: bool,
}

/// Bounds of the artifact checks of validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactSettings {
    /// Bytes one validation may read from its jar and dependencies.
    pub max_read_bytes: u64,
    /// Validations reading their jar and dependencies at once; more wait
    /// their turn (in arrival order).
    pub max_concurrent_checks: usize,
}

/// Artifact checks at once by default.
pub const DEFAULT_MAX_CONCURRENT_CHECKS: usize = 4;

impl Default for ArtifactSettings {
    fn default() -> Self {
        ArtifactSettings {
            max_read_bytes: DEFAULT_MAX_READ_BYTES,
            max_concurrent_checks: DEFAULT_MAX_CONCURRENT_CHECKS,
        }
    }
}

/// Validation: the descriptor's rules, the schedule's and the artifact
/// checks through `HdfsPort`. It needs no job store, so offline commands
/// (`validate`) use it alone.
#[derive(Clone)]
pub struct Validator {
    fs: Arc<dyn HdfsPort>,
    clock: Arc<dyn Clock>,
    settings: UseCaseSettings,
    /// Bounds the artifact checks in flight (shared by the clones).
    artifact_checks: Arc<Gate>,
}

impl Validator {
    pub fn new(fs: Arc<dyn HdfsPort>, settings: UseCaseSettings) -> Self {
        Self {
            fs,
            clock: Arc::new(SystemClock),
            artifact_checks: Arc::new(Gate::new(settings.artifacts.max_concurrent_checks)),
            settings,
        }
    }

    /// Replace the clock (tests, skewed-clock simulations).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn settings(&self) -> &UseCaseSettings {
        &self.settings
    }

    pub fn fs(&self) -> &Arc<dyn HdfsPort> {
        &self.fs
    }

    /// The clock "now" comes from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }
}

/// The use cases, holding the ports they work through: validation, and
/// the job store for what provisioning keeps.
#[derive(Clone)]
pub struct Provisioner {
    validator: Validator,
    store: Arc<dyn JobStorePort>,
    /// Hides secrets in what the job status API shows (jobs, runs).
    redactor: Redactor,
    /// Runs' stored logs and the removal of a job's run history
    /// (`removeData: true`); `None`: nothing is removed.
    history: Option<Arc<dyn RunLogStorePort>>,
}

impl Provisioner {
    pub fn new(
        fs: Arc<dyn HdfsPort>,
        store: Arc<dyn JobStorePort>,
        settings: UseCaseSettings,
    ) -> Self {
        Self {
            validator: Validator::new(fs, settings),
            store,
            redactor: Redactor::default(),
            history: None,
        }
    }

    /// Where runs' logs are kept: unprovisioning with `removeData: true`
    /// deletes the job's ended runs and their logs there.
    pub fn with_run_history(mut self, history: Arc<dyn RunLogStorePort>) -> Self {
        self.history = Some(history);
        self
    }

    /// Hide these known values too (the provisioner's tokens, the job
    /// store's password) wherever a job or a run is shown; without it only
    /// the patterns of [`crate::redact`] apply.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Replace the clock (tests, skewed-clock simulations).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.validator = self.validator.with_clock(clock);
        self
    }

    pub fn settings(&self) -> &UseCaseSettings {
        self.validator.settings()
    }

    pub fn store(&self) -> &Arc<dyn JobStorePort> {
        &self.store
    }

    pub fn fs(&self) -> &Arc<dyn HdfsPort> {
        self.validator.fs()
    }

    /// The validation use cases this provisioner runs.
    pub fn validator(&self) -> &Validator {
        &self.validator
    }
}
