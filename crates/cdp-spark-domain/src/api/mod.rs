//! The Witboost specific-provisioner API 2.2.0 model, field for field.
//!
//! Every type serialises to the camelCase JSON of the contract
//! (`witboost-specific-provisioner-2.2.0.yaml`). Optional fields are left out
//! of the JSON when absent, as the contract's `required` lists allow.
//!
//! `jobs.rs` holds the answers of the job status API (`/v1/scheduler`),
//! mapped from the stored records of `model.rs`; `job_list.rs` the job
//! listing and a job's schedule, which the web console reads.
//!
//! With the feature `openapi`, every type derives its OpenAPI schema
//! (`utoipa::ToSchema`) under the name the served document uses.

mod errors;
mod job_list;
mod jobs;
mod provisioning;
mod reverse;
mod validation;

pub use errors::{ErrorMoreInfo, RequestValidationError, SystemError};
pub use job_list::{JobScheduleView, JobSummaryView, JobsPage, RunCellView, ScheduleSummary};
pub use jobs::{
    JobDefinitionView, JobStatusView, RunView, SparkJobSpecView, TriggerScheduleView, TriggerView,
};
pub use provisioning::{
    DescriptorKind, Info, Log, LogLevel, ProvisionInfo, ProvisioningRequest, ProvisioningStatus,
    Status, UpdateAclRequest,
};
pub use reverse::{ReverseProvisioningRequest, ReverseProvisioningStatus};
pub use validation::{ValidationError, ValidationInfo, ValidationResult, ValidationStatus};
