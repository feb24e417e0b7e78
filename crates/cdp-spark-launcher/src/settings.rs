//! The `[launcher]` section of the application's configuration: a flat
//! [`LauncherSettings`] with its defaults and checks, turned into the
//! launcher's own [`LauncherConfig`]; and where spark-submit is found.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use cdp_spark_domain::config_text::{self, KeyError};
use serde::{Deserialize, Serialize};

use cdp_spark_domain::ports::RunLogStorePort;
use cdp_spark_domain::runlog::{RunLinkSettings, DEFAULT_RUN_LOG_MAX_BYTES, MAX_RUN_LOG_MAX_BYTES};

use crate::config::{ClusterMode, KerberosConfig, LauncherConfig, YarnConfig};
use crate::runlog::{RunLogSettings, DEFAULT_RUN_LOG_FLUSH_SECS};

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

/// The `[launcher]` section: [`LauncherConfig`] flat, so that every key
/// has its environment variable.
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
    #[serde(deserialize_with = "config_text::table")]
    pub extra_env: BTreeMap<String, String>,
    /// YARN: `spark.yarn.archive`, Spark's jars already on the cluster
    /// (`hdfs://`, `viewfs://` or `local:`).
    pub yarn_archive: Option<String>,
    /// `spark.*` settings applied to every submission after the job's
    /// conf (the operator wins).
    #[serde(deserialize_with = "config_text::table")]
    pub spark_conf: BTreeMap<String, String>,
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
    #[serde(deserialize_with = "config_text::list")]
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
    /// The Spark History Server (`https://shs:18489`): each YARN run then
    /// links to `<url>/history/<application id>`.
    pub spark_history_url: Option<String>,
    /// Bytes of each run's output kept (the end of it), in memory while it
    /// runs and in the job store.
    pub run_log_max_bytes: u64,
    /// Least seconds between two writes of a running local application's
    /// output to the job store (it is written again when it ends).
    pub run_log_flush_secs: u64,
}

impl Default for LauncherSettings {
    fn default() -> Self {
        let d = LauncherConfig::default();
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
            spark_history_url: None,
            run_log_max_bytes: DEFAULT_RUN_LOG_MAX_BYTES,
            run_log_flush_secs: DEFAULT_RUN_LOG_FLUSH_SECS,
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
    pub fn to_launcher_config(&self, env_spark_home: Option<PathBuf>) -> LauncherConfig {
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

    /// How runs' output is kept, written to `store`.
    pub fn run_log_settings(&self, store: Option<Arc<dyn RunLogStorePort>>) -> RunLogSettings {
        RunLogSettings {
            max_bytes: self.run_log_max_bytes,
            flush_every: std::time::Duration::from_secs(self.run_log_flush_secs),
            store,
        }
    }

    /// What runs link to: the first ResourceManager (YARN mode) and the
    /// Spark History Server.
    pub fn link_settings(&self) -> RunLinkSettings {
        let rm = match self.mode {
            LauncherMode::Yarn => self.resource_managers.first().map(String::as_str),
            _ => None,
        };
        RunLinkSettings::new(rm, self.spark_history_url.as_deref())
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

    /// Checks that need no file; the error names the (first) key at
    /// fault, its message every problem [`LauncherConfig::validate`] finds.
    pub fn check(&self) -> Result<(), KeyError> {
        if self.mode == LauncherMode::Standalone {
            for (key, value) in [
                ("launcher.master_url", &self.master_url),
                ("launcher.rest_url", &self.rest_url),
            ] {
                if value.is_none() {
                    return Err(KeyError::new(
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
            return Err(KeyError::new(
                missing,
                "is needed too: spark-submit logs in with both a principal and its keytab (or leave both out)",
            ));
        }
        if let Some(url) = &self.spark_history_url {
            let rest = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"));
            let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or_default());
            let valid = host.is_some_and(|h| {
                !h.is_empty() && !h.contains('@') && !h.chars().any(char::is_whitespace)
            }) && !url.contains(['?', '#'])
                && !url.chars().any(char::is_whitespace);
            if !valid {
                return Err(KeyError::new(
                    "launcher.spark_history_url",
                    "is not an http(s) URL of the Spark History Server without user-info, query or fragment; e.g. https://shs.example.com:18489",
                ));
            }
        }
        if self.run_log_max_bytes == 0 || self.run_log_max_bytes > MAX_RUN_LOG_MAX_BYTES {
            return Err(KeyError::new(
                "launcher.run_log_max_bytes",
                format!("is {}; use 1 to {MAX_RUN_LOG_MAX_BYTES} bytes (default {DEFAULT_RUN_LOG_MAX_BYTES})", self.run_log_max_bytes),
            ));
        }
        if self.run_log_flush_secs == 0 || self.run_log_flush_secs > 3600 {
            return Err(KeyError::new(
                "launcher.run_log_flush_secs",
                format!(
                    "is {}; use 1 to 3600 seconds (default {DEFAULT_RUN_LOG_FLUSH_SECS})",
                    self.run_log_flush_secs
                ),
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
            return Err(KeyError::new(key, message));
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn checks_name_the_flat_key() {
        let key = |f: fn(&mut LauncherSettings)| {
            let mut s = LauncherSettings::default();
            f(&mut s);
            s.check().map_err(|e| e.key)
        };
        assert_eq!(key(|_| {}), Ok(()));
        assert_eq!(
            key(|s| s.master = "local[x]".into()),
            Err("launcher.master".into())
        );
        assert_eq!(
            key(|s| s.mode = LauncherMode::Yarn),
            Err("launcher.resource_managers".into())
        );
        assert_eq!(
            key(|s| s.kerberos_principal = Some("a@B".into())),
            Err("launcher.kerberos_keytab".into())
        );
        assert_eq!(
            key(|s| s.mode = LauncherMode::Standalone),
            Err("launcher.master_url".into())
        );
        assert_eq!(
            key(|s| s.yarn_spnego = true),
            Err("launcher.yarn_spnego".into())
        );
        assert_eq!(
            key(|s| s.submit_timeout_secs = 0),
            Err("launcher.submit_timeout_secs".into())
        );
        for bad in [
            "shs:18080",
            "ftp://shs",
            "http://",
            "http://user:pw@shs:18080",
            "https://shs/x?y=1",
            "https://sh s",
        ] {
            assert_eq!(
                key_with(|s| s.spark_history_url = Some(bad.into())),
                Err("launcher.spark_history_url".into()),
                "{bad}"
            );
        }
        assert_eq!(
            key_with(|s| s.spark_history_url = Some("https://shs.example.com:18489/".into())),
            Ok(())
        );
        assert_eq!(
            key(|s| s.run_log_max_bytes = 0),
            Err("launcher.run_log_max_bytes".into())
        );
        assert_eq!(
            key(|s| s.run_log_max_bytes = MAX_RUN_LOG_MAX_BYTES + 1),
            Err("launcher.run_log_max_bytes".into())
        );
        assert_eq!(
            key(|s| s.run_log_flush_secs = 0),
            Err("launcher.run_log_flush_secs".into())
        );
    }

    fn key_with(f: impl FnOnce(&mut LauncherSettings)) -> Result<(), String> {
        let mut s = LauncherSettings::default();
        f(&mut s);
        s.check().map_err(|e| e.key)
    }

    #[test]
    fn links_use_the_first_resource_manager_in_yarn_mode_only() {
        let mut s = LauncherSettings {
            resource_managers: vec!["http://rm1:8088/".into(), "http://rm2:8088".into()],
            spark_history_url: Some("https://shs:18489".into()),
            ..LauncherSettings::default()
        };
        assert_eq!(s.link_settings().resource_manager, None, "local mode");
        s.mode = LauncherMode::Yarn;
        let links = s.link_settings();
        assert_eq!(links.resource_manager.as_deref(), Some("http://rm1:8088"));
        assert_eq!(links.spark_history.as_deref(), Some("https://shs:18489"));
    }
}
