//! Launching the fires of one fire time: claim them, kill the runs they
//! replace, spark-submit, store the outcomes.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::model::{RunRecord, RunState};
use cdp_spark_domain::placeholders;
use cdp_spark_domain::ports::{ApplicationHandle, Fire, LaunchRequest};
use cdp_spark_domain::scheduling::{outcome, repeats_an_earlier_time, run_parameters, timeout};
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::finish::finish;
use crate::Engine;

/// Fires claimed per store call: each chunk is launched as soon as it is
/// claimed, so the first submits of a large group do not wait for the
/// claims of the last ones.
const CLAIM_CHUNK: usize = 100;

/// Claims the fires a chunk at a time and submits each chunk as soon as it
/// is claimed; stores the outcomes in batches.
pub(crate) async fn launch_group(engine: Arc<Engine>, fires: Vec<Fire>) {
    let me = engine.config.instance_id.clone();
    let cap = engine.config.max_concurrent_submits;
    let mut submits = JoinSet::new();
    let mut running = Vec::new();
    let mut ended = Vec::new();
    let mut collect = |done: Result<(RunRecord, bool), tokio::task::JoinError>| match done {
        Ok((run, true)) => running.push(run),
        Ok((run, false)) => ended.push(run),
        Err(e) => warn!(error = %e, "a submit task failed"),
    };
    let mut fires = fires.into_iter();
    loop {
        let chunk: Vec<Fire> = fires.by_ref().take(CLAIM_CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let ids: Vec<String> = chunk.iter().map(|f| f.run.run_id.clone()).collect();
        let Some(claimed) = claim(&engine, &ids).await else {
            continue;
        };
        for fire in chunk {
            if !claimed.contains(&fire.run.run_id) {
                debug!(run = %fire.run.run_id, "fire taken over by another instance; not launched here");
                continue;
            }
            // At most `max_concurrent_submits` submit tasks exist at a
            // time (a fire waiting for its turn costs no task).
            while submits.len() >= cap {
                match submits.join_next().await {
                    Some(done) => collect(done),
                    None => break,
                }
            }
            let e = Arc::clone(&engine);
            submits.spawn(async move { submit_one(e, fire).await });
        }
    }
    while let Some(done) = submits.join_next().await {
        collect(done);
    }
    match engine.store.update_runs(&running).await {
        Ok(()) => engine.stored_runs(),
        Err(e) => {
            warn!(instance = %me, error = %e, runs = running.len(), "storing submitted runs failed")
        }
    }
    if !ended.is_empty() {
        let failed = ended.iter().filter(|r| r.state == RunState::Failed).count();
        engine
            .stats
            .submit_failures
            .fetch_add(failed as u64, Ordering::Relaxed);
        finish(&engine, ended).await;
    }
}

/// Claims fires acquired by this instance (`ACQUIRED` → `EXECUTING`): the
/// ones it may launch. A store error is retried with backoff for about a
/// minute; after that the fires stay `ACQUIRED` and are launched by whoever
/// recovers this instance (an instance that cannot reach the store for that
/// long cannot check in either, and is declared dead).
async fn claim(engine: &Engine, ids: &[String]) -> Option<HashSet<String>> {
    const ATTEMPTS: u32 = 16;
    let me = &engine.config.instance_id;
    let mut wait = Duration::from_millis(100);
    for attempt in 1..=ATTEMPTS {
        match engine.store.claim_fires(me, ids).await {
            Ok(claimed) => return Some(claimed.into_iter().collect()),
            Err(e) => {
                warn!(instance = %me, error = %e, fires = ids.len(), attempt, "claiming fires failed")
            }
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }
    warn!(instance = %me, fires = ids.len(), "claiming fires kept failing; left ACQUIRED for recovery");
    None
}

/// Kills the runs `fire` replaces, submits it with its placeholders
/// replaced; answers the run as submitted (`RUNNING`, true) or ended
/// (`FAILED` with the reason, or `TIMED_OUT` when spark-submit outlasted
/// the job's `maxDuration`; false).
async fn submit_one(engine: Arc<Engine>, fire: Fire) -> (RunRecord, bool) {
    let _permit = engine.submits.acquire().await;
    let Fire {
        mut run,
        job,
        replace,
    } = fire;
    // The run's parameters in place of the job's args/conf, then the
    // placeholders of its nominal time and id.
    let mut spec = run_parameters::effective_spec(&job.spec, &run);
    match placeholders::expand_run(&spec.args, &spec.conf, run.scheduled_fire_time, &run.run_id) {
        Ok((args, conf)) => (spec.args, spec.conf) = (args, conf),
        Err(e) => {
            warn!(run = %run.run_id, job = %job.key, error = %e, "the run's args and conf cannot be expanded");
            return (
                outcome::submit_failed(&run, &e.to_string(), engine.clock.now()),
                false,
            );
        }
    }
    for old in &replace {
        if let Some(handle) = engine.handle_of(old) {
            match engine.launcher.kill(&handle).await {
                Ok(()) => {
                    info!(run = %old.run_id, replaced_by = %run.run_id, "run killed: concurrencyPolicy Replace")
                }
                Err(e) => {
                    warn!(run = %old.run_id, error = %e, "killing the run to replace failed")
                }
            }
        }
    }
    let request = LaunchRequest {
        run_id: run.run_id.clone(),
        job_key: job.key.clone(),
        app_name: format!(
            "{}-{}",
            job.key.name,
            run.scheduled_fire_time.format("%Y%m%dT%H%M%SZ")
        ),
        spec,
        scheduled_fire_time: run.scheduled_fire_time,
    };
    run.actual_fire_time = engine.clock.now();
    if !repeats_an_earlier_time(&run) {
        let late = run.actual_fire_time - run.scheduled_fire_time;
        engine.observer.fired(late.to_std().unwrap_or_default());
    }
    match engine.launcher.submit(&request).await {
        Ok(handle) => {
            let submitted = outcome::submitted(&run, handle.clone(), engine.clock.now());
            let max = job.run_policy.max_duration;
            match max {
                Some(max) if timeout::is_overdue(&submitted, Some(max), engine.clock.now()) => {
                    kill_overdue(&engine, submitted, &handle, max).await
                }
                _ => (submitted, true),
            }
        }
        Err(e) => {
            warn!(run = %run.run_id, job = %job.key, error = %e, "spark-submit failed");
            let failed = outcome::submit_failed(&run, &e.to_string(), engine.clock.now());
            (failed, false)
        }
    }
}

/// A run whose spark-submit answered only after the job's `maxDuration`
/// had passed: its application is killed at once and the run ends
/// `TIMED_OUT`; when the kill fails it stays `RUNNING`, and the follower
/// kills it (it is past its deadline).
async fn kill_overdue(
    engine: &Engine,
    run: RunRecord,
    handle: &ApplicationHandle,
    max: cdp_spark_domain::descriptor::MaxDuration,
) -> (RunRecord, bool) {
    if let Err(e) = engine.launcher.kill(handle).await {
        warn!(run = %run.run_id, application = %handle.application_id, error = %e, "killing an application submitted after its maxDuration failed; the follower tries again");
        return (run, true);
    }
    info!(run = %run.run_id, application = %handle.application_id, "application killed: spark-submit took longer than the job's maxDuration");
    let state = engine.launcher.status(handle).await.ok();
    let now = engine.clock.now();
    (
        timeout::timed_out(&run, max, now, state.as_ref(), now),
        false,
    )
}
