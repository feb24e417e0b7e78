//! `cdp-spark-provisioner validate --descriptor FILE --config FILE` through
//! the built binary against a real HDFS: the HA mini cluster
//! (`CDP_TEST_MINICLUSTER`, started by `scripts/test.sh`; by hand:
//! `scripts/hadoop-minicluster.sh start DIR --ha`). The configuration is
//! what an operator writes: `[hdfs]` with the gateway's Hadoop
//! configuration folder (the name service `cdpns` comes from its XML) and
//! the user `cdpprov`. Jars are written once per run by the HDFS superuser
//! and named both as `hdfs:///…` and `hdfs://cdpns/…`.

use cdp_spark_testkit::fixtures;
use cdp_spark_testkit::javajar;
use cdp_spark_testkit::minicluster;
use cdp_spark_testkit::real_cluster;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use minicluster::MiniCluster;
use real_cluster::{descriptor, mkdir, put, superuser_client, test_dir, COMPONENT, FIXTURE_CLASS};
use serde_json::Value;

const MAIN: &str = r#"package com.acme.finance.cashflow;
public class DailyAggregation {
    public static void main(String[] args) { System.out.println("ok"); }
}
"#;

const NO_MAIN: &str = r#"package com.acme.finance.cashflow;
public class Helper {
    public void main(String[] args) { }
}
"#;

/// The jars on the cluster and the provisioner's configuration file.
struct Setup {
    /// The test's folder on HDFS.
    dir: String,
    /// Local scratch: the configuration file and the descriptors.
    local: tempfile::TempDir,
    config: PathBuf,
}

/// Written once for all the tests of this binary: `app.jar` (the fixture's
/// class, with main, and `Helper`, without), `lib/dep.jar`,
/// `alice-600.jar` (alice's, mode 600) and `folder.jar/` (a directory).
fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let cluster = MiniCluster::plain();
        let jar = javajar::compile(
            "cli-validate-hdfs",
            &[
                ("com/acme/finance/cashflow/DailyAggregation.java", MAIN),
                ("com/acme/finance/cashflow/Helper.java", NO_MAIN),
            ],
        )
        .jar(javajar::Packing::Deflated);
        let app = std::fs::read(&jar).expect("read the jar");
        let alice = cluster.var("CDP_TEST_HDFS_OTHER_USER").to_string();
        // The hdfs-native client runs on a runtime of this set-up's own,
        // on a thread of its own: the tests themselves are synchronous.
        let dir = {
            let cluster = cluster.clone();
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime")
                    .block_on(async {
                        let client = superuser_client(&cluster);
                        let dir = test_dir(&client, "cli-validate").await;
                        put(&client, &format!("{dir}/app.jar"), &app, 0o644, None).await;
                        put(&client, &format!("{dir}/lib/dep.jar"), &app, 0o644, None).await;
                        put(
                            &client,
                            &format!("{dir}/lib/not-a-zip.jar"),
                            b"#!/bin/sh\necho a script, not a jar\n",
                            0o644,
                            None,
                        )
                        .await;
                        put(
                            &client,
                            &format!("{dir}/alice-600.jar"),
                            &app,
                            0o600,
                            Some(&alice),
                        )
                        .await;
                        mkdir(&client, &format!("{dir}/folder.jar"), 0o755, None).await;
                        dir
                    })
            })
            .join()
            .expect("the jars were written to the cluster")
        };
        let local = tempfile::tempdir().expect("a scratch folder");
        let config = local.path().join("provisioner.toml");
        std::fs::write(
            &config,
            format!(
                "[hdfs]\nenabled = true\nhadoop_conf_dir = \"{}\"\nuser = \"{}\"\n",
                cluster.conf_dir().display(),
                cluster.var("CDP_TEST_HDFS_USER")
            ),
        )
        .expect("write the configuration");
        Setup { dir, local, config }
    })
}

impl Setup {
    /// `hdfs:///dir/name`: the default filesystem of core-site.xml.
    fn default_fs(&self, name: &str) -> String {
        format!("hdfs://{}/{name}", self.dir)
    }

    /// `hdfs://cdpns/dir/name`.
    fn named(&self, name: &str) -> String {
        format!("hdfs://cdpns{}/{name}", self.dir)
    }
}

/// Runs `validate` on the fixture with this jar, class and dependencies:
/// the exit code and the JSON it printed.
fn validate(label: &str, jar: &str, class: &str, dependencies: &[&str]) -> (i32, Value) {
    let setup = setup();
    let text = descriptor(
        &fixtures::read(fixtures::SCHEDULED_DESCRIPTOR),
        jar,
        class,
        dependencies,
    );
    let path: PathBuf = setup.local.path().join(format!("{label}.yaml"));
    std::fs::write(&path, text).expect("write the descriptor");
    run(&path, &setup.config)
}

fn run(descriptor: &Path, config: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"))
        .args(["validate", "--descriptor"])
        .arg(descriptor)
        .arg("--config")
        .arg(config)
        .env_remove("HADOOP_CONF_DIR")
        .env_remove("HADOOP_USER_NAME")
        .output()
        .expect("the binary runs");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

/// The one problem of an invalid answer (exit 1), on `field`: its text.
fn problem_on(answer: (i32, Value), field: &str) -> String {
    let (code, json) = answer;
    assert_eq!(code, 1, "invalid: exit 1; printed {json}");
    assert_eq!(json["valid"], false, "{json}");
    let errors = json["error"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "one problem: {errors:#?}");
    let text = errors[0].as_str().expect("a text");
    let prefix = format!("{COMPONENT}.{field}: ");
    text.strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("the problem is not on {field}: {text}"))
        .to_string()
}

#[test]
fn a_jar_and_a_dependency_on_hdfs_are_valid() {
    let setup = setup();
    let (code, json) = validate(
        "valid",
        &setup.default_fs("app.jar"),
        FIXTURE_CLASS,
        &[&setup.named("lib/dep.jar")],
    );
    assert_eq!(json, serde_json::json!({"valid": true}));
    assert_eq!(code, 0);
    let (code, json) = validate(
        "valid-named",
        &setup.named("app.jar"),
        FIXTURE_CLASS,
        &[&setup.default_fs("lib/dep.jar")],
    );
    assert_eq!((code, json), (0, serde_json::json!({"valid": true})));
}

#[test]
fn a_class_missing_from_the_jar_is_a_problem_on_class_name() {
    let setup = setup();
    let p = problem_on(
        validate(
            "missing-class",
            &setup.named("app.jar"),
            "com.acme.finance.cashflow.Missing",
            &[],
        ),
        "specific.className",
    );
    assert!(
        p.contains("class com.acme.finance.cashflow.Missing not found")
            && p.contains("com/acme/finance/cashflow/Missing.class"),
        "{p}"
    );
}

#[test]
fn a_class_without_main_is_a_problem_on_class_name() {
    let setup = setup();
    let p = problem_on(
        validate(
            "no-main",
            &setup.default_fs("app.jar"),
            "com.acme.finance.cashflow.Helper",
            &[],
        ),
        "specific.className",
    );
    assert!(
        p.contains("com.acme.finance.cashflow.Helper")
            && p.contains("has no public static void main(String[])"),
        "{p}"
    );
}

#[test]
fn a_missing_dependency_is_a_problem_on_the_dependency() {
    let setup = setup();
    let missing = setup.named("lib/missing-2.0.jar");
    let p = problem_on(
        validate(
            "missing-dependency",
            &setup.default_fs("app.jar"),
            FIXTURE_CLASS,
            &[&missing],
        ),
        "specific.jobConfig.dependencies[0]",
    );
    assert!(
        p.contains(&format!("the dependency {missing} does not exist")),
        "{p}"
    );
}

#[test]
fn a_jar_the_provisioner_may_not_read_is_a_problem_on_the_jar() {
    let setup = setup();
    let jar = setup.named("alice-600.jar");
    let p = problem_on(
        validate("permission-denied", &jar, FIXTURE_CLASS, &[]),
        "specific.jar",
    );
    assert!(
        p.contains(&format!("the provisioner may not read the jar {jar}"))
            && p.contains("permission denied")
            && p.contains("user=cdpprov, access=READ"),
        "{p}"
    );
}

/// Before, a dependency was only asked for its status, which HDFS answers
/// for a file of mode 600 of another user: the validation said valid and
/// spark-submit failed later. Now the dependency's end record is read.
#[test]
fn a_dependency_the_provisioner_may_not_read_is_a_problem_on_the_dependency() {
    let setup = setup();
    let dep = setup.named("alice-600.jar");
    let p = problem_on(
        validate(
            "unreadable-dependency",
            &setup.named("app.jar"),
            FIXTURE_CLASS,
            &[&dep],
        ),
        "specific.jobConfig.dependencies[0]",
    );
    assert!(
        p.contains(&format!("may not read the dependency {dep}"))
            && p.contains("permission denied")
            && p.contains("user=cdpprov")
            && p.contains("access=READ"),
        "{p}"
    );
}

#[test]
fn a_dependency_that_is_not_a_jar_is_a_problem_on_the_dependency() {
    let setup = setup();
    let dep = setup.named("lib/not-a-zip.jar");
    let p = problem_on(
        validate(
            "not-a-zip-dependency",
            &setup.named("app.jar"),
            FIXTURE_CLASS,
            &[&dep],
        ),
        "specific.jobConfig.dependencies[0]",
    );
    assert!(
        p.contains(&format!("the dependency {dep} is not a jar (zip) file")),
        "{p}"
    );
}

#[test]
fn a_directory_where_the_jar_should_be_is_a_problem_on_the_jar() {
    let setup = setup();
    let jar = setup.default_fs("folder.jar");
    let p = problem_on(
        validate("directory", &jar, FIXTURE_CLASS, &[]),
        "specific.jar",
    );
    assert!(
        p.contains(&format!("the jar {jar} is a directory, not a file")),
        "{p}"
    );
}
