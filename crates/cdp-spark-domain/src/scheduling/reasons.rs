//! The user-facing texts of the scheduling decisions, in one place: why a
//! fire was skipped, why a run was given up (`LOST`), why a trigger was put
//! in `ERROR`. Runs store them in their `error` column and the job status
//! API shows them, so each says what happened and what to do about it.

use crate::model::{JobKey, RunState};

/// A fire not started because runs of its job are still in flight and the
/// job's `concurrencyPolicy` is `Forbid`: `ids` are those runs, `state` the
/// state of the first.
pub fn skipped_forbid(ids: &[&str], state: RunState) -> String {
    format!(
        "skipped: run {} of this job is still {} and concurrencyPolicy is Forbid; set concurrencyPolicy to Allow or Replace to start runs while one is going",
        ids.join(", "),
        state.as_str()
    )
}

/// A stored cron expression that no longer parses (`error`: the parser's
/// complaint).
pub fn invalid_cron(cron_expression: &str, error: &str) -> String {
    format!(
        "the stored cron expression '{cron_expression}' is invalid ({error}); re-provision the job with a valid cronExpression"
    )
}

/// A stored time zone id that Java does not resolve.
pub fn invalid_time_zone(time_zone: &str) -> String {
    format!(
        "the stored time zone '{time_zone}' is not a time zone id Java resolves; re-provision the job with a valid timeZone"
    )
}

/// A due trigger (or its job) whose rows cannot be read (`error`: what the
/// store found wrong).
pub fn unreadable_trigger(error: &str) -> String {
    format!("the stored trigger or its job cannot be read ({error}); re-provision the job")
}

/// A fire a stopped instance acquired but never launched, whose job was
/// unprovisioned since.
pub fn lost_job_unprovisioned(job: &JobKey) -> String {
    format!(
        "the instance that acquired this fire stopped before launching it, and job {job} was unprovisioned meanwhile, so it was not launched"
    )
}

/// A run of a stopped instance in `state` that has no application id, so
/// no cluster manager can be asked about it.
pub fn lost_without_application(state: RunState) -> String {
    format!(
        "run in state {} without an application id on a stopped provisioner instance: cannot be followed",
        state.as_str()
    )
}

/// The run ids a [`skipped_forbid`] text names (none for another text).
pub fn skipped_blockers(reason: &str) -> Vec<String> {
    reason
        .strip_prefix("skipped: run ")
        .and_then(|rest| rest.split_once(" of this job is still "))
        .map(|(ids, _)| {
            ids.split(", ")
                .filter(|id| !id.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The note recovery leaves on a trigger it repaired (see
/// `recovery::TriggerRepair::note`), for people reading the table.
pub fn trigger_repaired(state_before: &str) -> String {
    format!("repaired by recovery: was {state_before} with no live instance owning it")
}

/// A run killed because it ran longer than its job's `maxDuration`:
/// `started` when its spark-submit started, `killed_at` when the scheduler
/// killed its application.
pub fn timed_out(
    max: crate::descriptor::MaxDuration,
    started: chrono::DateTime<chrono::Utc>,
    killed_at: chrono::DateTime<chrono::Utc>,
) -> String {
    let time = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    format!(
        "ran longer than its maxDuration {max} (started {}, killed at {}); raise jobConfig.maxDuration if the job needs longer",
        time(started),
        time(killed_at)
    )
}
