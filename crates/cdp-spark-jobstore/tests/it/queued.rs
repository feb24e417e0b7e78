//! Queued runs on both backends: two store instances on one database
//! acquiring at the same time start every queued run exactly once, a
//! backfill never has more than its cap in flight, parameters survive the
//! round trip; queued runs of a paused job wait, of a gone job end
//! `SKIPPED`; bulk pause and resume count what they changed.

use crate::common;

use std::collections::BTreeSet;

use cdp_spark_domain::model::{BackfillSlot, JobKey, RunRecord, RunState, TriggerKey};
use cdp_spark_domain::ports::{AcquireRequest, JobStorePort, PausedCount, SchedulerStorePort};
use cdp_spark_domain::scheduling::backfill::queued_run;
use cdp_spark_domain::scheduling::queued::JOB_GONE;
use cdp_spark_domain::scheduling::run_parameters::RunParameters;
use cdp_spark_jobstore::DieselJobStore;
use chrono::{Duration, Utc};
use common::{at, cron_trigger, sample_job, Db, TestStore};

on_both_backends!(
    queued_runs_start_once_across_two_stores_within_the_cap,
    paused_jobs_wait_gone_jobs_end_and_bulk_pause_counts,
);

const CAP: u32 = 2;
const BACKFILL_RUNS: usize = 7;

fn request(instance: &str) -> AcquireRequest {
    AcquireRequest {
        instance_id: instance.into(),
        batch_size: 50,
        look_ahead: Duration::milliseconds(700),
        misfire_threshold: Duration::seconds(60),
    }
}

fn backfill_runs(job: &JobKey, id: &str, n: usize) -> Vec<RunRecord> {
    let now = Utc::now();
    (0..n)
        .map(|i| {
            queued_run(
                format!("{id}-{i:02}"),
                job,
                TriggerKey::new(job.group.clone(), format!("backfill-{id}")),
                at(2026, 1, 1, 2, 0, 0) + Duration::days(i as i64),
                None,
                Some(BackfillSlot {
                    id: id.into(),
                    max_parallel: CAP,
                }),
                now,
            )
        })
        .collect()
}

async fn queued_runs_start_once_across_two_stores_within_the_cap(db: Db) {
    let t = TestStore::open(db).await;
    let other = DieselJobStore::open(t.config.clone())
        .await
        .expect("second store");
    let job = sample_job("dp", "backfilled");
    let manual = sample_job("dp", "manual");
    for j in [&job, &manual] {
        t.store.replace_job(j, None).await.expect("job");
    }
    t.store
        .queue_runs(&job.key, &backfill_runs(&job.key, "bf", BACKFILL_RUNS))
        .await
        .expect("queue");
    let params = RunParameters {
        args: Some(vec!["--date".into(), "2026-01-01".into()]),
        conf: Some([("spark.sql.shuffle.partitions".to_string(), "4".to_string())].into()),
    };
    let now = Utc::now();
    let m = queued_run(
        "manual-1".into(),
        &manual.key,
        TriggerKey::new("dp", "manual-x"),
        now,
        Some(params.clone()),
        None,
        now,
    );
    assert!(t.store.queue_runs(&manual.key, &[m]).await.expect("queue"));
    assert_eq!(
        t.store
            .get_run("manual-1")
            .await
            .expect("get")
            .map(|r| (r.state, r.parameters)),
        Some((RunState::Queued, Some(params.clone()))),
        "stored QUEUED with its parameters"
    );

    let in_flight = format!(
        "SELECT COUNT(*) AS N FROM {}CDP_RUNS WHERE BACKFILL_ID = 'bf' AND STATE IN ('SUBMITTING', 'RUNNING')",
        t.config.table_prefix
    );
    let mut started: Vec<String> = Vec::new();
    let mut order: Vec<String> = Vec::new();
    for round in 0..20 {
        // Both instances acquire at the same time.
        let (ra, rb) = (request("a"), request("b"));
        let (a, b) = tokio::join!(t.store.acquire_fires(&ra), other.acquire_fires(&rb));
        let mut ended = Vec::new();
        for (me, acquired, store) in [("a", a, &t.store), ("b", b, &other)] {
            let acquired = acquired.expect("acquire");
            let ids: Vec<String> = acquired
                .fires
                .iter()
                .map(|f| f.run.run_id.clone())
                .collect();
            assert_eq!(
                store.claim_fires(me, &ids).await.expect("claim").len(),
                ids.len(),
                "the acquiring instance owns its fires"
            );
            for f in acquired.fires {
                assert_eq!(f.run.state, RunState::Submitting);
                started.push(f.run.run_id.clone());
                if f.run.backfill.is_some() {
                    order.push(f.run.run_id.clone());
                }
                ended.push((me, store, f.run));
            }
        }
        let n = t.count(&in_flight);
        assert!(
            n <= i64::from(CAP),
            "round {round}: {n} runs of the backfill in flight"
        );
        if started.len() == BACKFILL_RUNS + 1 {
            break;
        }
        // End what started, so that the next round may start more.
        for (me, store, mut run) in ended {
            run.end(RunState::Succeeded, None, Utc::now());
            assert_eq!(
                store.finish_runs(me, &[run]).await.expect("finish").len(),
                1
            );
        }
    }
    let unique: BTreeSet<&String> = started.iter().collect();
    assert_eq!(
        unique.len(),
        started.len(),
        "no run started twice: {started:?}"
    );
    assert_eq!(started.len(), BACKFILL_RUNS + 1, "{started:?}");
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "oldest nominal time first");
    let run = t
        .store
        .get_run("manual-1")
        .await
        .expect("get")
        .expect("run");
    assert_eq!(
        run.parameters,
        Some(params),
        "parameters kept as it started and ended"
    );
    assert_eq!(run.state, RunState::Succeeded);
    let first = t.store.get_run("bf-00").await.expect("get").expect("run");
    assert_eq!(
        first.scheduled_fire_time,
        at(2026, 1, 1, 2, 0, 0),
        "nominal time kept"
    );
    assert_eq!(
        first.backfill,
        Some(BackfillSlot {
            id: "bf".into(),
            max_parallel: CAP
        })
    );
    assert_eq!(
        t.rows("CDP_RUNS"),
        BACKFILL_RUNS as i64 + 1,
        "no run added or lost"
    );
}

async fn paused_jobs_wait_gone_jobs_end_and_bulk_pause_counts(db: Db) {
    let t = TestStore::open(db).await;
    let paused = sample_job("dp-a", "paused");
    let gone = sample_job("dp-a", "gone");
    let other = sample_job("dp-b", "other");
    let far = at(2030, 6, 1, 3, 0, 0);
    for j in [&paused, &gone, &other] {
        t.store
            .replace_job(j, Some(cron_trigger(j, "0 0 3 * * ?", far)))
            .await
            .expect("job");
    }
    // Queueing for a job that does not exist stores nothing.
    let missing = JobKey::new("dp-a", "missing");
    assert!(!t
        .store
        .queue_runs(&missing, &backfill_runs(&missing, "none", 1))
        .await
        .expect("queue"));
    assert_eq!(t.rows("CDP_RUNS"), 0);

    // Pause every job of dp-a: two jobs, two triggers; again: nothing.
    let count = t
        .store
        .set_jobs_paused(Some("dp-a".into()), true)
        .await
        .expect("pause");
    assert_eq!(
        count,
        PausedCount {
            jobs: 2,
            triggers: 2
        }
    );
    let again = t
        .store
        .set_jobs_paused(Some("dp-a".into()), true)
        .await
        .expect("pause");
    assert_eq!(again, PausedCount::default());

    for j in [&paused, &gone] {
        assert!(t
            .store
            .queue_runs(&j.key, &backfill_runs(&j.key, &j.key.name, 1))
            .await
            .expect("queue"));
    }
    t.store.delete_job(&gone.key).await.expect("unprovision");
    let a = t.store.acquire_fires(&request("a")).await.expect("acquire");
    assert!(
        a.fires.is_empty(),
        "the paused job's run waits: {:?}",
        a.fires
    );
    assert_eq!(a.skipped.len(), 1, "{:?}", a.skipped);
    assert_eq!(a.skipped[0].run_id, "gone-00");
    assert_eq!(a.skipped[0].error.as_deref(), Some(JOB_GONE));
    let stored = t.store.get_run("gone-00").await.expect("get").expect("run");
    assert_eq!(stored.state, RunState::Skipped);
    let waiting = t
        .store
        .get_run("paused-00")
        .await
        .expect("get")
        .expect("run");
    assert_eq!(waiting.state, RunState::Queued);

    // Resume all: only dp-a's trigger was paused (gone's went with its job).
    let count = t.store.set_jobs_paused(None, false).await.expect("resume");
    assert_eq!(
        count,
        PausedCount {
            jobs: 1,
            triggers: 1
        }
    );
    let a = t.store.acquire_fires(&request("a")).await.expect("acquire");
    let ids: Vec<&str> = a.fires.iter().map(|f| f.run.run_id.as_str()).collect();
    assert_eq!(ids, ["paused-00"], "resumed: its queued run starts");
    // Pause all: every job with a trigger.
    let count = t
        .store
        .set_jobs_paused(None, true)
        .await
        .expect("pause all");
    assert_eq!(
        count,
        PausedCount {
            jobs: 2,
            triggers: 2
        }
    );
}
