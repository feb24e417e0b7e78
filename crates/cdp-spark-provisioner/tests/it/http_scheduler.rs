//! The scheduler inside `serve`, black box: pause and resume (Quartz
//! `PAUSED`), their auth and 404; the engine started with no Spark
//! installation (the service runs, says so, and runs fail with a clear
//! reason); the manual trigger's answer with the engine running.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

const TRIGGER_TOKEN: &str = "trigger-secret";

fn job_path() -> String {
    format!("/v1/scheduler/jobs/{}/{}", seg(FIXTURE_GROUP), FIXTURE_JOB)
}

/// POST `pause` or `resume` on the fixture's job with the trigger token:
/// the 200 answer.
async fn pause_or_resume(server: &Server, action: &str) -> Value {
    let (code, body) = server
        .post_empty(&format!("{}/{action}", job_path()), Some(TRIGGER_TOKEN))
        .await;
    assert_eq!(code, 200, "{action}: {body}");
    body
}

async fn pause_and_resume(db: Db) {
    let place = Place::new(&db);
    let options = ServerOptions {
        db,
        ..ServerOptions::default()
    }
    .env("CDP_SPARK_PROVISIONER__AUTH__TRIGGER_TOKEN", TRIGGER_TOKEN);
    let server = start_in(&place, &options);
    let (code, body) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let trigger_name = body["info"]["privateInfo"]["triggerName"]
        .as_str()
        .expect("trigger name")
        .to_string();
    let trigger_path = format!(
        "/v1/scheduler/triggers/{}/{}",
        seg(FIXTURE_GROUP),
        trigger_name
    );

    // Protected like the manual trigger.
    for action in ["pause", "resume"] {
        let (code, body) = server
            .post_empty(&format!("{}/{action}", job_path()), None)
            .await;
        assert_eq!(code, 401, "{action} without token: {body}");
        assert_eq!(body["error"], "UNAUTHORIZED", "{body}");
        let (code, _) = server
            .post_empty(&format!("{}/{action}", job_path()), Some("wrong"))
            .await;
        assert_eq!(code, 401, "{action} with a wrong token");
    }
    let (_, trigger) = server.get(&trigger_path).await;
    assert_eq!(trigger["state"], "WAITING", "refused calls change nothing");

    // Pause: PAUSED; again: nothing changes.
    let body = pause_or_resume(&server, "pause").await;
    assert_eq!(body["paused"], true, "{body}");
    assert_eq!(body["triggersChanged"], 1, "{body}");
    assert_eq!(body["jobKey"]["name"], FIXTURE_JOB, "{body}");
    let (_, trigger) = server.get(&trigger_path).await;
    assert_eq!(trigger["state"], "PAUSED", "{trigger}");
    let (_, job) = server.get(&job_path()).await;
    assert_eq!(job["triggers"][0]["state"], "PAUSED", "{job}");
    let body = pause_or_resume(&server, "pause").await;
    assert_eq!(body["triggersChanged"], 0, "{body}");
    assert_mentions(&body, "/message", "already paused");

    // Resume: WAITING with a next fire time.
    let body = pause_or_resume(&server, "resume").await;
    assert_eq!(body["paused"], false, "{body}");
    assert_eq!(body["triggersChanged"], 1, "{body}");
    let (_, trigger) = server.get(&trigger_path).await;
    assert_eq!(trigger["state"], "WAITING", "{trigger}");
    assert!(trigger["nextFireTime"].is_string(), "{trigger}");

    // Unknown job: 404 naming it; GET is not allowed.
    for action in ["pause", "resume"] {
        let (code, body) = server
            .post_empty(
                &format!("/v1/scheduler/jobs/{}/nope/{action}", seg(FIXTURE_GROUP)),
                Some(TRIGGER_TOKEN),
            )
            .await;
        assert_eq!(code, 404, "{body}");
        assert_eq!(body["error"], "NOT_FOUND", "{body}");
        assert_mentions(&body, "/message", "nope");
    }
    let res = server
        .client
        .get(server.url(&format!("{}/pause", job_path())))
        .bearer_auth(TRIGGER_TOKEN)
        .send()
        .await
        .expect("GET pause");
    assert_eq!(res.status().as_u16(), 405, "pause is a POST");
}

#[tokio::test]
async fn pause_and_resume_on_sqlite() {
    pause_and_resume(Db::Sqlite).await;
}

#[tokio::test]
async fn pause_and_resume_on_mariadb() {
    pause_and_resume(Db::Mariadb).await;
}

#[tokio::test]
async fn pause_and_resume_on_postgres() {
    pause_and_resume(Db::Postgres).await;
}

#[tokio::test]
async fn without_spark_the_service_starts_and_runs_fail_clearly() {
    let place = Place::new(&Db::Sqlite);
    // No SPARK_HOME, and a PATH without spark-submit.
    let empty = tempfile::tempdir().expect("empty folder");
    let path = empty.path().display().to_string();
    let options = ServerOptions::default()
        .scheduler()
        .env_remove("SPARK_HOME")
        .env("PATH", &path)
        .env("CDP_SPARK_PROVISIONER__SCHEDULER__IDLE_WAIT_MS", "200");
    let mut server = start_in(&place, &options);
    server.logged("no Spark installation");
    let log = server.log();
    assert!(
        log.contains("no Spark installation") && log.contains("SPARK_HOME"),
        "a clear warning at start-up: {log}"
    );
    let (code, body) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200, "{body}");

    // The manual trigger fires at once: the answer names the run.
    let (code, manual) = server
        .post(&format!("{}/trigger", job_path()), &Value::Null)
        .await;
    assert_eq!(code, 202, "{manual}");
    let run_id = manual["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("the run id within 3 s: {manual}\n{}", server.log()))
        .to_string();
    assert!(
        manual["message"]
            .as_str()
            .is_some_and(|m| m.contains(&run_id) && m.contains("/v1/scheduler/runs/")),
        "{manual}"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let run = run_until_ended(&server, &run_id, deadline).await;
    assert_eq!(run["state"], "FAILED", "{run}");
    assert_eq!(run["triggerKey"], manual["triggerKey"], "{run}");
    let error = run["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("spark-submit")
            && error.contains("not found")
            && error.contains("spark_home"),
        "the error says what is missing and how to fix it: {run}"
    );
    // The job's status is its latest run's state.
    let (_, job) = server.get(&job_path()).await;
    assert_eq!(job["status"], "FAILED", "{job}");
    assert_eq!(job["lastRuns"][0]["runId"], run_id.as_str(), "{job}");
    // The run is found by the job filter, as the answer says.
    let (_, page) = server
        .get(&format!(
            "/v1/scheduler/runs?job={}/{}",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert!(
        page["runs"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["runId"] == run_id.as_str())),
        "{page}"
    );

    // SIGTERM stops the engine and the server cleanly.
    let status = server
        .terminate(Duration::from_secs(30))
        .expect("stopped within 30 s");
    assert!(status.success(), "exit {status:?}\n{}", server.log());
    server.logged("scheduler stopped");
    let log = server.log();
    assert!(
        log.contains("stopping the scheduler") && log.contains("scheduler stopped"),
        "{log}"
    );
}

#[tokio::test]
async fn a_bad_scheduler_or_launcher_setting_stops_start_up_naming_the_key() {
    for (key, value, named) in [
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__MODE",
            "standalone",
            "launcher.master_url",
        ),
        (
            "CDP_SPARK_PROVISIONER__LAUNCHER__MASTER",
            "yarn",
            "launcher.master",
        ),
        (
            "CDP_SPARK_PROVISIONER__SCHEDULER__DEAD_AFTER_SECS",
            "1",
            "scheduler.dead_after_secs",
        ),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"))
            .arg("serve")
            .arg("--bind")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(dir.path())
            .env(key, value)
            .output()
            .expect("run serve");
        assert_eq!(out.status.code(), Some(2), "{key}={value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{key}={value}: {err}");
    }
}
