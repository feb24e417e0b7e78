//! A run's log (`GET /v1/scheduler/runs/{runId}/logs`): the run must exist;
//! then the launcher of this instance is asked first (a local
//! application's live output, a YARN driver's log from its NodeManager or
//! aggregated after it ended), and the log the job store kept (spark-submit's
//! output) answers when the launcher has none or cannot be asked.

use std::sync::Arc;

use tracing::{debug, warn};

use super::errors::UseCaseError;
use super::Provisioner;
use crate::model::{RunRecord, RunState};
use crate::ports::{ApplicationHandle, LauncherBackend, RunLogStorePort, SparkLauncherPort};
use crate::runlog::{LogTail, MAX_TAIL_BYTES};

/// What a log request answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLogAnswer {
    pub run_id: String,
    pub state: RunState,
    /// The end of the log, redacted; `None` while nothing is available.
    pub tail: Option<LogTail>,
    /// Why there is no log, or why the live source was not used (for a
    /// header or the body): never secret (redacted).
    pub note: Option<String>,
}

/// Reads runs' logs.
#[derive(Clone)]
pub struct RunLogs {
    jobs: Provisioner,
    store: Arc<dyn RunLogStorePort>,
    /// This instance's launcher and the backend it submits to; `None`
    /// where the instance runs no scheduler.
    launcher: Option<(Arc<dyn SparkLauncherPort>, LauncherBackend)>,
}

impl RunLogs {
    pub fn new(
        jobs: Provisioner,
        store: Arc<dyn RunLogStorePort>,
        launcher: Option<(Arc<dyn SparkLauncherPort>, LauncherBackend)>,
    ) -> Self {
        Self {
            jobs,
            store,
            launcher,
        }
    }

    /// The last `tail` bytes (at most [`MAX_TAIL_BYTES`]) of the run's log.
    pub async fn run_log(&self, run_id: &str, tail: u64) -> Result<RunLogAnswer, UseCaseError> {
        let tail = tail.min(MAX_TAIL_BYTES);
        let run = self.jobs.run(run_id).await?;
        let redactor = self.jobs.redactor();
        let mut note = None;
        if let Some(handle) = self.handle_of(&run) {
            if let Some((launcher, _)) = &self.launcher {
                match launcher.logs(&handle, tail).await {
                    Ok(Some(mut live)) => {
                        live.text = redactor.text(&live.text);
                        return Ok(answer(run, Some(live), None));
                    }
                    Ok(None) => debug!(run_id, "the launcher has no log of this run"),
                    Err(e) => {
                        let e = redactor.text(&e.to_string());
                        warn!(run_id, error = %e, "the driver's log could not be read from the cluster manager; answering the stored log");
                        note = Some(format!(
                            "the driver's log could not be read from the cluster manager ({e}); this is the log kept by the provisioner"
                        ));
                    }
                }
            }
        }
        let stored = self.store.get_run_log(run_id).await?;
        match stored {
            Some(log) => {
                let mut t = log.tail(tail);
                t.text = redactor.text(&t.text);
                Ok(answer(run, Some(t), note))
            }
            None => {
                let why = match run.state {
                    RunState::Submitting => format!(
                        "No log yet: run {run_id} is being submitted; its log appears once spark-submit has printed something (try again in a few seconds)"
                    ),
                    RunState::Running => format!(
                        "No log yet: run {run_id} is running and nothing of its output has been kept so far (the launcher stores it every few seconds; try again shortly)"
                    ),
                    RunState::Skipped => format!(
                        "Run {run_id} was skipped (another run of the job was in flight): it launched nothing, so it has no log"
                    ),
                    other => format!(
                        "No log was kept for run {run_id} ({}): it ended before logs were kept, or its application printed nothing the provisioner could keep",
                        other.as_str()
                    ),
                };
                let why = match note {
                    Some(n) => format!("{why}; {n}"),
                    None => why,
                };
                Ok(answer(run, None, Some(why)))
            }
        }
    }

    fn handle_of(&self, run: &RunRecord) -> Option<ApplicationHandle> {
        let (_, backend) = self.launcher.as_ref()?;
        run.application_id.as_ref().map(|id| ApplicationHandle {
            backend: *backend,
            application_id: id.clone(),
            tracking_url: run.tracking_url.clone(),
        })
    }
}

fn answer(run: RunRecord, tail: Option<LogTail>, note: Option<String>) -> RunLogAnswer {
    RunLogAnswer {
        run_id: run.run_id,
        state: run.state,
        tail,
        note,
    }
}
