//! The service around the API: health, readiness, metrics, configuration
//! errors at start-up, graceful shutdown on SIGTERM.

use crate::support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use support::{local_descriptor, request, start_in, Place, ServerOptions};

#[tokio::test]
async fn health_ready_and_metrics() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let (code, body) = server.get("/health").await;
    assert_eq!((code, body["status"].as_str()), (200, Some("UP")));
    let (code, body) = server.get("/ready").await;
    assert_eq!((code, body["status"].as_str()), (200, Some("UP")), "{body}");

    let descriptor = local_descriptor();
    for _ in 0..3 {
        let (code, _) = server.post("/v1/validate", &request(&descriptor)).await;
        assert_eq!(code, 200);
    }
    let (code, _) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200);
    let (code, _) = server.get("/v1/scheduler/jobs/g/missing").await;
    assert_eq!(code, 404);

    let res = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 200);
    let text = res.text().await.expect("text");
    for line in [
        "cdp_spark_provisioner_http_requests_total{method=\"POST\",route=\"/v1/validate\",status=\"200\"} 3",
        "cdp_spark_provisioner_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/validate\"} 3",
        "cdp_spark_provisioner_operations_total{operation=\"validate\",outcome=\"valid\"} 3",
        "cdp_spark_provisioner_operations_total{operation=\"provision\",outcome=\"completed\"} 1",
        // Route patterns, not raw paths: ids do not multiply the series.
        "cdp_spark_provisioner_http_requests_total{method=\"GET\",route=\"/v1/scheduler/jobs/{group}/{name}\",status=\"404\"} 1",
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }

    // One log line per request, with the request id the caller gave.
    let res = server
        .client
        .get(server.url("/health"))
        .header("x-request-id", "test-req-42")
        .send()
        .await
        .expect("send");
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("test-req-42")
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(server.logged("test-req-42"), "{}", server.log());
}

fn serve_with_env(env: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"));
    cmd.arg("serve")
        .arg("--bind")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(dir.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run serve");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn invalid_configuration_stops_start_up_naming_the_key() {
    for (env, key) in [
        (
            vec![("CDP_SPARK_PROVISIONER__SERVER__BODY_LIMIT_BYTES", "lots")],
            "server.body_limit_bytes",
        ),
        (
            vec![("CDP_SPARK_PROVISIONER__SERVER__PUBLIC_BASE_URL", "spark-sp")],
            "server.public_base_url",
        ),
        (
            vec![("CDP_SPARK_PROVISIONER__STORE__URL", "oracle://db/x")],
            "store.url",
        ),
        (vec![("CDP_SPARK_PROVISIONER__SERVR__BIND", "x")], "servr"),
        (
            vec![("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", " ")],
            "auth.status_token",
        ),
        (
            vec![
                ("CDP_SPARK_PROVISIONER__HDFS__ENABLED", "true"),
                (
                    "CDP_SPARK_PROVISIONER__HDFS__HADOOP_CONF_DIR",
                    "/nonexistent/hadoop/conf",
                ),
            ],
            "/nonexistent/hadoop/conf",
        ),
    ] {
        let (code, stderr) = serve_with_env(&env);
        assert_eq!(code, Some(2), "{env:?}: {stderr}");
        assert!(
            stderr.contains(key),
            "{env:?}: the message does not name {key}: {stderr}"
        );
        assert!(stderr.contains("did not start"), "{stderr}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[server]\nbind = \"127.0.0.1:0\"\nbody_limit = 5\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"))
        .arg("serve")
        .arg("--config")
        .arg(&file)
        .output()
        .expect("run serve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("server.body_limit") && stderr.contains("body_limit_bytes"),
        "{stderr}"
    );
}

#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish() {
    let place = Place::new(&support::Db::Sqlite);
    let mut server = start_in(&place, &ServerOptions::default());
    let body = request(&local_descriptor()).to_string();
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let head = format!(
        "POST /v1/validate HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(first).expect("first half");
    stream.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(300));

    // SIGTERM while the request is half sent.
    let pid = server.pid();
    let killed = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .expect("kill");
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(300));
    // New connections are refused...
    let fresh = TcpStream::connect(&addr);
    if let Ok(mut s) = fresh {
        // (the listener may linger a moment; a request on it must not be served)
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let mut buf = String::new();
        let _ = s.read_to_string(&mut buf);
        assert!(
            !buf.starts_with("HTTP/1.1 200"),
            "served a new request after SIGTERM: {buf}"
        );
    }
    // ... but the one in flight completes.
    stream.write_all(rest).expect("second half");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"valid\":true"), "{answer}");
    let status = server
        .terminate(Duration::from_secs(20))
        .expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}\n{}", server.log());
}
