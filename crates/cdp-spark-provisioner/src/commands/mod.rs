//! One module per subcommand.

pub mod bench;
pub mod cron;
pub mod jobs;
mod jobs_render;
pub mod migrate;
pub mod migrate_quartz;
pub mod serve;
pub mod validate;

/// Exit code for usage errors and I/O failures (clap uses 2 too).
pub const EXIT_USAGE_OR_IO: u8 = 2;
