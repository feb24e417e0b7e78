//! The scheduler engine of the CDP Spark provisioner.
//!
//! [`Scheduler::start`] runs three kinds of tokio tasks over the ports:
//!
//! - **fire loop**: [`SchedulerStorePort::acquire_fires`] takes a batch of
//!   due triggers under the store's lock (database time, look-ahead), then a
//!   launch task per fire time waits until that time (measured from the
//!   database's clock, so a skewed local clock does not matter), claims the
//!   fires ([`SchedulerStorePort::claim_fires`]), kills the runs to replace,
//!   calls [`SparkLauncherPort::submit`] and stores the runs `RUNNING` with
//!   their application id (or `FAILED` with the reason, then a retry when
//!   the job has retries left). With nothing due it sleeps until the next
//!   fire time or the idle wait, or until [`SchedulerHandle::wake`].
//! - **follower**: polls [`SparkLauncherPort::status`] for the runs this
//!   instance follows and writes their final state (`SUCCEEDED`, `FAILED`,
//!   `KILLED`, `LOST` when the cluster manager forgot them).
//! - **check-in**: [`SchedulerStorePort::check_in`] every interval; the
//!   fires of dead instances it hands over are launched here, their runs
//!   in flight are followed here.
//!
//! [`SchedulerHandle::stop`] stops gracefully (launches in progress finish,
//! the check-in row is removed so another instance takes over the runs);
//! [`SchedulerHandle::abort`] simulates a crash.

pub mod bench;
pub mod recording;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::clock::Clock;
use cdp_spark_domain::model::{RunRecord, RunState};
use cdp_spark_domain::ports::{
    AcquireRequest, ApplicationHandle, ApplicationState, Fire, JobStorePort, LaunchRequest,
    LauncherBackend, SchedulerStorePort, SparkLauncherPort,
};
use cdp_spark_domain::scheduling::retry_trigger;
use chrono::{DateTime, Utc};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::{debug, info, warn};

/// Settings of one scheduler instance.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// This instance's name in `QRTZ_SCHEDULER_STATE` and `QRTZ_FIRED_TRIGGERS`.
    pub instance_id: String,
    /// Most fires per acquisition.
    pub batch_size: usize,
    /// Longest sleep of the fire loop with nothing due.
    pub idle_wait: Duration,
    /// Triggers due within this are acquired ahead and launched on time.
    pub look_ahead: Duration,
    /// A trigger later than this misfired.
    pub misfire_threshold: Duration,
    /// Check-in period.
    pub checkin_interval: Duration,
    /// An instance whose last check-in is older than this is dead.
    pub dead_after: Duration,
    /// Period of the follower.
    pub follow_interval: Duration,
    /// The cluster manager of the launcher (to follow runs by application id).
    pub backend: LauncherBackend,
    /// spark-submit calls in flight at once.
    pub max_concurrent_submits: usize,
}

impl SchedulerConfig {
    pub fn new(instance_id: impl Into<String>) -> Self {
        Self {
            instance_id: instance_id.into(),
            batch_size: 500,
            idle_wait: Duration::from_secs(1),
            look_ahead: Duration::from_millis(300),
            misfire_threshold: Duration::from_secs(60),
            checkin_interval: Duration::from_millis(7500),
            dead_after: Duration::from_secs(20),
            follow_interval: Duration::from_secs(5),
            backend: LauncherBackend::Local,
            max_concurrent_submits: 64,
        }
    }

    /// Checks the settings; the error names the setting and how to fix it.
    pub fn validate(&self) -> Result<(), String> {
        if self.instance_id.trim().is_empty() || self.instance_id.len() > 190 {
            return Err("scheduler.instance_id must be 1 to 190 characters; leave it unset for hostname+pid+random".into());
        }
        if self.batch_size == 0 {
            return Err("scheduler.batch_size must be at least 1".into());
        }
        if self.dead_after <= self.checkin_interval {
            return Err("scheduler dead_after must be longer than checkin_interval, or live instances are taken for dead".into());
        }
        if self.max_concurrent_submits == 0 {
            return Err("scheduler.max_concurrent_submits must be at least 1".into());
        }
        Ok(())
    }
}

/// The default instance id: hostname, process id and a random suffix.
pub fn default_instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &random[..8])
}

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

struct Engine {
    config: SchedulerConfig,
    store: Arc<dyn SchedulerStorePort>,
    jobs: Arc<dyn JobStorePort>,
    launcher: Arc<dyn SparkLauncherPort>,
    clock: Arc<dyn Clock>,
    wake: Notify,
    submits: Semaphore,
    stats: SchedulerStats,
}

/// A running scheduler instance.
pub struct SchedulerHandle {
    engine: Arc<Engine>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<()>,
    launches: Arc<tokio::sync::Mutex<JoinSet<()>>>,
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
        config.validate()?;
        let engine = Arc::new(Engine {
            submits: Semaphore::new(config.max_concurrent_submits),
            config,
            store,
            jobs,
            launcher,
            clock,
            wake: Notify::new(),
            stats: SchedulerStats::default(),
        });
        let (stop, stopped) = watch::channel(false);
        let launches = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        let mut tasks = JoinSet::new();
        info!(instance = %engine.config.instance_id, "scheduler starting");
        tasks.spawn(checkin_loop(
            Arc::clone(&engine),
            stopped.clone(),
            Arc::clone(&launches),
        ));
        tasks.spawn(fire_loop(
            Arc::clone(&engine),
            stopped.clone(),
            Arc::clone(&launches),
        ));
        tasks.spawn(follow_loop(Arc::clone(&engine), stopped));
        Ok(SchedulerHandle {
            engine,
            stop,
            tasks,
            launches,
        })
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
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        self.engine.wake.notify_one();
        while self.tasks.join_next().await.is_some() {}
        let mut launches = self.launches.lock().await;
        while launches.join_next().await.is_some() {}
        if let Err(e) = self
            .engine
            .store
            .leave(&self.engine.config.instance_id)
            .await
        {
            warn!(instance = %self.engine.config.instance_id, error = %e, "could not remove the check-in row; other instances take over after dead_after");
        }
        info!(instance = %self.engine.config.instance_id, "scheduler stopped");
    }

    /// A crash: every task is dropped where it is, nothing is released.
    pub async fn abort(mut self) {
        self.tasks.abort_all();
        self.launches.lock().await.abort_all();
        while self.tasks.join_next().await.is_some() {}
        info!(instance = %self.engine.config.instance_id, "scheduler aborted");
    }
}

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Sleeps `d` unless stopped (answers whether to go on).
async fn pause(d: Duration, stopped: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => !*stopped.borrow(),
        _ = stopped.changed() => false,
    }
}

async fn checkin_loop(
    engine: Arc<Engine>,
    mut stopped: watch::Receiver<bool>,
    launches: Arc<tokio::sync::Mutex<JoinSet<()>>>,
) {
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
                if !recovery.refire.is_empty() {
                    engine
                        .stats
                        .refired
                        .fetch_add(recovery.refire.len() as u64, Ordering::Relaxed);
                    let e = Arc::clone(&engine);
                    launches
                        .lock()
                        .await
                        .spawn(async move { launch_group(e, recovery.refire).await });
                }
            }
            Err(e) => warn!(instance = %c.instance_id, error = %e, "check-in failed"),
        }
        if !pause(engine.config.checkin_interval, &mut stopped).await {
            return;
        }
    }
}

async fn fire_loop(
    engine: Arc<Engine>,
    mut stopped: watch::Receiver<bool>,
    launches: Arc<tokio::sync::Mutex<JoinSet<()>>>,
) {
    let c = engine.config.clone();
    let request = AcquireRequest {
        instance_id: c.instance_id.clone(),
        batch_size: c.batch_size,
        look_ahead: chrono_of(c.look_ahead),
        misfire_threshold: chrono_of(c.misfire_threshold),
    };
    loop {
        if *stopped.borrow() {
            return;
        }
        let acquired = match engine.store.acquire_fires(&request).await {
            Ok(a) => a,
            Err(e) => {
                warn!(instance = %c.instance_id, error = %e, "acquiring due triggers failed; trying again");
                if !pause(c.idle_wait, &mut stopped).await {
                    return;
                }
                continue;
            }
        };
        let taken_at = Instant::now();
        let stats = &engine.stats;
        stats.acquisitions.fetch_add(1, Ordering::Relaxed);
        stats
            .fires
            .fetch_add(acquired.fires.len() as u64, Ordering::Relaxed);
        stats
            .skipped
            .fetch_add(acquired.skipped.len() as u64, Ordering::Relaxed);
        stats
            .misfires
            .fetch_add(acquired.misfired as u64, Ordering::Relaxed);
        for s in &acquired.skipped {
            info!(run = %s.run_id, job = %s.job_key, reason = s.error.as_deref().unwrap_or(""), "fire skipped");
        }
        let full = acquired.fires.len() + acquired.skipped.len() >= c.batch_size;
        // One launch task per fire time, started at that time.
        let mut groups: BTreeMap<DateTime<Utc>, Vec<Fire>> = BTreeMap::new();
        for f in acquired.fires {
            groups.entry(f.run.scheduled_fire_time).or_default().push(f);
        }
        {
            let mut set = launches.lock().await;
            while set.try_join_next().is_some() {}
            for (at, fires) in groups {
                let wait = (at - acquired.db_now).to_std().unwrap_or(Duration::ZERO);
                let e = Arc::clone(&engine);
                set.spawn(async move {
                    tokio::time::sleep_until(taken_at + wait).await;
                    launch_group(e, fires).await;
                });
            }
        }
        if full {
            continue;
        }
        // Sleep until the next trigger enters the look-ahead window, measured
        // on the database's clock.
        let sleep = acquired
            .next_due
            .map(|next| {
                (next - acquired.db_now - chrono_of(c.look_ahead))
                    .to_std()
                    .unwrap_or(Duration::ZERO)
            })
            .unwrap_or(c.idle_wait)
            .min(c.idle_wait);
        let deadline = taken_at + sleep;
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {}
            _ = engine.wake.notified() => {}
            _ = stopped.changed() => return,
        }
    }
}

fn handle_of(engine: &Engine, run: &RunRecord) -> Option<ApplicationHandle> {
    run.application_id.as_ref().map(|id| ApplicationHandle {
        backend: engine.config.backend,
        application_id: id.clone(),
        tracking_url: run.tracking_url.clone(),
    })
}

/// Claims the fires, then submits each; stores the outcomes in batches.
async fn launch_group(engine: Arc<Engine>, fires: Vec<Fire>) {
    let me = engine.config.instance_id.clone();
    let ids: Vec<String> = fires.iter().map(|f| f.run.run_id.clone()).collect();
    let claimed = match engine.store.claim_fires(&me, &ids).await {
        Ok(c) => c,
        Err(e) => {
            // Unclaimed fires stay ACQUIRED: recovery launches them if this
            // instance is declared dead; otherwise they are retried here.
            warn!(instance = %me, error = %e, fires = ids.len(), "claiming fires failed; retrying once");
            tokio::time::sleep(Duration::from_millis(200)).await;
            match engine.store.claim_fires(&me, &ids).await {
                Ok(c) => c,
                Err(e) => {
                    warn!(instance = %me, error = %e, "claiming fires failed again; left for recovery");
                    return;
                }
            }
        }
    };
    let claimed: std::collections::BTreeSet<String> = claimed.into_iter().collect();
    let mut submits = JoinSet::new();
    for fire in fires {
        if !claimed.contains(&fire.run.run_id) {
            debug!(run = %fire.run.run_id, "fire taken over by another instance; not launched here");
            continue;
        }
        let e = Arc::clone(&engine);
        submits.spawn(async move { submit_one(e, fire).await });
    }
    let mut running = Vec::new();
    let mut failed = Vec::new();
    while let Some(done) = submits.join_next().await {
        match done {
            Ok((run, ok)) => {
                if ok {
                    running.push(run)
                } else {
                    failed.push(run)
                }
            }
            Err(e) => warn!(error = %e, "a submit task failed"),
        }
    }
    if let Err(e) = engine.store.update_runs(&running).await {
        warn!(instance = %me, error = %e, runs = running.len(), "storing submitted runs failed");
    }
    if !failed.is_empty() {
        engine
            .stats
            .submit_failures
            .fetch_add(failed.len() as u64, Ordering::Relaxed);
        finish(&engine, failed).await;
    }
}

async fn submit_one(engine: Arc<Engine>, fire: Fire) -> (RunRecord, bool) {
    let _permit = engine.submits.acquire().await;
    let Fire {
        mut run,
        job,
        replace,
    } = fire;
    for old in &replace {
        if let Some(handle) = handle_of(&engine, old) {
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
        spec: job.spec.clone(),
        scheduled_fire_time: run.scheduled_fire_time,
    };
    let now = engine.clock.now();
    run.actual_fire_time = now;
    match engine.launcher.submit(&request).await {
        Ok(handle) => {
            run.application_id = Some(handle.application_id);
            run.tracking_url = handle.tracking_url;
            run.state = RunState::Running;
            run.updated_at = engine.clock.now();
            (run, true)
        }
        Err(e) => {
            warn!(run = %run.run_id, job = %job.key, error = %e, "spark-submit failed");
            run.state = RunState::Failed;
            run.error = Some(e.to_string());
            run.updated_at = engine.clock.now();
            run.ended_at = Some(run.updated_at);
            (run, false)
        }
    }
}

/// Stores ended runs and adds retries for the failed ones with retries left.
async fn finish(engine: &Arc<Engine>, runs: Vec<RunRecord>) {
    let me = &engine.config.instance_id;
    let stored = match engine.store.finish_runs(me, &runs).await {
        Ok(ids) => ids,
        Err(e) => {
            warn!(instance = %me, error = %e, "storing ended runs failed; the follower tries again");
            return;
        }
    };
    engine
        .stats
        .finished
        .fetch_add(stored.len() as u64, Ordering::Relaxed);
    for run in runs
        .iter()
        .filter(|r| r.state == RunState::Failed && stored.contains(&r.run_id))
    {
        let job = match engine.jobs.get_job(&run.job_key).await {
            Ok(Some(job)) => job,
            Ok(None) => continue,
            Err(e) => {
                warn!(run = %run.run_id, error = %e, "cannot read the job to retry");
                continue;
            }
        };
        if let Some(trigger) = retry_trigger(&job.run_policy, run, engine.clock.now()) {
            match engine.jobs.add_trigger(&trigger).await {
                Ok(_) => {
                    info!(run = %run.run_id, retry = %trigger.key, "failed run will be retried");
                    engine.wake.notify_one();
                }
                Err(e) => warn!(run = %run.run_id, error = %e, "could not store the retry"),
            }
        }
    }
}

async fn follow_loop(engine: Arc<Engine>, mut stopped: watch::Receiver<bool>) {
    loop {
        if !pause(engine.config.follow_interval, &mut stopped).await {
            return;
        }
        if let Err(e) = follow_once(&engine).await {
            warn!(instance = %engine.config.instance_id, error = %e, "following runs failed");
        }
    }
}

async fn follow_once(engine: &Arc<Engine>) -> Result<(), String> {
    let runs = engine
        .store
        .runs_to_follow(&engine.config.instance_id)
        .await
        .map_err(|e| e.to_string())?;
    let mut polls = JoinSet::new();
    for run in runs {
        let e = Arc::clone(engine);
        polls.spawn(async move {
            let _permit = e.submits.acquire().await;
            let handle = handle_of(&e, &run)?;
            match e.launcher.status(&handle).await {
                Ok(state) => ended(&e, run, state),
                Err(err) => {
                    debug!(run = %run.run_id, error = %err, "status not available now");
                    None
                }
            }
        });
    }
    let mut done = Vec::new();
    while let Some(r) = polls.join_next().await {
        if let Ok(Some(run)) = r {
            done.push(run);
        }
    }
    if !done.is_empty() {
        finish(engine, done).await;
    }
    Ok(())
}

/// The run with its final state, when the application ended.
fn ended(engine: &Engine, mut run: RunRecord, state: ApplicationState) -> Option<RunRecord> {
    let (s, status, error) = match state {
        ApplicationState::Running { tracking_url } => {
            let _ = tracking_url;
            return None;
        }
        ApplicationState::Succeeded => (RunState::Succeeded, "SUCCEEDED", None),
        ApplicationState::Failed { diagnostics } => (RunState::Failed, "FAILED", Some(diagnostics)),
        ApplicationState::Killed { diagnostics } => (RunState::Killed, "KILLED", Some(diagnostics)),
        ApplicationState::Unknown { detail } => (
            RunState::Lost,
            "UNKNOWN",
            Some(format!(
                "the cluster manager no longer knows application {}: {detail}",
                run.application_id.as_deref().unwrap_or("?")
            )),
        ),
    };
    let now = engine.clock.now();
    run.state = s;
    run.final_status = Some(status.to_string());
    run.error = error.filter(|e| !e.is_empty());
    run.updated_at = now;
    run.ended_at = Some(now);
    Some(run)
}
