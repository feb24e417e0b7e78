//! The job status API's job listing (`GET /v1/scheduler/jobs`) and a job's
//! schedule (`GET /v1/scheduler/jobs/{group}/{name}/schedule`): what the
//! web console's pages read.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::{JobKey, RunState};

/// One run as a cell of the jobs listing: its state and how long it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RunCell))]
#[serde(rename_all = "camelCase")]
pub struct RunCellView {
    pub run_id: String,
    pub state: RunState,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub scheduled_fire_time: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub actual_fire_time: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub ended_at: Option<DateTime<Utc>>,
    /// Milliseconds from the actual fire time to the end (to now while it
    /// runs); `null` for a run that ended without a start (never negative).
    pub duration_ms: Option<i64>,
}

/// A job's scheduled trigger, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScheduleSummary {
    pub cron_expression: String,
    /// Time zone id as Quartz keeps it (`TIME_ZONE_ID`): an IANA id, a custom `GMT+hh:mm` or a JDK id such as `PST`.
    pub time_zone: String,
    /// The cron expression in English.
    pub description: String,
}

/// One job of the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = JobSummary))]
#[serde(rename_all = "camelCase")]
pub struct JobSummaryView {
    pub key: JobKey,
    /// The data product id (the job's group).
    pub data_product: String,
    pub component_id: String,
    /// The scheduled trigger; `null` for a job started by hand only.
    pub schedule: Option<ScheduleSummary>,
    /// The earliest next fire time of the job's triggers.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub next_fire_time: Option<DateTime<Utc>>,
    /// A trigger of the job is paused.
    pub paused: bool,
    /// The latest run's state; `null` before the first run.
    pub status: Option<RunState>,
    /// The latest run failed, timed out, was killed or lost.
    pub failing: bool,
    /// A scheduled fire time passed without a run (see `lateReason`).
    pub late: bool,
    pub late_reason: Option<String>,
    /// The last runs, newest first.
    pub last_runs: Vec<RunCellView>,
}

/// A page of jobs, ordered by data product and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobsPage {
    pub jobs: Vec<JobSummaryView>,
    /// Jobs matching the filter, all pages together.
    pub total: u64,
    pub offset: u64,
    pub limit: u64,
    /// `offset` of the next page; `null` on the last one.
    pub next_offset: Option<u64>,
}

/// A job's schedule and its next fire times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = JobSchedule))]
#[serde(rename_all = "camelCase")]
pub struct JobScheduleView {
    pub key: JobKey,
    /// The scheduled trigger; `null` for a job started by hand only.
    pub schedule: Option<ScheduleSummary>,
    pub paused: bool,
    /// The next fire times of the schedule after now (at most five), in
    /// UTC; a paused job's are those it would have.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub next_fire_times: Vec<DateTime<Utc>>,
}
