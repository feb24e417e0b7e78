//! Reading another Quartz scheduler's jobs, read-only, for
//! `migrate-from-quartz`: the old Scala provisioner's `QRTZ_*` tables
//! (its job class, its Java-serialized job data) on SQLite, MySQL/MariaDB
//! or PostgreSQL. The connection is opened read-only (SQLite `mode=ro`,
//! a read-only session on the servers) and nothing is ever written.
//!
//! Every read is bounded: at most [`MAX_JOBS`] jobs, a job's `JOB_DATA`
//! only when its length (asked of the database first) is at most
//! [`MAX_JOB_DATA_BYTES`], at most [`MAX_TRIGGERS`] triggers a job; what
//! cannot be read is the job's own error, never the whole listing's.

use cdp_spark_domain::cause;
use cdp_spark_domain::migration::{LegacyJob, LegacyValue};
use cdp_spark_domain::model::JobKey;
use cdp_spark_domain::ports::StoreError;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{Connection, MysqlConnection, PgConnection, QueryableByName, RunQueryDsl};

use crate::config::{check_table_prefix, Backend, DatabaseUrl};
use crate::connection::AnyConnection;
use crate::error::{connection_error, store_error, DbError};
use crate::java_serial;
use crate::properties;
use crate::rows::trigger_from_row;
use crate::sql::{by_key, query, Sql, TriggerRow};

/// Most jobs one listing reads.
pub const MAX_JOBS: usize = 10_000;
/// Largest `JOB_DATA` read (a job data map of the old provisioner is a
/// few KiB).
pub const MAX_JOB_DATA_BYTES: i64 = 1024 * 1024;
/// Most triggers read for one job (the old provisioner wrote one).
pub const MAX_TRIGGERS: usize = 10;

/// What was read from the old tables.
#[derive(Debug, Clone)]
pub struct LegacyRead {
    /// The `SCHED_NAME` whose jobs these are (`None`: the tables hold no job).
    pub sched_name: Option<String>,
    pub jobs: Vec<LegacyJob>,
    /// More than [`MAX_JOBS`] jobs exist; the rest were not read.
    pub truncated: bool,
}

#[derive(QueryableByName)]
struct SchedRow {
    #[diesel(sql_type = Text, column_name = "SCHED_NAME")]
    sched_name: String,
}

#[derive(QueryableByName)]
struct HeadRow {
    #[diesel(sql_type = Text, column_name = "JOB_NAME")]
    job_name: String,
    #[diesel(sql_type = Text, column_name = "JOB_GROUP")]
    job_group: String,
    #[diesel(sql_type = Nullable<Text>, column_name = "DESCRIPTION")]
    description: Option<String>,
    #[diesel(sql_type = Text, column_name = "JOB_CLASS_NAME")]
    job_class_name: String,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "DATA_LEN")]
    data_len: Option<i64>,
}

#[derive(QueryableByName)]
struct DataRow {
    #[diesel(sql_type = Nullable<diesel::sql_types::Binary>, column_name = "JOB_DATA")]
    job_data: Option<Vec<u8>>,
}

/// Reads the jobs of the Quartz tables at `url` (prefix `table_prefix`)
/// of the scheduler `sched_name`, or of the only scheduler they hold.
pub async fn read_legacy_jobs(
    url: &str,
    table_prefix: &str,
    sched_name: Option<&str>,
) -> Result<LegacyRead, StoreError> {
    check_table_prefix(table_prefix).map_err(|m| StoreError::Other(cause!("{m}")))?;
    let db = DatabaseUrl::parse(url)?;
    let prefix = table_prefix.to_string();
    let sched = sched_name.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let mut conn = open_read_only(&db)?;
        read_all(&mut conn, db.backend(), &prefix, sched.as_deref())
            .map_err(DbError::into_store_error)
    })
    .await
    .map_err(|e| StoreError::Other(cause!("the read of the old tables stopped: {e}")))?
}

/// A read-only connection: SQLite's `mode=ro` (the file must exist), a
/// read-only session on MySQL/MariaDB and PostgreSQL.
fn open_read_only(db: &DatabaseUrl) -> Result<AnyConnection, StoreError> {
    let target = db.redacted();
    match db {
        DatabaseUrl::Sqlite { path } => {
            if !path.is_file() {
                return Err(StoreError::Other(cause!(
                    "the SQLite database {} does not exist",
                    path.display()
                )));
            }
            // A URI's path is absolute (`file://rel/x` would name a host).
            let path = std::fs::canonicalize(path)
                .map_err(|e| StoreError::Other(cause!("cannot resolve {}: {e}", path.display())))?;
            let text = path.to_str().ok_or_else(|| {
                StoreError::Other(cause!("the path {} is not valid UTF-8", path.display()))
            })?;
            let mut uri = String::from("file://");
            for c in text.chars() {
                match c {
                    '%' => uri.push_str("%25"),
                    '?' => uri.push_str("%3F"),
                    '#' => uri.push_str("%23"),
                    c => uri.push(c),
                }
            }
            uri.push_str("?mode=ro");
            let conn = diesel::SqliteConnection::establish(&uri)
                .map_err(|e| connection_error(e, &target))?;
            Ok(AnyConnection::Sqlite(conn))
        }
        DatabaseUrl::Mysql { url } => {
            let mut conn =
                MysqlConnection::establish(url).map_err(|e| connection_error(e, &target))?;
            conn.batch_execute("SET SESSION TRANSACTION READ ONLY")
                .map_err(store_error)?;
            Ok(AnyConnection::Mysql(conn))
        }
        DatabaseUrl::Postgres { url } => {
            let mut conn =
                PgConnection::establish(url).map_err(|e| connection_error(e, &target))?;
            conn.batch_execute(
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SET TIME ZONE 'UTC'",
            )
            .map_err(store_error)?;
            Ok(AnyConnection::Pg(conn))
        }
    }
}

fn read_all(
    conn: &mut AnyConnection,
    backend: Backend,
    p: &str,
    sched: Option<&str>,
) -> Result<LegacyRead, DbError> {
    let names: Vec<SchedRow> = query(&format!(
        "SELECT DISTINCT SCHED_NAME AS SCHED_NAME FROM {p}JOB_DETAILS ORDER BY SCHED_NAME"
    ))
    .load(conn)?;
    let sched = match sched {
        Some(s) if !names.iter().any(|r| r.sched_name == s) => {
            return Err(DbError::Store(StoreError::Other(cause!(
                "the tables hold no job of the scheduler '{}' (they hold {} schedulers' jobs)",
                cdp_spark_domain::migration::shown(s),
                names.len()
            ))))
        }
        Some(s) => s.to_string(),
        None => match names.as_slice() {
            [] => {
                return Ok(LegacyRead {
                    sched_name: None,
                    jobs: Vec::new(),
                    truncated: false,
                })
            }
            [one] => one.sched_name.clone(),
            many => {
                let listed: Vec<String> = many
                    .iter()
                    .take(20)
                    .map(|r| format!("'{}'", cdp_spark_domain::migration::shown(&r.sched_name)))
                    .collect();
                return Err(DbError::Store(StoreError::Other(cause!(
                    "the tables hold the jobs of {} schedulers ({}); choose one with --sched-name",
                    many.len(),
                    listed.join(", ")
                ))));
            }
        },
    };
    let length = match backend {
        Backend::Sqlite => "LENGTH(JOB_DATA)",
        Backend::Mysql => "CAST(LENGTH(JOB_DATA) AS SIGNED)",
        Backend::Postgres => "CAST(LENGTH(JOB_DATA) AS BIGINT)",
    };
    let heads: Vec<HeadRow> = query(&format!(
        "SELECT JOB_NAME AS JOB_NAME, JOB_GROUP AS JOB_GROUP, DESCRIPTION AS DESCRIPTION, \
         JOB_CLASS_NAME AS JOB_CLASS_NAME, {length} AS DATA_LEN FROM {p}JOB_DETAILS \
         WHERE SCHED_NAME = ? ORDER BY JOB_GROUP, JOB_NAME LIMIT {}",
        MAX_JOBS + 1
    ))
    .bind::<Text, _>(&sched)
    .load(conn)?;
    let truncated = heads.len() > MAX_JOBS;
    let data_sql = format!(
        "SELECT JOB_DATA AS JOB_DATA FROM {p}JOB_DETAILS \
         WHERE SCHED_NAME = ? AND JOB_NAME = ? AND JOB_GROUP = ?"
    );
    let statements = Sql::new(backend, p);
    let triggers_sql = format!(
        "{} LIMIT {}",
        statements.triggers_of_job_select,
        MAX_TRIGGERS + 1
    );
    let mut jobs = Vec::with_capacity(heads.len().min(MAX_JOBS));
    for head in heads.into_iter().take(MAX_JOBS) {
        let key = JobKey::new(head.job_group, head.job_name);
        let data = match head.data_len {
            None | Some(0) => Err("is empty".to_string()),
            Some(n) if n > MAX_JOB_DATA_BYTES => Err(format!(
                "is {n} bytes, more than the {MAX_JOB_DATA_BYTES} this command reads"
            )),
            Some(_) => {
                let rows: Vec<DataRow> = by_key(&data_sql, &sched, &key).load(conn)?;
                match rows.into_iter().next().and_then(|r| r.job_data) {
                    None => Err("is empty".to_string()),
                    Some(bytes) => decode(&bytes),
                }
            }
        };
        let rows: Vec<TriggerRow> = by_key(&triggers_sql, &sched, &key).load(conn)?;
        let mut triggers: Vec<_> = rows
            .into_iter()
            .take(MAX_TRIGGERS)
            .map(|row| trigger_from_row(row).map_err(|e| e.into_store_error().to_string()))
            .collect();
        if triggers.len() == MAX_TRIGGERS {
            triggers.push(Err(format!("more than {MAX_TRIGGERS} triggers")));
        }
        jobs.push(LegacyJob {
            key,
            job_class: head.job_class_name,
            description: head.description,
            data,
            triggers,
        });
    }
    Ok(LegacyRead {
        sched_name: Some(sched),
        jobs,
        truncated,
    })
}

/// A job data map: a serialized `JobDataMap` (Quartz's default) or
/// `java.util.Properties` text (`useProperties=true`).
pub fn decode(bytes: &[u8]) -> Result<std::collections::BTreeMap<String, LegacyValue>, String> {
    if java_serial::is_java_serialized(bytes) {
        return java_serial::job_data_map(bytes)
            .map_err(|e| format!("is not a JobDataMap this command reads: {e}"));
    }
    properties::decode(bytes)
        .map(|m| {
            m.into_iter()
                .map(|(k, v)| (k, LegacyValue::Text(v)))
                .collect()
        })
        .map_err(|e| {
            format!("is neither a serialized JobDataMap nor java.util.Properties text: {e}")
        })
}
