//! A run's log (`GET /v1/scheduler/runs/{runId}/logs`): the run must exist;
//! then the launcher of this instance is asked first (a local
//! application's live output, a YARN driver's log from its NodeManager or
//! aggregated after it ended), then, for a YARN application, its logs
//! aggregated on the cluster's filesystem ([`crate::yarnlog`], when the
//! operator configured where they are), and the log the job store kept
//! (spark-submit's output) answers when neither has one.

use std::sync::Arc;

use tracing::{debug, warn};

use super::errors::UseCaseError;
use super::Provisioner;
use crate::model::{RunRecord, RunState};
use crate::ports::{
    ApplicationHandle, HdfsPort, LauncherBackend, RunLogStorePort, SparkLauncherPort,
};
use crate::runlog::{LogTail, MAX_TAIL_BYTES};
use crate::yarnlog::{AggregatedLogSettings, AggregatedLogs, ApplicationId};

/// Where YARN's aggregated logs are read from.
#[derive(Clone)]
pub struct AggregatedLogSource {
    pub fs: Arc<dyn HdfsPort>,
    pub settings: AggregatedLogSettings,
    /// The user whose folder holds the logs when the cluster manager no
    /// longer knows the application (the submitting user).
    pub owner: Option<String>,
}

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
    aggregated: Option<AggregatedLogSource>,
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
            aggregated: None,
        }
    }

    /// Also reads YARN applications' aggregated logs from `source`.
    #[must_use]
    pub fn with_aggregated_logs(mut self, source: AggregatedLogSource) -> Self {
        self.aggregated = Some(source);
        self
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
        match self.aggregated_log(&run, tail).await {
            Ok(Some(mut log)) => {
                log.text = redactor.text(&log.text);
                return Ok(answer(run, Some(log), None));
            }
            Ok(None) => {}
            Err(why) => {
                let why = redactor.text(&why);
                warn!(run_id, error = %why, "the aggregated log could not be read; answering the stored log");
                let n = format!(
                    "the driver's aggregated log could not be read ({why}); this is the log kept by the provisioner"
                );
                note = Some(match note {
                    Some(before) => format!("{before}; {n}"),
                    None => n,
                });
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

    /// The YARN application's aggregated driver log, when configured and
    /// found; `Err` with a reason when it could not be read.
    async fn aggregated_log(&self, run: &RunRecord, tail: u64) -> Result<Option<LogTail>, String> {
        let Some(source) = &self.aggregated else {
            return Ok(None);
        };
        let Some(app) = run.application_id.as_deref() else {
            return Ok(None);
        };
        if ApplicationId::parse(app).is_none() {
            return Ok(None);
        }
        let mut owner = None;
        if let (Some((launcher, _)), Some(handle)) = (&self.launcher, self.handle_of(run)) {
            match launcher.application_owner(&handle).await {
                Ok(found) => owner = found,
                Err(e) => {
                    debug!(run_id = %run.run_id, error = %e, "the application's user could not be asked")
                }
            }
        }
        let Some(owner) = owner.or_else(|| source.owner.clone()) else {
            return Err(format!(
                "the cluster manager no longer knows which user ran {app}; set yarn_logs.owner"
            ));
        };
        let started = std::time::Instant::now();
        let logs = AggregatedLogs {
            fs: source.fs.as_ref(),
            settings: &source.settings,
        };
        let found = logs
            .driver_log(&owner, app, tail)
            .await
            .map_err(|e| e.to_string())?;
        debug!(
            run_id = %run.run_id,
            found = found.is_some(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "aggregated log looked up"
        );
        Ok(found)
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
