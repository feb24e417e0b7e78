//! Unit tests of pause, resume, the job status and start-and-wait, with
//! mocked ports and a fixed clock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use mockall::predicate::eq;

use super::{JobControl, Provisioner, UseCaseError, UseCaseSettings, NO_ENGINE_HERE};
use crate::clock::FixedClock;
use crate::model::{JobDefinition, JobKey, JobView, RunRecord, RunState, TriggerKey};
use crate::ports::{
    EnginePort, MockEnginePort, MockHdfsPort, MockJobStorePort, MockSchedulerStorePort, StoreError,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid instant")
}

fn key() -> JobKey {
    JobKey::new("urn:dmb:dp:finance:cashflow:0", "job-1")
}

fn jobs(store: MockJobStorePort) -> Provisioner {
    Provisioner::new(
        Arc::new(MockHdfsPort::new()),
        Arc::new(store),
        UseCaseSettings::default(),
    )
    .with_clock(Arc::new(FixedClock(now())))
}

fn run(id: &str, trigger: TriggerKey, state: RunState) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        job_key: key(),
        trigger_key: trigger,
        scheduled_fire_time: now(),
        actual_fire_time: now(),
        application_id: None,
        tracking_url: None,
        state,
        final_status: None,
        created_at: now(),
        updated_at: now(),
        ended_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

/// An engine whose runs change at once, counting its wake-ups and looks.
#[derive(Default)]
struct CountingEngine {
    wakes: AtomicUsize,
    looks: AtomicUsize,
}

#[async_trait::async_trait]
impl EnginePort for CountingEngine {
    fn wake(&self) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }

    async fn runs_changed(&self, at_most: Duration) {
        self.looks.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(at_most.min(Duration::from_millis(5))).await;
    }
}

#[tokio::test]
async fn pause_and_resume_say_what_changed_and_resume_wakes_the_engine() {
    let mut scheduler = MockSchedulerStorePort::new();
    scheduler
        .expect_set_job_paused()
        .with(eq(key()), eq(true))
        .returning(|_, _| Ok(Some(2)));
    scheduler
        .expect_set_job_paused()
        .with(eq(key()), eq(false))
        .returning(|_, _| Ok(Some(0)));
    let mut engine = MockEnginePort::new();
    engine.expect_wake().times(1).return_const(());
    let control = JobControl::new(
        jobs(MockJobStorePort::new()),
        Arc::new(scheduler),
        Some(Arc::new(engine)),
    );

    let paused = control.set_paused(&key(), true).await.expect("paused");
    assert_eq!((paused.paused, paused.triggers_changed), (true, 2));
    assert!(paused.message.contains("PAUSED"), "{}", paused.message);
    let resumed = control.set_paused(&key(), false).await.expect("resumed");
    assert_eq!((resumed.paused, resumed.triggers_changed), (false, 0));
    assert!(
        resumed.message.starts_with("Nothing changed"),
        "{}",
        resumed.message
    );
}

#[tokio::test]
async fn pausing_an_unknown_job_is_not_found_and_a_store_fault_a_system_error() {
    let mut scheduler = MockSchedulerStorePort::new();
    scheduler
        .expect_set_job_paused()
        .with(eq(key()), eq(true))
        .returning(|_, _| Ok(None));
    scheduler
        .expect_set_job_paused()
        .with(eq(key()), eq(false))
        .returning(|_, _| Err(StoreError::Unavailable("down (test)".into())));
    let control = JobControl::new(jobs(MockJobStorePort::new()), Arc::new(scheduler), None);
    match control.set_paused(&key(), true).await {
        Err(UseCaseError::NotFound(m)) => assert!(m.contains("is provisioned"), "{m}"),
        other => panic!("expected not found, got {other:?}"),
    }
    assert!(matches!(
        control.set_paused(&key(), false).await,
        Err(UseCaseError::System(_))
    ));
}

#[tokio::test]
async fn the_job_status_is_its_latest_runs_state() {
    let mut store = MockJobStorePort::new();
    store.expect_get_job().returning(|k| {
        Ok(Some(JobDefinition {
            key: k.clone(),
            component_id: "urn:c".into(),
            description: None,
            spec: crate::model::SparkJobSpec::new(
                "/jobs/app.jar".parse().expect("jar"),
                "com.example.Main".parse().expect("class name"),
            ),
            non_concurrent: false,
            run_policy: Default::default(),
        }))
    });
    store.expect_triggers_of_job().returning(|_| Ok(vec![]));
    let trigger = key().scheduled_trigger_key();
    let newest_first = vec![
        run("r2", trigger.clone(), RunState::Failed),
        run("r1", trigger, RunState::Succeeded),
    ];
    store
        .expect_list_runs()
        .returning(move |_| Ok(newest_first.clone()));
    let control = JobControl::new(jobs(store), Arc::new(MockSchedulerStorePort::new()), None);
    let view = control.job_status(&key()).await.expect("view");
    assert_eq!(view.status, Some(RunState::Failed));
    assert_eq!(view.last_runs.len(), 2);

    let empty = crate::api::JobStatusView::new(JobView {
        job: JobDefinition {
            key: key(),
            component_id: "urn:c".into(),
            description: None,
            spec: crate::model::SparkJobSpec::new(
                "/jobs/app.jar".parse().expect("jar"),
                "com.example.Main".parse().expect("class name"),
            ),
            non_concurrent: false,
            run_policy: Default::default(),
        },
        triggers: vec![],
        last_runs: vec![],
    });
    assert_eq!(empty.status, None, "no run yet, no status");
}

fn store_adding_triggers() -> MockJobStorePort {
    let mut store = MockJobStorePort::new();
    store.expect_add_trigger().returning(|_| Ok(true));
    store
}

#[tokio::test]
async fn start_now_without_an_engine_here_says_where_to_find_the_run() {
    let control = JobControl::new(
        jobs(store_adding_triggers()),
        Arc::new(MockSchedulerStorePort::new()),
        None,
    );
    let accepted = control.start_now(&key()).await.expect("accepted");
    assert_eq!(accepted.job_key, key());
    assert_eq!(accepted.start_time, now());
    assert!(accepted.trigger_key.name.starts_with("manual-"));
    assert_eq!(accepted.run_id, None);
    assert_eq!(accepted.message, NO_ENGINE_HERE);
}

#[tokio::test]
async fn start_now_wakes_the_engine_and_answers_the_run_once_it_exists() {
    let mut store = MockJobStorePort::new();
    let stored: Arc<std::sync::Mutex<Option<TriggerKey>>> = Arc::default();
    let seen = Arc::clone(&stored);
    store.expect_add_trigger().returning(move |t| {
        *seen.lock().expect("lock") = Some(t.key.clone());
        Ok(true)
    });
    let reads = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&reads);
    let trigger = Arc::clone(&stored);
    store.expect_list_runs().returning(move |filter| {
        assert_eq!(filter.job, Some(key()));
        assert_eq!(filter.limit, 20);
        // The run appears at the third look.
        if counted.fetch_add(1, Ordering::SeqCst) < 2 {
            return Ok(vec![]);
        }
        let t = trigger.lock().expect("lock").clone().expect("stored");
        Ok(vec![run("r-1", t, RunState::Running)])
    });
    let engine = Arc::new(CountingEngine::default());
    let control = JobControl::new(
        jobs(store),
        Arc::new(MockSchedulerStorePort::new()),
        Some(engine.clone()),
    );
    let accepted = control.start_now(&key()).await.expect("accepted");
    assert_eq!(accepted.run_id.as_deref(), Some("r-1"));
    assert!(
        accepted.message.contains("run r-1 is RUNNING"),
        "{}",
        accepted.message
    );
    assert!(matches!(
        stored.lock().expect("lock").clone(),
        Some(t) if t == accepted.trigger_key
    ));
    assert_eq!(engine.wakes.load(Ordering::SeqCst), 1);
    assert_eq!(
        engine.looks.load(Ordering::SeqCst),
        3,
        "one look per change"
    );
    assert_eq!(reads.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn start_now_stops_waiting_at_the_run_wait_and_says_where_to_look() {
    let mut store = store_adding_triggers();
    let other = TriggerKey::new("g", "another");
    store
        .expect_list_runs()
        .returning(move |_| Ok(vec![run("r-0", other.clone(), RunState::Succeeded)]));
    let engine = Arc::new(CountingEngine::default());
    let control = JobControl::new(
        jobs(store),
        Arc::new(MockSchedulerStorePort::new()),
        Some(engine.clone()),
    )
    .with_run_wait(Duration::from_millis(40));
    let started = std::time::Instant::now();
    let accepted = control.start_now(&key()).await.expect("accepted");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(accepted.run_id, None);
    assert!(
        accepted
            .message
            .contains("GET /v1/scheduler/runs?job=urn:dmb:dp:finance:cashflow:0/job-1"),
        "{}",
        accepted.message
    );
    assert!(engine.looks.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn start_now_of_an_unknown_job_is_not_found() {
    let mut store = MockJobStorePort::new();
    store.expect_add_trigger().returning(|_| Ok(false));
    let mut engine = MockEnginePort::new();
    engine.expect_wake().never();
    let control = JobControl::new(
        jobs(store),
        Arc::new(MockSchedulerStorePort::new()),
        Some(Arc::new(engine)),
    );
    assert!(matches!(
        control.start_now(&key()).await,
        Err(UseCaseError::NotFound(_))
    ));
}
