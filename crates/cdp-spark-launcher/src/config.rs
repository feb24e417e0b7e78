//! The launcher's configuration: where Spark is, which cluster manager it
//! submits to, how long a spark-submit may take, Kerberos and the
//! ResourceManager addresses. The app crate layers it from defaults, a file
//! and the environment; [`LauncherConfig::validate`] says what is wrong with
//! it, field by field.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cdp_spark_domain::issues::Issues;
use serde::{Deserialize, Serialize};

/// The cluster manager applications are submitted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ClusterMode {
    /// YARN in cluster deploy mode, followed through the ResourceManager
    /// REST API ([`YarnConfig::resource_managers`]).
    Yarn,
    /// A Spark standalone master with its REST submission server enabled
    /// (`spark.master.rest.enabled=true`).
    Standalone {
        /// The master's own URL, `spark://host:7077`. Informative: the REST
        /// server tells the driver the real master URL itself; it appears in
        /// diagnostics.
        master_url: String,
        /// The REST submission server, `http://host:6066`. spark-submit is
        /// pointed at it (as `spark://host:6066`, the form its REST client
        /// takes), and driver status and kill requests go to it.
        rest_url: String,
    },
    /// spark-submit as a child process of the provisioner, client deploy
    /// mode; the application's exit code is its final status. For trying the
    /// product on one machine.
    Local {
        /// The Spark master, `local`, `local[N]` or `local[*]`.
        #[serde(default = "default_local_master")]
        master: String,
    },
}

fn default_local_master() -> String {
    "local[*]".to_string()
}

impl Default for ClusterMode {
    fn default() -> Self {
        ClusterMode::Local {
            master: default_local_master(),
        }
    }
}

/// Kerberos identity spark-submit logs in with (`--principal`/`--keytab`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KerberosConfig {
    pub principal: String,
    pub keytab: PathBuf,
}

/// How the ResourceManager REST API is reached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct YarnConfig {
    /// Base URLs of the ResourceManagers' web apps, `http://rm1:8088` or
    /// `https://rm1:8090`; several for HA. Each request tries the RM that
    /// answered last, then the others; a standby RM's redirect is followed
    /// and a standby without a known active RM is skipped.
    pub resource_managers: Vec<String>,
    /// The RMs require SPNEGO (Kerberos HTTP authentication, Hadoop's
    /// `hadoop.http.authentication.type = kerberos`): the client logs in as
    /// [`LauncherConfig::kerberos`] from its keytab, or without one from the
    /// default credential cache (`KRB5CCNAME`), and keeps each RM's
    /// `hadoop.auth` cookie. Needs `libgssapi_krb5.so.2` at run time. See
    /// [`crate::spnego`].
    pub spnego: bool,
    /// With Hadoop's simple HTTP authentication, the user named in
    /// `?user.name=` (needed to kill an application the RM does not let
    /// anonymous users kill). Not sent with [`spnego`](Self::spnego): the
    /// Kerberos principal is the user then.
    pub user_name: Option<String>,
}

/// [`LauncherConfig::submit_jvm_opts`] by default: a bounded heap, the
/// serial collector and the C1 compiler only. spark-submit's client keeps
/// about 27 MB live on its heap (it fails below `-Xmx32m`), so 128 MB
/// leaves room for bigger submissions. Measured with
/// `scripts/bench-spark-submit.sh` on YARN (Spark 4.0.1, JDK 17): about
/// 175 MB peak RSS and 3.5 CPU-seconds per spark-submit instead of 245 MB
/// and 6–7 CPU-seconds with the JVM's defaults (a heap of up to a quarter
/// of the host, G1, C2), so twice as many submits per second on the same
/// cores. All three options exist in JDK 8 too.
pub const DEFAULT_SUBMIT_JVM_OPTS: &str = "-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

/// Everything the launcher needs besides the job itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LauncherConfig {
    pub mode: ClusterMode,
    /// The Spark installation (`$SPARK_HOME/bin/spark-submit`); without it
    /// `spark-submit` is looked up on `PATH`.
    pub spark_home: Option<PathBuf>,
    /// `HADOOP_CONF_DIR` for spark-submit (where `yarn-site.xml` and
    /// `core-site.xml` are).
    pub hadoop_conf_dir: Option<PathBuf>,
    /// `YARN_CONF_DIR` for spark-submit.
    pub yarn_conf_dir: Option<PathBuf>,
    /// More environment for spark-submit. It does not inherit the
    /// provisioner's environment, only the variables of
    /// [`crate::command::INHERITED_ENV`]: anything else it needs
    /// (`HADOOP_USER_NAME`, `SPARK_LOCAL_IP`, `LD_LIBRARY_PATH`) goes here.
    /// Values whose names look secret are hidden in every text the
    /// launcher returns or logs.
    pub extra_env: BTreeMap<String, String>,
    /// YARN: `spark.yarn.archive`, an archive of Spark's jars already on
    /// the cluster (`hdfs://…`, `viewfs://…`, or `local:` for a path present
    /// on every node), so that spark-submit does not zip and upload
    /// `$SPARK_HOME/jars` (hundreds of MB) for every application. Only
    /// cluster URIs are accepted: a local file would be uploaded on every
    /// submission, which is what the archive is there to avoid.
    pub yarn_archive: Option<String>,
    /// `spark.*` settings the operator applies to every submission, after
    /// the job's own conf, so that the operator wins: a job conf entry with
    /// the same key is left out (with a warning). `spark.yarn.tags` is
    /// merged with the job's tags and the run's tag instead. For JVM options
    /// prefer `spark.driver.defaultJavaOptions` and
    /// `spark.executor.defaultJavaOptions` (Spark 3+), which Spark prepends
    /// to the job's `extraJavaOptions` rather than replacing them.
    pub spark_conf: BTreeMap<String, String>,
    /// The `krb5.conf` spark-submit's JVM reads: it gets
    /// `-Djava.security.krb5.conf=<path>` (in `SPARK_SUBMIT_OPTS`, after any
    /// given in `extra_env`) and `KRB5_CONFIG=<path>`. The containers on the
    /// cluster are not affected (set `spark_conf` for them, e.g.
    /// `spark.driver.defaultJavaOptions`). The provisioner's own Kerberos
    /// clients (the RM's SPNEGO, HDFS) read `KRB5_CONFIG` of the
    /// provisioner's environment, as MIT Kerberos does when it starts: set
    /// it there too (the launcher warns when it differs).
    pub krb5_conf: Option<PathBuf>,
    /// JVM options of spark-submit's own JVM in YARN and standalone cluster
    /// modes, where it is only a client that submits and exits (first in
    /// `SPARK_SUBMIT_OPTS`, before `extra_env`'s). Without them Spark starts
    /// that client with the JVM's defaults: a heap of up to a quarter of the
    /// host's memory, G1 and the C2 compiler, for a process that lives a
    /// few seconds. Empty: none. Not applied in local mode, where
    /// spark-submit's JVM is the driver itself. See
    /// [`DEFAULT_SUBMIT_JVM_OPTS`].
    pub submit_jvm_opts: String,
    /// A spark-submit that submits to YARN or standalone and has not
    /// returned within this many seconds is killed (with its process group)
    /// and the launch fails with
    /// [`cdp_spark_domain::ports::LaunchError::Timeout`], unless it had
    /// already printed the application id: that application runs, so it is
    /// followed instead of lost. On YARN, without a printed id, the RMs are
    /// asked for the run's tagged application first: found, it is followed;
    /// not found, the launch fails with a submit error that says so. Not
    /// applied in local mode, where spark-submit is the application itself.
    pub submit_timeout_secs: u64,
    /// Connect and whole-request timeout of every call to a cluster
    /// manager's REST API.
    pub http_timeout_secs: u64,
    /// Local mode: seconds between SIGTERM and SIGKILL when killing an
    /// application's process group.
    pub kill_grace_secs: u64,
    pub kerberos: Option<KerberosConfig>,
    pub yarn: YarnConfig,
}

impl Default for LauncherConfig {
    fn default() -> Self {
        Self {
            mode: ClusterMode::default(),
            spark_home: None,
            hadoop_conf_dir: None,
            yarn_conf_dir: None,
            extra_env: BTreeMap::new(),
            yarn_archive: None,
            spark_conf: BTreeMap::new(),
            krb5_conf: None,
            submit_jvm_opts: DEFAULT_SUBMIT_JVM_OPTS.to_string(),
            submit_timeout_secs: 300,
            http_timeout_secs: 15,
            kill_grace_secs: 10,
            kerberos: None,
            yarn: YarnConfig::default(),
        }
    }
}

impl LauncherConfig {
    /// Every problem of the configuration at once, each naming its field.
    pub fn validate(&self) -> Result<(), Issues> {
        let mut issues = Issues::new();
        match &self.mode {
            ClusterMode::Yarn => {
                if self.yarn.resource_managers.is_empty() {
                    issues.add(
                        "yarn.resource_managers",
                        "is empty, but YARN mode follows applications through the ResourceManager REST API",
                        "list the ResourceManager web addresses, e.g. http://rm1:8088 (several for HA)",
                    );
                }
            }
            ClusterMode::Standalone {
                master_url,
                rest_url,
            } => {
                if !master_url.starts_with("spark://") || master_url.len() <= "spark://".len() {
                    issues.add(
                        "mode.master_url",
                        format!("'{master_url}' is not a spark:// URL"),
                        "write the standalone master's URL, e.g. spark://master:7077",
                    );
                }
                if let Err(problem) = check_http_url(rest_url) {
                    issues.add(
                        "mode.rest_url",
                        format!("'{rest_url}' {problem}"),
                        "write the master's REST submission server, e.g. http://master:6066 (the master needs -Dspark.master.rest.enabled=true)",
                    );
                }
                if self.kerberos.is_some() {
                    issues.add(
                        "kerberos",
                        "is set, but Spark standalone does not support Kerberos",
                        "remove the kerberos section, or submit to YARN",
                    );
                }
            }
            ClusterMode::Local { master } => {
                if !is_local_master(master) {
                    issues.add(
                        "mode.master",
                        format!("'{master}' is not a local master"),
                        "write local, local[N] or local[*]",
                    );
                }
            }
        }
        for (n, rm) in self.yarn.resource_managers.iter().enumerate() {
            if let Err(problem) = check_http_url(rm) {
                issues.add(
                    format!("yarn.resource_managers[{n}]"),
                    format!("'{rm}' {problem}"),
                    "write the ResourceManager web address, e.g. http://rm1:8088",
                );
            }
        }
        if self.yarn.spnego && !matches!(self.mode, ClusterMode::Yarn) {
            issues.add(
                "yarn.spnego",
                "is true, but only YARN mode talks to the ResourceManagers",
                "set mode to yarn, or leave yarn.spnego false",
            );
        }
        if let Some(user) = &self.yarn.user_name {
            if user.is_empty()
                || !user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
            {
                issues.add(
                    "yarn.user_name",
                    format!("'{user}' is not a valid user name"),
                    "use letters, digits, '.', '_', '-' or '@', or leave it out",
                );
            }
        }
        if let Some(k) = &self.kerberos {
            if k.principal.trim().is_empty() {
                issues.add(
                    "kerberos.principal",
                    "is empty",
                    "write the principal spark-submit logs in as, e.g. svc-spark@EXAMPLE.COM",
                );
            }
            if k.keytab.as_os_str().is_empty() {
                issues.add(
                    "kerberos.keytab",
                    "is empty",
                    "write the path of the principal's keytab file",
                );
            }
        }
        for key in self.extra_env.keys() {
            if key.is_empty() || key.contains('=') || key.contains('\0') {
                issues.add(
                    format!("extra_env.{key}"),
                    "is not a valid environment variable name",
                    "use a name without '=' or NUL, e.g. SPARK_LOCAL_IP",
                );
            }
        }
        if let Some(archive) = &self.yarn_archive {
            if !matches!(self.mode, ClusterMode::Yarn) {
                issues.add(
                    "yarn_archive",
                    "is set, but only YARN mode uses spark.yarn.archive",
                    "set mode to yarn, or leave yarn_archive out",
                );
            } else if let Err(problem) = check_cluster_uri(archive) {
                issues.add(
                    "yarn_archive",
                    format!("'{archive}' {problem}"),
                    "put an archive of $SPARK_HOME/jars on the cluster once (hdfs dfs -put spark-jars.zip /apps/) and write its URI, e.g. hdfs:///apps/spark-jars.zip, or local:/opt/spark/jars.zip for a file on every node",
                );
            }
        }
        for (key, value) in &self.spark_conf {
            let field = format!("spark_conf.{key}");
            if !key.starts_with("spark.")
                || key.len() <= "spark.".len()
                || key.contains('=')
                || key.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                issues.add(
                    field,
                    "is not a Spark property name",
                    "keys start with spark. and hold no '=' or white space, e.g. spark.driver.defaultJavaOptions",
                );
            } else if crate::command::ENFORCED_CONF.contains(&key.as_str()) {
                issues.add(
                    field,
                    "is set by the launcher itself (it submits and detaches in cluster deploy mode)",
                    "leave it out of spark_conf",
                );
            } else if key == "spark.yarn.archive" && self.yarn_archive.is_some() {
                issues.add(
                    field,
                    "is set, and yarn_archive too",
                    "set the archive once, in yarn_archive",
                );
            } else if value.contains('\0') {
                issues.add(
                    field,
                    "contains a NUL character, which no command line can carry",
                    "remove it",
                );
            }
        }
        if let Some(path) = &self.krb5_conf {
            let text = path.to_string_lossy();
            if text.is_empty() {
                issues.add(
                    "krb5_conf",
                    "is empty",
                    "write the path of the krb5.conf spark-submit should read, or leave krb5_conf out",
                );
            } else if text
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'\\".contains(c))
            {
                issues.add(
                    "krb5_conf",
                    format!("'{text}' contains white space, a quote or a backslash, which SPARK_SUBMIT_OPTS (split at white space by Spark's launcher) cannot carry as one option"),
                    "use a path without them (a symbolic link will do)",
                );
            }
        }
        if let Some(bad) = self
            .submit_jvm_opts
            .split_whitespace()
            .find(|o| !o.starts_with('-') || o.contains('\0'))
        {
            issues.add(
                "submit_jvm_opts",
                format!("'{bad}' is not a JVM option"),
                "write JVM options separated by spaces, e.g. -Xmx256m -XX:+UseSerialGC, or leave it empty for none",
            );
        }
        for (field, value) in [
            ("submit_timeout_secs", self.submit_timeout_secs),
            ("http_timeout_secs", self.http_timeout_secs),
        ] {
            if value == 0 {
                issues.add(field, "is 0", "give a number of seconds greater than 0");
            }
        }
        issues.into_result(())
    }

    /// The spark-submit program: `$SPARK_HOME/bin/spark-submit` or, without
    /// a Spark home, `spark-submit` to be found on `PATH`.
    pub fn spark_submit_program(&self) -> PathBuf {
        match &self.spark_home {
            Some(home) => home.join("bin").join("spark-submit"),
            None => PathBuf::from("spark-submit"),
        }
    }
}

/// `local`, `local[4]`, `local[*]`, `local[4,2]` (with retries).
pub(crate) fn is_local_master(master: &str) -> bool {
    if master == "local" {
        return true;
    }
    let Some(inner) = master
        .strip_prefix("local[")
        .and_then(|rest| rest.strip_suffix(']'))
    else {
        return false;
    };
    !inner.is_empty()
        && inner.split(',').all(|part| {
            part == "*" || (!part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
        })
}

/// A URI the cluster's nodes can read Spark's jars from by themselves:
/// `hdfs://`, `viewfs://` or `local:` (a path present on every node).
pub(crate) fn check_cluster_uri(uri: &str) -> Result<(), &'static str> {
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains white space");
    }
    if uri.contains(',') {
        return Err("contains ',' but names one archive");
    }
    let rest = ["hdfs://", "viewfs://", "local:"]
        .iter()
        .find_map(|scheme| uri.strip_prefix(scheme))
        .ok_or(
            "is not on the cluster (hdfs://, viewfs:// or local:): a local file would be zipped and uploaded again by every spark-submit, which is what the archive avoids",
        )?;
    if rest.trim_start_matches('/').is_empty() {
        return Err("names no file");
    }
    Ok(())
}

/// `http(s)://host[:port][/path]`, nothing else.
pub(crate) fn check_http_url(url: &str) -> Result<(), &'static str> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or("is not an http:// or https:// URL")?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() {
        return Err("has no host");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains white space");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_local_star_and_valid() {
        let c = LauncherConfig::default();
        assert_eq!(
            c.mode,
            ClusterMode::Local {
                master: "local[*]".into()
            }
        );
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.spark_submit_program(), PathBuf::from("spark-submit"));
    }

    #[test]
    fn spark_home_gives_its_spark_submit() {
        let c = LauncherConfig {
            spark_home: Some(PathBuf::from("opt/spark")),
            ..LauncherConfig::default()
        };
        assert_eq!(
            c.spark_submit_program(),
            PathBuf::from("opt/spark/bin/spark-submit")
        );
    }

    #[test]
    fn every_problem_names_its_field() {
        let c = LauncherConfig {
            mode: ClusterMode::Standalone {
                master_url: "master:7077".into(),
                rest_url: "ftp://m:6066".into(),
            },
            kerberos: Some(KerberosConfig {
                principal: " ".into(),
                keytab: PathBuf::new(),
            }),
            yarn: YarnConfig {
                resource_managers: vec!["rm1:8088".into()],
                spnego: false,
                user_name: Some("a b".into()),
            },
            extra_env: BTreeMap::from([("A=B".to_string(), "x".to_string())]),
            submit_timeout_secs: 0,
            http_timeout_secs: 0,
            ..LauncherConfig::default()
        };
        let issues = c.validate().expect_err("invalid");
        let fields: Vec<String> = issues.iter().map(|i| i.field.clone()).collect();
        for expected in [
            "mode.master_url",
            "mode.rest_url",
            "kerberos",
            "yarn.resource_managers[0]",
            "yarn.user_name",
            "kerberos.principal",
            "kerberos.keytab",
            "extra_env.A=B",
            "submit_timeout_secs",
            "http_timeout_secs",
        ] {
            assert!(
                fields.iter().any(|f| f == expected),
                "{expected} missing from {fields:?}"
            );
        }
        assert!(issues.iter().all(|i| !i.hint.is_empty()));
    }

    #[test]
    fn yarn_needs_a_resource_manager() {
        let c = LauncherConfig {
            mode: ClusterMode::Yarn,
            ..LauncherConfig::default()
        };
        let issues = c.validate().expect_err("no RM");
        assert_eq!(issues.len(), 1);
        assert_eq!(
            issues.iter().next().map(|i| i.field.as_str()),
            Some("yarn.resource_managers")
        );
    }

    #[test]
    fn spnego_is_accepted_in_yarn_mode_only() {
        let yarn = LauncherConfig {
            mode: ClusterMode::Yarn,
            kerberos: Some(KerberosConfig {
                principal: "provisioner@CDP.TEST".into(),
                keytab: PathBuf::from("provisioner.keytab"),
            }),
            yarn: YarnConfig {
                resource_managers: vec!["http://rm1:8088".into(), "http://rm2:8088".into()],
                spnego: true,
                user_name: None,
            },
            ..LauncherConfig::default()
        };
        assert_eq!(yarn.validate(), Ok(()));
        // Without kerberos: the default credential cache (kinit).
        let kinit = LauncherConfig {
            kerberos: None,
            ..yarn.clone()
        };
        assert_eq!(kinit.validate(), Ok(()));
        let local = LauncherConfig {
            mode: ClusterMode::default(),
            ..yarn
        };
        let issues = local.validate().expect_err("spnego outside YARN");
        assert_eq!(
            issues.iter().map(|i| i.field.as_str()).collect::<Vec<_>>(),
            ["yarn.spnego"]
        );
    }

    #[test]
    fn archive_spark_conf_and_krb5_conf_are_checked_naming_the_key() {
        let yarn = LauncherConfig {
            mode: ClusterMode::Yarn,
            yarn: YarnConfig {
                resource_managers: vec!["http://rm1:8088".into()],
                ..YarnConfig::default()
            },
            ..LauncherConfig::default()
        };
        for ok in [
            "hdfs:///apps/spark-jars.zip",
            "hdfs://ns1/apps/spark-jars.zip",
            "viewfs://cluster/apps/spark-jars.zip",
            "local:/opt/spark/jars.zip",
        ] {
            let c = LauncherConfig {
                yarn_archive: Some(ok.into()),
                spark_conf: BTreeMap::from([(
                    "spark.executor.defaultJavaOptions".to_string(),
                    "-Djava.security.krb5.conf=/etc/krb5.conf".to_string(),
                )]),
                krb5_conf: Some(PathBuf::from("/etc/krb5.conf")),
                ..yarn.clone()
            };
            assert_eq!(c.validate(), Ok(()), "{ok}");
        }
        let fields_of = |c: LauncherConfig| -> Vec<(String, String)> {
            c.validate()
                .expect_err("invalid")
                .iter()
                .map(|i| (i.field.clone(), i.problem.clone()))
                .collect()
        };
        for bad in [
            "/opt/spark/jars.zip",
            "file:/opt/spark/jars.zip",
            "spark-jars.zip",
            "s3a://bucket/jars.zip",
            "hdfs:///a.zip,hdfs:///b.zip",
            "hdfs://",
        ] {
            let got = fields_of(LauncherConfig {
                yarn_archive: Some(bad.into()),
                ..yarn.clone()
            });
            assert_eq!(got.len(), 1, "{bad}: {got:?}");
            assert_eq!(got[0].0, "yarn_archive", "{bad}");
        }
        let local_file = fields_of(LauncherConfig {
            yarn_archive: Some("/opt/spark/jars.zip".into()),
            ..yarn.clone()
        });
        assert!(local_file[0].1.contains("uploaded again"), "{local_file:?}");
        // Only YARN takes an archive.
        let got = fields_of(LauncherConfig {
            yarn_archive: Some("hdfs:///apps/spark-jars.zip".into()),
            ..LauncherConfig::default()
        });
        assert_eq!(got[0].0, "yarn_archive");

        let got = fields_of(LauncherConfig {
            yarn_archive: Some("hdfs:///apps/spark-jars.zip".into()),
            spark_conf: BTreeMap::from([
                ("sql.shuffle.partitions".to_string(), "4".to_string()),
                ("spark.".to_string(), "4".to_string()),
                ("spark.a b".to_string(), "4".to_string()),
                (
                    "spark.yarn.submit.waitAppCompletion".to_string(),
                    "true".to_string(),
                ),
                (
                    "spark.yarn.archive".to_string(),
                    "hdfs:///x.zip".to_string(),
                ),
                ("spark.app.x".to_string(), "a\0b".to_string()),
                ("spark.ok".to_string(), "fine".to_string()),
            ]),
            krb5_conf: Some(PathBuf::from("/etc/my krb5.conf")),
            ..yarn.clone()
        });
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "spark_conf.spark.",
                "spark_conf.spark.a b",
                "spark_conf.spark.app.x",
                "spark_conf.spark.yarn.archive",
                "spark_conf.spark.yarn.submit.waitAppCompletion",
                "spark_conf.sql.shuffle.partitions",
                "krb5_conf",
            ]
        );
        let got = fields_of(LauncherConfig {
            krb5_conf: Some(PathBuf::new()),
            ..yarn.clone()
        });
        assert_eq!(got[0].0, "krb5_conf");
        for bad in ["Xmx128m", "-Xmx128m 256m"] {
            let got = fields_of(LauncherConfig {
                submit_jvm_opts: bad.into(),
                ..yarn.clone()
            });
            assert_eq!(got[0].0, "submit_jvm_opts", "{bad}");
        }
        for ok in ["", "-Xmx256m -XX:+UseG1GC", DEFAULT_SUBMIT_JVM_OPTS] {
            let c = LauncherConfig {
                submit_jvm_opts: ok.into(),
                ..yarn.clone()
            };
            assert_eq!(c.validate(), Ok(()), "{ok}");
        }
    }

    #[test]
    fn local_masters() {
        for ok in ["local", "local[*]", "local[4]", "local[4,2]", "local[*,3]"] {
            assert!(is_local_master(ok), "{ok}");
        }
        for bad in ["local[]", "local[x]", "yarn", "local[4", "spark://m:7077"] {
            assert!(!is_local_master(bad), "{bad}");
        }
    }

    #[test]
    fn deserializes_from_json_with_defaults() {
        let c: LauncherConfig = serde_json::from_str(
            r#"{"mode": {"type": "standalone", "master_url": "spark://m:7077", "rest_url": "http://m:6066"},
                "submit_timeout_secs": 60}"#,
        )
        .expect("parses");
        assert_eq!(c.submit_timeout_secs, 60);
        assert_eq!(c.http_timeout_secs, 15);
        assert!(c.yarn_archive.is_none() && c.spark_conf.is_empty() && c.krb5_conf.is_none());
        assert!(matches!(c.mode, ClusterMode::Standalone { .. }));
        let local: LauncherConfig =
            serde_json::from_str(r#"{"mode": {"type": "local"}}"#).expect("parses");
        assert_eq!(local.mode, ClusterMode::default());
    }
}
