//! Connections: one Diesel connection type over the three backends, an r2d2
//! pool that opens the backend the URL names (never falling back to the
//! other), per-connection settings, and the write transaction.

use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::StoreError;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection, Pool, R2D2Connection};
use diesel::{Connection, MysqlConnection, PgConnection, SqliteConnection};
use tracing::debug;

use crate::config::{DatabaseUrl, StoreConfig};
use crate::error::{connection_error, store_error, DbError};
use crate::sqlite_file::DatabaseFile;

/// A connection to SQLite, MySQL/MariaDB or PostgreSQL; the store's logic
/// is written once against it, with per-backend code only where the SQL
/// differs.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Mysql(MysqlConnection),
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Session settings applied to every new connection.
#[derive(Debug, Clone)]
pub(crate) struct SessionSettings {
    pub lock_timeout: Duration,
    /// libpq's `connect_timeout` when the URL names none (libpq waits on
    /// an unanswering host as long as TCP does otherwise).
    pub connect_timeout: Duration,
}

/// Opens a connection of the backend `db` names and sets it up. A SQLite
/// file (and its directory) is created when missing, unless `existing` is
/// given: then only that very file is opened (see [`crate::sqlite_file`]).
pub(crate) fn establish(
    db: &DatabaseUrl,
    settings: &SessionSettings,
    existing: Option<&DatabaseFile>,
) -> Result<AnyConnection, StoreError> {
    let target = db.redacted();
    match db {
        DatabaseUrl::Sqlite { path } => {
            let open_text = match existing {
                Some(file) => {
                    // Not a new, empty database in place of a removed one.
                    file.check()?;
                    file.open_existing_uri().ok_or_else(|| not_utf8(path))?
                }
                None => {
                    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        std::fs::create_dir_all(parent).map_err(|e| {
                            StoreError::Unavailable(cause!(
                                "cannot create the directory {} of the SQLite store: {e}; create it or point data_dir/database_url elsewhere",
                                parent.display()
                            )).caused_by(e)
                        })?;
                    }
                    path.to_str().ok_or_else(|| not_utf8(path))?.to_string()
                }
            };
            let mut conn = SqliteConnection::establish(&open_text)
                .map_err(|e| connection_error(e, &target))?;
            let millis = settings.lock_timeout.as_millis().min(i32::MAX as u128);
            // busy_timeout first: the journal_mode switch itself may wait.
            conn.batch_execute(&format!(
                "PRAGMA busy_timeout = {millis}; PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
            ))
            .map_err(store_error)?;
            if let Some(file) = existing {
                // The path may have changed between the check and the open.
                file.check()?;
            }
            Ok(AnyConnection::Sqlite(conn))
        }
        DatabaseUrl::Mysql { url } => {
            let mut conn =
                MysqlConnection::establish(url).map_err(|e| connection_error(e, &target))?;
            let seconds = settings.lock_timeout.as_secs().clamp(1, 1_073_741_824);
            // The server's isolation level is kept (REPEATABLE READ by
            // default, as for Quartz): writers serialize on the TRIGGER_ACCESS
            // row lock, and the reads after it see the latest commits.
            conn.batch_execute(&format!("SET SESSION innodb_lock_wait_timeout = {seconds}"))
                .map_err(store_error)?;
            Ok(AnyConnection::Mysql(conn))
        }
        DatabaseUrl::Postgres { url } => {
            let url = with_connect_timeout(url, settings.connect_timeout);
            let mut conn =
                PgConnection::establish(&url).map_err(|e| connection_error(e, &target))?;
            let millis = settings.lock_timeout.as_millis().clamp(1, i32::MAX as u128);
            // READ COMMITTED, as Quartz runs on PostgreSQL (and the server's
            // default, set here whatever the server's configuration says):
            // writers serialize on the TRIGGER_ACCESS row lock, and every
            // statement after it sees the latest commits. A lock wait longer
            // than lock_timeout fails with 55P03, a conflict (retried).
            conn.batch_execute(&format!(
                "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED; \
                 SET lock_timeout = {millis}; SET TIME ZONE 'UTC'"
            ))
            .map_err(store_error)?;
            Ok(AnyConnection::Pg(conn))
        }
    }
}

/// `url` with libpq's `connect_timeout` (whole seconds, at least 1) unless
/// it already sets one.
fn with_connect_timeout(url: &str, timeout: Duration) -> String {
    if url.contains("connect_timeout=") {
        return url.to_string();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!(
        "{url}{separator}connect_timeout={}",
        timeout.as_secs().max(1)
    )
}

fn not_utf8(path: &std::path::Path) -> StoreError {
    StoreError::Other(cause!(
        "the SQLite path {} is not valid UTF-8; choose another path",
        path.display()
    ))
}

/// Why the pool could not open a connection (the message only: the
/// checkout error says it is unavailable).
#[derive(Debug)]
pub(crate) struct ConnectError(String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

impl From<StoreError> for ConnectError {
    fn from(e: StoreError) -> Self {
        ConnectError(match e {
            StoreError::Unavailable(m)
            | StoreError::Conflict(m)
            | StoreError::Corrupt(m)
            | StoreError::Other(m) => m.into(),
        })
    }
}

/// The pool's connection factory.
#[derive(Debug)]
pub(crate) struct Manager {
    db: DatabaseUrl,
    settings: SessionSettings,
    /// The SQLite file of an open store: new connections open it only.
    existing: Option<Arc<DatabaseFile>>,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<AnyConnection, ConnectError> {
        Ok(establish(
            &self.db,
            &self.settings,
            self.existing.as_deref(),
        )?)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), ConnectError> {
        Ok(conn.ping().map_err(store_error)?)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        conn.is_broken()
    }
}

pub(crate) type StorePool = Pool<Manager>;

/// The session settings of `config`.
pub(crate) fn session_settings(config: &StoreConfig) -> SessionSettings {
    SessionSettings {
        lock_timeout: config.lock_timeout,
        connect_timeout: config.connect_timeout,
    }
}

/// A pool for `config`; connections are opened on demand, so building it
/// never fails on an unreachable database (the first checkout does).
/// `existing`: the SQLite file of an open store, which its connections
/// open and nothing else.
pub(crate) fn build_pool(
    config: &StoreConfig,
    db: &DatabaseUrl,
    max_size: u32,
    existing: Option<Arc<DatabaseFile>>,
) -> Result<StorePool, StoreError> {
    let manager = Manager {
        db: db.clone(),
        settings: session_settings(config),
        existing,
    };
    Ok(r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(config.connect_timeout)
        .test_on_check_out(true)
        .error_handler(Box::new(r2d2::NopErrorHandler))
        .build_unchecked(manager))
}

/// A connection from the pool, or `Unavailable` with the last connect error.
pub(crate) fn checkout(
    pool: &StorePool,
    target: &str,
) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
    pool.get().map_err(|e| {
        StoreError::Unavailable(cause!(
            "no connection to {target} within the connect timeout ({e})"
        ))
        .caused_by(e)
    })
}

/// Runs `f` in a write transaction that holds the store's write lock:
/// SQLite `BEGIN IMMEDIATE` (the database's single writer lock, waiting up
/// to `busy_timeout`); on MySQL and PostgreSQL a plain transaction in
/// which the caller takes Quartz's `TRIGGER_ACCESS` row lock
/// ([`crate::sql::lock_trigger_access`]).
/// Commits when `f` succeeds, rolls back otherwise: either everything `f`
/// wrote stays, or nothing.
pub(crate) fn write_transaction<T>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        AnyConnection::Mysql(c) => AnsiTransactionManager::begin_transaction(c)?,
        AnyConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <AnyConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) =
                <AnyConnection as Connection>::TransactionManager::rollback_transaction(conn)
            {
                debug!(error = %rollback, "rollback after a failed write failed too");
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_gets_the_connect_timeout_unless_the_url_has_one() {
        let t = Duration::from_secs(5);
        assert_eq!(
            with_connect_timeout("postgres://u@h/db", t),
            "postgres://u@h/db?connect_timeout=5"
        );
        assert_eq!(
            with_connect_timeout(
                "postgres://u@h/db?sslmode=require",
                Duration::from_millis(10)
            ),
            "postgres://u@h/db?sslmode=require&connect_timeout=1"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@h/db?connect_timeout=30", t),
            "postgres://u@h/db?connect_timeout=30"
        );
    }
}
