//! Local mode: spark-submit with a `local[*]` master is the application
//! itself, run as a child process of the provisioner. Each child is kept in
//! a map under a generated id (`local-…`), so `status` and `kill` find it;
//! its exit code is its final status (0 succeeded, anything else failed with
//! the end of its error output as diagnostics). A kill terminates its whole
//! process group.
//!
//! Its standard output and error are also captured in the run's log
//! ([`RunLog`]: one bounded ring, redacted), written to the job store while
//! it runs and when it ends; once the final write succeeded the ring is let
//! go and the stored log is what answers.
//!
//! Limitation: a local application is known only to the provisioner process
//! that started it; after a restart its id answers
//! [`ApplicationState::Unknown`].

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::{ApplicationState, LaunchError};
use cdp_spark_domain::redact::Redactor;
use cdp_spark_domain::runlog::LogTail;
use nix::sys::signal::Signal;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::command::SparkSubmitCommand;
use crate::process::{drain, failure_summary, shared_tail, signal_group, spawn, tail_text};
use crate::runlog::RunLog;

/// Ended applications are forgotten this long after they ended.
const RETENTION: Duration = Duration::from_secs(24 * 3600);

/// How a local application ended.
#[derive(Debug, Clone)]
enum Outcome {
    Exited { status: ExitStatus, summary: String },
    WaitFailed(String),
}

#[derive(Debug)]
struct LocalApp {
    pid: u32,
    kill_requested: AtomicBool,
    ended: watch::Receiver<Option<(Outcome, Instant)>>,
    /// The run's output while it is not (yet) in the job store.
    log: Mutex<Option<RunLog>>,
}

/// The local applications this provisioner started.
#[derive(Debug, Default)]
pub struct LocalApps {
    apps: Mutex<HashMap<String, Arc<LocalApp>>>,
}

impl LocalApps {
    pub fn new() -> Self {
        Self::default()
    }

    fn get(&self, id: &str) -> Option<Arc<LocalApp>> {
        self.lock().get(id).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LocalApp>>> {
        match self.apps.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Starts the application; returns its id at once. The end of its
    /// output, kept as the diagnostics of a failure, is redacted by
    /// `redactor`; its whole output goes to `log`.
    pub(crate) async fn start(
        &self,
        cmd: &SparkSubmitCommand,
        redactor: &Redactor,
        log: RunLog,
    ) -> Result<String, LaunchError> {
        self.forget_old();
        let mut child = spawn(cmd)?;
        let pid = child.id().ok_or_else(|| {
            LaunchError::Submit("spark-submit exited before it could be followed".into())
        })?;
        let id = format!("local-{}", uuid::Uuid::new_v4().simple());
        let out_tail = shared_tail();
        let err_tail = shared_tail();
        let readers = [
            child
                .stdout
                .take()
                .map(|s| drain(s, out_tail.clone(), Some(log.ring()))),
            child
                .stderr
                .take()
                .map(|s| drain(s, err_tail.clone(), Some(log.ring()))),
        ];
        let (tx, rx) = watch::channel(None);
        let app = Arc::new(LocalApp {
            pid,
            kill_requested: AtomicBool::new(false),
            ended: rx,
            log: Mutex::new(Some(log.clone())),
        });
        self.lock().insert(id.clone(), Arc::clone(&app));
        info!(application_id = %id, pid, run_id = %log.run_id, "local Spark application started");
        let log_id = id.clone();
        let redactor = redactor.clone();
        tokio::spawn(async move {
            let waited = loop {
                tokio::select! {
                    waited = child.wait() => break waited,
                    _ = tokio::time::sleep(log.flush_every()) => {
                        log.flush(false).await;
                    }
                }
            };
            let outcome = match waited {
                Ok(status) => {
                    for reader in readers.into_iter().flatten() {
                        let _ = tokio::time::timeout(Duration::from_secs(2), reader).await;
                    }
                    let summary = if status.success() {
                        String::new()
                    } else {
                        failure_summary(
                            "spark-submit",
                            &status,
                            &redactor.text(&tail_text(&err_tail)),
                            &redactor.text(&tail_text(&out_tail)),
                        )
                    };
                    Outcome::Exited { status, summary }
                }
                Err(e) => Outcome::WaitFailed(format!("waiting for spark-submit failed: {e}")),
            };
            // Whatever the application left running in its group goes too.
            let _ = signal_group(pid, Signal::SIGKILL);
            // The whole log is stored before the end is reported, so that
            // a run seen ended has its log; then the ring is let go.
            if log.flush(true).await {
                *lock_log(&app.log) = None;
            }
            info!(application_id = %log_id, ?outcome, "local Spark application ended");
            let _ = tx.send(Some((outcome, Instant::now())));
        });
        Ok(id)
    }

    /// The last `tail` bytes of the application's output, redacted, while
    /// this process holds it (`None` once it is only in the job store, or
    /// for an application it does not know).
    pub fn log_tail(&self, id: &str, tail: u64) -> Option<LogTail> {
        let app = self.get(id)?;
        let log = lock_log(&app.log).clone()?;
        Some(log.tail(tail))
    }

    /// Where the application is.
    pub fn status(&self, id: &str) -> ApplicationState {
        let Some(app) = self.get(id) else {
            return ApplicationState::Unknown {
                detail: format!(
                    "local application {id} is not known to this provisioner process (local applications are children of the instance that started them and are not followed across restarts)"
                ),
            };
        };
        let ended = app.ended.borrow().clone();
        match ended {
            None => ApplicationState::Running {
                tracking_url: None,
                started: true,
            },
            Some((outcome, _)) => final_state(&outcome, app.kill_requested.load(Ordering::SeqCst)),
        }
    }

    /// The process id of a running or ended local application.
    pub fn pid(&self, id: &str) -> Option<u32> {
        self.get(id).map(|a| a.pid)
    }

    /// Terminates the application's process group (SIGTERM, SIGKILL after
    /// `grace`) and waits until it has ended.
    pub async fn kill(&self, id: &str, grace: Duration) -> Result<(), LaunchError> {
        let app = self.get(id).ok_or_else(|| {
            LaunchError::Other(cause!(
                "cannot kill local application {id}: this provisioner process does not know it"
            ))
        })?;
        if app.ended.borrow().is_some() {
            return Ok(());
        }
        app.kill_requested.store(true, Ordering::SeqCst);
        signal_group(app.pid, Signal::SIGTERM).map_err(|e| LaunchError::Other(e.into()))?;
        let mut ended = app.ended.clone();
        if tokio::time::timeout(grace, ended.wait_for(Option::is_some))
            .await
            .is_ok()
        {
            return Ok(());
        }
        warn!(application_id = %id, pid = app.pid, "local application ignored SIGTERM; sending SIGKILL");
        signal_group(app.pid, Signal::SIGKILL).map_err(|e| LaunchError::Other(e.into()))?;
        let ended_now =
            tokio::time::timeout(Duration::from_secs(10), ended.wait_for(Option::is_some))
                .await
                .is_ok();
        if ended_now {
            Ok(())
        } else {
            Err(LaunchError::Other(cause!(
                "local application {id} (process group {}) did not end after SIGKILL",
                app.pid
            )))
        }
    }

    fn forget_old(&self) {
        let now = Instant::now();
        self.lock().retain(|_, app| match &*app.ended.borrow() {
            Some((_, at)) => now.duration_since(*at) < RETENTION,
            None => true,
        });
    }
}

fn lock_log(m: &Mutex<Option<RunLog>>) -> std::sync::MutexGuard<'_, Option<RunLog>> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn final_state(outcome: &Outcome, kill_requested: bool) -> ApplicationState {
    match outcome {
        Outcome::Exited { status, .. } if status.success() => ApplicationState::Succeeded,
        Outcome::Exited { status, .. } if kill_requested => ApplicationState::Killed {
            diagnostics: match status.signal() {
                Some(signal) => format!("killed on request (signal {signal})"),
                None => format!(
                    "killed on request (exit code {})",
                    status.code().unwrap_or(-1)
                ),
            },
        },
        Outcome::Exited { summary, .. } => ApplicationState::Failed {
            diagnostics: summary.clone(),
        },
        Outcome::WaitFailed(detail) => ApplicationState::Unknown {
            detail: detail.clone(),
        },
    }
}
