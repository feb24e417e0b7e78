//! "Why didn't my job run?": every fire time a job's schedule had in a
//! window and what became of it, decided from what the store keeps (the
//! scheduled trigger, the job's runs, the repairs recovery made) and now.
//!
//! Pure: the use case reads the trigger, the runs and the repairs through
//! the ports and calls [`explain`]. The store keeps no history of pauses,
//! so a fire time is `PAUSED` only while the trigger is paused now; a time
//! missed while paused that was resumed since shows as the misfire it
//! became on resume.

use std::collections::{BTreeMap, HashSet};

use crate::cron::JavaTimeZone;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::cron::CronExpression;
use crate::model::{
    JobKey, MisfireInstruction, RunRecord, RunState, TriggerDefinition, TriggerSchedule,
    TriggerState,
};

use super::{
    reasons, recovery::TriggerRepair, BACKFILL_TRIGGER_PREFIX, RERUN_TRIGGER_PREFIX,
    RETRY_TRIGGER_PREFIX,
};

/// Most schedule fire times one answer lists; a wider window is refused
/// with its count.
pub const MAX_FIRE_TIMES: usize = 1000;
/// Fire times counted at most for the refusal (beyond: "more than").
pub const MAX_COUNTED: usize = 10 * MAX_FIRE_TIMES;
/// Most runs of the job read for one answer.
pub const MAX_RUNS: usize = 2 * MAX_FIRE_TIMES;
/// Prefix of the one-shot triggers of manual starts (`usecases/jobs.rs`).
pub const MANUAL_TRIGGER_PREFIX: &str = "manual-";

/// What became of a fire time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// A run was started for it (`runId`, `runState`).
    Ran,
    /// A run was recorded `SKIPPED`: runs of the job were in flight and its
    /// `concurrencyPolicy` is `Forbid` (`blockedBy`).
    Skipped,
    /// The scheduler reached it too late and followed the misfire
    /// instruction (`misfirePolicy`; `firedAs` when it fired once later).
    Misfired,
    /// No run: the job's trigger is paused.
    Paused,
    /// Before the trigger's start time (before the job was provisioned).
    BeforeStart,
    /// After the schedule's end date.
    AfterEnd,
    /// In the future, or due this very moment.
    NotYetDue,
    /// The trigger was stuck in a state no live instance owned and
    /// recovery repaired it: no run was made for this time.
    Repaired,
    /// No run and no explanation: this should not happen (`detail`).
    Missing,
}

/// Where a listed time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FireSource {
    /// A fire time of the job's schedule.
    Schedule,
    /// A run the scheduled trigger made off its schedule: the one fire of a
    /// misfire (at the time the scheduler got to it).
    MisfireCatchUp,
    /// A manual start (`POST …/trigger`).
    Manual,
    /// A retry of a failed run (at the nominal time of the run it retries).
    Retry,
    /// A rerun of a run (`POST …/runs/{id}/rerun`, at that run's nominal
    /// time).
    Rerun,
    /// A run of a backfill (`POST …/backfill`) for this fire time of the
    /// schedule.
    Backfill,
}

/// One listed time and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FireExplanation {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub fire_time: DateTime<Utc>,
    pub source: FireSource,
    pub verdict: Verdict,
    /// The run made for it (`RAN`, `SKIPPED`, and the runs of other sources).
    pub run_id: Option<String>,
    pub run_state: Option<RunState>,
    /// `SKIPPED`: the runs in flight that blocked it.
    pub blocked_by: Vec<String>,
    /// `MISFIRED`: the trigger's misfire instruction.
    pub misfire_policy: Option<MisfireInstruction>,
    /// `MISFIRED`: the run the misfire fired once instead, when there is one.
    pub fired_as: Option<String>,
    /// What happened, in a sentence.
    pub detail: String,
}

/// The answer for a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobExplanation {
    pub job_key: JobKey,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub to: DateTime<Utc>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub now: DateTime<Utc>,
    /// The schedule as stored (cron expression and zone), `null` when the
    /// job has no scheduled trigger.
    pub schedule: Option<String>,
    /// The scheduled trigger's state now.
    pub trigger_state: Option<TriggerState>,
    /// Every fire time of the schedule in the window, and every other run
    /// of the job scheduled in it, in time order.
    pub fires: Vec<FireExplanation>,
    /// What the answer could not know (no schedule, runs left out).
    pub notes: Vec<String>,
}

/// Why a window cannot be explained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    /// The window (`from`, `to`) is not a window, or holds too many fire
    /// times; the text names the parameter.
    #[error("{0}")]
    Window(String),
}

/// What [`explain`] reads.
#[derive(Debug, Clone)]
pub struct ExplainInput<'a> {
    pub job: &'a JobKey,
    /// The job's scheduled trigger (`jobName` + `Trigger`), if it has one.
    pub trigger: Option<&'a TriggerDefinition>,
    /// The job's runs scheduled in the window (any order; at most
    /// [`MAX_RUNS`] are looked at).
    pub runs: &'a [RunRecord],
    /// Whether the store had more runs in the window than were read.
    pub runs_truncated: bool,
    /// The repairs recovery made to the job's triggers.
    pub repairs: &'a [TriggerRepair],
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// A fire later than this misfired.
    pub misfire_threshold: Duration,
}

/// Checks a window: `from` before `to`.
pub fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), ExplainError> {
    if from >= to {
        return Err(ExplainError::Window(format!(
            "from ({}) must be before to ({})",
            from.to_rfc3339(),
            to.to_rfc3339()
        )));
    }
    Ok(())
}

/// The schedule's fire times in `[from, to]` (all of them, whatever the
/// trigger's start and end), refused past [`MAX_FIRE_TIMES`].
pub fn fire_times(
    cron: &CronExpression,
    zone: JavaTimeZone,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, ExplainError> {
    let mut out = Vec::new();
    let mut t = from - Duration::seconds(1);
    while let Some(next) = cron.next_after(t, zone) {
        if next > to {
            break;
        }
        t = next;
        // Cron works in whole seconds: a `from` with a fraction is after
        // the second it falls in.
        if next < from {
            continue;
        }
        if out.len() == MAX_COUNTED {
            return Err(too_many(format!("more than {MAX_COUNTED}")));
        }
        out.push(next);
    }
    if out.len() > MAX_FIRE_TIMES {
        return Err(too_many(out.len().to_string()));
    }
    Ok(out)
}

fn too_many(count: String) -> ExplainError {
    ExplainError::Window(format!(
        "the window from..to holds {count} fire times of the schedule; at most {MAX_FIRE_TIMES} are explained at once: narrow from or to"
    ))
}

fn source_of(run: &RunRecord, scheduled: Option<&TriggerDefinition>) -> FireSource {
    let name = &run.trigger_key.name;
    if name.starts_with(MANUAL_TRIGGER_PREFIX) {
        FireSource::Manual
    } else if name.starts_with(RETRY_TRIGGER_PREFIX) {
        FireSource::Retry
    } else if name.starts_with(RERUN_TRIGGER_PREFIX) {
        FireSource::Rerun
    } else if name.starts_with(BACKFILL_TRIGGER_PREFIX) || run.backfill.is_some() {
        FireSource::Backfill
    } else if scheduled.is_some_and(|t| t.key == run.trigger_key) {
        FireSource::MisfireCatchUp
    } else {
        // A trigger of the job's that is gone (an older scheduled trigger).
        FireSource::Schedule
    }
}

fn of_run(run: &RunRecord, source: FireSource) -> FireExplanation {
    let skipped = run.state == RunState::Skipped;
    let blocked_by = if skipped {
        reasons::skipped_blockers(run.error.as_deref().unwrap_or(""))
    } else {
        Vec::new()
    };
    let detail = if skipped {
        format!(
            "skipped: run {} of this job was in flight and concurrencyPolicy is Forbid",
            blocked_by.join(", ")
        )
    } else {
        format!("run {} is {}", run.run_id, run.state.as_str())
    };
    FireExplanation {
        fire_time: run.scheduled_fire_time,
        source,
        verdict: if skipped {
            Verdict::Skipped
        } else {
            Verdict::Ran
        },
        run_id: Some(run.run_id.clone()),
        run_state: Some(run.state),
        blocked_by,
        misfire_policy: None,
        fired_as: None,
        detail,
    }
}

fn bare(fire_time: DateTime<Utc>, verdict: Verdict, detail: String) -> FireExplanation {
    FireExplanation {
        fire_time,
        source: FireSource::Schedule,
        verdict,
        run_id: None,
        run_state: None,
        blocked_by: Vec::new(),
        misfire_policy: None,
        fired_as: None,
        detail,
    }
}

/// Every fire time of the job's schedule in the window and what became of
/// it, with the job's other runs scheduled in the window (manual starts,
/// retries, the one fire of a misfire), in time order.
///
/// A schedule time with a run of the scheduled trigger at that time is
/// `RAN` (or `SKIPPED`). Without one: `BEFORE_START` before the trigger's
/// start, `AFTER_END` after its end, `NOT_YET_DUE` after now (`PAUSED` when
/// the trigger is paused) or due within the misfire threshold, `REPAIRED`
/// within a repair's stuck span, `PAUSED` while the trigger is paused,
/// `MISFIRED` when the trigger went past it (with the run the misfire
/// fired once, when the trigger's next run is off its schedule) or is more
/// than the threshold late, and `MISSING` otherwise.
pub fn explain(input: &ExplainInput<'_>) -> Result<JobExplanation, ExplainError> {
    check_window(input.from, input.to)?;
    let mut notes = Vec::new();
    let trigger = input.trigger;
    let cron = match trigger.map(|t| &t.schedule) {
        Some(TriggerSchedule::Cron {
            cron_expression,
            time_zone,
            start_time,
            end_time,
        }) => Some((
            cron_expression.clone(),
            *time_zone,
            *start_time,
            *end_time,
            cron_expression,
        )),
        _ => None,
    };
    if trigger.is_none() {
        notes.push("the job has no scheduled trigger (no schedule, or its end date passed and the trigger was removed): only its runs are listed".into());
    }
    let mut runs: Vec<&RunRecord> = input
        .runs
        .iter()
        .filter(|r| r.scheduled_fire_time >= input.from && r.scheduled_fire_time <= input.to)
        .collect();
    runs.sort_by(|a, b| {
        (a.scheduled_fire_time, &a.run_id).cmp(&(b.scheduled_fire_time, &b.run_id))
    });
    runs.truncate(MAX_RUNS);
    if input.runs_truncated || input.runs.len() > MAX_RUNS {
        notes.push(format!(
            "the window holds more than {MAX_RUNS} runs of the job; only the first {MAX_RUNS} were looked at: narrow from or to"
        ));
    }

    let mut fires: BTreeMap<(DateTime<Utc>, u8, String), FireExplanation> = BTreeMap::new();
    let mut used: HashSet<&str> = HashSet::new();
    let mut schedule_text = None;
    if let (Some(t), Some((cron, zone, start, end, text))) = (trigger, &cron) {
        schedule_text = Some(format!("{text} ({})", zone.name()));
        let times = fire_times(cron, *zone, input.from, input.to)?;
        let on_schedule: HashSet<DateTime<Utc>> = times.iter().copied().collect();
        // The scheduled trigger's runs, by time.
        let own: Vec<&RunRecord> = runs
            .iter()
            .copied()
            .filter(|r| r.trigger_key == t.key)
            .collect();
        // A backfill's runs stand for the schedule's times they were made for.
        let backfilled: Vec<&RunRecord> = runs
            .iter()
            .copied()
            .filter(|r| source_of(r, trigger) == FireSource::Backfill)
            .collect();
        for time in times {
            let matched = own
                .iter()
                .find(|r| r.scheduled_fire_time == time && !used.contains(r.run_id.as_str()))
                .copied();
            let backfill = backfilled
                .iter()
                .find(|r| r.scheduled_fire_time == time && !used.contains(r.run_id.as_str()))
                .copied();
            let entry = if let Some(run) = matched {
                used.insert(&run.run_id);
                of_run(run, FireSource::Schedule)
            } else if let Some(run) = backfill {
                used.insert(&run.run_id);
                of_run(run, FireSource::Backfill)
            } else {
                // The trigger's first run after this time, if it is off
                // the schedule: the one fire of a misfire.
                let catch_up = own
                    .iter()
                    .find(|r| r.scheduled_fire_time > time)
                    .filter(|r| !on_schedule.contains(&r.scheduled_fire_time))
                    .map(|r| r.run_id.clone());
                unrun(time, t, *start, *end, catch_up, !own.is_empty(), input)
            };
            fires.insert((time, 0, String::new()), entry);
        }
    }
    for run in runs {
        if used.contains(run.run_id.as_str()) {
            continue;
        }
        let entry = of_run(run, source_of(run, trigger));
        fires.insert((run.scheduled_fire_time, 1, run.run_id.clone()), entry);
    }
    Ok(JobExplanation {
        job_key: input.job.clone(),
        from: input.from,
        to: input.to,
        now: input.now,
        schedule: schedule_text,
        trigger_state: trigger.map(|t| t.state),
        fires: fires.into_values().collect(),
        notes,
    })
}

/// A schedule time without a run of its own.
fn unrun(
    time: DateTime<Utc>,
    t: &TriggerDefinition,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    catch_up: Option<String>,
    has_own_runs: bool,
    input: &ExplainInput<'_>,
) -> FireExplanation {
    let paused = matches!(t.state, TriggerState::Paused | TriggerState::PausedBlocked);
    if time < start {
        return bare(
            time,
            Verdict::BeforeStart,
            format!(
                "before the trigger's start time {} (when the job was provisioned)",
                start.to_rfc3339()
            ),
        );
    }
    if let Some(end) = end.filter(|e| time > *e) {
        return bare(
            time,
            Verdict::AfterEnd,
            format!("after the schedule's end date {}", end.to_rfc3339()),
        );
    }
    if time > input.now {
        return if paused {
            bare(
                time,
                Verdict::Paused,
                "the job is paused: it will not fire until resumed".into(),
            )
        } else {
            bare(time, Verdict::NotYetDue, "not due yet".into())
        };
    }
    if let Some(r) = input
        .repairs
        .iter()
        .find(|r| r.trigger == t.key && r.stuck_since <= time && time <= r.repaired_at)
    {
        return bare(
            time,
            Verdict::Repaired,
            format!(
                "the trigger was stuck in {} with no live instance owning it from {} until recovery repaired it at {}: no run was made",
                r.state_before.as_quartz(),
                r.stuck_since.to_rfc3339(),
                r.repaired_at.to_rfc3339()
            ),
        );
    }
    // A trigger that never fired (no previous fire time, no run of its
    // own) was written after the times before its first one: the job was
    // provisioned (again) later, with a start date in the past, and a
    // schedule does not fire for times before it existed. (Under
    // DO_NOTHING a misfire also leaves no previous fire time: that case
    // stays a misfire below.)
    if t.previous_fire_time.is_none()
        && !has_own_runs
        && t.misfire_instruction != MisfireInstruction::DoNothing
    {
        if let Some(first) = t.next_fire_time.filter(|first| time < *first) {
            return bare(
                time,
                Verdict::BeforeStart,
                format!(
                    "before the trigger's first fire time {} (the job was provisioned after this time; a backfill runs past times)",
                    first.to_rfc3339()
                ),
            );
        }
    }
    let passed = t.next_fire_time.is_none_or(|next| time < next);
    if !passed {
        if paused {
            return bare(
                time,
                Verdict::Paused,
                "the job is paused: its trigger has not fired since".into(),
            );
        }
        if input.now - time <= input.misfire_threshold {
            return bare(
                time,
                Verdict::NotYetDue,
                "due now: the scheduler has not acquired it yet".into(),
            );
        }
        if t.state == TriggerState::Error {
            return bare(
                time,
                Verdict::Missing,
                "the trigger is in ERROR (its stored schedule or job cannot be read): it fires no more until the job is re-provisioned".into(),
            );
        }
        let mut e = bare(
            time,
            Verdict::Misfired,
            format!(
                "overdue by more than the misfire threshold and no scheduler has acquired it yet (is one running?); when one does, it follows {}",
                policy_text(t.misfire_instruction)
            ),
        );
        e.misfire_policy = Some(t.misfire_instruction);
        return e;
    }
    // A paused trigger does not move: the trigger went past this time
    // while it was waiting, so it is a misfire whatever its state now.
    let policy = t.misfire_instruction;
    let detail = match (&catch_up, policy) {
        (Some(run), _) => format!(
            "the scheduler got to it late (paused, stopped or behind) and followed {}: it fired once later as run {run}",
            policy_text(policy)
        ),
        (None, MisfireInstruction::DoNothing) => format!(
            "the scheduler got to it late (paused, stopped or behind) and followed {}: no run was made, the schedule resumed at its next time",
            policy_text(policy)
        ),
        (None, _) => format!(
            "the scheduler got to it late (paused, stopped or behind) and followed {}: the one run it fired instead is not in the window",
            policy_text(policy)
        ),
    };
    let mut e = bare(time, Verdict::Misfired, detail);
    e.misfire_policy = Some(policy);
    e.fired_as = catch_up;
    e
}

fn policy_text(policy: MisfireInstruction) -> &'static str {
    match policy {
        MisfireInstruction::DoNothing => "the misfire instruction DO_NOTHING",
        MisfireInstruction::IgnoreMisfires => "the misfire instruction IGNORE_MISFIRES",
        MisfireInstruction::FireOnceNow => "the misfire instruction FIRE_ONCE_NOW",
        MisfireInstruction::SmartPolicy => "the misfire instruction SMART_POLICY (fire once now)",
    }
}
