//! [`RunLogStorePort`] on `CDP_RUN_LOGS`: the kept end of each run's log
//! (written by the launcher while the run goes and when it ends), read by
//! any instance, and deleted with the job's ended runs on `removeData: true`.

use async_trait::async_trait;
use cdp_spark_domain::model::{JobKey, RunState, MAX_KEY_LEN};
use cdp_spark_domain::ports::{RunLogStorePort, StoreError};
use cdp_spark_domain::runlog::{
    tail_of, LogSource, RunHistoryRemoved, StoredRunLog, MAX_RUN_LOG_MAX_BYTES,
};
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::connection::write_transaction;
use crate::ddl::{RUNS_TABLE, RUN_LOGS_TABLE};
use crate::dialect::upsert;
use crate::error::DbError;
use crate::rows::millis;
use crate::sql::query;
use crate::store::{Access, DieselJobStore};

const COLUMNS: &[&str] = &[
    "SCHED_NAME",
    "RUN_ID",
    "SOURCE",
    "LOG_TEXT",
    "BYTES_SEEN",
    "TRUNCATED",
    "UPDATED_AT",
];

/// The states of runs in flight: their rows are kept by a removal.
const IN_FLIGHT: [RunState; 2] = [RunState::Submitting, RunState::Running];

#[derive(QueryableByName)]
struct LogRow {
    #[diesel(sql_type = Text, column_name = "RUN_ID")]
    run_id: String,
    #[diesel(sql_type = Text, column_name = "SOURCE")]
    source: String,
    #[diesel(sql_type = Text, column_name = "LOG_TEXT")]
    text: String,
    #[diesel(sql_type = BigInt, column_name = "BYTES_SEEN")]
    bytes_seen: i64,
    #[diesel(sql_type = Integer, column_name = "TRUNCATED")]
    truncated: i32,
    #[diesel(sql_type = BigInt, column_name = "UPDATED_AT")]
    updated_at: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt, column_name = "N")]
    n: i64,
}

fn from_row(row: LogRow) -> Result<StoredRunLog, DbError> {
    let source = LogSource::parse(&row.source).ok_or_else(|| {
        DbError::corrupt(format!(
            "the log of run {} has the source '{}', which this provisioner does not know",
            row.run_id, row.source
        ))
    })?;
    let updated_at = chrono::DateTime::from_timestamp_millis(row.updated_at).ok_or_else(|| {
        DbError::corrupt(format!(
            "the log of run {} holds {} as its update time",
            row.run_id, row.updated_at
        ))
    })?;
    Ok(StoredRunLog {
        run_id: row.run_id,
        text: row.text,
        bytes_seen: u64::try_from(row.bytes_seen).unwrap_or(0),
        truncated: row.truncated != 0,
        source,
        updated_at,
    })
}

fn too_long(run_id: &str) -> bool {
    run_id.chars().count() > MAX_KEY_LEN
}

#[async_trait]
impl RunLogStorePort for DieselJobStore {
    /// Keeps at most the last [`MAX_RUN_LOG_MAX_BYTES`] of the text (the
    /// launcher bounds it lower).
    async fn save_run_log(&self, log: &StoredRunLog) -> Result<(), StoreError> {
        if too_long(&log.run_id) {
            return Err(StoreError::Other(format!(
                "the log of run '{}…' was not stored: run ids hold at most {MAX_KEY_LEN} characters",
                log.run_id.chars().take(40).collect::<String>()
            ).into()));
        }
        let (text, cut) = tail_of(&log.text, MAX_RUN_LOG_MAX_BYTES);
        let truncated = log.truncated || cut;
        let text = text.to_string();
        let log = log.clone();
        self.with_conn("save_run_log", Access::Write, move |conn, inner| {
            let sql = upsert(
                inner.backend,
                &format!("{}{RUN_LOGS_TABLE}", inner.prefix),
                COLUMNS,
                &["SCHED_NAME", "RUN_ID"],
            );
            query(&sql)
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&log.run_id)
                .bind::<Text, _>(log.source.as_str())
                .bind::<Text, _>(&text)
                .bind::<BigInt, _>(i64::try_from(log.bytes_seen).unwrap_or(i64::MAX))
                .bind::<Integer, _>(i32::from(truncated))
                .bind::<BigInt, _>(millis(log.updated_at))
                .execute(conn)?;
            Ok(())
        })
        .await
    }

    async fn get_run_log(&self, run_id: &str) -> Result<Option<StoredRunLog>, StoreError> {
        if too_long(run_id) {
            return Ok(None);
        }
        let run_id = run_id.to_string();
        self.with_conn("get_run_log", Access::Read, move |conn, inner| {
            let sql = format!(
                "SELECT RUN_ID AS RUN_ID, SOURCE AS SOURCE, LOG_TEXT AS LOG_TEXT, \
                 BYTES_SEEN AS BYTES_SEEN, TRUNCATED AS TRUNCATED, UPDATED_AT AS UPDATED_AT \
                 FROM {}{RUN_LOGS_TABLE} WHERE SCHED_NAME = ? AND RUN_ID = ?",
                inner.prefix
            );
            let rows: Vec<LogRow> = query(&sql)
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&run_id)
                .load(conn)?;
            rows.into_iter().next().map(from_row).transpose()
        })
        .await
    }

    /// In one transaction: the logs of the job's ended runs, then those runs.
    async fn delete_run_history(&self, job: &JobKey) -> Result<RunHistoryRemoved, StoreError> {
        if too_long(&job.group) || too_long(&job.name) {
            return Ok(RunHistoryRemoved::default());
        }
        let job = job.clone();
        self.with_conn("delete_run_history", Access::Write, move |conn, inner| {
            write_transaction(conn, |conn| {
                let runs = format!("{}{RUNS_TABLE}", inner.prefix);
                let logs = format!("{}{RUN_LOGS_TABLE}", inner.prefix);
                let of_job = "SCHED_NAME = ? AND JOB_GROUP = ? AND JOB_NAME = ?";
                let ended = "STATE <> ? AND STATE <> ?";
                let deleted_logs = query(&format!(
                    "DELETE FROM {logs} WHERE SCHED_NAME = ? AND RUN_ID IN \
                     (SELECT RUN_ID FROM {runs} WHERE {of_job} AND {ended})"
                ))
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&job.group)
                .bind::<Text, _>(&job.name)
                .bind::<Text, _>(IN_FLIGHT[0].as_str())
                .bind::<Text, _>(IN_FLIGHT[1].as_str())
                .execute(conn)?;
                let deleted_runs = query(&format!("DELETE FROM {runs} WHERE {of_job} AND {ended}"))
                    .bind::<Text, _>(&inner.sched)
                    .bind::<Text, _>(&job.group)
                    .bind::<Text, _>(&job.name)
                    .bind::<Text, _>(IN_FLIGHT[0].as_str())
                    .bind::<Text, _>(IN_FLIGHT[1].as_str())
                    .execute(conn)?;
                let left: Vec<Count> =
                    query(&format!("SELECT COUNT(*) AS N FROM {runs} WHERE {of_job}"))
                        .bind::<Text, _>(&inner.sched)
                        .bind::<Text, _>(&job.group)
                        .bind::<Text, _>(&job.name)
                        .load(conn)?;
                Ok(RunHistoryRemoved {
                    runs: deleted_runs as u64,
                    logs: deleted_logs as u64,
                    kept_in_flight: left
                        .first()
                        .map(|c| u64::try_from(c.n).unwrap_or(0))
                        .unwrap_or(0),
                })
            })
        })
        .await
    }
}
