//! Scheduling decisions, pure: when a trigger fires next, what a misfire
//! does, what a fire does while a run of the same job is in flight, and
//! whether a failed run is retried. The job store applies them inside its
//! fire transaction ([`acquisition`]: what one acquisition does with the
//! due triggers it read; [`recovery`]: what a check-in does with the fires
//! of stopped instances); the scheduler engine applies the retry decision.
//! The texts users read about these decisions are in [`reasons`].
//! Nothing here does I/O or reads a clock: "now" is always an argument.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::cron::CronExpression;
use crate::descriptor::ConcurrencyPolicy;
use crate::model::{
    MisfireInstruction, RunPolicy, RunRecord, TriggerDefinition, TriggerKey, TriggerSchedule,
};

pub mod acquisition;
pub mod backfill;
pub mod outcome;
pub mod queued;
pub mod reasons;
pub mod recovery;
pub mod run_parameters;
pub mod shutdown;

#[cfg(test)]
mod acquisition_tests;
#[cfg(test)]
mod queued_tests;
#[cfg(test)]
mod recovery_tests;
#[cfg(test)]
mod tests;

/// Why a trigger cannot be planned (its stored schedule is unreadable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("trigger {trigger}: {problem}")]
pub struct ScheduleError {
    pub trigger: String,
    pub problem: String,
}

/// A trigger's schedule, parsed once.
#[derive(Debug, Clone)]
pub enum ParsedSchedule {
    Cron {
        cron: Box<CronExpression>,
        zone: Tz,
        end_time: Option<DateTime<Utc>>,
    },
    Once,
}

impl ParsedSchedule {
    pub fn parse(key: &TriggerKey, schedule: &TriggerSchedule) -> Result<Self, ScheduleError> {
        match schedule {
            TriggerSchedule::Once { .. } => Ok(ParsedSchedule::Once),
            TriggerSchedule::Cron {
                cron_expression,
                time_zone,
                end_time,
                ..
            } => {
                let cron = CronExpression::parse(cron_expression).map_err(|e| ScheduleError {
                    trigger: key.to_string(),
                    problem: reasons::invalid_cron(cron_expression, &e.to_string()),
                })?;
                let zone: Tz = time_zone.parse().map_err(|_| ScheduleError {
                    trigger: key.to_string(),
                    problem: reasons::invalid_time_zone(time_zone),
                })?;
                Ok(ParsedSchedule::Cron {
                    cron: Box::new(cron),
                    zone,
                    end_time: *end_time,
                })
            }
        }
    }

    /// The first fire time strictly after `after`, `None` when the schedule
    /// has none left (one-shot, or past its end time).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            ParsedSchedule::Once => None,
            ParsedSchedule::Cron {
                cron,
                zone,
                end_time,
            } => {
                let next = cron.next_after(after, *zone)?;
                match end_time {
                    Some(end) if next > *end => None,
                    _ => Some(next),
                }
            }
        }
    }
}

/// Parsed schedules by cron expression and time zone, so that a batch (and
/// the batches after it, when the cache is kept) parses each expression
/// once. Unreadable ones are remembered with their problem.
#[derive(Debug, Default)]
pub struct ScheduleCache {
    parsed: HashMap<(String, String), Result<ParsedSchedule, String>>,
}

impl ScheduleCache {
    /// Entries kept at most; the cache starts over beyond.
    pub const MAX_ENTRIES: usize = 10_000;

    /// The parsed schedule of `trigger`, or why it cannot be read (a text
    /// for users: [`reasons::invalid_cron`], [`reasons::invalid_time_zone`]).
    pub fn schedule_of(&mut self, trigger: &TriggerDefinition) -> Result<ParsedSchedule, String> {
        let TriggerSchedule::Cron {
            cron_expression,
            time_zone,
            end_time,
            ..
        } = &trigger.schedule
        else {
            return Ok(ParsedSchedule::Once);
        };
        if self.parsed.len() > Self::MAX_ENTRIES {
            self.parsed.clear();
        }
        let base = self
            .parsed
            .entry((cron_expression.clone(), time_zone.clone()))
            .or_insert_with(|| {
                ParsedSchedule::parse(&trigger.key, &trigger.schedule).map_err(|e| e.problem)
            })
            .clone()?;
        Ok(match base {
            ParsedSchedule::Cron { cron, zone, .. } => ParsedSchedule::Cron {
                cron,
                zone,
                end_time: *end_time,
            },
            ParsedSchedule::Once => ParsedSchedule::Once,
        })
    }
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
    schedule: &ParsedSchedule,
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
            ParsedSchedule::Once => FirePlan {
                fire_at: Some(now),
                next_fire_time: None,
                misfired: true,
            },
            ParsedSchedule::Cron { .. } => FirePlan {
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

/// Which retry a trigger is (0 for a normal trigger).
pub fn retry_attempt(trigger: &TriggerKey) -> u32 {
    trigger
        .name
        .strip_prefix(RETRY_TRIGGER_PREFIX)
        .and_then(|rest| rest.split('-').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
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
