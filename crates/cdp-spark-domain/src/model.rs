//! Jobs, triggers and runs: what the provisioner stores and the scheduler
//! fires, in Quartz's vocabulary (job key = group + name, trigger states,
//! misfire instructions) plus the run history Quartz does not keep.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};

use crate::cron::CronExpression;
use serde::{Deserialize, Serialize};

use crate::artifact::ArtifactUri;
use crate::descriptor::{
    JavaClassName, MaxDuration, MemorySize, PositiveCount, SparkLogLevel, YarnQueue,
};

// What the job store can hold. The descriptor rules refuse, naming the
// field, whatever would not fit (so that validate never answers valid for a
// job provision cannot store); the job store checks again before writing.

/// Longest group or name Quartz's MySQL tables hold (`VARCHAR(190)`),
/// in characters: job and trigger groups and names.
pub const MAX_KEY_LEN: usize = 190;
/// `QRTZ_JOB_DETAILS.DESCRIPTION` (`VARCHAR(250)`), in characters; a longer
/// description is shortened, not refused (it is only shown).
pub const MAX_DESCRIPTION_LEN: usize = 250;
/// `QRTZ_CRON_TRIGGERS.CRON_EXPRESSION` (`VARCHAR(120)`), in characters.
pub const MAX_CRON_EXPRESSION_LEN: usize = 120;
/// `QRTZ_CRON_TRIGGERS.TIME_ZONE_ID` (`VARCHAR(80)`), in characters.
pub const MAX_TIME_ZONE_LEN: usize = 80;
/// `QRTZ_JOB_DETAILS.JOB_DATA`, a MySQL `BLOB`: at most 65,535 bytes of the
/// job's data as the store writes it (see [`JobDefinition::job_data_size`]).
pub const MAX_JOB_DATA_BYTES: usize = 65_535;

/// Quartz job key: group = data product id, name = `jobName`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobKey {
    pub group: String,
    pub name: String,
}

impl JobKey {
    pub fn new(group: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            name: name.into(),
        }
    }

    /// Key of the scheduled trigger of this job: `jobName` + `Trigger`.
    pub fn scheduled_trigger_key(&self) -> TriggerKey {
        TriggerKey::new(self.group.clone(), format!("{}Trigger", self.name))
    }
}

impl fmt::Display for JobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.group, self.name)
    }
}

/// Quartz trigger key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriggerKey {
    pub group: String,
    pub name: String,
}

impl TriggerKey {
    pub fn new(group: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for TriggerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.group, self.name)
    }
}

/// Everything spark-submit needs to launch the job's application, as the
/// descriptor rules parsed it: a spec holds only values its types accept
/// (the job store parses them again when it reads a job). As JSON (the job
/// view) and in `JOB_DATA` every value is the text it was written as
/// (memory sizes trimmed, log levels upper case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SparkJobSpec {
    pub jar: ArtifactUri,
    pub class_name: JavaClassName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<YarnQueue>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub dependencies: Vec<ArtifactUri>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_cores: Option<PositiveCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver_memory: Option<MemorySize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_cores: Option<PositiveCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub executor_memory: Option<MemorySize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_executors: Option<PositiveCount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<SparkLogLevel>,
    #[serde(default)]
    pub conf: BTreeMap<String, String>,
}

impl SparkJobSpec {
    /// The application `class_name` in `jar`, with nothing else set.
    pub fn new(jar: ArtifactUri, class_name: JavaClassName) -> Self {
        Self {
            jar,
            class_name,
            queue: None,
            args: Vec::new(),
            dependencies: Vec::new(),
            driver_cores: None,
            driver_memory: None,
            executor_cores: None,
            executor_memory: None,
            num_executors: None,
            log_level: None,
            conf: BTreeMap::new(),
        }
    }
}

/// A stored job (Quartz `JOB_DETAILS` row plus what we derive from it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobDefinition {
    pub key: JobKey,
    /// Witboost component id the job was provisioned from.
    pub component_id: String,
    pub description: Option<String>,
    pub spec: SparkJobSpec,
    /// Quartz `IS_NONCONCURRENT`: a run does not start while one is running.
    pub non_concurrent: bool,
    /// What the scheduler does on overlap and failure (`jobConfig.schedule`:
    /// `concurrencyPolicy`, `retries`, `retryDelay`); stored in `JOB_DATA`.
    #[serde(skip)]
    pub run_policy: RunPolicy,
}

pub mod job_data;

/// The size of a job's `JOB_DATA` as the store writes it, entry by entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDataSize {
    /// Every entry's key and the bytes of its line, in the store's order.
    pub entries: Vec<(&'static str, usize)>,
}

impl JobDataSize {
    /// Bytes of the whole `JOB_DATA`.
    pub fn total(&self) -> usize {
        self.entries.iter().map(|(_, n)| n).sum()
    }

    /// Whether it fits Quartz's `JOB_DATA` column ([`MAX_JOB_DATA_BYTES`]).
    pub fn fits(&self) -> bool {
        self.total() <= MAX_JOB_DATA_BYTES
    }

    /// The entries, largest first.
    pub fn largest_first(&self) -> Vec<(&'static str, usize)> {
        let mut sorted = self.entries.clone();
        sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        sorted
    }
}

impl JobDefinition {
    /// The size of this job's `JOB_DATA` exactly as the job store writes it
    /// (every entry's `key=value` line, escaped). The store's own tests
    /// check it against the bytes it writes.
    pub fn job_data_size(&self) -> JobDataSize {
        use job_data as k;
        let spec = &self.spec;
        let mut entries: Vec<(&'static str, String)> = vec![
            (k::VERSION, k::VERSION_VALUE.to_string()),
            (k::COMPONENT_ID, self.component_id.clone()),
            (k::JAR, spec.jar.to_string()),
            (k::CLASS_NAME, spec.class_name.to_string()),
            (k::ARGS, k::json_text(&spec.args)),
            (k::DEPENDENCIES, k::json_text(&spec.dependencies)),
            (k::CONF, k::json_text(&spec.conf)),
            (
                k::CONCURRENCY_POLICY,
                self.run_policy.concurrency.as_str().to_string(),
            ),
            (k::RETRIES, self.run_policy.retries.to_string()),
            (
                k::RETRY_DELAY_SECS,
                self.run_policy.retry_delay_secs.to_string(),
            ),
        ];
        let optional = [
            (
                k::DEADLINE_SECS,
                self.run_policy.deadline_secs.map(|s| s.to_string()),
            ),
            (k::QUEUE, spec.queue.as_ref().map(|q| q.to_string())),
            (k::DRIVER_CORES, spec.driver_cores.map(|n| n.to_string())),
            (
                k::DRIVER_MEMORY,
                spec.driver_memory.as_ref().map(|m| m.to_string()),
            ),
            (
                k::EXECUTOR_CORES,
                spec.executor_cores.map(|n| n.to_string()),
            ),
            (
                k::EXECUTOR_MEMORY,
                spec.executor_memory.as_ref().map(|m| m.to_string()),
            ),
            (k::NUM_EXECUTORS, spec.num_executors.map(|n| n.to_string())),
            (k::LOG_LEVEL, spec.log_level.map(|l| l.to_string())),
            (
                k::MAX_DURATION,
                self.run_policy.max_duration.map(|d| d.to_string()),
            ),
        ];
        entries.extend(
            optional
                .into_iter()
                .filter_map(|(key, v)| v.map(|v| (key, v))),
        );
        JobDataSize {
            entries: entries
                .into_iter()
                .map(|(key, value)| (key, k::entry_len(key, &value)))
                .collect(),
        }
    }
}

/// How the scheduler treats a job's runs: overlap, retries and their time
/// limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunPolicy {
    /// What a fire does while a run of the job is still going.
    pub concurrency: crate::descriptor::ConcurrencyPolicy,
    /// How many times a failed run is retried (0: never).
    pub retries: u32,
    /// Seconds to wait before a retry.
    pub retry_delay_secs: u64,
    /// `jobConfig.maxDuration`: a run still going this long after its
    /// spark-submit started is killed and ends `TIMED_OUT` (`None`: no
    /// limit).
    pub max_duration: Option<MaxDuration>,
    /// Seconds after a run's nominal time by which it must have ended
    /// (`jobConfig.schedule.deadline`); a run still going then makes a
    /// `DEADLINE_MISSED` notification (`notify`).
    pub deadline_secs: Option<u64>,
}

/// Quartz misfire instructions.
// The ones we write and honour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MisfireInstruction {
    /// Quartz `MISFIRE_INSTRUCTION_SMART_POLICY` (0).
    SmartPolicy,
    /// Cron: `MISFIRE_INSTRUCTION_FIRE_ONCE_NOW` (1); simple: `FIRE_NOW` (1).
    FireOnceNow,
    /// Cron: `MISFIRE_INSTRUCTION_DO_NOTHING` (2).
    DoNothing,
    /// `MISFIRE_INSTRUCTION_IGNORE_MISFIRE_POLICY` (-1).
    IgnoreMisfires,
}

impl MisfireInstruction {
    /// The integer Quartz stores in `MISFIRE_INSTR`.
    pub fn quartz_code(self) -> i32 {
        match self {
            MisfireInstruction::SmartPolicy => 0,
            MisfireInstruction::FireOnceNow => 1,
            MisfireInstruction::DoNothing => 2,
            MisfireInstruction::IgnoreMisfires => -1,
        }
    }

    pub fn from_quartz_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(MisfireInstruction::SmartPolicy),
            1 => Some(MisfireInstruction::FireOnceNow),
            2 => Some(MisfireInstruction::DoNothing),
            -1 => Some(MisfireInstruction::IgnoreMisfires),
            _ => None,
        }
    }
}

/// When a trigger fires: the schedule parsed, as the store decoded it (a
/// row whose expression or zone cannot be read is reported when it is
/// decoded, never evaluated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerSchedule {
    /// Quartz `CRON` trigger.
    Cron {
        /// `CRON_EXPRESSION`, parsed.
        cron_expression: CronExpression,
        /// `TIME_ZONE_ID`, the zone the expression is evaluated in.
        time_zone: crate::cron::JavaTimeZone,
        start_time: DateTime<Utc>,
        end_time: Option<DateTime<Utc>>,
    },
    /// Quartz `SIMPLE` trigger firing once (`REPEAT_COUNT` 0).
    Once { start_time: DateTime<Utc> },
}

impl TriggerSchedule {
    /// When the schedule starts.
    pub fn start_time(&self) -> DateTime<Utc> {
        match self {
            TriggerSchedule::Cron { start_time, .. } | TriggerSchedule::Once { start_time } => {
                *start_time
            }
        }
    }

    /// The first fire time strictly after `after`, `None` when the schedule
    /// has none left (one-shot, or past its end time).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            TriggerSchedule::Once { .. } => None,
            TriggerSchedule::Cron {
                cron_expression,
                time_zone,
                end_time,
                ..
            } => {
                let next = cron_expression.next_after(after, *time_zone)?;
                match end_time {
                    Some(end) if next > *end => None,
                    _ => Some(next),
                }
            }
        }
    }
}

/// Quartz trigger states.
// Quartz's `TRIGGER_STATE` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TriggerState {
    Waiting,
    Acquired,
    Executing,
    Complete,
    Paused,
    Blocked,
    PausedBlocked,
    Error,
    Deleted,
}

impl TriggerState {
    /// The text Quartz stores in `TRIGGER_STATE`.
    pub fn as_quartz(self) -> &'static str {
        match self {
            TriggerState::Waiting => "WAITING",
            TriggerState::Acquired => "ACQUIRED",
            TriggerState::Executing => "EXECUTING",
            TriggerState::Complete => "COMPLETE",
            TriggerState::Paused => "PAUSED",
            TriggerState::Blocked => "BLOCKED",
            TriggerState::PausedBlocked => "PAUSED_BLOCKED",
            TriggerState::Error => "ERROR",
            TriggerState::Deleted => "DELETED",
        }
    }

    pub fn from_quartz(s: &str) -> Option<Self> {
        Some(match s {
            "WAITING" => TriggerState::Waiting,
            "ACQUIRED" => TriggerState::Acquired,
            "EXECUTING" => TriggerState::Executing,
            "COMPLETE" => TriggerState::Complete,
            "PAUSED" => TriggerState::Paused,
            "BLOCKED" => TriggerState::Blocked,
            "PAUSED_BLOCKED" => TriggerState::PausedBlocked,
            "ERROR" => TriggerState::Error,
            "DELETED" => TriggerState::Deleted,
            _ => return None,
        })
    }
}

/// A trigger as written to and read from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerDefinition {
    pub key: TriggerKey,
    pub job_key: JobKey,
    pub schedule: TriggerSchedule,
    pub next_fire_time: Option<DateTime<Utc>>,
    pub previous_fire_time: Option<DateTime<Utc>>,
    pub state: TriggerState,
    pub misfire_instruction: MisfireInstruction,
    pub priority: i32,
}

/// States of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    /// Created by the API (a manual run with parameters, a rerun, a
    /// backfill) and waiting for an acquisition to start it.
    Queued,
    Submitting,
    Running,
    Succeeded,
    Failed,
    Killed,
    Skipped,
    Lost,
    /// Ran longer than its job's `maxDuration`: its application was killed.
    TimedOut,
}

impl RunState {
    pub const ALL: [RunState; 9] = [
        RunState::Queued,
        RunState::Submitting,
        RunState::Running,
        RunState::Succeeded,
        RunState::Failed,
        RunState::Killed,
        RunState::Skipped,
        RunState::Lost,
        RunState::TimedOut,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Queued => "QUEUED",
            RunState::Submitting => "SUBMITTING",
            RunState::Running => "RUNNING",
            RunState::Succeeded => "SUCCEEDED",
            RunState::Failed => "FAILED",
            RunState::Killed => "KILLED",
            RunState::Skipped => "SKIPPED",
            RunState::Lost => "LOST",
            RunState::TimedOut => "TIMED_OUT",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        RunState::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
    }

    /// The states of a run in flight (not ended): the one list, which the
    /// job store's SQL is written from too.
    pub const IN_FLIGHT: [RunState; 2] = [RunState::Submitting, RunState::Running];

    /// Whether the run is in flight ([`Self::IN_FLIGHT`]).
    pub fn is_in_flight(self) -> bool {
        RunState::IN_FLIGHT.contains(&self)
    }

    /// Whether the run has ended.
    pub fn is_final(self) -> bool {
        self != RunState::Queued && !self.is_in_flight()
    }
}

/// One fire of a trigger and the Spark application it launched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunRecord {
    pub run_id: String,
    pub job_key: JobKey,
    pub trigger_key: TriggerKey,
    pub scheduled_fire_time: DateTime<Utc>,
    pub actual_fire_time: DateTime<Utc>,
    pub application_id: Option<String>,
    pub tracking_url: Option<String>,
    pub state: RunState,
    /// The Spark application's final status as its cluster manager reported it.
    pub final_status: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// When spark-submit handed the application to its cluster manager
    /// (its application id became known); `None` before, and for runs
    /// stored before this was recorded.
    #[serde(default)]
    pub submitted_at: Option<DateTime<Utc>>,
    /// The first time the engine saw the application running, not only
    /// accepted (on YARN: RUNNING, not ACCEPTED); never moved later.
    #[serde(default)]
    pub running_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// The `args`/`conf` this run uses instead of its job's (a manual run
    /// with a body, its reruns, a backfill); `None`: the job's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<crate::scheduling::run_parameters::RunParameters>,
    /// The backfill this run belongs to, with its cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<BackfillSlot>,
}

/// A run's place in a backfill: the backfill's id and how many of its runs
/// may be in flight at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackfillSlot {
    pub id: String,
    pub max_parallel: u32,
}

impl RunRecord {
    /// Ends the run at `now` in its final `state`, with `error` as the
    /// reason (an empty reason counts as none).
    pub fn end(&mut self, state: RunState, error: Option<String>, now: DateTime<Utc>) {
        self.state = state;
        self.error = error.filter(|e| !e.is_empty());
        self.updated_at = now;
        self.ended_at = Some(now);
    }
}

/// Filter and page for run listings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    pub state: Option<RunState>,
    pub job: Option<JobKey>,
    /// Runs to skip (newest first).
    pub offset: u64,
    /// Runs to return at most.
    pub limit: u64,
}

/// A job with its triggers and latest runs, as the use cases read them
/// (redacted); the job status API answers [`crate::api::JobStatusView`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobView {
    pub job: JobDefinition,
    pub triggers: Vec<TriggerDefinition>,
    pub last_runs: Vec<RunRecord>,
}

/// What the jobs listing filters a job by, read before its page: its
/// triggers, its latest run's state and which of its triggers ran for
/// their previous fire time (no runs are loaded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLatest {
    pub key: JobKey,
    pub triggers: Vec<TriggerDefinition>,
    /// The state of the run with the latest actual fire time (then the
    /// greatest run id); `None` before the first run.
    pub latest_state: Option<RunState>,
    /// The triggers of which a run is recorded whose scheduled fire time is
    /// at or after the trigger's previous fire time.
    pub ran_since_previous: Vec<TriggerKey>,
}

/// The answer of pause and resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobPause {
    pub job_key: JobKey,
    /// `true` after pause (triggers `PAUSED`), `false` after resume (`WAITING`).
    pub paused: bool,
    /// Triggers whose state changed (0 when they already were so).
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub triggers_changed: usize,
    pub message: String,
}

/// The answer of a manual trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ManualTriggerAccepted {
    pub job_key: JobKey,
    pub trigger_key: TriggerKey,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub start_time: DateTime<Utc>,
    /// The run, once a scheduler fired the trigger; `null` until then.
    pub run_id: Option<String>,
    /// Where the run is, or how to find it.
    pub message: String,
}

/// The answer of pausing or resuming every job of a data product, or all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobsPause {
    /// The data product whose jobs it was; `null`: every job.
    pub data_product: Option<String>,
    /// `true` after pause, `false` after resume.
    pub paused: bool,
    /// Jobs with at least one trigger whose state changed.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub jobs_changed: usize,
    /// Triggers whose state changed.
    #[cfg_attr(feature = "openapi", schema(value_type = u64))]
    pub triggers_changed: usize,
    pub message: String,
}

/// The answer of a rerun.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RerunAccepted {
    /// The new run (`QUEUED` until an acquisition starts it).
    pub run_id: String,
    /// The run it repeats.
    pub rerun_of: String,
    pub job_key: JobKey,
    /// The nominal time, the rerun run's as the original's.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub scheduled_fire_time: DateTime<Utc>,
    pub message: String,
}

/// The answer of a backfill (or of its dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BackfillAccepted {
    pub job_key: JobKey,
    /// The backfill's id (its runs' `backfillId`); `null` on a dry run.
    pub backfill_id: Option<String>,
    pub dry_run: bool,
    pub max_parallel: u32,
    /// The schedule's fire times in the window, oldest first.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub fire_times: Vec<DateTime<Utc>>,
    /// The runs created, one per fire time in the same order (none on a
    /// dry run).
    pub run_ids: Vec<String>,
    pub message: String,
}

/// What an asynchronous operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationKind {
    Provision,
    Unprovision,
    Validate,
    ReverseProvision,
}

impl OperationKind {
    pub const ALL: [OperationKind; 4] = [
        OperationKind::Provision,
        OperationKind::Unprovision,
        OperationKind::Validate,
        OperationKind::ReverseProvision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Provision => "PROVISION",
            OperationKind::Unprovision => "UNPROVISION",
            OperationKind::Validate => "VALIDATE",
            OperationKind::ReverseProvision => "REVERSE_PROVISION",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        OperationKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// An asynchronous operation and, once it ended, its result: the token
/// (`id`) answered to the caller is what the caller polls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationRecord {
    /// The token given to the caller.
    pub id: String,
    pub kind: OperationKind,
    /// The Witboost component the operation is about, when there is one.
    pub component_id: Option<String>,
    pub status: crate::api::Status,
    /// The API status body (e.g. a `ProvisioningStatus`) as JSON text, once known.
    pub result: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_is_its_text_as_json_and_is_parsed_back() {
        let text = r#"{"jar":"hdfs://ns1/a.jar","className":"com.acme.Main","queue":"root.q","args":["--x"],"dependencies":["/opt/b.jar"],"driverCores":2,"driverMemory":"2G","executorMemory":"512m","numExecutors":3,"logLevel":"WARN","conf":{"spark.a":"1"}}"#;
        let spec: SparkJobSpec = serde_json::from_str(text).expect("a valid spec");
        assert_eq!(
            spec.driver_memory.as_ref().map(MemorySize::bytes),
            Some(2 << 30)
        );
        assert_eq!(spec.log_level, Some(SparkLogLevel::Warn));
        assert!(spec.jar.is_hdfs());
        assert_eq!(serde_json::to_string(&spec).expect("json"), text);
        for (field, bad) in [
            ("jar", "s3a://b/a.jar"),
            ("className", "com.acme.class"),
            ("driverMemory", "1.5g"),
            ("logLevel", "LOUD"),
        ] {
            let json = text.replacen(
                &format!("\"{field}\":\""),
                &format!("\"{field}\":\"{bad}\",\"x\":\""),
                1,
            );
            let e = serde_json::from_str::<SparkJobSpec>(&json).expect_err(field);
            assert!(
                e.to_string().contains(bad) || field == "jar",
                "{field}: {e}"
            );
        }
        let zero = text.replace("\"driverCores\":2", "\"driverCores\":0");
        assert!(serde_json::from_str::<SparkJobSpec>(&zero).is_err());
    }

    #[test]
    fn ending_a_run_sets_its_state_reason_and_times() {
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).expect("t0");
        let t1 = t0 + chrono::Duration::seconds(90);
        let mut run = RunRecord {
            run_id: "r1".into(),
            job_key: JobKey::new("dp", "job"),
            trigger_key: TriggerKey::new("dp", "jobTrigger"),
            scheduled_fire_time: t0,
            actual_fire_time: t0,
            application_id: None,
            tracking_url: None,
            state: RunState::Submitting,
            final_status: None,
            created_at: t0,
            updated_at: t0,
            ended_at: None,
            submitted_at: None,
            running_at: None,
            error: None,
            parameters: None,
            backfill: None,
        };
        run.end(RunState::Failed, Some("spark-submit failed".into()), t1);
        assert_eq!(run.state, RunState::Failed);
        assert_eq!(run.error.as_deref(), Some("spark-submit failed"));
        assert_eq!((run.updated_at, run.ended_at), (t1, Some(t1)));
        assert_eq!(run.created_at, t0, "creation time kept");
        run.end(RunState::Succeeded, Some(String::new()), t1);
        assert_eq!(run.error, None, "an empty reason is none");
    }
}
