//! The run history's later migrations: columns and indexes added to
//! `CDP_RUNS` after its creation (`ddl.rs`), each backend's way (MySQL in
//! one `ALTER TABLE`, the others in idempotent statements).

use crate::config::Backend;
use crate::ddl::RUNS_TABLE;

/// Statements adding to the run history what queued runs need: their
/// parameters (JSON text), their backfill and its cap, and the index the
/// acquisition counts a backfill's runs in flight by.
pub fn runs_queue_columns(backend: Backend, prefix: &str) -> Vec<String> {
    let columns = [
        "PARAMETERS TEXT NULL",
        "BACKFILL_ID VARCHAR(64) NULL",
        "BACKFILL_MAX_PARALLEL BIGINT NULL",
    ];
    alter_runs(
        backend,
        prefix,
        &columns,
        &[("CDP_R_BACKFILL", "SCHED_NAME,BACKFILL_ID,STATE")],
    )
}

/// Statements adding the jobs listing's and the notifications' indexes to
/// the run history: a job's latest run (actual fire time, then run id, so
/// that ties need no sort), its runs by scheduled fire time (did the
/// previous fire run?) and by end (the run that ended before a success:
/// was it a failure, so that `RUN_RECOVERED` is sent?).
pub fn runs_listing_indexes(backend: Backend, prefix: &str) -> Vec<String> {
    alter_runs(
        backend,
        prefix,
        &[],
        &[
            (
                "CDP_R_JOB_LATEST",
                "SCHED_NAME,JOB_GROUP,JOB_NAME,ACTUAL_FIRE_TIME,RUN_ID",
            ),
            (
                "CDP_R_JOB_SCHED",
                "SCHED_NAME,JOB_GROUP,JOB_NAME,SCHEDULED_FIRE_TIME",
            ),
            ("CDP_R_JOB_ENDED", "SCHED_NAME,JOB_GROUP,JOB_NAME,ENDED_AT"),
        ],
    )
}

/// Statements adding a run's timeline to the run history: when
/// spark-submit handed the application over (`SUBMITTED_AT`) and when the
/// scheduler first saw it running (`RUNNING_AT`), epoch milliseconds like
/// the other instants; `NULL` in the rows written before.
pub fn runs_timeline_columns(backend: Backend, prefix: &str) -> Vec<String> {
    alter_runs(
        backend,
        prefix,
        &["SUBMITTED_AT BIGINT NULL", "RUNNING_AT BIGINT NULL"],
        &[],
    )
}

/// Statements adding `columns` and `indexes` (name without prefix, columns)
/// to the run history, each backend's way: MySQL in one `ALTER TABLE`.
fn alter_runs(
    backend: Backend,
    prefix: &str,
    columns: &[&str],
    indexes: &[(&str, &str)],
) -> Vec<String> {
    let table = format!("{prefix}{RUNS_TABLE}");
    let create_indexes = indexes.iter().map(|(name, cols)| {
        format!("CREATE INDEX IF NOT EXISTS IDX_{prefix}{name} ON {table}({cols})")
    });
    match backend {
        Backend::Mysql => vec![format!(
            "ALTER TABLE {table} {}",
            columns
                .iter()
                .map(|c| format!("ADD COLUMN {c}"))
                .chain(
                    indexes
                        .iter()
                        .map(|(name, cols)| format!("ADD INDEX IDX_{prefix}{name} ({cols})"))
                )
                .collect::<Vec<_>>()
                .join(", ")
        )],
        Backend::Postgres => (!columns.is_empty())
            .then(|| {
                format!(
                    "ALTER TABLE {table} {}",
                    columns
                        .iter()
                        .map(|c| format!("ADD COLUMN IF NOT EXISTS {c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .into_iter()
            .chain(create_indexes)
            .collect(),
        Backend::Sqlite => columns
            .iter()
            .map(|c| format!("ALTER TABLE {table} ADD COLUMN {c}"))
            .chain(create_indexes)
            .collect(),
    }
}
