//! The engine on a SQLite store: misfire handling (one fire, no burst),
//! Forbid skips while a run is in flight, pause and resume, a one-shot
//! trigger fires once and completes.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::clock::SystemClock;
use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, MisfireInstruction, RunFilter, RunPolicy, RunState, SparkJobSpec,
    TriggerDefinition, TriggerKey, TriggerSchedule, TriggerState,
};
use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, JobStorePort, LaunchError, LaunchRequest, LauncherBackend,
    SchedulerStorePort, SparkLauncherPort,
};
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use cdp_spark_scheduler::{Scheduler, SchedulerConfig};
use chrono::Utc;

/// Applications that never end.
struct NeverEnding;

#[async_trait]
impl SparkLauncherPort for NeverEnding {
    async fn submit(&self, r: &LaunchRequest) -> Result<ApplicationHandle, LaunchError> {
        Ok(ApplicationHandle {
            backend: LauncherBackend::Local,
            application_id: format!("app-{}", r.run_id),
            tracking_url: None,
        })
    }
    async fn status(&self, _h: &ApplicationHandle) -> Result<ApplicationState, LaunchError> {
        Ok(ApplicationState::Running { tracking_url: None })
    }
    async fn kill(&self, _h: &ApplicationHandle) -> Result<(), LaunchError> {
        Ok(())
    }
}

fn job(name: &str, policy: ConcurrencyPolicy) -> JobDefinition {
    JobDefinition {
        key: JobKey::new("dp", name),
        component_id: format!("urn:c:{name}"),
        description: None,
        spec: SparkJobSpec {
            jar: "hdfs://ns1/a.jar".into(),
            class_name: "A".into(),
            ..SparkJobSpec::default()
        },
        non_concurrent: policy != ConcurrencyPolicy::Allow,
        run_policy: RunPolicy {
            concurrency: policy,
            ..RunPolicy::default()
        },
    }
}

fn cron(j: &JobDefinition, expr: &str, next: chrono::DateTime<Utc>) -> TriggerDefinition {
    TriggerDefinition {
        key: j.key.scheduled_trigger_key(),
        job_key: j.key.clone(),
        schedule: TriggerSchedule::Cron {
            cron_expression: expr.into(),
            time_zone: "UTC".into(),
            start_time: next - chrono::Duration::days(1),
            end_time: None,
        },
        next_fire_time: Some(next),
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    }
}

async fn runs(store: &DieselJobStore, key: &JobKey) -> Vec<cdp_spark_domain::model::RunRecord> {
    store
        .list_runs(&RunFilter {
            job: Some(key.clone()),
            ..RunFilter::default()
        })
        .await
        .expect("runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misfire_forbid_pause_and_one_shot() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(
        DieselJobStore::open(StoreConfig::sqlite_in(dir.path().join("data")))
            .await
            .expect("open"),
    );
    let now = Utc::now();
    // Misfired two hours ago, every minute: one fire now, not 120.
    let late = job("late", ConcurrencyPolicy::Allow);
    store
        .replace_job(
            &late,
            Some(cron(&late, "0 * * * * ?", now - chrono::Duration::hours(2))),
        )
        .await
        .expect("late");
    // Every second, Forbid, applications never end: one run, then skips.
    let busy = job("busy", ConcurrencyPolicy::Forbid);
    store
        .replace_job(&busy, Some(cron(&busy, "* * * * * ?", now)))
        .await
        .expect("busy");
    // Paused before it is due.
    let paused = job("paused", ConcurrencyPolicy::Allow);
    store
        .replace_job(&paused, Some(cron(&paused, "* * * * * ?", now)))
        .await
        .expect("paused");
    assert_eq!(
        store
            .set_job_paused(&paused.key, true)
            .await
            .expect("pause"),
        Some(1)
    );
    assert_eq!(
        store
            .set_job_paused(&JobKey::new("dp", "missing"), true)
            .await
            .expect("pause missing"),
        None
    );
    // A manual one-shot of a job without schedule.
    let manual = job("manual", ConcurrencyPolicy::Forbid);
    store.replace_job(&manual, None).await.expect("manual");
    let once = TriggerDefinition {
        key: TriggerKey::new("dp", "manual-1"),
        job_key: manual.key.clone(),
        schedule: TriggerSchedule::Once { start_time: now },
        next_fire_time: Some(now),
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    };
    assert!(store.add_trigger(&once).await.expect("add"));

    let mut config = SchedulerConfig::new("solo");
    config.follow_interval = Duration::from_millis(300);
    config.checkin_interval = Duration::from_millis(500);
    config.dead_after = Duration::from_secs(3);
    let handle = Scheduler::start(
        config,
        store.clone(),
        store.clone(),
        Arc::new(NeverEnding),
        Arc::new(SystemClock),
    )
    .expect("start");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    handle.stop().await;

    let late_runs = runs(&store, &late.key).await;
    // The schedule's own fires fall on whole minutes; when the test runs
    // just before one, that fire is made too, after the misfire's.
    let on_schedule = |r: &&cdp_spark_domain::model::RunRecord| {
        r.scheduled_fire_time.timestamp_millis() % 60_000 == 0
            && r.scheduled_fire_time > now + chrono::Duration::milliseconds(50)
    };
    let (regular, misfired): (Vec<_>, Vec<_>) = late_runs.iter().partition(on_schedule);
    assert_eq!(misfired.len(), 1, "a misfire fires once: {late_runs:?}");
    assert!(regular.len() <= 1, "then the schedule resumes: {late_runs:?}");
    assert_eq!(misfired[0].state, RunState::Running);
    assert!(
        misfired[0].scheduled_fire_time > now,
        "fired now, not at the missed time"
    );
    let t = store
        .get_trigger(&late.key.scheduled_trigger_key())
        .await
        .expect("t")
        .expect("t");
    assert!(t.next_fire_time.expect("next") > Utc::now() - chrono::Duration::seconds(5));

    let busy_runs = runs(&store, &busy.key).await;
    let started: Vec<_> = busy_runs
        .iter()
        .filter(|r| r.state == RunState::Running)
        .collect();
    let skipped: Vec<_> = busy_runs
        .iter()
        .filter(|r| r.state == RunState::Skipped)
        .collect();
    assert_eq!(started.len(), 1, "Forbid: one run at a time: {busy_runs:?}");
    assert!(skipped.len() >= 2, "later fires skipped: {busy_runs:?}");
    assert!(skipped.iter().all(|r| r
        .error
        .as_deref()
        .is_some_and(|e| e.contains(&started[0].run_id) && e.contains("Forbid"))));

    assert!(
        runs(&store, &paused.key).await.is_empty(),
        "a paused job does not fire"
    );
    let t = store
        .get_trigger(&paused.key.scheduled_trigger_key())
        .await
        .expect("t")
        .expect("t");
    assert_eq!(t.state, TriggerState::Paused);
    assert_eq!(
        store
            .set_job_paused(&paused.key, false)
            .await
            .expect("resume"),
        Some(1)
    );
    let t = store
        .get_trigger(&paused.key.scheduled_trigger_key())
        .await
        .expect("t")
        .expect("t");
    assert_eq!(t.state, TriggerState::Waiting);

    let manual_runs = runs(&store, &manual.key).await;
    assert_eq!(manual_runs.len(), 1);
    assert_eq!(manual_runs[0].trigger_key, once.key);
    let t = store.get_trigger(&once.key).await.expect("t").expect("t");
    assert_eq!(t.state, TriggerState::Complete);
    assert_eq!(t.next_fire_time, None);
}
