//! Scheduling decisions, pure: when a trigger fires next, what a misfire
//! does, what a fire does while a run of the same job is in flight, and
//! whether a failed run is retried. The job store applies them inside its
//! fire transaction ([`acquisition`]: what one acquisition does with the
//! due triggers it read; [`recovery`]: what a check-in does with the fires
//! of stopped instances, and the repair of triggers stuck in a state no
//! live instance owns); the scheduler engine applies the retry decision.
//! [`explain`] tells, for a window, what became of each fire time.
//! The texts users read about these decisions are in [`reasons`].
//! Nothing here does I/O or reads a clock: "now" is always an argument.

use chrono::{DateTime, Duration, Utc};

use crate::cron::CronExpression;
use crate::descriptor::ConcurrencyPolicy;
use crate::model::{
    MisfireInstruction, RunPolicy, RunRecord, RunState, TriggerDefinition, TriggerKey,
    TriggerSchedule,
};

pub mod acquisition;
pub mod backfill;
pub mod explain;
pub mod outcome;
pub mod queued;
pub mod reasons;
pub mod recovery;
pub mod run_parameters;
pub mod shutdown;
pub mod timeout;

#[cfg(test)]
mod acquisition_tests;
#[cfg(test)]
mod explain_tests;
#[cfg(test)]
mod queued_tests;
#[cfg(test)]
mod recovery_tests;
#[cfg(test)]
mod tests;

/// Why a stored cron schedule cannot be read: its expression or zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trigger {trigger}: {problem}")]
pub struct ScheduleError {
    pub trigger: String,
    pub problem: String,
}

/// Decodes a stored cron schedule (`CRON_EXPRESSION`, `TIME_ZONE_ID`) once,
/// when its row is read; the problem is a text for users
/// ([`reasons::invalid_cron`], [`reasons::invalid_time_zone`]).
pub fn decode_cron_schedule(
    key: &TriggerKey,
    cron_expression: &str,
    time_zone: &str,
    start_time: DateTime<Utc>,
    end_time: Option<DateTime<Utc>>,
) -> Result<TriggerSchedule, ScheduleError> {
    let cron = CronExpression::parse(cron_expression).map_err(|e| ScheduleError {
        trigger: key.to_string(),
        problem: reasons::invalid_cron(cron_expression, &e.to_string()),
    })?;
    let zone: crate::cron::JavaTimeZone = time_zone.parse().map_err(|_| ScheduleError {
        trigger: key.to_string(),
        problem: reasons::invalid_time_zone(time_zone),
    })?;
    Ok(TriggerSchedule::Cron {
        cron_expression: cron,
        time_zone: zone,
        start_time,
        end_time,
    })
}

/// The state of a `QRTZ_FIRED_TRIGGERS` row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FiredState {
    /// Acquired by an instance, not launched yet.
    Acquired,
    /// Claimed by its instance for launching (or launched).
    Executing,
}

impl FiredState {
    /// The text Quartz stores in `STATE`.
    pub const fn as_quartz(self) -> &'static str {
        match self {
            FiredState::Acquired => "ACQUIRED",
            FiredState::Executing => "EXECUTING",
        }
    }

    /// `ACQUIRED` is a fire not launched yet; any other state (`EXECUTING`,
    /// or one of Quartz's own such as `BLOCKED`) counts as launched.
    pub fn from_quartz(state: &str) -> Self {
        if state == FiredState::Acquired.as_quartz() {
            FiredState::Acquired
        } else {
            FiredState::Executing
        }
    }
}

/// What one due trigger does now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirePlan {
    /// The scheduled fire time of the fire to make now; `None`: no fire
    /// (a misfire whose instruction is to do nothing).
    pub fire_at: Option<DateTime<Utc>>,
    /// The trigger's next fire time after this; `None`: the trigger is
    /// `COMPLETE`.
    pub next_fire_time: Option<DateTime<Utc>>,
    /// The trigger was later than the misfire threshold.
    pub misfired: bool,
}

/// The plan of a trigger whose next fire time `due` has come (`due <=
/// now + look-ahead`). A trigger more than `threshold` late misfired and
/// follows its instruction: fire once now and resume the schedule after now
/// (the default and the smart policy: never a burst of catch-up runs), do
/// nothing until the next time after now, or (ignore misfires) fire the
/// missed time and let the next ones follow one by one.
pub fn plan_fire(
    schedule: &TriggerSchedule,
    instruction: MisfireInstruction,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    threshold: Duration,
) -> FirePlan {
    let late = now - due;
    if late <= threshold || instruction == MisfireInstruction::IgnoreMisfires {
        return FirePlan {
            fire_at: Some(due),
            next_fire_time: schedule.next_after(due),
            misfired: late > threshold,
        };
    }
    match instruction {
        MisfireInstruction::DoNothing => match schedule {
            // A one-shot that misfired with "do nothing" still runs once:
            // Quartz's smart policy for simple triggers fires it now.
            TriggerSchedule::Once { .. } => FirePlan {
                fire_at: Some(now),
                next_fire_time: None,
                misfired: true,
            },
            TriggerSchedule::Cron { .. } => FirePlan {
                fire_at: None,
                next_fire_time: schedule.next_after(now),
                misfired: true,
            },
        },
        _ => FirePlan {
            fire_at: Some(now),
            next_fire_time: schedule.next_after(now),
            misfired: true,
        },
    }
}

/// What a fire does about the runs of its job still in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConcurrencyDecision {
    /// Start the run.
    Start,
    /// Do not start it: the run is recorded as `SKIPPED` with the reason.
    Skip { reason: String },
    /// Kill these runs (ids), then start.
    Replace { kill: Vec<String> },
}

/// Forbid skips while any run is in flight, Allow always starts, Replace
/// kills the runs in flight and starts.
pub fn concurrency_decision(
    policy: ConcurrencyPolicy,
    in_flight: &[&RunRecord],
) -> ConcurrencyDecision {
    if in_flight.is_empty() {
        return ConcurrencyDecision::Start;
    }
    match policy {
        ConcurrencyPolicy::Allow => ConcurrencyDecision::Start,
        ConcurrencyPolicy::Forbid => {
            let ids: Vec<&str> = in_flight.iter().map(|r| r.run_id.as_str()).collect();
            ConcurrencyDecision::Skip {
                reason: reasons::skipped_forbid(&ids, in_flight[0].state),
            }
        }
        ConcurrencyPolicy::Replace => ConcurrencyDecision::Replace {
            kill: in_flight.iter().map(|r| r.run_id.clone()).collect(),
        },
    }
}

/// Prefix of the one-shot triggers that retry a failed run:
/// `retry-<attempt>-<failed run id>`.
pub const RETRY_TRIGGER_PREFIX: &str = "retry-";

/// Prefix of the trigger key of a rerun (`POST …/runs/{id}/rerun`).
pub const RERUN_TRIGGER_PREFIX: &str = "rerun-";

/// Prefix of the trigger key of a backfill's runs: `backfill-<backfill id>`.
pub const BACKFILL_TRIGGER_PREFIX: &str = "backfill-";

/// Which retry a trigger is (0 for a normal trigger).
pub fn retry_attempt(trigger: &TriggerKey) -> u32 {
    trigger
        .name
        .strip_prefix(RETRY_TRIGGER_PREFIX)
        .and_then(|rest| rest.split('-').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The run a retry trigger (`retry-<attempt>-<run id>`) retries.
pub fn retried_run_id(trigger: &TriggerKey) -> Option<&str> {
    let rest = trigger.name.strip_prefix(RETRY_TRIGGER_PREFIX)?;
    let (attempt, run) = rest.split_once('-')?;
    (attempt.parse::<u32>().is_ok() && !run.is_empty()).then_some(run)
}

/// What a run repeats of an earlier one: a retry runs with the nominal
/// time (`${nominalTime}`, the deadline) and the `args`/`conf` of the run
/// it retries, not the retry's own fire time and the job's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOrigin {
    pub nominal_time: DateTime<Utc>,
    pub parameters: Option<run_parameters::RunParameters>,
}

impl RunOrigin {
    pub fn of(run: &RunRecord) -> Self {
        RunOrigin {
            nominal_time: run.scheduled_fire_time,
            parameters: run.parameters.clone(),
        }
    }
}

/// Whether a run starts at a time other than its nominal one on purpose (a
/// retry, a rerun, a backfill): its lateness says nothing of the
/// scheduler's.
pub fn repeats_an_earlier_time(run: &RunRecord) -> bool {
    retry_attempt(&run.trigger_key) > 0
        || run.trigger_key.name.starts_with(RERUN_TRIGGER_PREFIX)
        || run.backfill.is_some()
}

/// Whether a run that ended in `state` is retried (when its job's policy
/// has retries left): `FAILED` and `TIMED_OUT` (as Airflow retries a task
/// that exceeded its `execution_timeout`); never `SUCCEEDED`, `KILLED` (a
/// person or an unprovision stopped it), `SKIPPED` or `LOST`.
pub fn is_retried(state: RunState) -> bool {
    matches!(state, RunState::Failed | RunState::TimedOut)
}

/// The retry of a failed run, when its job's policy has retries left: the
/// one-shot trigger to add (fires at `now + retryDelay`).
pub fn retry_trigger(
    policy: &RunPolicy,
    failed: &RunRecord,
    now: DateTime<Utc>,
) -> Option<TriggerDefinition> {
    let attempt = retry_attempt(&failed.trigger_key) + 1;
    if attempt > policy.retries {
        return None;
    }
    let delay =
        Duration::seconds(i64::try_from(policy.retry_delay_secs).unwrap_or(i64::MAX / 2000));
    let start = now + delay;
    let mut name = format!("{RETRY_TRIGGER_PREFIX}{attempt}-{}", failed.run_id);
    name.truncate(crate::model::MAX_KEY_LEN);
    Some(TriggerDefinition {
        key: TriggerKey::new(failed.job_key.group.clone(), name),
        job_key: failed.job_key.clone(),
        schedule: TriggerSchedule::Once { start_time: start },
        next_fire_time: Some(start),
        previous_fire_time: None,
        state: crate::model::TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    })
}
