//! Retries on a SQLite store (`jobConfig.schedule.retries` / `retryDelay`):
//! a failed run is retried `retries` times, each retry `retryDelay` after
//! the failure, and never more; a run that succeeds ends the retries; with
//! `retries = 0` (the default) nothing is retried. Failures come from the
//! application (status `FAILED`) and from spark-submit itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::clock::SystemClock;
use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, MisfireInstruction, RunFilter, RunPolicy, RunRecord, RunState,
    SparkJobSpec, TriggerDefinition, TriggerKey, TriggerSchedule, TriggerState,
};
use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, JobStorePort, LaunchError, LaunchRequest, LauncherBackend,
    SparkLauncherPort,
};
use cdp_spark_domain::scheduling::RETRY_TRIGGER_PREFIX;
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use cdp_spark_scheduler::{Scheduler, SchedulerConfig, SchedulerHandle};
use chrono::Utc;

/// What the launcher does with the submits of one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Every application ends `FAILED`.
    ApplicationFails,
    /// spark-submit fails every time (no application).
    SubmitFails,
    /// The first application fails, the next ones succeed.
    FailsOnceThenSucceeds,
}

const APP_DIAGNOSTICS: &str = "User class threw exception: java.lang.IllegalStateException: boom";
const SUBMIT_ERROR: &str = "spark-submit exited with code 1: Exception in thread main";

/// A launcher scripted per job name; applications end at the first poll.
struct Scripted {
    behaviour: HashMap<String, Behaviour>,
    submits: Mutex<HashMap<String, u32>>,
}

impl Scripted {
    fn new(jobs: &[(&str, Behaviour)]) -> Self {
        Self {
            behaviour: jobs.iter().map(|(n, b)| (n.to_string(), *b)).collect(),
            submits: Mutex::new(HashMap::new()),
        }
    }

    fn submits_of(&self, job: &str) -> u32 {
        self.submits
            .lock()
            .expect("submits")
            .get(job)
            .copied()
            .unwrap_or(0)
    }
}

#[async_trait]
impl SparkLauncherPort for Scripted {
    async fn submit(&self, r: &LaunchRequest) -> Result<ApplicationHandle, LaunchError> {
        let attempt = {
            let mut submits = self.submits.lock().expect("submits");
            let n = submits.entry(r.job_key.name.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let behaviour = self
            .behaviour
            .get(&r.job_key.name)
            .copied()
            .ok_or_else(|| LaunchError::Other(format!("no script for job {}", r.job_key)))?;
        let outcome = match behaviour {
            Behaviour::SubmitFails => {
                return Err(LaunchError::Submit(format!(
                    "{SUBMIT_ERROR} (attempt {attempt})"
                )))
            }
            Behaviour::ApplicationFails => "fail",
            Behaviour::FailsOnceThenSucceeds if attempt == 1 => "fail",
            Behaviour::FailsOnceThenSucceeds => "ok",
        };
        Ok(ApplicationHandle {
            backend: LauncherBackend::Local,
            application_id: format!("{outcome}-{}", r.run_id),
            tracking_url: None,
        })
    }

    async fn status(&self, h: &ApplicationHandle) -> Result<ApplicationState, LaunchError> {
        Ok(if h.application_id.starts_with("fail-") {
            ApplicationState::Failed {
                diagnostics: APP_DIAGNOSTICS.into(),
            }
        } else {
            ApplicationState::Succeeded
        })
    }

    async fn kill(&self, _h: &ApplicationHandle) -> Result<(), LaunchError> {
        Ok(())
    }
}

fn job(name: &str, retries: u32, retry_delay_secs: u64) -> JobDefinition {
    JobDefinition {
        key: JobKey::new("urn:dmb:dp:retries:0", name),
        component_id: format!("urn:dmb:cmp:retries:0:{name}"),
        description: None,
        spec: SparkJobSpec {
            jar: "hdfs://ns1/apps/app.jar".into(),
            class_name: "com.acme.App".into(),
            ..SparkJobSpec::default()
        },
        non_concurrent: true,
        run_policy: RunPolicy {
            concurrency: ConcurrencyPolicy::Forbid,
            retries,
            retry_delay_secs,
        },
    }
}

/// Stores the job without a schedule and a manual one-shot trigger now.
async fn provision_and_trigger(store: &DieselJobStore, job: &JobDefinition) -> TriggerKey {
    store.replace_job(job, None).await.expect("provision");
    let now = Utc::now();
    let key = TriggerKey::new(job.key.group.clone(), format!("manual-{}", job.key.name));
    let once = TriggerDefinition {
        key: key.clone(),
        job_key: job.key.clone(),
        schedule: TriggerSchedule::Once { start_time: now },
        next_fire_time: Some(now),
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    };
    assert!(store.add_trigger(&once).await.expect("trigger"));
    key
}

async fn open_store(dir: &tempfile::TempDir) -> Arc<DieselJobStore> {
    Arc::new(
        DieselJobStore::open(StoreConfig::sqlite_in(dir.path().join("data")))
            .await
            .expect("open store"),
    )
}

fn start(store: &Arc<DieselJobStore>, launcher: Arc<Scripted>) -> SchedulerHandle {
    let mut config = SchedulerConfig::new("retries");
    config.follow_interval = Duration::from_millis(150);
    config.checkin_interval = Duration::from_millis(500);
    config.dead_after = Duration::from_secs(3);
    Scheduler::start(
        config,
        store.clone(),
        store.clone(),
        launcher,
        Arc::new(SystemClock),
    )
    .expect("start")
}

/// The job's runs, oldest first.
async fn runs_of(store: &DieselJobStore, key: &JobKey) -> Vec<RunRecord> {
    let mut runs = store
        .list_runs(&RunFilter {
            job: Some(key.clone()),
            ..RunFilter::default()
        })
        .await
        .expect("runs");
    runs.sort_by(|a, b| (a.actual_fire_time, &a.run_id).cmp(&(b.actual_fire_time, &b.run_id)));
    runs
}

/// Polls until `done` holds for the job's runs (or fails after `limit`).
async fn wait_for_runs(
    store: &DieselJobStore,
    key: &JobKey,
    limit: Duration,
    what: &str,
    done: impl Fn(&[RunRecord]) -> bool,
) -> Vec<RunRecord> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let runs = runs_of(store, key).await;
        if done(&runs) {
            return runs;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not reached within {limit:?}; runs of {key}: {runs:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ended(runs: &[RunRecord]) -> usize {
    runs.iter().filter(|r| r.ended_at.is_some()).count()
}

/// Each run after the first is the retry of the one before: its one-shot
/// trigger is `retry-<n>-<previous run id>` and it fired no earlier than
/// `delay` after the previous run ended.
fn assert_retry_chain(runs: &[RunRecord], first_trigger: &TriggerKey, delay: chrono::Duration) {
    assert_eq!(&runs[0].trigger_key, first_trigger, "{runs:#?}");
    for (n, pair) in runs.windows(2).enumerate() {
        let (failed, retry) = (&pair[0], &pair[1]);
        assert_eq!(
            retry.trigger_key.name,
            format!("{RETRY_TRIGGER_PREFIX}{}-{}", n + 1, failed.run_id),
            "run {} is the retry of run {}",
            retry.run_id,
            failed.run_id
        );
        let failed_at = failed.ended_at.expect("the failed run has ended");
        assert!(
            retry.scheduled_fire_time >= failed_at + delay,
            "retry {} scheduled at {} but the failure was at {failed_at}: less than the retryDelay {delay}",
            n + 1,
            retry.scheduled_fire_time
        );
        assert!(
            retry.actual_fire_time >= failed_at + delay,
            "retry {} fired at {} but the failure was at {failed_at}: less than the retryDelay {delay}",
            n + 1,
            retry.actual_fire_time
        );
        // Not held back much longer than the delay either (the fire loop
        // is woken when a retry is stored).
        assert!(
            retry.actual_fire_time - failed_at < delay + chrono::Duration::seconds(3),
            "retry {} fired {} after the failure",
            n + 1,
            retry.actual_fire_time - failed_at
        );
    }
}

/// After the last run, nothing is left to fire: every trigger of the job
/// (the manual one and each retry) is `COMPLETE`.
async fn assert_no_trigger_left(store: &DieselJobStore, key: &JobKey) {
    let triggers = store.triggers_of_job(key).await.expect("triggers");
    assert!(!triggers.is_empty(), "the job's triggers are kept COMPLETE");
    for t in &triggers {
        assert_eq!(
            (t.state, t.next_fire_time),
            (TriggerState::Complete, None),
            "trigger {} of {key} would fire again: {t:#?}",
            t.key
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_applications_are_retried_retries_times_after_the_delay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_store(&dir).await;
    let retried = job("app-fails", 2, 1);
    let never = job("app-fails-no-retries", 0, 0);
    // The default policy: no retries.
    assert_eq!(never.run_policy.retries, RunPolicy::default().retries);
    let launcher = Arc::new(Scripted::new(&[
        ("app-fails", Behaviour::ApplicationFails),
        ("app-fails-no-retries", Behaviour::ApplicationFails),
    ]));
    let first = provision_and_trigger(&store, &retried).await;
    let never_first = provision_and_trigger(&store, &never).await;
    let handle = start(&store, launcher.clone());

    let runs = wait_for_runs(
        &store,
        &retried.key,
        Duration::from_secs(20),
        "the first run and 2 retries ended",
        |runs| ended(runs) >= 3,
    )
    .await;
    // Longer than a retry delay plus a follow round: a 4th run would show.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = runs_of(&store, &retried.key).await;
    let never_runs = runs_of(&store, &never.key).await;
    handle.stop().await;

    assert_eq!(later, runs, "no run after the last retry");
    assert_eq!(runs.len(), 3, "1 run + retries (2): {runs:#?}");
    assert_eq!(launcher.submits_of("app-fails"), 3);
    for r in &runs {
        assert_eq!(r.state, RunState::Failed, "{r:#?}");
        assert_eq!(r.final_status.as_deref(), Some("FAILED"));
        assert_eq!(r.error.as_deref(), Some(APP_DIAGNOSTICS));
        assert!(r
            .application_id
            .as_deref()
            .is_some_and(|a| a.starts_with("fail-")));
    }
    assert_retry_chain(&runs, &first, chrono::Duration::seconds(1));
    assert_no_trigger_left(&store, &retried.key).await;

    assert_eq!(
        never_runs.len(),
        1,
        "retries = 0: the failed run is not retried: {never_runs:#?}"
    );
    assert_eq!(never_runs[0].state, RunState::Failed);
    assert_eq!(never_runs[0].trigger_key, never_first);
    assert_eq!(launcher.submits_of("app-fails-no-retries"), 1);
    assert_no_trigger_left(&store, &never.key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_submits_are_retried_retries_times_after_the_delay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_store(&dir).await;
    let j = job("submit-fails", 2, 2);
    let launcher = Arc::new(Scripted::new(&[("submit-fails", Behaviour::SubmitFails)]));
    let first = provision_and_trigger(&store, &j).await;
    let handle = start(&store, launcher.clone());

    let runs = wait_for_runs(
        &store,
        &j.key,
        Duration::from_secs(25),
        "the first run and 2 retries ended",
        |runs| ended(runs) >= 3,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let later = runs_of(&store, &j.key).await;
    handle.stop().await;

    assert_eq!(later, runs, "no run after the last retry");
    assert_eq!(runs.len(), 3, "1 run + retries (2): {runs:#?}");
    assert_eq!(launcher.submits_of("submit-fails"), 3);
    for (n, r) in runs.iter().enumerate() {
        assert_eq!(r.state, RunState::Failed, "{r:#?}");
        assert_eq!(r.application_id, None, "no application was started");
        let error = r.error.as_deref().unwrap_or("");
        assert!(
            error.contains(SUBMIT_ERROR) && error.contains(&format!("(attempt {})", n + 1)),
            "the run records spark-submit's failure: {error}"
        );
    }
    assert_retry_chain(&runs, &first, chrono::Duration::seconds(2));
    assert_no_trigger_left(&store, &j.key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_that_succeeds_ends_the_retries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open_store(&dir).await;
    let j = job("fails-once", 3, 1);
    let launcher = Arc::new(Scripted::new(&[(
        "fails-once",
        Behaviour::FailsOnceThenSucceeds,
    )]));
    let first = provision_and_trigger(&store, &j).await;
    let handle = start(&store, launcher.clone());

    let runs = wait_for_runs(
        &store,
        &j.key,
        Duration::from_secs(20),
        "a run succeeded",
        |runs| runs.iter().any(|r| r.state == RunState::Succeeded),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = runs_of(&store, &j.key).await;
    handle.stop().await;

    assert_eq!(later, runs, "no run after the successful retry");
    assert_eq!(runs.len(), 2, "the failure and one retry: {runs:#?}");
    assert_eq!(launcher.submits_of("fails-once"), 2);
    assert_eq!(runs[0].state, RunState::Failed);
    assert_eq!(runs[0].error.as_deref(), Some(APP_DIAGNOSTICS));
    assert_eq!(runs[1].state, RunState::Succeeded);
    assert_eq!(runs[1].final_status.as_deref(), Some("SUCCEEDED"));
    assert_eq!(runs[1].error, None);
    assert_retry_chain(&runs, &first, chrono::Duration::seconds(1));
    assert_no_trigger_left(&store, &j.key).await;
}
