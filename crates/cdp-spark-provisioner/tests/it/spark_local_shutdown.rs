//! Stopping `serve` ends its local runs: a local application is a child
//! process of the instance that launched it, so no other instance can
//! follow it. A SIGTERM kills the Spark driver of a run in flight, stores
//! the run `KILLED` with the reason (the domain's `scheduling/shutdown.rs`
//! decides, `serve` kills and writes), and the next start neither re-runs
//! nor loses it. Needs `SPARK_HOME` and a JDK, as `spark_local_e2e`.

use crate::spark_local_e2e::{descriptor, jar, job_path, spark_home};
use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

/// Processes whose command line names `path` (the Spark driver's JVM and
/// the spark-submit script around it).
fn processes_naming(path: &Path) -> Vec<(u32, String)> {
    let needle = path.display().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let raw = std::fs::read(e.path().join("cmdline")).ok()?;
            let line = String::from_utf8_lossy(&raw).replace('\0', " ");
            line.contains(&needle).then_some((pid, line))
        })
        .collect()
}

#[tokio::test]
async fn stopping_serve_kills_its_local_runs_and_stores_them_killed() {
    let _ = spark_home();
    let app = jar(
        "shutdown-sleeper",
        "System.out.println(\"sleeper up\"); Thread.sleep(600000L);",
    );
    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default().spark_local();
    let mut server = start_in(&place, &options);
    let (code, body) = server
        .post(
            "/v1/provision",
            &request(&descriptor("e2e-shutdown", &app, None)),
        )
        .await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let (code, manual) = server
        .post(
            &format!("{}/trigger", job_path("e2e-shutdown")),
            &Value::Null,
        )
        .await;
    assert_eq!(code, 202, "{manual}");
    let run_id = manual["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("no run id in the answer: {manual}"))
        .to_string();

    // RUNNING with its application, and the driver's JVM alive.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (_, run) = server.get(&format!("/v1/scheduler/runs/{run_id}")).await;
        if run["state"] == "RUNNING" && run["applicationId"].is_string() {
            break;
        }
        assert!(
            run["state"] == "SUBMITTING" || run["state"] == "RUNNING",
            "the run ended before the stop: {run}\n{}",
            server.log()
        );
        assert!(
            Instant::now() < deadline,
            "never RUNNING: {run}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        !processes_naming(&app).is_empty(),
        "no process runs {} while the run is RUNNING",
        app.display()
    );

    // SIGTERM: the instance stops and takes its local application along.
    let status = server
        .terminate(Duration::from_secs(60))
        .unwrap_or_else(|| panic!("serve did not stop within 60 s\n{}", server.log()));
    assert!(status.success(), "{status:?}\n{}", server.log());
    let gone_by = Instant::now() + Duration::from_secs(20);
    loop {
        let left = processes_naming(&app);
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < gone_by,
            "the local application outlived serve: {left:?}\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // The run was stored KILLED with the reason, and a new start keeps it
    // so (no refire, no LOST).
    let server = start_in(&place, &options);
    let (code, run) = server.get(&format!("/v1/scheduler/runs/{run_id}")).await;
    assert_eq!(code, 200, "{run}");
    assert_eq!(run["state"], "KILLED", "{run}\n{}", server.log());
    assert_eq!(run["finalStatus"], "KILLED", "{run}");
    assert_mentions(
        &run,
        "/error",
        "stopped (local applications are its child processes)",
    );
    assert!(run["endedAt"].is_string(), "{run}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, page) = server
        .get(&format!(
            "/v1/scheduler/runs?job={}/{}",
            seg(FIXTURE_GROUP),
            job_path("e2e-shutdown")
                .rsplit('/')
                .next()
                .unwrap_or_default()
        ))
        .await;
    let runs = page["runs"].as_array().cloned().unwrap_or_default();
    assert_eq!(runs.len(), 1, "nothing was started again: {page}");
    assert!(
        processes_naming(&app).is_empty(),
        "restarted the application"
    );
}
