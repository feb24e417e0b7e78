//! A run ends once: `SchedulerStorePort::finish_runs` writes a run's end
//! only for the instance that owns its fired row, and deletes that row in
//! the same transaction. Two instances (two stores on one database) that
//! both decide to end the same run, e.g. both see it past its
//! `maxDuration`, cannot both write it: the one the run was handed to by
//! recovery writes `TIMED_OUT`, the other writes nothing, and a second end
//! changes nothing. On both backends. Also: a job's `maxDuration` is
//! stored in `JOB_DATA` and read back typed.

use crate::common;

use cdp_spark_domain::model::{RunFilter, RunRecord, RunState};
use cdp_spark_domain::ports::{AcquireRequest, JobStorePort, SchedulerStorePort};
use cdp_spark_jobstore::DieselJobStore;
use chrono::Utc;
use common::{manual_trigger, sample_job, Db, TestStore};

on_both_backends!(two_instances_cannot_both_end_one_run);

async fn two_instances_cannot_both_end_one_run(db: Db) {
    let t = TestStore::open(db).await;
    let other = DieselJobStore::open(t.config.clone())
        .await
        .expect("a second store on the same database");
    let mut job = sample_job("dp", "limited");
    job.run_policy.max_duration = Some("PT90M".parse().expect("max duration"));
    t.store.replace_job(&job, None).await.expect("job");
    let read = other.get_job(&job.key).await.expect("read").expect("job");
    assert_eq!(
        read.run_policy.max_duration.map(|d| d.to_string()),
        Some("90m".into())
    );

    let now = Utc::now() - chrono::Duration::seconds(1);
    assert!(t
        .store
        .add_trigger(&manual_trigger(&job, now))
        .await
        .expect("trigger"));
    let acquired = t
        .store
        .acquire_fires(&AcquireRequest {
            instance_id: "a".into(),
            batch_size: 10,
            look_ahead: chrono::Duration::seconds(5),
            misfire_threshold: chrono::Duration::seconds(60),
        })
        .await
        .expect("acquire");
    assert_eq!(acquired.fires.len(), 1);
    let run_id = acquired.fires[0].run.run_id.clone();
    assert_eq!(
        t.store
            .claim_fires("a", std::slice::from_ref(&run_id))
            .await
            .expect("claim"),
        vec![run_id.clone()]
    );
    let running = RunRecord {
        state: RunState::Running,
        application_id: Some("application_1_0001".into()),
        ..acquired.fires[0].run.clone()
    };
    t.store
        .update_runs(std::slice::from_ref(&running))
        .await
        .expect("running");

    // "a" never checked in: "b" takes its run over at its check-in.
    let recovery = other
        .check_in(
            "b",
            chrono::Duration::seconds(1),
            chrono::Duration::seconds(10),
            false,
        )
        .await
        .expect("check in");
    assert_eq!(recovery.reattached, vec![run_id.clone()]);

    let ended = |by: &str| {
        let mut r = running.clone();
        r.end(
            RunState::TimedOut,
            Some(format!("timed out, ended by {by}")),
            Utc::now(),
        );
        r
    };
    // Both end it at once: only "b", its owner now, writes.
    let (end_a, end_b) = ([ended("a")], [ended("b")]);
    let (by_a, by_b) = tokio::join!(
        t.store.finish_runs("a", &end_a),
        other.finish_runs("b", &end_b)
    );
    assert_eq!(by_a.expect("a's finish"), Vec::<String>::new());
    assert_eq!(by_b.expect("b's finish"), vec![run_id.clone()]);
    // Ended once: a second end, by either, changes nothing.
    let mut again = running.clone();
    again.end(RunState::Succeeded, None, Utc::now());
    for (store, who) in [(&t.store, "a"), (&other, "b")] {
        assert!(store
            .finish_runs(who, &[again.clone()])
            .await
            .expect("finish again")
            .is_empty());
    }
    let stored = t.store.get_run(&run_id).await.expect("read").expect("run");
    assert_eq!(stored.state, RunState::TimedOut);
    assert_eq!(stored.error.as_deref(), Some("timed out, ended by b"));
    assert!(stored.ended_at.is_some());
    assert_eq!(
        t.rows("FIRED_TRIGGERS"),
        0,
        "the fired row went with the end"
    );
    assert!(other
        .runs_to_follow("b", None, 10)
        .await
        .expect("follow")
        .is_empty());
    // Listed by its state.
    let timed_out = t
        .store
        .list_runs(&RunFilter {
            state: Some(RunState::TimedOut),
            limit: 10,
            ..RunFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(timed_out.len(), 1);
    assert_eq!(timed_out[0].run_id, run_id);
}
