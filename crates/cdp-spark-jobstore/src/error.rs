//! Database faults turned into the port's [`StoreError`]: lost or refused
//! connections are `Unavailable`, lock waits and deadlocks are `Conflict`
//! (retried by the store first), rows we cannot read are `Corrupt`.

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::{Cause, StoreError};
use cdp_spark_domain::scheduling::ScheduleError;
use diesel::result::{ConnectionError, DatabaseErrorKind, Error as DieselError};

use crate::limits::RowError;

/// What an operation inside the store fails with.
#[derive(Debug)]
pub(crate) enum DbError {
    /// A fault reported by the database or the driver: classified, and
    /// retried when it is a conflict.
    Db(DieselError),
    /// A decided outcome (bad input, unreadable row, a key taken): never retried.
    Store(StoreError),
    /// A cron trigger whose stored expression or zone cannot be read: a
    /// corrupt row, which an acquisition puts in `ERROR` with the reason.
    Schedule(ScheduleError),
}

impl From<DieselError> for DbError {
    fn from(e: DieselError) -> Self {
        DbError::Db(e)
    }
}

impl From<StoreError> for DbError {
    fn from(e: StoreError) -> Self {
        DbError::Store(e)
    }
}

impl From<RowError> for DbError {
    fn from(e: RowError) -> Self {
        DbError::Store(e.into())
    }
}

impl DbError {
    pub(crate) fn corrupt(message: impl Into<String>) -> Self {
        DbError::Store(StoreError::Corrupt(Cause::new(message)))
    }

    /// A conflict the store found itself (rows changed under its lock).
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        DbError::Store(StoreError::Conflict(Cause::new(message)))
    }

    /// Whether trying the same work again may succeed.
    pub(crate) fn is_retryable(&self) -> bool {
        match self {
            DbError::Db(e) => matches!(classify(e), StoreError::Conflict(_)),
            DbError::Store(_) | DbError::Schedule(_) => false,
        }
    }

    pub(crate) fn into_store_error(self) -> StoreError {
        match self {
            DbError::Db(e) => store_error(e),
            DbError::Store(e) => e,
            DbError::Schedule(e) => StoreError::Corrupt(e.to_string().into()),
        }
    }
}

/// Substrings of driver messages meaning the server is gone or unreachable
/// (MySQL client errors 2002, 2003, 2006, 2013, 2055, server 1053, 1927,
/// 4031; SQLite cannot open or read its file; PostgreSQL: libpq's lost or
/// refused connections, SQLSTATE 57P01-57P03 (connection terminated, server shutting down,
/// starting up), and class 08, which Diesel reports as `ClosedConnection`).
/// Diesel does not hand on PostgreSQL's SQLSTATE beyond its error kinds,
/// so the English messages are matched (libpq and the server speak English
/// unless `lc_messages` says otherwise).
const UNAVAILABLE_MARKERS: &[&str] = &[
    "gone away",
    "lost connection",
    "can't connect",
    "cannot connect",
    "connection refused",
    "server shutdown",
    "connection was killed",
    "broken pipe",
    "connection reset",
    "disconnected by the server",
    "error reading communication packets",
    "unable to open database file",
    "disk i/o error",
    "unknown mysql server host",
    "unknown server host",
    "server closed the connection",
    "no connection to the server",
    "could not connect to server",
    "terminating connection",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "could not translate host name",
];

/// Substrings meaning another transaction held what we needed (MySQL 1205,
/// 1213; SQLite `SQLITE_BUSY`/`SQLITE_LOCKED`; PostgreSQL 40P01 "deadlock
/// detected", 55P03 "canceling statement due to lock timeout" and "could
/// not obtain lock"; 40001 is Diesel's `SerializationFailure`).
const CONFLICT_MARKERS: &[&str] = &[
    "deadlock",
    "due to lock timeout",
    "could not obtain lock",
    "could not serialize access",
    "lock wait timeout",
    "try restarting transaction",
    "database is locked",
    "database table is locked",
    "database schema has changed",
];

fn contains_any(message: &str, markers: &[&str]) -> bool {
    let lower = message.to_ascii_lowercase();
    markers.iter().any(|m| lower.contains(m))
}

/// The port error of a Diesel error, keeping it as the source of its cause.
pub(crate) fn store_error(e: DieselError) -> StoreError {
    classify(&e).caused_by(e)
}

/// The port error of a failed connection attempt, keeping the error as
/// the source of its cause.
pub(crate) fn connection_error(e: ConnectionError, target: &str) -> StoreError {
    classify_connection(&e, target).caused_by(e)
}

/// The port error of a Diesel error, its cause in text only (whether it
/// is retried is decided on this).
/// Whether the database answered a lock wait or a deadlock (retried).
pub(crate) fn is_conflict(e: &DieselError) -> bool {
    matches!(classify(e), StoreError::Conflict(_))
}

fn classify(e: &DieselError) -> StoreError {
    match e {
        DieselError::DatabaseError(kind, info) => {
            let message = info.message().to_string();
            match kind {
                DatabaseErrorKind::ClosedConnection => StoreError::Unavailable(message.into()),
                DatabaseErrorKind::SerializationFailure => StoreError::Conflict(message.into()),
                DatabaseErrorKind::UniqueViolation => StoreError::Conflict(cause!(
                    "a concurrent write stored the same key first: {message}"
                )),
                _ if contains_any(&message, UNAVAILABLE_MARKERS) => {
                    StoreError::Unavailable(message.into())
                }
                _ if contains_any(&message, CONFLICT_MARKERS) => {
                    StoreError::Conflict(message.into())
                }
                _ => StoreError::Other(message.into()),
            }
        }
        DieselError::DeserializationError(inner) => {
            StoreError::Corrupt(cause!("a stored value could not be read: {inner}"))
        }
        DieselError::BrokenTransactionManager => StoreError::Unavailable(
            "the database connection broke in the middle of a transaction".into(),
        ),
        DieselError::RollbackErrorOnCommit {
            commit_error,
            rollback_error,
        } => {
            let commit = classify(commit_error);
            match commit {
                StoreError::Unavailable(m) => StoreError::Unavailable(m),
                other => {
                    StoreError::Other(cause!("{other}; the rollback failed too: {rollback_error}"))
                }
            }
        }
        other => {
            let message = other.to_string();
            if contains_any(&message, UNAVAILABLE_MARKERS) {
                StoreError::Unavailable(message.into())
            } else if contains_any(&message, CONFLICT_MARKERS) {
                StoreError::Conflict(message.into())
            } else {
                StoreError::Other(message.into())
            }
        }
    }
}

/// The port error of a failed connection attempt, in text only.
fn classify_connection(e: &ConnectionError, target: &str) -> StoreError {
    match e {
        ConnectionError::InvalidConnectionUrl(m) => StoreError::Other(cause!(
            "the database URL {target} is not valid: {m}; fix database_url"
        )),
        ConnectionError::BadConnection(m) => {
            StoreError::Unavailable(cause!("cannot connect to {target}: {m}"))
        }
        ConnectionError::CouldntSetupConfiguration(inner) => match classify(inner) {
            StoreError::Unavailable(m) => {
                StoreError::Unavailable(cause!("cannot connect to {target}: {m}"))
            }
            other => StoreError::Other(cause!(
                "connected to {target} but could not set it up: {other}"
            )),
        },
        other => StoreError::Unavailable(cause!("cannot connect to {target}: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Info(&'static str);

    impl diesel::result::DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn db(kind: DatabaseErrorKind, m: &'static str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(Info(m)))
    }

    #[test]
    fn lost_servers_are_unavailable_and_locks_are_conflicts() {
        use DatabaseErrorKind::Unknown;
        for m in [
            "MySQL server has gone away",
            "Lost connection to server during query",
            "Can't connect to server on '127.0.0.1' (111)",
            "unable to open database file",
        ] {
            assert!(
                matches!(classify(&db(Unknown, m)), StoreError::Unavailable(_)),
                "{m}"
            );
        }
        for m in [
            "Deadlock found when trying to get lock; try restarting transaction",
            "Lock wait timeout exceeded; try restarting transaction",
            "database is locked",
        ] {
            let e = db(Unknown, m);
            assert!(matches!(classify(&e), StoreError::Conflict(_)), "{m}");
            assert!(DbError::from(e).is_retryable());
        }
        assert!(matches!(
            classify(&db(DatabaseErrorKind::SerializationFailure, "x")),
            StoreError::Conflict(_)
        ));
        assert!(matches!(
            classify(&db(Unknown, "syntax error")),
            StoreError::Other(_)
        ));
        assert!(matches!(
            classify(&DieselError::BrokenTransactionManager),
            StoreError::Unavailable(_)
        ));
        assert!(!DbError::Store(StoreError::Conflict("taken".into())).is_retryable());
    }

    #[test]
    fn the_diesel_error_is_kept_as_the_source_and_the_text_is_unchanged() {
        use std::error::Error as _;
        let e = store_error(db(DatabaseErrorKind::Unknown, "MySQL server has gone away"));
        assert_eq!(
            e.to_string(),
            "the job store is unavailable: MySQL server has gone away"
        );
        assert_eq!(
            e,
            StoreError::Unavailable("MySQL server has gone away".into())
        );
        let kept = e.source().and_then(|cause| cause.source());
        let diesel = kept.and_then(|k| k.downcast_ref::<DieselError>());
        assert!(
            matches!(
                diesel,
                Some(DieselError::DatabaseError(DatabaseErrorKind::Unknown, _))
            ),
            "{kept:?}"
        );
        let refused = connection_error(ConnectionError::BadConnection("refused".into()), "db");
        assert_eq!(
            refused.to_string(),
            "the job store is unavailable: cannot connect to db: refused"
        );
        let kept = refused.source().and_then(|cause| cause.source());
        assert!(kept.is_some_and(|k| k.is::<ConnectionError>()), "{kept:?}");
        let decided = DbError::conflict("rows changed").into_store_error();
        assert!(decided.source().and_then(|c| c.source()).is_none());
    }

    /// PostgreSQL's messages, as the server (SQLSTATE in the comment) and
    /// libpq write them.
    #[test]
    fn postgres_faults_are_classified_by_their_sqlstate_messages() {
        use DatabaseErrorKind::{ClosedConnection, SerializationFailure, Unknown};
        for (kind, m) in [
            // class 08: Diesel's kind says it.
            (ClosedConnection, "connection to server was lost"),
            // 57P01, 57P03
            (Unknown, "terminating connection due to administrator command"),
            (
                Unknown,
                "terminating connection because of crash of another server process",
            ),
            (Unknown, "FATAL:  the database system is shutting down"),
            (Unknown, "the database system is starting up"),
            // libpq
            (
                Unknown,
                "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally",
            ),
            (Unknown, "no connection to the server"),
            (
                Unknown,
                "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused",
            ),
        ] {
            assert!(
                matches!(classify(&db(kind, m)), StoreError::Unavailable(_)),
                "{m}"
            );
        }
        for (kind, m) in [
            // 40001
            (
                SerializationFailure,
                "could not serialize access due to concurrent update",
            ),
            // 40P01
            (Unknown, "deadlock detected"),
            // 55P03
            (Unknown, "canceling statement due to lock timeout"),
            (
                Unknown,
                "could not obtain lock on row in relation \"qrtz_locks\"",
            ),
        ] {
            let e = db(kind, m);
            assert!(matches!(classify(&e), StoreError::Conflict(_)), "{m}");
            assert!(DbError::from(e).is_retryable(), "{m}");
        }
        for m in [
            "relation \"qrtz_triggers\" does not exist",
            "column \"is_durable\" is of type boolean but expression is of type text",
        ] {
            assert!(
                matches!(classify(&db(Unknown, m)), StoreError::Other(_)),
                "{m}"
            );
        }
        let e = classify_connection(
            &ConnectionError::BadConnection(
                "connection to server at \"127.0.0.1\", port 1 failed: Connection refused".into(),
            ),
            "postgres://u:***@127.0.0.1:1/db",
        );
        assert!(matches!(e, StoreError::Unavailable(_)), "{e}");
    }
}
