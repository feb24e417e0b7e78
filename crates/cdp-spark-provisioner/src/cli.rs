//! Command-line interface.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "cdp-spark-provisioner",
    version,
    about = "Witboost specific provisioner for Spark batch jobs on Cloudera CDP Private Cloud Base"
)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "CDP_SPARK_PROVISIONER_LOG_FORMAT")]
    pub log_format: LogFormat,

    /// More logs (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate a component descriptor offline and print the JSON
    /// ValidationResult the API would return. Exit 0 valid, 1 invalid,
    /// 2 usage or I/O error.
    Validate(ValidateArgs),
    /// Quartz cron expressions, evaluated exactly as Quartz 2.3.2 does.
    Cron {
        #[command(subcommand)]
        command: CronCommand,
    },
    /// Serve the Witboost specific-provisioner API, the job status API,
    /// health, metrics and the OpenAPI document. With no arguments: on
    /// 127.0.0.1:8093, SQLite under ./data, local-file jars.
    Serve(ServeArgs),
    /// Create or upgrade the job store's tables (Quartz 2.3's and ours);
    /// re-running is a no-op. `serve` also migrates at start-up.
    Migrate(MigrateArgs),
    /// Benchmarks.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// The scheduler engine on a real database with a launcher that only
    /// records: N jobs firing every second for S seconds. Prints fires/s,
    /// fire lateness p50/p99/max and peak RSS, ending with the line
    /// `fires_per_s=… p50_ms=… p99_ms=… max_ms=… rss_mb=…`. Use an empty
    /// database: the benchmark's jobs are left in it.
    Scheduler(BenchSchedulerArgs),
}

#[derive(Debug, Args)]
pub struct BenchSchedulerArgs {
    /// Jobs, each with a trigger firing every second (`* * * * * ?`).
    #[arg(long, default_value_t = 200)]
    pub triggers: usize,

    /// Length of the measured window in seconds.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,

    /// Database URL: `mysql://user:password@host:3306/db`,
    /// `postgres://user:password@host:5432/db`, `sqlite://path`
    /// or a file path.
    #[arg(long)]
    pub database_url: String,

    /// Scheduler instances in this process, sharing the database.
    #[arg(long, default_value_t = 1)]
    pub instances: usize,

    /// Most fires per acquisition.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,

    /// Triggers due within this many milliseconds are acquired ahead.
    #[arg(long, default_value_t = 700)]
    pub look_ahead_ms: u64,

    /// Database connections of the pool.
    #[arg(long, default_value_t = 8)]
    pub max_connections: u32,

    /// Worker threads of the async runtime.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Database URL: `mysql://user:password@host:3306/db`,
    /// `postgres://user:password@host:5432/db`, `sqlite://path`
    /// or a file path. Default: SQLite under --data-dir.
    #[arg(long, env = "CDP_SPARK_PROVISIONER__STORE__URL")]
    pub database_url: Option<String>,

    /// Data directory of the embedded SQLite database.
    #[arg(long, default_value = "data")]
    pub data_dir: std::path::PathBuf,

    /// Table prefix of the Quartz tables.
    #[arg(long, default_value = "QRTZ_")]
    pub table_prefix: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Configuration file (TOML), over the built-in defaults; environment
    /// variables CDP_SPARK_PROVISIONER__SECTION__KEY override it.
    #[arg(long, short)]
    pub config: Option<PathBuf>,

    /// ADDRESS:PORT to listen on (server.bind), over file and environment.
    /// Port 0 picks a free port; the address is printed on standard output.
    #[arg(long)]
    pub bind: Option<String>,

    /// Folder of the embedded SQLite database (store.data_dir), over file
    /// and environment.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The descriptor file (YAML, as the Coordinator sends in
    /// `ProvisioningRequest.descriptor`), or `-` for standard input.
    #[arg(long, short)]
    pub descriptor: PathBuf,

    /// The descriptor kind.
    #[arg(long, default_value = "COMPONENT_DESCRIPTOR")]
    pub kind: String,

    /// Accepted useCaseTemplateId (repeatable; version suffix optional).
    /// Default: the configuration's `descriptor.accepted_use_case_templates`
    /// (urn:dmb:utm:cdp-private-spark-workload-template).
    #[arg(long = "accept-template")]
    pub accepted_templates: Vec<String>,

    /// Configuration file (TOML) as for `serve`: its `[hdfs]` section lets
    /// `hdfs://` jars be checked, its `[descriptor]` section sets the limits.
    /// Environment variables CDP_SPARK_PROVISIONER__SECTION__KEY apply too.
    #[arg(long, short)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CronCommand {
    /// Print the next fire times of an expression, one RFC 3339 UTC instant
    /// per line; or, with --batch, answer `EXPR<TAB>FROM<TAB>TZ<TAB>COUNT`
    /// lines from standard input in the oracle's format.
    Next(CronNextArgs),
}

#[derive(Debug, Args)]
pub struct CronNextArgs {
    /// The Quartz expression, e.g. "0 30 2 ? * MON-FRI".
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub expression: Option<String>,

    /// Start instant (exclusive), RFC 3339. Default: now.
    #[arg(long)]
    pub after: Option<String>,

    /// How many fire times.
    #[arg(long, default_value_t = 5)]
    pub count: usize,

    /// IANA time zone the expression is evaluated in.
    #[arg(long, default_value = "UTC")]
    pub tz: String,

    /// Read `EXPR<TAB>FROM<TAB>TZ<TAB>COUNT` lines on standard input; write
    /// each line, a TAB and its result.
    #[arg(long)]
    pub batch: bool,
}
