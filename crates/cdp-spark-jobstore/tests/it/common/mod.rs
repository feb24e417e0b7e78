//! Test harness: a fresh store on SQLite (temporary directory), on
//! MariaDB (a database of its own on the server of `CDP_TEST_MYSQL_URL`)
//! or on PostgreSQL (one on the server of `CDP_TEST_PG_URL`), sample jobs
//! and triggers, and raw SQL access to check rows.
#![allow(dead_code)]

pub mod quartz;

use std::collections::BTreeMap;

use cdp_spark_domain::descriptor::PositiveCount;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, MisfireInstruction, SparkJobSpec, TriggerDefinition, TriggerKey,
    TriggerSchedule, TriggerState,
};
use cdp_spark_jobstore::postgres_text;
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use chrono::{DateTime, TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

/// The backends every store test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Mariadb,
    Postgres,
}

/// A database of its own on the test MariaDB (`CDP_TEST_MYSQL_URL`),
/// dropped on drop.
pub use cdp_spark_testkit::mariadb::Database as MysqlDatabase;

/// A database of its own on the test PostgreSQL (`CDP_TEST_PG_URL`),
/// dropped on drop.
pub use cdp_spark_testkit::postgres::Database as PgDatabase;

/// Where a test store lives; keeps the directory or database alive.
pub enum Place {
    Sqlite(tempfile::TempDir),
    Mysql(MysqlDatabase),
    Postgres(PgDatabase),
}

pub struct TestStore {
    pub store: DieselJobStore,
    pub config: StoreConfig,
    pub place: Place,
}

impl TestStore {
    /// A configuration for a fresh database of `db`.
    pub fn config_for(db: Db, tag: &str) -> (StoreConfig, Place) {
        match db {
            Db::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                (
                    StoreConfig::sqlite_in(dir.path().join("data")),
                    Place::Sqlite(dir),
                )
            }
            Db::Mariadb => {
                let database = MysqlDatabase::create(tag);
                (
                    StoreConfig::with_url(database.url.clone()),
                    Place::Mysql(database),
                )
            }
            Db::Postgres => {
                let database = PgDatabase::create(tag);
                (
                    StoreConfig::with_url(database.url.clone()),
                    Place::Postgres(database),
                )
            }
        }
    }

    pub async fn open(db: Db) -> Self {
        Self::open_with(db, |_| {}).await
    }

    pub async fn open_with(db: Db, adjust: impl FnOnce(&mut StoreConfig)) -> Self {
        let (mut config, place) = Self::config_for(db, "store");
        adjust(&mut config);
        let store = DieselJobStore::open(config.clone())
            .await
            .unwrap_or_else(|e| panic!("open the {db:?} store: {e}"));
        Self {
            store,
            config,
            place,
        }
    }

    /// Runs SQL on a connection of its own and answers the single BIGINT
    /// column `N` of the first row (on PostgreSQL with its aliases quoted,
    /// as the store runs its statements).
    pub fn count(&self, sql: &str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt, column_name = "N")]
            n: i64,
        }
        let rows: Vec<N> = match &self.place {
            Place::Sqlite(_) => {
                let path = self.sqlite_path();
                let mut c = SqliteConnection::establish(&path).expect("sqlite");
                diesel::sql_query(sql).load(&mut c).expect(sql)
            }
            Place::Mysql(db) => diesel::sql_query(sql).load(&mut db.connect()).expect(sql),
            Place::Postgres(db) => diesel::sql_query(postgres_text(sql))
                .load(&mut db.connect())
                .expect(sql),
        };
        rows.first()
            .map(|r| r.n)
            .unwrap_or_else(|| panic!("no row from {sql}"))
    }

    /// Rows of `table` (prefix added) of this store's scheduler.
    pub fn rows(&self, table: &str) -> i64 {
        self.count(&format!(
            "SELECT COUNT(*) AS N FROM {}{table} WHERE SCHED_NAME = '{}'",
            self.config.table_prefix, self.config.sched_name
        ))
    }

    /// Runs statements on a connection of its own.
    pub fn execute(&self, sql: &str) {
        match &self.place {
            Place::Sqlite(_) => {
                let mut c = SqliteConnection::establish(&self.sqlite_path()).expect("sqlite");
                c.batch_execute(sql).expect(sql);
            }
            Place::Mysql(db) => db.connect().batch_execute(sql).expect(sql),
            Place::Postgres(db) => db.connect().batch_execute(sql).expect(sql),
        }
    }

    pub fn sqlite_path(&self) -> String {
        match self.config.database().expect("url") {
            cdp_spark_jobstore::DatabaseUrl::Sqlite { path } => {
                path.to_str().expect("utf-8 path").to_string()
            }
            other => panic!("not sqlite: {other}"),
        }
    }
}

/// Generates one `#[tokio::test]` per backend (modules `sqlite`, `mariadb`
/// and `postgres`) for each async fn named, each taking a [`Db`].
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Db::Sqlite).await
                }
            )*
        }
        mod mariadb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Db::Mariadb).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Db::Postgres).await
                }
            )*
        }
    };
}

pub fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("valid instant")
}

pub fn sample_job(group: &str, name: &str) -> JobDefinition {
    JobDefinition {
        key: JobKey::new(group, name),
        component_id: format!("{group}:{name}"),
        description: Some("Daily aggregation of the sales".into()),
        spec: SparkJobSpec {
            jar: "hdfs://nameservice1/apps/sales/agg-1.2.0.jar"
                .parse()
                .expect("jar"),
            class_name: "com.acme.sales.Aggregate".parse().expect("class name"),
            queue: Some("root.finance".parse().expect("queue")),
            args: vec!["--date".into(), "${today}".into()],
            dependencies: vec!["hdfs://nameservice1/apps/lib/common.jar"
                .parse()
                .expect("dependency")],
            driver_cores: PositiveCount::new(1),
            driver_memory: Some("2g".parse().expect("memory")),
            executor_cores: PositiveCount::new(2),
            executor_memory: Some("4g".parse().expect("memory")),
            num_executors: PositiveCount::new(3),
            log_level: Some("WARN".parse().expect("log level")),
            conf: BTreeMap::from([
                ("spark.sql.shuffle.partitions".to_string(), "16".to_string()),
                ("spark.yarn.maxAppAttempts".to_string(), "1".to_string()),
            ]),
        },
        non_concurrent: true,
        run_policy: Default::default(),
    }
}

pub fn cron_trigger(
    job: &JobDefinition,
    expression: &str,
    next: DateTime<Utc>,
) -> TriggerDefinition {
    TriggerDefinition {
        key: job.key.scheduled_trigger_key(),
        job_key: job.key.clone(),
        schedule: TriggerSchedule::Cron {
            cron_expression: expression.parse().expect("a valid cron expression"),
            time_zone: "Europe/Rome".parse().expect("a known time zone"),
            start_time: at(2030, 1, 1, 0, 0, 0),
            end_time: Some(at(2031, 1, 1, 0, 0, 0)),
        },
        next_fire_time: Some(next),
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    }
}

pub fn manual_trigger(job: &JobDefinition, at_time: DateTime<Utc>) -> TriggerDefinition {
    TriggerDefinition {
        key: TriggerKey::new(
            job.key.group.clone(),
            format!("{}-manual-{}", job.key.name, at_time.timestamp_millis()),
        ),
        job_key: job.key.clone(),
        schedule: TriggerSchedule::Once {
            start_time: at_time,
        },
        next_fire_time: Some(at_time),
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    }
}
