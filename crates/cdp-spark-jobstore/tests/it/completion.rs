//! Triggers that fire for the last time are deleted in the fire
//! transaction, as Quartz removes them (its `DELETE_TRIGGER` after the last
//! execution): one-shot (manual, retry) triggers and cron triggers past
//! their end time. The job stays and the runs keep the history, so 300
//! manual starts of a job leave no trigger rows behind. On both backends.

use crate::common;

use cdp_spark_domain::model::{RunFilter, TriggerSchedule, TriggerState};
use cdp_spark_domain::ports::{AcquireRequest, JobStorePort, SchedulerStorePort};
use chrono::Utc;
use common::{cron_trigger, manual_trigger, sample_job, Db, TestStore};

on_both_backends!(
    fired_one_shot_triggers_are_deleted_and_runs_kept,
    cron_triggers_past_their_end_are_deleted_and_the_job_kept,
);

fn request() -> AcquireRequest {
    AcquireRequest {
        instance_id: "me".into(),
        batch_size: 500,
        look_ahead: chrono::Duration::seconds(1),
        misfire_threshold: chrono::Duration::seconds(60),
    }
}

/// Acquires until nothing is due; the number of runs made (fired or skipped).
async fn fire_everything_due(t: &TestStore) -> usize {
    let mut runs = 0;
    loop {
        let a = t.store.acquire_fires(&request()).await.expect("acquire");
        let made = a.fires.len() + a.skipped.len();
        if made == 0 {
            return runs;
        }
        runs += made;
    }
}

async fn fired_one_shot_triggers_are_deleted_and_runs_kept(db: Db) {
    let t = TestStore::open(db).await;
    let job = sample_job("urn:dmb:dp:manual:0", "started-by-hand");
    t.store.replace_job(&job, None).await.expect("job");
    let start = Utc::now() - chrono::Duration::seconds(30);
    for i in 0..300 {
        let trigger = manual_trigger(&job, start + chrono::Duration::milliseconds(i));
        assert!(t.store.add_trigger(&trigger).await.expect("manual trigger"));
    }
    assert_eq!(t.rows("TRIGGERS"), 300);

    assert_eq!(
        fire_everything_due(&t).await,
        300,
        "every manual trigger made its run"
    );

    for table in ["TRIGGERS", "SIMPLE_TRIGGERS", "CRON_TRIGGERS"] {
        assert_eq!(
            t.rows(table),
            0,
            "{table}: no trigger is left after its only fire"
        );
    }
    assert!(t
        .store
        .triggers_of_job(&job.key)
        .await
        .expect("triggers")
        .is_empty());
    assert!(
        t.store.get_job(&job.key).await.expect("job").is_some(),
        "the job stays"
    );
    let runs = t
        .store
        .list_runs(&RunFilter {
            job: Some(job.key.clone()),
            ..RunFilter::default()
        })
        .await
        .expect("runs");
    assert_eq!(runs.len(), 300, "the runs keep the history");
    assert!(runs.iter().all(|r| r.trigger_key.name.contains("-manual-")));
    assert_eq!(
        t.rows("FIRED_TRIGGERS"),
        runs.iter().filter(|r| !r.state.is_final()).count() as i64
    );
}

async fn cron_triggers_past_their_end_are_deleted_and_the_job_kept(db: Db) {
    let t = TestStore::open(db).await;
    let now = Utc::now();
    // A whole second just past: a fire time of "every second".
    let due = chrono::DateTime::from_timestamp(now.timestamp() - 1, 0).expect("a second");
    // Every second, due now, ending 1 ms after: this fire is its last.
    let ending = sample_job("urn:dmb:dp:cron:0", "ends");
    let mut last = cron_trigger(&ending, "* * * * * ?", due);
    if let TriggerSchedule::Cron {
        start_time,
        end_time,
        ..
    } = &mut last.schedule
    {
        *start_time = now - chrono::Duration::days(1);
        *end_time = Some(due + chrono::Duration::milliseconds(1));
    }
    t.store
        .replace_job(&ending, Some(last.clone()))
        .await
        .expect("job");
    // The same schedule without an end goes on.
    let going = sample_job("urn:dmb:dp:cron:0", "goes-on");
    let mut on = cron_trigger(&going, "* * * * * ?", due);
    if let TriggerSchedule::Cron {
        start_time,
        end_time,
        ..
    } = &mut on.schedule
    {
        *start_time = now - chrono::Duration::days(1);
        *end_time = None;
    }
    t.store
        .replace_job(&going, Some(on.clone()))
        .await
        .expect("job");

    let a = t.store.acquire_fires(&request()).await.expect("acquire");
    assert_eq!(a.fires.len() + a.skipped.len(), 2, "{a:#?}");
    assert_eq!(a.completed, 1);

    assert_eq!(t.store.get_trigger(&last.key).await.expect("get"), None);
    assert!(
        t.store.get_job(&ending.key).await.expect("job").is_some(),
        "the job stays"
    );
    assert_eq!(
        t.store
            .list_runs(&RunFilter {
                job: Some(ending.key.clone()),
                ..RunFilter::default()
            })
            .await
            .expect("runs")
            .len(),
        1,
        "its last fire made a run"
    );
    let kept = t
        .store
        .get_trigger(&on.key)
        .await
        .expect("get")
        .expect("kept");
    assert_eq!(kept.state, TriggerState::Waiting);
    assert!(kept.next_fire_time.is_some_and(|n| n > due), "{kept:#?}");
    assert_eq!(t.rows("TRIGGERS"), 1);
    assert_eq!(t.rows("CRON_TRIGGERS"), 1);
}
