//! What one acquisition does with the due triggers it read, decided here
//! and written by the job store inside the same transaction.
//!
//! The store reads the due triggers with their jobs under its lock, asks
//! [`guarded_jobs`] which jobs' runs in flight it must read, reads them,
//! and calls [`plan_acquisition`]. The plan says everything the store
//! writes: the runs to insert (started and `SKIPPED`), the
//! `QRTZ_FIRED_TRIGGERS` rows to insert, and for every trigger read its
//! move (next fire time, deletion when it will not fire again, or `ERROR`
//! with the reason when it cannot be read).

use chrono::{DateTime, Duration, Utc};

use crate::descriptor::ConcurrencyPolicy;
use crate::model::{JobDefinition, JobKey, RunRecord, RunState, TriggerDefinition, TriggerKey};
use crate::ports::Fire;

use super::{concurrency_decision, plan_fire, reasons, ConcurrencyDecision, FiredState};

/// A due trigger as the store read it.
// Nearly every due trigger is readable: boxing the large variant would cost
// an allocation each for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DueTrigger {
    /// The trigger and its job, decoded.
    Read {
        trigger: TriggerDefinition,
        job: JobDefinition,
    },
    /// A trigger whose row, or whose job's row, cannot be decoded: `error`
    /// says what is wrong with it.
    Unreadable { key: TriggerKey, error: String },
    /// A cron trigger whose stored expression or time zone cannot be read.
    BadSchedule {
        key: TriggerKey,
        error: super::ScheduleError,
    },
}

/// The circumstances of one acquisition.
#[derive(Debug, Clone, Copy)]
pub struct AcquisitionContext<'a> {
    /// The database's clock when the batch was read.
    pub now: DateTime<Utc>,
    /// A trigger later than this misfired.
    pub misfire_threshold: Duration,
    /// The acquiring instance, whose name the fired rows get.
    pub instance_id: &'a str,
}

/// A `QRTZ_FIRED_TRIGGERS` row to insert: one per started fire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFiredRow {
    /// `ENTRY_ID`: the id of the fire's run.
    pub entry_id: String,
    pub trigger: TriggerKey,
    pub job: JobKey,
    pub instance: String,
    /// `FIRED_TIME`: when it was acquired.
    pub fired_at: DateTime<Utc>,
    /// `SCHED_TIME`: the fire time the run is for.
    pub scheduled_at: DateTime<Utc>,
    pub priority: i32,
    pub state: FiredState,
    pub non_concurrent: bool,
    pub requests_recovery: bool,
}

/// What happens to a trigger read in the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerChange {
    /// Still `WAITING`, for its next fire time.
    Next {
        next_fire_time: DateTime<Utc>,
        previous_fire_time: Option<DateTime<Utc>>,
    },
    /// It will not fire again (a one-shot trigger, a cron trigger past its
    /// end time): deleted, as Quartz removes a trigger once it fired for the
    /// last time. The job stays and the runs keep its key.
    Delete,
    /// It cannot be read: `ERROR` without a next fire time (its previous
    /// fire time kept), for `reason`, until the job is re-provisioned.
    Error { reason: String },
}

/// A trigger's [`TriggerChange`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerMove {
    pub key: TriggerKey,
    pub change: TriggerChange,
}

/// Everything one acquisition writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcquisitionPlan {
    /// Fires to launch: their runs are inserted `SUBMITTING`, in this order.
    pub fires: Vec<Fire>,
    /// Fires not started (`SKIPPED` runs to insert, the reason in `error`).
    pub skipped: Vec<RunRecord>,
    /// The fired rows of `fires`, in the same order.
    pub fired_rows: Vec<NewFiredRow>,
    /// One move per trigger read, in the order read (a due trigger without
    /// a next fire time, which the store does not read, has none).
    pub triggers: Vec<TriggerMove>,
    /// Triggers that misfired.
    pub misfired: usize,
}

impl AcquisitionPlan {
    /// The runs to insert: the started ones, then the skipped ones.
    pub fn new_runs(&self) -> impl Iterator<Item = &RunRecord> {
        self.fires.iter().map(|f| &f.run).chain(&self.skipped)
    }

    /// Triggers deleted because they will not fire again.
    pub fn completed(&self) -> usize {
        self.triggers
            .iter()
            .filter(|m| m.change == TriggerChange::Delete)
            .count()
    }
}

/// Whether a fire of a job with this policy looks at the runs in flight
/// (`Allow` never does).
pub fn is_guarded(policy: ConcurrencyPolicy) -> bool {
    policy != ConcurrencyPolicy::Allow
}

/// The jobs, once each and sorted, whose runs in flight (`SUBMITTING`,
/// `RUNNING`) [`plan_acquisition`] needs.
pub fn guarded_jobs(due: &[DueTrigger]) -> Vec<JobKey> {
    let mut jobs: Vec<JobKey> = due
        .iter()
        .filter_map(|d| match d {
            DueTrigger::Read { job, .. } if is_guarded(job.run_policy.concurrency) => {
                Some(job.key.clone())
            }
            _ => None,
        })
        .collect();
    jobs.sort();
    jobs.dedup();
    jobs
}

/// The plan of one acquisition of the `due` triggers, in the order read.
///
/// - A trigger (or job) that cannot be read, or whose schedule cannot be
///   parsed, goes to `ERROR` with the reason; the others fire according to
///   [`plan_fire`] (misfire instruction past `misfire_threshold`) and move
///   to their next fire time, or are deleted when there is none.
/// - A fire of a guarded job ([`is_guarded`]) sees the runs of its job in
///   flight (`in_flight`, which the store read for [`guarded_jobs`]) and
///   the fires of the same job made earlier in this batch:
///   [`concurrency_decision`] skips it (`Forbid`, a `SKIPPED` run with the
///   reason), or starts it, replacing them (`Replace`: the fire carries the
///   runs to kill, and later fires see only it).
/// - A started fire gets a `SUBMITTING` run whose id comes from `new_id`,
///   for its scheduled time and started at the later of that and now, and
///   an `ACQUIRED` fired row in `instance_id`'s name.
pub fn plan_acquisition(
    due: Vec<DueTrigger>,
    in_flight: Vec<RunRecord>,
    ctx: &AcquisitionContext<'_>,
    new_id: &mut dyn FnMut() -> String,
) -> AcquisitionPlan {
    plan_acquisition_with_origins(due, in_flight, &Default::default(), ctx, new_id)
}

/// [`plan_acquisition`], where the runs of the triggers in `origins` (the
/// retries, by their trigger) take the nominal time and parameters of the
/// run they repeat.
pub fn plan_acquisition_with_origins(
    due: Vec<DueTrigger>,
    in_flight: Vec<RunRecord>,
    origins: &std::collections::HashMap<TriggerKey, super::RunOrigin>,
    ctx: &AcquisitionContext<'_>,
    new_id: &mut dyn FnMut() -> String,
) -> AcquisitionPlan {
    let now = ctx.now;
    let mut flying: std::collections::BTreeMap<JobKey, Vec<RunRecord>> = Default::default();
    for run in in_flight {
        flying.entry(run.job_key.clone()).or_default().push(run);
    }
    let mut plan = AcquisitionPlan::default();
    for d in due {
        let (t, job) = match d {
            DueTrigger::Read { trigger, job } => (trigger, job),
            DueTrigger::Unreadable { key, error } => {
                plan.triggers.push(TriggerMove {
                    key,
                    change: TriggerChange::Error {
                        reason: reasons::unreadable_trigger(&error),
                    },
                });
                continue;
            }
            DueTrigger::BadSchedule { key, error } => {
                plan.triggers.push(TriggerMove {
                    key,
                    change: TriggerChange::Error {
                        reason: error.problem,
                    },
                });
                continue;
            }
        };
        let Some(due_at) = t.next_fire_time else {
            continue;
        };
        let fire = plan_fire(
            &t.schedule,
            t.misfire_instruction,
            due_at,
            now,
            ctx.misfire_threshold,
        );
        if fire.misfired {
            plan.misfired += 1;
        }
        plan.triggers.push(TriggerMove {
            key: t.key.clone(),
            change: match fire.next_fire_time {
                Some(next) => TriggerChange::Next {
                    next_fire_time: next,
                    previous_fire_time: fire.fire_at.or(t.previous_fire_time),
                },
                None => TriggerChange::Delete,
            },
        });
        let Some(fire_at) = fire.fire_at else {
            continue;
        };
        let policy = job.run_policy.concurrency;
        let in_flight = flying.get(&job.key).cloned().unwrap_or_default();
        let refs: Vec<&RunRecord> = in_flight.iter().collect();
        let decision = concurrency_decision(policy, &refs);
        let mut run = RunRecord {
            run_id: new_id(),
            job_key: job.key.clone(),
            trigger_key: t.key.clone(),
            scheduled_fire_time: fire_at,
            actual_fire_time: fire_at.max(now),
            application_id: None,
            tracking_url: None,
            state: RunState::Submitting,
            final_status: None,
            created_at: now,
            updated_at: now,
            ended_at: None,
            submitted_at: None,
            running_at: None,
            error: None,
            parameters: None,
            backfill: None,
        };
        if let Some(origin) = origins.get(&t.key) {
            run.scheduled_fire_time = origin.nominal_time;
            run.parameters = origin.parameters.clone();
        }
        let replace = match decision {
            ConcurrencyDecision::Skip { reason } => {
                run.end(RunState::Skipped, Some(reason), now);
                plan.skipped.push(run);
                continue;
            }
            ConcurrencyDecision::Start => Vec::new(),
            ConcurrencyDecision::Replace { .. } => in_flight,
        };
        if is_guarded(policy) {
            // A later fire of the same job in this batch sees this one (and
            // only this one when it replaced the others).
            let seen = flying.entry(job.key.clone()).or_default();
            if !replace.is_empty() {
                seen.clear();
            }
            seen.push(run.clone());
        }
        plan.fired_rows.push(NewFiredRow {
            entry_id: run.run_id.clone(),
            trigger: t.key,
            job: job.key.clone(),
            instance: ctx.instance_id.to_string(),
            fired_at: now,
            scheduled_at: fire_at,
            priority: t.priority,
            state: FiredState::Acquired,
            non_concurrent: job.non_concurrent,
            requests_recovery: false,
        });
        plan.fires.push(Fire { run, job, replace });
    }
    plan
}
