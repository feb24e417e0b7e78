//! Real Spark through `serve`, local mode: a run whose application goes on
//! longer than its job's `maxDuration` (5 s) is killed and ends
//! `TIMED_OUT` with the reason, and its process is gone; a job's `args`
//! and conf values receive `${runId}`, `${nominalDate}` and
//! `${nominalTime}` replaced for the run, `$${` as a literal `${`. Needs
//! `SPARK_HOME` (scripts/test.sh exports it from scripts/install-spark.sh)
//! and a JDK.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

fn spark_home() -> PathBuf {
    let home = std::env::var_os("SPARK_HOME").map(PathBuf::from);
    match home {
        Some(h) if h.join("bin/spark-submit").is_file() => h,
        other => panic!(
            "SPARK_HOME is not set to a Spark installation ({other:?}): this test runs real Spark. \
             Run it with scripts/test.sh, or `SPARK_HOME=$(scripts/install-spark.sh) cargo test -p \
             cdp-spark-provisioner --test it -- spark_local_timeout::`"
        ),
    }
}

/// The driver writes its process id, then its arguments after the first
/// (the output file) and its `spark.test.nominal` property, one a line;
/// then it sleeps the seconds of `sleep` (the slow one is killed before or
/// after it wrote: a local Spark driver may take longer than 5 s to start
/// on a busy machine).
fn app(sleep: u32) -> PathBuf {
    let source = format!(
        "package com.acme.finance.cashflow;\n\
         public class DailyAggregation {{\n\
           public static void main(String[] args) throws Exception {{\n\
             StringBuilder out = new StringBuilder();\n\
             out.append(\"pid=\").append(ProcessHandle.current().pid()).append('\\n');\n\
             for (int i = 1; i < args.length; i++) out.append(\"arg=\").append(args[i]).append('\\n');\n\
             out.append(\"conf=\").append(System.getProperty(\"spark.test.nominal\")).append('\\n');\n\
             java.nio.file.Files.write(java.nio.file.Paths.get(args[0]), out.toString().getBytes(\"UTF-8\"));\n\
             Thread.sleep({sleep}L * 1000L);\n\
           }}\n\
         }}\n"
    );
    javajar::compile(
        &format!("timeout-app-{sleep}"),
        &[("com/acme/finance/cashflow/DailyAggregation.java", &source)],
    )
    .jar(javajar::Packing::Deflated)
}

/// The fixture as component `component`, without a schedule, running `app`
/// with `output` and `args`, and `extra` added to `jobConfig`.
fn descriptor(component: &str, app: &Path, output: &Path, args: &str, extra: &str) -> String {
    let (_, dep) = jars();
    let mut text = fixture_descriptor();
    for (from, to) in [
        (
            "          schedule:\n            cronExpression: \"0 30 2 ? * MON-FRI\"\n            startDate: 2026-01-01T00:00:00Z\n            endDate: 2030-12-31T23:59:59Z\n".to_string(),
            String::new(),
        ),
        (
            "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar"
                .to_string(),
            app.display().to_string(),
        ),
        (
            "hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar".to_string(),
            dep.display().to_string(),
        ),
        ("daily-aggregation".to_string(), component.to_string()),
        ("driverMemory: 2g".to_string(), "driverMemory: 512m".to_string()),
        (
            "          args: [\"--date\", \"yesterday\", \"--output\", \"/data/finance/cashflow/daily\"]\n".to_string(),
            format!("          args: [\"{}\", {args}]\n{extra}", output.display()),
        ),
        (
            "            spark.dynamicAllocation.enabled: \"false\"\n".to_string(),
            "            spark.ui.enabled: \"false\"\n            spark.test.nominal: \"at ${nominalTime}\"\n".to_string(),
        ),
    ] {
        assert!(text.contains(&from), "the fixture changed: {from}");
        text = text.replace(&from, &to);
    }
    text
}

fn job_path(component: &str) -> String {
    format!(
        "/v1/scheduler/jobs/{}/finance-cashflow-0-{component}-development",
        seg(FIXTURE_GROUP)
    )
}

/// Waits for `path` to hold `pid=…` and answers the file.
async fn written(path: &Path, deadline: Instant) -> String {
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            if text.starts_with("pid=") && text.ends_with('\n') {
                return text;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{} was never written",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn trigger(server: &Server, component: &str) -> String {
    let (code, manual) = server
        .post(&format!("{}/trigger", job_path(component)), &Value::Null)
        .await;
    assert_eq!(code, 202, "{manual}");
    manual["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("no run id in the answer: {manual}"))
        .to_string()
}

#[tokio::test]
async fn a_run_longer_than_its_max_duration_is_killed_and_placeholders_are_replaced() {
    let _ = spark_home();
    let dir = tempfile::tempdir().expect("tempdir");
    let (slow_out, quick_out) = (dir.path().join("slow.txt"), dir.path().join("quick.txt"));
    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default().spark_local();
    let mut server = start_in(&place, &options);
    for (component, sleep, output, args, extra) in [
        (
            "e2e-slow",
            600,
            &slow_out,
            "\"x\"",
            "          maxDuration: 5s\n",
        ),
        (
            "e2e-values",
            0,
            &quick_out,
            "\"${runId}\", \"${nominalDate}\", \"$${runId}\", \"$5\"",
            "",
        ),
    ] {
        let text = descriptor(component, &app(sleep), output, args, extra);
        let (code, body) = server.post("/v1/provision", &request(&text)).await;
        assert_eq!(code, 200, "{component}: {body}\n{}", server.log());
    }
    let (_, job) = server.get(&job_path("e2e-slow")).await;
    assert_eq!(job["job"]["maxDuration"], "5s", "{job}");
    let deadline = Instant::now() + Duration::from_secs(120);
    let slow = trigger(&server, "e2e-slow").await;
    let quick = trigger(&server, "e2e-values").await;

    // The slow run: killed past 5 s, TIMED_OUT with the reason. Its
    // driver's process id is in the log (local mode: spark-submit is the
    // driver).
    let run = run_until_ended(&server, &slow, deadline).await;
    let app_id = run["applicationId"]
        .as_str()
        .expect("an application id")
        .to_string();
    let log = server.log();
    let pid: u32 = log
        .lines()
        .find(|l| l.contains("local Spark application started") && l.contains(&app_id))
        .and_then(|l| l.split("pid=").nth(1))
        .and_then(|p| p.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no pid logged for {app_id}:\n{log}"));
    assert_eq!(run["state"], "TIMED_OUT", "{run}\n{}", server.log());
    let error = run["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("ran longer than its maxDuration 5s (started ")
            && error.contains(", killed at "),
        "{run}"
    );
    let started =
        chrono::DateTime::parse_from_rfc3339(run["actualFireTime"].as_str().expect("start"))
            .expect("a time");
    let ended = chrono::DateTime::parse_from_rfc3339(run["endedAt"].as_str().expect("end"))
        .expect("a time");
    let ran = (ended - started).num_milliseconds();
    assert!((5_000..20_000).contains(&ran), "ran {ran} ms: {run}");
    // Its driver is gone (the kill takes the process group; give the
    // kernel a moment to reap it).
    let gone_by = Instant::now() + Duration::from_secs(15);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < gone_by, "the driver {pid} still runs");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, page) = server.get("/v1/scheduler/runs?state=TIMED_OUT").await;
    let listed: Vec<&str> = page["runs"]
        .as_array()
        .map(|r| r.iter().filter_map(|r| r["runId"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(listed, [slow.as_str()], "{page}");
    let (_, job) = server.get(&job_path("e2e-slow")).await;
    assert_eq!(job["status"], "TIMED_OUT", "{job}");

    // The quick run: its values replaced, the run's nominal time shown.
    let run = run_until_ended(&server, &quick, deadline).await;
    assert_eq!(run["state"], "SUCCEEDED", "{run}\n{}", server.log());
    let nominal = run["nominalTime"].as_str().expect("nominalTime");
    assert_eq!(Some(nominal), run["scheduledFireTime"].as_str(), "{run}");
    let nominal = chrono::DateTime::parse_from_rfc3339(nominal).expect("a time");
    let received = written(&quick_out, deadline).await;
    let lines: Vec<&str> = received.lines().skip(1).collect();
    assert_eq!(
        lines,
        [
            format!("arg={quick}"),
            format!("arg={}", nominal.format("%Y-%m-%d")),
            "arg=${runId}".to_string(),
            "arg=$5".to_string(),
            format!("conf=at {}", nominal.format("%Y-%m-%dT%H:%M:%SZ")),
        ]
    );
    let status = server
        .terminate(Duration::from_secs(30))
        .expect("stopped within 30 s");
    assert!(status.success(), "{status:?}\n{}", server.log());
}
