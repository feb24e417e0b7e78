//! Fixtures shared by the scheduler's integration tests: jobs and their
//! triggers, a SQLite store in a temporary directory, a configuration with
//! short intervals, one engine instance, the runs of the store and waiting
//! for them.
//!
//! Every test binary compiles this module on its own. The helpers that not
//! every binary uses carry `#[allow(dead_code)]`, with the binaries that do
//! without them named; the rest are used by all.

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::clock::SystemClock;
use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, MisfireInstruction, RunFilter, RunPolicy, RunRecord, SparkJobSpec,
    TriggerDefinition, TriggerKey, TriggerSchedule, TriggerState,
};
use cdp_spark_domain::ports::{JobStorePort, SparkLauncherPort};
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use cdp_spark_scheduler::{Scheduler, SchedulerConfig, SchedulerHandle};
use chrono::{DateTime, Utc};

/// The job `key` with `run_policy`; it is non-concurrent (Quartz
/// `@DisallowConcurrentExecution`) unless its runs may overlap.
pub fn job(key: JobKey, run_policy: RunPolicy) -> JobDefinition {
    JobDefinition {
        component_id: format!("urn:dmb:cmp:test:0:{}", key.name),
        key,
        description: None,
        spec: SparkJobSpec::new(
            "hdfs://ns1/apps/app.jar".parse().expect("jar"),
            "com.acme.App".parse().expect("class name"),
        ),
        non_concurrent: run_policy.concurrency != ConcurrencyPolicy::Allow,
        run_policy,
    }
}

/// The scheduled (cron, UTC) trigger of `job`, waiting for `next_fire_time`.
#[allow(dead_code)] // not used by: reattach_sqlite, retries_sqlite, unprovision_sqlite
pub fn cron(
    job: &JobKey,
    expression: &str,
    start_time: DateTime<Utc>,
    next_fire_time: DateTime<Utc>,
) -> TriggerDefinition {
    TriggerDefinition {
        key: job.scheduled_trigger_key(),
        job_key: job.clone(),
        schedule: TriggerSchedule::Cron {
            cron_expression: expression.parse().expect("a valid cron expression"),
            time_zone: "UTC".parse().expect("a known time zone"),
            start_time,
            end_time: None,
        },
        next_fire_time: Some(next_fire_time),
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    }
}

/// Stores `job` without a schedule and a one-shot trigger `trigger_name`
/// (in the job's group) for it, due `at`; answers that trigger.
#[allow(dead_code)] // not used by: cluster
pub async fn provision_one_shot(
    store: &DieselJobStore,
    job: &JobDefinition,
    trigger_name: impl Into<String>,
    at: DateTime<Utc>,
) -> TriggerDefinition {
    store.replace_job(job, None).await.expect("provision");
    let once = TriggerDefinition {
        key: TriggerKey::new(job.key.group.clone(), trigger_name),
        job_key: job.key.clone(),
        schedule: TriggerSchedule::Once { start_time: at },
        next_fire_time: Some(at),
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    };
    assert!(
        store.add_trigger(&once).await.expect("add trigger"),
        "the one-shot trigger {} of {} was not stored",
        once.key,
        job.key
    );
    once
}

/// A SQLite store in a new temporary directory (removed when the returned
/// directory is dropped: keep it as long as the store).
#[allow(dead_code)] // not used by: cluster
pub async fn sqlite_store() -> (tempfile::TempDir, Arc<DieselJobStore>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = DieselJobStore::open(StoreConfig::sqlite_in(dir.path().join("data")))
        .await
        .expect("open the store");
    (dir, Arc::new(store))
}

/// The configuration of instance `name` with the given periods (the tests'
/// are short); everything else as by default.
pub fn config(
    name: &str,
    follow_interval: Duration,
    checkin_interval: Duration,
    dead_after: Duration,
) -> SchedulerConfig {
    let mut c = SchedulerConfig::new(name);
    // The recording launcher starts no JVM, and the tests fire more jobs at
    // once than the machine-sized default lets submit together.
    c.max_concurrent_submits = 64;
    c.follow_interval = follow_interval;
    c.checkin_interval = checkin_interval;
    c.dead_after = dead_after;
    c
}

/// Starts one engine instance on `store` (its scheduler and job store) with
/// the system clock.
#[allow(dead_code)] // not used by: cluster, unprovision_sqlite
pub fn start(
    config: SchedulerConfig,
    store: &Arc<DieselJobStore>,
    launcher: Arc<dyn SparkLauncherPort>,
) -> SchedulerHandle {
    Scheduler::start(
        config,
        store.clone(),
        store.clone(),
        launcher,
        Arc::new(SystemClock),
    )
    .expect("start the scheduler")
}

/// The runs of `job` (all runs without one), by job, then oldest first.
pub async fn runs(store: &DieselJobStore, job: Option<&JobKey>) -> Vec<RunRecord> {
    let mut runs = store
        .list_runs(&RunFilter {
            job: job.cloned(),
            ..RunFilter::default()
        })
        .await
        .expect("list runs");
    runs.sort_by(|a, b| {
        (&a.job_key, a.actual_fire_time, &a.run_id).cmp(&(
            &b.job_key,
            b.actual_fire_time,
            &b.run_id,
        ))
    });
    runs
}

/// Probes every `every` until `done` holds for what `probe` answers, and
/// answers that; fails saying `what` was not reached within `limit`, with
/// the last answer.
#[allow(dead_code)] // not used by: cluster, engine_sqlite
pub async fn wait_for<T, F, Fut>(
    limit: Duration,
    every: Duration,
    what: &str,
    mut probe: F,
    done: impl Fn(&T) -> bool,
) -> T
where
    T: Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = T>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let seen = probe().await;
        if done(&seen) {
            return seen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not reached within {limit:?}: {seen:#?}"
        );
        tokio::time::sleep(every).await;
    }
}

/// [`wait_for`] on [`runs`]`(store, job)`.
#[allow(dead_code)] // not used by: cluster, engine_sqlite
pub async fn wait_for_runs(
    store: &DieselJobStore,
    job: Option<&JobKey>,
    limit: Duration,
    every: Duration,
    what: &str,
    done: impl Fn(&[RunRecord]) -> bool,
) -> Vec<RunRecord> {
    wait_for(
        limit,
        every,
        what,
        || runs(store, job),
        |r: &Vec<RunRecord>| done(r),
    )
    .await
}
