//! `validate` end to end through the built binary, on the descriptor
//! fixture with its jar pointed at a real jar built with javac + jar.

use cdp_spark_testkit::fixtures;
use cdp_spark_testkit::javajar;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const MAIN: &str = r#"package com.acme.finance.cashflow;
public class DailyAggregation {
    public static void main(String[] args) { System.out.println("ok"); }
}
"#;

const OTHER: &str = r#"package com.acme.finance.cashflow.other;
public class DailyAggregation {
    public static void main(String[] args) { }
}
"#;

fn fixture() -> String {
    fixtures::read(fixtures::SCHEDULED_DESCRIPTOR)
}

/// The fixture with its jar on local disk and no HDFS dependency.
fn local_descriptor(dir: &Path, jar: &Path) -> PathBuf {
    let text = fixture()
        .replace(
            "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar",
            &format!("file://{}", jar.display()),
        )
        .replace(
            "          dependencies:\n            - hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar\n",
            "",
        );
    assert!(!text.contains("hdfs://"), "the fixture changed shape");
    let path = dir.join("descriptor.yaml");
    std::fs::write(&path, text).expect("descriptor written");
    path
}

fn validate(descriptor: &Path) -> (Output, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"))
        .args(["validate", "--descriptor"])
        .arg(descriptor)
        .output()
        .expect("runs");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}

#[test]
fn the_fixture_with_a_real_jar_is_valid() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jar = javajar::compile(
        "cli-valid",
        &[("com/acme/finance/cashflow/DailyAggregation.java", MAIN)],
    )
    .jar(javajar::Packing::Deflated);
    let (out, json) = validate(&local_descriptor(dir.path(), &jar));
    assert_eq!(json, serde_json::json!({"valid": true}));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_typo_under_specific_is_a_warning_in_the_json_and_on_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jar = javajar::compile(
        "cli-typo",
        &[("com/acme/finance/cashflow/DailyAggregation.java", MAIN)],
    )
    .jar(javajar::Packing::Deflated);
    let path = local_descriptor(dir.path(), &jar);
    let text = std::fs::read_to_string(&path).expect("read");
    let typo = text.replacen(
        "          driverCores: 1\n",
        "          driverCores: 1\n          maxDurration: 2h\n",
        1,
    );
    assert_ne!(typo, text, "the fixture changed shape");
    std::fs::write(&path, typo).expect("write");
    let (out, json) = validate(&path);
    let warning = "dataProduct.components[1].specific.jobConfig.maxDurration: is not a known key; \
                   did you mean maxDuration? Fix the key's spelling or remove it: it is ignored";
    assert_eq!(
        json,
        serde_json::json!({"valid": true, "warnings": [warning]})
    );
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("warning: {warning}")), "{stderr}");
}

#[test]
fn a_jar_without_the_class_is_invalid_and_names_what_it_holds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let jar = javajar::compile(
        "cli-other-package",
        &[(
            "com/acme/finance/cashflow/other/DailyAggregation.java",
            OTHER,
        )],
    )
    .jar(javajar::Packing::Deflated);
    let (out, json) = validate(&local_descriptor(dir.path(), &jar));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json["valid"], false);
    let errors = json["error"]["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors[0].as_str().expect("text");
    assert!(
        e.starts_with("dataProduct.components[1].specific.className:"),
        "{e}"
    );
    assert!(
        e.contains("com.acme.finance.cashflow.DailyAggregation not found"),
        "{e}"
    );
    assert!(
        e.contains("com/acme/finance/cashflow/other/DailyAggregation.class"),
        "{e}"
    );
}

#[test]
fn an_hdfs_jar_without_hdfs_configured_is_said_plainly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("descriptor.yaml");
    std::fs::write(&path, fixture()).expect("written");
    let (out, json) = validate(&path);
    assert_eq!(out.status.code(), Some(2));
    let message = json["userMessage"]
        .as_str()
        .expect("a SystemError with userMessage");
    assert!(message.contains("not configured"), "{message}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("HDFS"),
        "stderr names HDFS: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn several_broken_rules_are_all_reported_with_their_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = fixture()
        .replace("driverMemory: 2g", "driverMemory: lots")
        .replace("numExecutors: 4", "numExecutors: -1")
        .replace(
            "cronExpression: \"0 30 2 ? * MON-FRI\"",
            "cronExpression: \"0 0 0 30 2 ?\"",
        )
        .replace("queue: root.finance", "queue: \"root..finance\"");
    let path = dir.path().join("descriptor.yaml");
    std::fs::write(&path, text).expect("written");
    let (out, json) = validate(&path);
    assert_eq!(out.status.code(), Some(1));
    let errors: Vec<&str> = json["error"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for field in [
        "specific.jobConfig.driverMemory:",
        "specific.jobConfig.numExecutors:",
        "specific.jobConfig.schedule.cronExpression:",
        "specific.queue:",
    ] {
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("dataProduct.components[1].{field}"))),
            "{field} missing from {errors:#?}"
        );
    }
}

#[test]
fn a_missing_descriptor_file_is_an_io_error_exit_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"))
        .args(["validate", "--descriptor", "/nonexistent/descriptor.yaml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/descriptor.yaml"));
}
