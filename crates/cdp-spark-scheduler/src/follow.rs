//! The follower: polls the state of the runs this instance follows and
//! stores their ends; with `kill_on_unprovision`, kills the applications
//! of runs whose job was unprovisioned. What a state means for the run is
//! decided by `cdp_spark_domain::scheduling::outcome`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use cdp_spark_domain::model::{JobKey, RunRecord};
use cdp_spark_domain::ports::{ApplicationHandle, ApplicationState};
use cdp_spark_domain::scheduling::outcome::{self, JobPresence, Outcome};
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::finish::finish;
use crate::Engine;

/// Follows runs every `follow_interval` until stopped.
pub(crate) async fn follow_loop(engine: Arc<Engine>) {
    // Runs this follower killed because their job was unprovisioned, with
    // the rounds since the kill; kept while the runs are followed here.
    let mut killed: HashMap<String, u32> = HashMap::new();
    loop {
        if !engine.pause(engine.config.follow_interval).await {
            return;
        }
        if let Err(e) = follow_once(&engine, &mut killed).await {
            warn!(instance = %engine.config.instance_id, error = %e, "following runs failed");
        }
    }
}

/// What one follow round found about a run.
enum Followed {
    /// Still going, or its status is not available now.
    Going,
    /// Ended: the run with its final state.
    Ended(Box<RunRecord>),
    /// Killed because its job was unprovisioned, the end not yet reported
    /// by the cluster manager; rounds since the kill.
    Killing { run_id: String, rounds: u32 },
}

/// Runs read, polled and stored per page of a follow round: what a round
/// holds in memory does not grow with the number of runs in flight.
const FOLLOW_PAGE: usize = 500;

async fn follow_once(
    engine: &Arc<Engine>,
    killed: &mut HashMap<String, u32>,
) -> Result<(), String> {
    // Kill bookkeeping of runs no longer followed is dropped at the end of
    // the round; with none kept (the usual case) there is nothing to drop.
    let prune = !killed.is_empty();
    let mut followed: HashSet<String> = HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let runs = engine
            .store
            .runs_to_follow(&engine.config.instance_id, after.take(), FOLLOW_PAGE)
            .await
            .map_err(|e| e.to_string())?;
        let Some(last) = runs.last() else {
            break;
        };
        after = Some(last.run_id.clone());
        let full = runs.len() >= FOLLOW_PAGE;
        if prune {
            followed.extend(runs.iter().map(|r| r.run_id.clone()));
        }
        follow_page(engine, killed, runs).await;
        if !full {
            break;
        }
    }
    if prune {
        killed.retain(|id, _| followed.contains(id));
    }
    Ok(())
}

/// Polls one page of runs and stores the ended ones.
async fn follow_page(
    engine: &Arc<Engine>,
    killed: &mut HashMap<String, u32>,
    runs: Vec<RunRecord>,
) {
    let unprovisioned = if engine.config.kill_on_unprovision {
        unprovisioned_jobs(engine, &runs).await
    } else {
        BTreeSet::new()
    };
    // At most `max_concurrent_polls` poll tasks exist at a time.
    let cap = engine.config.max_concurrent_polls;
    let mut polls = JoinSet::new();
    let mut done = Vec::new();
    for run in runs {
        while polls.len() >= cap {
            match polls.join_next().await {
                Some(r) => absorb(r, &mut done, killed),
                None => break,
            }
        }
        let e = Arc::clone(engine);
        let job = if unprovisioned.contains(&run.job_key) {
            JobPresence::Unprovisioned {
                killed_rounds: killed.get(&run.run_id).copied(),
            }
        } else {
            JobPresence::Provisioned
        };
        polls.spawn(async move { follow_run(&e, run, job).await });
    }
    while let Some(r) = polls.join_next().await {
        absorb(r, &mut done, killed);
    }
    if !done.is_empty() {
        finish(engine, done).await;
    }
}

/// One run of a follow round: its state asked, and what the domain makes
/// of it done (kill the application of an unprovisioned job).
async fn follow_run(engine: &Engine, run: RunRecord, job: JobPresence) -> Followed {
    let _permit = engine.submits.acquire().await;
    let Some(handle) = engine.handle_of(&run) else {
        return Followed::Going;
    };
    let state = match engine.launcher.status(&handle).await {
        Ok(state) => Some(state),
        Err(err) => {
            debug!(run = %run.run_id, error = %err, "status not available now");
            None
        }
    };
    match outcome::follow_outcome(&run, state.as_ref(), job, engine.clock.now()) {
        Outcome::Kill => kill_unprovisioned(engine, run, &handle).await,
        other => followed(run, other),
    }
}

/// What the follower keeps of an outcome.
fn followed(run: RunRecord, outcome: Outcome) -> Followed {
    match outcome {
        Outcome::StillRunning | Outcome::Kill => Followed::Going,
        Outcome::Ended(run) => Followed::Ended(run),
        Outcome::AwaitingKill { rounds } => Followed::Killing {
            run_id: run.run_id,
            rounds,
        },
        Outcome::KillUnconfirmed { run, rounds } => {
            warn!(run = %run.run_id, job = %run.job_key, rounds, "the cluster manager does not confirm the kill; the run is recorded KILLED");
            Followed::Ended(run)
        }
    }
}

/// Kills the application of a run whose job was unprovisioned, then asks
/// its state once: ended, or awaiting the cluster manager's confirmation.
/// A failed kill is tried again next round.
async fn kill_unprovisioned(
    engine: &Engine,
    run: RunRecord,
    handle: &ApplicationHandle,
) -> Followed {
    if let Err(e) = engine.launcher.kill(handle).await {
        warn!(run = %run.run_id, job = %run.job_key, application = %handle.application_id, error = %e, "killing the application of an unprovisioned job failed; trying again next round");
        return Followed::Going;
    }
    info!(run = %run.run_id, job = %run.job_key, application = %handle.application_id, "application killed: its job was unprovisioned");
    let state: Option<ApplicationState> = engine.launcher.status(handle).await.ok();
    let outcome = outcome::after_kill(&run, state.as_ref(), engine.clock.now());
    followed(run, outcome)
}

/// Takes in what one poll task found.
fn absorb(
    r: Result<Followed, tokio::task::JoinError>,
    done: &mut Vec<RunRecord>,
    killed: &mut HashMap<String, u32>,
) {
    match r {
        Ok(Followed::Ended(run)) => done.push(*run),
        Ok(Followed::Killing { run_id, rounds }) => {
            killed.insert(run_id, rounds);
        }
        Ok(Followed::Going) => {}
        Err(e) => warn!(error = %e, "a status poll task failed"),
    }
}

/// The jobs of these runs that no longer exist: one store query for all.
/// When the store cannot tell, none (the runs are followed; the next
/// round asks again).
async fn unprovisioned_jobs(engine: &Engine, runs: &[RunRecord]) -> BTreeSet<JobKey> {
    if runs.is_empty() {
        return BTreeSet::new();
    }
    let keys: Vec<JobKey> = runs
        .iter()
        .map(|r| r.job_key.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    match engine.jobs.existing_jobs(&keys).await {
        Ok(existing) => keys.into_iter().filter(|k| !existing.contains(k)).collect(),
        Err(e) => {
            warn!(instance = %engine.config.instance_id, error = %e, "cannot tell which jobs of the runs in flight still exist; none is killed this round");
            BTreeSet::new()
        }
    }
}
