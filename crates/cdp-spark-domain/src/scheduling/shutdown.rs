//! What happens to this instance's runs in flight when it stops, pure.
//!
//! Runs on YARN or a standalone master outlive the provisioner: they stay
//! `RUNNING` and the instance that takes over this one's work follows them.
//! Local applications are child processes of this provisioner and cannot
//! be followed by another: each is killed and, once the kill succeeded,
//! stored `KILLED` with the reason. The caller lists the runs, kills and
//! writes; this module only decides.

use chrono::{DateTime, Utc};

use super::outcome::reason;
use crate::model::{RunRecord, RunState};
use crate::ports::{ApplicationHandle, LauncherBackend};

/// Whether this instance's runs in flight end when it stops on `backend`
/// (only then are they worth listing).
pub fn ends_runs_at_shutdown(backend: LauncherBackend) -> bool {
    backend == LauncherBackend::Local
}

/// A run to end at shutdown: kill its application, then store [`Self::ended`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownKill {
    /// The application to kill.
    pub handle: ApplicationHandle,
    /// The run as it is in flight.
    pub run: RunRecord,
}

impl ShutdownKill {
    /// The run to store once its application was killed at `now`:
    /// `KILLED` (also its final status) with the reason.
    pub fn ended(&self, now: DateTime<Utc>) -> RunRecord {
        let mut run = self.run.clone();
        run.final_status = Some("KILLED".into());
        run.end(RunState::Killed, Some(reason::LOCAL_SHUTDOWN.into()), now);
        run
    }
}

/// What stopping does with the runs in flight.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShutdownPlan {
    /// The runs to kill and store ended, in the order given.
    pub kill: Vec<ShutdownKill>,
    /// The runs left as they are (ids): followed by the instance that
    /// takes over (YARN, standalone), or without an application to kill.
    pub left: Vec<String>,
}

/// The plan for `runs`, this instance's runs in flight on `backend`.
pub fn shutdown_plan(backend: LauncherBackend, runs: Vec<RunRecord>) -> ShutdownPlan {
    let mut plan = ShutdownPlan::default();
    for run in runs {
        let application_id = match &run.application_id {
            Some(id) if ends_runs_at_shutdown(backend) => id.clone(),
            _ => {
                plan.left.push(run.run_id);
                continue;
            }
        };
        plan.kill.push(ShutdownKill {
            handle: ApplicationHandle {
                backend,
                application_id,
                tracking_url: None,
            },
            run,
        });
    }
    plan
}

#[cfg(test)]
#[path = "shutdown_tests.rs"]
mod tests;
