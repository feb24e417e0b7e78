//! Migrations: embedded, versioned, idempotent, safe to run from several
//! instances at once, adopting a schema Quartz's script created, refusing a
//! newer schema; the default SQLite file is created with its directory.

use crate::common;

use cdp_spark_domain::model::{RunRecord, RunState, TriggerKey};
use cdp_spark_domain::ports::{JobStorePort, SchedulerStorePort, StoreError};
use cdp_spark_jobstore::{
    migrate, DieselJobStore, StoreConfig, DEFAULT_SQLITE_FILE, MIGRATIONS, SCHEMA_VERSION,
};
use common::quartz::{quartz_mysql_script, quartz_postgres_script};
use common::{at, cron_trigger, sample_job, Db, MysqlDatabase, PgDatabase, TestStore};
use diesel::connection::SimpleConnection;

on_both_backends!(
    rerunning_migrations_is_a_no_op,
    concurrent_migrations_apply_each_version_once,
    a_newer_schema_is_refused,
    runs_written_before_the_timeline_read_without_it,
);

/// Every migration's version, in order.
fn versions() -> Vec<i32> {
    MIGRATIONS.iter().map(|m| m.version).collect()
}

async fn rerunning_migrations_is_a_no_op(db: Db) {
    let (config, _place) = TestStore::config_for(db, "migrate");
    let first = migrate(&config).await.expect("first");
    assert_eq!(first.applied, MIGRATIONS.to_vec());
    assert!(first.already_applied.is_empty());
    assert_eq!(first.schema_version, SCHEMA_VERSION);
    let second = migrate(&config).await.expect("second");
    assert!(second.applied.is_empty(), "{second}");
    assert_eq!(second.already_applied, versions());
    assert!(second.to_string().contains("nothing to do"), "{second}");
    // The store opens on it (migrating again) and works.
    let store = DieselJobStore::open(config.clone()).await.expect("open");
    let job = sample_job("dp", "j");
    store.replace_job(&job, None).await.expect("write");
    let third = migrate(&config).await.expect("third");
    assert!(third.applied.is_empty());
    assert!(
        store.get_job(&job.key).await.expect("read").is_some(),
        "data untouched"
    );
}

async fn concurrent_migrations_apply_each_version_once(db: Db) {
    let (config, _place) = TestStore::config_for(db, "migrate_race");
    let mut handles = Vec::new();
    for _ in 0..4 {
        let config = config.clone();
        handles.push(tokio::spawn(async move { migrate(&config).await }));
    }
    let mut applied = Vec::new();
    for h in handles {
        let report = h
            .await
            .expect("no panic")
            .expect("every migration run succeeds");
        applied.extend(report.applied.iter().map(|m| m.version));
    }
    applied.sort_unstable();
    assert_eq!(
        applied,
        versions(),
        "each version applied by exactly one run"
    );
    let t = TestStore {
        store: DieselJobStore::open(config.clone()).await.expect("open"),
        config,
        place: _place,
    };
    assert_eq!(
        t.count(&format!(
            "SELECT COUNT(*) AS N FROM {}CDP_SCHEMA_MIGRATIONS",
            t.config.table_prefix
        )),
        MIGRATIONS.len() as i64
    );
}

/// Migration 8 (`run-timeline`) on a schema at version 7 holding a run:
/// the run reads back with no submit or running time, then keeps both.
async fn runs_written_before_the_timeline_read_without_it(db: Db) {
    let t = TestStore::open(db).await;
    let p = &t.config.table_prefix;
    let fired = at(2030, 1, 1, 2, 0, 0);
    let old = RunRecord {
        run_id: "old-run".into(),
        job_key: sample_job("dp", "j").key,
        trigger_key: TriggerKey::new("dp", "jTrigger"),
        scheduled_fire_time: fired,
        actual_fire_time: fired,
        application_id: Some("application_1700000000000_0001".into()),
        tracking_url: None,
        state: RunState::Succeeded,
        final_status: Some("SUCCEEDED".into()),
        created_at: fired,
        updated_at: at(2030, 1, 1, 2, 5, 0),
        ended_at: Some(at(2030, 1, 1, 2, 5, 0)),
        submitted_at: Some(at(2030, 1, 1, 2, 0, 10)),
        running_at: Some(at(2030, 1, 1, 2, 0, 40)),
        error: None,
        parameters: None,
        backfill: None,
    };
    t.store
        .update_runs(std::slice::from_ref(&old))
        .await
        .expect("save");
    // Back to version 7: the columns gone, the migration not applied.
    for column in ["SUBMITTED_AT", "RUNNING_AT"] {
        t.execute(&format!("ALTER TABLE {p}CDP_RUNS DROP COLUMN {column}"));
    }
    t.execute(&format!(
        "DELETE FROM {p}CDP_SCHEMA_MIGRATIONS WHERE VERSION = 8"
    ));
    let report = migrate(&t.config).await.expect("migrate to 8");
    assert_eq!(
        report.applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        [8],
        "{report}"
    );
    let back = t
        .store
        .get_run("old-run")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!((back.submitted_at, back.running_at), (None, None));
    assert_eq!(
        RunRecord {
            submitted_at: old.submitted_at,
            running_at: old.running_at,
            ..back
        },
        old,
        "the rest of the run is untouched"
    );
    // Written again, the timeline is kept.
    t.store
        .update_runs(std::slice::from_ref(&old))
        .await
        .expect("save again");
    let back = t
        .store
        .get_run("old-run")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(back, old);
}

async fn a_newer_schema_is_refused(db: Db) {
    let t = TestStore::open(db).await;
    t.execute(&format!(
        "INSERT INTO {}CDP_SCHEMA_MIGRATIONS (VERSION, NAME, APPLIED_AT) VALUES (99, 'from-the-future', 0)",
        t.config.table_prefix
    ));
    let e = migrate(&t.config).await.expect_err("newer schema");
    assert!(
        matches!(&e, StoreError::Corrupt(m) if m.contains("99") && m.contains("newer")),
        "{e}"
    );
    let e = DieselJobStore::open(t.config.clone())
        .await
        .expect_err("open refuses too");
    assert!(matches!(e, StoreError::Corrupt(_)), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_sqlite_file_and_directory_are_created_on_first_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("var").join("lib").join("provisioner");
    assert!(!data.exists());
    let config = StoreConfig::sqlite_in(&data);
    let store = DieselJobStore::open(config).await.expect("first start");
    assert!(
        data.join(DEFAULT_SQLITE_FILE).is_file(),
        "the SQLite file is created"
    );
    store.ping().await.expect("ping");
    // A sqlite:// URL with a missing directory works the same way.
    let url = format!("sqlite://{}", dir.path().join("other/dir/x.db").display());
    DieselJobStore::open(StoreConfig::with_url(url))
        .await
        .expect("sqlite url");
    assert!(dir.path().join("other/dir/x.db").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_made_by_quartz_script_is_adopted() {
    let database = MysqlDatabase::create("adopt");
    database
        .connect()
        .batch_execute(&quartz_mysql_script())
        .expect("Quartz's script");
    adopt(StoreConfig::with_url(database.url.clone())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_made_by_quartz_postgres_script_is_adopted() {
    let database = PgDatabase::create("adopt");
    database
        .connect()
        .batch_execute(&quartz_postgres_script())
        .expect("Quartz's script");
    adopt(StoreConfig::with_url(database.url.clone())).await;
}

/// Migrates over the Quartz tables of Quartz's own script, then writes and
/// reads a job with its trigger in them.
async fn adopt(config: StoreConfig) {
    let report = migrate(&config)
        .await
        .expect("migrate over Quartz's tables");
    assert_eq!(report.applied.len(), MIGRATIONS.len(), "{report}");
    let store = DieselJobStore::open(config).await.expect("open");
    let job = sample_job("dp", "adopted");
    store
        .replace_job(
            &job,
            Some(cron_trigger(&job, "0 0 3 * * ?", at(2030, 1, 1, 2, 0, 0))),
        )
        .await
        .expect("write into Quartz's own tables");
    assert_eq!(
        store.triggers_of_job(&job.key).await.expect("read").len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_is_refused_with_the_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = StoreConfig {
        table_prefix: "QRTZ-".into(),
        ..StoreConfig::sqlite_in(dir.path())
    };
    let e = migrate(&config).await.expect_err("bad prefix");
    assert!(e.to_string().contains("table prefix 'QRTZ-'"), "{e}");
    let e = migrate(&StoreConfig::with_url("oracle://h/db"))
        .await
        .expect_err("scheme");
    assert!(e.to_string().contains("'oracle'"), "{e}");
}
