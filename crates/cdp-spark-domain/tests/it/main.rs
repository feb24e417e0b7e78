//! The domain's integration tests, one binary (`cargo test -p
//! cdp-spark-domain --test it`; one module's tests with its name as the
//! filter, e.g. `-- jar_large::`): each module was a test binary of its own.

mod descriptor_support;
mod support;

mod cron_differential;
mod cron_oracle;
mod descriptor_conf_policy;
mod descriptor_deadline;
mod descriptor_document;
mod descriptor_limits;
mod descriptor_migration;
mod descriptor_policy;
mod descriptor_rules;
mod descriptor_run_limits;
mod descriptor_schema;
mod descriptor_unknown_keys;
mod descriptor_values;
mod fuzz_corpus;
mod jar_damaged;
mod jar_large;
mod jar_main_class;
mod time_zone_ids;
