//! Shared by the real-YARN tests (`yarn_cluster.rs`,
//! `yarn_cluster_kerberos.rs`): the Spark test applications on a mini
//! cluster's HDFS, the launcher configuration for it, jobs, waiting, the
//! ResourceManager's own JSON, and finding the spark-submit of a run among
//! this machine's processes.
//!
//! Include it after `common`; it uses the testkit's `minicluster` and `spark_apps`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cdp_spark_domain::descriptor::PositiveCount;
use cdp_spark_domain::model::{JobKey, SparkJobSpec};
use cdp_spark_domain::ports::{ApplicationHandle, ApplicationState, LaunchRequest};
use cdp_spark_launcher::{ClusterMode, LauncherConfig, SparkLauncher, YarnApp, YarnConfig};
use chrono::Utc;

use cdp_spark_testkit::minicluster::MiniCluster;
use cdp_spark_testkit::spark_apps;

/// Longest wait for an application to reach a state.
pub const LIMIT: Duration = Duration::from_secs(180);

/// The Spark test applications, on a cluster's HDFS.
#[derive(Debug, Clone)]
pub struct Deployed {
    pub cluster: MiniCluster,
    pub spark_home: PathBuf,
    /// `hdfs:///apps/…/cdptest-spark-apps.jar`
    pub jar: String,
    /// `hdfs:///apps/…/cdptest-dep.jar`
    pub dependency: String,
}

/// Compiles the applications against `spark_home` and puts both jars into
/// a folder of this test binary on the cluster's HDFS (two `hdfs dfs`
/// calls).
pub fn deploy(cluster: MiniCluster, spark_home: &Path, label: &str) -> Deployed {
    let apps = spark_apps::build(spark_home);
    let dir = format!("/apps/cdp-launcher-test-{}-{label}", std::process::id());
    let jar_path = format!("{dir}/cdptest-spark-apps.jar");
    let dep_path = format!("{dir}/cdptest-dep.jar");
    cluster.dfs(&["-mkdir", "-p", &dir]);
    let (jar, dep) = (
        apps.jar.to_string_lossy().into_owned(),
        apps.dependency_jar.to_string_lossy().into_owned(),
    );
    // -put of two files to two names: one call per file would cost a JVM
    // each, so copy under the final names into the folder.
    let staging = tempfile::tempdir().expect("tempdir");
    std::fs::copy(&jar, staging.path().join("cdptest-spark-apps.jar")).expect("copy the jar");
    std::fs::copy(&dep, staging.path().join("cdptest-dep.jar")).expect("copy the jar");
    let staged = |name: &str| staging.path().join(name).to_string_lossy().into_owned();
    cluster.dfs(&[
        "-put",
        "-f",
        &staged("cdptest-spark-apps.jar"),
        &staged("cdptest-dep.jar"),
        &format!("{dir}/"),
    ]);
    Deployed {
        cluster,
        spark_home: spark_home.to_path_buf(),
        jar: format!("hdfs://{jar_path}"),
        dependency: format!("hdfs://{dep_path}"),
    }
}

/// `CDP_TEST_SPARK_ARCHIVE`: Spark's jars on the clusters' HDFS, as
/// `scripts/test.sh` puts them there.
pub fn spark_archive() -> String {
    std::env::var("CDP_TEST_SPARK_ARCHIVE")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| {
            panic!(
                "CDP_TEST_SPARK_ARCHIVE is not set: the real-YARN tests ship Spark's jars as an \
                 archive already on HDFS (spark.yarn.archive). scripts/test.sh sets it; by hand: \
                 (cd $SPARK_HOME/jars && jar --create --no-compress --no-manifest --file \
                 /some/where/spark-jars.zip ./*.jar), scripts/hadoop-minicluster.sh dfs DIR -put \
                 -f /some/where/spark-jars.zip /apps/spark-jars.zip on each cluster, and \
                 export CDP_TEST_SPARK_ARCHIVE=hdfs:///apps/spark-jars.zip"
            )
        })
}

/// YARN mode on the cluster: its client configuration, its RM, the Spark
/// archive on its HDFS.
pub fn yarn_config(d: &Deployed, archive: Option<String>) -> LauncherConfig {
    LauncherConfig {
        mode: ClusterMode::Yarn,
        spark_home: Some(d.spark_home.clone()),
        hadoop_conf_dir: Some(d.cluster.conf_dir()),
        yarn_conf_dir: Some(d.cluster.conf_dir()),
        yarn_archive: archive,
        submit_timeout_secs: 240,
        http_timeout_secs: 15,
        yarn: YarnConfig {
            resource_managers: vec![d.cluster.rm_url().to_string()],
            ..YarnConfig::default()
        },
        ..LauncherConfig::default()
    }
}

pub fn launcher(config: LauncherConfig) -> SparkLauncher {
    SparkLauncher::new(config).expect("a valid launcher configuration")
}

/// A small job of the test applications: 512 MB driver and executor, one
/// executor; `run` is the run id (and so the YARN tag).
pub fn job(d: &Deployed, class: &str, args: &[&str], run: &str) -> LaunchRequest {
    let name = class.rsplit('.').next().unwrap_or(class);
    LaunchRequest {
        run_id: run.to_string(),
        job_key: JobKey::new("dp-yarn-test", name),
        app_name: format!("cdptest-{name}-{run}"),
        spec: SparkJobSpec {
            args: args.iter().map(|a| a.to_string()).collect(),
            driver_memory: Some("512m".parse().expect("memory")),
            driver_cores: PositiveCount::new(1),
            executor_memory: Some("512m".parse().expect("memory")),
            executor_cores: PositiveCount::new(1),
            num_executors: PositiveCount::new(1),
            log_level: Some("WARN".parse().expect("log level")),
            ..SparkJobSpec::new(
                d.jar.parse().expect("jar"),
                class.parse().expect("class name"),
            )
        },
        scheduled_fire_time: Utc::now(),
    }
}

/// A run id unique to this test binary and `what`.
pub fn run_id(what: &str) -> String {
    format!(
        "{what}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_millis()
    )
}

/// Polls `status` until the application is no longer running.
pub async fn wait_final(launcher: &SparkLauncher, handle: &ApplicationHandle) -> ApplicationState {
    use cdp_spark_domain::ports::SparkLauncherPort;
    let start = Instant::now();
    loop {
        let state = launcher
            .status(handle)
            .await
            .unwrap_or_else(|e| panic!("status of {}: {e}", handle.application_id));
        if !matches!(state, ApplicationState::Running { .. }) {
            return state;
        }
        assert!(
            start.elapsed() < LIMIT,
            "{} still running after {LIMIT:?}",
            handle.application_id
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Polls the RM (through the launcher's own client) until the application
/// is in YARN state `RUNNING` (its ApplicationMaster registered), and
/// returns it.
pub async fn wait_running(launcher_config: &LauncherConfig, id: &str) -> YarnApp {
    let client = cdp_spark_launcher::YarnRmClient::from_config(launcher_config).expect("client");
    let start = Instant::now();
    loop {
        let app = client
            .application(id)
            .await
            .unwrap_or_else(|e| panic!("reading {id}: {e}"))
            .unwrap_or_else(|| panic!("the RM does not know {id}"));
        if app.state == "RUNNING" {
            return app;
        }
        assert!(
            !app.has_ended(),
            "{id} ended before running: {} {} {:?}",
            app.state,
            app.final_status,
            app.diagnostics
        );
        assert!(
            start.elapsed() < LIMIT,
            "{id} not RUNNING after {LIMIT:?}: {}",
            app.state
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `GET <rm><path>` on an RM with simple authentication: the RM's own JSON.
pub async fn rm_json(rm: &str, path: &str) -> serde_json::Value {
    let url = format!("{}{path}", rm.trim_end_matches('/'));
    let body = reqwest::Client::new()
        .get(&url)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {url} is not JSON ({e}): {body}"))
}

/// A string field of the RM's JSON application (`""` when absent).
pub fn field<'a>(app: &'a serde_json::Value, name: &str) -> &'a str {
    app.get(name)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
}

/// The process group of this process's child whose command line has an
/// argument containing `needle`: a spark-submit the launcher started (in a
/// process group of its own). Only children: a YARN container on this
/// host is never taken for it.
pub fn process_group_with_arg(needle: &str) -> Option<i32> {
    let me = std::process::id().to_string();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        if name.to_str().and_then(|n| n.parse::<i32>().ok()).is_none() {
            continue;
        }
        // "pid (comm) state ppid pgrp …": after the last ')'.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((_, after)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        if fields.get(1) != Some(&me.as_str()) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let has = cmdline
            .split(|b| *b == 0)
            .any(|arg| String::from_utf8_lossy(arg).contains(needle));
        if has {
            return fields.get(2)?.parse().ok();
        }
    }
    None
}
