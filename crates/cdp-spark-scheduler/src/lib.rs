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
//!   instance follows, a page of 500 at a time, and writes their final
//!   state (`SUCCEEDED`, `FAILED`, `KILLED`, `LOST` when the cluster
//!   manager forgot them). With [`SchedulerConfig::kill_on_unprovision`] it
//!   also kills the applications of runs whose job was unprovisioned (one
//!   [`JobStorePort::existing_jobs`] query per page).
//! - **check-in**: [`SchedulerStorePort::check_in`] every interval; the
//!   fires of dead instances it hands over are launched here, their runs
//!   in flight are followed here, and their runs still `SUBMITTING` are
//!   looked up on the cluster manager ([`SparkLauncherPort::find_by_run`]).
//!   The fire loop waits for the first check-in.
//!
//! [`SchedulerHandle::stop`] stops gracefully (launches in progress finish,
//! the check-in row is removed so another instance takes over the runs);
//! [`SchedulerHandle::abort`] simulates a crash.

pub mod bench;
pub mod recording;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::clock::Clock;
use cdp_spark_domain::model::{JobKey, RunRecord, RunState};
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
    /// spark-submit calls in flight at once. Each is a JVM (measured on the
    /// real YARN of the test suite: ~175 MB and ~3.4 CPU-seconds with the
    /// launcher's bounded client JVM, ~245 MB with Spark's defaults), so
    /// the default follows the machine: [`default_max_concurrent_submits`].
    pub max_concurrent_submits: usize,
    /// Status polls of the follower in flight at once (HTTP calls to the
    /// cluster manager, or a look at a child process: cheap).
    pub max_concurrent_polls: usize,
    /// The follower kills the applications of runs whose job was
    /// unprovisioned (checked once per page of runs it follows); such
    /// a run ends `KILLED` with the reason. Off (the default): they are
    /// followed to their end.
    pub kill_on_unprovision: bool,
}

impl SchedulerConfig {
    pub fn new(instance_id: impl Into<String>) -> Self {
        Self {
            instance_id: instance_id.into(),
            batch_size: 500,
            idle_wait: Duration::from_secs(1),
            look_ahead: Duration::from_millis(700),
            misfire_threshold: Duration::from_secs(60),
            checkin_interval: Duration::from_millis(7500),
            dead_after: Duration::from_secs(20),
            follow_interval: Duration::from_secs(5),
            backend: LauncherBackend::Local,
            max_concurrent_submits: default_max_concurrent_submits(),
            max_concurrent_polls: 64,
            kill_on_unprovision: false,
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
        if self.max_concurrent_polls == 0 {
            return Err("scheduler.max_concurrent_polls must be at least 1".into());
        }
        Ok(())
    }
}

/// Memory one spark-submit may need, with room to spare: the launcher's
/// bounded client JVM peaked at ~175 MB (~215 MB with Kerberos) on the real
/// YARN of the test suite (`scripts/bench-spark-submit.sh`).
pub const SUBMIT_MEMORY_BYTES: u64 = 400 << 20;

/// The most spark-submits at once by default, whatever the machine.
pub const MAX_DEFAULT_SUBMITS: usize = 8;

/// The default of [`SchedulerConfig::max_concurrent_submits`]: two per CPU
/// the process may use (spark-submit is CPU-bound: ~3.4 CPU-seconds each,
/// so more at once only delays every application id), at most
/// [`MAX_DEFAULT_SUBMITS`], and at most one per [`SUBMIT_MEMORY_BYTES`] of
/// the container's memory limit (cgroup v2 `memory.max` or v1
/// `memory.limit_in_bytes`, when there is one); at least 1.
pub fn default_max_concurrent_submits() -> usize {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    submits_for(cpus, cgroup_memory_limit())
}

/// [`default_max_concurrent_submits`] for `cpus` and a memory limit.
pub fn submits_for(cpus: usize, memory_limit: Option<u64>) -> usize {
    let by_cpu = cpus.saturating_mul(2).min(MAX_DEFAULT_SUBMITS);
    let by_memory = memory_limit
        .map(|limit| usize::try_from(limit / SUBMIT_MEMORY_BYTES).unwrap_or(usize::MAX))
        .unwrap_or(usize::MAX);
    by_cpu.min(by_memory).max(1)
}

/// The memory limit of this process's cgroup, if one is set.
fn cgroup_memory_limit() -> Option<u64> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    // cgroup v2: the file of this process's own group.
    let own = read("/proc/self/cgroup").and_then(|text| {
        text.lines()
            .find_map(|l| l.strip_prefix("0::"))
            .map(|p| p.trim().to_string())
    });
    let mut candidates = Vec::new();
    if let Some(own) = own {
        candidates.push(format!("/sys/fs/cgroup{own}/memory.max"));
    }
    candidates.push("/sys/fs/cgroup/memory.max".into());
    candidates.push("/sys/fs/cgroup/memory/memory.limit_in_bytes".into());
    candidates
        .iter()
        .filter_map(|path| read(path))
        .find_map(|text| parse_memory_limit(&text))
}

/// `max` (none) or a byte count; v1's "no limit" is a huge number.
fn parse_memory_limit(text: &str) -> Option<u64> {
    let value: u64 = text.trim().parse().ok()?;
    (value < (1 << 60)).then_some(value)
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
    /// Becomes true after the first successful check-in.
    checked_in: watch::Sender<bool>,
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
            checked_in: watch::channel(false).0,
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
                    let stop = stopped.clone();
                    launches
                        .lock()
                        .await
                        .spawn(async move { resolve(e, recovery.unresolved, stop).await });
                }
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
    let mut checked_in = engine.checked_in.subscribe();
    tokio::select! {
        r = checked_in.wait_for(|done| *done) => {
            if r.is_err() {
                return;
            }
        }
        _ = stopped.changed() => return,
    }
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
        // `db_now_at_end` is read just before the acquisition commits: the
        // local instant that matches it best.
        let taken_at = Instant::now();
        let db_anchor = acquired.db_now_at_end;
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
                let wait = (at - db_anchor).to_std().unwrap_or(Duration::ZERO);
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
                (next - db_anchor - chrono_of(c.look_ahead))
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

/// Runs taken over from a dead instance while its spark-submit had not
/// printed an application id: each is looked up on the cluster manager
/// ([`SparkLauncherPort::find_by_run`]); found, it is re-attached
/// (`RUNNING`, followed from now on); not found, it ends `LOST` with the
/// reason. A cluster manager that cannot be asked is asked again with
/// backoff for about five minutes before the run is given up as `LOST`;
/// when this instance stops meanwhile, the runs still unresolved are left
/// for the instance that takes over its work.
async fn resolve(engine: Arc<Engine>, runs: Vec<RunRecord>, mut stopped: watch::Receiver<bool>) {
    const CUT_SHORT: &str = "the provisioner instance running spark-submit for this run stopped before an application id was known";
    let mut pending = runs;
    let mut found = Vec::new();
    let mut lost = Vec::new();
    let mut wait = Duration::from_secs(1);
    for attempt in 1..=10u32 {
        let mut again = Vec::new();
        for mut run in pending {
            let _permit = engine.submits.acquire().await;
            match engine.launcher.find_by_run(&run.run_id).await {
                Ok(Some(handle)) => {
                    info!(run = %run.run_id, application_id = %handle.application_id, "run of a stopped instance re-attached by its run id");
                    run.application_id = Some(handle.application_id);
                    run.tracking_url = handle.tracking_url;
                    run.state = RunState::Running;
                    run.updated_at = engine.clock.now();
                    found.push(run);
                }
                Ok(None) => {
                    run.end(
                        RunState::Lost,
                        Some(format!("{CUT_SHORT}, and the cluster manager has no application for this run (YARN: none tagged with it; standalone and local cannot be searched)")),
                        engine.clock.now(),
                    );
                    lost.push(run);
                }
                Err(e) if attempt < 10 => {
                    debug!(run = %run.run_id, error = %e, attempt, "cannot look the run up on the cluster manager now");
                    again.push(run);
                }
                Err(e) => {
                    run.end(
                        RunState::Lost,
                        Some(format!(
                            "{CUT_SHORT}, and the cluster manager could not be searched for it: {e}"
                        )),
                        engine.clock.now(),
                    );
                    lost.push(run);
                }
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
        if !pause(wait, &mut stopped).await {
            break;
        }
        wait = (wait * 2).min(Duration::from_secs(60));
    }
    let stats = &engine.stats;
    stats
        .reattached
        .fetch_add(found.len() as u64, Ordering::Relaxed);
    stats.lost.fetch_add(lost.len() as u64, Ordering::Relaxed);
    if let Err(e) = engine.store.update_runs(&found).await {
        warn!(instance = %engine.config.instance_id, error = %e, runs = found.len(), "storing re-attached runs failed; they are looked up again when this instance is recovered");
    }
    if !lost.is_empty() {
        finish(&engine, lost).await;
    }
}

/// Fires claimed per store call: each chunk is launched as soon as it is
/// claimed, so the first submits of a large group do not wait for the
/// claims of the last ones.
const CLAIM_CHUNK: usize = 100;

/// Claims the fires a chunk at a time and submits each chunk as soon as it
/// is claimed; stores the outcomes in batches.
async fn launch_group(engine: Arc<Engine>, fires: Vec<Fire>) {
    let me = engine.config.instance_id.clone();
    let cap = engine.config.max_concurrent_submits;
    let mut submits = JoinSet::new();
    let mut running = Vec::new();
    let mut failed = Vec::new();
    let mut collect = |done: Result<(RunRecord, bool), tokio::task::JoinError>| match done {
        Ok((run, true)) => running.push(run),
        Ok((run, false)) => failed.push(run),
        Err(e) => warn!(error = %e, "a submit task failed"),
    };
    let mut fires = fires.into_iter();
    loop {
        let chunk: Vec<Fire> = fires.by_ref().take(CLAIM_CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        let ids: Vec<String> = chunk.iter().map(|f| f.run.run_id.clone()).collect();
        let Some(claimed) = claim(&engine, &ids).await else {
            continue;
        };
        for fire in chunk {
            if !claimed.contains(&fire.run.run_id) {
                debug!(run = %fire.run.run_id, "fire taken over by another instance; not launched here");
                continue;
            }
            // At most `max_concurrent_submits` submit tasks exist at a
            // time (a fire waiting for its turn costs no task).
            while submits.len() >= cap {
                match submits.join_next().await {
                    Some(done) => collect(done),
                    None => break,
                }
            }
            let e = Arc::clone(&engine);
            submits.spawn(async move { submit_one(e, fire).await });
        }
    }
    while let Some(done) = submits.join_next().await {
        collect(done);
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

/// Claims fires acquired by this instance (`ACQUIRED` → `EXECUTING`): the
/// ones it may launch. A store error is retried with backoff for about a
/// minute; after that the fires stay `ACQUIRED` and are launched by whoever
/// recovers this instance (an instance that cannot reach the store for that
/// long cannot check in either, and is declared dead).
async fn claim(engine: &Engine, ids: &[String]) -> Option<HashSet<String>> {
    const ATTEMPTS: u32 = 16;
    let me = &engine.config.instance_id;
    let mut wait = Duration::from_millis(100);
    for attempt in 1..=ATTEMPTS {
        match engine.store.claim_fires(me, ids).await {
            Ok(claimed) => return Some(claimed.into_iter().collect()),
            Err(e) => {
                warn!(instance = %me, error = %e, fires = ids.len(), attempt, "claiming fires failed")
            }
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(5));
        }
    }
    warn!(instance = %me, fires = ids.len(), "claiming fires kept failing; left ACQUIRED for recovery");
    None
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
            run.end(RunState::Failed, Some(e.to_string()), engine.clock.now());
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
    // Runs this follower killed because their job was unprovisioned, with
    // the rounds since the kill; kept while the runs are followed here.
    let mut killed: HashMap<String, u32> = HashMap::new();
    loop {
        if !pause(engine.config.follow_interval, &mut stopped).await {
            return;
        }
        if let Err(e) = follow_once(&engine, &mut killed).await {
            warn!(instance = %engine.config.instance_id, error = %e, "following runs failed");
        }
    }
}

/// Follow rounds after a kill during which the cluster manager may still
/// report the application running; then the run is recorded `KILLED`
/// without its confirmation and no longer followed.
const KILL_CONFIRM_ROUNDS: u32 = 3;

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

impl Followed {
    fn ended(run: RunRecord) -> Self {
        Followed::Ended(Box::new(run))
    }
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
        let orphan = unprovisioned
            .contains(&run.job_key)
            .then(|| killed.get(&run.run_id).copied());
        polls.spawn(async move {
            let _permit = e.submits.acquire().await;
            let Some(handle) = handle_of(&e, &run) else {
                return Followed::Going;
            };
            match orphan {
                Some(rounds) => follow_unprovisioned(&e, run, &handle, rounds).await,
                None => match e.launcher.status(&handle).await {
                    Ok(state) => ended(&e, run, state).map_or(Followed::Going, Followed::ended),
                    Err(err) => {
                        debug!(run = %run.run_id, error = %err, "status not available now");
                        Followed::Going
                    }
                },
            }
        });
    }
    while let Some(r) = polls.join_next().await {
        absorb(r, &mut done, killed);
    }
    if !done.is_empty() {
        finish(engine, done).await;
    }
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

fn unprovisioned_reason(run: &RunRecord) -> String {
    format!(
        "killed because its job {} was unprovisioned while the run was in flight (scheduler.kill_on_unprovision = true)",
        run.job_key
    )
}

/// A run whose job was unprovisioned: an application still running is
/// killed, then followed until the cluster manager reports its end (or
/// [`KILL_CONFIRM_ROUNDS`] rounds passed). `killed_rounds`: the rounds
/// since this follower killed it, `None` when it has not.
async fn follow_unprovisioned(
    engine: &Engine,
    run: RunRecord,
    handle: &ApplicationHandle,
    killed_rounds: Option<u32>,
) -> Followed {
    let end = match engine.launcher.status(handle).await {
        Ok(ApplicationState::Running { .. }) => None,
        Ok(state) => Some(state),
        Err(err) => {
            debug!(run = %run.run_id, error = %err, "status not available now");
            None
        }
    };
    if let Some(state) = end {
        return match killed_rounds {
            Some(_) => killed_run(engine, run, state),
            // It ended on its own before any kill.
            None => ended(engine, run, state),
        }
        .map_or(Followed::Going, Followed::ended);
    }
    if let Some(rounds) = killed_rounds {
        let rounds = rounds + 1;
        if rounds < KILL_CONFIRM_ROUNDS {
            return Followed::Killing {
                run_id: run.run_id,
                rounds,
            };
        }
        warn!(run = %run.run_id, job = %run.job_key, rounds, "the cluster manager does not confirm the kill; the run is recorded KILLED");
        return Followed::ended(killed_unconfirmed(engine, run, rounds));
    }
    if let Err(e) = engine.launcher.kill(handle).await {
        warn!(run = %run.run_id, job = %run.job_key, application = %handle.application_id, error = %e, "killing the application of an unprovisioned job failed; trying again next round");
        return Followed::Going;
    }
    info!(run = %run.run_id, job = %run.job_key, application = %handle.application_id, "application killed: its job was unprovisioned");
    match engine.launcher.status(handle).await {
        Ok(state) if !matches!(state, ApplicationState::Running { .. }) => {
            killed_run(engine, run, state).map_or(Followed::Going, Followed::ended)
        }
        _ => Followed::Killing {
            run_id: run.run_id,
            rounds: 0,
        },
    }
}

/// The run this follower killed (its job was unprovisioned), as the
/// cluster manager reports its end: `KILLED` with the reason first (also
/// when the manager calls the end `FAILED` or forgot it; `final_status`
/// keeps its word), `SUCCEEDED` when it succeeded before the kill landed.
fn killed_run(engine: &Engine, run: RunRecord, state: ApplicationState) -> Option<RunRecord> {
    let reason = unprovisioned_reason(&run);
    let mut run = ended(engine, run, state)?;
    if run.state != RunState::Succeeded {
        run.state = RunState::Killed;
        run.error = Some(match run.error.take() {
            Some(report) => format!("{reason}; the cluster manager reports: {report}"),
            None => reason,
        });
    }
    Some(run)
}

/// The run killed because its job was unprovisioned, whose end the cluster
/// manager did not report within `rounds` follow rounds.
fn killed_unconfirmed(engine: &Engine, mut run: RunRecord, rounds: u32) -> RunRecord {
    let reason = format!(
        "{}; the cluster manager still reported application {} running {rounds} follow rounds after the kill, so it is no longer followed",
        unprovisioned_reason(&run),
        run.application_id.as_deref().unwrap_or("?")
    );
    run.final_status = None;
    run.end(RunState::Killed, Some(reason), engine.clock.now());
    run
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
    run.final_status = Some(status.to_string());
    run.end(s, error, engine.clock.now());
    Some(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_submits_follow_cpus_and_the_memory_limit() {
        const GIB: u64 = 1 << 30;
        // Two per CPU, at most eight.
        assert_eq!(submits_for(1, None), 2);
        assert_eq!(submits_for(2, None), 4);
        assert_eq!(submits_for(16, None), MAX_DEFAULT_SUBMITS);
        // One per 400 MiB of a container's limit, at least one.
        assert_eq!(submits_for(16, Some(GIB)), 2);
        assert_eq!(submits_for(16, Some(2 * GIB)), 5);
        assert_eq!(submits_for(2, Some(8 * GIB)), 4);
        assert_eq!(submits_for(4, Some(256 << 20)), 1);
        assert_eq!(submits_for(0, None), 1);
    }

    #[test]
    fn memory_limits_read_as_cgroups_write_them() {
        assert_eq!(parse_memory_limit("max\n"), None);
        assert_eq!(parse_memory_limit("1073741824\n"), Some(1 << 30));
        // cgroup v1 without a limit: a page-rounded i64::MAX.
        assert_eq!(parse_memory_limit("9223372036854771712\n"), None);
        assert_eq!(parse_memory_limit(""), None);
    }
}
