//! Unprovision while runs are in flight, on a SQLite store, with
//! applications that never end on their own: with
//! `kill_on_unprovision` the follower kills the applications of the
//! unprovisioned jobs (only those) and their runs end `KILLED` with the
//! reason, asking the store which jobs exist once per round; without it the
//! runs are followed and nothing is killed.
//!
//! On paused tokio time: the database's clock only makes the manual
//! triggers due at once; the follow rounds, the waits and the rounds
//! counted are virtual time (the store's blocking calls hold it still).

use crate::common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::clock::SystemClock;
use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, RunFilter, RunPolicy, RunRecord, RunState, TriggerDefinition, TriggerKey,
};
use cdp_spark_domain::ports::{JobStorePort, ReplaceOutcome, StoreError};
use cdp_spark_jobstore::DieselJobStore;
use cdp_spark_scheduler::recording::{RecordedFire, RecordedKill, RecordingLauncher};
use cdp_spark_scheduler::{Scheduler, SchedulerHandle};
use chrono::Utc;

const FOLLOW: Duration = Duration::from_millis(200);
/// How often the tests look at the runs while waiting.
const POLL: Duration = Duration::from_millis(50);
const JOBS: usize = 12;
const GROUP: &str = "urn:dmb:dp:unprovision:0";

/// The job store, counting the follower's reads of jobs.
struct CountingJobs {
    inner: Arc<DieselJobStore>,
    existing_jobs: AtomicUsize,
    get_job: AtomicUsize,
}

#[async_trait]
impl JobStorePort for CountingJobs {
    async fn replace_job(
        &self,
        job: &JobDefinition,
        trigger: Option<TriggerDefinition>,
    ) -> Result<ReplaceOutcome, StoreError> {
        self.inner.replace_job(job, trigger).await
    }
    async fn delete_job(&self, key: &JobKey) -> Result<bool, StoreError> {
        self.inner.delete_job(key).await
    }
    async fn get_job(&self, key: &JobKey) -> Result<Option<JobDefinition>, StoreError> {
        self.get_job.fetch_add(1, Ordering::SeqCst);
        self.inner.get_job(key).await
    }
    async fn list_jobs(&self, group: Option<String>) -> Result<Vec<JobDefinition>, StoreError> {
        self.inner.list_jobs(group).await
    }
    async fn existing_jobs(&self, keys: &[JobKey]) -> Result<BTreeSet<JobKey>, StoreError> {
        self.existing_jobs.fetch_add(1, Ordering::SeqCst);
        self.inner.existing_jobs(keys).await
    }
    async fn add_trigger(&self, trigger: &TriggerDefinition) -> Result<bool, StoreError> {
        self.inner.add_trigger(trigger).await
    }
    async fn get_trigger(&self, key: &TriggerKey) -> Result<Option<TriggerDefinition>, StoreError> {
        self.inner.get_trigger(key).await
    }
    async fn triggers_of_job(&self, key: &JobKey) -> Result<Vec<TriggerDefinition>, StoreError> {
        self.inner.triggers_of_job(key).await
    }
    async fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        self.inner.get_run(run_id).await
    }
    async fn list_runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        self.inner.list_runs(filter).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        self.inner.ping().await
    }
}

fn job(i: usize) -> JobDefinition {
    common::job(
        JobKey::new(GROUP, format!("job{i:02}")),
        RunPolicy {
            concurrency: ConcurrencyPolicy::Forbid,
            // A kill is not a failure to retry, and the job is gone anyway.
            retries: 2,
            retry_delay_secs: 1,
            max_duration: None,
            deadline_secs: None,
        },
    )
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Arc<DieselJobStore>,
    jobs: Arc<CountingJobs>,
    kills: Arc<Mutex<Vec<RecordedKill>>>,
    handle: SchedulerHandle,
}

/// `JOBS` jobs, each with one run started by a manual trigger, followed by
/// one scheduler instance; answers once every run is `RUNNING`.
async fn start(kill_on_unprovision: bool, confirm_kills: bool) -> Setup {
    let (dir, store) = common::sqlite_store().await;
    let now = Utc::now();
    for i in 0..JOBS {
        common::provision_one_shot(&store, &job(i), format!("manual-{i:02}"), now).await;
    }
    let jobs = Arc::new(CountingJobs {
        inner: store.clone(),
        existing_jobs: AtomicUsize::new(0),
        get_job: AtomicUsize::new(0),
    });
    let fires: Arc<Mutex<Vec<RecordedFire>>> = Arc::default();
    let kills: Arc<Mutex<Vec<RecordedKill>>> = Arc::default();
    let mut launcher = RecordingLauncher::new("solo", fires)
        .never_finishing()
        .recording_kills(kills.clone());
    if !confirm_kills {
        launcher = launcher.kills_not_confirmed();
    }
    let mut config = common::config(
        "solo",
        FOLLOW,
        Duration::from_millis(500),
        Duration::from_secs(3),
    );
    config.kill_on_unprovision = kill_on_unprovision;
    assert!(config.validate().is_ok());
    let handle = Scheduler::start(
        config,
        store.clone(),
        jobs.clone(),
        Arc::new(launcher),
        Arc::new(SystemClock),
    )
    .expect("start");
    let setup = Setup {
        _dir: dir,
        store,
        jobs,
        kills,
        handle,
    };
    common::wait_for_runs(
        &setup.store,
        None,
        Duration::from_secs(10),
        POLL,
        "every run RUNNING",
        |runs| runs.len() == JOBS && runs.iter().all(|r| r.state == RunState::Running),
    )
    .await;
    setup
}

/// Unprovisions the even jobs; answers their keys.
async fn unprovision_even(store: &DieselJobStore) -> BTreeSet<JobKey> {
    let mut gone = BTreeSet::new();
    for i in (0..JOBS).step_by(2) {
        let key = job(i).key;
        assert!(store.delete_job(&key).await.expect("unprovision"));
        gone.insert(key);
    }
    gone
}

/// Waits until the runs of the jobs `gone` ended; answers all runs then.
async fn wait_for_the_runs_of(store: &DieselJobStore, gone: &BTreeSet<JobKey>) -> Vec<RunRecord> {
    common::wait_for_runs(
        store,
        None,
        Duration::from_secs(10),
        POLL,
        "the runs of the unprovisioned jobs ended",
        |runs| {
            runs.iter()
                .filter(|r| gone.contains(&r.job_key))
                .all(|r| r.ended_at.is_some())
        },
    )
    .await
}

fn recorded(kills: &Mutex<Vec<RecordedKill>>) -> Vec<RecordedKill> {
    kills.lock().expect("kills").clone()
}

#[tokio::test(start_paused = true)]
async fn with_kill_on_unprovision_the_runs_of_unprovisioned_jobs_are_killed() {
    let setup = start(true, true).await;
    let before = setup.jobs.existing_jobs.load(Ordering::SeqCst);
    let started = tokio::time::Instant::now();
    let gone = unprovision_even(&setup.store).await;
    let runs = wait_for_the_runs_of(&setup.store, &gone).await;
    // A few more rounds: nothing else happens.
    tokio::time::sleep(FOLLOW * 4).await;
    let elapsed = started.elapsed();
    let later = common::runs(&setup.store, None).await;
    let existing_calls = setup.jobs.existing_jobs.load(Ordering::SeqCst);
    let get_job_calls = setup.jobs.get_job.load(Ordering::SeqCst);
    setup.handle.stop().await;

    assert_eq!(
        later.len(),
        JOBS,
        "no other run (no retry of a kill): {later:#?}"
    );
    let kills = recorded(&setup.kills);
    let killed_apps: BTreeSet<String> = kills.iter().map(|k| k.application_id.clone()).collect();
    assert_eq!(
        kills.len(),
        gone.len(),
        "each application killed once: {kills:#?}"
    );
    for r in &runs {
        if gone.contains(&r.job_key) {
            assert_eq!(r.state, RunState::Killed, "{r:#?}");
            assert_eq!(
                r.final_status.as_deref(),
                Some("KILLED"),
                "the cluster manager's word"
            );
            let error = r.error.as_deref().unwrap_or("");
            assert!(
                error.starts_with(&format!(
                    "killed because its job {} was unprovisioned",
                    r.job_key
                )) && error.contains("killed on request"),
                "the reason, then the cluster manager's diagnostics: {error}"
            );
            assert!(killed_apps.contains(r.application_id.as_deref().expect("app id")));
        } else {
            assert_eq!(
                r.state,
                RunState::Running,
                "a provisioned job's run goes on: {r:#?}"
            );
            assert!(!killed_apps.contains(r.application_id.as_deref().expect("app id")));
        }
    }
    for r in later.iter().filter(|r| !gone.contains(&r.job_key)) {
        assert_eq!(r.state, RunState::Running);
    }
    // The cost: one existence query per follow round for all runs.
    let rounds = (elapsed.as_millis() / FOLLOW.as_millis()) as usize + 2;
    let calls = existing_calls - before;
    assert!(
        calls >= 2 && calls <= rounds,
        "{calls} existence queries in about {rounds} follow rounds"
    );
    // The jobs' maxDuration: each job read once (they are re-read only
    // after 30 s), not once per run and round.
    assert!(
        get_job_calls <= JOBS,
        "{get_job_calls} job reads for {JOBS} jobs"
    );
}

#[tokio::test(start_paused = true)]
async fn without_kill_on_unprovision_the_runs_are_followed_not_killed() {
    let setup = start(false, true).await;
    let gone = unprovision_even(&setup.store).await;
    assert_eq!(gone.len(), JOBS / 2);
    tokio::time::sleep(FOLLOW * 6).await;
    let runs = common::runs(&setup.store, None).await;
    let existing_calls = setup.jobs.existing_jobs.load(Ordering::SeqCst);
    setup.handle.stop().await;

    assert!(recorded(&setup.kills).is_empty(), "nothing killed");
    assert_eq!(runs.len(), JOBS);
    for r in &runs {
        assert_eq!(r.state, RunState::Running, "still followed: {r:#?}");
        assert_eq!(r.error, None);
    }
    assert_eq!(
        existing_calls, 0,
        "no extra store query when the setting is off"
    );
}

#[tokio::test(start_paused = true)]
async fn a_kill_the_cluster_manager_does_not_confirm_still_ends_the_run() {
    let setup = start(true, false).await;
    let gone = unprovision_even(&setup.store).await;
    let runs = wait_for_the_runs_of(&setup.store, &gone).await;
    tokio::time::sleep(FOLLOW * 3).await;
    let later = common::runs(&setup.store, None).await;
    setup.handle.stop().await;

    let kills = recorded(&setup.kills);
    assert_eq!(
        kills.len(),
        gone.len(),
        "killed once each, not again every round: {kills:#?}"
    );
    assert_eq!(later, runs, "nothing changed after");
    for r in runs.iter().filter(|r| gone.contains(&r.job_key)) {
        assert_eq!(r.state, RunState::Killed, "{r:#?}");
        assert_eq!(r.final_status, None, "the cluster manager did not say");
        let error = r.error.as_deref().unwrap_or("");
        assert!(
            error.contains("was unprovisioned") && error.contains("no longer followed"),
            "{error}"
        );
    }
    for r in runs.iter().filter(|r| !gone.contains(&r.job_key)) {
        assert_eq!(r.state, RunState::Running);
    }
}
