//! The scheduler engine of the CDP Spark provisioner.
//!
//! [`Scheduler::start`] runs three kinds of tokio tasks over the ports:
//!
//! - **fire loop** (`fire.rs`): [`SchedulerStorePort::acquire_fires`] takes
//!   a batch of due triggers under the store's lock (database time,
//!   look-ahead), then a launch task per fire time waits until that time
//!   (measured from the database's clock, so a skewed local clock does not
//!   matter). With nothing due it sleeps until the next fire time or the
//!   idle wait, or until [`SchedulerHandle::wake`].
//! - **launch** (`launch.rs`): claims the fires
//!   ([`SchedulerStorePort::claim_fires`]), kills the runs to replace,
//!   calls [`SparkLauncherPort::submit`] and stores the runs `RUNNING` with
//!   their application id (or `FAILED` with the reason, then a retry when
//!   the job has retries left: `finish.rs`).
//! - **follower** (`follow.rs`): polls [`SparkLauncherPort::status`] for
//!   the runs this instance follows, a page of 500 at a time, and writes
//!   their final state (`SUCCEEDED`, `FAILED`, `KILLED`, `LOST` when the
//!   cluster manager forgot them). With
//!   [`SchedulerConfig::kill_on_unprovision`] it also kills the
//!   applications of runs whose job was unprovisioned (one
//!   [`JobStorePort::existing_jobs`] query per page).
//! - **check-in** (`recovery.rs`): [`SchedulerStorePort::check_in`] every
//!   interval; the fires of dead instances it hands over are launched here,
//!   their runs in flight are followed here, and their runs still
//!   `SUBMITTING` are looked up on the cluster manager
//!   ([`SparkLauncherPort::find_by_run`]). The fire loop waits for the
//!   first check-in.
//!
//! How a run ends (from what the launcher reports) is decided by the pure
//! functions of `cdp_spark_domain::scheduling::outcome`; this crate asks
//! the ports and stores what they answer.
//!
//! [`SchedulerHandle::stop`] stops gracefully (launches in progress finish,
//! the check-in row is removed so another instance takes over the runs);
//! [`SchedulerHandle::abort`] simulates a crash, as does dropping the
//! handle.

pub mod bench;
mod config;
mod finish;
mod fire;
mod follow;
mod launch;
pub mod recording;
mod recovery;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::clock::Clock;
use cdp_spark_domain::model::RunRecord;
use cdp_spark_domain::ports::{
    ApplicationHandle, EngineObserver, JobStorePort, NoObserver, SchedulerStorePort,
    SparkLauncherPort,
};
use tokio::sync::{watch, Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

pub use config::{
    default_instance_id, default_max_concurrent_submits, submits_for, SchedulerConfig,
    SchedulerSettings, MAX_DEFAULT_SUBMITS, SUBMIT_MEMORY_BYTES,
};

/// Counters of one instance.
#[derive(Debug, Default)]
pub struct SchedulerStats {
    pub acquisitions: AtomicU64,
    pub fires: AtomicU64,
    pub skipped: AtomicU64,
    pub misfires: AtomicU64,
    pub submit_failures: AtomicU64,
    pub refired: AtomicU64,
    pub finished: AtomicU64,
    /// Dead instances this one recovered.
    pub recovered_instances: AtomicU64,
    pub reattached: AtomicU64,
    pub lost: AtomicU64,
}

/// One running instance: its settings, ports, counters and the signals
/// its tasks share.
struct Engine {
    config: SchedulerConfig,
    store: Arc<dyn SchedulerStorePort>,
    jobs: Arc<dyn JobStorePort>,
    launcher: Arc<dyn SparkLauncherPort>,
    clock: Arc<dyn Clock>,
    /// Told of fires, ends, misfires and skips (metrics).
    observer: Arc<dyn EngineObserver>,
    wake: Notify,
    submits: Semaphore,
    stats: SchedulerStats,
    /// Becomes true after the first successful check-in.
    checked_in: watch::Sender<bool>,
    /// Counts the times this engine stored runs (fired, submitted, ended,
    /// re-attached): what [`SchedulerWaker::runs_changed`] waits on.
    runs_stored: watch::Sender<u64>,
    /// Cancelled by a graceful stop: the loops end at their next wait,
    /// launches in progress finish.
    stop: CancellationToken,
    /// Cancelled by a crash ([`SchedulerHandle::abort`], or the handle
    /// dropped): every task is dropped where it is.
    crash: CancellationToken,
    /// Every task of the engine: the loops and the launches they start.
    tasks: TaskTracker,
}

impl Engine {
    /// Tells those waiting in [`SchedulerWaker::runs_changed`] that runs
    /// were stored.
    fn stored_runs(&self) {
        self.runs_stored.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Runs `task` on the engine's task set, dropped where it is on a crash.
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let crash = self.crash.clone();
        self.tasks.spawn(async move {
            crash.run_until_cancelled_owned(task).await;
        });
    }

    /// Sleeps `d` unless stopped (answers whether to go on).
    async fn pause(&self, d: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(d) => !self.stop.is_cancelled(),
            _ = self.stop.cancelled() => false,
        }
    }

    /// The handle to follow or kill the application of `run`, once known.
    fn handle_of(&self, run: &RunRecord) -> Option<ApplicationHandle> {
        run.application_id.as_ref().map(|id| ApplicationHandle {
            backend: self.config.backend,
            application_id: id.clone(),
            tracking_url: run.tracking_url.clone(),
        })
    }
}

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// A running scheduler instance. Dropping it without [`Self::stop`] is a
/// crash, as [`Self::abort`].
pub struct SchedulerHandle {
    engine: Arc<Engine>,
}

impl Drop for SchedulerHandle {
    fn drop(&mut self) {
        // After a graceful stop no task is left: nothing to drop.
        self.engine.crash.cancel();
    }
}

/// Wakes a running engine's fire loop (see [`SchedulerHandle::wake`]).
/// Waking a stopped engine does nothing.
#[derive(Clone)]
pub struct SchedulerWaker {
    engine: Arc<Engine>,
}

impl SchedulerWaker {
    pub fn wake(&self) {
        self.engine.wake.notify_one();
    }

    pub fn instance_id(&self) -> &str {
        &self.engine.config.instance_id
    }

    /// Returns when this engine next stores runs (a fire, a submit, an
    /// end), or after `at_most`: runs stored by other instances are not
    /// signalled here, so callers look again at least that often.
    pub async fn runs_changed(&self, at_most: Duration) {
        let mut stored = self.engine.runs_stored.subscribe();
        // Waiting on `changed` without marking the current value seen
        // would return at once for any earlier change.
        stored.borrow_and_update();
        let _ = tokio::time::timeout(at_most, stored.changed()).await;
    }
}

impl std::fmt::Debug for SchedulerWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchedulerWaker")
            .field("instance_id", &self.engine.config.instance_id)
            .finish()
    }
}

/// Starts scheduler instances.
pub struct Scheduler;

impl Scheduler {
    /// Starts the engine's tasks on the current tokio runtime.
    pub fn start(
        config: SchedulerConfig,
        store: Arc<dyn SchedulerStorePort>,
        jobs: Arc<dyn JobStorePort>,
        launcher: Arc<dyn SparkLauncherPort>,
        clock: Arc<dyn Clock>,
    ) -> Result<SchedulerHandle, String> {
        Self::start_observed(config, store, jobs, launcher, clock, Arc::new(NoObserver))
    }

    /// As [`Scheduler::start`], telling `observer` of fires (their
    /// lateness), runs ended by this instance, misfires and skips.
    pub fn start_observed(
        config: SchedulerConfig,
        store: Arc<dyn SchedulerStorePort>,
        jobs: Arc<dyn JobStorePort>,
        launcher: Arc<dyn SparkLauncherPort>,
        clock: Arc<dyn Clock>,
        observer: Arc<dyn EngineObserver>,
    ) -> Result<SchedulerHandle, String> {
        config.validate()?;
        let engine = Arc::new(Engine {
            submits: Semaphore::new(config.max_concurrent_submits),
            config,
            store,
            jobs,
            launcher,
            clock,
            observer,
            wake: Notify::new(),
            stats: SchedulerStats::default(),
            checked_in: watch::channel(false).0,
            runs_stored: watch::channel(0).0,
            stop: CancellationToken::new(),
            crash: CancellationToken::new(),
            tasks: TaskTracker::new(),
        });
        info!(instance = %engine.config.instance_id, "scheduler starting");
        engine.spawn(recovery::checkin_loop(Arc::clone(&engine)));
        engine.spawn(fire::fire_loop(Arc::clone(&engine)));
        engine.spawn(follow::follow_loop(Arc::clone(&engine)));
        Ok(SchedulerHandle { engine })
    }
}

impl SchedulerHandle {
    pub fn instance_id(&self) -> &str {
        &self.engine.config.instance_id
    }

    pub fn stats(&self) -> &SchedulerStats {
        &self.engine.stats
    }

    /// Look for due triggers now (e.g. after a manual trigger was stored).
    pub fn wake(&self) {
        self.engine.wake.notify_one();
    }

    /// A cloneable [`SchedulerWaker`] for other parts of the process (the
    /// HTTP handlers), usable while this handle is kept for [`Self::stop`].
    pub fn waker(&self) -> SchedulerWaker {
        SchedulerWaker {
            engine: Arc::clone(&self.engine),
        }
    }

    /// Graceful stop: no new acquisitions, launches in progress finish, the
    /// check-in row goes so that another instance follows this one's runs.
    /// Dropped before it ends (a timeout), what is left is dropped as in a
    /// crash.
    pub async fn stop(self) {
        let engine = &self.engine;
        engine.stop.cancel();
        engine.wake.notify_one();
        // The loops end, then the launches they started finish (a task
        // only starts others while it runs, so none starts after this).
        engine.tasks.close();
        engine.tasks.wait().await;
        if let Err(e) = engine.store.leave(&engine.config.instance_id).await {
            warn!(instance = %engine.config.instance_id, error = %e, "could not remove the check-in row; other instances take over after dead_after");
        }
        info!(instance = %engine.config.instance_id, "scheduler stopped");
    }

    /// A crash: every task is dropped where it is, nothing is released.
    pub async fn abort(self) {
        let engine = &self.engine;
        engine.crash.cancel();
        engine.tasks.close();
        engine.tasks.wait().await;
        info!(instance = %engine.config.instance_id, "scheduler aborted");
    }
}
