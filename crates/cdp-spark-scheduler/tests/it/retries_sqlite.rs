//! Retries on a SQLite store (`jobConfig.schedule.retries` / `retryDelay`):
//! a failed run is retried `retries` times, each retry `retryDelay` after
//! the failure, and never more; a run that succeeds ends the retries; with
//! `retries = 0` (the default) nothing is retried. Failures come from the
//! application (status `FAILED`) and from spark-submit itself.

use crate::common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::cause;
use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{JobDefinition, JobKey, RunPolicy, RunRecord, RunState, TriggerKey};
use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, JobStorePort, LaunchError, LaunchRequest, LauncherBackend,
    SparkLauncherPort,
};
use cdp_spark_domain::scheduling::RETRY_TRIGGER_PREFIX;
use cdp_spark_jobstore::DieselJobStore;
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
    fn new(jobs: &[(&JobDefinition, Behaviour)]) -> Self {
        Self {
            behaviour: jobs.iter().map(|(j, b)| (j.key.name.clone(), *b)).collect(),
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
            .ok_or_else(|| LaunchError::Other(cause!("no script for job {}", r.job_key)))?;
        let outcome = match behaviour {
            Behaviour::SubmitFails => {
                return Err(LaunchError::Submit(cause!(
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
    common::job(
        JobKey::new("urn:dmb:dp:retries:0", name),
        RunPolicy {
            concurrency: ConcurrencyPolicy::Forbid,
            retries,
            retry_delay_secs,
            max_duration: None,
            deadline_secs: None,
        },
    )
}

/// What one scheduler did with some jobs.
struct Outcome {
    _dir: tempfile::TempDir,
    store: Arc<DieselJobStore>,
    launcher: Arc<Scripted>,
    /// The manual trigger of each job, in the order given.
    manual: Vec<TriggerKey>,
    /// The runs of the first job, oldest first, once `done` held for them.
    runs: Vec<RunRecord>,
}

/// Stores `jobs` without a schedule, each with a manual one-shot trigger
/// now, and runs one scheduler with their submits scripted as given, until
/// `done` holds for the runs of the first job (failing after `limit`), then
/// `settle` longer, in which no further run of it may come.
async fn run_scripted(
    jobs: &[(&JobDefinition, Behaviour)],
    limit: Duration,
    what: &str,
    done: impl Fn(&[RunRecord]) -> bool,
    settle: Duration,
) -> Outcome {
    let (dir, store) = common::sqlite_store().await;
    let launcher = Arc::new(Scripted::new(jobs));
    let mut manual = Vec::new();
    for (j, _) in jobs {
        let name = format!("manual-{}", j.key.name);
        let once = common::provision_one_shot(&store, j, name, Utc::now()).await;
        manual.push(once.key);
    }
    let config = common::config(
        "retries",
        Duration::from_millis(150),
        Duration::from_millis(500),
        Duration::from_secs(3),
    );
    let handle = common::start(config, &store, launcher.clone());
    let watched = &jobs[0].0.key;
    let every = Duration::from_millis(100);
    let runs = common::wait_for_runs(&store, Some(watched), limit, every, what, done).await;
    tokio::time::sleep(settle).await;
    let later = common::runs(&store, Some(watched)).await;
    handle.stop().await;
    assert_eq!(later, runs, "no run of {watched} after: {what}");
    Outcome {
        _dir: dir,
        store,
        launcher,
        manual,
        runs,
    }
}

fn ended(runs: &[RunRecord]) -> usize {
    runs.iter().filter(|r| r.ended_at.is_some()).count()
}

/// Each run after the first is the retry of the one before: its one-shot
/// trigger is `retry-<n>-<previous run id>`, it fired no earlier than
/// `delay` after the previous run ended, and it keeps the first run's
/// nominal time and parameters (what `${nominalTime}` and the deadline
/// read).
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
        assert_eq!(
            retry.scheduled_fire_time,
            runs[0].scheduled_fire_time,
            "retry {} keeps the nominal time of the run it retries",
            n + 1
        );
        assert_eq!(retry.parameters, runs[0].parameters, "retry {}", n + 1);
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
/// (the manual one and each retry) fired once and was deleted, and the job
/// stays.
async fn assert_no_trigger_left(store: &DieselJobStore, key: &JobKey) {
    let triggers = store.triggers_of_job(key).await.expect("triggers");
    assert!(
        triggers.is_empty(),
        "triggers of {key} left after their last fire: {triggers:#?}"
    );
    assert!(
        store.get_job(key).await.expect("job").is_some(),
        "the job stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_applications_are_retried_retries_times_after_the_delay() {
    let retried = job("app-fails", 2, 1);
    let never = job("app-fails-no-retries", 0, 0);
    // The default policy: no retries.
    assert_eq!(never.run_policy.retries, RunPolicy::default().retries);
    // Settles longer than a retry delay plus a follow round: a 4th run
    // would show.
    let out = run_scripted(
        &[
            (&retried, Behaviour::ApplicationFails),
            (&never, Behaviour::ApplicationFails),
        ],
        Duration::from_secs(20),
        "the first run and 2 retries ended",
        |runs| ended(runs) >= 3,
        Duration::from_millis(2500),
    )
    .await;
    let runs = &out.runs;
    let never_runs = common::runs(&out.store, Some(&never.key)).await;

    assert_eq!(runs.len(), 3, "1 run + retries (2): {runs:#?}");
    assert_eq!(out.launcher.submits_of("app-fails"), 3);
    for r in runs {
        assert_eq!(r.state, RunState::Failed, "{r:#?}");
        assert_eq!(r.final_status.as_deref(), Some("FAILED"));
        assert_eq!(r.error.as_deref(), Some(APP_DIAGNOSTICS));
        assert!(r
            .application_id
            .as_deref()
            .is_some_and(|a| a.starts_with("fail-")));
    }
    assert_retry_chain(runs, &out.manual[0], chrono::Duration::seconds(1));
    assert_no_trigger_left(&out.store, &retried.key).await;

    assert_eq!(
        never_runs.len(),
        1,
        "retries = 0: the failed run is not retried: {never_runs:#?}"
    );
    assert_eq!(never_runs[0].state, RunState::Failed);
    assert_eq!(never_runs[0].trigger_key, out.manual[1]);
    assert_eq!(out.launcher.submits_of("app-fails-no-retries"), 1);
    assert_no_trigger_left(&out.store, &never.key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_submits_are_retried_retries_times_after_the_delay() {
    let j = job("submit-fails", 2, 2);
    let out = run_scripted(
        &[(&j, Behaviour::SubmitFails)],
        Duration::from_secs(25),
        "the first run and 2 retries ended",
        |runs| ended(runs) >= 3,
        Duration::from_millis(3000),
    )
    .await;
    let runs = &out.runs;

    assert_eq!(runs.len(), 3, "1 run + retries (2): {runs:#?}");
    assert_eq!(out.launcher.submits_of("submit-fails"), 3);
    for (n, r) in runs.iter().enumerate() {
        assert_eq!(r.state, RunState::Failed, "{r:#?}");
        assert_eq!(r.application_id, None, "no application was started");
        let error = r.error.as_deref().unwrap_or("");
        assert!(
            error.contains(SUBMIT_ERROR) && error.contains(&format!("(attempt {})", n + 1)),
            "the run records spark-submit's failure: {error}"
        );
    }
    assert_retry_chain(runs, &out.manual[0], chrono::Duration::seconds(2));
    assert_no_trigger_left(&out.store, &j.key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_that_succeeds_ends_the_retries() {
    let j = job("fails-once", 3, 1);
    let out = run_scripted(
        &[(&j, Behaviour::FailsOnceThenSucceeds)],
        Duration::from_secs(20),
        "a run succeeded",
        |runs| runs.iter().any(|r| r.state == RunState::Succeeded),
        Duration::from_millis(2500),
    )
    .await;
    let runs = &out.runs;

    assert_eq!(runs.len(), 2, "the failure and one retry: {runs:#?}");
    assert_eq!(out.launcher.submits_of("fails-once"), 2);
    assert_eq!(runs[0].state, RunState::Failed);
    assert_eq!(runs[0].error.as_deref(), Some(APP_DIAGNOSTICS));
    assert_eq!(runs[1].state, RunState::Succeeded);
    assert_eq!(runs[1].final_status.as_deref(), Some("SUCCEEDED"));
    assert_eq!(runs[1].error, None);
    assert_retry_chain(runs, &out.manual[0], chrono::Duration::seconds(1));
    assert_no_trigger_left(&out.store, &j.key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_runs_with_the_parameters_and_nominal_time_of_the_run_it_retries() {
    use cdp_spark_domain::ports::SchedulerStorePort;
    use cdp_spark_domain::scheduling::backfill::queued_run;
    use cdp_spark_domain::scheduling::run_parameters::RunParameters;

    let (_dir, store) = common::sqlite_store().await;
    let j = job("params-fail", 1, 1);
    // Provisioned without a schedule: a one-shot trigger far in the future
    // stands for the job's manual trigger, then a run with parameters and
    // a nominal time of its own is queued (as `POST …/trigger` with a body,
    // a rerun or a backfill do).
    let later = Utc::now() + chrono::Duration::days(1);
    common::provision_one_shot(&store, &j, "idle", later).await;
    // Millisecond precision, as the store keeps instants.
    let nominal = chrono::DateTime::from_timestamp_millis(
        (Utc::now() - chrono::Duration::hours(30)).timestamp_millis(),
    )
    .expect("an instant");
    let parameters = RunParameters {
        args: Some(vec!["--day".into(), "${nominalDate}".into()]),
        conf: None,
    };
    let first = queued_run(
        "run-with-params".into(),
        &j.key,
        TriggerKey::new(j.key.group.clone(), "rerun-x"),
        nominal,
        Some(parameters.clone()),
        None,
        Utc::now(),
    );
    assert!(store.queue_runs(&j.key, &[first]).await.expect("queue"));
    let launcher = Arc::new(Recording::new(Scripted::new(&[(
        &j,
        Behaviour::ApplicationFails,
    )])));
    let config = common::config(
        "retry-params",
        Duration::from_millis(150),
        Duration::from_millis(500),
        Duration::from_secs(3),
    );
    let handle = common::start(config, &store, launcher.clone());
    let runs = common::wait_for_runs(
        &store,
        Some(&j.key),
        Duration::from_secs(20),
        Duration::from_millis(100),
        "the run and its retry ended",
        |runs| ended(runs) >= 2,
    )
    .await;
    handle.stop().await;
    assert_eq!(runs.len(), 2, "{runs:#?}");
    let retry = &runs[1];
    assert!(
        retry
            .trigger_key
            .name
            .starts_with("retry-1-run-with-params"),
        "{retry:#?}"
    );
    assert_eq!(retry.scheduled_fire_time, nominal);
    assert_eq!(retry.parameters.as_ref(), Some(&parameters));
    // Both submits got the same argv: the parameters, the nominal date.
    let day = nominal.format("%Y-%m-%d").to_string();
    let args = launcher.args.lock().expect("args").clone();
    assert_eq!(args.len(), 2, "{args:?}");
    for a in &args {
        assert_eq!(a, &vec!["--day".to_string(), day.clone()], "{args:?}");
    }
}

/// [`Scripted`], keeping each submit's application arguments.
struct Recording {
    inner: Scripted,
    args: Mutex<Vec<Vec<String>>>,
}

impl Recording {
    fn new(inner: Scripted) -> Self {
        Self {
            inner,
            args: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait]
impl SparkLauncherPort for Recording {
    async fn submit(&self, r: &LaunchRequest) -> Result<ApplicationHandle, LaunchError> {
        self.args.lock().expect("args").push(r.spec.args.clone());
        self.inner.submit(r).await
    }

    async fn status(&self, h: &ApplicationHandle) -> Result<ApplicationState, LaunchError> {
        self.inner.status(h).await
    }

    async fn kill(&self, h: &ApplicationHandle) -> Result<(), LaunchError> {
        self.inner.kill(h).await
    }
}
