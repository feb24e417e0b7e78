//! The job store's integration tests, one binary (`cargo test -p
//! cdp-spark-jobstore --test it`; one module's tests with its name as the
//! filter, e.g. `-- schema::`): each module was a test binary of its own.
//! The MariaDB ones need `CDP_TEST_MYSQL_URL` (`scripts/mariadb.sh`), the
//! PostgreSQL ones `CDP_TEST_PG_URL` (`scripts/postgres.sh`).

#[macro_use]
mod common;

mod completion;
mod concurrency;
mod durability;
mod existing_jobs;
mod follow_pages;
mod job_views;
mod migrate;
mod operation_results;
mod outage;
mod outbox;
mod quartz_interop;
mod queued;
mod repair;
mod run_end;
mod run_logs;
mod schema;
mod schema_postgres;
mod store;
