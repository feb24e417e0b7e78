//! The `serve` configuration, layered: built-in defaults < the TOML file
//! given with `--config` < environment variables
//! `CDP_SPARK_PROVISIONER__SECTION__KEY` < the command-line flags
//! `--bind` and `--data-dir`. Everything lands in one typed [`Settings`];
//! an unknown key, a value of the wrong type or a value that makes no sense
//! stops start-up with a message naming the key.
//!
//! Each adapter owns its section, with its defaults and its checks:
//! `[hdfs]` is `cdp_spark_hdfs::HdfsConfig`, `[store]`
//! `cdp_spark_jobstore::StoreSettings`, `[scheduler]`
//! `cdp_spark_scheduler::SchedulerSettings`, `[launcher]`
//! `cdp_spark_launcher::LauncherSettings`, `[notifications]`
//! `cdp_spark_notify::NotificationsSettings`; the application's own sections
//! are in `config/sections.rs`. This module composes them, reads the
//! environment (`config/env.rs`) and maps each section's error to the key it
//! names.

#[cfg(test)]
mod adapter_tests;
mod env;
#[cfg(test)]
mod reference;
mod sections;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use cdp_spark_domain::config_text::KeyError;
use cdp_spark_hdfs::{ArtifactFs, HdfsConfig, HdfsConfigError, LocalFs, LocalFsConfig};
pub use cdp_spark_jobstore::StoreSettings;
pub use cdp_spark_launcher::{LauncherMode, LauncherSettings, SparkSubmitLocation};
pub use cdp_spark_notify::NotificationsSettings;
pub use cdp_spark_scheduler::SchedulerSettings;
pub use sections::{
    ArtifactsSettings, AsyncSettings, AuthSettings, DescriptorConfig, LogFormatSetting,
    LogSettings, ServerSettings, WriteAccess, YarnLogsSettings,
};

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
    /// The job store (the jobstore adapter's own settings).
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
    /// The scheduler engine of this instance (the scheduler crate's own).
    pub scheduler: SchedulerSettings,
    /// How Spark applications are started (spark-submit) and followed (the
    /// launcher adapter's own settings).
    pub launcher: LauncherSettings,
    /// The operator's webhooks for run failures, recoveries and missed
    /// deadlines (the notify adapter's own settings).
    pub notifications: NotificationsSettings,
    /// Where YARN's aggregated logs are read from once an application ended.
    pub yarn_logs: YarnLogsSettings,
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

impl From<KeyError> for ConfigError {
    fn from(e: KeyError) -> Self {
        ConfigError {
            key: Some(e.key),
            message: e.problem,
        }
    }
}

/// The HDFS adapter's error: its key, or the section as a whole.
fn hdfs_error(e: HdfsConfigError, context: impl FnOnce(HdfsConfigError) -> String) -> ConfigError {
    match e {
        HdfsConfigError::Key { key, problem } => key_error(&key, problem),
        e => key_error("hdfs", context(e)),
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
        let env = env::EnvVars::read(env, &figment)?;
        if !env.is_empty() {
            figment = figment.merge(env);
        }
        let mut settings: Settings = figment.extract_lossy().map_err(|e| figment_error(&e))?;
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
        self.server.check()?;
        self.store.check()?;
        self.auth.check()?;
        self.hdfs
            .check()
            .map_err(|e| hdfs_error(e, |e| e.to_string()))?;
        self.descriptor.check()?;
        self.asynchronous.check()?;
        self.artifacts.check()?;
        self.scheduler.check()?;
        self.launcher.check()?;
        self.notifications.check()?;
        self.yarn_logs.check()?;
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
        let fs = ArtifactFs::from_config(&self.hdfs).map_err(|e| {
            hdfs_error(e, |e| {
                format!("HDFS cannot be set up: {e}; fix the [hdfs] section (or set hdfs.enabled = false to read local jars only)")
            })
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
    let where_ = match e.metadata.as_ref() {
        Some(m) => format!(" (from {})", m.name),
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
