//! Versioned migrations, embedded in the binary and applied at start-up or by
//! `cdp-spark-provisioner migrate`. Applied versions are kept in our own
//! `<prefix>CDP_SCHEMA_MIGRATIONS` table; re-running applies nothing.
//!
//! Every statement is `CREATE … IF NOT EXISTS`, so a database that already
//! has Quartz's tables (created by Quartz's own script) is adopted as is.
//! Two instances starting together do not race: SQLite runs the migrations
//! in one `BEGIN IMMEDIATE` transaction (its DDL is transactional);
//! PostgreSQL in one transaction holding an advisory lock
//! (`pg_advisory_xact_lock`, its DDL is transactional too); MySQL holds a
//! named lock (`GET_LOCK`) while it migrates.

use std::fmt;

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::StoreError;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use tracing::info;

use crate::config::{Backend, StoreConfig};
use crate::connection::{build_pool, checkout, write_transaction, AnyConnection};
use crate::ddl;
use crate::error::{is_conflict, DbError};
use crate::runs_ddl;
use crate::sql::{ensure_lock_rows, query, Sql};

/// One schema change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    pub version: i32,
    pub name: &'static str,
}

/// Every migration, in order. Never change a released one: add a new one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "quartz-2.3-tables",
    },
    Migration {
        version: 2,
        name: "run-history",
    },
    Migration {
        version: 3,
        name: "async-operations",
    },
    Migration {
        version: 4,
        name: "run-parameters-and-queue",
    },
    Migration {
        version: 5,
        name: "notification-outbox",
    },
    Migration {
        version: 6,
        name: "run-logs",
    },
    Migration {
        version: 7,
        name: "job-listing-indexes",
    },
    Migration {
        version: 8,
        name: "run-timeline",
    },
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = 8;

/// Seconds a MySQL or PostgreSQL migration waits for another instance's migration.
const MIGRATION_LOCK_WAIT_SECONDS: i32 = 120;

fn statements(version: i32, backend: Backend, prefix: &str) -> Vec<String> {
    match version {
        1 => ddl::quartz_tables(backend, prefix),
        2 => ddl::runs_table(backend, prefix),
        3 => ddl::operations_table(backend, prefix),
        4 => runs_ddl::runs_queue_columns(backend, prefix),
        5 => ddl::notifications_table(backend, prefix),
        6 => ddl::run_logs_table(backend, prefix),
        7 => runs_ddl::runs_listing_indexes(backend, prefix),
        8 => runs_ddl::runs_timeline_columns(backend, prefix),
        _ => Vec::new(),
    }
}

/// What a migration run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// The database, without password.
    pub database: String,
    pub backend: Backend,
    pub table_prefix: String,
    /// Migrations applied by this run.
    pub applied: Vec<Migration>,
    /// Migrations found already applied.
    pub already_applied: Vec<i32>,
    /// Version of the schema after the run.
    pub schema_version: i32,
}

impl fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.applied.is_empty() {
            write!(
                f,
                "{} ({}, prefix {}): schema already at version {}, nothing to do",
                self.database, self.backend, self.table_prefix, self.schema_version
            )
        } else {
            let names: Vec<String> = self
                .applied
                .iter()
                .map(|m| format!("{} {}", m.version, m.name))
                .collect();
            write!(
                f,
                "{} ({}, prefix {}): applied {}; schema at version {}",
                self.database,
                self.backend,
                self.table_prefix,
                names.join(", "),
                self.schema_version
            )
        }
    }
}

/// Brings the database of `config` to [`SCHEMA_VERSION`] and makes sure
/// Quartz's lock rows of its `SCHED_NAME` exist.
pub async fn migrate(config: &StoreConfig) -> Result<MigrationReport, StoreError> {
    config.validate()?;
    let db = config.database()?;
    let pool = build_pool(config, &db, 1, None)?;
    let target = db.redacted();
    let backend = db.backend();
    let prefix = config.table_prefix.clone();
    let sched = config.sched_name.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = checkout(&pool, &target)?;
        let (applied, already_applied) = migrate_connection(&mut conn, backend, &prefix, &sched)
            .map_err(DbError::into_store_error)?;
        let report = MigrationReport {
            database: target,
            backend,
            table_prefix: prefix,
            applied,
            already_applied,
            schema_version: SCHEMA_VERSION,
        };
        info!(%report, "job store schema checked");
        Ok(report)
    })
    .await
    .map_err(|e| StoreError::Other(cause!("the migration task failed: {e}")).caused_by(e))?
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Integer, column_name = "VERSION")]
    version: i32,
}

#[derive(QueryableByName)]
struct LockResult {
    #[diesel(sql_type = Nullable<BigInt>, column_name = "GOT")]
    got: Option<i64>,
}

pub(crate) fn migrate_connection(
    conn: &mut AnyConnection,
    backend: Backend,
    prefix: &str,
    sched: &str,
) -> Result<(Vec<Migration>, Vec<i32>), DbError> {
    let create_migrations_table = |conn: &mut AnyConnection| -> Result<(), DbError> {
        for s in ddl::migrations_table(backend, prefix) {
            conn.batch_execute(&s)?;
        }
        Ok(())
    };
    match backend {
        Backend::Sqlite => {
            create_migrations_table(conn)?;
            write_transaction(conn, |conn| apply_pending(conn, backend, prefix, sched))
        }
        Backend::Postgres => write_transaction(conn, |conn| {
            // Everything, the migrations table included, under the lock:
            // two `CREATE TABLE IF NOT EXISTS` at once may both try to
            // create the table. The lock goes with the transaction.
            conn.batch_execute(&format!(
                "SET LOCAL lock_timeout = {}",
                MIGRATION_LOCK_WAIT_SECONDS * 1000
            ))?;
            query(
                "SELECT pg_advisory_xact_lock(hashtext('cdp-spark-jobstore:' || current_database() || ':' || ?))",
            )
            .bind::<Text, _>(prefix)
            .execute(conn)
            .map_err(|e| {
                if is_conflict(&e) {
                    DbError::Store(StoreError::Conflict(
                        format!(
                            "another instance kept migrating the schema for more than {MIGRATION_LOCK_WAIT_SECONDS} s; try again"
                        )
                        .into(),
                    ))
                } else {
                    DbError::Db(e)
                }
            })?;
            create_migrations_table(conn)?;
            apply_pending(conn, backend, prefix, sched)
        }),
        Backend::Mysql => {
            create_migrations_table(conn)?;
            let lock_name =
                "LEFT(CONCAT('cdp-spark-jobstore:', COALESCE(DATABASE(), ''), ':', ?), 64)";
            let got: Vec<LockResult> = query(&format!(
                "SELECT GET_LOCK({lock_name}, {MIGRATION_LOCK_WAIT_SECONDS}) AS GOT"
            ))
            .bind::<Text, _>(prefix)
            .load(conn)?;
            if got.first().and_then(|r| r.got) != Some(1) {
                return Err(DbError::Store(StoreError::Conflict(cause!(
                    "another instance kept migrating the schema for more than {MIGRATION_LOCK_WAIT_SECONDS} s; try again"
                ))));
            }
            let result = apply_pending(conn, backend, prefix, sched);
            let released = query(&format!("SELECT RELEASE_LOCK({lock_name}) AS GOT"))
                .bind::<Text, _>(prefix)
                .load::<LockResult>(conn);
            let applied = result?;
            released?;
            Ok(applied)
        }
    }
}

fn apply_pending(
    conn: &mut AnyConnection,
    backend: Backend,
    prefix: &str,
    sched: &str,
) -> Result<(Vec<Migration>, Vec<i32>), DbError> {
    let table = format!("{prefix}{}", ddl::MIGRATIONS_TABLE);
    let done: Vec<i32> = query(&format!(
        "SELECT VERSION AS VERSION FROM {table} ORDER BY VERSION"
    ))
    .load::<VersionRow>(conn)?
    .into_iter()
    .map(|r| r.version)
    .collect();
    if let Some(newest) = done.iter().copied().max().filter(|v| *v > SCHEMA_VERSION) {
        return Err(DbError::corrupt(format!(
            "the database schema (prefix {prefix}) is at version {newest}, newer than this provisioner's {SCHEMA_VERSION}: run a provisioner at least as new as the one that migrated it"
        )));
    }
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| !done.contains(&m.version)) {
        for s in statements(m.version, backend, prefix) {
            conn.batch_execute(&s)?;
        }
        query(&format!(
            "INSERT INTO {table} (VERSION, NAME, APPLIED_AT) VALUES (?, ?, ?)"
        ))
        .bind::<Integer, _>(m.version)
        .bind::<Text, _>(m.name)
        .bind::<BigInt, _>(chrono::Utc::now().timestamp_millis())
        .execute(conn)?;
        info!(
            version = m.version,
            name = m.name,
            prefix,
            "migration applied"
        );
        applied.push(*m);
    }
    ensure_lock_rows(conn, &Sql::new(backend, prefix), sched)?;
    Ok((applied, done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_in_order_up_to_the_schema_version() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i32 + 1, "{}", m.name);
            assert!(!statements(m.version, Backend::Mysql, "Q_").is_empty());
            assert!(!statements(m.version, Backend::Sqlite, "Q_").is_empty());
            assert!(!statements(m.version, Backend::Postgres, "Q_").is_empty());
        }
        assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(SCHEMA_VERSION));
    }
}
