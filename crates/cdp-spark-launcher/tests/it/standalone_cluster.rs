//! A real Spark 4 standalone cluster, started by this test on 127.0.0.1
//! (a Master with its REST submission server enabled and one Worker, on
//! free ports), shared by every scenario and torn down at the end, also
//! when a scenario fails.

use crate::common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, LauncherBackend, SparkLauncherPort,
};
use cdp_spark_launcher::{ClusterMode, LauncherConfig, SparkLauncher};
use common::*;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// The Master and Worker processes; killed (with everything they started)
/// when dropped.
struct Cluster {
    master: Child,
    worker: Child,
    rest_url: String,
    master_url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for child in [&mut self.worker, &mut self.master] {
            if let Ok(pid) = i32::try_from(child.id()) {
                let _ = killpg(Pid::from_raw(pid), Signal::SIGTERM);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        for child in [&mut self.worker, &mut self.master] {
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if let Ok(pid) = i32::try_from(child.id()) {
                let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
            }
            let _ = child.wait();
        }
    }
}

fn spark_class(home: &Path, dir: &Path, log: &str) -> Command {
    use std::os::unix::process::CommandExt;
    let log = std::fs::File::create(dir.join(log)).expect("log file");
    let mut cmd = Command::new(home.join("bin/spark-class"));
    cmd.env("SPARK_HOME", home)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("SPARK_CONF_DIR", dir.join("conf"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log"))
        .stderr(log)
        .process_group(0);
    cmd
}

fn start_cluster(home: &Path) -> Cluster {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("conf")).expect("conf dir");
    let (port, web, rest, worker_web) = (free_port(), free_port(), free_port(), free_port());
    let master = spark_class(home, dir.path(), "master.log")
        .env(
            "SPARK_MASTER_OPTS",
            format!("-Dspark.master.rest.enabled=true -Dspark.master.rest.port={rest}"),
        )
        .args([
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
        ])
        .args([
            "--port",
            &port.to_string(),
            "--webui-port",
            &web.to_string(),
        ])
        .spawn()
        .expect("start the Spark master");
    let master_url = format!("spark://127.0.0.1:{port}");
    let worker = spark_class(home, dir.path(), "worker.log")
        .args([
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            "127.0.0.1",
        ])
        .args([
            "--webui-port",
            &worker_web.to_string(),
            "--cores",
            "4",
            "--memory",
            "3g",
        ])
        .arg("--work-dir")
        .arg(dir.path().join("work"))
        .arg(&master_url)
        .spawn()
        .expect("start the Spark worker");
    Cluster {
        master,
        worker,
        rest_url: format!("http://127.0.0.1:{rest}"),
        master_url,
        _dir: dir,
    }
    .wait_ready(web)
}

impl Cluster {
    /// Until the master's JSON page shows the worker alive and the REST
    /// server answers.
    fn wait_ready(mut self, web: u16) -> Self {
        let deadline = Instant::now() + Duration::from_secs(90);
        let http = tiny_http::get;
        loop {
            if let Ok(Some(status)) = self.master.try_wait() {
                panic!(
                    "the Spark master exited ({status}); see {}",
                    self.log("master.log")
                );
            }
            if let Ok(Some(status)) = self.worker.try_wait() {
                panic!(
                    "the Spark worker exited ({status}); see {}",
                    self.log("worker.log")
                );
            }
            let alive = http(&format!("http://127.0.0.1:{web}/json/"))
                .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
                .and_then(|v| v.get("aliveworkers").and_then(serde_json::Value::as_u64))
                .unwrap_or(0);
            let rest_up = http(&format!(
                "{}/v1/submissions/status/driver-00000000000000-0000",
                self.rest_url
            ))
            .is_some();
            if alive >= 1 && rest_up {
                return self;
            }
            assert!(
                Instant::now() < deadline,
                "the standalone cluster did not come up in 90 s; master log: {}",
                self.log("master.log")
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self._dir.path().join(name)).unwrap_or_default()
    }
}

/// A tiny blocking GET (the cluster start-up wait runs outside tokio).
mod tiny_http {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;

    pub fn get(url: &str) -> Option<String> {
        let rest = url.strip_prefix("http://")?;
        let (authority, path) = rest.split_once('/').map(|(a, p)| (a, format!("/{p}")))?;
        let mut s = TcpStream::connect(authority).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        write!(s, "GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n").ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        let (head, body) = out.split_once("\r\n\r\n")?;
        let status_ok = head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200");
        status_ok.then(|| body.to_string())
    }
}

#[test]
fn standalone_cluster_submit_follow_fail_and_kill() {
    let home = spark_home();
    test_jar();
    let started = Instant::now();
    let cluster = start_cluster(&home);
    eprintln!("standalone cluster up in {:?}", started.elapsed());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(scenarios(&home, &cluster));
    eprintln!("scenarios done after {:?}", started.elapsed());
    drop(cluster);
}

async fn scenarios(home: &Path, cluster: &Cluster) {
    let launcher = SparkLauncher::new(LauncherConfig {
        mode: ClusterMode::Standalone {
            master_url: cluster.master_url.clone(),
            rest_url: cluster.rest_url.clone(),
        },
        spark_home: Some(home.to_path_buf()),
        extra_env: [("SPARK_LOCAL_IP".to_string(), "127.0.0.1".to_string())].into(),
        submit_timeout_secs: 120,
        ..LauncherConfig::default()
    })
    .expect("valid config");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("args.txt");
    let marker = dir.path().join("sleep-started");

    let mut ok_args = vec![out.to_string_lossy().into_owned()];
    ok_args.extend(nasty_args());
    let ok = request("cdptest.WriteArgs", ok_args);
    let fail = request("cdptest.Fail", vec![]);
    let sleep = request(
        "cdptest.Sleep",
        vec!["600".into(), marker.to_string_lossy().into_owned()],
    );

    // The three submissions run side by side.
    let (ok_h, fail_h, sleep_h) = tokio::join!(
        launcher.submit(&ok),
        launcher.submit(&fail),
        launcher.submit(&sleep)
    );
    let (ok_h, fail_h, sleep_h) = (
        ok_h.expect("submit ok"),
        fail_h.expect("submit fail"),
        sleep_h.expect("submit sleep"),
    );
    eprintln!(
        "submitted {}, {}, {}",
        ok_h.application_id, fail_h.application_id, sleep_h.application_id
    );
    for h in [&ok_h, &fail_h, &sleep_h] {
        assert_eq!(h.backend, LauncherBackend::Standalone);
        assert!(
            h.application_id.starts_with("driver-"),
            "{}",
            h.application_id
        );
    }

    let limit = Duration::from_secs(120);
    let (ok_state, fail_state, ()) = tokio::join!(
        wait_final(&launcher, &ok_h, limit),
        wait_final(&launcher, &fail_h, limit),
        async {
            wait_for_file(&marker, limit).await;
            assert!(matches!(
                launcher.status(&sleep_h).await.expect("status"),
                ApplicationState::Running { .. }
            ));
            launcher.kill(&sleep_h).await.expect("kill");
        },
    );
    assert_eq!(ok_state, ApplicationState::Succeeded);
    assert_eq!(
        written_args(&out),
        nasty_args(),
        "arguments arrive verbatim on the worker"
    );
    match fail_state {
        ApplicationState::Failed { diagnostics } => assert!(
            diagnostics.contains(&fail_h.application_id),
            "{diagnostics}"
        ),
        other => panic!("expected Failed, got {other:?}"),
    }
    match wait_final(&launcher, &sleep_h, limit).await {
        ApplicationState::Killed { diagnostics } => assert!(
            diagnostics.contains(&sleep_h.application_id),
            "{diagnostics}"
        ),
        other => panic!("expected Killed, got {other:?}"),
    }
    // Killing an ended driver is harmless; an unknown one is Unknown.
    launcher.kill(&sleep_h).await.expect("second kill");
    let unknown = ApplicationHandle {
        backend: LauncherBackend::Standalone,
        application_id: "driver-20000101000000-9999".into(),
        tracking_url: None,
    };
    assert!(matches!(
        launcher.status(&unknown).await.expect("status"),
        ApplicationState::Unknown { .. }
    ));
}
