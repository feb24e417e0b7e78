//! The app's integration tests, one binary (`cargo test -p
//! cdp-spark-provisioner --test it`; one module's tests with its name as
//! the filter, e.g. `-- http_api::`): each module was a test binary of its
//! own. Three stay binaries of their own: `cli_validate_hdfs` and
//! `yarn_e2e` run on the mini clusters (`scripts/test.sh` runs them with
//! `cargo test`), and `http_openapi` follows the OpenAPI document's own
//! changes.

/// Shared with the binaries above.
#[path = "../support/mod.rs"]
mod support;

mod cli_cron;
mod cli_jobs;
mod cli_migrate;
mod cli_migrate_quartz;
mod cli_validate;
mod console_browser;
mod http_api;
mod http_artifacts;
mod http_console;
mod http_descriptor_rules;
mod http_errors;
mod http_hostile;
mod http_mariadb;
mod http_postgres;
mod http_run_at_provision;
mod http_scheduler;
mod http_secrets;
mod http_service;
mod http_store_durability;
mod http_store_growth;
mod http_unknown_keys;
mod quickstart;
mod spark_local_e2e;
mod spark_local_explain;
mod spark_local_logs;
mod spark_local_notify;
mod spark_local_params;
mod spark_local_shutdown;
mod spark_local_timeout;
mod spark_local_values;
mod webdriver;
