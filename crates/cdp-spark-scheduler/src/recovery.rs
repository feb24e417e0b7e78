//! Check-in: this instance's heartbeat, and taking over the work of dead
//! instances (their fires launched, their runs still `SUBMITTING` looked
//! up on the cluster manager).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::model::RunRecord;
use cdp_spark_domain::scheduling::outcome::{self, Lookup};
use tracing::{debug, info, warn};

use crate::finish::finish;
use crate::launch::launch_group;
use crate::{chrono_of, Engine};

/// Checks in every interval until stopped; the first check-in lets the
/// fire loop start.
pub(crate) async fn checkin_loop(engine: Arc<Engine>) {
    let mut first = true;
    loop {
        let c = &engine.config;
        match engine
            .store
            .check_in(
                &c.instance_id,
                chrono_of(c.checkin_interval),
                chrono_of(c.dead_after),
                first,
            )
            .await
        {
            Ok(recovery) => {
                if first {
                    // The fire loop starts acquiring only now: the first
                    // check-in takes over this instance id's fires left from
                    // a previous life, and must not mistake this life's
                    // fresh fires for them.
                    engine.checked_in.send_replace(true);
                }
                first = false;
                let stats = &engine.stats;
                stats
                    .recovered_instances
                    .fetch_add(recovery.dead_instances.len() as u64, Ordering::Relaxed);
                stats
                    .reattached
                    .fetch_add(recovery.reattached.len() as u64, Ordering::Relaxed);
                stats
                    .lost
                    .fetch_add(recovery.lost.len() as u64, Ordering::Relaxed);
                if !recovery.unresolved.is_empty() {
                    let e = Arc::clone(&engine);
                    engine.spawn(async move { resolve(e, recovery.unresolved).await });
                }
                if !recovery.refire.is_empty() {
                    engine
                        .stats
                        .refired
                        .fetch_add(recovery.refire.len() as u64, Ordering::Relaxed);
                    let e = Arc::clone(&engine);
                    engine.spawn(async move { launch_group(e, recovery.refire).await });
                }
            }
            Err(e) => warn!(instance = %c.instance_id, error = %e, "check-in failed"),
        }
        if !engine.pause(engine.config.checkin_interval).await {
            return;
        }
    }
}

/// Lookups of a run before it is given up as `LOST`.
const LOOKUP_ATTEMPTS: u32 = 10;

/// Runs taken over from a dead instance while its spark-submit had not
/// printed an application id: each is looked up on the cluster manager
/// ([`SparkLauncherPort::find_by_run`]); found, it is re-attached
/// (`RUNNING`, followed from now on); not found, it ends `LOST` with the
/// reason. A cluster manager that cannot be asked is asked again with
/// backoff for about five minutes before the run is given up as `LOST`;
/// when this instance stops meanwhile, the runs still unresolved are left
/// for the instance that takes over its work.
///
/// [`SparkLauncherPort::find_by_run`]: cdp_spark_domain::ports::SparkLauncherPort::find_by_run
pub(crate) async fn resolve(engine: Arc<Engine>, runs: Vec<RunRecord>) {
    let mut pending = runs;
    let mut found = Vec::new();
    let mut lost = Vec::new();
    let mut wait = Duration::from_secs(1);
    for attempt in 1..=LOOKUP_ATTEMPTS {
        let mut again = Vec::new();
        for run in pending {
            let _permit = engine.submits.acquire().await;
            let lookup = match engine.launcher.find_by_run(&run.run_id).await {
                Ok(Some(handle)) => {
                    info!(run = %run.run_id, application_id = %handle.application_id, "run of a stopped instance re-attached by its run id");
                    Lookup::Found(handle)
                }
                Ok(None) => Lookup::NotFound,
                Err(e) => {
                    if attempt < LOOKUP_ATTEMPTS {
                        debug!(run = %run.run_id, error = %e, attempt, "cannot look the run up on the cluster manager now");
                    }
                    Lookup::Failed {
                        error: e.to_string(),
                        last: attempt >= LOOKUP_ATTEMPTS,
                    }
                }
            };
            let reattached = matches!(lookup, Lookup::Found(_));
            match outcome::lookup_outcome(&run, lookup, engine.clock.now()) {
                Some(run) if reattached => found.push(run),
                Some(run) => lost.push(run),
                None => again.push(run),
            }
        }
        pending = again;
        if pending.is_empty() {
            break;
        }
        warn!(
            runs = pending.len(),
            retry_in_s = wait.as_secs(),
            "runs of a stopped instance could not be looked up yet"
        );
        if !engine.pause(wait).await {
            break;
        }
        wait = (wait * 2).min(Duration::from_secs(60));
    }
    let stats = &engine.stats;
    stats
        .reattached
        .fetch_add(found.len() as u64, Ordering::Relaxed);
    stats.lost.fetch_add(lost.len() as u64, Ordering::Relaxed);
    match engine.store.update_runs(&found).await {
        Ok(()) => engine.stored_runs(),
        Err(e) => {
            warn!(instance = %engine.config.instance_id, error = %e, runs = found.len(), "storing re-attached runs failed; they are looked up again when this instance is recovered")
        }
    }
    if !lost.is_empty() {
        finish(&engine, lost).await;
    }
}
