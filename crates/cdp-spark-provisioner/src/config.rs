//! The `serve` configuration, layered: built-in defaults < the TOML file
//! given with `--config` < environment variables
//! `CDP_SPARK_PROVISIONER__SECTION__KEY` < the command-line flags
//! `--bind` and `--data-dir`. Everything lands in one typed [`Settings`];
//! an unknown key, a value of the wrong type or a value that makes no sense
//! stops start-up with a message naming the key.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use cdp_spark_domain::descriptor::{check_pattern, ConfPolicy, DescriptorSettings};
use cdp_spark_domain::ports::StoreError;
use cdp_spark_domain::usecases::ArtifactSettings;
use cdp_spark_hdfs::{ArtifactFs, HdfsConfig, HdfsConfigError, LocalFs, LocalFsConfig};
use cdp_spark_jobstore::{redact_password, StoreConfig};

/// Prefix of the environment variables; sections and keys are separated by
/// `__`, e.g. `CDP_SPARK_PROVISIONER__SERVER__BIND=0.0.0.0:8093`.
pub const ENV_PREFIX: &str = "CDP_SPARK_PROVISIONER__";

/// Port of the existing (Scala) CDP Spark provisioner, kept.
pub const DEFAULT_PORT: u16 = 8093;

/// Everything `serve` needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub store: StoreSettings,
    /// How `hdfs://` jars are read (the HDFS adapter's own settings).
    pub hdfs: HdfsConfig,
    pub auth: AuthSettings,
    #[serde(rename = "async")]
    pub asynchronous: AsyncSettings,
    pub descriptor: DescriptorConfig,
    /// Where local jars may be read from and what checking artifacts may cost.
    pub artifacts: ArtifactsSettings,
    pub log: LogSettings,
    /// The scheduler engine of this instance.
    pub scheduler: SchedulerSettings,
    /// How Spark applications are started (spark-submit) and followed.
    pub launcher: LauncherSettings,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// `ADDRESS:PORT` to listen on. `127.0.0.1:8093` by default: set
    /// `0.0.0.0:8093` to be reachable from other hosts.
    pub bind: String,
    /// The provisioner's address as the Witboost users reach it
    /// (`https://spark-sp.example.com`); `publicInfo` links to the job status
    /// API under it. No links without it.
    pub public_base_url: Option<String>,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// HTTP worker threads; default: one per core.
    pub workers: Option<usize>,
    /// On SIGTERM, how long in-flight requests may take to finish, in seconds.
    pub shutdown_timeout_secs: u64,
    /// Connections served at once, all workers together; more wait in the
    /// listen backlog. Bounds the memory of slow or idle clients.
    pub max_connections: usize,
    /// A new connection's request head must arrive within this (408).
    pub client_request_timeout_ms: u64,
    /// A request body must arrive within this after its head.
    pub client_body_timeout_secs: u64,
    /// A connection whose client reads nothing of the answer for this long
    /// is dropped.
    pub client_write_timeout_secs: u64,
    /// Idle keep-alive connections are closed after this; 0: no keep-alive.
    pub keep_alive_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: format!("127.0.0.1:{DEFAULT_PORT}"),
            public_base_url: None,
            body_limit_bytes: 1024 * 1024,
            workers: None,
            shutdown_timeout_secs: 30,
            max_connections: 256,
            client_request_timeout_ms: 5000,
            client_body_timeout_secs: 60,
            client_write_timeout_secs: 30,
            keep_alive_secs: 5,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// Where the embedded SQLite database lives (created when missing).
    pub data_dir: PathBuf,
    /// Database URL: `mysql://USER:PASSWORD@HOST:PORT/DB` (MariaDB or
    /// MySQL), `sqlite://PATH` or a file path. Default: the SQLite file
    /// `jobstore.sqlite3` in `data_dir`.
    pub url: Option<String>,
    /// Prefix of the Quartz tables and ours.
    pub table_prefix: String,
    /// Quartz `SCHED_NAME` of every row (a Quartz scheduler reading the
    /// jobs needs the same `org.quartz.scheduler.instanceName`).
    pub sched_name: String,
    /// Most database connections held open.
    pub max_connections: u32,
    /// How long to wait for a connection before answering "unavailable".
    pub connect_timeout_secs: u64,
    /// How long a write waits for another one's lock.
    pub lock_timeout_secs: u64,
}

impl Default for StoreSettings {
    fn default() -> Self {
        let d = StoreConfig::default();
        Self {
            data_dir: PathBuf::from("./data"),
            url: None,
            table_prefix: d.table_prefix,
            sched_name: d.sched_name,
            max_connections: d.max_connections,
            connect_timeout_secs: d.connect_timeout.as_secs(),
            lock_timeout_secs: d.lock_timeout.as_secs(),
        }
    }
}

impl StoreSettings {
    /// The job store's own configuration.
    pub fn to_store_config(&self) -> StoreConfig {
        StoreConfig {
            database_url: self.url.clone(),
            data_dir: self.data_dir.clone(),
            table_prefix: self.table_prefix.clone(),
            sched_name: self.sched_name.clone(),
            max_connections: self.max_connections,
            connect_timeout: Duration::from_secs(self.connect_timeout_secs),
            lock_timeout: Duration::from_secs(self.lock_timeout_secs),
            ..StoreConfig::default()
        }
    }

    /// The database in effect, without password, for logs.
    pub fn redacted_url(&self) -> String {
        match self.to_store_config().database() {
            Ok(db) => db.redacted(),
            Err(_) => self.url.as_deref().map(redact_password).unwrap_or_default(),
        }
    }
}

/// Bearer tokens, one per route group. A group without a token is open,
/// except the job status API's writes: with a read token and no write
/// token they are closed ([`WriteAccess::Closed`]), never opened by the
/// read token.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// The Witboost Coordinator's routes (`/v1/*` and `/v2/*` of the SP API).
    pub coordinator_token: Option<String>,
    /// The job status API's reads (`GET /v1/scheduler/...`).
    pub status_token: Option<String>,
    /// The job status API's writes: the manual trigger, pause and resume
    /// (`POST /v1/scheduler/jobs/{group}/{name}/{trigger,pause,resume}`).
    /// When unset while `status_token` is set, these routes are closed (403).
    pub trigger_token: Option<String>,
}

/// Who may use the job status API's write routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteAccess<'a> {
    /// Neither token is set: the development default, open like the reads.
    Open,
    /// `auth.trigger_token`: callers with it.
    Token(&'a str),
    /// `auth.status_token` without `auth.trigger_token`: nobody (403).
    Closed,
}

impl WriteAccess<'_> {
    /// `open`, `token` or `closed`, for logs.
    pub fn describe(&self) -> &'static str {
        match self {
            WriteAccess::Open => "open",
            WriteAccess::Token(_) => "token",
            WriteAccess::Closed => "closed",
        }
    }
}

impl fmt::Debug for AuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |t: &Option<String>| if t.is_some() { "set" } else { "unset" };
        f.debug_struct("AuthSettings")
            .field("coordinator_token", &shown(&self.coordinator_token))
            .field("status_token", &shown(&self.status_token))
            .field("trigger_token", &shown(&self.trigger_token))
            .finish()
    }
}

impl AuthSettings {
    /// Who may trigger, pause and resume. The read token never opens them.
    pub fn write_access(&self) -> WriteAccess<'_> {
        match (self.trigger_token.as_deref(), &self.status_token) {
            (Some(token), _) => WriteAccess::Token(token),
            (None, Some(_)) => WriteAccess::Closed,
            (None, None) => WriteAccess::Open,
        }
    }
}

/// Asynchronous mode per operation: answer 202 with a token to poll.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AsyncSettings {
    pub provision: bool,
    pub unprovision: bool,
    /// A token still RUNNING this long after it was created, and not running
    /// in this process, was abandoned by a stopped instance: it answers FAILED.
    pub abandon_after_secs: u64,
    /// Ended operations are deleted this long after they ended.
    pub retention_hours: u64,
}

impl Default for AsyncSettings {
    fn default() -> Self {
        Self {
            provision: false,
            unprovision: false,
            abandon_after_secs: 3600,
            retention_hours: 7 * 24,
        }
    }
}

/// Descriptor rules that depend on the installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DescriptorConfig {
    /// Accepted `useCaseTemplateId`s (version suffix optional).
    pub accepted_use_case_templates: Vec<String>,
    /// Largest descriptor accepted, in bytes.
    pub max_descriptor_bytes: usize,
    /// Spark properties (globs, `*` and `?`, any case) `jobConfig.conf` may
    /// not set, on top of the built-in deny-list.
    pub conf_deny: Vec<String>,
    /// Whether the built-in deny-list applies (`false`: only `conf_deny`).
    pub conf_deny_builtin: bool,
    /// When set, `jobConfig.conf` may set only keys matching one of these;
    /// the deny patterns still apply.
    pub conf_allow: Option<Vec<String>>,
}

impl Default for DescriptorConfig {
    fn default() -> Self {
        let d = DescriptorSettings::default();
        Self {
            accepted_use_case_templates: d.accepted_use_case_templates,
            max_descriptor_bytes: d.max_descriptor_bytes,
            conf_deny: d.conf_policy.deny,
            conf_deny_builtin: d.conf_policy.builtin_deny,
            conf_allow: d.conf_policy.allow,
        }
    }
}

impl DescriptorConfig {
    pub fn to_domain(&self) -> DescriptorSettings {
        DescriptorSettings {
            accepted_use_case_templates: self.accepted_use_case_templates.clone(),
            max_descriptor_bytes: self.max_descriptor_bytes,
            conf_policy: ConfPolicy {
                builtin_deny: self.conf_deny_builtin,
                deny: self.conf_deny.clone(),
                allow: self.conf_allow.clone(),
            },
            ..DescriptorSettings::default()
        }
    }

    /// Every conf policy pattern usable, else the key naming the first that
    /// is not (`descriptor.conf_deny[2]`).
    fn check_conf_policy(&self) -> Result<(), ConfigError> {
        let lists = [
            ("descriptor.conf_deny", Some(&self.conf_deny)),
            ("descriptor.conf_allow", self.conf_allow.as_ref()),
        ];
        for (key, list) in lists {
            for (n, pattern) in list.into_iter().flatten().enumerate() {
                if let Err(e) = check_pattern(pattern) {
                    return Err(key_error(
                        &format!("{key}[{n}]"),
                        format!(
                            "{e}; write a Spark property name or a glob such as spark.yarn.dist.*"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// The `[artifacts]` section: the jar and dependency checks of validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArtifactsSettings {
    /// Absolute folders local and `file:` jars are read from (in a cluster
    /// mode: folders every node sees, e.g. an NFS mount). Left out: any
    /// local path with `launcher.mode = "local"` on a loopback address
    /// (the single-user trial), none otherwise.
    pub local_roots: Option<Vec<PathBuf>>,
    /// Bytes one validation may read from its jar and dependencies.
    pub max_read_bytes: u64,
    /// Validations reading jars at once; more wait their turn.
    pub max_concurrent_checks: usize,
    /// Longest wait for one local filesystem call (a status, or a range
    /// read: its open and every MiB of it), in milliseconds.
    pub local_timeout_ms: u64,
}

impl Default for ArtifactsSettings {
    fn default() -> Self {
        let d = ArtifactSettings::default();
        Self {
            local_roots: None,
            max_read_bytes: d.max_read_bytes,
            max_concurrent_checks: d.max_concurrent_checks,
            local_timeout_ms: cdp_spark_hdfs::DEFAULT_LOCAL_TIMEOUT_MS,
        }
    }
}

impl ArtifactsSettings {
    /// The use cases' bounds.
    pub fn to_domain(&self) -> ArtifactSettings {
        ArtifactSettings {
            max_read_bytes: self.max_read_bytes,
            max_concurrent_checks: self.max_concurrent_checks,
        }
    }

    fn check(&self) -> Result<(), ConfigError> {
        // The first read of any jar is its last 64 KiB + 22 bytes.
        if self.max_read_bytes < 1024 * 1024 {
            return Err(key_error(
                "artifacts.max_read_bytes",
                format!(
                    "{} bytes would refuse ordinary jars (the first read of one is 64 KiB); use at least 1048576 (default {})",
                    self.max_read_bytes,
                    ArtifactSettings::default().max_read_bytes
                ),
            ));
        }
        for (key, value) in [
            (
                "artifacts.max_concurrent_checks",
                self.max_concurrent_checks as u64,
            ),
            ("artifacts.local_timeout_ms", self.local_timeout_ms),
        ] {
            if value == 0 {
                return Err(key_error(key, "must be at least 1"));
            }
        }
        for root in self.local_roots.iter().flatten() {
            if !root.is_absolute() {
                return Err(key_error(
                    "artifacts.local_roots",
                    format!(
                        "'{}' is not an absolute folder; e.g. local_roots = [\"/mnt/shared/jars\"]",
                        root.display()
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormatSetting {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `text` or `json` (one JSON object per line).
    pub format: LogFormatSetting,
    /// `tracing` filter, e.g. `info` or `info,actix_web=warn`; `RUST_LOG` wins.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormatSetting::Text,
            level: "info".into(),
        }
    }
}

/// The scheduler engine (`cdp_spark_scheduler::SchedulerConfig`), flat so
/// that every key has its environment variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerSettings {
    /// Run the engine in this instance: fire triggers, launch and follow
    /// runs. `false` serves the API only (jobs are stored, nothing fires
    /// here; another instance on the same database may fire them).
    pub enabled: bool,
    /// This instance's name in `QRTZ_SCHEDULER_STATE`; unique per instance.
    /// Default: hostname, process id and a random suffix.
    pub instance_id: Option<String>,
    /// Most fires per acquisition (one transaction).
    pub batch_size: usize,
    /// Longest sleep of the fire loop with nothing due, in milliseconds.
    pub idle_wait_ms: u64,
    /// Triggers due within this are acquired ahead and launched on time, ms.
    pub look_ahead_ms: u64,
    /// A trigger later than this misfired and follows its misfire
    /// instruction (default: fire once now, then resume), in seconds.
    pub misfire_threshold_secs: u64,
    /// How often this instance checks in (and recovers dead ones), in ms.
    pub checkin_interval_ms: u64,
    /// An instance whose check-in is older than this is dead and its work
    /// is taken over, in seconds. Longer than the check-in interval.
    pub dead_after_secs: u64,
    /// How often runs in flight are polled for their final status, in ms.
    pub follow_interval_ms: u64,
    /// spark-submit calls in flight at once; default: two per CPU, at most
    /// 8, at most one per 400 MiB of the container's memory limit
    /// ([`cdp_spark_scheduler::default_max_concurrent_submits`]).
    pub max_concurrent_submits: usize,
    /// On SIGTERM, longest wait for launches in progress, in seconds.
    pub stop_timeout_secs: u64,
    /// Kill the Spark applications of runs in flight when their job is
    /// unprovisioned (the run ends `KILLED` with the reason); `false`: they
    /// are followed to their end.
    pub kill_on_unprovision: bool,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        let d = cdp_spark_scheduler::SchedulerConfig::new("default");
        Self {
            enabled: true,
            instance_id: None,
            batch_size: d.batch_size,
            idle_wait_ms: d.idle_wait.as_millis() as u64,
            look_ahead_ms: d.look_ahead.as_millis() as u64,
            misfire_threshold_secs: d.misfire_threshold.as_secs(),
            checkin_interval_ms: d.checkin_interval.as_millis() as u64,
            dead_after_secs: d.dead_after.as_secs(),
            follow_interval_ms: d.follow_interval.as_millis() as u64,
            max_concurrent_submits: d.max_concurrent_submits,
            stop_timeout_secs: 30,
            kill_on_unprovision: d.kill_on_unprovision,
        }
    }
}

impl SchedulerSettings {
    /// The engine's configuration, for the launcher's cluster manager.
    pub fn to_scheduler_config(
        &self,
        backend: cdp_spark_domain::ports::LauncherBackend,
    ) -> cdp_spark_scheduler::SchedulerConfig {
        let id = self
            .instance_id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(cdp_spark_scheduler::default_instance_id);
        let mut c = cdp_spark_scheduler::SchedulerConfig::new(id);
        c.batch_size = self.batch_size;
        c.idle_wait = Duration::from_millis(self.idle_wait_ms);
        c.look_ahead = Duration::from_millis(self.look_ahead_ms);
        c.misfire_threshold = Duration::from_secs(self.misfire_threshold_secs);
        c.checkin_interval = Duration::from_millis(self.checkin_interval_ms);
        c.dead_after = Duration::from_secs(self.dead_after_secs);
        c.follow_interval = Duration::from_millis(self.follow_interval_ms);
        c.max_concurrent_submits = self.max_concurrent_submits;
        c.kill_on_unprovision = self.kill_on_unprovision;
        c.backend = backend;
        c
    }

    fn check(&self) -> Result<(), ConfigError> {
        if let Some(id) = &self.instance_id {
            if id.trim().is_empty() || id.len() > 190 {
                return Err(key_error(
                    "scheduler.instance_id",
                    "must be 1 to 190 characters; leave it out for hostname+pid+random",
                ));
            }
        }
        for (key, value) in [
            ("scheduler.batch_size", self.batch_size as u64),
            ("scheduler.idle_wait_ms", self.idle_wait_ms),
            ("scheduler.checkin_interval_ms", self.checkin_interval_ms),
            ("scheduler.dead_after_secs", self.dead_after_secs),
            ("scheduler.follow_interval_ms", self.follow_interval_ms),
            (
                "scheduler.max_concurrent_submits",
                self.max_concurrent_submits as u64,
            ),
        ] {
            if value == 0 {
                return Err(key_error(key, "must be at least 1"));
            }
        }
        if self.dead_after_secs.saturating_mul(1000) <= self.checkin_interval_ms {
            return Err(key_error(
                "scheduler.dead_after_secs",
                format!(
                    "{} s is not longer than scheduler.checkin_interval_ms ({} ms): live instances would be taken for dead; use at least 2-3 check-in intervals",
                    self.dead_after_secs, self.checkin_interval_ms
                ),
            ));
        }
        Ok(())
    }
}

/// Cluster manager of the launcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LauncherMode {
    /// spark-submit runs the application as a child process (`local[*]`).
    #[default]
    Local,
    /// YARN, cluster deploy mode, followed through the ResourceManager.
    Yarn,
    /// A Spark standalone master with its REST submission server.
    Standalone,
}

/// The Spark launcher (`cdp_spark_launcher::LauncherConfig`), flat so that
/// every key has its environment variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LauncherSettings {
    /// `local`, `yarn` or `standalone`.
    pub mode: LauncherMode,
    /// Local mode: the master, `local`, `local[N]` or `local[*]`.
    pub master: String,
    /// Standalone: the master's URL, `spark://host:7077`.
    pub master_url: Option<String>,
    /// Standalone: the REST submission server, `http://host:6066`.
    pub rest_url: Option<String>,
    /// The Spark installation; default: `SPARK_HOME` of the environment,
    /// else `spark-submit` on `PATH`.
    pub spark_home: Option<PathBuf>,
    /// `HADOOP_CONF_DIR` for spark-submit.
    pub hadoop_conf_dir: Option<PathBuf>,
    /// `YARN_CONF_DIR` for spark-submit.
    pub yarn_conf_dir: Option<PathBuf>,
    /// More environment for spark-submit.
    pub extra_env: std::collections::BTreeMap<String, String>,
    /// YARN: `spark.yarn.archive`, Spark's jars already on the cluster
    /// (`hdfs://`, `viewfs://` or `local:`).
    pub yarn_archive: Option<String>,
    /// `spark.*` settings applied to every submission after the job's
    /// conf (the operator wins).
    pub spark_conf: std::collections::BTreeMap<String, String>,
    /// krb5.conf for spark-submit's JVM (`-Djava.security.krb5.conf`,
    /// `KRB5_CONFIG`).
    pub krb5_conf: Option<PathBuf>,
    /// JVM options of spark-submit itself in YARN and standalone modes
    /// (a short-lived client); empty for Spark's defaults.
    pub submit_jvm_opts: String,
    /// YARN/standalone: a spark-submit still running after this is killed.
    pub submit_timeout_secs: u64,
    /// Timeout of each call to the cluster manager's REST API.
    pub http_timeout_secs: u64,
    /// Local mode: seconds between SIGTERM and SIGKILL on a kill.
    pub kill_grace_secs: u64,
    /// spark-submit `--principal` (with `kerberos_keytab`).
    pub kerberos_principal: Option<String>,
    /// spark-submit `--keytab`.
    pub kerberos_keytab: Option<PathBuf>,
    /// YARN: the ResourceManagers' web addresses (several for HA).
    pub resource_managers: Vec<String>,
    /// YARN: `?user.name=` for Hadoop simple HTTP authentication.
    pub yarn_user_name: Option<String>,
    /// YARN: the ResourceManagers demand SPNEGO (Kerberos): log in as
    /// `kerberos_principal` from `kerberos_keytab` (else from the default
    /// ticket cache, `KRB5CCNAME`); `yarn_user_name` is then not sent.
    pub yarn_spnego: bool,
    /// `serve` in local mode on an address other hosts can reach (not
    /// 127.0.0.1/[::1]) refuses to start unless this is true: local mode
    /// runs every provisioned job's code on this host, as the
    /// provisioner's user.
    pub allow_local_mode_on_network: bool,
}

impl Default for LauncherSettings {
    fn default() -> Self {
        let d = cdp_spark_launcher::LauncherConfig::default();
        Self {
            mode: LauncherMode::Local,
            master: "local[*]".into(),
            master_url: None,
            rest_url: None,
            spark_home: None,
            hadoop_conf_dir: None,
            yarn_conf_dir: None,
            extra_env: Default::default(),
            yarn_archive: None,
            spark_conf: Default::default(),
            krb5_conf: None,
            submit_jvm_opts: d.submit_jvm_opts,
            submit_timeout_secs: d.submit_timeout_secs,
            http_timeout_secs: d.http_timeout_secs,
            kill_grace_secs: d.kill_grace_secs,
            kerberos_principal: None,
            kerberos_keytab: None,
            resource_managers: Vec::new(),
            yarn_user_name: None,
            yarn_spnego: false,
            allow_local_mode_on_network: false,
        }
    }
}

/// Where spark-submit was found (or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SparkSubmitLocation {
    /// `launcher.spark_home` of the configuration.
    Configured(PathBuf),
    /// `SPARK_HOME` of the environment.
    SparkHomeEnv(PathBuf),
    /// `spark-submit` found on `PATH`.
    OnPath(PathBuf),
    /// Neither: runs will fail until Spark is installed.
    Missing,
}

impl LauncherSettings {
    /// The launcher's configuration; `spark_home` is taken from the
    /// configuration, else from `env_spark_home` (the process's
    /// `SPARK_HOME`); without either, spark-submit is looked up on `PATH`.
    pub fn to_launcher_config(
        &self,
        env_spark_home: Option<PathBuf>,
    ) -> cdp_spark_launcher::LauncherConfig {
        use cdp_spark_launcher::{ClusterMode, KerberosConfig, LauncherConfig, YarnConfig};
        let mode = match self.mode {
            LauncherMode::Local => ClusterMode::Local {
                master: self.master.clone(),
            },
            LauncherMode::Yarn => ClusterMode::Yarn,
            LauncherMode::Standalone => ClusterMode::Standalone {
                master_url: self.master_url.clone().unwrap_or_default(),
                rest_url: self.rest_url.clone().unwrap_or_default(),
            },
        };
        let kerberos = match (&self.kerberos_principal, &self.kerberos_keytab) {
            (None, None) => None,
            (p, k) => Some(KerberosConfig {
                principal: p.clone().unwrap_or_default(),
                keytab: k.clone().unwrap_or_default(),
            }),
        };
        LauncherConfig {
            mode,
            spark_home: self
                .spark_home
                .clone()
                .or(env_spark_home.filter(|p| !p.as_os_str().is_empty())),
            hadoop_conf_dir: self.hadoop_conf_dir.clone(),
            yarn_conf_dir: self.yarn_conf_dir.clone(),
            extra_env: self.extra_env.clone(),
            yarn_archive: self.yarn_archive.clone(),
            spark_conf: self.spark_conf.clone(),
            krb5_conf: self.krb5_conf.clone(),
            submit_jvm_opts: self.submit_jvm_opts.clone(),
            submit_timeout_secs: self.submit_timeout_secs,
            http_timeout_secs: self.http_timeout_secs,
            kill_grace_secs: self.kill_grace_secs,
            kerberos,
            yarn: YarnConfig {
                resource_managers: self.resource_managers.clone(),
                spnego: self.yarn_spnego,
                user_name: self.yarn_user_name.clone(),
            },
        }
    }

    /// Where spark-submit is, given the process's `SPARK_HOME` and `PATH`.
    pub fn locate_spark_submit(
        &self,
        env_spark_home: Option<PathBuf>,
        path: Option<std::ffi::OsString>,
    ) -> SparkSubmitLocation {
        if let Some(home) = &self.spark_home {
            return SparkSubmitLocation::Configured(home.join("bin").join("spark-submit"));
        }
        if let Some(home) = env_spark_home.filter(|p| !p.as_os_str().is_empty()) {
            return SparkSubmitLocation::SparkHomeEnv(home.join("bin").join("spark-submit"));
        }
        if let Some(path) = path {
            for dir in std::env::split_paths(&path) {
                let candidate = dir.join("spark-submit");
                if candidate.is_file() {
                    return SparkSubmitLocation::OnPath(candidate);
                }
            }
        }
        SparkSubmitLocation::Missing
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.mode == LauncherMode::Standalone {
            for (key, value) in [
                ("launcher.master_url", &self.master_url),
                ("launcher.rest_url", &self.rest_url),
            ] {
                if value.is_none() {
                    return Err(key_error(
                        key,
                        "is required with launcher.mode = \"standalone\"; e.g. master_url = \"spark://master:7077\", rest_url = \"http://master:6066\"",
                    ));
                }
            }
        }
        if self.kerberos_principal.is_some() != self.kerberos_keytab.is_some() {
            let missing = if self.kerberos_principal.is_none() {
                "launcher.kerberos_principal"
            } else {
                "launcher.kerberos_keytab"
            };
            return Err(key_error(
                missing,
                "is needed too: spark-submit logs in with both a principal and its keytab (or leave both out)",
            ));
        }
        let config = self.to_launcher_config(None);
        if let Err(issues) = config.validate() {
            let first = issues.iter().next();
            let key = first
                .map(|i| launcher_key(&i.field))
                .unwrap_or_else(|| "launcher".to_string());
            let message = issues
                .iter()
                .map(|i| format!("{} {} ({})", launcher_key(&i.field), i.problem, i.hint))
                .collect::<Vec<_>>()
                .join("; ");
            return Err(key_error(&key, message));
        }
        Ok(())
    }
}

/// A field of `LauncherConfig` as the flat `launcher.*` key.
fn launcher_key(field: &str) -> String {
    let flat = match field {
        "mode.master" => "master",
        "mode.master_url" => "master_url",
        "mode.rest_url" => "rest_url",
        "kerberos" | "kerberos.principal" => "kerberos_principal",
        "kerberos.keytab" => "kerberos_keytab",
        "yarn.user_name" => "yarn_user_name",
        "yarn.spnego" => "yarn_spnego",
        f if f.starts_with("yarn.resource_managers") => "resource_managers",
        f if f.starts_with("extra_env") => "extra_env",
        f if f.starts_with("spark_conf") => "spark_conf",
        f => f,
    };
    format!("launcher.{flat}")
}

/// Settings from the command line, applied over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub bind: Option<String>,
    pub data_dir: Option<PathBuf>,
}

/// Why the configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The key at fault in `section.key` form, when one is known.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(
                f,
                "invalid configuration key `{key}` (file key `{key}`, environment variable {}): {}",
                env_var_name(key),
                self.message
            ),
            None => write!(f, "invalid configuration: {}", self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// `server.bind` → `CDP_SPARK_PROVISIONER__SERVER__BIND`.
pub fn env_var_name(key: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        key.split('.')
            .map(str::to_ascii_uppercase)
            .collect::<Vec<_>>()
            .join("__")
    )
}

fn key_error(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: Some(key.to_string()),
        message: message.into(),
    }
}

impl Settings {
    /// Defaults, then the file, then the process environment, then the flags.
    pub fn load(overrides: &Overrides) -> Result<Settings, ConfigError> {
        Self::load_from(overrides, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given (tests).
    pub fn load_from(
        overrides: &Overrides,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(file) = &overrides.config_file {
            std::fs::read_to_string(file).map_err(|e| ConfigError {
                key: None,
                message: format!(
                    "cannot read the configuration file {}: {e}; check the --config path",
                    file.display()
                ),
            })?;
            figment = figment.merge(Toml::file(file));
        }
        // Only our prefix, and a copy of the environment so that tests can
        // pass their own.
        let vars: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX))
            .collect();
        let mut env_toml = toml_table_from_env(&vars)?;
        if !env_toml.is_empty() {
            env_toml.insert(0, '\n');
            figment = figment.merge(Toml::string(&env_toml));
        }
        let mut settings: Settings = figment.extract().map_err(|e| figment_error(&e))?;
        if let Some(bind) = &overrides.bind {
            settings.server.bind = bind.clone();
        }
        if let Some(dir) = &overrides.data_dir {
            settings.store.data_dir = dir.clone();
        }
        settings.check()?;
        Ok(settings)
    }

    /// Rules a well-typed configuration must still follow.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.bind_addr()?;
        if let Some(url) = &self.server.public_base_url {
            let host = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"))
                .map(|rest| rest.split('/').next().unwrap_or_default());
            if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
                return Err(key_error(
                    "server.public_base_url",
                    format!("'{url}' is not an http:// or https:// URL; e.g. https://spark-sp.example.com"),
                ));
            }
        }
        if self.server.body_limit_bytes < 1024 {
            return Err(key_error(
                "server.body_limit_bytes",
                format!(
                    "{} bytes is too small for any descriptor; use at least 1024 (default 1048576)",
                    self.server.body_limit_bytes
                ),
            ));
        }
        if self.server.workers == Some(0) {
            return Err(key_error(
                "server.workers",
                "must be at least 1, or left out for one per core",
            ));
        }
        for (key, value, least) in [
            (
                "server.max_connections",
                self.server.max_connections as u64,
                1,
            ),
            (
                "server.client_request_timeout_ms",
                self.server.client_request_timeout_ms,
                100,
            ),
            (
                "server.client_body_timeout_secs",
                self.server.client_body_timeout_secs,
                1,
            ),
            (
                "server.client_write_timeout_secs",
                self.server.client_write_timeout_secs,
                1,
            ),
        ] {
            if value < least {
                return Err(key_error(key, format!("must be at least {least}")));
            }
        }
        if self.store.max_connections == 0 {
            return Err(key_error("store.max_connections", "must be at least 1"));
        }
        if self.store.connect_timeout_secs == 0 {
            return Err(key_error(
                "store.connect_timeout_secs",
                "must be at least 1",
            ));
        }
        if self.store.data_dir.as_os_str().is_empty() {
            return Err(key_error(
                "store.data_dir",
                "is empty; give a folder, e.g. ./data",
            ));
        }
        let store = self.store.to_store_config();
        if let Err(e) = store.database() {
            return Err(key_error("store.url", strip_store_prefix(&e)));
        }
        if let Err(e) = store.validate() {
            let text = strip_store_prefix(&e);
            let key = if text.contains("prefix") {
                "store.table_prefix"
            } else if text.contains("SCHED_NAME") || text.contains("scheduler name") {
                "store.sched_name"
            } else {
                "store"
            };
            return Err(key_error(key, text));
        }
        for (key, token) in [
            ("auth.coordinator_token", &self.auth.coordinator_token),
            ("auth.status_token", &self.auth.status_token),
            ("auth.trigger_token", &self.auth.trigger_token),
        ] {
            if let Some(t) = token {
                if t.trim().is_empty() || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(key_error(
                        key,
                        "a token must be non-empty and without spaces; remove the key to leave the routes open",
                    ));
                }
            }
        }
        match self.hdfs.check() {
            Ok(()) => {}
            Err(HdfsConfigError::Key { key, problem }) => return Err(key_error(&key, problem)),
            Err(e) => return Err(key_error("hdfs", e.to_string())),
        }
        if self.descriptor.accepted_use_case_templates.is_empty() {
            return Err(key_error(
                "descriptor.accepted_use_case_templates",
                "is empty, so every descriptor would be refused; list at least one useCaseTemplateId",
            ));
        }
        if self.descriptor.max_descriptor_bytes == 0 {
            return Err(key_error(
                "descriptor.max_descriptor_bytes",
                "must be at least 1",
            ));
        }
        self.descriptor.check_conf_policy()?;
        if self.asynchronous.abandon_after_secs == 0 {
            return Err(key_error("async.abandon_after_secs", "must be at least 1"));
        }
        self.artifacts.check()?;
        self.scheduler.check()?;
        self.launcher.check()?;
        Ok(())
    }

    /// The folders local jars are confined to; `None` for any local path,
    /// which only the single-user trial gets: `launcher.mode = "local"` on
    /// a loopback address, without `artifacts.local_roots`. Elsewhere a
    /// local path must lie under a declared root (none by default), since
    /// other hosts reach the API and, in a cluster mode, every node must
    /// see the jar.
    pub fn local_roots(&self) -> Option<Vec<PathBuf>> {
        if let Some(roots) = &self.artifacts.local_roots {
            return Some(roots.clone());
        }
        let loopback = self.bind_addr().is_ok_and(|a| a.ip().is_loopback());
        if self.launcher.mode == LauncherMode::Local && loopback {
            None
        } else {
            Some(Vec::new())
        }
    }

    /// The application's `HdfsPort`: `hdfs://` as `[hdfs]` says, local
    /// files as `[artifacts]` says (roots resolved now: a missing one stops
    /// start-up).
    pub fn artifact_fs(&self) -> Result<ArtifactFs, ConfigError> {
        let fs = ArtifactFs::from_config(&self.hdfs).map_err(|e| match e {
            HdfsConfigError::Key { key, problem } => key_error(&key, problem),
            e => key_error(
                "hdfs",
                format!("HDFS cannot be set up: {e}; fix the [hdfs] section (or set hdfs.enabled = false to read local jars only)"),
            ),
        })?;
        let local = LocalFs::with_config(&LocalFsConfig {
            roots: self.local_roots(),
            timeout: Duration::from_millis(self.artifacts.local_timeout_ms),
            ..LocalFsConfig::default()
        })
        .map_err(|e| key_error("artifacts.local_roots", e.to_string()))?;
        Ok(fs.with_local(local))
    }

    /// `server.bind` as a socket address.
    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server.bind.parse().map_err(|_| {
            key_error(
                "server.bind",
                format!(
                    "'{}' is not ADDRESS:PORT; e.g. 127.0.0.1:8093 or 0.0.0.0:8093 (or pass --bind)",
                    self.server.bind
                ),
            )
        })
    }
}

/// The job store's message without its "job store configuration:" prefix.
fn strip_store_prefix(e: &StoreError) -> String {
    let text = match e {
        StoreError::Other(m)
        | StoreError::Unavailable(m)
        | StoreError::Conflict(m)
        | StoreError::Corrupt(m) => m.clone(),
    };
    text.strip_prefix("job store configuration: ")
        .map(str::to_string)
        .unwrap_or(text)
}

/// Environment variables as a TOML document: each value is read as TOML
/// (numbers, booleans, arrays) when it parses as such, and as a string
/// otherwise, except where the key wants a string (tokens, URLs). figment's
/// own `Env` provider would turn a token such as `12345` into a number and
/// then refuse it for a text key.
fn toml_table_from_env(vars: &[(String, String)]) -> Result<String, ConfigError> {
    let mut sections: std::collections::BTreeMap<String, Vec<(String, String)>> =
        std::collections::BTreeMap::new();
    for (name, value) in vars {
        let rest = &name[ENV_PREFIX.len()..];
        let parts: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        let [section, key] = parts.as_slice() else {
            return Err(ConfigError {
                key: None,
                message: format!(
                    "environment variable {name} is not {ENV_PREFIX}SECTION__KEY (e.g. {ENV_PREFIX}SERVER__BIND)"
                ),
            });
        };
        let valid =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid(section) || !valid(key) {
            return Err(ConfigError {
                key: None,
                message: format!("environment variable {name}: section and key may hold only letters, digits and _"),
            });
        }
        let literal = toml_literal(&format!("{section}.{key}"), value);
        sections
            .entry(section.clone())
            .or_default()
            .push((key.clone(), literal));
    }
    let mut out = String::new();
    for (section, keys) in sections {
        out.push_str(&format!("[{section}]\n"));
        for (key, literal) in keys {
            out.push_str(&format!("{key} = {literal}\n"));
        }
    }
    Ok(out)
}

/// Keys whose values are text even when they look like a number.
const STRING_KEYS: &[&str] = &[
    "server.bind",
    "server.public_base_url",
    "store.url",
    "store.data_dir",
    "hdfs.hadoop_conf_dir",
    "hdfs.default_fs",
    "hdfs.principal",
    "hdfs.keytab",
    "hdfs.ticket_cache",
    "hdfs.user",
    "auth.coordinator_token",
    "auth.status_token",
    "auth.trigger_token",
    "log.format",
    "log.level",
    "scheduler.instance_id",
    "launcher.mode",
    "launcher.master",
    "launcher.master_url",
    "launcher.rest_url",
    "launcher.spark_home",
    "launcher.hadoop_conf_dir",
    "launcher.yarn_conf_dir",
    "launcher.kerberos_principal",
    "launcher.kerberos_keytab",
    "launcher.yarn_user_name",
    "launcher.yarn_archive",
    "launcher.krb5_conf",
    "launcher.submit_jvm_opts",
];

fn toml_literal(key: &str, value: &str) -> String {
    let quoted = || format!("\"{}\"", escape_toml(value));
    if STRING_KEYS.contains(&key) {
        return quoted();
    }
    let trimmed = value.trim();
    if trimmed == "true" || trimmed == "false" {
        return trimmed.to_string();
    }
    if !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit()) {
        return trimmed.to_string();
    }
    if trimmed.starts_with('[') && trimmed.ends_with(']') {
        // A TOML array, e.g. ["urn:a", "urn:b"]; checked when parsed.
        if Figment::from(Toml::string(&format!("v = {trimmed}")))
            .extract_inner::<Vec<String>>("v")
            .is_ok()
        {
            return trimmed.to_string();
        }
    }
    if (key == "launcher.extra_env" || key == "launcher.spark_conf")
        && trimmed.starts_with('{')
        && trimmed.ends_with('}')
    {
        // An inline table, e.g. {SPARK_LOCAL_IP = "127.0.0.1"} or
        // {"spark.driver.defaultJavaOptions" = "-Dx=y"}; checked when parsed.
        return trimmed.to_string();
    }
    if matches!(
        key,
        "descriptor.accepted_use_case_templates"
            | "descriptor.conf_deny"
            | "descriptor.conf_allow"
            | "launcher.resource_managers"
            | "artifacts.local_roots"
            | "hdfs.allowed_namenodes"
    ) {
        // A comma-separated list is accepted too.
        let items: Vec<String> = trimmed
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| format!("\"{}\"", escape_toml(s)))
            .collect();
        return format!("[{}]", items.join(", "));
    }
    quoted()
}

fn escape_toml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A figment error as a [`ConfigError`] naming the key.
fn figment_error(e: &figment::Error) -> ConfigError {
    let mut key: Vec<String> = e.path.clone();
    if let figment::error::Kind::UnknownField(field, expected) = &e.kind {
        if key.last() != Some(field) {
            key.push(field.clone());
        }
        let full = key.join(".");
        return ConfigError {
            key: Some(full),
            message: format!(
                "is not a configuration key; the keys here are: {}",
                expected.join(", ")
            ),
        };
    }
    let message = match &e.kind {
        figment::error::Kind::InvalidType(actual, expected) => {
            format!("has a {actual} where {expected} is expected")
        }
        figment::error::Kind::InvalidValue(actual, expected) => {
            format!("has the value {actual} where {expected} is expected")
        }
        figment::error::Kind::UnknownVariant(value, allowed) => {
            format!("'{value}' is not one of: {}", allowed.join(", "))
        }
        other => other.to_string(),
    };
    let where_ = match e.metadata.as_ref().map(|m| m.name.to_string()) {
        Some(name) if name.contains("source string") => " (from the environment)".to_string(),
        Some(name) => format!(" (from {name})"),
        None => String::new(),
    };
    if key.is_empty() {
        ConfigError {
            key: None,
            message: format!("{message}{where_}"),
        }
    } else {
        ConfigError {
            key: Some(key.join(".")),
            message: format!("{message}{where_}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }

    #[test]
    fn defaults_need_nothing() {
        let s = Settings::load_from(&Overrides::default(), env(&[])).expect("defaults");
        assert_eq!(s.server.bind, "127.0.0.1:8093");
        assert_eq!(s.server.body_limit_bytes, 1024 * 1024);
        assert_eq!(s.store.redacted_url(), "sqlite://./data/jobstore.sqlite3");
        assert!(!s.asynchronous.provision && !s.hdfs.enabled);
        assert!(s.auth.coordinator_token.is_none());
    }

    #[test]
    fn file_then_env_then_flags() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = write(
            &dir,
            "[server]\nbind = \"127.0.0.1:9000\"\nbody_limit_bytes = 4096\n[async]\nprovision = true\n[auth]\nstatus_token = \"from-file\"\n",
        );
        let overrides = Overrides {
            config_file: Some(file),
            ..Overrides::default()
        };
        let s = Settings::load_from(
            &overrides,
            env(&[
                ("CDP_SPARK_PROVISIONER__SERVER__BODY_LIMIT_BYTES", "8192"),
                ("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", "12345"),
                (
                    "CDP_SPARK_PROVISIONER__DESCRIPTOR__ACCEPTED_USE_CASE_TEMPLATES",
                    "urn:a, urn:b",
                ),
                ("OTHER_VARIABLE", "ignored"),
            ]),
        )
        .expect("valid");
        assert_eq!(s.server.bind, "127.0.0.1:9000", "file over default");
        assert_eq!(s.server.body_limit_bytes, 8192, "env over file");
        assert_eq!(
            s.auth.status_token.as_deref(),
            Some("12345"),
            "numeric token stays text"
        );
        assert_eq!(
            s.descriptor.accepted_use_case_templates,
            vec!["urn:a", "urn:b"]
        );
        assert!(s.asynchronous.provision);

        let flags = Overrides {
            bind: Some("127.0.0.1:0".into()),
            data_dir: Some(dir.path().join("d")),
            ..overrides
        };
        let s = Settings::load_from(
            &flags,
            env(&[("CDP_SPARK_PROVISIONER__SERVER__BIND", "127.0.0.1:1")]),
        )
        .expect("valid");
        assert_eq!(s.server.bind, "127.0.0.1:0", "flag over env");
        assert!(
            s.store.redacted_url().ends_with("/d/jobstore.sqlite3"),
            "{}",
            s.store.redacted_url()
        );
    }

    #[test]
    fn errors_name_the_key() {
        let cases: Vec<(Vec<(String, String)>, &str)> = vec![
            (
                env(&[("CDP_SPARK_PROVISIONER__SERVER__BIND", "nowhere")]),
                "server.bind",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__SERVER__BODY_LIMIT_BYTES", "lots")]),
                "server.body_limit_bytes",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__SERVER__BINDD", "x")]),
                "server.bindd",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__STORE__URL", "postgres://x")]),
                "store.url",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__LOG__FORMAT", "xml")]),
                "log.format",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN", "a b")]),
                "auth.coordinator_token",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__ASYNC__PROVISION", "maybe")]),
                "async.provision",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__HDFS__DEFAULT_FS", "s3a://bucket")]),
                "hdfs.default_fs",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__HDFS__TIMEOUT_MS", "0")]),
                "hdfs.timeout_ms",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__HDFS__KEYTAB", "/k.keytab")]),
                "hdfs.keytab",
            ),
        ];
        for (vars, key) in cases {
            let e = Settings::load_from(&Overrides::default(), vars.clone()).expect_err(key);
            assert_eq!(e.key.as_deref(), Some(key), "{vars:?}: {e}");
            let text = e.to_string();
            assert!(
                text.contains(key) && text.contains(&env_var_name(key)),
                "{text}"
            );
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let file = write(&dir, "[store]\nmax_connections = -1\n");
        let e = Settings::load_from(
            &Overrides {
                config_file: Some(file),
                ..Overrides::default()
            },
            env(&[]),
        )
        .expect_err("negative");
        assert_eq!(e.key.as_deref(), Some("store.max_connections"), "{e}");
        let e = Settings::load_from(
            &Overrides {
                config_file: Some(dir.path().join("missing.toml")),
                ..Overrides::default()
            },
            env(&[]),
        )
        .expect_err("missing file");
        assert!(e.to_string().contains("missing.toml"), "{e}");
    }

    #[test]
    fn the_example_configurations_load() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        for name in ["local.toml", "production.toml"] {
            let overrides = Overrides {
                config_file: Some(dir.join(name)),
                ..Overrides::default()
            };
            let s = Settings::load_from(&overrides, env(&[]))
                .unwrap_or_else(|e| panic!("config/{name}: {e}"));
            match name {
                "local.toml" => {
                    assert_eq!(s, Settings::default(), "local.toml writes out the defaults")
                }
                _ => {
                    assert!(s.store.redacted_url().starts_with("mysql://"));
                    assert!(s.asynchronous.provision && s.asynchronous.unprovision);
                    assert_eq!(s.log.format, LogFormatSetting::Json);
                    assert!(s.hdfs.enabled && s.hdfs.keytab.is_some());
                    assert_eq!(s.hdfs.default_fs.as_deref(), Some("hdfs://nameservice1"));
                    assert_eq!(s.bind_addr().map(|a| a.port()), Ok(DEFAULT_PORT));
                    assert!(s.scheduler.enabled);
                    assert_eq!(s.launcher.mode, LauncherMode::Yarn);
                    let l = s.launcher.to_launcher_config(None);
                    assert_eq!(l.yarn.resource_managers.len(), 2, "HA pair");
                    assert!(l.kerberos.is_some() && l.hadoop_conf_dir.is_some());
                }
            }
        }
    }

    #[test]
    fn passwords_are_redacted() {
        let store = StoreSettings {
            url: Some("mysql://sp:s3cret@db:3306/sp".into()),
            ..StoreSettings::default()
        };
        assert_eq!(store.redacted_url(), "mysql://sp:***@db:3306/sp");
        let s = AuthSettings {
            coordinator_token: Some("secret".into()),
            ..AuthSettings::default()
        };
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn scheduler_and_launcher_sections_layer_and_convert() {
        let s = Settings::load_from(
            &Overrides::default(),
            env(&[
                ("CDP_SPARK_PROVISIONER__SCHEDULER__ENABLED", "false"),
                ("CDP_SPARK_PROVISIONER__SCHEDULER__INSTANCE_ID", "42"),
                ("CDP_SPARK_PROVISIONER__SCHEDULER__BATCH_SIZE", "50"),
                ("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "standalone"),
                (
                    "CDP_SPARK_PROVISIONER__LAUNCHER__MASTER_URL",
                    "spark://m:7077",
                ),
                ("CDP_SPARK_PROVISIONER__LAUNCHER__REST_URL", "http://m:6066"),
                (
                    "CDP_SPARK_PROVISIONER__LAUNCHER__EXTRA_ENV",
                    "{SPARK_LOCAL_IP = \"127.0.0.1\"}",
                ),
            ]),
        )
        .expect("valid");
        assert!(!s.scheduler.enabled);
        assert_eq!(s.scheduler.instance_id.as_deref(), Some("42"), "text");
        let c = s
            .scheduler
            .to_scheduler_config(cdp_spark_domain::ports::LauncherBackend::Standalone);
        assert_eq!((c.instance_id.as_str(), c.batch_size), ("42", 50));
        assert_eq!(
            c.backend,
            cdp_spark_domain::ports::LauncherBackend::Standalone
        );
        let l = s
            .launcher
            .to_launcher_config(Some(PathBuf::from("spark-from-env")));
        assert_eq!(
            l.mode,
            cdp_spark_launcher::ClusterMode::Standalone {
                master_url: "spark://m:7077".into(),
                rest_url: "http://m:6066".into()
            }
        );
        assert_eq!(l.spark_home, Some(PathBuf::from("spark-from-env")));
        assert_eq!(
            l.extra_env.get("SPARK_LOCAL_IP").map(String::as_str),
            Some("127.0.0.1")
        );
        // Defaults: engine on, local[*], instance id generated.
        let d = Settings::default();
        assert!(d.scheduler.enabled);
        let c = d
            .scheduler
            .to_scheduler_config(cdp_spark_domain::ports::LauncherBackend::Local);
        assert!(!c.instance_id.is_empty() && c.validate().is_ok());
        assert_eq!(
            d.launcher.to_launcher_config(None).mode,
            cdp_spark_launcher::ClusterMode::default()
        );
    }

    #[test]
    fn kill_on_unprovision_is_off_by_default_and_reaches_the_engine() {
        let d = Settings::default();
        assert!(!d.scheduler.kill_on_unprovision);
        assert!(
            !d.scheduler
                .to_scheduler_config(cdp_spark_domain::ports::LauncherBackend::Local)
                .kill_on_unprovision
        );
        let s = Settings::load_from(
            &Overrides::default(),
            env(&[(
                "CDP_SPARK_PROVISIONER__SCHEDULER__KILL_ON_UNPROVISION",
                "true",
            )]),
        )
        .expect("valid");
        assert!(s.scheduler.kill_on_unprovision);
        assert!(
            s.scheduler
                .to_scheduler_config(cdp_spark_domain::ports::LauncherBackend::Yarn)
                .kill_on_unprovision
        );
    }

    #[test]
    fn scheduler_and_launcher_errors_name_the_key() {
        for (vars, key) in [
            (
                env(&[("CDP_SPARK_PROVISIONER__SCHEDULER__BATCH_SIZE", "0")]),
                "scheduler.batch_size",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__SCHEDULER__DEAD_AFTER_SECS", "5")]),
                "scheduler.dead_after_secs",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "mesos")]),
                "launcher.mode",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "yarn")]),
                "launcher.resource_managers",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__MASTER", "local[x]")]),
                "launcher.master",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__KERBEROS_PRINCIPAL", "a@B")]),
                "launcher.kerberos_keytab",
            ),
            (
                env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__SUBMIT_TIMEOUT_SECS", "0")]),
                "launcher.submit_timeout_secs",
            ),
        ] {
            let e = Settings::load_from(&Overrides::default(), vars.clone()).expect_err(key);
            assert_eq!(e.key.as_deref(), Some(key), "{vars:?}: {e}");
        }
    }

    #[test]
    fn yarn_spnego_layers_into_the_launcher_and_its_errors_name_the_key() {
        assert!(!Settings::default().launcher.yarn_spnego);
        let s = Settings::load_from(
            &Overrides::default(),
            env(&[
                ("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "yarn"),
                (
                    "CDP_SPARK_PROVISIONER__LAUNCHER__RESOURCE_MANAGERS",
                    "http://rm1:8088,http://rm2:8088",
                ),
                ("CDP_SPARK_PROVISIONER__LAUNCHER__YARN_SPNEGO", "true"),
                (
                    "CDP_SPARK_PROVISIONER__LAUNCHER__KERBEROS_PRINCIPAL",
                    "spark-provisioner@EXAMPLE.COM",
                ),
                (
                    "CDP_SPARK_PROVISIONER__LAUNCHER__KERBEROS_KEYTAB",
                    "spark-provisioner.keytab",
                ),
            ]),
        )
        .expect("valid");
        assert!(s.launcher.yarn_spnego);
        let l = s.launcher.to_launcher_config(None);
        assert!(l.yarn.spnego);
        assert_eq!(l.yarn.resource_managers.len(), 2);
        assert_eq!(
            l.kerberos.as_ref().map(|k| k.principal.as_str()),
            Some("spark-provisioner@EXAMPLE.COM")
        );
        // SPNEGO only concerns YARN's ResourceManagers.
        let e = Settings::load_from(
            &Overrides::default(),
            env(&[("CDP_SPARK_PROVISIONER__LAUNCHER__YARN_SPNEGO", "true")]),
        )
        .expect_err("spnego in local mode");
        assert_eq!(e.key.as_deref(), Some("launcher.yarn_spnego"), "{e}");
    }

    #[test]
    fn archive_spark_conf_and_krb5_conf_layer_into_the_launcher_and_errors_name_the_key() {
        let yarn = [
            ("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "yarn"),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__RESOURCE_MANAGERS",
                "http://rm1:8088",
            ),
        ];
        let dir = tempfile::tempdir().expect("tempdir");
        let file = write(
            &dir,
            "[launcher]\nyarn_archive = \"hdfs:///apps/from-file.zip\"\nspark_conf = { \"spark.sql.shuffle.partitions\" = \"8\" }\n",
        );
        let overrides = Overrides {
            config_file: Some(file),
            ..Overrides::default()
        };
        let s = Settings::load_from(&overrides, env(&yarn)).expect("valid");
        assert_eq!(
            s.launcher.yarn_archive.as_deref(),
            Some("hdfs:///apps/from-file.zip")
        );
        let mut vars = yarn.to_vec();
        vars.extend([
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__YARN_ARCHIVE",
                "hdfs:///apps/spark-jars.zip",
            ),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__SPARK_CONF",
                "{\"spark.driver.defaultJavaOptions\" = \"-Djava.security.krb5.conf=/etc/krb5.conf\"}",
            ),
            ("CDP_SPARK_PROVISIONER__LAUNCHER__KRB5_CONF", "/etc/krb5.conf"),
            ("CDP_SPARK_PROVISIONER__LAUNCHER__SUBMIT_JVM_OPTS", "-Xmx256m"),
        ]);
        let s = Settings::load_from(&overrides, env(&vars)).expect("valid");
        let l = s.launcher.to_launcher_config(None);
        assert_eq!(
            l.yarn_archive.as_deref(),
            Some("hdfs:///apps/spark-jars.zip")
        );
        assert_eq!(
            l.spark_conf,
            std::collections::BTreeMap::from([
                (
                    "spark.driver.defaultJavaOptions".to_string(),
                    "-Djava.security.krb5.conf=/etc/krb5.conf".to_string()
                ),
                ("spark.sql.shuffle.partitions".to_string(), "8".to_string()),
            ]),
            "the environment's entries join the file's"
        );
        assert_eq!(l.krb5_conf, Some(PathBuf::from("/etc/krb5.conf")));
        assert_eq!(l.submit_jvm_opts, "-Xmx256m");
        assert_eq!(
            Settings::default().launcher.submit_jvm_opts,
            cdp_spark_launcher::DEFAULT_SUBMIT_JVM_OPTS
        );
        for (var, value, key) in [
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__YARN_ARCHIVE",
                "/opt/spark/jars.zip",
                "launcher.yarn_archive",
            ),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__SPARK_CONF",
                "{\"sql.shuffle.partitions\" = \"8\"}",
                "launcher.spark_conf",
            ),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__KRB5_CONF",
                "/etc/my krb5.conf",
                "launcher.krb5_conf",
            ),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__SUBMIT_JVM_OPTS",
                "Xmx256m",
                "launcher.submit_jvm_opts",
            ),
        ] {
            let mut vars = yarn.to_vec();
            vars.push((var, value));
            let e = Settings::load_from(&Overrides::default(), env(&vars)).expect_err(key);
            assert_eq!(e.key.as_deref(), Some(key), "{e}");
        }
    }

    #[test]
    fn spark_submit_is_located_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("bin");
        std::fs::write(bin.join("spark-submit"), "#!/bin/sh\n").expect("write");
        let mut l = LauncherSettings::default();
        let path = Some(std::ffi::OsString::from(bin.as_os_str()));
        assert_eq!(
            l.locate_spark_submit(None, path.clone()),
            SparkSubmitLocation::OnPath(bin.join("spark-submit"))
        );
        assert_eq!(
            l.locate_spark_submit(Some(PathBuf::from("h")), path.clone()),
            SparkSubmitLocation::SparkHomeEnv(PathBuf::from("h/bin/spark-submit"))
        );
        assert_eq!(
            l.locate_spark_submit(None, Some(dir.path().as_os_str().to_owned())),
            SparkSubmitLocation::Missing
        );
        l.spark_home = Some(PathBuf::from("c"));
        assert_eq!(
            l.locate_spark_submit(Some(PathBuf::from("h")), path),
            SparkSubmitLocation::Configured(PathBuf::from("c/bin/spark-submit"))
        );
    }

    #[test]
    fn local_jars_are_confined_outside_the_single_user_trial() {
        let load = |vars: &[(&str, &str)]| {
            Settings::load_from(&Overrides::default(), env(vars)).expect("valid")
        };
        let yarn = [
            ("CDP_SPARK_PROVISIONER__LAUNCHER__MODE", "yarn"),
            (
                "CDP_SPARK_PROVISIONER__LAUNCHER__RESOURCE_MANAGERS",
                "http://rm1:8088",
            ),
        ];
        // Local mode on a loopback address: any local path, as before.
        assert_eq!(load(&[]).local_roots(), None);
        // Reachable from other hosts, or a cluster mode: none by default.
        assert_eq!(
            load(&[("CDP_SPARK_PROVISIONER__SERVER__BIND", "0.0.0.0:8093")]).local_roots(),
            Some(vec![])
        );
        assert_eq!(load(&yarn).local_roots(), Some(vec![]));
        // Declared roots hold in every mode.
        let mut vars = yarn.to_vec();
        vars.push((
            "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_ROOTS",
            "/mnt/shared/jars, /srv/jars",
        ));
        assert_eq!(
            load(&vars).local_roots(),
            Some(vec![
                PathBuf::from("/mnt/shared/jars"),
                PathBuf::from("/srv/jars")
            ])
        );
        assert_eq!(
            load(&[(
                "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_ROOTS",
                "[\"/srv/jars\"]"
            )])
            .local_roots(),
            Some(vec![PathBuf::from("/srv/jars")])
        );
        let s = load(&[
            (
                "CDP_SPARK_PROVISIONER__ARTIFACTS__MAX_READ_BYTES",
                "16777216",
            ),
            (
                "CDP_SPARK_PROVISIONER__ARTIFACTS__MAX_CONCURRENT_CHECKS",
                "2",
            ),
        ]);
        assert_eq!(
            s.artifacts.to_domain(),
            ArtifactSettings {
                max_read_bytes: 16 << 20,
                max_concurrent_checks: 2
            }
        );
        assert_eq!(
            Settings::default().artifacts.to_domain(),
            ArtifactSettings::default()
        );
    }

    #[test]
    fn artifacts_errors_name_the_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("missing");
        for (var, value, key) in [
            (
                "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_ROOTS",
                "jars",
                "artifacts.local_roots",
            ),
            (
                "CDP_SPARK_PROVISIONER__ARTIFACTS__MAX_READ_BYTES",
                "4096",
                "artifacts.max_read_bytes",
            ),
            (
                "CDP_SPARK_PROVISIONER__ARTIFACTS__MAX_CONCURRENT_CHECKS",
                "0",
                "artifacts.max_concurrent_checks",
            ),
            (
                "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_TIMEOUT_MS",
                "0",
                "artifacts.local_timeout_ms",
            ),
        ] {
            let e =
                Settings::load_from(&Overrides::default(), env(&[(var, value)])).expect_err(key);
            assert_eq!(e.key.as_deref(), Some(key), "{e}");
        }
        // A root that does not exist stops start-up when the adapter is built.
        let s = Settings::load_from(
            &Overrides::default(),
            vec![(
                "CDP_SPARK_PROVISIONER__ARTIFACTS__LOCAL_ROOTS".to_string(),
                missing.display().to_string(),
            )],
        )
        .expect("well-formed");
        let e = s.artifact_fs().expect_err("missing root");
        assert_eq!(e.key.as_deref(), Some("artifacts.local_roots"), "{e}");
        assert!(e.to_string().contains("missing"), "{e}");
    }

    #[test]
    fn a_read_token_never_opens_the_writes() {
        let mut a = AuthSettings::default();
        assert_eq!(a.write_access(), WriteAccess::Open);
        a.status_token = Some("s".into());
        assert_eq!(a.write_access(), WriteAccess::Closed);
        a.trigger_token = Some("t".into());
        assert_eq!(a.write_access(), WriteAccess::Token("t"));
        a.status_token = None;
        assert_eq!(a.write_access(), WriteAccess::Token("t"));
    }

    #[test]
    fn the_descriptor_conf_policy_layers_into_the_domain_and_bad_patterns_name_the_key() {
        let d = Settings::load_from(&Overrides::default(), env(&[]))
            .expect("defaults")
            .descriptor
            .to_domain();
        assert_eq!(
            d.conf_policy,
            ConfPolicy::default(),
            "built-in deny-list by default"
        );
        assert!(d.conf_policy.judge("spark.yarn.dist.files").is_err());

        let dir = tempfile::tempdir().expect("tempdir");
        let file = write(
            &dir,
            "[descriptor]\nconf_deny = [\"spark.sql.warehouse.*\"]\nconf_allow = [\"spark.sql.*\"]\n",
        );
        let overrides = Overrides {
            config_file: Some(file),
            ..Overrides::default()
        };
        let p = Settings::load_from(&overrides, env(&[]))
            .expect("file")
            .descriptor
            .to_domain()
            .conf_policy;
        assert_eq!(p.deny, ["spark.sql.warehouse.*"]);
        assert_eq!(p.allow, Some(vec!["spark.sql.*".to_string()]));
        assert!(p.builtin_deny);
        assert!(p.judge("spark.sql.warehouse.dir").is_err());
        assert!(p.judge("spark.executor.instances").is_err(), "not allowed");
        assert_eq!(p.judge("spark.sql.shuffle.partitions"), Ok(()));

        // The environment: comma-separated lists, and the built-in list off.
        let p = Settings::load_from(
            &Overrides::default(),
            env(&[
                (
                    "CDP_SPARK_PROVISIONER__DESCRIPTOR__CONF_DENY",
                    "spark.a.*, spark.b",
                ),
                (
                    "CDP_SPARK_PROVISIONER__DESCRIPTOR__CONF_DENY_BUILTIN",
                    "false",
                ),
            ]),
        )
        .expect("env")
        .descriptor
        .to_domain()
        .conf_policy;
        assert_eq!(p.deny, ["spark.a.*", "spark.b"]);
        assert!(!p.builtin_deny);
        assert_eq!(p.judge("spark.files"), Ok(()), "built-in list replaced");

        for (var, value, key) in [
            (
                "CONF_DENY",
                "spark.ok, spark.a b",
                "descriptor.conf_deny[1]",
            ),
            ("CONF_ALLOW", "[\"\"]", "descriptor.conf_allow[0]"),
        ] {
            let e = Settings::load_from(
                &Overrides::default(),
                env(&[(&format!("CDP_SPARK_PROVISIONER__DESCRIPTOR__{var}"), value)]),
            )
            .expect_err(key);
            assert_eq!(e.key.as_deref(), Some(key), "{e}");
        }
    }

    #[test]
    fn allowed_namenodes_come_from_the_file_or_a_comma_separated_variable() {
        let s = Settings::load_from(
            &Overrides::default(),
            env(&[(
                "CDP_SPARK_PROVISIONER__HDFS__ALLOWED_NAMENODES",
                "nn2.example.com:8020, nn3.example.com:8020",
            )]),
        )
        .expect("env");
        assert_eq!(
            s.hdfs.allowed_namenodes,
            ["nn2.example.com:8020", "nn3.example.com:8020"]
        );
        let e = Settings::load_from(
            &Overrides::default(),
            env(&[(
                "CDP_SPARK_PROVISIONER__HDFS__ALLOWED_NAMENODES",
                "nn2.example.com:8020,nn3.example.com:0",
            )]),
        )
        .expect_err("port 0");
        assert_eq!(e.key.as_deref(), Some("hdfs.allowed_namenodes[1]"), "{e}");
    }
}
