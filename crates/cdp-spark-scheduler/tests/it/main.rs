//! The scheduler engine's integration tests, one binary (`cargo test -p
//! cdp-spark-scheduler --test it`; one module's tests with its name as the
//! filter, e.g. `-- engine_sqlite::`): each module was a test binary of its
//! own. `cluster` needs `CDP_TEST_MYSQL_URL` (`scripts/mariadb.sh`) and
//! `CDP_TEST_PG_URL` (`scripts/postgres.sh`).

mod common;

mod cluster;
mod engine_sqlite;
mod reattach_sqlite;
mod retries_sqlite;
mod timeout_sqlite;
mod unprovision_sqlite;
