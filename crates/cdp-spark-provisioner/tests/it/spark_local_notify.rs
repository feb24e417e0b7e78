//! Notifications and per-job metrics through `serve`, local mode, real
//! Spark: a webhook on 127.0.0.1 (a small HTTP server in this test, whose
//! first answer is a 503) configured in `[notifications]`; a job with
//! `deadline: 1s` run with a failing jar, then (provisioned again) with a
//! working one. The webhook receives, exactly once each: `RUN_FAILED` and
//! `DEADLINE_MISSED` for the first run, `RUN_RECOVERED` and
//! `DEADLINE_MISSED` for the second; every retry of a delivery carries the
//! same `Idempotency-Key` and the operator's header. `/metrics` shows the
//! job's last success and next fire time and the engine's counters. Needs
//! `SPARK_HOME` and a JDK, as `spark_local_e2e`.

use crate::spark_local_e2e::{descriptor, jar, job_name, job_path, spark_home};
use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
struct Post {
    key: String,
    authorization: String,
    body: Value,
}

/// A webhook answering 503 to its first request and 200 to the others.
async fn webhook() -> (String, Arc<Mutex<Vec<Post>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let posts = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&posts);
    tokio::spawn(async move {
        let mut first = true;
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            let (head, body) = loop {
                let n = sock.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break (String::new(), Vec::new());
                }
                buf.extend_from_slice(&chunk[..n]);
                let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..i]).to_string();
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                while buf.len() < i + 4 + len {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let end = (i + 4 + len).min(buf.len());
                break (head, buf[i + 4..end].to_vec());
            };
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
                    })
                    .unwrap_or_default()
            };
            log.lock().unwrap().push(Post {
                key: header("idempotency-key"),
                authorization: header("authorization"),
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            });
            let status = if std::mem::take(&mut first) { 503 } else { 200 };
            let answer =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = sock.write_all(answer.as_bytes()).await;
        }
    });
    (url, posts)
}

/// The descriptor with a schedule that fires only in 2099 and a deadline
/// of one second.
fn with_deadline(component: &str, app: &std::path::Path) -> String {
    let cron = "0 0 3 1 1 ? 2099";
    let text = descriptor(component, app, Some(cron));
    let line = format!("            cronExpression: \"{cron}\"\n");
    assert!(text.contains(&line));
    text.replace(&line, &format!("{line}            deadline: 1s\n"))
}

/// The distinct events (by id) received for `run_id`, by kind.
fn events_of(posts: &[Post], run_id: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in posts.iter().filter(|p| p.body["runId"] == run_id) {
        out.entry(p.body["kind"].as_str().unwrap_or("?").to_string())
            .or_default()
            .insert(p.key.clone());
    }
    out
}

async fn wait_for_events(
    server: &Server,
    posts: &Arc<Mutex<Vec<Post>>>,
    run_id: &str,
    kinds: &[&str],
    deadline: Instant,
) -> BTreeMap<String, BTreeSet<String>> {
    loop {
        let got = events_of(&posts.lock().unwrap(), run_id);
        if kinds.iter().all(|k| got.contains_key(*k)) {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "run {run_id}: events {got:?}, expected {kinds:?}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn trigger(server: &Server, component: &str) -> String {
    let (code, manual) = server
        .post(&format!("{}/trigger", job_path(component)), &Value::Null)
        .await;
    assert_eq!(code, 202, "{manual}");
    manual["runId"].as_str().expect("run id").to_string()
}

#[tokio::test]
async fn failure_recovery_and_deadline_events_reach_the_webhook_once() {
    let _ = spark_home();
    let ok_jar = jar("e2e-ok", "System.out.println(\"e2e ok \" + args.length);");
    let fail_jar = jar(
        "e2e-fail",
        "throw new IllegalStateException(\"e2e failure on purpose\");",
    );
    let (url, posts) = webhook().await;
    let place = Place::new(&Db::Sqlite);
    let config = place.dir.path().join("notify.toml");
    std::fs::write(
        &config,
        format!(
            "[notifications]\ninitial_backoff_ms = 300\npoll_interval_ms = 200\n\
             [[notifications.webhooks]]\nname = \"ops\"\nurl = \"{url}\"\n\
             headers = {{ Authorization = \"Bearer e2e-webhook-secret\" }}\n"
        ),
    )
    .expect("config");
    let mut options = ServerOptions::default().spark_local();
    options.args = vec!["--config".into(), config.display().to_string()];
    let mut server = start_in(&place, &options);
    assert!(server.logged("notifications on"), "{}", server.log());
    let deadline = Instant::now() + Duration::from_secs(120);
    let component = "e2e-notify";

    // The failing jar: RUN_FAILED and DEADLINE_MISSED (a spark-submit takes
    // longer than a second).
    let (code, body) = server
        .post(
            "/v1/provision",
            &request(&with_deadline(component, &fail_jar)),
        )
        .await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let failed = trigger(&server, component).await;
    let run = run_until_ended(&server, &failed, deadline).await;
    assert_eq!(run["state"], "FAILED", "{run}");
    let first = wait_for_events(
        &server,
        &posts,
        &failed,
        &["RUN_FAILED", "DEADLINE_MISSED"],
        deadline,
    )
    .await;

    // Provisioned again with the working jar: RUN_RECOVERED.
    let (code, body) = server
        .post(
            "/v1/provision",
            &request(&with_deadline(component, &ok_jar)),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let recovered = trigger(&server, component).await;
    let run = run_until_ended(&server, &recovered, deadline).await;
    assert_eq!(run["state"], "SUCCEEDED", "{run}\n{}", server.log());
    let second = wait_for_events(
        &server,
        &posts,
        &recovered,
        &["RUN_RECOVERED", "DEADLINE_MISSED"],
        deadline,
    )
    .await;
    // Let any duplicate arrive before counting.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let posts = posts.lock().unwrap().clone();
    for (run, got) in [(&failed, first), (&recovered, second)] {
        let now = events_of(&posts, run);
        assert_eq!(now, got, "no event after the first look");
        assert_eq!(now.len(), 2, "{now:?}");
        assert!(
            now.values().all(|ids| ids.len() == 1),
            "one event id per kind: {now:?}"
        );
    }
    let ids: BTreeSet<&str> = posts.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(ids.len(), 4, "four events in all: {posts:?}");
    assert_eq!(
        posts.len(),
        5,
        "four events, one of them posted twice (the 503)"
    );
    assert!(posts
        .iter()
        .all(|p| p.authorization == "Bearer e2e-webhook-secret"));
    let failure = posts
        .iter()
        .find(|p| p.body["kind"] == "RUN_FAILED")
        .expect("failure");
    let job = format!("{FIXTURE_GROUP}.{}", job_name(component));
    assert_eq!(failure.body["job"], job.as_str());
    assert_eq!(failure.body["state"], "FAILED");
    assert_eq!(failure.body["eventId"], failure.key.as_str());
    assert_eq!(
        failure.body["links"]["run"],
        format!("/v1/scheduler/runs/{failed}").as_str()
    );
    assert!(
        !server.log().contains("e2e-webhook-secret"),
        "the header value is never logged"
    );

    // The per-job gauges and the engine's counters.
    let text = reqwest::get(server.url("/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let series = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{name}{{job=\"{job}\"}} ")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no {name} for {job}:\n{text}"))
    };
    let ended = run["endedAt"].as_str().expect("ended at");
    let ended = chrono::DateTime::parse_from_rfc3339(ended).expect("time");
    let last_success = series("cdp_job_last_success_timestamp_seconds");
    assert!(
        (last_success - ended.timestamp_millis() as f64 / 1000.0).abs() < 0.002,
        "{last_success} {ended}"
    );
    let next_fire = series("cdp_job_next_fire_timestamp_seconds");
    assert_eq!(next_fire, 4_070_919_600.0, "2099-01-01T03:00:00Z");
    for line in [
        "cdp_spark_provisioner_runs_total{state=\"FAILED\"} 1",
        "cdp_spark_provisioner_runs_total{state=\"SUCCEEDED\"} 1",
        "cdp_spark_provisioner_notifications_total{outcome=\"sent\"} 4",
        "cdp_spark_provisioner_notifications_total{outcome=\"retry\"} 1",
        "cdp_spark_provisioner_run_duration_seconds_count{state=\"FAILED\"} 1",
        "cdp_spark_provisioner_fire_lateness_seconds_count 2",
    ] {
        assert!(text.contains(line), "{line}:\n{text}");
    }
    // For the record (`--nocapture`): one delivery and the job's series.
    println!(
        "POST /hook Idempotency-Key: {}\n{}",
        failure.key,
        serde_json::to_string_pretty(&failure.body).unwrap_or_default()
    );
    for l in text
        .lines()
        .filter(|l| l.contains(&job) || l.contains("_total{"))
    {
        println!("{l}");
    }
    let status = server
        .terminate(Duration::from_secs(30))
        .expect("stopped within 30 s");
    assert!(status.success(), "{status:?}\n{}", server.log());
}
