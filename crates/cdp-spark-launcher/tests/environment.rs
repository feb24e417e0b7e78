//! What spark-submit gets of the provisioner, and what comes back: a fake
//! `spark-submit` (a shell script in a temporary Spark home) writes its
//! environment to a file and prints secrets on its error output, as a
//! hostile job could (its parent's `/proc/PID/environ`, a stack trace with a
//! connection string). The child's environment holds only the allowed
//! names and the launcher's own; the launch errors and diagnostics, which
//! become a run's `error`, hold no secret.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cdp_spark_domain::model::{JobKey, SparkJobSpec};
use cdp_spark_domain::ports::{ApplicationState, LaunchRequest, SparkLauncherPort};
use cdp_spark_domain::redact::Redactor;
use cdp_spark_launcher::command::INHERITED_ENV;
use cdp_spark_launcher::{ClusterMode, LauncherConfig, SparkLauncher};
use chrono::Utc;

const TOKEN: &str = "tok-Coordinator-5f4e3d2c";
const DB_PASSWORD: &str = "Db/Pass@word:9";
const EXTRA_SECRET: &str = "extra-env-secret-77";
const CONF_SECRET: &str = "spark-conf-secret-88";

/// A Spark home whose `bin/spark-submit` writes its environment to
/// `env.txt` beside it, prints the given lines on stderr and exits 1.
fn fake_spark_home(dir: &Path, stderr_lines: &[String]) -> PathBuf {
    let home = dir.join("spark");
    let bin = home.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let env_file = dir.join("env.txt");
    let mut script = format!("#!/bin/sh\nenv > '{}'\n", env_file.display());
    for line in stderr_lines {
        script.push_str(&format!("printf '%s\\n' '{line}' >&2\n"));
    }
    script.push_str("exit 1\n");
    let program = bin.join("spark-submit");
    std::fs::write(&program, script).expect("write the fake spark-submit");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    home
}

fn names_in(env_file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(env_file)
        .unwrap_or_else(|e| panic!("the fake spark-submit wrote no {}: {e}", env_file.display()));
    text.lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.to_string()))
        // Set by the shell itself.
        .filter(|k| !matches!(k.as_str(), "PWD" | "SHLVL" | "_" | "OLDPWD"))
        .collect()
}

fn request() -> LaunchRequest {
    LaunchRequest {
        run_id: "run-env-1".into(),
        job_key: JobKey::new("dp-env", "job"),
        app_name: "env".into(),
        spec: SparkJobSpec::new(
            "/nonexistent/app.jar".parse().expect("jar"),
            "A".parse().expect("class name"),
        ),
        scheduled_fire_time: Utc::now(),
    }
}

/// The provisioner's environment as the tests set it: secrets, a variable
/// that must be given through `extra_env`, and allowed ones.
fn set_provisioner_env() {
    std::env::set_var("CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN", TOKEN);
    std::env::set_var(
        "CDP_SPARK_PROVISIONER__STORE__URL",
        format!("mysql://sp:{DB_PASSWORD}@db:3306/sp"),
    );
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "aws-secret-from-env");
    std::env::set_var("HADOOP_USER_NAME", "from-the-provisioner");
    std::env::set_var("LC_ALL", "C");
    std::env::set_var("TZ", "UTC");
}

/// What the hostile job prints: the secrets bare, in `KEY=VALUE` form, in a
/// URL, after an option.
fn hostile_lines() -> Vec<String> {
    vec![
        format!("CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN={TOKEN}"),
        format!("Exception: cannot connect to jdbc:mysql://sp:{DB_PASSWORD}@db:3306/sp"),
        format!("bare value {TOKEN} and {EXTRA_SECRET} and {CONF_SECRET}"),
        "password=typed-in-by-the-job --api-token job-token-1234".to_string(),
    ]
}

fn known() -> Redactor {
    let mut r = Redactor::new();
    r.add_secret(TOKEN);
    r.add_url_password(&format!("mysql://sp:{DB_PASSWORD}@db:3306/sp"));
    r
}

fn assert_no_secret(text: &str) {
    for secret in [
        TOKEN,
        DB_PASSWORD,
        EXTRA_SECRET,
        CONF_SECRET,
        "typed-in-by-the-job",
        "job-token-1234",
    ] {
        assert!(!text.contains(secret), "'{secret}' in: {text}");
    }
    assert!(text.contains("***"), "the secrets are marked: {text}");
}

fn config(home: PathBuf, mode: ClusterMode) -> LauncherConfig {
    LauncherConfig {
        mode,
        spark_home: Some(home),
        hadoop_conf_dir: Some(PathBuf::from("/etc/hadoop/conf")),
        extra_env: BTreeMap::from([
            ("HADOOP_USER_NAME".to_string(), "cdpprov".to_string()),
            ("MY_SERVICE_SECRET".to_string(), EXTRA_SECRET.to_string()),
        ]),
        spark_conf: BTreeMap::from([(
            "spark.authenticate.secret".to_string(),
            CONF_SECRET.to_string(),
        )]),
        kill_grace_secs: 2,
        ..LauncherConfig::default()
    }
}

/// The names spark-submit may see: the allowed ones of the provisioner's
/// environment, and the launcher's own.
fn allowed<'a>(own: &'a [&'a str]) -> impl Fn(&String) -> bool + 'a {
    move |name: &String| {
        INHERITED_ENV.contains(&name.as_str())
            || name.starts_with("LC_")
            || own.contains(&name.as_str())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spark_submit_gets_only_allowed_variables_and_its_output_comes_back_redacted() {
    set_provisioner_env();

    // Local mode: spark-submit is the application; its error output
    // becomes the Failed diagnostics.
    let dir = tempfile::tempdir().expect("tempdir");
    let home = fake_spark_home(dir.path(), &hostile_lines());
    let local = SparkLauncher::new(config(home.clone(), ClusterMode::default()))
        .expect("valid")
        .with_redactor(&known());
    let handle = local.submit(&request()).await.expect("submit");
    let deadline = Instant::now() + Duration::from_secs(30);
    let state = loop {
        let state = local.status(&handle).await.expect("status");
        if !matches!(state, ApplicationState::Running { .. }) {
            break state;
        }
        assert!(
            Instant::now() < deadline,
            "the fake spark-submit did not end"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let ApplicationState::Failed { diagnostics } = state else {
        panic!("expected Failed, got {state:?}");
    };
    assert!(diagnostics.contains("exited with code 1"), "{diagnostics}");
    assert!(
        diagnostics.contains("CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN=***"),
        "the line is kept, its value hidden: {diagnostics}"
    );
    assert_no_secret(&diagnostics);

    let names = names_in(&dir.path().join("env.txt"));
    let own = [
        "SPARK_HOME",
        "HADOOP_CONF_DIR",
        "HADOOP_USER_NAME",
        "MY_SERVICE_SECRET",
    ];
    let extra: Vec<&String> = names.iter().filter(|n| !allowed(&own)(n)).collect();
    assert!(extra.is_empty(), "not allowed: {extra:?} (all: {names:?})");
    for name in ["PATH", "SPARK_HOME", "HADOOP_CONF_DIR", "LC_ALL", "TZ"] {
        assert!(names.contains(name), "{name} missing: {names:?}");
    }
    let env = std::fs::read_to_string(dir.path().join("env.txt")).expect("env");
    assert!(
        env.contains("HADOOP_USER_NAME=cdpprov") && !env.contains("from-the-provisioner"),
        "HADOOP_USER_NAME only from extra_env: {env}"
    );
    assert!(
        !env.contains("aws-secret-from-env") && !env.contains(TOKEN),
        "{env}"
    );

    // Cluster mode (standalone): spark-submit exits without a driver id;
    // the launch error quotes its redacted output.
    let dir = tempfile::tempdir().expect("tempdir");
    let home = fake_spark_home(dir.path(), &hostile_lines());
    let standalone = SparkLauncher::new(config(
        home,
        ClusterMode::Standalone {
            master_url: "spark://127.0.0.1:7077".into(),
            rest_url: "http://127.0.0.1:6066".into(),
        },
    ))
    .expect("valid")
    .with_redactor(&known());
    let error = standalone
        .submit(&request())
        .await
        .expect_err("spark-submit exits 1")
        .to_string();
    assert!(error.contains("exited with code 1"), "{error}");
    assert_no_secret(&error);
    let names = names_in(&dir.path().join("env.txt"));
    let own = [
        "SPARK_HOME",
        "HADOOP_CONF_DIR",
        "HADOOP_USER_NAME",
        "MY_SERVICE_SECRET",
        "SPARK_SUBMIT_OPTS",
    ];
    let extra: Vec<&String> = names.iter().filter(|n| !allowed(&own)(n)).collect();
    assert!(extra.is_empty(), "not allowed: {extra:?} (all: {names:?})");
    assert!(names.contains("SPARK_SUBMIT_OPTS"), "{names:?}");

    // The command line the launcher logs hides the operator's secret.
    let shown = standalone
        .redactor()
        .text(&format!("--conf spark.x={CONF_SECRET} {EXTRA_SECRET}"));
    assert_eq!(shown, "--conf spark.x=*** ***");
}
