//! Storing ended runs, and the retries of the failed and timed-out ones:
//! every run's end goes through [`finish`].

use std::sync::atomic::Ordering;
use std::sync::Arc;

use cdp_spark_domain::model::RunRecord;
use cdp_spark_domain::scheduling::{is_retried, retry_trigger};
use tracing::{info, warn};

use crate::Engine;

/// Stores ended runs and adds retries for the failed and timed-out ones
/// with retries left ([`is_retried`]).
pub(crate) async fn finish(engine: &Arc<Engine>, runs: Vec<RunRecord>) {
    let me = &engine.config.instance_id;
    let stored = match engine.store.finish_runs(me, &runs).await {
        Ok(ids) => ids,
        Err(e) => {
            warn!(instance = %me, error = %e, "storing ended runs failed; the follower tries again");
            return;
        }
    };
    engine.stored_runs();
    for run in runs.iter().filter(|r| stored.contains(&r.run_id)) {
        let took = run.ended_at.map(|end| end - run.actual_fire_time);
        let took = took.and_then(|d| d.to_std().ok());
        engine.observer.run_ended(run.state, took);
    }
    engine
        .stats
        .finished
        .fetch_add(stored.len() as u64, Ordering::Relaxed);
    for run in runs
        .iter()
        .filter(|r| is_retried(r.state) && stored.contains(&r.run_id))
    {
        let job = match engine.jobs.get_job(&run.job_key).await {
            Ok(Some(job)) => job,
            Ok(None) => continue,
            Err(e) => {
                warn!(run = %run.run_id, error = %e, "cannot read the job to retry");
                continue;
            }
        };
        if let Some(trigger) = retry_trigger(&job.run_policy, run, engine.clock.now()) {
            match engine.jobs.add_trigger(&trigger).await {
                Ok(_) => {
                    info!(run = %run.run_id, state = run.state.as_str(), retry = %trigger.key, "the run will be retried");
                    engine.wake.notify_one();
                }
                Err(e) => warn!(run = %run.run_id, error = %e, "could not store the retry"),
            }
        }
    }
}
