//! The notification outbox (`CDP_NOTIFICATIONS`) through the real fire
//! path, two stores on one database standing for two instances: one row
//! per transition however many times and by whichever store the run's end
//! is written; a deadline row written at acquisition and withdrawn when the
//! run ends in time; a claimed delivery held by one claimer only; retries
//! counted; the recovery event after a failure; the per-job times.

use crate::common;

use std::collections::BTreeSet;
use std::time::Duration;

use cdp_spark_domain::model::{RunRecord, RunState};
use cdp_spark_domain::notify::{Delivery, Route, Routes};
use cdp_spark_domain::ports::{
    AcquireRequest, JobStorePort, JobTimesPort, OutboxPort, SchedulerStorePort,
};
use cdp_spark_jobstore::DieselJobStore;
use chrono::Utc;
use common::{manual_trigger, sample_job, Db, TestStore};

on_both_backends!(one_event_per_transition_across_instances);

fn routes() -> Routes {
    Routes(vec![
        Route {
            name: "all".into(),
            data_products: None,
        },
        Route {
            name: "elsewhere".into(),
            data_products: Some(BTreeSet::from(["another-dp".to_string()])),
        },
    ])
}

fn request() -> AcquireRequest {
    AcquireRequest {
        instance_id: "me".into(),
        batch_size: 10,
        look_ahead: chrono::Duration::seconds(5),
        misfire_threshold: chrono::Duration::seconds(60),
    }
}

/// One run of `job` fired now, claimed and `RUNNING`.
async fn running_run(t: &TestStore, job: &cdp_spark_domain::model::JobDefinition) -> RunRecord {
    let now = Utc::now() - chrono::Duration::seconds(1);
    assert!(t
        .store
        .add_trigger(&manual_trigger(
            job,
            now + chrono::Duration::milliseconds(1)
        ))
        .await
        .expect("trigger"));
    let acquired = t.store.acquire_fires(&request()).await.expect("acquire");
    assert_eq!(acquired.fires.len(), 1);
    let mut run = acquired.fires[0].run.clone();
    t.store
        .claim_fires("me", std::slice::from_ref(&run.run_id))
        .await
        .expect("claim");
    run.state = RunState::Running;
    run.application_id = Some(format!("app-{}", run.run_id));
    t.store.update_runs(&[run.clone()]).await.expect("running");
    run
}

fn ended(run: &RunRecord, state: RunState) -> RunRecord {
    let mut r = run.clone();
    r.end(state, Some("boom password=hunter2".into()), Utc::now());
    r
}

fn count(t: &TestStore, filter: &str) -> i64 {
    t.count(&format!(
        "SELECT COUNT(*) AS N FROM {}CDP_NOTIFICATIONS WHERE {filter}",
        t.config.table_prefix
    ))
}

async fn one_event_per_transition_across_instances(db: Db) {
    let t = TestStore::open(db).await;
    let other = DieselJobStore::open(t.config.clone())
        .await
        .expect("second store");
    assert!(t.store.set_notification_routes(routes()));
    assert!(!t.store.set_notification_routes(routes()), "set once");
    assert!(other.set_notification_routes(routes()));

    let mut job = sample_job("dp", "job0");
    job.run_policy.deadline_secs = Some(3600);
    t.store.replace_job(&job, None).await.expect("job");

    // The fire writes the deadline row (only for the webhook of every data
    // product), due an hour after the nominal time.
    let first = running_run(&t, &job).await;
    assert_eq!(
        count(&t, "KIND = 'DEADLINE_MISSED' AND STATE = 'PENDING'"),
        1
    );
    assert_eq!(count(&t, "TARGET = 'elsewhere'"), 0);

    // The failure is written three times, by both stores: one row.
    let failed = ended(&first, RunState::Failed);
    t.store
        .finish_runs("me", std::slice::from_ref(&failed))
        .await
        .expect("finish");
    t.store
        .update_runs(std::slice::from_ref(&failed))
        .await
        .expect("again");
    other
        .update_runs(std::slice::from_ref(&failed))
        .await
        .expect("by the other");
    assert_eq!(count(&t, "KIND = 'RUN_FAILED'"), 1);
    // Ended in time: the deadline row is withdrawn.
    assert_eq!(
        count(&t, "KIND = 'DEADLINE_MISSED' AND STATE = 'CANCELLED'"),
        1
    );

    // Two claimers at once: the one due delivery goes to one of them.
    let lease = Duration::from_secs(60);
    let (a, b) = tokio::join!(
        t.store.claim_notifications(10, lease),
        other.claim_notifications(10, lease)
    );
    let (a, b) = (a.expect("claim a"), b.expect("claim b"));
    assert_eq!(a.len() + b.len(), 1, "{a:?} {b:?}");
    let entry = a.into_iter().chain(b).next().expect("one claimed");
    assert_eq!(entry.attempts, 1);
    assert_eq!(entry.target, "all");
    let payload: serde_json::Value = serde_json::from_str(&entry.payload).expect("json");
    assert_eq!(payload["kind"], "RUN_FAILED");
    assert_eq!(payload["eventId"], entry.event_id.as_str());
    assert_eq!(payload["runId"], first.run_id.as_str());
    assert_eq!(payload["component"], job.component_id.as_str());
    assert!(!entry.payload.contains("hunter2"), "{}", entry.payload);
    // Held: nobody claims it again meanwhile.
    assert!(other
        .claim_notifications(10, lease)
        .await
        .expect("claim")
        .is_empty());

    // A failed attempt: pending again, due at once (no wait); the next
    // claim counts the second attempt, same event id.
    let retry = Delivery::Retry {
        after: Duration::ZERO,
        error: "HTTP 503".into(),
    };
    assert!(t
        .store
        .complete_notification(&entry, &retry)
        .await
        .expect("retry"));
    assert!(
        !t.store
            .complete_notification(&entry, &Delivery::Sent)
            .await
            .expect("stale"),
        "the old lease no longer holds it"
    );
    let again = other.claim_notifications(10, lease).await.expect("claim");
    assert_eq!(again.len(), 1);
    assert_eq!(
        (again[0].attempts, &again[0].event_id),
        (2, &entry.event_id)
    );
    assert!(other
        .complete_notification(&again[0], &Delivery::Sent)
        .await
        .expect("sent"));
    assert_eq!(count(&t, "STATE = 'SENT' AND SENT_AT IS NOT NULL"), 1);
    assert!(t
        .store
        .claim_notifications(10, lease)
        .await
        .expect("claim")
        .is_empty());

    // The next success after the failure: one recovery event; the one
    // after that: none.
    let second = running_run(&t, &job).await;
    let ok = ended(&second, RunState::Succeeded);
    t.store
        .finish_runs("me", std::slice::from_ref(&ok))
        .await
        .expect("finish");
    other
        .update_runs(std::slice::from_ref(&ok))
        .await
        .expect("again");
    assert_eq!(count(&t, "KIND = 'RUN_RECOVERED'"), 1);
    let third = running_run(&t, &job).await;
    let ok3 = ended(&third, RunState::Succeeded);
    t.store
        .finish_runs("me", std::slice::from_ref(&ok3))
        .await
        .expect("finish");
    assert_eq!(count(&t, "KIND = 'RUN_RECOVERED'"), 1);
    assert_eq!(count(&t, "KIND IN ('RUN_FAILED', 'RUN_RECOVERED')"), 2);

    // A run still going past its deadline: its row becomes due.
    let mut late_job = sample_job("dp", "late");
    late_job.run_policy.deadline_secs = Some(1);
    t.store.replace_job(&late_job, None).await.expect("job");
    let late = running_run(&t, &late_job).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let due = t.store.claim_notifications(10, lease).await.expect("claim");
    let kinds: Vec<&str> = due.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"DEADLINE_MISSED"), "{kinds:?}");
    let d = due
        .iter()
        .find(|e| e.kind.as_str() == "DEADLINE_MISSED")
        .expect("deadline");
    assert!(d.payload.contains(&late.run_id));
    assert!(t
        .store
        .complete_notification(
            d,
            &Delivery::Failed {
                error: "HTTP 404".into()
            }
        )
        .await
        .expect("failed"));
    assert_eq!(count(&t, "STATE = 'FAILED' AND LAST_ERROR = 'HTTP 404'"), 1);

    // Purge: the ended deliveries (sent, given up, withdrawn) once old
    // enough; the pending ones stay.
    let ended = count(&t, "STATE IN ('SENT', 'FAILED', 'CANCELLED')");
    let all = t.rows("CDP_NOTIFICATIONS");
    assert!(ended >= 3 && all > ended, "{ended} of {all}");
    let kept = t
        .store
        .purge_notifications(Duration::from_secs(3600))
        .await
        .expect("purge");
    assert_eq!(kept, 0, "nothing that old");
    tokio::time::sleep(Duration::from_millis(20)).await;
    let purged = t
        .store
        .purge_notifications(Duration::from_millis(1))
        .await
        .expect("purge");
    assert_eq!(purged as i64, ended);
    assert_eq!(t.rows("CDP_NOTIFICATIONS"), all - ended);

    // Per-job times: the last success of job0, no next fire (one-shot
    // triggers are gone once fired).
    let times = t.store.job_times(10).await.expect("times");
    let job0 = times.iter().find(|j| j.job == job.key).expect("job0");
    assert_eq!(
        job0.last_success.map(|t| t.timestamp_millis()),
        ok3.ended_at.map(|t| t.timestamp_millis())
    );
    assert_eq!(job0.next_fire, None);
}

/// Without routes nothing is written.
#[tokio::test]
async fn no_webhook_no_row() {
    let t = TestStore::open(Db::Sqlite).await;
    let job = sample_job("dp", "quiet");
    t.store.replace_job(&job, None).await.expect("job");
    let run = running_run(&t, &job).await;
    t.store
        .finish_runs("me", &[ended(&run, RunState::Failed)])
        .await
        .expect("finish");
    assert_eq!(t.rows("CDP_NOTIFICATIONS"), 0);
    assert!(t
        .store
        .claim_notifications(10, Duration::from_secs(5))
        .await
        .expect("claim")
        .is_empty());
}

/// The recovery check reads the run that ended before a success by the
/// index on (job, `ENDED_AT`), walking backwards from the success: no scan
/// of the job's history, no sort (SQLite's plan, the statement as
/// `outbox.rs` writes it).
#[tokio::test]
async fn the_run_before_a_success_is_found_on_the_end_index() {
    use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "detail")]
        detail: String,
    }
    let t = TestStore::open(Db::Sqlite).await;
    let sql = format!(
        "EXPLAIN QUERY PLAN SELECT STATE AS STATE FROM {}CDP_RUNS WHERE SCHED_NAME = 's' \
         AND JOB_GROUP = 'g' AND JOB_NAME = 'n' AND RUN_ID <> 'r' AND ENDED_AT IS NOT NULL \
         AND ENDED_AT <= 5 AND STATE <> 'SKIPPED' ORDER BY ENDED_AT DESC LIMIT 1",
        t.config.table_prefix
    );
    let mut c = SqliteConnection::establish(&t.sqlite_path()).expect("sqlite");
    let plan: Vec<Step> = diesel::sql_query(&sql).load(&mut c).expect("plan");
    let text: Vec<&str> = plan.iter().map(|s| s.detail.as_str()).collect();
    let text = text.join("\n");
    assert!(text.contains("CDP_R_JOB_ENDED"), "{text}");
    assert!(
        !text.contains("TEMP B-TREE"),
        "sorted without the index: {text}"
    );
}
