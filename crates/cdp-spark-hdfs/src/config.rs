//! The HDFS part of the provisioner's configuration, made to be embedded in
//! the application's settings (`[hdfs]` in its TOML file). Its list and
//! table keys also take text (`a, b`, `{k = "v"}`), as environment
//! variables give them ([`cdp_spark_domain::config_text`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use cdp_spark_domain::config_text;
use serde::{Deserialize, Serialize};

/// Default time a NameNode or DataNode call (one status, one range read)
/// may take: 15 s.
pub const DEFAULT_TIMEOUT_MS: u64 = 15_000;

/// How `hdfs://` jars are read. Everything is optional: with only
/// `enabled = true` the Hadoop client configuration is taken from
/// `HADOOP_CONF_DIR` (or `HADOOP_HOME/etc/hadoop`), as on a CDP gateway host.
///
/// ```toml
/// [hdfs]
/// enabled = true
/// hadoop_conf_dir = "/etc/hadoop/conf"
/// principal = "spark-provisioner@EXAMPLE.COM"
/// keytab = "/etc/security/keytabs/spark-provisioner.keytab"
/// timeout_ms = 15000
/// [hdfs.extra]
/// "dfs.client.failover.max.attempts" = "4"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HdfsConfig {
    /// Whether `hdfs://` jars are read at all. Off: only local and `file:`
    /// jars are accepted (an `hdfs://` jar is a clear system error).
    pub enabled: bool,
    /// Folder with `core-site.xml` and `hdfs-site.xml`; default:
    /// `HADOOP_CONF_DIR`, else `HADOOP_HOME/etc/hadoop`.
    pub hadoop_conf_dir: Option<PathBuf>,
    /// The filesystem of `hdfs:///path` jars (`hdfs://nameservice1`,
    /// `hdfs://namenode:8020` or `viewfs://cluster`); overrides
    /// `fs.defaultFS` of `core-site.xml`.
    pub default_fs: Option<String>,
    /// NameNodes (`host:port`) that `hdfs://host:port/…` locations may name
    /// besides the configured ones. A location is read only from the
    /// default filesystem, the name services and NameNode addresses of the
    /// Hadoop configuration, and these: the provisioner never connects to
    /// an address a descriptor makes up.
    #[serde(deserialize_with = "config_text::list")]
    pub allowed_namenodes: Vec<String>,
    /// Hadoop settings that override the XML files, e.g.
    /// `"dfs.client.failover.max.attempts" = "4"`.
    #[serde(deserialize_with = "config_text::table")]
    pub extra: BTreeMap<String, String>,
    /// Kerberos principal of the provisioner (`name@REALM` or
    /// `name/host@REALM`). Turns Kerberos on.
    pub principal: Option<String>,
    /// Keytab of `principal`: tickets are obtained from it, and obtained
    /// again when they expire, without `kinit`.
    pub keytab: Option<PathBuf>,
    /// Kerberos credential cache to use (`FILE:/path` or `KEYRING:...`),
    /// e.g. one kept fresh by `kinit -R`/`k5start` outside the provisioner;
    /// with a keytab, where its tickets are kept (default: a private
    /// in-memory cache).
    pub ticket_cache: Option<String>,
    /// Simple authentication only: the user to act as; default:
    /// `HADOOP_USER_NAME`, else the operating-system user.
    pub user: Option<String>,
    /// How long one call (a status, or one byte-range read) may take before
    /// the cluster is reported unreachable, in milliseconds.
    pub timeout_ms: u64,
}

impl Default for HdfsConfig {
    fn default() -> Self {
        HdfsConfig {
            enabled: false,
            hadoop_conf_dir: None,
            default_fs: None,
            allowed_namenodes: Vec::new(),
            extra: BTreeMap::new(),
            principal: None,
            keytab: None,
            ticket_cache: None,
            user: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

impl HdfsConfig {
    /// Enabled, everything else from the environment and the defaults.
    pub fn enabled() -> Self {
        HdfsConfig {
            enabled: true,
            ..HdfsConfig::default()
        }
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Checks that need no file: each error names the key and how to fix it.
    pub fn check(&self) -> Result<(), HdfsConfigError> {
        if self.timeout_ms == 0 {
            return Err(HdfsConfigError::key(
                "hdfs.timeout_ms",
                "is 0, so every call would time out; give the milliseconds a NameNode call may \
                 take, e.g. 15000",
            ));
        }
        if let Some(fs) = &self.default_fs {
            let lower = fs.trim().to_ascii_lowercase();
            let host = lower
                .strip_prefix("hdfs://")
                .or_else(|| lower.strip_prefix("viewfs://"));
            match host {
                Some(rest) if !rest.trim_end_matches('/').is_empty() && !rest.contains(' ') => {}
                _ => {
                    return Err(HdfsConfigError::key(
                        "hdfs.default_fs",
                        format!(
                            "'{fs}' is not an hdfs:// or viewfs:// URI with a host; e.g. \
                             hdfs://nameservice1, hdfs://namenode.example.com:8020 or \
                             viewfs://cluster"
                        ),
                    ));
                }
            }
        }
        for (i, address) in self.allowed_namenodes.iter().enumerate() {
            if normalise_namenode(address).is_none() {
                return Err(HdfsConfigError::key(
                    &format!("hdfs.allowed_namenodes[{i}]"),
                    format!(
                        "'{address}' is not a NameNode address; write host:port, e.g. \
                         namenode2.example.com:8020"
                    ),
                ));
            }
        }
        for (key, value) in &self.extra {
            if key.trim().is_empty() || key.chars().any(char::is_whitespace) {
                return Err(HdfsConfigError::key(
                    "hdfs.extra",
                    format!("'{key}' (= '{value}') is not a Hadoop setting name"),
                ));
            }
        }
        let blank = |v: &Option<String>| v.as_deref().is_some_and(|s| s.trim().is_empty());
        for (key, value) in [
            ("hdfs.principal", &self.principal),
            ("hdfs.ticket_cache", &self.ticket_cache),
            ("hdfs.user", &self.user),
        ] {
            if blank(value) {
                return Err(HdfsConfigError::key(
                    key,
                    "is empty; remove the key or give a value",
                ));
            }
        }
        if self.principal.is_none() {
            if self.keytab.is_some() {
                return Err(HdfsConfigError::key(
                    "hdfs.keytab",
                    "is set without hdfs.principal; set the principal the keytab is for \
                     (klist -kt KEYTAB lists it)",
                ));
            }
            if self.ticket_cache.is_some() {
                return Err(HdfsConfigError::key(
                    "hdfs.ticket_cache",
                    "is set without hdfs.principal; set the principal whose tickets the cache \
                     holds (klist -c CACHE shows it)",
                ));
            }
        } else if self.user.is_some() {
            return Err(HdfsConfigError::key(
                "hdfs.user",
                "is for simple authentication only; with Kerberos (hdfs.principal) the \
                 provisioner acts as its principal: remove hdfs.user",
            ));
        }
        Ok(())
    }
}

/// A NameNode address as compared: `host:port` in lower case (`hdfs://` and
/// a trailing `/` dropped, port 8020 when none is written); `None` when it
/// is not one.
pub fn normalise_namenode(address: &str) -> Option<String> {
    let trimmed = address.trim();
    let lower = trimmed.to_ascii_lowercase();
    let bare = lower
        .strip_prefix("hdfs://")
        .unwrap_or(&lower)
        .trim_end_matches('/');
    if bare.is_empty()
        || bare.contains(['/', '@', ' ', '?', '#'])
        || bare.chars().any(char::is_control)
    {
        return None;
    }
    let (host, port) = match bare.rsplit_once(':') {
        // An IPv6 address without brackets has colons but no port.
        Some((host, port)) if !host.contains(':') || host.ends_with(']') => (host, Some(port)),
        _ => (bare, None),
    };
    if host.is_empty() {
        return None;
    }
    match port {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .map(|p| format!("{host}:{p}")),
        None => Some(format!("{host}:8020")),
    }
}

/// A configuration that cannot work, found at start-up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HdfsConfigError {
    /// A key of the provisioner's `[hdfs]` section.
    #[error("{key} {problem}")]
    Key { key: String, problem: String },
    /// The Hadoop configuration files.
    #[error("the Hadoop configuration {what}: {problem}")]
    Hadoop { what: String, problem: String },
}

impl HdfsConfigError {
    pub(crate) fn key(key: &str, problem: impl Into<String>) -> Self {
        HdfsConfigError::Key {
            key: key.into(),
            problem: problem.into(),
        }
    }

    pub(crate) fn hadoop(what: impl Into<String>, problem: impl Into<String>) -> Self {
        HdfsConfigError::Hadoop {
            what: what.into(),
            problem: problem.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(result: Result<(), HdfsConfigError>) -> String {
        match result {
            Err(HdfsConfigError::Key { key, .. }) => key,
            other => panic!("expected a key error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_off_with_a_15_second_timeout() {
        let c = HdfsConfig::default();
        assert!(!c.enabled);
        assert_eq!(c.timeout(), Duration::from_secs(15));
        assert_eq!(c.check(), Ok(()));
        assert!(HdfsConfig::enabled().enabled);
    }

    #[test]
    fn deserializes_from_the_app_config_shape() {
        let c: HdfsConfig = serde_json::from_value(serde_json::json!({
            "enabled": true,
            "hadoop_conf_dir": "conf/hadoop",
            "default_fs": "hdfs://nameservice1",
            "extra": {"dfs.client.failover.max.attempts": "4"},
            "principal": "svc@EXAMPLE.COM",
            "keytab": "svc.keytab",
            "timeout_ms": 2500
        }))
        .expect("valid");
        assert_eq!(c.default_fs.as_deref(), Some("hdfs://nameservice1"));
        assert_eq!(c.extra["dfs.client.failover.max.attempts"], "4");
        assert_eq!(c.timeout(), Duration::from_millis(2500));
        assert_eq!(c.user, None);
        assert_eq!(c.check(), Ok(()));
        // Lists and tables as text, as an environment variable gives them.
        let c: HdfsConfig = serde_json::from_value(serde_json::json!({
            "allowed_namenodes": "nn2.example.com:8020, nn3.example.com:8020",
            "extra": "{\"dfs.client.failover.max.attempts\" = \"4\"}"
        }))
        .expect("text");
        assert_eq!(
            c.allowed_namenodes,
            ["nn2.example.com:8020", "nn3.example.com:8020"]
        );
        assert_eq!(c.extra["dfs.client.failover.max.attempts"], "4");
        let unknown = serde_json::from_value::<HdfsConfig>(serde_json::json!({"defaultFs": "x"}))
            .expect_err("unknown key");
        assert!(unknown.to_string().contains("defaultFs"), "{unknown}");
    }

    #[test]
    fn inconsistent_settings_name_the_key() {
        let with = |f: fn(&mut HdfsConfig)| {
            let mut c = HdfsConfig::enabled();
            f(&mut c);
            c.check()
        };
        assert_eq!(key_of(with(|c| c.timeout_ms = 0)), "hdfs.timeout_ms");
        assert_eq!(
            key_of(with(|c| c.default_fs = Some("s3a://bucket".into()))),
            "hdfs.default_fs"
        );
        assert_eq!(
            key_of(with(|c| c.default_fs = Some("hdfs://".into()))),
            "hdfs.default_fs"
        );
        assert_eq!(
            with(|c| c.default_fs = Some("viewfs://cluster/".into())),
            Ok(())
        );
        assert_eq!(
            key_of(with(|c| c.keytab = Some("svc.keytab".into()))),
            "hdfs.keytab"
        );
        assert_eq!(
            key_of(with(|c| c.ticket_cache = Some("FILE:/tmp/cc".into()))),
            "hdfs.ticket_cache"
        );
        assert_eq!(
            key_of(with(|c| {
                c.principal = Some("svc@EXAMPLE.COM".into());
                c.user = Some("hdfs".into());
            })),
            "hdfs.user"
        );
        assert_eq!(
            key_of(with(|c| c.principal = Some(" ".into()))),
            "hdfs.principal"
        );
        assert_eq!(
            key_of(with(|c| {
                c.extra.insert("dfs client".into(), "x".into());
            })),
            "hdfs.extra"
        );
    }
}
