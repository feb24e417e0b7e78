//! The engine on in-memory ports and paused tokio time: follow rounds,
//! kills on unprovision, lookups with backoff, stop and crash, counted in
//! virtual time (no database clock involved).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::clock::FixedClock;
use cdp_spark_domain::descriptor::MaxDuration;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, RunFilter, RunPolicy, RunRecord, RunState, SparkJobSpec,
    TriggerDefinition, TriggerKey,
};
use cdp_spark_domain::ports::{
    AcquireRequest, Acquired, ApplicationHandle, ApplicationState, JobStorePort, LaunchError,
    LaunchRequest, Recovery, ReplaceOutcome, SchedulerStorePort, SparkLauncherPort, StoreError,
};
use chrono::{DateTime, TimeZone, Utc};
use tokio::time::Instant;

use crate::{Scheduler, SchedulerConfig, SchedulerHandle};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

fn run(id: &str, job: &str, app: Option<&str>) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        job_key: JobKey::new("g", job),
        trigger_key: TriggerKey::new("g", "t"),
        scheduled_fire_time: t0(),
        actual_fire_time: t0(),
        application_id: app.map(String::from),
        tracking_url: None,
        state: if app.is_some() {
            RunState::Running
        } else {
            RunState::Submitting
        },
        final_status: None,
        created_at: t0(),
        updated_at: t0(),
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

/// The scheduler's store in memory: nothing is ever due; the runs given
/// are followed; the first check-in hands over `recovery`.
#[derive(Default)]
struct Store {
    following: Mutex<BTreeMap<String, RunRecord>>,
    finished: Mutex<Vec<RunRecord>>,
    updated: Mutex<Vec<RunRecord>>,
    recovery: Mutex<Option<Recovery>>,
    check_ins: AtomicU32,
    acquisitions: AtomicU32,
    leaves: AtomicU32,
}

impl Store {
    fn following(runs: Vec<RunRecord>) -> Arc<Self> {
        let s = Self::default();
        *s.following.lock().unwrap() = runs.into_iter().map(|r| (r.run_id.clone(), r)).collect();
        Arc::new(s)
    }

    fn finished(&self) -> Vec<RunRecord> {
        self.finished.lock().unwrap().clone()
    }
}

#[async_trait]
impl SchedulerStorePort for Store {
    async fn acquire_fires(&self, _r: &AcquireRequest) -> Result<Acquired, StoreError> {
        self.acquisitions.fetch_add(1, Ordering::SeqCst);
        Ok(Acquired {
            db_now: t0(),
            db_now_at_end: t0(),
            fires: vec![],
            skipped: vec![],
            misfired: 0,
            completed: 0,
            next_due: None,
        })
    }
    async fn claim_fires(&self, _i: &str, ids: &[String]) -> Result<Vec<String>, StoreError> {
        Ok(ids.to_vec())
    }
    async fn update_runs(&self, runs: &[RunRecord]) -> Result<(), StoreError> {
        let mut following = self.following.lock().unwrap();
        for r in runs {
            following.insert(r.run_id.clone(), r.clone());
        }
        self.updated.lock().unwrap().extend_from_slice(runs);
        Ok(())
    }
    async fn finish_runs(&self, _i: &str, runs: &[RunRecord]) -> Result<Vec<String>, StoreError> {
        let mut following = self.following.lock().unwrap();
        for r in runs {
            following.remove(&r.run_id);
        }
        self.finished.lock().unwrap().extend_from_slice(runs);
        Ok(runs.iter().map(|r| r.run_id.clone()).collect())
    }
    async fn runs_to_follow(
        &self,
        _i: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        Ok(self
            .following
            .lock()
            .unwrap()
            .values()
            .filter(|r| r.state == RunState::Running)
            .filter(|r| after.as_ref().is_none_or(|a| &r.run_id > a))
            .take(limit)
            .cloned()
            .collect())
    }
    async fn check_in(
        &self,
        _i: &str,
        _interval: chrono::Duration,
        _dead_after: chrono::Duration,
        _recover_self: bool,
    ) -> Result<Recovery, StoreError> {
        self.check_ins.fetch_add(1, Ordering::SeqCst);
        Ok(self.recovery.lock().unwrap().take().unwrap_or_default())
    }
    async fn leave(&self, _i: &str) -> Result<(), StoreError> {
        self.leaves.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn set_job_paused(&self, _j: &JobKey, _p: bool) -> Result<Option<usize>, StoreError> {
        Ok(None)
    }
}

/// What the engine never calls answers this, so a test that reaches it fails.
fn unused() -> StoreError {
    StoreError::Other("not used by the engine".into())
}

/// The job store: only which jobs exist, and their limits, matter here.
#[derive(Default)]
struct Jobs {
    existing: BTreeSet<JobKey>,
    /// The `maxDuration` of jobs that have one (they exist).
    limits: BTreeMap<JobKey, MaxDuration>,
    reads: AtomicU32,
}

#[async_trait]
impl JobStorePort for Jobs {
    async fn replace_job(
        &self,
        _j: &JobDefinition,
        _t: Option<TriggerDefinition>,
    ) -> Result<ReplaceOutcome, StoreError> {
        Err(unused())
    }
    async fn delete_job(&self, _k: &JobKey) -> Result<bool, StoreError> {
        Err(unused())
    }
    async fn get_job(&self, k: &JobKey) -> Result<Option<JobDefinition>, StoreError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self.limits.get(k).map(|max| JobDefinition {
            key: k.clone(),
            component_id: "urn:c".into(),
            description: None,
            spec: SparkJobSpec::new(
                "/a.jar".parse().expect("jar"),
                "a.Main".parse().expect("class"),
            ),
            non_concurrent: true,
            run_policy: RunPolicy {
                max_duration: Some(*max),
                ..RunPolicy::default()
            },
        }))
    }
    async fn list_jobs(&self, _g: Option<String>) -> Result<Vec<JobDefinition>, StoreError> {
        Err(unused())
    }
    async fn existing_jobs(&self, keys: &[JobKey]) -> Result<BTreeSet<JobKey>, StoreError> {
        Ok(keys
            .iter()
            .filter(|k| self.existing.contains(k))
            .cloned()
            .collect())
    }
    async fn add_trigger(&self, _t: &TriggerDefinition) -> Result<bool, StoreError> {
        Err(unused())
    }
    async fn get_trigger(&self, _k: &TriggerKey) -> Result<Option<TriggerDefinition>, StoreError> {
        Err(unused())
    }
    async fn triggers_of_job(&self, _k: &JobKey) -> Result<Vec<TriggerDefinition>, StoreError> {
        Err(unused())
    }
    async fn get_run(&self, _id: &str) -> Result<Option<RunRecord>, StoreError> {
        Err(unused())
    }
    async fn list_runs(&self, _f: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        Err(unused())
    }
    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A launcher answering states from a script per application (the last
/// answer repeats), and lookups by run id from a script; it records when
/// (virtual time) it was asked.
#[derive(Default)]
struct Launcher {
    states: Mutex<HashMap<String, VecDeque<Result<ApplicationState, LaunchError>>>>,
    lookups: Mutex<VecDeque<Result<Option<ApplicationHandle>, LaunchError>>>,
    polls: Mutex<Vec<(String, Instant)>>,
    kills: Mutex<Vec<(String, Instant)>>,
    finds: Mutex<Vec<Instant>>,
}

impl Launcher {
    fn script(&self, app: &str, answers: Vec<Result<ApplicationState, LaunchError>>) {
        self.states
            .lock()
            .unwrap()
            .insert(app.into(), answers.into());
    }
    fn polls_of(&self, app: &str) -> usize {
        self.polls
            .lock()
            .unwrap()
            .iter()
            .filter(|(a, _)| a == app)
            .count()
    }
    fn kills(&self) -> Vec<String> {
        self.kills
            .lock()
            .unwrap()
            .iter()
            .map(|(a, _)| a.clone())
            .collect()
    }
}

#[async_trait]
impl SparkLauncherPort for Launcher {
    async fn submit(&self, _r: &LaunchRequest) -> Result<ApplicationHandle, LaunchError> {
        Err(LaunchError::Other("nothing is due in these tests".into()))
    }
    async fn status(&self, h: &ApplicationHandle) -> Result<ApplicationState, LaunchError> {
        self.polls
            .lock()
            .unwrap()
            .push((h.application_id.clone(), Instant::now()));
        let mut states = self.states.lock().unwrap();
        let script = states.get_mut(&h.application_id).expect("scripted");
        if script.len() > 1 {
            script.pop_front().expect("an answer")
        } else {
            script.front().cloned().expect("an answer")
        }
    }
    async fn kill(&self, h: &ApplicationHandle) -> Result<(), LaunchError> {
        self.kills
            .lock()
            .unwrap()
            .push((h.application_id.clone(), Instant::now()));
        Ok(())
    }
    async fn find_by_run(&self, _run: &str) -> Result<Option<ApplicationHandle>, LaunchError> {
        self.finds.lock().unwrap().push(Instant::now());
        let mut lookups = self.lookups.lock().unwrap();
        if lookups.len() > 1 {
            lookups.pop_front().expect("an answer")
        } else {
            lookups.front().cloned().unwrap_or(Ok(None))
        }
    }
}

const FOLLOW: Duration = Duration::from_secs(5);

fn config(kill_on_unprovision: bool) -> SchedulerConfig {
    let mut c = SchedulerConfig::new("paused");
    c.follow_interval = FOLLOW;
    c.checkin_interval = Duration::from_secs(7);
    c.dead_after = Duration::from_secs(20);
    c.kill_on_unprovision = kill_on_unprovision;
    c
}

fn start(
    config: SchedulerConfig,
    store: &Arc<Store>,
    existing: &[&str],
    launcher: &Arc<Launcher>,
) -> SchedulerHandle {
    let jobs = Jobs {
        existing: existing.iter().map(|j| JobKey::new("g", *j)).collect(),
        ..Jobs::default()
    };
    start_with(config, store, Arc::new(jobs), launcher)
}

fn start_with(
    config: SchedulerConfig,
    store: &Arc<Store>,
    jobs: Arc<Jobs>,
    launcher: &Arc<Launcher>,
) -> SchedulerHandle {
    Scheduler::start(
        config,
        store.clone(),
        jobs,
        launcher.clone(),
        Arc::new(FixedClock(t0() + chrono::Duration::hours(1))),
    )
    .expect("start")
}

fn running() -> Result<ApplicationState, LaunchError> {
    Ok(ApplicationState::Running {
        tracking_url: None,
        started: true,
    })
}

fn unreachable() -> Result<ApplicationState, LaunchError> {
    Err(LaunchError::Unreachable("rm down".into()))
}

#[tokio::test(start_paused = true)]
async fn a_run_is_polled_every_follow_interval_until_it_ends() {
    let store = Store::following(vec![run("r1", "j", Some("app-1"))]);
    let launcher = Arc::new(Launcher::default());
    launcher.script(
        "app-1",
        vec![
            running(),
            unreachable(),
            running(),
            Ok(ApplicationState::Failed {
                diagnostics: "OOM".into(),
            }),
        ],
    );
    let started = Instant::now();
    let engine = start(config(false), &store, &["j"], &launcher);
    tokio::time::sleep(FOLLOW * 10 + Duration::from_millis(1)).await;
    assert_eq!(launcher.polls_of("app-1"), 4, "polled until it ended");
    let polls = launcher.polls.lock().unwrap().clone();
    for (i, (_, at)) in polls.iter().enumerate() {
        assert_eq!(*at - started, FOLLOW * (i as u32 + 1), "poll {i}");
    }
    let finished = store.finished();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].state, RunState::Failed);
    assert_eq!(finished[0].final_status.as_deref(), Some("FAILED"));
    assert_eq!(finished[0].error.as_deref(), Some("OOM"));
    assert_eq!(
        finished[0].ended_at,
        Some(t0() + chrono::Duration::hours(1))
    );
    assert!(launcher.kills().is_empty());
    engine.stop().await;
    assert_eq!(store.leaves.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn an_unconfirmed_kill_ends_the_run_after_the_confirmation_rounds() {
    let store = Store::following(vec![
        run("r1", "gone", Some("app-1")),
        run("r2", "kept", Some("app-2")),
    ]);
    let launcher = Arc::new(Launcher::default());
    launcher.script("app-1", vec![running()]);
    launcher.script("app-2", vec![running()]);
    let started = Instant::now();
    let engine = start(config(true), &store, &["kept"], &launcher);
    // Round 1 kills (status, kill, status), rounds 2..=3 await, round 4
    // gives up: KILL_CONFIRM_ROUNDS rounds after the kill.
    tokio::time::sleep(FOLLOW * 4 + Duration::from_millis(1)).await;
    assert_eq!(launcher.kills(), vec!["app-1".to_string()]);
    let kill_at = launcher.kills.lock().unwrap()[0].1;
    assert_eq!(kill_at - started, FOLLOW);
    let finished = store.finished();
    assert_eq!(finished.len(), 1, "{finished:#?}");
    assert_eq!(finished[0].run_id, "r1");
    assert_eq!(finished[0].state, RunState::Killed);
    assert_eq!(finished[0].final_status, None);
    assert_eq!(
        finished[0].error.as_deref(),
        Some("killed because its job g.gone was unprovisioned while the run was in flight (scheduler.kill_on_unprovision = true); the cluster manager still reported application app-1 running 3 follow rounds after the kill, so it is no longer followed")
    );
    // Polled twice on the kill round, once on each of the three others.
    assert_eq!(launcher.polls_of("app-1"), 5);
    tokio::time::sleep(FOLLOW * 3).await;
    assert_eq!(launcher.polls_of("app-1"), 5, "no longer followed");
    assert_eq!(
        launcher.polls_of("app-2"),
        7,
        "the kept job's run is followed on"
    );
    assert_eq!(launcher.kills().len(), 1, "killed once");
    engine.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_confirmed_kill_ends_the_run_killed_with_the_reason() {
    let store = Store::following(vec![run("r1", "gone", Some("app-1"))]);
    let launcher = Arc::new(Launcher::default());
    launcher.script(
        "app-1",
        vec![
            running(),
            running(),
            Ok(ApplicationState::Killed {
                diagnostics: "Application killed by user.".into(),
            }),
        ],
    );
    let engine = start(config(true), &store, &[], &launcher);
    tokio::time::sleep(FOLLOW * 2 + Duration::from_millis(1)).await;
    let finished = store.finished();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].state, RunState::Killed);
    assert_eq!(finished[0].final_status.as_deref(), Some("KILLED"));
    assert_eq!(
        finished[0].error.as_deref(),
        Some("killed because its job g.gone was unprovisioned while the run was in flight (scheduler.kill_on_unprovision = true); the cluster manager reports: Application killed by user.")
    );
    assert_eq!(launcher.kills().len(), 1);
    engine.stop().await;
}

/// The clock says t0 + 1h and the runs started at t0: a 30m limit has
/// passed, a 2h one has not.
#[tokio::test(start_paused = true)]
async fn a_run_past_its_max_duration_is_killed_once_and_ends_timed_out() {
    let store = Store::following(vec![
        run("r1", "limited", Some("app-1")),
        run("r2", "roomy", Some("app-2")),
        run("r3", "free", Some("app-3")),
    ]);
    let launcher = Arc::new(Launcher::default());
    launcher.script(
        "app-1",
        vec![
            running(),
            running(),
            Ok(ApplicationState::Killed {
                diagnostics: "Application killed by user.".into(),
            }),
        ],
    );
    launcher.script("app-2", vec![running()]);
    launcher.script("app-3", vec![running()]);
    let limit = |text: &str| text.parse::<MaxDuration>().expect("a valid limit");
    let jobs = Arc::new(Jobs {
        existing: ["limited", "roomy", "free"]
            .map(|j| JobKey::new("g", j))
            .into(),
        limits: BTreeMap::from([
            (JobKey::new("g", "limited"), limit("30m")),
            (JobKey::new("g", "roomy"), limit("PT2H")),
        ]),
        ..Jobs::default()
    });
    let engine = start_with(config(true), &store, jobs.clone(), &launcher);
    // Round 1: polled, past the limit, killed, polled (still running);
    // round 2: the kill reported.
    tokio::time::sleep(FOLLOW * 2 + Duration::from_millis(1)).await;
    let finished = store.finished();
    assert_eq!(finished.len(), 1, "{finished:#?}");
    assert_eq!(finished[0].run_id, "r1");
    assert_eq!(finished[0].state, RunState::TimedOut);
    assert_eq!(finished[0].final_status.as_deref(), Some("KILLED"));
    assert_eq!(
        finished[0].error.as_deref(),
        Some("ran longer than its maxDuration 30m (started 2030-01-01T00:00:00Z, killed at 2030-01-01T01:00:00Z); raise jobConfig.maxDuration if the job needs longer; the cluster manager reports: Application killed by user.")
    );
    tokio::time::sleep(FOLLOW * 4).await;
    assert_eq!(launcher.kills(), vec!["app-1".to_string()], "killed once");
    assert_eq!(launcher.polls_of("app-1"), 3, "no longer followed");
    assert_eq!(
        launcher.polls_of("app-2"),
        6,
        "within its limit: followed on"
    );
    assert_eq!(store.finished().len(), 1);
    // Each job's limit read once (kept 30 s, not read per run and round),
    // and the timed-out run's job once more for its retries.
    assert_eq!(jobs.reads.load(Ordering::SeqCst), 3 + 1);
    engine.stop().await;
}

#[tokio::test(start_paused = true)]
async fn without_kill_on_unprovision_nothing_is_killed() {
    let store = Store::following(vec![run("r1", "gone", Some("app-1"))]);
    let launcher = Arc::new(Launcher::default());
    launcher.script("app-1", vec![running()]);
    let engine = start(config(false), &store, &[], &launcher);
    tokio::time::sleep(FOLLOW * 6 + Duration::from_millis(1)).await;
    assert!(launcher.kills().is_empty());
    assert!(store.finished().is_empty());
    assert_eq!(launcher.polls_of("app-1"), 6);
    engine.stop().await;
}

#[tokio::test(start_paused = true)]
async fn an_unsearchable_run_is_looked_up_with_backoff_then_lost() {
    let store = Arc::new(Store::default());
    *store.recovery.lock().unwrap() = Some(Recovery {
        unresolved: vec![run("r1", "j", None)],
        ..Recovery::default()
    });
    let launcher = Arc::new(Launcher::default());
    *launcher.lookups.lock().unwrap() =
        vec![Err(LaunchError::Unreachable("rm down".into()))].into();
    let started = Instant::now();
    let engine = start(config(false), &store, &["j"], &launcher);
    tokio::time::sleep(Duration::from_secs(600)).await;
    let finds: Vec<Duration> = launcher
        .finds
        .lock()
        .unwrap()
        .iter()
        .map(|at| *at - started)
        .collect();
    // Ten lookups, 1 s apart doubling up to 60 s.
    let secs = [0, 1, 3, 7, 15, 31, 63, 123, 183, 243];
    assert_eq!(
        finds,
        secs.iter()
            .map(|s| Duration::from_secs(*s))
            .collect::<Vec<_>>()
    );
    let finished = store.finished();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].state, RunState::Lost);
    assert_eq!(
        finished[0].error.as_deref(),
        Some("the provisioner instance running spark-submit for this run stopped before an application id was known, and the cluster manager could not be searched for it: the cluster manager is unreachable: rm down")
    );
    assert_eq!(engine.stats().lost.load(Ordering::Relaxed), 1);
    engine.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_run_found_on_the_third_lookup_is_reattached_and_followed() {
    let store = Arc::new(Store::default());
    *store.recovery.lock().unwrap() = Some(Recovery {
        unresolved: vec![run("r1", "j", None)],
        ..Recovery::default()
    });
    let launcher = Arc::new(Launcher::default());
    *launcher.lookups.lock().unwrap() = vec![
        Err(LaunchError::Unreachable("rm down".into())),
        Err(LaunchError::Unreachable("rm down".into())),
        Ok(Some(ApplicationHandle {
            backend: cdp_spark_domain::ports::LauncherBackend::Yarn,
            application_id: "app-9".into(),
            tracking_url: Some("http://rm/app-9".into()),
        })),
    ]
    .into();
    launcher.script("app-9", vec![Ok(ApplicationState::Succeeded)]);
    let engine = start(config(false), &store, &["j"], &launcher);
    tokio::time::sleep(Duration::from_secs(3) + Duration::from_millis(1)).await;
    let updated = store.updated.lock().unwrap().clone();
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0].state, RunState::Running);
    assert_eq!(updated[0].application_id.as_deref(), Some("app-9"));
    assert_eq!(engine.stats().reattached.load(Ordering::Relaxed), 1);
    tokio::time::sleep(FOLLOW).await;
    let finished = store.finished();
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].state, RunState::Succeeded);
    engine.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stop_cuts_the_lookup_backoff_short_and_leaves() {
    let store = Arc::new(Store::default());
    *store.recovery.lock().unwrap() = Some(Recovery {
        unresolved: vec![run("r1", "j", None)],
        ..Recovery::default()
    });
    let launcher = Arc::new(Launcher::default());
    *launcher.lookups.lock().unwrap() =
        vec![Err(LaunchError::Unreachable("rm down".into()))].into();
    let engine = start(config(false), &store, &["j"], &launcher);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let before = Instant::now();
    engine.stop().await;
    assert_eq!(Instant::now(), before, "stopped without waiting");
    assert_eq!(launcher.finds.lock().unwrap().len(), 4);
    // The run is left unresolved for the instance that takes over.
    assert!(store.finished().is_empty());
    assert!(store.updated.lock().unwrap().is_empty());
    assert_eq!(store.leaves.load(Ordering::SeqCst), 1);
    let check_ins = store.check_ins.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        store.check_ins.load(Ordering::SeqCst),
        check_ins,
        "no task left"
    );
}

#[tokio::test(start_paused = true)]
async fn abort_and_drop_stop_every_task_without_leaving() {
    for abort in [true, false] {
        let store = Store::following(vec![run("r1", "j", Some("app-1"))]);
        let launcher = Arc::new(Launcher::default());
        launcher.script("app-1", vec![running()]);
        let engine = start(config(false), &store, &["j"], &launcher);
        tokio::time::sleep(FOLLOW * 2 + Duration::from_millis(1)).await;
        if abort {
            engine.abort().await;
        } else {
            drop(engine);
        }
        let (polls, check_ins, acquisitions) = (
            launcher.polls_of("app-1"),
            store.check_ins.load(Ordering::SeqCst),
            store.acquisitions.load(Ordering::SeqCst),
        );
        assert_eq!(polls, 2);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(
            launcher.polls_of("app-1"),
            polls,
            "abort {abort}: follower gone"
        );
        assert_eq!(store.check_ins.load(Ordering::SeqCst), check_ins);
        assert_eq!(store.acquisitions.load(Ordering::SeqCst), acquisitions);
        assert_eq!(
            store.leaves.load(Ordering::SeqCst),
            0,
            "a crash does not leave"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_fire_loop_waits_for_the_first_check_in_and_then_the_idle_wait() {
    let store = Arc::new(Store::default());
    let launcher = Arc::new(Launcher::default());
    let mut c = config(false);
    c.idle_wait = Duration::from_secs(1);
    let engine = start(c, &store, &[], &launcher);
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    // One acquisition at once after the check-in, then one per idle wait.
    assert_eq!(store.acquisitions.load(Ordering::SeqCst), 11);
    assert_eq!(store.check_ins.load(Ordering::SeqCst), 2, "at 0 s and 7 s");
    engine.wake();
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(store.acquisitions.load(Ordering::SeqCst), 12, "woken");
    engine.stop().await;
}

#[tokio::test(start_paused = true)]
async fn waiting_for_runs_returns_when_the_engine_stores_them_or_at_the_limit() {
    let store = Store::following(vec![run("r1", "j", Some("app-1"))]);
    let launcher = Arc::new(Launcher::default());
    launcher.script("app-1", vec![running(), Ok(ApplicationState::Succeeded)]);
    let started = Instant::now();
    let engine = start(config(false), &store, &["j"], &launcher);
    let waker = engine.waker();
    // Nothing stored before the first follow round: the limit ends the wait.
    waker.runs_changed(FOLLOW / 2).await;
    assert_eq!(Instant::now() - started, FOLLOW / 2);
    assert!(store.finished().is_empty());
    // The first round sees the application running and stores when: the
    // wait returns then, not at its limit.
    waker.runs_changed(FOLLOW * 10).await;
    assert_eq!(Instant::now() - started, FOLLOW);
    let updated = store.updated.lock().unwrap().clone();
    assert_eq!(updated.len(), 1);
    let now = t0() + chrono::Duration::hours(1);
    assert_eq!(updated[0].running_at, Some(now), "the clock's now");
    assert!(store.finished().is_empty());
    // The run ends on the second round.
    waker.runs_changed(FOLLOW * 10).await;
    assert_eq!(Instant::now() - started, FOLLOW * 2);
    assert_eq!(store.finished().len(), 1);
    assert_eq!(
        store.finished()[0].running_at,
        Some(now),
        "the end keeps the running time"
    );
    engine.stop().await;
}
