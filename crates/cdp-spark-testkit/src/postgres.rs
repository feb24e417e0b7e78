//! The test PostgreSQL: `scripts/postgres.sh`'s `postgres_start` starts a
//! throw-away server and exports `CDP_TEST_PG_URL`
//! (`postgres://postgres@127.0.0.1:PORT`, no database); `scripts/test.sh`
//! does it for the whole suite, beside MariaDB. Tests that need it fail,
//! saying how to start it, when the variable is not set; benches skip
//! ([`optional_server_url`]).

/// The variable that names the test PostgreSQL server.
pub const URL_VAR: &str = "CDP_TEST_PG_URL";

/// The server's URL without a database and without a trailing `/`, or
/// `None` when `CDP_TEST_PG_URL` is unset or blank.
pub fn optional_server_url() -> Option<String> {
    std::env::var(URL_VAR)
        .ok()
        .map(|url| url.trim().trim_end_matches('/').to_string())
        .filter(|url| !url.is_empty())
}

/// The server's URL; fails the test when `CDP_TEST_PG_URL` is not set,
/// saying how to run the tests of the running package with a throw-away
/// server.
pub fn server_url() -> String {
    optional_server_url().unwrap_or_else(|| {
        let package = std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| "<package>".into());
        panic!(
            "{URL_VAR} is not set: the tests of {package} on PostgreSQL need a PostgreSQL server. \
             Run them with `bash -c 'source scripts/postgres.sh && postgres_start && cargo test -p \
             {package}'` (or scripts/test.sh), which starts a throw-away PostgreSQL and sets it"
        )
    })
}

/// A database name no other test uses: `cdp_{tag}_{pid}_{n}_{nanos}`
/// (the same names as on MariaDB, lower case as PostgreSQL keeps them).
pub fn unique_name(tag: &str) -> String {
    crate::mariadb::unique_name(tag).to_ascii_lowercase()
}

#[cfg(feature = "postgres")]
pub use database::Database;

#[cfg(feature = "postgres")]
mod database {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};

    /// A database of its own on the test PostgreSQL, dropped on drop.
    pub struct Database {
        pub name: String,
        /// `{server}/{name}`.
        pub url: String,
        pub server: String,
    }

    /// The server's maintenance database, from which others are created
    /// and dropped.
    fn maintenance(server: &str) -> String {
        format!("{server}/postgres")
    }

    impl Database {
        /// Creates `cdp_{tag}_…` on the server of [`super::server_url`].
        pub fn create(tag: &str) -> Self {
            let server = super::server_url();
            let name = super::unique_name(tag);
            let mut conn = PgConnection::establish(&maintenance(&server)).unwrap_or_else(|e| {
                panic!("cannot connect to the test PostgreSQL at {server}: {e}")
            });
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create the test database");
            let url = format!("{server}/{name}");
            Database { name, url, server }
        }

        /// A connection to the database.
        pub fn connect(&self) -> PgConnection {
            PgConnection::establish(&self.url).expect("connect to the test database")
        }
    }

    impl Drop for Database {
        fn drop(&mut self) {
            if let Ok(mut conn) = PgConnection::establish(&maintenance(&self.server)) {
                // FORCE: a pool's idle connections do not keep it.
                let _ = conn.batch_execute(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    self.name
                ));
            }
        }
    }
}
