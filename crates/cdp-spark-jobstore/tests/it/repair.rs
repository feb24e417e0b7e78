//! Triggers stuck in a state no live instance owns (left by a Quartz
//! instance that died mid-fire) are repaired at check-in, with a record
//! the job status API's explain reads; and the runs of a job by scheduled
//! time, oldest first and bounded.

use crate::common;

use cdp_spark_domain::model::{JobKey, RunRecord, RunState, TriggerState};
use cdp_spark_domain::ports::{JobStorePort, SchedulerStorePort};
use chrono::Duration;
use common::{at, cron_trigger, sample_job, Db, TestStore};

on_both_backends!(
    a_stuck_trigger_is_repaired_and_recorded,
    runs_by_scheduled_time
);

async fn a_stuck_trigger_is_repaired_and_recorded(db: Db) {
    let t = TestStore::open(db).await;
    let stuck = sample_job("dp", "stuck");
    let paused = sample_job("dp", "paused");
    let healthy = sample_job("dp", "healthy");
    for job in [&stuck, &paused, &healthy] {
        let trigger = cron_trigger(job, "0 0 * * * ?", at(2030, 1, 1, 10, 0, 0));
        t.store
            .replace_job(job, Some(trigger))
            .await
            .expect("store");
    }
    let pre = &t.config.table_prefix;
    t.execute(&format!(
        "UPDATE {pre}TRIGGERS SET TRIGGER_STATE = 'ACQUIRED' WHERE JOB_NAME = 'stuck'; \
         UPDATE {pre}TRIGGERS SET TRIGGER_STATE = 'PAUSED_BLOCKED' WHERE JOB_NAME = 'paused'"
    ));
    assert!(t
        .store
        .trigger_repairs(&healthy.key)
        .await
        .expect("none")
        .is_empty());
    t.store
        .check_in("me", Duration::seconds(7), Duration::seconds(30), true)
        .await
        .expect("check in");
    let state = |name: &str| {
        t.count(&format!(
            "SELECT COUNT(*) AS N FROM {pre}TRIGGERS WHERE JOB_NAME = '{name}' AND TRIGGER_STATE = 'WAITING'"
        ))
    };
    assert_eq!(
        (state("stuck"), state("healthy"), state("paused")),
        (1, 1, 0)
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) AS N FROM {pre}TRIGGERS WHERE JOB_NAME = 'paused' AND TRIGGER_STATE = 'PAUSED'"
        )),
        1
    );
    let repairs = t.store.trigger_repairs(&stuck.key).await.expect("read");
    assert_eq!(repairs.len(), 1, "{repairs:?}");
    let r = &repairs[0];
    assert_eq!(r.trigger, stuck.key.scheduled_trigger_key());
    assert_eq!(r.state_before, TriggerState::Acquired);
    assert_eq!(r.state_after, TriggerState::Waiting);
    assert_eq!(r.stuck_since, at(2030, 1, 1, 10, 0, 0).min(r.repaired_at));
    // The trigger reads back as before (the record is beside its data).
    let trigger = t
        .store
        .get_trigger(&stuck.key.scheduled_trigger_key())
        .await
        .expect("read")
        .expect("there");
    assert_eq!(trigger.state, TriggerState::Waiting);
    assert_eq!(trigger.next_fire_time, Some(at(2030, 1, 1, 10, 0, 0)));
    // A second check-in repairs nothing more and keeps the record.
    t.store
        .check_in("me", Duration::seconds(7), Duration::seconds(30), false)
        .await
        .expect("check in");
    assert_eq!(
        t.store.trigger_repairs(&stuck.key).await.expect("read"),
        repairs
    );
    assert!(t
        .store
        .trigger_repairs(&healthy.key)
        .await
        .expect("none")
        .is_empty());
    // Provisioning again writes a fresh trigger: the record goes.
    let trigger = cron_trigger(&stuck, "0 0 * * * ?", at(2030, 1, 1, 11, 0, 0));
    t.store
        .replace_job(&stuck, Some(trigger))
        .await
        .expect("store");
    assert!(t
        .store
        .trigger_repairs(&stuck.key)
        .await
        .expect("read")
        .is_empty());
}

fn run(id: &str, job: &JobKey, minute: u32) -> RunRecord {
    let time = at(2030, 1, 1, 10, minute, 0);
    RunRecord {
        run_id: id.into(),
        job_key: job.clone(),
        trigger_key: job.scheduled_trigger_key(),
        scheduled_fire_time: time,
        // Started late: the window is on the scheduled time.
        actual_fire_time: time + Duration::minutes(30),
        application_id: None,
        tracking_url: None,
        state: RunState::Succeeded,
        final_status: None,
        created_at: time,
        updated_at: time,
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

async fn runs_by_scheduled_time(db: Db) {
    let t = TestStore::open(db).await;
    let job = sample_job("dp", "ingest");
    let other = sample_job("dp", "other");
    for j in [&job, &other] {
        t.store.replace_job(j, None).await.expect("store");
    }
    for (id, minute) in [("r-c", 20), ("r-a", 5), ("r-b", 10), ("r-d", 40)] {
        t.store
            .update_runs(&[run(id, &job.key, minute)])
            .await
            .expect("save");
    }
    t.store
        .update_runs(&[run("o-1", &other.key, 10)])
        .await
        .expect("save");
    let window = (at(2030, 1, 1, 10, 5, 0), at(2030, 1, 1, 10, 20, 0));
    let ids = |runs: Vec<RunRecord>| runs.into_iter().map(|r| r.run_id).collect::<Vec<_>>();
    let got = t
        .store
        .runs_scheduled_between(&job.key, window.0, window.1, 10)
        .await
        .expect("read");
    assert_eq!(
        ids(got),
        vec!["r-a", "r-b", "r-c"],
        "both ends included, oldest first"
    );
    let got = t
        .store
        .runs_scheduled_between(&job.key, window.0, window.1, 2)
        .await
        .expect("read");
    assert_eq!(ids(got), vec!["r-a", "r-b"], "bounded");
}
