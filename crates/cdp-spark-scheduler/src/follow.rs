//! The follower: polls the state of the runs this instance follows and
//! stores their ends, and the time it first sees each one running; kills
//! the applications of runs past their job's `maxDuration` (they end
//! `TIMED_OUT`) and, with `kill_on_unprovision`, of runs whose job was
//! unprovisioned. What a state means for the run,
//! and whether a run is past its deadline, is decided by
//! `cdp_spark_domain::scheduling::outcome` and `::timeout`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::descriptor::MaxDuration;
use cdp_spark_domain::model::{JobKey, RunRecord};
use cdp_spark_domain::ports::{ApplicationHandle, ApplicationState};
use cdp_spark_domain::scheduling::outcome::{self, JobPresence, KillMark, Outcome};
use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::finish::finish;
use crate::Engine;

/// How long a job's `maxDuration`, read from the store, is used before it
/// is read again (a re-provision that changes it applies to the runs in
/// flight within this time).
const LIMITS_FRESH_FOR: Duration = Duration::from_secs(30);

/// A kill this follower made, kept while the run is followed here.
#[derive(Debug, Clone, Copy)]
struct Killed {
    mark: KillMark,
    /// `Some`: killed for running past this limit; `None`: its job was
    /// unprovisioned.
    limit: Option<MaxDuration>,
}

/// What the follower keeps between rounds.
#[derive(Default)]
struct FollowState {
    /// Runs this follower killed, by run id.
    killed: HashMap<String, Killed>,
    /// Jobs' `maxDuration` (`None`: no limit, or the job is gone) and when
    /// it was read.
    limits: HashMap<JobKey, (Option<MaxDuration>, Instant)>,
}

/// Follows runs every `follow_interval` until stopped.
pub(crate) async fn follow_loop(engine: Arc<Engine>) {
    let mut state = FollowState::default();
    loop {
        if !engine.pause(engine.config.follow_interval).await {
            return;
        }
        if let Err(e) = follow_once(&engine, &mut state).await {
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
    /// Killed (its job was unprovisioned, or it ran past its limit), the
    /// end not yet reported by the cluster manager.
    Killing { run_id: String, killed: Killed },
}

/// Runs read, polled and stored per page of a follow round: what a round
/// holds in memory does not grow with the number of runs in flight.
const FOLLOW_PAGE: usize = 500;

async fn follow_once(engine: &Arc<Engine>, state: &mut FollowState) -> Result<(), String> {
    // Kill bookkeeping of runs no longer followed is dropped at the end of
    // the round; with none kept (the usual case) there is nothing to drop.
    let prune = !state.killed.is_empty();
    let mut followed: HashSet<String> = HashSet::new();
    // The jobs of the runs followed, whose limits are kept.
    let mut jobs: HashSet<JobKey> = HashSet::new();
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
        jobs.extend(runs.iter().map(|r| r.job_key.clone()));
        follow_page(engine, state, runs).await;
        if !full {
            break;
        }
    }
    if prune {
        state.killed.retain(|id, _| followed.contains(id));
    }
    state.limits.retain(|job, _| jobs.contains(job));
    Ok(())
}

/// Reads the `maxDuration` of the jobs of `runs` not read within
/// [`LIMITS_FRESH_FOR`]; a job the store cannot read now keeps what was
/// read before (none at first) and is asked again next round.
async fn refresh_limits(
    engine: &Engine,
    limits: &mut HashMap<JobKey, (Option<MaxDuration>, Instant)>,
    runs: &[RunRecord],
) {
    let keys: BTreeSet<&JobKey> = runs.iter().map(|r| &r.job_key).collect();
    for key in keys {
        let fresh = limits
            .get(key)
            .is_some_and(|(_, read)| read.elapsed() < LIMITS_FRESH_FOR);
        if fresh {
            continue;
        }
        match engine.jobs.get_job(key).await {
            Ok(job) => {
                let limit = job.and_then(|j| j.run_policy.max_duration);
                limits.insert(key.clone(), (limit, Instant::now()));
            }
            Err(e) => {
                warn!(job = %key, error = %e, "cannot read the job's maxDuration now; asking again next round")
            }
        }
    }
}

/// What the follower knows of a run's job this round.
fn presence(run: &RunRecord, unprovisioned: &BTreeSet<JobKey>, state: &FollowState) -> JobPresence {
    match state.killed.get(&run.run_id) {
        Some(Killed {
            mark,
            limit: Some(max),
        }) => JobPresence::Limited {
            max: *max,
            killed: Some(*mark),
        },
        Some(Killed { mark, limit: None }) => JobPresence::Unprovisioned {
            killed_rounds: Some(mark.rounds),
        },
        None if unprovisioned.contains(&run.job_key) => JobPresence::Unprovisioned {
            killed_rounds: None,
        },
        None => match state.limits.get(&run.job_key) {
            Some((Some(max), _)) => JobPresence::Limited {
                max: *max,
                killed: None,
            },
            _ => JobPresence::Provisioned,
        },
    }
}

/// Polls one page of runs and stores the ended ones.
async fn follow_page(engine: &Arc<Engine>, state: &mut FollowState, runs: Vec<RunRecord>) {
    let unprovisioned = if engine.config.kill_on_unprovision {
        unprovisioned_jobs(engine, &runs).await
    } else {
        BTreeSet::new()
    };
    refresh_limits(engine, &mut state.limits, &runs).await;
    // At most `max_concurrent_polls` poll tasks exist at a time.
    let cap = engine.config.max_concurrent_polls;
    let mut polls = JoinSet::new();
    let mut done = Vec::new();
    let mut seen_running = Vec::new();
    for run in runs {
        while polls.len() >= cap {
            match polls.join_next().await {
                Some(r) => absorb(r, &mut done, &mut seen_running, &mut state.killed),
                None => break,
            }
        }
        let e = Arc::clone(engine);
        let job = presence(&run, &unprovisioned, state);
        polls.spawn(async move { follow_run(&e, run, job).await });
    }
    while let Some(r) = polls.join_next().await {
        absorb(r, &mut done, &mut seen_running, &mut state.killed);
    }
    if !seen_running.is_empty() {
        // Once per run; a failed write is tried again next round (the run
        // read back has no running time yet, so that round's is kept).
        match engine.store.update_runs(&seen_running).await {
            Ok(()) => engine.stored_runs(),
            Err(e) => {
                warn!(instance = %engine.config.instance_id, error = %e, runs = seen_running.len(), "storing when runs were first seen running failed; trying again next round")
            }
        }
    }
    if !done.is_empty() {
        finish(engine, done).await;
    }
}

/// One run of a follow round: its state asked, and what the domain makes
/// of it done (kill the application of an unprovisioned job, or of a run
/// past its job's `maxDuration`); with the run to store when this round is
/// the first to see its application running and it goes on.
async fn follow_run(
    engine: &Engine,
    run: RunRecord,
    job: JobPresence,
) -> (Followed, Option<RunRecord>) {
    let _permit = engine.submits.acquire().await;
    let Some(handle) = engine.handle_of(&run) else {
        return (Followed::Going, None);
    };
    let state = match engine.launcher.status(&handle).await {
        Ok(state) => Some(state),
        Err(err) => {
            debug!(run = %run.run_id, error = %err, "status not available now");
            None
        }
    };
    let now = engine.clock.now();
    // Running for the first time: what follows (a kill, its end) carries
    // the running time.
    let first = outcome::first_seen_running(&run, state.as_ref(), now);
    let run = first.clone().unwrap_or(run);
    let followed = match outcome::follow_outcome(&run, state.as_ref(), job, now) {
        Outcome::Kill => kill(engine, run, &handle, job).await,
        other => followed(run, other, job, now),
    };
    let first = first.filter(|_| !matches!(followed, Followed::Ended(_)));
    (followed, first)
}

/// What the follower keeps of an outcome (`job`: what it knew of the
/// run's job, `now`: when, the time of a kill just made).
fn followed(run: RunRecord, outcome: Outcome, job: JobPresence, now: DateTime<Utc>) -> Followed {
    match outcome {
        Outcome::StillRunning | Outcome::Kill => Followed::Going,
        Outcome::Ended(run) => Followed::Ended(run),
        Outcome::AwaitingKill { rounds } => {
            let (at, limit) = match job {
                JobPresence::Limited { max, killed } => (killed.map_or(now, |k| k.at), Some(max)),
                _ => (now, None),
            };
            Followed::Killing {
                run_id: run.run_id,
                killed: Killed {
                    mark: KillMark { rounds, at },
                    limit,
                },
            }
        }
        Outcome::KillUnconfirmed { run, rounds } => {
            warn!(run = %run.run_id, job = %run.job_key, rounds, state = run.state.as_str(), "the cluster manager does not confirm the kill; the run is recorded ended");
            Followed::Ended(run)
        }
    }
}

/// Kills the application of a run whose job was unprovisioned or that ran
/// past its job's `maxDuration`, then asks its state once: ended, or
/// awaiting the cluster manager's confirmation. A failed kill is tried
/// again next round.
async fn kill(
    engine: &Engine,
    run: RunRecord,
    handle: &ApplicationHandle,
    job: JobPresence,
) -> Followed {
    let why = match job {
        JobPresence::Limited { .. } => "it ran longer than its job's maxDuration",
        _ => "its job was unprovisioned",
    };
    if let Err(e) = engine.launcher.kill(handle).await {
        warn!(run = %run.run_id, job = %run.job_key, application = %handle.application_id, error = %e, "killing the application failed ({why}); trying again next round");
        return Followed::Going;
    }
    info!(run = %run.run_id, job = %run.job_key, application = %handle.application_id, "application killed: {why}");
    let state: Option<ApplicationState> = engine.launcher.status(handle).await.ok();
    let now = engine.clock.now();
    let outcome = outcome::after_kill_for(&run, state.as_ref(), job, now);
    followed(run, outcome, job, now)
}

/// Takes in what one poll task found.
fn absorb(
    r: Result<(Followed, Option<RunRecord>), tokio::task::JoinError>,
    done: &mut Vec<RunRecord>,
    seen_running: &mut Vec<RunRecord>,
    killed: &mut HashMap<String, Killed>,
) {
    let (followed, first) = match r {
        Ok(r) => r,
        Err(e) => {
            warn!(error = %e, "a status poll task failed");
            return;
        }
    };
    seen_running.extend(first);
    match followed {
        Followed::Ended(run) => done.push(*run),
        Followed::Killing { run_id, killed: k } => {
            killed.insert(run_id, k);
        }
        Followed::Going => {}
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
