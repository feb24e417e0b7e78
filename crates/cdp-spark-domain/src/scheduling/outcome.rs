//! How a run ends, pure: the run a launch, a lookup or a follow round
//! leaves, from what the launcher port reported (the application's state,
//! the cluster manager's final status and diagnostics), "now", the rounds
//! since a kill and whether the run's job was unprovisioned. The engine
//! asks the launcher and stores what these functions answer; the reasons
//! stored in a run's `error` are all written in [`reason`].

use chrono::{DateTime, Utc};

use crate::descriptor::MaxDuration;
use crate::model::{RunRecord, RunState};
use crate::ports::{ApplicationHandle, ApplicationState};

/// Follow rounds after a kill during which the cluster manager may still
/// report the application running; then the run is recorded `KILLED`
/// without its confirmation and no longer followed.
pub const KILL_CONFIRM_ROUNDS: u32 = 3;

/// The reasons the scheduler writes in a run's `error`, in one place.
pub mod reason {
    use crate::model::JobKey;

    /// The run's job was unprovisioned while it was in flight, and the
    /// follower killed its application.
    pub fn unprovisioned(job: &JobKey) -> String {
        format!(
            "killed because its job {job} was unprovisioned while the run was in flight (scheduler.kill_on_unprovision = true)"
        )
    }

    /// [`unprovisioned`], and what the cluster manager reported of the end.
    pub fn unprovisioned_reported(job: &JobKey, report: &str) -> String {
        format!(
            "{}; the cluster manager reports: {report}",
            unprovisioned(job)
        )
    }

    /// [`unprovisioned`], the cluster manager not confirming the kill.
    pub fn unprovisioned_unconfirmed(job: &JobKey, application_id: &str, rounds: u32) -> String {
        format!(
            "{}; the cluster manager still reported application {application_id} running {rounds} follow rounds after the kill, so it is no longer followed",
            unprovisioned(job)
        )
    }

    /// The cluster manager forgot the application (`LOST`).
    pub fn forgotten(application_id: &str, detail: &str) -> String {
        format!("the cluster manager no longer knows application {application_id}: {detail}")
    }

    /// The start of the reasons of a run taken over from a stopped
    /// instance before its application id was known.
    pub const CUT_SHORT: &str = "the provisioner instance running spark-submit for this run stopped before an application id was known";

    /// A run cut short whose application the cluster manager does not have.
    pub fn cut_short_not_found() -> String {
        format!(
            "{CUT_SHORT}, and the cluster manager has no application for this run (YARN: none tagged with it; standalone and local cannot be searched)"
        )
    }

    /// A run cut short that the cluster manager could not be searched for.
    pub fn cut_short_unsearchable(error: &str) -> String {
        format!("{CUT_SHORT}, and the cluster manager could not be searched for it: {error}")
    }

    /// A local application killed because its provisioner instance stops.
    pub const LOCAL_SHUTDOWN: &str = "the provisioner instance that ran this local application stopped (local applications are its child processes)";
}

/// The application id of a run, as the reasons write it.
fn application_of(run: &RunRecord) -> &str {
    run.application_id.as_deref().unwrap_or("?")
}

/// What the follower knows about a run's job this round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobPresence {
    /// The job exists (or `kill_on_unprovision` is off) without a
    /// `maxDuration` (or its limit cannot be read now): the run is
    /// followed to its end.
    Provisioned,
    /// The job was unprovisioned and `kill_on_unprovision` is on;
    /// `killed_rounds`: the follow rounds since this follower killed the
    /// application, `None` when it has not.
    Unprovisioned { killed_rounds: Option<u32> },
    /// The job exists and limits its runs to `max` (`jobConfig.maxDuration`);
    /// `killed`: when this follower killed the application for running
    /// past it, `None` when it has not.
    Limited {
        max: MaxDuration,
        killed: Option<KillMark>,
    },
}

/// A kill this follower made: the follow rounds since, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KillMark {
    pub rounds: u32,
    pub at: DateTime<Utc>,
}

/// What a follow round does with a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Still running, or its state is not available now: followed on.
    StillRunning,
    /// Ended: store the run as it is here.
    Ended(Box<RunRecord>),
    /// Its job was unprovisioned, or it ran past its job's `maxDuration`,
    /// and the application is still running: kill it, then ask again
    /// ([`after_kill_for`]).
    Kill,
    /// Killed, the end not reported yet: followed on, `rounds` since the
    /// kill.
    AwaitingKill { rounds: u32 },
    /// Killed, the end still not reported after [`KILL_CONFIRM_ROUNDS`]:
    /// store the run (`KILLED`, or `TIMED_OUT`, with the reason) and stop
    /// following it.
    KillUnconfirmed { run: Box<RunRecord>, rounds: u32 },
}

/// The outcome of a follow round for `run`, whose application is in
/// `state` (`None`: the launcher could not tell now), at `now`.
pub fn follow_outcome(
    run: &RunRecord,
    state: Option<&ApplicationState>,
    job: JobPresence,
    now: DateTime<Utc>,
) -> Outcome {
    let end = state.filter(|s| !matches!(s, ApplicationState::Running { .. }));
    let killed_rounds = match job {
        JobPresence::Limited { max, killed } => {
            return limited_outcome(run, end, max, killed, now);
        }
        JobPresence::Provisioned => {
            return end.map_or(Outcome::StillRunning, |state| {
                ended_outcome(ended(run, state, now))
            });
        }
        JobPresence::Unprovisioned { killed_rounds } => killed_rounds,
    };
    match (killed_rounds, end) {
        // It ended on its own before any kill.
        (None, Some(state)) => ended_outcome(ended(run, state, now)),
        (Some(_), Some(state)) => ended_outcome(killed_for_unprovision(run, state, now)),
        (None, None) => Outcome::Kill,
        (Some(rounds), None) => {
            let rounds = rounds.saturating_add(1);
            if rounds < KILL_CONFIRM_ROUNDS {
                Outcome::AwaitingKill { rounds }
            } else {
                Outcome::KillUnconfirmed {
                    run: Box::new(killed_unconfirmed(run, rounds, now)),
                    rounds,
                }
            }
        }
    }
}

/// A follow round of a run whose job limits it to `max`, its application's
/// end being `end` (`None`: running or not known now).
fn limited_outcome(
    run: &RunRecord,
    end: Option<&ApplicationState>,
    max: MaxDuration,
    killed: Option<KillMark>,
    now: DateTime<Utc>,
) -> Outcome {
    match (killed, end) {
        (None, Some(state)) => ended_outcome(ended(run, state, now)),
        (None, None) if super::timeout::is_overdue(run, Some(max), now) => Outcome::Kill,
        (None, None) => Outcome::StillRunning,
        (Some(k), Some(state)) => Outcome::Ended(Box::new(super::timeout::timed_out(
            run,
            max,
            k.at,
            Some(state),
            now,
        ))),
        (Some(k), None) => {
            let rounds = k.rounds.saturating_add(1);
            if rounds < KILL_CONFIRM_ROUNDS {
                Outcome::AwaitingKill { rounds }
            } else {
                let mut ended = super::timeout::timed_out(run, max, k.at, None, now);
                if let Some(text) = ended.error.take() {
                    ended.error = Some(format!(
                        "{text}; the cluster manager still reported application {} running {rounds} follow rounds after the kill, so it is no longer followed",
                        application_of(run)
                    ));
                }
                Outcome::KillUnconfirmed {
                    run: Box::new(ended),
                    rounds,
                }
            }
        }
    }
}

/// The outcome right after this follower killed the application of `run`
/// because of `job` (unprovisioned, or past its `maxDuration`), its state
/// then being `state`: ended, or awaiting the confirmation (round 0).
pub fn after_kill_for(
    run: &RunRecord,
    state: Option<&ApplicationState>,
    job: JobPresence,
    now: DateTime<Utc>,
) -> Outcome {
    let JobPresence::Limited { max, .. } = job else {
        return after_kill(run, state, now);
    };
    let end = state.filter(|s| !matches!(s, ApplicationState::Running { .. }));
    match end {
        Some(state) => Outcome::Ended(Box::new(super::timeout::timed_out(
            run,
            max,
            now,
            Some(state),
            now,
        ))),
        None => Outcome::AwaitingKill { rounds: 0 },
    }
}

/// The outcome right after this follower killed the application of `run`
/// (its job was unprovisioned), its state then being `state`: ended, or
/// awaiting the confirmation (round 0).
pub fn after_kill(
    run: &RunRecord,
    state: Option<&ApplicationState>,
    now: DateTime<Utc>,
) -> Outcome {
    match state {
        Some(state) => match killed_for_unprovision(run, state, now) {
            Some(run) => Outcome::Ended(Box::new(run)),
            None => Outcome::AwaitingKill { rounds: 0 },
        },
        None => Outcome::AwaitingKill { rounds: 0 },
    }
}

fn ended_outcome(run: Option<RunRecord>) -> Outcome {
    run.map_or(Outcome::StillRunning, |r| Outcome::Ended(Box::new(r)))
}

/// The run with its final state at `now`, when the application ended
/// (`None` while it runs): `SUCCEEDED`, `FAILED` and `KILLED` with the
/// cluster manager's diagnostics, `LOST` when it forgot the application;
/// `final_status` keeps the cluster manager's word.
pub fn ended(run: &RunRecord, state: &ApplicationState, now: DateTime<Utc>) -> Option<RunRecord> {
    let (s, status, error) = match state {
        ApplicationState::Running { .. } => return None,
        ApplicationState::Succeeded => (RunState::Succeeded, "SUCCEEDED", None),
        ApplicationState::Failed { diagnostics } => {
            (RunState::Failed, "FAILED", Some(diagnostics.clone()))
        }
        ApplicationState::Killed { diagnostics } => {
            (RunState::Killed, "KILLED", Some(diagnostics.clone()))
        }
        ApplicationState::Unknown { detail } => (
            RunState::Lost,
            "UNKNOWN",
            Some(reason::forgotten(application_of(run), detail)),
        ),
    };
    let mut run = run.clone();
    run.final_status = Some(status.to_string());
    run.end(s, error, now);
    Some(run)
}

/// The run this follower killed (its job was unprovisioned), as the
/// cluster manager reports its end: `KILLED` with the reason first (also
/// when the manager calls the end `FAILED` or forgot it; `final_status`
/// keeps its word), `SUCCEEDED` when it succeeded before the kill landed.
pub fn killed_for_unprovision(
    run: &RunRecord,
    state: &ApplicationState,
    now: DateTime<Utc>,
) -> Option<RunRecord> {
    let mut run = ended(run, state, now)?;
    if run.state != RunState::Succeeded {
        run.state = RunState::Killed;
        run.error = Some(match run.error.take() {
            Some(report) => reason::unprovisioned_reported(&run.job_key, &report),
            None => reason::unprovisioned(&run.job_key),
        });
    }
    Some(run)
}

/// The run killed because its job was unprovisioned, whose end the cluster
/// manager did not report within `rounds` follow rounds: `KILLED` at `now`
/// without a final status.
pub fn killed_unconfirmed(run: &RunRecord, rounds: u32, now: DateTime<Utc>) -> RunRecord {
    let text = reason::unprovisioned_unconfirmed(&run.job_key, application_of(run), rounds);
    let mut run = run.clone();
    run.final_status = None;
    run.end(RunState::Killed, Some(text), now);
    run
}

/// A run whose spark-submit answered `handle` (or whose application was
/// found by its run id): `RUNNING` with its application id, updated at
/// `now`, submitted at `now` unless it already had a submit time.
pub fn submitted(run: &RunRecord, handle: ApplicationHandle, now: DateTime<Utc>) -> RunRecord {
    let mut run = run.clone();
    run.application_id = Some(handle.application_id);
    run.tracking_url = handle.tracking_url;
    run.state = RunState::Running;
    run.updated_at = now;
    run.submitted_at = run.submitted_at.or(Some(now));
    run
}

/// The run to store when a follow round first sees its application
/// running (`state`, started: not only accepted) at `now`: running since
/// `now`. `None` when the application is not running, or the run already
/// has its running time (the first one is kept).
pub fn first_seen_running(
    run: &RunRecord,
    state: Option<&ApplicationState>,
    now: DateTime<Utc>,
) -> Option<RunRecord> {
    let started = matches!(state, Some(ApplicationState::Running { started: true, .. }));
    if run.running_at.is_some() || !started {
        return None;
    }
    let mut run = run.clone();
    run.running_at = Some(now);
    Some(run)
}

/// A run whose spark-submit failed with `error`: `FAILED` at `now`.
pub fn submit_failed(run: &RunRecord, error: &str, now: DateTime<Utc>) -> RunRecord {
    let mut run = run.clone();
    run.end(RunState::Failed, Some(error.to_string()), now);
    run
}

/// What looking a run up on the cluster manager by its run id answered:
/// a run taken over from a stopped instance before its application id was
/// known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// The application submitted for the run.
    Found(ApplicationHandle),
    /// None (or the cluster manager cannot be searched).
    NotFound,
    /// The cluster manager could not be asked; `last`: no more attempts.
    Failed { error: String, last: bool },
}

/// The run a lookup leaves: re-attached (`RUNNING`, followed from now on),
/// `LOST` with the reason, or `None` to ask again later.
pub fn lookup_outcome(run: &RunRecord, lookup: Lookup, now: DateTime<Utc>) -> Option<RunRecord> {
    match lookup {
        Lookup::Found(handle) => Some(submitted(run, handle, now)),
        Lookup::NotFound => Some(lost(run, reason::cut_short_not_found(), now)),
        Lookup::Failed { last: false, .. } => None,
        Lookup::Failed { error, last: true } => {
            Some(lost(run, reason::cut_short_unsearchable(&error), now))
        }
    }
}

fn lost(run: &RunRecord, text: String, now: DateTime<Utc>) -> RunRecord {
    let mut run = run.clone();
    run.end(RunState::Lost, Some(text), now);
    run
}

#[cfg(test)]
#[path = "outcome_tests.rs"]
mod tests;
