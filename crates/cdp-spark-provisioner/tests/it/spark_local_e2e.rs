//! Real Spark through `serve`, local mode: the scheduler fires a provisioned
//! schedule (every 5 s) and the run of a jar built here reaches SUCCEEDED; a
//! jar whose main throws reaches FAILED; a manual trigger of a job without
//! a schedule reaches SUCCEEDED. Needs `SPARK_HOME` (scripts/test.sh exports
//! it from scripts/install-spark.sh) and a JDK.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

pub(crate) fn spark_home() -> PathBuf {
    let home = std::env::var_os("SPARK_HOME").map(PathBuf::from);
    match home {
        Some(h) if h.join("bin/spark-submit").is_file() => h,
        other => panic!(
            "SPARK_HOME is not set to a Spark installation ({other:?}): this test runs real Spark. \
             Run it with scripts/test.sh, or `SPARK_HOME=$(scripts/install-spark.sh) cargo test -p \
             cdp-spark-provisioner --test it -- spark_local_e2e::`"
        ),
    }
}

/// A jar with `DailyAggregation.main` running `body`.
pub(crate) fn jar(label: &str, body: &str) -> PathBuf {
    let source = format!(
        "package com.acme.finance.cashflow;\n\
         public class DailyAggregation {{\n\
           public static void main(String[] args) throws Exception {{ {body} }}\n\
         }}\n"
    );
    javajar::compile(
        label,
        &[("com/acme/finance/cashflow/DailyAggregation.java", &source)],
    )
    .jar(javajar::Packing::Deflated)
}

/// The fixture as the component `urn:...:cashflow:0:{component}`, with a
/// local jar, small resources and the given schedule (or none).
pub(crate) fn descriptor(component: &str, app: &Path, cron: Option<&str>) -> String {
    let (_, dep) = jars();
    let mut text = fixture_descriptor();
    let schedule = "          schedule:\n            cronExpression: \"0 30 2 ? * MON-FRI\"\n            startDate: 2026-01-01T00:00:00Z\n            endDate: 2030-12-31T23:59:59Z\n";
    assert!(
        text.contains(schedule),
        "the fixture's schedule block changed: update the test"
    );
    let new_schedule = match cron {
        Some(c) => format!("          schedule:\n            cronExpression: \"{c}\"\n"),
        None => String::new(),
    };
    for (from, to) in [
        (schedule.to_string(), new_schedule),
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
        (
            "driverMemory: 2g".to_string(),
            "driverMemory: 512m".to_string(),
        ),
        (
            "spark.dynamicAllocation.enabled: \"false\"".to_string(),
            "spark.ui.enabled: \"false\"".to_string(),
        ),
    ] {
        assert!(text.contains(&from), "the fixture no longer has {from}");
        text = text.replace(&from, &to);
    }
    text
}

pub(crate) fn job_name(component: &str) -> String {
    format!("finance-cashflow-0-{component}-development")
}

pub(crate) fn job_path(component: &str) -> String {
    format!(
        "/v1/scheduler/jobs/{}/{}",
        seg(FIXTURE_GROUP),
        job_name(component)
    )
}

#[tokio::test]
async fn scheduled_failing_and_manual_runs_reach_their_spark_final_status() {
    let _ = spark_home();
    let started = Instant::now();
    let ok_jar = jar("e2e-ok", "System.out.println(\"e2e ok \" + args.length);");
    let fail_jar = jar(
        "e2e-fail",
        "throw new IllegalStateException(\"e2e failure on purpose\");",
    );
    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default().spark_local();
    let mut server = start_in(&place, &options);
    assert!(
        server.logged("spark-submit from SPARK_HOME"),
        "{}",
        server.log()
    );

    // Three jobs: a schedule every 5 s, a failing jar, a job without trigger.
    for (component, app, cron) in [
        ("e2e-scheduled", &ok_jar, Some("0/5 * * * * ?")),
        ("e2e-failing", &fail_jar, None),
        ("e2e-manual", &ok_jar, None),
    ] {
        let (code, body) = server
            .post("/v1/provision", &request(&descriptor(component, app, cron)))
            .await;
        assert_eq!(code, 200, "{component}: {body}\n{}", server.log());
    }
    let deadline = Instant::now() + Duration::from_secs(90);

    // Manual triggers: the answer names the run.
    let mut manual_runs = Vec::new();
    for component in ["e2e-failing", "e2e-manual"] {
        let (code, manual) = server
            .post(&format!("{}/trigger", job_path(component)), &Value::Null)
            .await;
        assert_eq!(code, 202, "{manual}");
        let run_id = manual["runId"]
            .as_str()
            .unwrap_or_else(|| panic!("{component}: no run id in the answer: {manual}"))
            .to_string();
        manual_runs.push((component, run_id));
    }

    // The scheduled job's first run.
    let scheduled_run = loop {
        let (_, page) = server
            .get(&format!(
                "/v1/scheduler/runs?job={}/{}",
                seg(FIXTURE_GROUP),
                job_name("e2e-scheduled")
            ))
            .await;
        let runs = page["runs"].as_array().cloned().unwrap_or_default();
        // The oldest run that was launched (not SKIPPED by Forbid).
        if let Some(run) = runs.iter().rev().find(|r| r["state"] != "SKIPPED") {
            break run["runId"].as_str().expect("run id").to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the schedule never fired: {page}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    let run = run_until_ended(&server, &scheduled_run, deadline).await;
    assert_eq!(
        run["state"],
        "SUCCEEDED",
        "scheduled: {run}\n{}",
        server.log()
    );
    assert_eq!(run["finalStatus"], "SUCCEEDED", "{run}");
    assert!(
        run["applicationId"]
            .as_str()
            .is_some_and(|a| a.starts_with("local-")),
        "{run}"
    );
    assert!(run["endedAt"].is_string(), "{run}");
    assert_eq!(
        run["triggerKey"]["name"],
        format!("{}Trigger", job_name("e2e-scheduled")).as_str(),
        "{run}"
    );

    for (component, run_id) in &manual_runs {
        let run = run_until_ended(&server, run_id, deadline).await;
        let expected = if *component == "e2e-failing" {
            "FAILED"
        } else {
            "SUCCEEDED"
        };
        assert_eq!(
            run["state"],
            expected,
            "{component}: {run}\n{}",
            server.log()
        );
        if expected == "FAILED" {
            let error = run["error"].as_str().unwrap_or_default();
            assert!(
                error.contains("e2e failure on purpose") || error.contains("exit"),
                "the failure says why: {run}"
            );
        }
        let (_, job) = server.get(&job_path(component)).await;
        assert_eq!(job["status"], expected, "{component}: {job}");
    }

    // Stop the schedule, let what runs end, then stop the service.
    let (code, body) = server
        .post_empty(&format!("{}/pause", job_path("e2e-scheduled")), None)
        .await;
    assert_eq!(code, 200, "{body}");
    loop {
        let (_, page) = server.get("/v1/scheduler/runs?state=RUNNING").await;
        let (_, submitting) = server.get("/v1/scheduler/runs?state=SUBMITTING").await;
        if page["runs"].as_array().is_some_and(Vec::is_empty)
            && submitting["runs"].as_array().is_some_and(Vec::is_empty)
        {
            break;
        }
        assert!(Instant::now() < deadline, "runs never ended: {page}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let status = server
        .terminate(Duration::from_secs(30))
        .expect("stopped within 30 s");
    assert!(status.success(), "{status:?}\n{}", server.log());
    println!("end to end in {:?}", started.elapsed());
}
