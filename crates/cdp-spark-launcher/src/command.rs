//! The spark-submit command line for one launch, as an argv vector: it goes
//! to the operating system as separate arguments and never through a shell,
//! so an argument like `; rm -rf /` or `$(id)` reaches the application's
//! `main` as written.
//!
//! Per cluster manager (see `spark-submit --help` of Spark 4):
//!
//! | option | YARN | standalone | local |
//! | --- | --- | --- | --- |
//! | `--deploy-mode` | `cluster` | `cluster` | `client` |
//! | `--queue` | yes | ignored (YARN only) | ignored |
//! | `--driver-cores` | yes | yes | ignored (cluster mode only) |
//! | `--driver-memory` | yes | yes | yes |
//! | `--executor-cores`, `--executor-memory` | yes | yes | ignored (no executors) |
//! | `--num-executors` | yes | see below | ignored |
//! | `--principal`, `--keytab` | yes | rejected by the config (no Kerberos in standalone) | yes |
//!
//! Spark standalone has no `--num-executors` (it is "YARN and Kubernetes
//! only", and `spark.executor.instances` is not honoured by the standalone
//! master): the number of executors there is `spark.cores.max` divided by
//! `spark.executor.cores`. So with both `numExecutors` and `executorCores`
//! the command asks for `--total-executor-cores numExecutors×executorCores`
//! (unless the job's own conf sets `spark.cores.max`); with `numExecutors`
//! alone it cannot be expressed and is left out with a warning.
//!
//! The log level goes as `--conf spark.log.level=LEVEL` (Spark ≥ 3.5: the
//! driver's SparkContext applies it as if `setLogLevel` were called; the
//! spec holds one of the levels Spark 4 accepts, the domain's
//! `SparkLogLevel`).
//!
//! The spec holds parsed values (`ArtifactUri`, `JavaClassName`,
//! `MemorySize`, ...): the command is built from them without checking
//! again what their types guarantee. It refuses only what the command line
//! cannot take: an application jar starting with `-`, a dependency with
//! `,`, a conf key that is empty or holds `=`.
//!
//! The operator's settings come after the job's: `spark_conf` entries (a
//! job conf entry with the same key is left out, with a warning;
//! `spark.yarn.tags` is merged instead: the job's, the operator's, then the
//! run's tag), then on YARN `spark.yarn.archive` from `yarn_archive`.
//! `krb5_conf` goes into spark-submit's environment: `KRB5_CONFIG` and
//! `-Djava.security.krb5.conf` in `SPARK_SUBMIT_OPTS` (after the options
//! `extra_env` gives there).
//!
//! **Environment.** spark-submit does not inherit the provisioner's
//! environment, which holds its bearer tokens and the job store's URL with
//! its password (`CDP_SPARK_PROVISIONER__…`). It starts from an empty one,
//! takes from the provisioner's only the variables of [`INHERITED_ENV`]
//! (and `LC_*`), then the launcher's own settings (`SPARK_HOME`,
//! `HADOOP_CONF_DIR`, `YARN_CONF_DIR`, `KRB5_CONFIG`, `SPARK_SUBMIT_OPTS`)
//! and `extra_env`. `HADOOP_USER_NAME` is not inherited: give it in
//! `extra_env`.
//!
//! Detaching is enforced: YARN gets
//! `spark.yarn.submit.waitAppCompletion=false`, standalone
//! `spark.master.rest.enabled=true` (spark-submit then speaks the REST
//! submission protocol and returns once the driver is submitted). A job conf
//! that tries to set these is overridden.

use std::path::PathBuf;

use std::ffi::OsString;

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::{LaunchError, LaunchRequest};
use cdp_spark_domain::redact::Redactor;
use tracing::warn;

use crate::config::{ClusterMode, LauncherConfig};

/// Conf keys the launcher sets itself, whatever the job's conf says.
pub(crate) const ENFORCED_CONF: [&str; 3] = [
    "spark.yarn.submit.waitAppCompletion",
    "spark.master.rest.enabled",
    "spark.submit.deployMode",
];

/// The variables of the provisioner's environment spark-submit gets (with
/// every `LC_*`); nothing else of it. What each is for:
///
/// - `PATH`, `JAVA_HOME`: finding `java` (and `spark-submit` without a
///   Spark home);
/// - `SPARK_HOME`, `SPARK_CONF_DIR`: the Spark installation and its
///   `spark-defaults.conf`/`spark-env.sh` (the launcher's `spark_home`
///   wins);
/// - `HADOOP_CONF_DIR`, `YARN_CONF_DIR`, `HADOOP_HOME`: the cluster's
///   client configuration (the launcher's `hadoop_conf_dir` and
///   `yarn_conf_dir` win);
/// - `KRB5CCNAME`, `KRB5_CONFIG`: the Kerberos ticket cache and
///   configuration, for a `kinit`-ed provisioner without a keytab (the
///   launcher's `krb5_conf` wins);
/// - `HOME`, `USER`, `LOGNAME`: the JVM's `user.home` (Ivy cache) and
///   `user.name` (Hadoop's login user under simple authentication);
/// - `LANG`, `LC_*`, `TZ`, `TMPDIR`: locale, time zone, temporary files.
///
/// `HADOOP_USER_NAME`, `SPARK_LOCAL_IP`, `LD_LIBRARY_PATH` and anything
/// else go in the launcher's `extra_env`.
pub const INHERITED_ENV: [&str; 16] = [
    "PATH",
    "JAVA_HOME",
    "SPARK_HOME",
    "SPARK_CONF_DIR",
    "HADOOP_CONF_DIR",
    "YARN_CONF_DIR",
    "HADOOP_HOME",
    "KRB5CCNAME",
    "KRB5_CONFIG",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "TZ",
    "TMPDIR",
    "LANGUAGE",
];

/// Whether spark-submit gets the provisioner's variable `name`
/// ([`INHERITED_ENV`] and `LC_*`).
pub fn is_inherited(name: &str) -> bool {
    INHERITED_ENV.contains(&name)
        || name.strip_prefix("LC_").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
        })
}

/// The allowed part of `vars` (the provisioner's environment).
pub fn inherited_env(
    vars: impl IntoIterator<Item = (OsString, OsString)>,
) -> Vec<(OsString, OsString)> {
    vars.into_iter()
        .filter(|(k, _)| k.to_str().is_some_and(is_inherited))
        .collect()
}

/// One spark-submit invocation: program, argv and environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkSubmitCommand {
    pub program: PathBuf,
    /// The arguments after the program name, each one argv entry.
    pub args: Vec<String>,
    /// The launcher's environment for spark-submit, set over the allowed
    /// variables of the provisioner's own ([`INHERITED_ENV`]); the rest of
    /// the provisioner's environment is not passed on.
    pub env: Vec<(String, String)>,
}

impl SparkSubmitCommand {
    /// The command for `request` under `config`. Fails, naming the field,
    /// when the job cannot be expressed as a spark-submit command line.
    pub fn build(config: &LauncherConfig, request: &LaunchRequest) -> Result<Self, LaunchError> {
        let spec = &request.spec;
        let invalid = |field: &str, problem: String, hint: &str| {
            LaunchError::Other(cause!(
                "cannot launch job {}: {field} {problem}; {hint}",
                request.job_key
            ))
        };

        // The spec holds parsed values (a location, a Java class name, a
        // log level, ...): what their types guarantee is not checked again.
        // What remains is what the command line itself cannot take.
        let jar = spec.jar.as_str();
        if jar.starts_with('-') {
            return Err(invalid(
                "jar",
                format!("'{jar}' starts with '-', which spark-submit would read as an option"),
                "give an hdfs://, file: or absolute path",
            ));
        }
        for (n, dep) in spec.dependencies.iter().enumerate() {
            if dep.as_str().contains(',') {
                return Err(invalid(
                    &format!("dependencies[{n}]"),
                    format!("'{dep}' contains ',' (spark-submit joins --jars with commas)"),
                    "give one jar location per entry",
                ));
            }
        }
        for key in spec.conf.keys() {
            if key.trim().is_empty() || key.contains('=') {
                return Err(invalid(
                    &format!("conf.{key}"),
                    "is not a valid Spark property name (empty or containing '=')".into(),
                    "use keys like spark.sql.shuffle.partitions",
                ));
            }
        }
        let log_level = spec.log_level;

        let (master, deploy_mode) = match &config.mode {
            ClusterMode::Yarn => ("yarn".to_string(), "cluster"),
            ClusterMode::Standalone { rest_url, .. } => {
                (rest_submission_master(rest_url)?, "cluster")
            }
            ClusterMode::Local { master } => (master.clone(), "client"),
        };
        let yarn = matches!(config.mode, ClusterMode::Yarn);
        let standalone = matches!(config.mode, ClusterMode::Standalone { .. });
        let cluster = yarn || standalone;

        let name = if request.app_name.trim().is_empty() {
            request.job_key.to_string()
        } else {
            request.app_name.clone()
        };

        let mut args: Vec<String> = Vec::with_capacity(32 + spec.args.len());
        let mut opt = |flag: &str, value: String| {
            args.push(flag.to_string());
            args.push(value);
        };
        opt("--master", master);
        opt("--deploy-mode", deploy_mode.to_string());
        opt("--class", spec.class_name.to_string());
        opt("--name", name);
        if yarn {
            if let Some(queue) = &spec.queue {
                opt("--queue", queue.to_string());
            }
        }
        if cluster {
            if let Some(cores) = spec.driver_cores {
                opt("--driver-cores", cores.to_string());
            }
        }
        if let Some(memory) = &spec.driver_memory {
            opt("--driver-memory", memory.to_string());
        }
        if cluster {
            if let Some(cores) = spec.executor_cores {
                opt("--executor-cores", cores.to_string());
            }
            if let Some(memory) = &spec.executor_memory {
                opt("--executor-memory", memory.to_string());
            }
        }
        if let Some(n) = spec.num_executors {
            if yarn {
                opt("--num-executors", n.to_string());
            } else if standalone {
                match spec.executor_cores {
                    Some(cores) if !spec.conf.contains_key("spark.cores.max") => {
                        opt(
                            "--total-executor-cores",
                            (u64::from(n.get()) * u64::from(cores.get())).to_string(),
                        );
                    }
                    Some(_) => {}
                    None => warn!(
                        job = %request.job_key,
                        "numExecutors cannot be expressed on Spark standalone without executorCores; left out"
                    ),
                }
            }
        }
        if !spec.dependencies.is_empty() {
            let jars: Vec<&str> = spec.dependencies.iter().map(|d| d.as_str()).collect();
            opt("--jars", jars.join(","));
        }
        if !standalone {
            if let Some(k) = &config.kerberos {
                opt("--principal", k.principal.clone());
                opt("--keytab", k.keytab.to_string_lossy().into_owned());
            }
        }
        let run_tag = if yarn {
            yarn_run_tag(&request.run_id)
        } else {
            None
        };
        // The operator's settings win over the job's.
        let operator_sets = |key: &str| {
            config.spark_conf.contains_key(key)
                || (yarn && key == "spark.yarn.archive" && config.yarn_archive.is_some())
        };
        for (key, value) in &spec.conf {
            let key = key.trim();
            if yarn && key == "spark.yarn.tags" {
                // Merged with the operator's and the run's tags below.
                continue;
            }
            if ENFORCED_CONF.contains(&key) || (log_level.is_some() && key == "spark.log.level") {
                warn!(job = %request.job_key, key, "job conf entry overridden by the launcher");
                continue;
            }
            if operator_sets(key) {
                warn!(job = %request.job_key, key, "job conf entry overridden by the launcher's configuration (spark_conf, yarn_archive)");
                continue;
            }
            opt("--conf", format!("{key}={value}"));
        }
        if let Some(level) = log_level {
            if operator_sets("spark.log.level") {
                warn!(job = %request.job_key, "logLevel overridden by the launcher's spark_conf");
            } else {
                opt("--conf", format!("spark.log.level={level}"));
            }
        }
        for (key, value) in &config.spark_conf {
            if yarn && key == "spark.yarn.tags" {
                continue;
            }
            opt("--conf", format!("{key}={value}"));
        }
        if yarn {
            if let Some(archive) = &config.yarn_archive {
                opt("--conf", format!("spark.yarn.archive={}", archive.trim()));
            }
            let tags: Vec<&str> = [
                spec.conf.get("spark.yarn.tags"),
                config.spark_conf.get("spark.yarn.tags"),
            ]
            .into_iter()
            .flatten()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .chain(run_tag.as_deref())
            .collect();
            if !tags.is_empty() {
                opt("--conf", format!("spark.yarn.tags={}", tags.join(",")));
            }
            opt(
                "--conf",
                "spark.yarn.submit.waitAppCompletion=false".to_string(),
            );
        }
        if standalone {
            opt("--conf", "spark.master.rest.enabled=true".to_string());
        }
        args.push(jar.to_string());
        args.extend(spec.args.iter().cloned());

        let mut env = Vec::new();
        if let Some(home) = &config.spark_home {
            env.push((
                "SPARK_HOME".to_string(),
                home.to_string_lossy().into_owned(),
            ));
        }
        if let Some(dir) = &config.hadoop_conf_dir {
            env.push((
                "HADOOP_CONF_DIR".to_string(),
                dir.to_string_lossy().into_owned(),
            ));
        }
        if let Some(dir) = &config.yarn_conf_dir {
            env.push((
                "YARN_CONF_DIR".to_string(),
                dir.to_string_lossy().into_owned(),
            ));
        }
        // spark-submit's own JVM: in cluster modes the launcher's bounds
        // for a client that only submits, then the options of extra_env,
        // then krb5_conf.
        let mut submit_opts: Vec<String> = Vec::new();
        if cluster {
            submit_opts.push(config.submit_jvm_opts.trim().to_string());
        }
        for (key, value) in &config.extra_env {
            if key == "SPARK_SUBMIT_OPTS" {
                submit_opts.push(value.trim().to_string());
            } else if !(key == "KRB5_CONFIG" && config.krb5_conf.is_some()) {
                env.push((key.clone(), value.clone()));
            }
        }
        if let Some(krb5) = &config.krb5_conf {
            let krb5 = krb5.to_string_lossy();
            env.push(("KRB5_CONFIG".to_string(), krb5.to_string()));
            submit_opts.push(format!("-Djava.security.krb5.conf={krb5}"));
        }
        submit_opts.retain(|o| !o.is_empty());
        if !submit_opts.is_empty() {
            env.push(("SPARK_SUBMIT_OPTS".to_string(), submit_opts.join(" ")));
        }

        Ok(Self {
            program: config.spark_submit_program(),
            args,
            env,
        })
    }

    /// A `tokio` command running this argv (no shell), in its own process
    /// group so that a kill reaches every process spark-submit started,
    /// with an environment of the allowed variables of the provisioner's
    /// ([`inherited_env`]) and [`env`](Self::env) over them.
    pub fn to_command(&self) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(&self.program);
        cmd.args(&self.args)
            .env_clear()
            .envs(inherited_env(std::env::vars_os()))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .process_group(0)
            .kill_on_drop(false);
        cmd
    }

    /// The command line for logs, each argument quoted for reading (never
    /// executed), redacted by the domain's rule
    /// ([`cdp_spark_domain::redact`]): the value of a `--conf` entry whose
    /// key looks secret (Spark's `spark.redaction.regex` and a few more),
    /// a secret-looking `key=value` anywhere, the argument after an option
    /// such as `--password`, a URL's user-info password.
    pub fn display(&self) -> String {
        self.display_redacted(&Redactor::default())
    }

    /// [`display`](Self::display), also hiding the values `redactor` knows.
    pub fn display_redacted(&self, redactor: &Redactor) -> String {
        let mut out = redactor.text(&self.program.to_string_lossy());
        for a in redactor.args(&self.args) {
            out.push(' ');
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,[]*@+".contains(c))
            {
                out.push_str(&a);
            } else {
                out.push('\'');
                out.push_str(&a.replace('\'', r"'\''"));
                out.push('\'');
            }
        }
        out
    }
}

/// The YARN application tag marking the application of a run
/// (`cdp-run-<run id>`), so that it can be found by tag when spark-submit
/// died before printing the application id. `None` when the run id cannot
/// be a tag (YARN tags are ASCII, at most 100 characters, no commas).
pub fn yarn_run_tag(run_id: &str) -> Option<String> {
    let tag = format!("cdp-run-{}", run_id.trim().to_ascii_lowercase());
    let ok = tag.len() <= 100
        && !run_id.trim().is_empty()
        && tag.chars().all(|c| c.is_ascii_graphic() && c != ',');
    ok.then_some(tag)
}

/// `http://host:6066` → `spark://host:6066`: spark-submit's REST client takes
/// the REST server's address with the `spark://` scheme.
pub(crate) fn rest_submission_master(rest_url: &str) -> Result<String, LaunchError> {
    let authority = rest_url
        .strip_prefix("http://")
        .map(|rest| rest.split('/').next().unwrap_or_default())
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            LaunchError::Other(cause!(
                "mode.rest_url '{rest_url}' is not an http://host:port URL; spark-submit's REST client speaks plain HTTP to the standalone master"
            ))
        })?;
    Ok(format!("spark://{authority}"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use cdp_spark_domain::descriptor::PositiveCount;
    use cdp_spark_domain::model::{JobKey, SparkJobSpec};
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::config::{KerberosConfig, YarnConfig};

    fn request(spec: SparkJobSpec) -> LaunchRequest {
        LaunchRequest {
            run_id: "run-1".into(),
            job_key: JobKey::new("dp1", "job1"),
            app_name: "job1 2026-01-02T03:04:05Z".into(),
            spec,
            scheduled_fire_time: Utc
                .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
                .single()
                .expect("time"),
        }
    }

    fn full_spec() -> SparkJobSpec {
        SparkJobSpec {
            jar: "hdfs://ns1/apps/job.jar".parse().expect("jar"),
            class_name: "com.example.Main".parse().expect("class name"),
            queue: Some("etl".parse().expect("queue")),
            args: vec!["--date".into(), "; rm -rf /".into(), "$(id)".into()],
            dependencies: vec![
                "hdfs://ns1/lib/a.jar".parse().expect("dependency"),
                "/opt/lib/b.jar".parse().expect("dependency"),
            ],
            driver_cores: PositiveCount::new(2),
            driver_memory: Some("2g".parse().expect("memory")),
            executor_cores: PositiveCount::new(4),
            executor_memory: Some("8g".parse().expect("memory")),
            num_executors: PositiveCount::new(3),
            log_level: Some("warn".parse().expect("log level")),
            conf: BTreeMap::from([
                (
                    "spark.sql.shuffle.partitions".to_string(),
                    "400".to_string(),
                ),
                (
                    "spark.yarn.submit.waitAppCompletion".to_string(),
                    "true".to_string(),
                ),
                (
                    "spark.driver.extraJavaOptions".to_string(),
                    "-Da=b c".to_string(),
                ),
            ]),
        }
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// The argv `full_spec()` gives: what every cluster manager shares, with
    /// `resources` (the sizing options the manager takes) before `--jars`,
    /// `principal_keytab` after it, and `launcher_conf` (the `--conf`
    /// values the launcher enforces) after the job's own conf.
    fn full_spec_argv(
        master: &str,
        deploy_mode: &str,
        resources: &[(&str, &str)],
        principal_keytab: Option<(&str, &str)>,
        launcher_conf: &[&str],
    ) -> Vec<String> {
        let mut argv = strs(&[
            "--master",
            master,
            "--deploy-mode",
            deploy_mode,
            "--class",
            "com.example.Main",
            "--name",
            "job1 2026-01-02T03:04:05Z",
        ]);
        for &(flag, value) in resources {
            argv.extend(strs(&[flag, value]));
        }
        argv.extend(strs(&["--jars", "hdfs://ns1/lib/a.jar,/opt/lib/b.jar"]));
        if let Some((principal, keytab)) = principal_keytab {
            argv.extend(strs(&["--principal", principal, "--keytab", keytab]));
        }
        let job_conf = [
            "spark.driver.extraJavaOptions=-Da=b c",
            "spark.sql.shuffle.partitions=400",
            "spark.log.level=WARN",
        ];
        for &conf in job_conf.iter().chain(launcher_conf) {
            argv.extend(strs(&["--conf", conf]));
        }
        argv.extend(strs(&[
            "hdfs://ns1/apps/job.jar",
            "--date",
            "; rm -rf /",
            "$(id)",
        ]));
        argv
    }

    /// The arguments of `cmd` that set `key` (`key=value`).
    fn conf_entries<'a>(cmd: &'a SparkSubmitCommand, key: &str) -> Vec<&'a str> {
        let prefix = format!("{key}=");
        cmd.args
            .iter()
            .map(String::as_str)
            .filter(|a| a.starts_with(&prefix))
            .collect()
    }

    fn standalone_config() -> LauncherConfig {
        LauncherConfig {
            mode: ClusterMode::Standalone {
                master_url: "spark://m:7077".into(),
                rest_url: "http://m:6066".into(),
            },
            ..LauncherConfig::default()
        }
    }

    #[test]
    fn yarn_argv_has_everything_in_order() {
        let config = LauncherConfig {
            mode: ClusterMode::Yarn,
            spark_home: Some(PathBuf::from("spark")),
            hadoop_conf_dir: Some(PathBuf::from("etc/hadoop")),
            yarn_conf_dir: Some(PathBuf::from("etc/yarn")),
            kerberos: Some(KerberosConfig {
                principal: "svc@EXAMPLE.COM".into(),
                keytab: PathBuf::from("keytabs/svc.keytab"),
            }),
            yarn: YarnConfig {
                resource_managers: vec!["http://rm1:8088".into()],
                ..YarnConfig::default()
            },
            extra_env: BTreeMap::from([("SPARK_LOCAL_IP".to_string(), "10.0.0.1".to_string())]),
            ..LauncherConfig::default()
        };
        let cmd = SparkSubmitCommand::build(&config, &request(full_spec())).expect("builds");
        assert_eq!(cmd.program, PathBuf::from("spark/bin/spark-submit"));
        assert_eq!(
            cmd.args,
            full_spec_argv(
                "yarn",
                "cluster",
                &[
                    ("--queue", "etl"),
                    ("--driver-cores", "2"),
                    ("--driver-memory", "2g"),
                    ("--executor-cores", "4"),
                    ("--executor-memory", "8g"),
                    ("--num-executors", "3"),
                ],
                Some(("svc@EXAMPLE.COM", "keytabs/svc.keytab")),
                &[
                    "spark.yarn.tags=cdp-run-run-1",
                    "spark.yarn.submit.waitAppCompletion=false",
                ],
            )
        );
        assert_eq!(
            cmd.env,
            vec![
                ("SPARK_HOME".to_string(), "spark".to_string()),
                ("HADOOP_CONF_DIR".to_string(), "etc/hadoop".to_string()),
                ("YARN_CONF_DIR".to_string(), "etc/yarn".to_string()),
                ("SPARK_LOCAL_IP".to_string(), "10.0.0.1".to_string()),
                (
                    "SPARK_SUBMIT_OPTS".to_string(),
                    crate::config::DEFAULT_SUBMIT_JVM_OPTS.to_string()
                ),
            ]
        );
    }

    #[test]
    fn standalone_argv_uses_the_rest_server_and_total_executor_cores() {
        let cmd =
            SparkSubmitCommand::build(&standalone_config(), &request(full_spec())).expect("builds");
        assert_eq!(cmd.program, PathBuf::from("spark-submit"));
        assert_eq!(
            cmd.args,
            full_spec_argv(
                "spark://m:6066",
                "cluster",
                &[
                    ("--driver-cores", "2"),
                    ("--driver-memory", "2g"),
                    ("--executor-cores", "4"),
                    ("--executor-memory", "8g"),
                    ("--total-executor-cores", "12"),
                ],
                None,
                &["spark.master.rest.enabled=true"],
            )
        );
        assert_eq!(
            cmd.env,
            [(
                "SPARK_SUBMIT_OPTS".to_string(),
                crate::config::DEFAULT_SUBMIT_JVM_OPTS.to_string()
            )]
        );
    }

    #[test]
    fn standalone_leaves_num_executors_out_without_executor_cores_or_with_cores_max() {
        let config = standalone_config();
        let mut spec = full_spec();
        spec.executor_cores = None;
        let cmd = SparkSubmitCommand::build(&config, &request(spec)).expect("builds");
        assert!(!cmd
            .args
            .iter()
            .any(|a| a == "--total-executor-cores" || a == "--num-executors"));

        let mut spec = full_spec();
        spec.conf.insert("spark.cores.max".into(), "7".into());
        let cmd = SparkSubmitCommand::build(&config, &request(spec)).expect("builds");
        assert!(!cmd.args.iter().any(|a| a == "--total-executor-cores"));
        assert!(cmd.args.iter().any(|a| a == "spark.cores.max=7"));
    }

    #[test]
    fn local_argv_is_client_mode_without_cluster_options() {
        let config = LauncherConfig {
            kerberos: Some(KerberosConfig {
                principal: "me@EXAMPLE.COM".into(),
                keytab: PathBuf::from("me.keytab"),
            }),
            ..LauncherConfig::default()
        };
        let cmd = SparkSubmitCommand::build(&config, &request(full_spec())).expect("builds");
        assert_eq!(
            cmd.args,
            full_spec_argv(
                "local[*]",
                "client",
                &[("--driver-memory", "2g")],
                Some(("me@EXAMPLE.COM", "me.keytab")),
                &[],
            )
        );
    }

    #[test]
    fn minimal_spec_gives_minimal_argv() {
        let spec = SparkJobSpec::new(
            "/opt/a.jar".parse().expect("jar"),
            "A".parse().expect("class name"),
        );
        let mut req = request(spec);
        req.app_name = String::new();
        let cmd = SparkSubmitCommand::build(&LauncherConfig::default(), &req).expect("builds");
        assert_eq!(
            cmd.args,
            strs(&[
                "--master",
                "local[*]",
                "--deploy-mode",
                "client",
                "--class",
                "A",
                "--name",
                "dp1.job1",
                "/opt/a.jar",
            ])
        );
    }

    #[test]
    fn job_conf_log_level_gives_way_to_the_log_level_field() {
        let mut spec = full_spec();
        spec.conf.insert("spark.log.level".into(), "DEBUG".into());
        let cmd =
            SparkSubmitCommand::build(&LauncherConfig::default(), &request(spec)).expect("builds");
        assert_eq!(
            conf_entries(&cmd, "spark.log.level"),
            ["spark.log.level=WARN"]
        );
    }

    #[test]
    fn bad_jobs_are_refused_naming_the_field() {
        // Each case spoils a valid spec in one field. An empty jar or class
        // name or an unknown log level cannot be in a spec: its types
        // refuse them (the domain's tests).
        type Spoil = fn(&mut SparkJobSpec);
        let cases: [(Spoil, &str); 3] = [
            (|s| s.jar = "--help".parse().expect("a local path"), "jar"),
            (
                |s| s.dependencies = vec!["/x.jar,/y.jar".parse().expect("a local path")],
                "dependencies[0]",
            ),
            (
                |s| s.conf = BTreeMap::from([("a=b".to_string(), "c".to_string())]),
                "conf.a=b",
            ),
        ];
        for (spoil, field) in cases {
            let mut spec = SparkJobSpec::new(
                "/a.jar".parse().expect("jar"),
                "A".parse().expect("class name"),
            );
            spoil(&mut spec);
            let err = SparkSubmitCommand::build(&LauncherConfig::default(), &request(spec))
                .expect_err(field);
            let msg = err.to_string();
            assert!(
                msg.contains(field) && msg.contains("dp1.job1"),
                "{field}: {msg}"
            );
        }
    }

    #[test]
    fn yarn_tags_mark_the_run_and_keep_the_jobs_own() {
        let config = LauncherConfig {
            mode: ClusterMode::Yarn,
            ..LauncherConfig::default()
        };
        let mut spec = full_spec();
        spec.conf
            .insert("spark.yarn.tags".into(), "team-a,nightly".into());
        let mut req = request(spec);
        req.run_id = "0F3C-77".into();
        let cmd = SparkSubmitCommand::build(&config, &req).expect("builds");
        assert_eq!(
            conf_entries(&cmd, "spark.yarn.tags"),
            ["spark.yarn.tags=team-a,nightly,cdp-run-0f3c-77"]
        );
        assert_eq!(yarn_run_tag("a,b"), None);
        assert_eq!(yarn_run_tag(&"x".repeat(100)), None);
        assert_eq!(yarn_run_tag(" "), None);
        // Only YARN gets a tag.
        let cmd = SparkSubmitCommand::build(&LauncherConfig::default(), &request(full_spec()))
            .expect("builds");
        assert!(!cmd.args.iter().any(|a| a.contains("cdp-run-")));
    }

    #[test]
    fn the_operators_conf_comes_last_and_wins() {
        let config = LauncherConfig {
            mode: ClusterMode::Yarn,
            yarn_archive: Some("hdfs:///apps/spark-jars.zip".into()),
            spark_conf: BTreeMap::from([
                (
                    "spark.driver.defaultJavaOptions".to_string(),
                    "-Djava.security.krb5.conf=/etc/krb5.conf".to_string(),
                ),
                ("spark.sql.shuffle.partitions".to_string(), "64".to_string()),
                ("spark.log.level".to_string(), "INFO".to_string()),
                ("spark.yarn.tags".to_string(), "witboost".to_string()),
            ]),
            ..LauncherConfig::default()
        };
        let mut spec = full_spec();
        spec.conf
            .insert("spark.yarn.archive".into(), "hdfs:///mine.zip".into());
        spec.conf.insert("spark.yarn.tags".into(), "team-a".into());
        let cmd = SparkSubmitCommand::build(&config, &request(spec)).expect("builds");
        let confs: Vec<&str> = cmd
            .args
            .iter()
            .zip(cmd.args.iter().skip(1))
            .filter(|(flag, _)| *flag == "--conf")
            .map(|(_, value)| value.as_str())
            .collect();
        assert_eq!(
            confs,
            [
                "spark.driver.extraJavaOptions=-Da=b c",
                "spark.driver.defaultJavaOptions=-Djava.security.krb5.conf=/etc/krb5.conf",
                "spark.log.level=INFO",
                "spark.sql.shuffle.partitions=64",
                "spark.yarn.archive=hdfs:///apps/spark-jars.zip",
                "spark.yarn.tags=team-a,witboost,cdp-run-run-1",
                "spark.yarn.submit.waitAppCompletion=false",
            ]
        );
        // Outside YARN the operator's conf applies as well (no archive, no tags).
        let local = LauncherConfig {
            mode: ClusterMode::default(),
            yarn_archive: None,
            ..config
        };
        let cmd = SparkSubmitCommand::build(&local, &request(full_spec())).expect("builds");
        assert_eq!(
            conf_entries(&cmd, "spark.sql.shuffle.partitions"),
            ["spark.sql.shuffle.partitions=64"]
        );
        assert_eq!(
            conf_entries(&cmd, "spark.yarn.tags"),
            ["spark.yarn.tags=witboost"]
        );
        assert!(conf_entries(&cmd, "spark.yarn.archive").is_empty());
    }

    #[test]
    fn krb5_conf_reaches_spark_submits_jvm_after_the_extra_env_options() {
        let mut config = LauncherConfig {
            mode: ClusterMode::Yarn,
            krb5_conf: Some(PathBuf::from("etc/krb5.conf")),
            submit_jvm_opts: "-Xmx64m".into(),
            extra_env: BTreeMap::from([
                ("SPARK_SUBMIT_OPTS".to_string(), "-Dfoo=bar".to_string()),
                ("KRB5_CONFIG".to_string(), "other.conf".to_string()),
                ("SPARK_LOCAL_IP".to_string(), "127.0.0.1".to_string()),
            ]),
            ..LauncherConfig::default()
        };
        let cmd = SparkSubmitCommand::build(&config, &request(full_spec())).expect("builds");
        assert_eq!(
            cmd.env,
            vec![
                ("SPARK_LOCAL_IP".to_string(), "127.0.0.1".to_string()),
                ("KRB5_CONFIG".to_string(), "etc/krb5.conf".to_string()),
                (
                    "SPARK_SUBMIT_OPTS".to_string(),
                    "-Xmx64m -Dfoo=bar -Djava.security.krb5.conf=etc/krb5.conf".to_string()
                ),
            ]
        );
        // Without krb5_conf, extra_env's own values go through unchanged.
        config.krb5_conf = None;
        let cmd = SparkSubmitCommand::build(&config, &request(full_spec())).expect("builds");
        assert_eq!(
            cmd.env,
            vec![
                ("KRB5_CONFIG".to_string(), "other.conf".to_string()),
                ("SPARK_LOCAL_IP".to_string(), "127.0.0.1".to_string()),
                (
                    "SPARK_SUBMIT_OPTS".to_string(),
                    "-Xmx64m -Dfoo=bar".to_string()
                ),
            ]
        );
    }

    #[test]
    fn submit_jvm_opts_bound_the_client_jvm_in_cluster_modes_only() {
        let yarn = LauncherConfig {
            mode: ClusterMode::Yarn,
            ..LauncherConfig::default()
        };
        let opts = |config: &LauncherConfig| {
            SparkSubmitCommand::build(config, &request(full_spec()))
                .expect("builds")
                .env
                .into_iter()
                .find(|(k, _)| k == "SPARK_SUBMIT_OPTS")
                .map(|(_, v)| v)
        };
        assert_eq!(
            opts(&yarn).as_deref(),
            Some("-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
        );
        assert_eq!(
            opts(&standalone_config()).as_deref(),
            Some(crate::config::DEFAULT_SUBMIT_JVM_OPTS)
        );
        // Local mode: spark-submit's JVM is the driver; its memory is
        // driverMemory's and its JIT and collector the JVM's.
        assert_eq!(opts(&LauncherConfig::default()), None);
        // Empty: Spark's own defaults.
        let none = LauncherConfig {
            submit_jvm_opts: " ".into(),
            ..yarn
        };
        assert_eq!(opts(&none), None);
    }

    #[test]
    fn rest_master_is_the_rest_server_with_the_spark_scheme() {
        assert_eq!(
            rest_submission_master("http://m:6066").expect("ok"),
            "spark://m:6066"
        );
        assert_eq!(
            rest_submission_master("http://m:6066/").expect("ok"),
            "spark://m:6066"
        );
        assert!(rest_submission_master("https://m:6066").is_err());
    }

    #[test]
    fn display_quotes_what_a_shell_would_split() {
        let cmd = SparkSubmitCommand {
            program: PathBuf::from("spark-submit"),
            args: strs(&["--name", "a b", "it's", "$(id)"]),
            env: vec![],
        };
        assert_eq!(
            cmd.display(),
            r#"spark-submit --name 'a b' 'it'\''s' '$(id)'"#
        );
        let cmd = SparkSubmitCommand {
            program: PathBuf::from("spark-submit"),
            args: strs(&[
                "--conf",
                "spark.hadoop.fs.s3a.secret.key=abc",
                "--conf",
                "spark.sql.shuffle.partitions=4",
                "--conf",
                "spark.hadoop.fs.s3a.access.key=AKIA",
                "x.password=not-a-conf-so-kept",
            ]),
            env: vec![],
        };
        assert_eq!(
            cmd.display(),
            "spark-submit --conf spark.hadoop.fs.s3a.secret.key=*** \
             --conf spark.sql.shuffle.partitions=4 \
             --conf spark.hadoop.fs.s3a.access.key=*** x.password=***"
        );
        // The domain's one rule: option values, URL passwords, known values.
        let cmd = SparkSubmitCommand {
            program: PathBuf::from("spark-submit"),
            args: strs(&[
                "--jars",
                "https://ci:jarpass@repo/a.jar",
                "app.jar",
                "--db-password",
                "hunter2",
                "--user",
                "bob",
                "plain-KNOWN-value",
            ]),
            env: vec![],
        };
        let mut known = Redactor::new();
        known.add_secret("KNOWN-value");
        assert_eq!(
            cmd.display_redacted(&known),
            "spark-submit --jars https://ci:***@repo/a.jar app.jar --db-password *** \
             --user bob plain-***"
        );
    }

    #[test]
    fn only_allowed_variables_of_the_provisioner_are_inherited() {
        let vars = [
            "PATH",
            "JAVA_HOME",
            "SPARK_HOME",
            "SPARK_CONF_DIR",
            "HADOOP_CONF_DIR",
            "YARN_CONF_DIR",
            "HADOOP_HOME",
            "KRB5CCNAME",
            "KRB5_CONFIG",
            "HOME",
            "USER",
            "LOGNAME",
            "LANG",
            "LC_ALL",
            "LC_CTYPE",
            "TZ",
            "TMPDIR",
            // Not inherited:
            "CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN",
            "CDP_SPARK_PROVISIONER__STORE__URL",
            "HADOOP_USER_NAME",
            "AWS_SECRET_ACCESS_KEY",
            "SPARK_SUBMIT_OPTS",
            "LD_PRELOAD",
            "JAVA_TOOL_OPTIONS",
            "LC_",
            "LC_x",
        ];
        let env = inherited_env(
            vars.iter()
                .map(|k| (OsString::from(k), OsString::from("v"))),
        );
        let names: Vec<String> = env
            .iter()
            .map(|(k, _)| k.to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vars[..17].to_vec());
    }
}
