//! Runs' logs on both backends: stored, replaced, read back whole (a log
//! of the launcher's default bound, awkward text), and deleted with the
//! job's ended runs (`removeData: true`), runs in flight and other jobs'
//! runs kept.

use crate::common;

use cdp_spark_domain::model::{JobKey, RunFilter, RunRecord, RunState, TriggerKey};
use cdp_spark_domain::ports::{JobStorePort, RunLogStorePort, SchedulerStorePort};
use cdp_spark_domain::runlog::{LogSource, StoredRunLog, DEFAULT_RUN_LOG_MAX_BYTES};
use common::{at, Db, TestStore};

on_both_backends!(
    logs_are_stored_replaced_and_read_back,
    removing_the_history_deletes_ended_runs_and_their_logs_only,
);

fn run(id: &str, job: &JobKey, state: RunState) -> RunRecord {
    let fired = at(2029, 12, 1, 2, 0, 0);
    RunRecord {
        run_id: id.into(),
        job_key: job.clone(),
        trigger_key: TriggerKey::new(job.group.clone(), format!("{}Trigger", job.name)),
        scheduled_fire_time: fired,
        actual_fire_time: fired,
        application_id: None,
        tracking_url: None,
        state,
        final_status: None,
        created_at: fired,
        updated_at: fired,
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

fn log(run_id: &str, text: String, seen: u64) -> StoredRunLog {
    let text_len = text.len() as u64;
    StoredRunLog {
        run_id: run_id.into(),
        text,
        bytes_seen: seen,
        truncated: seen > text_len,
        source: LogSource::SparkSubmit,
        updated_at: at(2029, 12, 1, 2, 0, 5),
    }
}

async fn logs_are_stored_replaced_and_read_back(db: Db) {
    let t = TestStore::open(db).await;
    assert_eq!(t.store.get_run_log("r1").await.expect("read"), None);
    let first = log("r1", "Pi is roughly 3.14\n".into(), 19);
    t.store.save_run_log(&first).await.expect("save");
    assert_eq!(t.store.get_run_log("r1").await.expect("read"), Some(first));
    // A whole log of the default bound, with multi-byte text and quotes.
    let line = "INFO ünïcödé 'quoted' \"double\" \\ back\tslash €\n";
    let mut text = String::new();
    while text.len() + line.len() <= DEFAULT_RUN_LOG_MAX_BYTES as usize {
        text.push_str(line);
    }
    let big = StoredRunLog {
        source: LogSource::YarnAggregated,
        ..log("r1", text, 5 * DEFAULT_RUN_LOG_MAX_BYTES)
    };
    t.store.save_run_log(&big).await.expect("replace");
    let back = t
        .store
        .get_run_log("r1")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(back.text.len(), big.text.len());
    assert_eq!(back, big);
    // Unknown and over-long ids name no log.
    assert_eq!(t.store.get_run_log("r2").await.expect("read"), None);
    assert_eq!(
        t.store.get_run_log(&"x".repeat(500)).await.expect("read"),
        None
    );
    let refused = t
        .store
        .save_run_log(&log(&"x".repeat(500), "a".into(), 1))
        .await
        .expect_err("refused");
    assert!(refused.to_string().contains("190"), "{refused}");
}

async fn removing_the_history_deletes_ended_runs_and_their_logs_only(db: Db) {
    let t = TestStore::open(db).await;
    let job = JobKey::new("dp", "job");
    let other = JobKey::new("dp", "other");
    for (id, key, state) in [
        ("done", &job, RunState::Succeeded),
        ("failed", &job, RunState::Failed),
        ("skipped", &job, RunState::Skipped),
        ("going", &job, RunState::Running),
        ("elsewhere", &other, RunState::Succeeded),
    ] {
        t.store
            .update_runs(&[run(id, key, state)])
            .await
            .expect("run");
        if state != RunState::Skipped {
            t.store
                .save_run_log(&log(id, format!("log of {id}\n"), 10))
                .await
                .expect("log");
        }
    }
    let removed = t.store.delete_run_history(&job).await.expect("remove");
    assert_eq!(
        (removed.runs, removed.logs, removed.kept_in_flight),
        (3, 2, 1)
    );
    for gone in ["done", "failed", "skipped"] {
        assert_eq!(t.store.get_run(gone).await.expect("read"), None, "{gone}");
        assert_eq!(t.store.get_run_log(gone).await.expect("read"), None);
    }
    for kept in ["going", "elsewhere"] {
        assert!(
            t.store.get_run(kept).await.expect("read").is_some(),
            "{kept}"
        );
        assert!(t.store.get_run_log(kept).await.expect("read").is_some());
    }
    let left = t
        .store
        .list_runs(&RunFilter {
            job: Some(job.clone()),
            ..RunFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(left.len(), 1);
    // Again: nothing ended is left.
    let again = t.store.delete_run_history(&job).await.expect("remove");
    assert_eq!((again.runs, again.logs, again.kept_in_flight), (0, 0, 1));
}
