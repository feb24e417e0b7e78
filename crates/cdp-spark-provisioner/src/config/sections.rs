//! The application's own sections of the configuration: `[server]`,
//! `[auth]`, `[async]`, `[descriptor]`, `[artifacts]`, `[log]` and
//! `[yarn_logs]`, each
//! with its defaults and its checks (errors name the key).

use std::fmt;
use std::path::PathBuf;

use cdp_spark_domain::config_text;
use cdp_spark_domain::descriptor::{check_pattern, ConfPolicy, DescriptorSettings, UnknownKeys};
use cdp_spark_domain::usecases::ArtifactSettings;
use serde::{Deserialize, Serialize};

use super::{key_error, ConfigError, DEFAULT_PORT};

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

impl ServerSettings {
    /// Everything but `bind`, which [`super::Settings::bind_addr`] reads.
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.public_base_url {
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
        if self.body_limit_bytes < 1024 {
            return Err(key_error(
                "server.body_limit_bytes",
                format!(
                    "{} bytes is too small for any descriptor; use at least 1024 (default 1048576)",
                    self.body_limit_bytes
                ),
            ));
        }
        if self.workers == Some(0) {
            return Err(key_error(
                "server.workers",
                "must be at least 1, or left out for one per core",
            ));
        }
        for (key, value, least) in [
            ("server.max_connections", self.max_connections as u64, 1),
            (
                "server.client_request_timeout_ms",
                self.client_request_timeout_ms,
                100,
            ),
            (
                "server.client_body_timeout_secs",
                self.client_body_timeout_secs,
                1,
            ),
            (
                "server.client_write_timeout_secs",
                self.client_write_timeout_secs,
                1,
            ),
        ] {
            if value < least {
                return Err(key_error(key, format!("must be at least {least}")));
            }
        }
        Ok(())
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

    pub(super) fn check(&self) -> Result<(), ConfigError> {
        for (key, token) in [
            ("auth.coordinator_token", &self.coordinator_token),
            ("auth.status_token", &self.status_token),
            ("auth.trigger_token", &self.trigger_token),
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
        Ok(())
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

impl AsyncSettings {
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        if self.abandon_after_secs == 0 {
            return Err(key_error("async.abandon_after_secs", "must be at least 1"));
        }
        Ok(())
    }
}

/// Descriptor rules that depend on the installation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DescriptorConfig {
    /// Accepted `useCaseTemplateId`s (version suffix optional).
    #[serde(deserialize_with = "config_text::list")]
    pub accepted_use_case_templates: Vec<String>,
    /// Largest descriptor accepted, in bytes.
    pub max_descriptor_bytes: usize,
    /// Spark properties (globs, `*` and `?`, any case) `jobConfig.conf` may
    /// not set, on top of the built-in deny-list.
    #[serde(deserialize_with = "config_text::list")]
    pub conf_deny: Vec<String>,
    /// Whether the built-in deny-list applies (`false`: only `conf_deny`).
    pub conf_deny_builtin: bool,
    /// When set, `jobConfig.conf` may set only keys matching one of these;
    /// the deny patterns still apply.
    #[serde(deserialize_with = "config_text::optional_list")]
    pub conf_allow: Option<Vec<String>>,
    /// What a key under `specific` that no rule reads is: `warn` (the
    /// descriptor stays valid, the answer says it) or `error`.
    pub unknown_keys: UnknownKeys,
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
            unknown_keys: d.unknown_keys,
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
            unknown_keys: self.unknown_keys,
            ..DescriptorSettings::default()
        }
    }

    /// The rules of the section; a conf policy pattern that is not usable
    /// is named by its place (`descriptor.conf_deny[2]`).
    pub(super) fn check(&self) -> Result<(), ConfigError> {
        if self.accepted_use_case_templates.is_empty() {
            return Err(key_error(
                "descriptor.accepted_use_case_templates",
                "is empty, so every descriptor would be refused; list at least one useCaseTemplateId",
            ));
        }
        if self.max_descriptor_bytes == 0 {
            return Err(key_error(
                "descriptor.max_descriptor_bytes",
                "must be at least 1",
            ));
        }
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
    #[serde(deserialize_with = "config_text::optional_list")]
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

    pub(super) fn check(&self) -> Result<(), ConfigError> {
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

/// The `[yarn_logs]` section: where a YARN application's driver log is read
/// once its NodeManager has aggregated it to the cluster's filesystem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct YarnLogsSettings {
    /// Read aggregated logs at all.
    pub enabled: bool,
    /// YARN's `yarn.nodemanager.remote-app-log-dir` as an `hdfs://`
    /// location. Left out: `/tmp/logs` (YARN's default) on
    /// `hdfs.default_fs`, or on the Hadoop configuration's default
    /// filesystem (`hdfs:///tmp/logs`), when `[hdfs]` is enabled.
    pub remote_app_log_dir: Option<String>,
    /// YARN's `yarn.nodemanager.remote-app-log-dir-suffix` values to try,
    /// in order (each also in Hadoop 3.3's `bucket-<suffix>/<NNNN>` form).
    #[serde(deserialize_with = "config_text::list")]
    pub suffixes: Vec<String>,
    /// The user whose folder holds the logs when the ResourceManager no
    /// longer knows the application (the submitting user). Left out:
    /// `launcher.yarn_user_name`, else the first part of
    /// `launcher.kerberos_principal`.
    pub owner: Option<String>,
    /// Most files (one per NodeManager that ran a container) looked at for
    /// one application.
    pub max_files: usize,
}

impl Default for YarnLogsSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            remote_app_log_dir: None,
            suffixes: vec!["logs".into(), "logs-tfile".into()],
            owner: None,
            max_files: 500,
        }
    }
}

impl YarnLogsSettings {
    /// Where the logs are: `remote_app_log_dir`, else `/tmp/logs` on the
    /// default filesystem when HDFS is on; `None` when off or nowhere to
    /// look.
    pub fn location(&self, hdfs_enabled: bool, default_fs: Option<&str>) -> Option<String> {
        if !self.enabled {
            return None;
        }
        match (&self.remote_app_log_dir, default_fs) {
            (Some(dir), _) => Some(dir.clone()),
            _ if !hdfs_enabled => None,
            (None, Some(fs)) => Some(format!("{}/tmp/logs", fs.trim_end_matches('/'))),
            (None, None) => Some("hdfs:///tmp/logs".to_string()),
        }
    }

    pub(super) fn check(&self) -> Result<(), ConfigError> {
        if let Some(dir) = &self.remote_app_log_dir {
            match cdp_spark_domain::artifact::ArtifactUri::parse(dir) {
                Ok(uri) if uri.is_hdfs() => {}
                _ => {
                    return Err(key_error(
                        "yarn_logs.remote_app_log_dir",
                        format!(
                            "'{}' is not an hdfs:// location; write YARN's yarn.nodemanager.remote-app-log-dir with its filesystem, e.g. hdfs://nameservice1/tmp/logs",
                            dir.escape_debug()
                        ),
                    ))
                }
            }
        }
        let safe = |s: &str| {
            !s.is_empty()
                && s.len() <= 128
                && !s.starts_with('.')
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-@$".contains(&b))
        };
        if self.enabled && self.suffixes.is_empty() {
            return Err(key_error(
                "yarn_logs.suffixes",
                "name at least one suffix (YARN's default is \"logs\")",
            ));
        }
        for (n, suffix) in self.suffixes.iter().enumerate() {
            if !safe(suffix) {
                return Err(key_error(
                    &format!("yarn_logs.suffixes[{n}]"),
                    format!(
                        "'{}' is not a folder name (letters, digits, '.', '_', '-')",
                        suffix.escape_debug()
                    ),
                ));
            }
        }
        if let Some(owner) = &self.owner {
            if !safe(owner) {
                return Err(key_error(
                    "yarn_logs.owner",
                    format!("'{}' is not a user name", owner.escape_debug()),
                ));
            }
        }
        if self.max_files == 0 || self.max_files > 100_000 {
            return Err(key_error(
                "yarn_logs.max_files",
                "must be between 1 and 100000",
            ));
        }
        Ok(())
    }
}
