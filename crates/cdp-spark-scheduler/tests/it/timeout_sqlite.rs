//! `jobConfig.maxDuration` on a SQLite store, with applications that never
//! end on their own: a run still going when its limit passes has its
//! application killed (once) and ends `TIMED_OUT` with the reason; it is
//! retried by the job's `retries` like a failure; a run whose spark-submit
//! answered only after the limit is killed at once; a job without a limit
//! is never killed. Each run's `args` and `conf` values reach the launcher
//! with `${runId}`, `${nominalDate}` and `${nominalTime}` replaced.
//!
//! Real time (the limits are measured on the system clock, as in
//! production): a test takes a few seconds.

use crate::common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{JobDefinition, JobKey, RunPolicy, RunRecord, RunState};
use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, LaunchError, LaunchRequest, SparkLauncherPort,
};
use cdp_spark_scheduler::recording::{RecordedFire, RecordedKill, RecordingLauncher};
use chrono::{SecondsFormat, Utc};

const FOLLOW: Duration = Duration::from_millis(200);
const POLL: Duration = Duration::from_millis(50);
const GROUP: &str = "urn:dmb:dp:timeout:0";

fn job(name: &str, max_duration: Option<&str>, retries: u32) -> JobDefinition {
    let mut j = common::job(
        JobKey::new(GROUP, name),
        RunPolicy {
            concurrency: ConcurrencyPolicy::Allow,
            retries,
            retry_delay_secs: 0,
            max_duration: max_duration.map(|d| d.parse().expect("a valid maxDuration")),
            deadline_secs: None,
        },
    );
    j.spec.args = vec![
        "${runId}".into(),
        "--date=${nominalDate}".into(),
        "$${runId}".into(),
    ];
    j.spec.conf = BTreeMap::from([("spark.app.nominal".into(), "${nominalTime}".into())]);
    j
}

/// A launcher whose spark-submit takes `delay` before it answers.
struct SlowSubmit {
    inner: RecordingLauncher,
    delay: Duration,
}

#[async_trait]
impl SparkLauncherPort for SlowSubmit {
    async fn submit(&self, request: &LaunchRequest) -> Result<ApplicationHandle, LaunchError> {
        tokio::time::sleep(self.delay).await;
        self.inner.submit(request).await
    }
    async fn status(&self, handle: &ApplicationHandle) -> Result<ApplicationState, LaunchError> {
        self.inner.status(handle).await
    }
    async fn kill(&self, handle: &ApplicationHandle) -> Result<(), LaunchError> {
        self.inner.kill(handle).await
    }
}

fn kills_of(kills: &Mutex<Vec<RecordedKill>>, run: &RunRecord) -> usize {
    let app = run.application_id.as_deref().expect("an application id");
    kills
        .lock()
        .expect("kills")
        .iter()
        .filter(|k| k.application_id == app)
        .count()
}

fn assert_timed_out(run: &RunRecord, max: &str) {
    assert_eq!(run.state, RunState::TimedOut, "{run:#?}");
    assert_eq!(run.final_status.as_deref(), Some("KILLED"), "{run:#?}");
    let error = run.error.as_deref().unwrap_or("");
    let started = run
        .actual_fire_time
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    assert!(
        error.starts_with(&format!(
            "ran longer than its maxDuration {max} (started {started}, killed at "
        )) && error.contains("the cluster manager reports: application recorded-"),
        "{error}"
    );
    let ran = run.ended_at.expect("ended") - run.actual_fire_time;
    assert!(
        ran >= chrono::Duration::seconds(1) && ran < chrono::Duration::seconds(5),
        "ended {ran} after its start"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_past_its_max_duration_is_killed_once_ends_timed_out_and_is_retried() {
    let (_dir, store) = common::sqlite_store().await;
    let limited = job("limited", Some("1s"), 1);
    let free = job("free", None, 0);
    let now = Utc::now();
    common::provision_one_shot(&store, &limited, "once-limited", now).await;
    common::provision_one_shot(&store, &free, "once-free", now).await;
    let fires: Arc<Mutex<Vec<RecordedFire>>> = Arc::default();
    let kills: Arc<Mutex<Vec<RecordedKill>>> = Arc::default();
    let launcher = RecordingLauncher::new("solo", fires.clone())
        .never_finishing()
        .recording_kills(kills.clone());
    let config = common::config(
        "solo",
        FOLLOW,
        Duration::from_millis(500),
        Duration::from_secs(3),
    );
    let handle = common::start(config, &store, Arc::new(launcher));

    // The run and its one retry time out; the free job's run goes on.
    let runs = common::wait_for_runs(
        &store,
        Some(&limited.key),
        Duration::from_secs(20),
        POLL,
        "the limited job's run and its retry TIMED_OUT",
        |runs| runs.len() == 2 && runs.iter().all(|r| r.state.is_final()),
    )
    .await;
    tokio::time::sleep(FOLLOW * 5).await;
    let later = common::runs(&store, None).await;
    handle.stop().await;

    for run in &runs {
        assert_timed_out(run, "1s");
        assert_eq!(kills_of(&kills, run), 1, "killed once: {run:#?}");
    }
    assert!(
        runs[1].trigger_key.name.starts_with("retry-"),
        "the second is the retry: {runs:#?}"
    );
    let free_runs: Vec<&RunRecord> = later.iter().filter(|r| r.job_key == free.key).collect();
    assert_eq!(free_runs.len(), 1);
    assert_eq!(
        free_runs[0].state,
        RunState::Running,
        "no limit: never killed"
    );
    assert_eq!(kills_of(&kills, free_runs[0]), 0);
    assert_eq!(
        later.iter().filter(|r| r.job_key == limited.key).count(),
        2,
        "one retry, no more"
    );
    assert_eq!(kills.lock().expect("kills").len(), 2);

    // Every launch got its own values, never the placeholders.
    let fires = fires.lock().expect("fires").clone();
    assert_eq!(fires.len(), 3);
    for fire in &fires {
        let nominal = fire.scheduled_fire_time;
        assert_eq!(
            fire.args,
            [
                fire.run_id.clone(),
                format!("--date={}", nominal.format("%Y-%m-%d")),
                "${runId}".to_string()
            ]
        );
        assert_eq!(
            fire.conf["spark.app.nominal"],
            nominal.to_rfc3339_opts(SecondsFormat::Secs, true)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spark_submit_that_answers_after_the_limit_has_its_application_killed_at_once() {
    let (_dir, store) = common::sqlite_store().await;
    let limited = job("slow", Some("PT1S"), 0);
    common::provision_one_shot(&store, &limited, "once-slow", Utc::now()).await;
    let fires: Arc<Mutex<Vec<RecordedFire>>> = Arc::default();
    let kills: Arc<Mutex<Vec<RecordedKill>>> = Arc::default();
    let launcher = SlowSubmit {
        inner: RecordingLauncher::new("solo", fires)
            .never_finishing()
            .recording_kills(kills.clone()),
        delay: Duration::from_millis(1500),
    };
    // Followed rarely: the kill is the launch's, not a follow round's.
    let config = common::config(
        "solo",
        Duration::from_secs(30),
        Duration::from_millis(500),
        Duration::from_secs(3),
    );
    let handle = common::start(config, &store, Arc::new(launcher));
    let runs = common::wait_for_runs(
        &store,
        Some(&limited.key),
        Duration::from_secs(10),
        POLL,
        "the slow run TIMED_OUT",
        |runs| runs.len() == 1 && runs[0].state.is_final(),
    )
    .await;
    handle.stop().await;
    assert_timed_out(&runs[0], "1s");
    assert_eq!(kills_of(&kills, &runs[0]), 1);
    assert_eq!(kills.lock().expect("kills").len(), 1);
}
