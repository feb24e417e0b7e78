//! Which `QUEUED` runs an acquisition starts, decided here and written by
//! the job store in the same transaction as the trigger fires (under the
//! same lock, so that across instances and restarts a queued run starts
//! once and a backfill's cap holds).
//!
//! - A backfill's run starts while fewer than its `maxParallel` runs of
//!   that backfill are in flight (`SUBMITTING`, `RUNNING`), oldest nominal
//!   time first; the job's `concurrencyPolicy` does not apply to it (the
//!   cap the operator chose does). Others wait, `QUEUED`.
//! - Any other queued run (a manual run with parameters, a rerun) is a
//!   fire like a manual trigger's: the job's `concurrencyPolicy` decides
//!   (`Forbid` ends it `SKIPPED` while a run of the job is in flight,
//!   `Replace` kills those, `Allow` starts it).
//! - A queued run whose job is gone ends `SKIPPED` with the reason.
//!
//! A started run becomes `SUBMITTING` (actual fire time now) with an
//! `ACQUIRED` fired row in the acquiring instance's name, exactly as a
//! trigger's fire; recovery treats it the same.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::{JobDefinition, JobKey, RunRecord, RunState};
use crate::ports::Fire;

use super::acquisition::{is_guarded, NewFiredRow};
use super::{concurrency_decision, ConcurrencyDecision, FiredState};

/// Reason of a queued run whose job was unprovisioned before it started.
pub const JOB_GONE: &str =
    "the job was unprovisioned before this queued run started, so it was not launched";

/// A queued run as the store read it, with its job (`None`: gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedRun {
    pub run: RunRecord,
    pub job: Option<JobDefinition>,
}

/// What the store writes for the queued runs it read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueuedPlan {
    /// Runs started (`SUBMITTING`), to launch, in order.
    pub fires: Vec<Fire>,
    /// Their fired rows, in the same order.
    pub fired_rows: Vec<NewFiredRow>,
    /// Runs that ended without starting (`SKIPPED`, with the reason).
    pub ended: Vec<RunRecord>,
}

impl QueuedPlan {
    /// Every run whose row changes: started, then ended.
    pub fn changed_runs(&self) -> impl Iterator<Item = &RunRecord> {
        self.fires.iter().map(|f| &f.run).chain(&self.ended)
    }
}

/// The jobs, once each and sorted, whose runs in flight [`plan_queued`]
/// needs: those of queued runs outside a backfill whose policy is guarded.
pub fn guarded_jobs_of(queued: &[QueuedRun]) -> Vec<JobKey> {
    let mut jobs: Vec<JobKey> = queued
        .iter()
        .filter(|q| q.run.backfill.is_none())
        .filter_map(|q| q.job.as_ref())
        .filter(|j| is_guarded(j.run_policy.concurrency))
        .map(|j| j.key.clone())
        .collect();
    jobs.sort();
    jobs.dedup();
    jobs
}

/// The backfill ids, once each and sorted, of the queued runs.
pub fn backfills_of(queued: &[QueuedRun]) -> Vec<String> {
    let mut ids: Vec<String> = queued
        .iter()
        .filter_map(|q| q.run.backfill.as_ref().map(|b| b.id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The plan for `queued` (in the order to consider them: oldest nominal
/// time first), given the runs in flight of the jobs of
/// [`guarded_jobs_of`] (the fires of this acquisition included) and how
/// many runs of each backfill are in flight.
pub fn plan_queued(
    queued: Vec<QueuedRun>,
    in_flight: Vec<RunRecord>,
    mut backfill_in_flight: BTreeMap<String, u32>,
    now: DateTime<Utc>,
    instance_id: &str,
) -> QueuedPlan {
    let mut flying: BTreeMap<JobKey, Vec<RunRecord>> = BTreeMap::new();
    for run in in_flight {
        flying.entry(run.job_key.clone()).or_default().push(run);
    }
    let mut plan = QueuedPlan::default();
    for QueuedRun { mut run, job } in queued {
        if run.state != RunState::Queued {
            continue;
        }
        let Some(job) = job else {
            run.end(RunState::Skipped, Some(JOB_GONE.to_string()), now);
            plan.ended.push(run);
            continue;
        };
        let replace = match &run.backfill {
            Some(slot) => {
                let n = backfill_in_flight.entry(slot.id.clone()).or_default();
                if *n >= slot.max_parallel {
                    continue;
                }
                *n += 1;
                Vec::new()
            }
            None => {
                let policy = job.run_policy.concurrency;
                let others = flying.get(&job.key).cloned().unwrap_or_default();
                let refs: Vec<&RunRecord> = others.iter().collect();
                match concurrency_decision(policy, &refs) {
                    ConcurrencyDecision::Skip { reason } => {
                        run.end(RunState::Skipped, Some(reason), now);
                        plan.ended.push(run);
                        continue;
                    }
                    ConcurrencyDecision::Start => Vec::new(),
                    ConcurrencyDecision::Replace { .. } => others,
                }
            }
        };
        run.state = RunState::Submitting;
        run.actual_fire_time = now;
        run.updated_at = now;
        if is_guarded(job.run_policy.concurrency) {
            let seen = flying.entry(job.key.clone()).or_default();
            if !replace.is_empty() {
                seen.clear();
            }
            seen.push(run.clone());
        }
        plan.fired_rows.push(NewFiredRow {
            entry_id: run.run_id.clone(),
            trigger: run.trigger_key.clone(),
            job: job.key.clone(),
            instance: instance_id.to_string(),
            fired_at: now,
            scheduled_at: run.scheduled_fire_time,
            priority: 5,
            state: FiredState::Acquired,
            non_concurrent: job.non_concurrent,
            requests_recovery: false,
        });
        plan.fires.push(Fire { run, job, replace });
    }
    plan
}
