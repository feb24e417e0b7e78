//! Concurrent writers on both backends: many provisions of the same
//! component end with exactly one job and one trigger, from the same
//! provision; mixed writers never leave half a pair or orphan side rows.

use crate::common;

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use cdp_spark_domain::model::TriggerSchedule;
use cdp_spark_domain::ports::{JobStorePort, ReplaceOutcome, StoreError};
use chrono::Duration;
use common::{at, cron_trigger, manual_trigger, sample_job, Db, TestStore};
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, QueryableByName, RunQueryDsl};

on_both_backends!(
    concurrent_provisions_of_one_component_leave_one_job_and_one_trigger,
    concurrent_provisions_of_many_components_all_land,
    mixed_concurrent_writers_keep_pairs_whole,
    a_lock_held_too_long_ends_in_conflict_and_nothing_written,
);

const WRITERS: usize = 32;

async fn concurrent_provisions_of_one_component_leave_one_job_and_one_trigger(db: Db) {
    let t = TestStore::open_with(db, |c| c.max_connections = 12).await;
    let store = Arc::new(t.store.clone());
    let mut handles = Vec::new();
    for i in 0..WRITERS {
        let store = Arc::clone(&store);
        handles.push(tokio::spawn(async move {
            let mut job = sample_job("urn:dmb:dp:race:0", "contended");
            job.spec.args = vec![i.to_string()];
            // The trigger carries the writer's number too (priority), so a
            // job from one writer with a trigger from another would show.
            let mut trigger = cron_trigger(
                &job,
                "0 0 3 * * ?",
                at(2030, 1, 1, 2, 0, 0) + Duration::minutes(i as i64),
            );
            trigger.priority = i as i32;
            store.replace_job(&job, Some(trigger)).await
        }));
    }
    let mut created = 0;
    for h in handles {
        match h
            .await
            .expect("no panic")
            .expect("every provision succeeds")
        {
            ReplaceOutcome::Created => created += 1,
            ReplaceOutcome::Replaced => {}
        }
    }
    assert_eq!(created, 1, "exactly one provision created the job");
    assert_eq!(t.rows("JOB_DETAILS"), 1);
    assert_eq!(t.rows("TRIGGERS"), 1);
    assert_eq!(t.rows("CRON_TRIGGERS"), 1);
    let job = t
        .store
        .get_job(&sample_job("urn:dmb:dp:race:0", "contended").key)
        .await
        .expect("get")
        .expect("exists");
    let triggers = t.store.triggers_of_job(&job.key).await.expect("triggers");
    assert_eq!(triggers.len(), 1);
    let winner: usize = job.spec.args[0].parse().expect("writer number");
    assert_eq!(
        triggers[0].priority as usize, winner,
        "job and trigger of the same provision"
    );
    assert_eq!(
        triggers[0].next_fire_time,
        Some(at(2030, 1, 1, 2, 0, 0) + Duration::minutes(winner as i64))
    );
}

async fn concurrent_provisions_of_many_components_all_land(db: Db) {
    let t = TestStore::open_with(db, |c| c.max_connections = 12).await;
    let mut handles = Vec::new();
    for i in 0..WRITERS {
        let store = t.store.clone();
        handles.push(tokio::spawn(async move {
            let job = sample_job("urn:dmb:dp:many:0", &format!("job-{i:02}"));
            let trigger = cron_trigger(&job, "0 0 3 * * ?", at(2030, 1, 1, 2, 0, 0));
            store.replace_job(&job, Some(trigger)).await
        }));
    }
    for h in handles {
        assert_eq!(
            h.await.expect("no panic").expect("stored"),
            ReplaceOutcome::Created
        );
    }
    assert_eq!(t.store.list_jobs(None).await.expect("list").len(), WRITERS);
    assert_eq!(t.rows("TRIGGERS"), WRITERS as i64);
    assert_eq!(t.rows("CRON_TRIGGERS"), WRITERS as i64);
}

async fn mixed_concurrent_writers_keep_pairs_whole(db: Db) {
    let t = TestStore::open_with(db, |c| c.max_connections = 12).await;
    let base = sample_job("dp", "mixed");
    let mut handles = Vec::new();
    for i in 0..WRITERS {
        let store = t.store.clone();
        let base = base.clone();
        handles.push(tokio::spawn(async move {
            match i % 4 {
                0 | 1 => {
                    let mut job = base.clone();
                    job.spec.args = vec![i.to_string()];
                    let mut trigger = cron_trigger(&job, "0 0 3 * * ?", at(2030, 1, 1, 2, 0, 0));
                    trigger.priority = i as i32;
                    store.replace_job(&job, Some(trigger)).await.map(|_| ())
                }
                2 => store.delete_job(&base.key).await.map(|_| ()),
                _ => store
                    .add_trigger(&manual_trigger(
                        &base,
                        at(2030, 1, 1, 0, 0, 0) + Duration::seconds(i as i64),
                    ))
                    .await
                    .map(|_| ()),
            }
        }));
    }
    for h in handles {
        h.await
            .expect("no panic")
            .expect("every write succeeds or is a decided no-op");
    }
    let job = t.store.get_job(&base.key).await.expect("get");
    let triggers = t.store.triggers_of_job(&base.key).await.expect("triggers");
    let crons: Vec<_> = triggers
        .iter()
        .filter(|tr| matches!(tr.schedule, TriggerSchedule::Cron { .. }))
        .collect();
    match job {
        None => assert!(triggers.is_empty(), "no job, no triggers: {triggers:?}"),
        Some(job) => {
            assert!(crons.len() <= 1, "at most one scheduled trigger: {crons:?}");
            if let Some(cron) = crons.first() {
                assert_eq!(
                    cron.priority.to_string(),
                    job.spec.args[0],
                    "same provision"
                );
            }
        }
    }
    // Every trigger row has exactly its one side row.
    let p = &t.config.table_prefix;
    assert_eq!(
        t.rows("TRIGGERS"),
        t.rows("CRON_TRIGGERS") + t.rows("SIMPLE_TRIGGERS"),
        "side rows match trigger rows"
    );
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) AS N FROM {p}CRON_TRIGGERS c WHERE NOT EXISTS (SELECT 1 FROM {p}TRIGGERS x \
             WHERE x.SCHED_NAME = c.SCHED_NAME AND x.TRIGGER_NAME = c.TRIGGER_NAME \
             AND x.TRIGGER_GROUP = c.TRIGGER_GROUP AND x.TRIGGER_TYPE = 'CRON')"
        )),
        0,
        "no orphan cron rows"
    );
}

#[derive(QueryableByName)]
struct LockName {
    #[diesel(sql_type = Text, column_name = "LOCK_NAME")]
    _name: String,
}

/// Another writer (a Quartz instance, say) holds the write lock for `hold`
/// on a connection of its own; answers once the lock is held.
fn hold_write_lock(t: &TestStore, hold: StdDuration) -> std::thread::JoinHandle<()> {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = match &t.place {
        common::Place::Sqlite(_) => {
            let path = t.sqlite_path();
            std::thread::spawn(move || {
                let mut c = diesel::SqliteConnection::establish(&path).expect("sqlite");
                c.batch_execute("BEGIN IMMEDIATE").expect("lock");
                tx.send(()).expect("signal");
                std::thread::sleep(hold);
                c.batch_execute("COMMIT").expect("unlock");
            })
        }
        common::Place::Mysql(db) => {
            let mut c = db.connect();
            let sql = format!(
                "SELECT LOCK_NAME AS LOCK_NAME FROM {}LOCKS WHERE SCHED_NAME = '{}' \
                 AND LOCK_NAME = 'TRIGGER_ACCESS' FOR UPDATE",
                t.config.table_prefix, t.config.sched_name
            );
            std::thread::spawn(move || {
                c.batch_execute("BEGIN").expect("begin");
                let rows: Vec<LockName> = diesel::sql_query(&sql).load(&mut c).expect("lock");
                assert_eq!(rows.len(), 1, "the TRIGGER_ACCESS row exists");
                tx.send(()).expect("signal");
                std::thread::sleep(hold);
                c.batch_execute("COMMIT").expect("unlock");
            })
        }
        common::Place::Postgres(db) => {
            let mut c = db.connect();
            let sql = format!(
                "SELECT LOCK_NAME AS \"LOCK_NAME\" FROM {}LOCKS WHERE SCHED_NAME = '{}' \
                 AND LOCK_NAME = 'TRIGGER_ACCESS' FOR UPDATE",
                t.config.table_prefix, t.config.sched_name
            );
            std::thread::spawn(move || {
                c.batch_execute("BEGIN").expect("begin");
                let rows: Vec<LockName> = diesel::sql_query(&sql).load(&mut c).expect("lock");
                assert_eq!(rows.len(), 1, "the TRIGGER_ACCESS row exists");
                tx.send(()).expect("signal");
                std::thread::sleep(hold);
                c.batch_execute("COMMIT").expect("unlock");
            })
        }
    };
    rx.recv().expect("the lock is held");
    handle
}

async fn a_lock_held_too_long_ends_in_conflict_and_nothing_written(db: Db) {
    let t = TestStore::open_with(db, |c| {
        c.lock_timeout = StdDuration::from_secs(1);
        c.conflict_retries = 1;
    })
    .await;
    let job = sample_job("dp", "locked-out");
    let holder = hold_write_lock(&t, StdDuration::from_secs(8));
    let started = Instant::now();
    let e = t
        .store
        .replace_job(
            &job,
            Some(cron_trigger(&job, "0 0 3 * * ?", at(2030, 1, 1, 2, 0, 0))),
        )
        .await
        .expect_err("the lock is held longer than two lock timeouts");
    let waited = started.elapsed();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    assert!(
        waited >= StdDuration::from_millis(1_900) && waited < StdDuration::from_secs(8),
        "one try and one retry of 1 to 2 s each: {waited:?}"
    );
    holder.join().expect("holder thread");
    assert_eq!(
        t.store.get_job(&job.key).await.expect("get"),
        None,
        "nothing written"
    );

    // A lock released within the retries is simply waited for.
    let holder = hold_write_lock(&t, StdDuration::from_millis(600));
    t.store
        .replace_job(
            &job,
            Some(cron_trigger(&job, "0 0 3 * * ?", at(2030, 1, 1, 2, 0, 0))),
        )
        .await
        .expect("waits for the short lock");
    holder.join().expect("holder thread");
    assert_eq!(t.rows("TRIGGERS"), 1);
}
