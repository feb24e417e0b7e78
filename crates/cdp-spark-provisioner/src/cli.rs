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
    /// List the jobs of the old Scala provisioner's Quartz tables (read
    /// only) with what would change when they become this provisioner's;
    /// with --apply, write the ones that can migrate into this store, one
    /// transaction per job, next fire times kept. Exit codes: 0 every job
    /// can migrate (or already did), 3 some cannot (listed with the
    /// reason), 2 usage or a failure to read or write.
    MigrateFromQuartz(MigrateFromQuartzArgs),
    /// A client of a running server's job status API: list, show, run and
    /// follow jobs. Exit codes: 0 ok, 1 the server refused the request (or,
    /// with --wait/--follow, the run ended other than SUCCEEDED), 2 usage,
    /// 3 the server cannot be reached, 4 authentication refused (401/403),
    /// 5 not found (404). Tokens come from the environment only:
    /// CDP_SPARK_PROVISIONER_STATUS_TOKEN (reads),
    /// CDP_SPARK_PROVISIONER_TRIGGER_TOKEN (writes),
    /// CDP_SPARK_PROVISIONER_COORDINATOR_TOKEN (provision), each falling
    /// back to CDP_SPARK_PROVISIONER_TOKEN.
    Jobs(JobsArgs),
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
pub struct MigrateFromQuartzArgs {
    /// The old provisioner's database (read only): `postgres://…`,
    /// `mysql://…`, `sqlite://path` or a file path.
    #[arg(long)]
    pub from: String,

    /// Table prefix of the old Quartz tables.
    #[arg(long, default_value = "QRTZ_")]
    pub table_prefix: String,

    /// SCHED_NAME of the old scheduler (default: the only one the tables hold).
    #[arg(long)]
    pub sched_name: Option<String>,

    /// The Witboost component id of an old job, which the old rows do not
    /// record: `GROUP/NAME=urn:dmb:cmp:<domain>:<dp>:<major>:<component>`
    /// (repeat for each job).
    #[arg(long = "component", value_name = "GROUP/NAME=ID")]
    pub components: Vec<String>,

    /// Write the jobs that can migrate into this provisioner's store.
    #[arg(long)]
    pub apply: bool,

    /// This provisioner's store (written with --apply), as for `migrate`.
    #[arg(long, env = "CDP_SPARK_PROVISIONER__STORE__URL")]
    pub database_url: Option<String>,

    /// Data directory of the embedded SQLite database.
    #[arg(long, default_value = "data")]
    pub data_dir: std::path::PathBuf,

    /// Table prefix of this provisioner's tables.
    #[arg(long, default_value = "QRTZ_")]
    pub store_table_prefix: String,

    /// `table` for people, `json` for scripts.
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
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

    /// Time zone the expression is evaluated in, any id Quartz's
    /// `TimeZone.getTimeZone` resolves (IANA, `GMT+05:30`, `PST`).
    #[arg(long, default_value = "UTC")]
    pub tz: String,

    /// Read `EXPR<TAB>FROM<TAB>TZ<TAB>COUNT` lines on standard input; write
    /// each line, a TAB and its result.
    #[arg(long)]
    pub batch: bool,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    /// The server's base URL.
    #[arg(
        long,
        global = true,
        env = "CDP_SPARK_PROVISIONER_SERVER",
        default_value = "http://127.0.0.1:8093"
    )]
    pub server: String,

    /// `table` for people, `json` for scripts (the API's JSON as answered).
    #[arg(long, short, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    #[command(subcommand)]
    pub command: JobsCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

/// A job is addressed as `GROUP/NAME`: the data product id and the
/// descriptor's jobName, e.g. `urn:dmb:dp:finance:cashflow:0/my-job`.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// The jobs the server knows, with their last run.
    List(ListArgs),
    /// A job: its settings, triggers and last runs.
    Show(JobArg),
    /// Runs, newest first, of one job or all.
    Runs(RunsArgs),
    /// The end of a run's driver log; --follow prints it as it grows until
    /// the run ends.
    Logs(LogsArgs),
    /// Run a job now, with its own parameters or the given ones.
    Trigger(TriggerArgs),
    /// Run a run again (same nominal time and parameters).
    Rerun(RerunArgs),
    /// One run per fire time of the job's schedule in [--from, --to].
    Backfill(BackfillArgs),
    /// Pause a job (or every job of a data product, or all jobs).
    Pause(PauseArgs),
    /// Resume a job (or every job of a data product, or all jobs).
    Resume(PauseArgs),
    /// Why did (or didn't) a job run: every fire time in [--from, --to].
    Explain(ExplainArgs),
    /// Provision a component descriptor file (YAML) through the server's
    /// `POST /v1/provision`, waiting for the answer.
    Provision(ProvisionArgs),
}

#[derive(Debug, Args)]
pub struct JobArg {
    /// GROUP/NAME: the data product id and the jobName.
    pub job: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only the jobs of this data product.
    #[arg(long)]
    pub data_product: Option<String>,
    /// Only the jobs whose latest run is in this state, or a view the
    /// server knows (FAILING, LATE, PAUSED, NEVER_RUN).
    #[arg(long)]
    pub state: Option<String>,
    /// Jobs per page, 1 to 1000.
    #[arg(long, default_value_t = 200)]
    pub limit: u64,
    /// Jobs to skip, in key order.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    /// Only the runs of this job (GROUP/NAME).
    #[arg(long)]
    pub job: Option<String>,
    /// Only the runs in this state (RUNNING, FAILED, ...).
    #[arg(long)]
    pub state: Option<String>,
    /// Runs per page, 1 to 500.
    #[arg(long, default_value_t = 20)]
    pub limit: u64,
    /// Runs to skip, newest first.
    #[arg(long, default_value_t = 0)]
    pub offset: u64,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["run", "job"])))]
pub struct LogsArgs {
    /// The run id.
    pub run: Option<String>,
    /// Instead of a run id: the latest run of this job (GROUP/NAME).
    #[arg(long)]
    pub job: Option<String>,
    /// Bytes of the end of the log, 1 to 4194304.
    #[arg(long, default_value_t = 65536)]
    pub tail: u64,
    /// Print the log as it grows until the run ends; exit 1 unless it
    /// ended SUCCEEDED.
    #[arg(long, short)]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// GROUP/NAME: the data product id and the jobName.
    pub job: String,
    /// An argument of the run instead of the job's `args` (repeatable, in
    /// order; give `--arg ''` alone for none).
    #[arg(long = "arg", allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// A Spark conf entry KEY=VALUE of the run instead of the job's `conf`
    /// (repeatable).
    #[arg(long = "conf")]
    pub conf: Vec<String>,
    /// Wait for the run to end; exit 1 unless it ended SUCCEEDED.
    #[arg(long, short)]
    pub wait: bool,
}

#[derive(Debug, Args)]
pub struct RerunArgs {
    /// The run to repeat.
    pub run: String,
    /// Wait for the new run to end; exit 1 unless it ended SUCCEEDED.
    #[arg(long, short)]
    pub wait: bool,
}

#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// GROUP/NAME: the data product id and the jobName.
    pub job: String,
    /// Start of the window (RFC 3339, included).
    #[arg(long)]
    pub from: String,
    /// End of the window (RFC 3339, included; not in the future).
    #[arg(long)]
    pub to: String,
    /// List the fire times; create no run.
    #[arg(long)]
    pub dry_run: bool,
    /// Most runs of the backfill in flight at once, 1 to 100.
    #[arg(long)]
    pub max_parallel: Option<u32>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["job", "data_product", "all"])))]
pub struct PauseArgs {
    /// GROUP/NAME: the data product id and the jobName.
    pub job: Option<String>,
    /// Every job of this data product.
    #[arg(long)]
    pub data_product: Option<String>,
    /// Every job of the server.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// GROUP/NAME: the data product id and the jobName.
    pub job: String,
    /// Start of the window (RFC 3339, included).
    #[arg(long)]
    pub from: String,
    /// End of the window (RFC 3339, included).
    #[arg(long)]
    pub to: String,
}

#[derive(Debug, Args)]
pub struct ProvisionArgs {
    /// The component descriptor (YAML, as the Coordinator sends it), or `-`
    /// for standard input.
    #[arg(long, short)]
    pub descriptor: PathBuf,
}
