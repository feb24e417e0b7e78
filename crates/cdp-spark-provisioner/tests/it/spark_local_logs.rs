//! Runs' logs and links through `serve`, local mode, real Spark: a run's
//! output is answered by `GET /v1/scheduler/runs/{runId}/logs` while it
//! runs and after it ended, redacted (a secret value of the job's conf that
//! the application prints never shows), bounded by `tail`; after a restart
//! the stored log answers; unprovisioning with `removeData: false` keeps
//! the run and its log, `removeData: true` deletes them. Needs
//! `SPARK_HOME` and a JDK, as `spark_local_e2e`.

use crate::spark_local_e2e::{descriptor, jar, job_path, spark_home};
use crate::support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

const SECRET: &str = "tok-e2e-SECRET-77";
const MARKER: &str = "cdp logs marker 42";

/// Status, headers and text of `GET path`.
async fn get_text(server: &Server, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = reqwest::Client::new()
        .get(server.url(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap_or_default())
}

fn header<'h>(headers: &'h reqwest::header::HeaderMap, name: &str) -> &'h str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn options() -> ServerOptions {
    ServerOptions::default()
        .spark_local()
        .env("CDP_SPARK_PROVISIONER__LAUNCHER__RUN_LOG_FLUSH_SECS", "1")
        .env(
            "CDP_SPARK_PROVISIONER__LAUNCHER__SPARK_HISTORY_URL",
            "http://127.0.0.1:18080",
        )
}

#[tokio::test]
async fn a_local_runs_log_is_served_while_it_runs_after_it_ends_and_removed_with_its_data() {
    let _ = spark_home();
    // Prints the marker and the conf's secret, runs on a little, ends.
    let app = jar(
        "logs-e2e",
        &format!(
            "System.out.println(\"{MARKER}\"); \
             System.out.println(\"the token is \" + System.getProperty(\"spark.cdptest.token\")); \
             System.out.flush(); Thread.sleep(6000); System.out.println(\"cdp logs end\");"
        ),
    );
    let component = "e2e-logs";
    let mut desc = descriptor(component, &app, None);
    let conf = "            spark.sql.shuffle.partitions: \"64\"\n";
    assert!(desc.contains(conf), "the fixture's conf changed");
    desc = desc.replace(
        conf,
        &format!("{conf}            spark.cdptest.token: \"{SECRET}\"\n"),
    );
    let place = Place::new(&Db::Sqlite);
    let mut server = start_in(&place, &options());
    let (code, body) = server.post("/v1/provision", &request(&desc)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());

    let (code, manual) = server
        .post(&format!("{}/trigger", job_path(component)), &Value::Null)
        .await;
    assert_eq!(code, 202, "{manual}");
    let run_id = manual["runId"].as_str().expect("run id").to_string();
    let logs = format!("/v1/scheduler/runs/{run_id}/logs");

    // While it runs: the marker, from this instance's capture.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut seen_running = false;
    loop {
        let (code, headers, text) = get_text(&server, &logs).await;
        assert_eq!(code, 200, "{text}");
        assert!(
            header(&headers, "content-type").starts_with("text/plain"),
            "{headers:?}"
        );
        let state = header(&headers, "x-run-state").to_string();
        if text.contains(MARKER) {
            assert_eq!(header(&headers, "x-log-source"), "spark-submit");
            assert!(!text.contains(SECRET), "the conf's secret leaked: {text}");
            assert!(text.contains("the token is ***"), "{text}");
            seen_running = state == "RUNNING";
            if seen_running {
                break;
            }
        } else if header(&headers, "x-log-source") == "none" {
            assert!(text.contains("No log yet"), "{text}");
        }
        if !["SUBMITTING", "RUNNING"].contains(&state.as_str()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no marker: {text}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(seen_running, "the log was not served while the run ran");

    let run = run_until_ended(&server, &run_id, deadline).await;
    assert_eq!(run["state"], "SUCCEEDED", "{run}\n{}", server.log());
    // Local runs link to nothing but carry the links object.
    assert_eq!(
        run["links"],
        serde_json::json!({"resourceManager": null, "tracking": null, "sparkHistory": null}),
        "{run}"
    );
    let (_, headers, whole) = get_text(&server, &format!("{logs}?tail=4194304")).await;
    assert!(
        whole.contains(MARKER) && whole.contains("cdp logs end"),
        "{whole}"
    );
    assert!(!whole.contains(SECRET), "{whole}");
    assert_eq!(header(&headers, "x-run-state"), "SUCCEEDED");
    assert_eq!(header(&headers, "x-log-truncated"), "false");

    // `tail` bounds the answer; bad values name the parameter.
    let (code, headers, end) = get_text(&server, &format!("{logs}?tail=13")).await;
    assert_eq!(code, 200);
    assert!(end.len() <= 13, "{end:?}");
    assert!(whole.ends_with(&end), "{end:?}");
    assert_eq!(header(&headers, "x-log-truncated"), "true");
    for bad in ["0", "abc", "4194305"] {
        let (code, _, text) = get_text(&server, &format!("{logs}?tail={bad}")).await;
        assert_eq!(code, 400, "{bad}: {text}");
        assert!(text.contains("tail"), "{text}");
    }
    let (code, _, text) = get_text(&server, "/v1/scheduler/runs/no-such-run/logs").await;
    assert_eq!(code, 404, "{text}");

    // Another instance's life: the stored log answers after a restart.
    let status = server.terminate(Duration::from_secs(30)).expect("stopped");
    assert!(status.success(), "{status:?}\n{}", server.log());
    let mut server = start_in(&place, &options());
    let (code, headers, stored) = get_text(&server, &logs).await;
    assert_eq!(code, 200, "{stored}");
    assert_eq!(header(&headers, "x-log-source"), "spark-submit");
    assert!(
        stored.contains(MARKER) && stored.contains("cdp logs end"),
        "{stored}"
    );
    assert!(!stored.contains(SECRET), "{stored}");

    // removeData: false keeps the run and its log, true deletes both.
    let mut unprovision = request(&desc);
    let (code, kept) = server.post("/v1/unprovision", &unprovision).await;
    assert_eq!(code, 200, "{kept}");
    assert_mentions(&kept, "/result", "kept for audit");
    let (code, _) = server.get(&format!("/v1/scheduler/runs/{run_id}")).await;
    assert_eq!(code, 200, "the run is kept");
    let (code, _, again) = get_text(&server, &logs).await;
    assert_eq!(code, 200);
    assert!(again.contains(MARKER), "{again}");

    unprovision["removeData"] = Value::Bool(true);
    let (code, removed) = server.post("/v1/unprovision", &unprovision).await;
    assert_eq!(code, 200, "{removed}");
    assert_mentions(
        &removed,
        "/result",
        "1 ended run(s) and 1 stored log(s) were deleted",
    );
    assert_mentions(&removed, "/logs/1/message", "removeData: true");
    let (code, _) = server.get(&format!("/v1/scheduler/runs/{run_id}")).await;
    assert_eq!(code, 404, "the run is gone");
    let (code, _, _) = get_text(&server, &logs).await;
    assert_eq!(code, 404, "its log is gone");
    let status = server.terminate(Duration::from_secs(30)).expect("stopped");
    assert!(status.success(), "{status:?}\n{}", server.log());
}
