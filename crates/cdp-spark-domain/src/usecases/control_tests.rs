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
        submitted_at: None,
        running_at: None,
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

// -------------------------------------------------------------- explain ---

#[tokio::test]
async fn explain_reads_the_window_through_the_store() {
    let from = now() - chrono::Duration::hours(1);
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
    store
        .expect_get_trigger()
        .with(eq(key().scheduled_trigger_key()))
        .returning(|_| Ok(None));
    store
        .expect_runs_scheduled_between()
        .withf(move |k, f, t, limit| {
            *k == key() && *f == from && *t == now() && *limit == 2 * 1000 + 1
        })
        .returning(|_, _, _, _| {
            Ok(vec![run(
                "m1",
                TriggerKey::new("g", "manual-1"),
                RunState::Failed,
            )])
        });
    store.expect_trigger_repairs().returning(|_| Ok(vec![]));
    let control = JobControl::new(jobs(store), Arc::new(MockSchedulerStorePort::new()), None);
    let answer = control
        .explain(&key(), from, now())
        .await
        .expect("explained");
    assert_eq!(answer.now, now(), "now is the clock's");
    assert_eq!(answer.fires.len(), 1);
    assert_eq!(answer.fires[0].run_id.as_deref(), Some("m1"));
    assert!(
        answer.notes[0].contains("no scheduled trigger"),
        "{:?}",
        answer.notes
    );

    // A window the wrong way round is the caller's mistake, before any read.
    let control = JobControl::new(
        jobs(MockJobStorePort::new()),
        Arc::new(MockSchedulerStorePort::new()),
        None,
    );
    match control.explain(&key(), now(), from).await {
        Err(UseCaseError::Invalid(issues)) => {
            assert!(issues.to_string().contains("must be before to"), "{issues}")
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    // An unknown job is not found.
    let mut store = MockJobStorePort::new();
    store.expect_get_job().returning(|_| Ok(None));
    let control = JobControl::new(jobs(store), Arc::new(MockSchedulerStorePort::new()), None);
    assert!(matches!(
        control.explain(&key(), from, now()).await,
        Err(UseCaseError::NotFound(_))
    ));
}

// ------------------------------------------- parameters, rerun, backfill ---

use crate::model::{BackfillSlot, TriggerDefinition, TriggerSchedule, TriggerState};
use crate::ports::PausedCount;
use crate::scheduling::backfill::BackfillRequest;
use crate::scheduling::run_parameters::RunParameters;

fn params(args: &[&str]) -> RunParameters {
    RunParameters {
        args: Some(args.iter().map(|s| s.to_string()).collect()),
        conf: None,
    }
}

fn ended_run(id: &str, p: Option<RunParameters>) -> RunRecord {
    let mut r = run(
        id,
        TriggerKey::new(key().group, "jobTrigger"),
        RunState::Failed,
    );
    r.scheduled_fire_time = now() - chrono::Duration::days(3);
    r.parameters = p;
    r
}

fn schedule_trigger() -> TriggerDefinition {
    TriggerDefinition {
        key: key().scheduled_trigger_key(),
        job_key: key(),
        schedule: TriggerSchedule::Cron {
            cron_expression: "0 30 2 ? * MON-FRI"
                .parse()
                .expect("a valid cron expression"),
            time_zone: "UTC".parse().expect("a known time zone"),
            start_time: Utc
                .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                .single()
                .expect("t"),
            end_time: None,
        },
        next_fire_time: None,
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: crate::model::MisfireInstruction::FireOnceNow,
        priority: 5,
    }
}

fn store_with_job(trigger: Option<TriggerDefinition>) -> MockJobStorePort {
    let mut store = MockJobStorePort::new();
    store.expect_get_job().returning(|k| {
        Ok((k == &key()).then(|| JobDefinition {
            key: k.clone(),
            component_id: "urn:c".into(),
            description: None,
            spec: crate::model::SparkJobSpec::new(
                "/jobs/app.jar".parse().expect("jar"),
                "com.example.Main".parse().expect("class name"),
            ),
            non_concurrent: true,
            run_policy: Default::default(),
        }))
    });
    store
        .expect_get_trigger()
        .returning(move |_| Ok(trigger.clone()));
    store
}

#[tokio::test]
async fn a_manual_run_with_parameters_is_checked_then_queued_with_them() {
    let queued: Arc<std::sync::Mutex<Vec<RunRecord>>> = Arc::default();
    let seen = Arc::clone(&queued);
    let mut scheduler = MockSchedulerStorePort::new();
    scheduler
        .expect_queue_runs()
        .times(1)
        .returning(move |job, runs| {
            seen.lock().expect("lock").extend(runs.iter().cloned());
            Ok(job == &key())
        });
    let control = JobControl::new(jobs(MockJobStorePort::new()), Arc::new(scheduler), None);

    // Refused by the conf policy: 400 naming the field, nothing queued.
    let bad = RunParameters {
        args: None,
        conf: Some(
            [(
                "spark.driver.extraJavaOptions".to_string(),
                "-Dx".to_string(),
            )]
            .into(),
        ),
    };
    match control.start_now_with(&key(), Some(bad)).await {
        Err(UseCaseError::Invalid(i)) => {
            assert!(
                i.to_string()
                    .starts_with("conf.spark.driver.extraJavaOptions: "),
                "{i}"
            )
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    let answer = control
        .start_now_with(&key(), Some(params(&["--day", "2026-11-24"])))
        .await
        .expect("queued");
    let runs = queued.lock().expect("lock").clone();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(
        answer.run_id.as_deref(),
        Some(run.run_id.as_str()),
        "the id at once"
    );
    assert_eq!(answer.trigger_key, run.trigger_key);
    assert!(run.trigger_key.name.starts_with("manual-"));
    assert_eq!(
        (run.state, run.scheduled_fire_time),
        (RunState::Queued, now())
    );
    assert_eq!(run.parameters, Some(params(&["--day", "2026-11-24"])));
    assert_eq!(run.backfill, None);
    assert!(
        answer.message.contains("QUEUED") && answer.message.contains("scheduler.enabled"),
        "{}",
        answer.message
    );
}

#[tokio::test]
async fn without_parameters_the_trigger_is_the_one_shot_trigger() {
    let mut store = MockJobStorePort::new();
    store.expect_add_trigger().times(2).returning(|_| Ok(true));
    let control = JobControl::new(jobs(store), Arc::new(MockSchedulerStorePort::new()), None);
    for p in [None, Some(RunParameters::default())] {
        let a = control.start_now_with(&key(), p).await.expect("trigger");
        assert_eq!((a.run_id, a.message.as_str()), (None, NO_ENGINE_HERE));
    }
}

#[tokio::test]
async fn a_rerun_keeps_the_nominal_time_and_parameters() {
    let mut store = MockJobStorePort::new();
    store
        .expect_get_run()
        .returning(|id| Ok((id != "nope").then(|| ended_run(id, Some(params(&["--x"]))))));
    let queued: Arc<std::sync::Mutex<Vec<RunRecord>>> = Arc::default();
    let seen = Arc::clone(&queued);
    let mut scheduler = MockSchedulerStorePort::new();
    scheduler.expect_queue_runs().returning(move |_, runs| {
        seen.lock().expect("lock").extend(runs.iter().cloned());
        Ok(runs[0].run_id.len() == 32 && seen.lock().expect("lock").len() == 1)
    });
    let engine = Arc::new(CountingEngine::default());
    let control = JobControl::new(jobs(store), Arc::new(scheduler), Some(engine.clone()))
        .with_run_wait(Duration::from_millis(20));
    assert!(matches!(
        control.rerun("nope").await,
        Err(UseCaseError::NotFound(_))
    ));
    let a = control.rerun("r1").await.expect("rerun");
    let runs = queued.lock().expect("lock").clone();
    assert_eq!(a.rerun_of, "r1");
    assert_eq!(a.run_id, runs[0].run_id);
    assert_eq!(
        runs[0].scheduled_fire_time,
        now() - chrono::Duration::days(3)
    );
    assert_eq!(a.scheduled_fire_time, runs[0].scheduled_fire_time);
    assert_eq!(runs[0].parameters, Some(params(&["--x"])));
    assert!(runs[0].trigger_key.name.starts_with("rerun-"));
    assert!(
        engine.wakes.load(Ordering::SeqCst) >= 1,
        "the engine is woken"
    );
    // The job is gone (the store queues nothing): 400 naming runId.
    match control.rerun("r1").await {
        Err(UseCaseError::Invalid(i)) => {
            assert!(
                i.to_string().starts_with("runId: ")
                    && i.to_string().contains("no longer provisioned"),
                "{i}"
            )
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

fn window(from_day: u32, to_day: u32, dry_run: bool, max_parallel: Option<u32>) -> BackfillRequest {
    BackfillRequest {
        from: Utc
            .with_ymd_and_hms(2026, 3, from_day, 0, 0, 0)
            .single()
            .expect("t"),
        to: Utc
            .with_ymd_and_hms(2026, 3, to_day, 23, 59, 59)
            .single()
            .expect("t"),
        dry_run,
        max_parallel,
    }
}

#[tokio::test]
async fn a_backfill_queues_one_run_per_fire_time_with_its_cap() {
    let queued: Arc<std::sync::Mutex<Vec<RunRecord>>> = Arc::default();
    let seen = Arc::clone(&queued);
    let mut scheduler = MockSchedulerStorePort::new();
    scheduler
        .expect_queue_runs()
        .times(1)
        .returning(move |_, runs| {
            seen.lock().expect("lock").extend(runs.iter().cloned());
            Ok(true)
        });
    let control = JobControl::new(
        jobs(store_with_job(Some(schedule_trigger()))),
        Arc::new(scheduler),
        None,
    )
    .with_backfill_max_runs(5);

    // Dry run: the fire times (Mon to Wed, 02:30 UTC), nothing queued.
    let dry = control
        .backfill(&key(), &window(2, 4, true, None))
        .await
        .expect("dry");
    assert_eq!(dry.fire_times.len(), 3);
    assert!(dry.run_ids.is_empty() && dry.backfill_id.is_none());
    // Past the bound: refused with the count.
    match control.backfill(&key(), &window(2, 13, false, None)).await {
        Err(UseCaseError::Invalid(i)) => {
            assert!(i.to_string().contains("holds 10 fire times"), "{i}")
        }
        other => panic!("expected invalid, got {other:?}"),
    }
    let done = control
        .backfill(&key(), &window(2, 4, false, Some(2)))
        .await
        .expect("queued");
    let runs = queued.lock().expect("lock").clone();
    assert_eq!(
        done.run_ids,
        runs.iter().map(|r| r.run_id.clone()).collect::<Vec<_>>()
    );
    assert_eq!(
        runs.iter()
            .map(|r| r.scheduled_fire_time)
            .collect::<Vec<_>>(),
        done.fire_times
    );
    let id = done.backfill_id.clone().expect("id");
    for r in &runs {
        assert_eq!(r.state, RunState::Queued);
        assert_eq!(
            r.backfill,
            Some(BackfillSlot {
                id: id.clone(),
                max_parallel: 2
            })
        );
        assert_eq!(r.trigger_key.name, format!("backfill-{id}"));
    }
    // Unknown job, job without schedule, a window in the future.
    assert!(matches!(
        control
            .backfill(&JobKey::new("g", "nope"), &window(2, 4, true, None))
            .await,
        Err(UseCaseError::NotFound(_))
    ));
    let mut late = window(2, 4, true, None);
    late.to = now() + chrono::Duration::days(1);
    assert!(matches!(
        control.backfill(&key(), &late).await,
        Err(UseCaseError::Invalid(_))
    ));
    let unscheduled = JobControl::new(
        jobs(store_with_job(None)),
        Arc::new(MockSchedulerStorePort::new()),
        None,
    );
    match unscheduled
        .backfill(&key(), &window(2, 4, true, None))
        .await
    {
        Err(UseCaseError::Invalid(i)) => assert!(i.to_string().contains("has no schedule"), "{i}"),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn bulk_pause_and_resume_count_and_resume_wakes_the_engine() {
    let mut scheduler = MockSchedulerStorePort::new();
    scheduler
        .expect_set_jobs_paused()
        .with(eq(Some("dp".to_string())), eq(true))
        .returning(|_, _| {
            Ok(PausedCount {
                jobs: 2,
                triggers: 3,
            })
        });
    scheduler
        .expect_set_jobs_paused()
        .with(eq(None), eq(false))
        .returning(|_, _| {
            Ok(PausedCount {
                jobs: 1,
                triggers: 1,
            })
        });
    let mut engine = MockEnginePort::new();
    engine.expect_wake().times(1).return_const(());
    let control = JobControl::new(
        jobs(MockJobStorePort::new()),
        Arc::new(scheduler),
        Some(Arc::new(engine)),
    );
    let p = control
        .set_paused_all(Some("dp".into()), true)
        .await
        .expect("pause");
    assert_eq!((p.jobs_changed, p.triggers_changed, p.paused), (2, 3, true));
    assert!(
        p.message.contains("data product dp") && p.message.contains("PAUSED"),
        "{}",
        p.message
    );
    let r = control.set_paused_all(None, false).await.expect("resume");
    assert_eq!(
        (r.jobs_changed, r.triggers_changed, r.data_product),
        (1, 1, None)
    );
    assert!(r.message.contains("all jobs"), "{}", r.message);
}
