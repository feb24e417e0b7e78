//! Where the store lives and how it is named: database URL (SQLite file by
//! default, MySQL/MariaDB or PostgreSQL for production), Quartz table prefix and
//! `SCHED_NAME`, pool and timeouts; and the `[store]` section of the
//! application's configuration ([`StoreSettings`]) with its checks.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cdp_spark_domain::cause;
use cdp_spark_domain::config_text::KeyError;
use cdp_spark_domain::ports::StoreError;
use serde::{Deserialize, Serialize};

/// Quartz's own default table prefix.
pub const DEFAULT_TABLE_PREFIX: &str = "QRTZ_";
/// `SCHED_NAME` of the rows this provisioner writes unless configured.
pub const DEFAULT_SCHED_NAME: &str = "CdpSparkProvisioner";
/// Data directory of the default SQLite store, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "data";
/// File name of the default SQLite store inside the data directory.
pub const DEFAULT_SQLITE_FILE: &str = "jobstore.sqlite3";
/// Longest table prefix accepted (MySQL names are at most 64 characters).
pub const MAX_TABLE_PREFIX_LEN: usize = 32;
/// Longest `SCHED_NAME` Quartz's tables hold (`VARCHAR(120)`).
pub const MAX_SCHED_NAME_LEN: usize = 120;

/// The database kinds the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Mysql,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Mysql => "MySQL/MariaDB",
            Backend::Postgres => "PostgreSQL",
        })
    }
}

/// A parsed database location.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file (created with its directory on first start).
    Sqlite { path: PathBuf },
    /// `mysql://user:password@host:port/database` (MariaDB too).
    Mysql { url: String },
    /// `postgres://user:password@host:port/database` (or `postgresql://`),
    /// handed to libpq as written.
    Postgres { url: String },
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl DatabaseUrl {
    /// Accepts `mysql://…`, `mariadb://…` (read as `mysql://…`),
    /// `postgres://…`, `postgresql://…`, `sqlite://PATH`, `sqlite:PATH` or a
    /// plain file path.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        Self::parse_text(text).map_err(|m| config_error(&m))
    }

    /// [`DatabaseUrl::parse`], its error the bare message.
    fn parse_text(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err(
                "the database URL is empty: use mysql://USER:PASSWORD@HOST:PORT/DATABASE, postgres://USER:PASSWORD@HOST:PORT/DATABASE, sqlite://PATH or a file path".into(),
            );
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("mysql://") {
            return Ok(DatabaseUrl::Mysql {
                url: text.to_string(),
            });
        }
        if lower.starts_with("mariadb://") {
            return Ok(DatabaseUrl::Mysql {
                url: format!("mysql://{}", &text["mariadb://".len()..]),
            });
        }
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres {
                url: text.to_string(),
            });
        }
        let path = if lower.starts_with("sqlite://") {
            &text["sqlite://".len()..]
        } else if lower.starts_with("sqlite:") {
            &text["sqlite:".len()..]
        } else if let Some(scheme) = url_scheme(text) {
            return Err(format!(
                "the database URL scheme '{scheme}' is not supported: use mysql://USER:PASSWORD@HOST:PORT/DATABASE, postgres://USER:PASSWORD@HOST:PORT/DATABASE, sqlite://PATH or a file path"
            ));
        } else {
            text
        };
        if path.is_empty() || path.contains(":memory:") || path.starts_with("file::memory") {
            return Err(format!(
                "'{text}' is not a SQLite database file: an in-memory database is not shared by the store's connections; give a file path"
            ));
        }
        Ok(DatabaseUrl::Sqlite {
            path: PathBuf::from(path),
        })
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite { .. } => Backend::Sqlite,
            DatabaseUrl::Mysql { .. } => Backend::Mysql,
            DatabaseUrl::Postgres { .. } => Backend::Postgres,
        }
    }

    /// The location without its password, for logs and messages.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite { path } => format!("sqlite://{}", path.display()),
            DatabaseUrl::Mysql { url } | DatabaseUrl::Postgres { url } => redact_password(url),
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// `mysql://user:secret@host/db` → `mysql://user:***@host/db`: the
/// domain's one rule for URLs ([`cdp_spark_domain::redact::redact_url`]),
/// whose user-info runs to the last `@`, so a password holding `/`, `@` or
/// `:` is hidden whole.
pub fn redact_password(url: &str) -> String {
    cdp_spark_domain::redact::redact_url(url)
}

fn url_scheme(text: &str) -> Option<&str> {
    let end = text.find("://")?;
    let scheme = &text[..end];
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

fn config_error(message: &str) -> StoreError {
    StoreError::Other(cause!("job store configuration: {message}"))
}

/// Configuration of the job store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `mysql://…`, `postgres://…`, `sqlite://PATH` or a path; `None` is the SQLite file
    /// [`DEFAULT_SQLITE_FILE`] under `data_dir`.
    pub database_url: Option<String>,
    /// Where the default SQLite file lives; created on first start.
    pub data_dir: PathBuf,
    /// Prefix of the Quartz tables and of ours (`QRTZ_`).
    pub table_prefix: String,
    /// Quartz `SCHED_NAME` of every row: a Quartz scheduler reading these
    /// jobs must be configured with the same `org.quartz.scheduler.instanceName`.
    pub sched_name: String,
    /// Connections kept in the pool at most.
    pub max_connections: u32,
    /// How long an operation waits for a connection (and so for an
    /// unreachable database) before answering `Unavailable`.
    pub connect_timeout: Duration,
    /// How long a write waits for another one's lock (SQLite `busy_timeout`,
    /// InnoDB `innodb_lock_wait_timeout`, PostgreSQL `lock_timeout`) before
    /// it counts as a conflict.
    pub lock_timeout: Duration,
    /// How often a write that conflicted with another one is retried before
    /// the store answers `Conflict`.
    pub conflict_retries: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            database_url: None,
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            table_prefix: DEFAULT_TABLE_PREFIX.to_string(),
            sched_name: DEFAULT_SCHED_NAME.to_string(),
            max_connections: 8,
            connect_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(10),
            conflict_retries: 5,
        }
    }
}

impl StoreConfig {
    /// The default configuration with the given database URL.
    pub fn with_url(url: impl Into<String>) -> Self {
        Self {
            database_url: Some(url.into()),
            ..Self::default()
        }
    }

    /// The default configuration with its SQLite file under `dir`.
    pub fn sqlite_in(dir: impl AsRef<Path>) -> Self {
        Self {
            data_dir: dir.as_ref().to_path_buf(),
            ..Self::default()
        }
    }

    /// The database this configuration points at.
    pub fn database(&self) -> Result<DatabaseUrl, StoreError> {
        match &self.database_url {
            Some(url) => DatabaseUrl::parse(url),
            None => Ok(DatabaseUrl::Sqlite {
                path: self.data_dir.join(DEFAULT_SQLITE_FILE),
            }),
        }
    }

    /// Checks the names that end up in SQL and in every row.
    pub fn validate(&self) -> Result<(), StoreError> {
        check_table_prefix(&self.table_prefix).map_err(|m| config_error(&m))?;
        check_sched_name(&self.sched_name).map_err(|m| config_error(&m))?;
        if self.max_connections == 0 {
            return Err(config_error(
                "max_connections is 0: the pool needs at least one connection",
            ));
        }
        if self.connect_timeout.is_zero() {
            return Err(config_error(
                "connect_timeout is 0: give the database some time to answer",
            ));
        }
        self.database().map(|_| ())
    }
}

pub(crate) fn check_table_prefix(p: &str) -> Result<(), String> {
    let valid = !p.is_empty()
        && p.len() <= MAX_TABLE_PREFIX_LEN
        && p.starts_with(|c: char| c.is_ascii_alphabetic())
        && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "table prefix '{p}' is not valid: use 1 to {MAX_TABLE_PREFIX_LEN} ASCII letters, digits or '_', starting with a letter (Quartz's default is {DEFAULT_TABLE_PREFIX})"
        ))
    }
}

fn check_sched_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if name.trim().is_empty() || n > MAX_SCHED_NAME_LEN {
        return Err(format!(
            "scheduler name (SCHED_NAME) '{name}' must have 1 to {MAX_SCHED_NAME_LEN} characters (it has {n})"
        ));
    }
    Ok(())
}

/// The `[store]` section: [`StoreConfig`] in whole seconds, its SQLite
/// folder as `data_dir` (`--data-dir`), its database as `url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// Where the embedded SQLite database lives (created when missing).
    pub data_dir: PathBuf,
    /// Database URL: `mysql://USER:PASSWORD@HOST:PORT/DB` (MariaDB or
    /// MySQL), `postgres://USER:PASSWORD@HOST:PORT/DB` (or `postgresql://`),
    /// `sqlite://PATH` or a file path. Default: the SQLite file
    /// `jobstore.sqlite3` in `data_dir`.
    pub url: Option<String>,
    /// Prefix of the Quartz tables and ours.
    pub table_prefix: String,
    /// Quartz `SCHED_NAME` of every row (a Quartz scheduler reading the
    /// jobs needs the same `org.quartz.scheduler.instanceName`).
    pub sched_name: String,
    /// Most database connections held open.
    pub max_connections: u32,
    /// How long to wait for a connection before answering "unavailable".
    pub connect_timeout_secs: u64,
    /// How long a write waits for another one's lock.
    pub lock_timeout_secs: u64,
}

impl Default for StoreSettings {
    fn default() -> Self {
        let d = StoreConfig::default();
        Self {
            data_dir: PathBuf::from("./data"),
            url: None,
            table_prefix: d.table_prefix,
            sched_name: d.sched_name,
            max_connections: d.max_connections,
            connect_timeout_secs: d.connect_timeout.as_secs(),
            lock_timeout_secs: d.lock_timeout.as_secs(),
        }
    }
}

impl StoreSettings {
    /// The job store's own configuration.
    pub fn to_store_config(&self) -> StoreConfig {
        StoreConfig {
            database_url: self.url.clone(),
            data_dir: self.data_dir.clone(),
            table_prefix: self.table_prefix.clone(),
            sched_name: self.sched_name.clone(),
            max_connections: self.max_connections,
            connect_timeout: Duration::from_secs(self.connect_timeout_secs),
            lock_timeout: Duration::from_secs(self.lock_timeout_secs),
            ..StoreConfig::default()
        }
    }

    /// The database in effect, without password, for logs.
    pub fn redacted_url(&self) -> String {
        match self.to_store_config().database() {
            Ok(db) => db.redacted(),
            Err(_) => self.url.as_deref().map(redact_password).unwrap_or_default(),
        }
    }

    /// Checks that need no database; the error names the key.
    pub fn check(&self) -> Result<(), KeyError> {
        if self.max_connections == 0 {
            return Err(KeyError::new("store.max_connections", "must be at least 1"));
        }
        if self.connect_timeout_secs == 0 {
            return Err(KeyError::new(
                "store.connect_timeout_secs",
                "must be at least 1",
            ));
        }
        if self.data_dir.as_os_str().is_empty() {
            return Err(KeyError::new(
                "store.data_dir",
                "is empty; give a folder, e.g. ./data",
            ));
        }
        if let Some(url) = &self.url {
            DatabaseUrl::parse_text(url).map_err(|m| KeyError::new("store.url", m))?;
        }
        check_table_prefix(&self.table_prefix)
            .map_err(|m| KeyError::new("store.table_prefix", m))?;
        check_sched_name(&self.sched_name).map_err(|m| KeyError::new("store.sched_name", m))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed_by_scheme() {
        assert_eq!(
            DatabaseUrl::parse("mysql://u:p@h:3306/db")
                .expect("mysql")
                .backend(),
            Backend::Mysql
        );
        assert_eq!(
            DatabaseUrl::parse("mariadb://u@h/db").expect("mariadb"),
            DatabaseUrl::Mysql {
                url: "mysql://u@h/db".into()
            }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/x.db").expect("sqlite"),
            DatabaseUrl::Sqlite {
                path: "/var/lib/x.db".into()
            }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:rel/x.db").expect("sqlite"),
            DatabaseUrl::Sqlite {
                path: "rel/x.db".into()
            }
        );
        assert_eq!(
            DatabaseUrl::parse("x.db").expect("path"),
            DatabaseUrl::Sqlite {
                path: "x.db".into()
            }
        );
        for url in [
            "postgres://u:p@h:5432/db",
            "postgresql://u@h/db",
            "PostgreSQL://u@h/db",
        ] {
            assert_eq!(
                DatabaseUrl::parse(url).expect("postgres"),
                DatabaseUrl::Postgres { url: url.into() },
                "{url}"
            );
            assert_eq!(
                DatabaseUrl::parse(url).expect("postgres").backend(),
                Backend::Postgres
            );
        }
        let e = DatabaseUrl::parse("oracle://h/db").expect_err("unsupported");
        assert!(e.to_string().contains("'oracle'"), "{e}");
        assert!(e.to_string().contains("postgres://"), "{e}");
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
        assert!(DatabaseUrl::parse(" ").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_password("mysql://root:s3cr3t@127.0.0.1:3306/db"),
            "mysql://root:***@127.0.0.1:3306/db"
        );
        assert_eq!(redact_password("mysql://root@h/db"), "mysql://root@h/db");
        // The user-info runs to the last '@', whatever the password holds.
        for (password, url) in [
            ("pa/ss", "mysql://user:pa/ss@host/db"),
            ("p@ss", "mysql://user:p@ss@host/db"),
            ("p:ss", "mysql://user:p:ss@host:3306/db"),
            ("pa%2Fss", "mysql://user:pa%2Fss@host/db"),
            ("a/b@c:d", "mysql://user:a/b@c:d@host:3306/db"),
        ] {
            let shown = redact_password(url);
            assert!(!shown.contains(password), "{url} shown as {shown}");
            assert!(shown.starts_with("mysql://user:***@host"), "{shown}");
            let db = DatabaseUrl::parse(url).expect("mysql");
            assert!(!format!("{db:?} {db} {}", db.redacted()).contains(password));
        }
        let url = DatabaseUrl::parse("mysql://a:b@h/d").expect("mysql");
        assert!(!format!("{url:?} {url}").contains(":b@"));
        for (password, url) in [
            ("s3cr3t", "postgres://sp:s3cr3t@db:5432/sp"),
            ("a/b@c:d", "postgresql://sp:a/b@c:d@db:5432/sp"),
        ] {
            let db = DatabaseUrl::parse(url).expect("postgres");
            let shown = format!("{db:?} {db} {}", db.redacted());
            assert!(!shown.contains(password), "{url} shown as {shown}");
            assert!(db.redacted().ends_with("sp:***@db:5432/sp"), "{shown}");
        }
        // libpq also takes the password as a query parameter.
        let db = DatabaseUrl::parse("postgres://sp@db/sp?sslmode=require&password=s3cr3t")
            .expect("postgres");
        let shown = format!("{db:?} {db}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("sslmode=require"), "{shown}");
    }

    #[test]
    fn default_is_a_sqlite_file_in_the_data_dir() {
        let c = StoreConfig::sqlite_in("/tmp/x");
        assert_eq!(
            c.database().expect("default"),
            DatabaseUrl::Sqlite {
                path: Path::new("/tmp/x").join(DEFAULT_SQLITE_FILE)
            }
        );
        c.validate().expect("valid");
    }

    #[test]
    fn the_section_converts_redacts_and_names_the_key() {
        let d = StoreSettings::default();
        assert_eq!(d.check(), Ok(()));
        assert_eq!(d.redacted_url(), "sqlite://./data/jobstore.sqlite3");
        assert_eq!(d.to_store_config().validate(), Ok(()));
        let store = StoreSettings {
            url: Some("mysql://sp:s3cret@db:3306/sp".into()),
            ..StoreSettings::default()
        };
        assert_eq!(store.redacted_url(), "mysql://sp:***@db:3306/sp");
        let store = StoreSettings {
            url: Some("postgresql://sp:s3cret@db:5432/sp".into()),
            ..StoreSettings::default()
        };
        assert_eq!(store.redacted_url(), "postgresql://sp:***@db:5432/sp");
        assert_eq!(store.check(), Ok(()));
        let key = |f: fn(&mut StoreSettings)| {
            let mut s = StoreSettings::default();
            f(&mut s);
            s.check().map_err(|e| e.key)
        };
        assert_eq!(
            key(|s| s.url = Some("oracle://x".into())),
            Err("store.url".into())
        );
        assert_eq!(
            key(|s| s.table_prefix = "1X".into()),
            Err("store.table_prefix".into())
        );
        assert_eq!(
            key(|s| s.sched_name = " ".into()),
            Err("store.sched_name".into())
        );
        assert_eq!(
            key(|s| s.max_connections = 0),
            Err("store.max_connections".into())
        );
        assert_eq!(
            key(|s| s.connect_timeout_secs = 0),
            Err("store.connect_timeout_secs".into())
        );
        assert_eq!(
            key(|s| s.data_dir = PathBuf::new()),
            Err("store.data_dir".into())
        );
    }

    #[test]
    fn bad_names_are_rejected_with_the_rule() {
        for prefix in ["", "1X_", "QRTZ-", "Q R", &"P".repeat(33)] {
            let c = StoreConfig {
                table_prefix: prefix.to_string(),
                ..StoreConfig::default()
            };
            let e = c.validate().expect_err(prefix);
            assert!(e.to_string().contains("table prefix"), "{e}");
        }
        let c = StoreConfig {
            sched_name: "s".repeat(121),
            ..StoreConfig::default()
        };
        assert!(c
            .validate()
            .expect_err("long")
            .to_string()
            .contains("SCHED_NAME"));
    }
}
