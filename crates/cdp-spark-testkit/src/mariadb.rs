//! The test MariaDB: `scripts/mariadb.sh`'s `mariadb_start` starts a
//! throw-away server and exports `CDP_TEST_MYSQL_URL`
//! (`mysql://root@127.0.0.1:PORT`, no database); `scripts/test.sh` does it
//! for the whole suite. Tests that need it fail, saying how to start it,
//! when the variable is not set; benches skip ([`optional_server_url`]).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The variable that names the test MariaDB server.
pub const URL_VAR: &str = "CDP_TEST_MYSQL_URL";

/// The server's URL without a database and without a trailing `/`, or
/// `None` when `CDP_TEST_MYSQL_URL` is unset or blank.
pub fn optional_server_url() -> Option<String> {
    std::env::var(URL_VAR)
        .ok()
        .map(|url| url.trim().trim_end_matches('/').to_string())
        .filter(|url| !url.is_empty())
}

/// The server's URL; fails the test when `CDP_TEST_MYSQL_URL` is not set,
/// saying how to run the tests of the running package (Cargo's and
/// nextest's `CARGO_PKG_NAME`) with a throw-away server.
pub fn server_url() -> String {
    optional_server_url().unwrap_or_else(|| {
        let package = std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| "<package>".into());
        panic!(
            "{URL_VAR} is not set: the tests of {package} on MariaDB need a MariaDB server. Run \
             them with `bash -c 'source scripts/mariadb.sh && mariadb_start && cargo test -p \
             {package}'` (or scripts/test.sh), which starts a throw-away MariaDB and sets it"
        )
    })
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database name no other test uses (of this process or another):
/// `cdp_{tag}_{pid}_{n}_{nanos}`.
pub fn unique_name(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("cdp_{tag}_{}_{n}_{nanos}", std::process::id())
}

#[cfg(feature = "mariadb")]
pub use database::Database;

#[cfg(feature = "mariadb")]
mod database {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, MysqlConnection};

    /// A database of its own on the test MariaDB, dropped on drop.
    pub struct Database {
        pub name: String,
        /// `{server}/{name}`.
        pub url: String,
        pub server: String,
    }

    impl Database {
        /// Creates `cdp_{tag}_…` on the server of [`super::server_url`].
        pub fn create(tag: &str) -> Self {
            let server = super::server_url();
            let name = super::unique_name(tag);
            let mut conn = MysqlConnection::establish(&server)
                .unwrap_or_else(|e| panic!("cannot connect to the test MariaDB at {server}: {e}"));
            conn.batch_execute(&format!("CREATE DATABASE `{name}`"))
                .expect("create the test database");
            let url = format!("{server}/{name}");
            Database { name, url, server }
        }

        /// A connection to the database.
        pub fn connect(&self) -> MysqlConnection {
            MysqlConnection::establish(&self.url).expect("connect to the test database")
        }
    }

    impl Drop for Database {
        fn drop(&mut self) {
            if let Ok(mut conn) = MysqlConnection::establish(&self.server) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.name));
            }
        }
    }
}
