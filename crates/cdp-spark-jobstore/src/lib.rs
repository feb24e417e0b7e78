//! The job store of the CDP Spark provisioner: jobs and triggers in Quartz
//! 2.3's own tables, so that a real Quartz scheduler (`JobStoreTX`,
//! `StdJDBCDelegate`, `useProperties=true`, the same `SCHED_NAME` and table
//! prefix) recognises them, plus our run history and asynchronous operation
//! tokens beside them.
//!
//! - Backends: SQLite (bundled; by default the file
//!   `data/jobstore.sqlite3`, created on first start), MySQL/MariaDB
//!   (`mysql://…`) and PostgreSQL (`postgres://…`, libpq), through one
//!   Diesel connection type ([`AnyConnection`]) so the logic is written once.
//! - Blocking database work runs on `tokio::task::spawn_blocking` threads
//!   with connections from an r2d2 pool.
//! - Schema: [`migrate`] (also run by [`DieselJobStore::open`]) applies the
//!   embedded, versioned migrations; re-running is a no-op.
//! - Rows: job key group = data product id, name = `jobName`;
//!   `JOB_CLASS_NAME` = [`JOB_CLASS_NAME`]; `JOB_DATA` in `java.util.Properties`
//!   form ([`job_data`]); a schedule is a `CRON` trigger, a manual run a
//!   one-shot `SIMPLE` trigger; times in epoch milliseconds.
//! - A replace of job and trigger is one transaction under Quartz's
//!   `TRIGGER_ACCESS` row lock (MySQL, PostgreSQL) or SQLite's writer lock
//!   (`BEGIN IMMEDIATE`): the old pair or the new pair, never half.

mod config;
mod connection;
pub mod ddl;
mod dialect;
mod error;
pub mod java_serial;
pub mod job_data;
mod job_views;
pub mod legacy;
pub mod limits;
mod migrate;
mod outbox;
pub mod properties;
mod queue;
mod repair;
pub mod results;
mod rows;
mod run_logs;
mod run_states;
mod runs_ddl;
mod scheduler;
mod sql;
mod sqlite_file;
mod store;

pub use config::{
    redact_password, Backend, DatabaseUrl, StoreConfig, StoreSettings, DEFAULT_DATA_DIR,
    DEFAULT_SCHED_NAME, DEFAULT_SQLITE_FILE, DEFAULT_TABLE_PREFIX,
};
pub use connection::AnyConnection;
pub use dialect::postgres_text;
pub use job_data::{JOB_CLASS_NAME, JOB_DATA_VERSION};
pub use limits::RowError;
pub use migrate::{migrate, Migration, MigrationReport, MIGRATIONS, SCHEMA_VERSION};
pub use rows::{TYPE_CRON, TYPE_SIMPLE};
pub use sql::{STATE_ACCESS, TRIGGER_ACCESS};
pub use sqlite_file::{is_database_file_gone, DATABASE_FILE_GONE};
pub use store::DieselJobStore;
