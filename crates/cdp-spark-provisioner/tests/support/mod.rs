//! Black-box test harness for `cdp-spark-provisioner serve`: starts the real
//! binary on 127.0.0.1 with a random port (SQLite in a temporary folder, or
//! a MariaDB database of its own), builds real jars with the JDK, and turns
//! the descriptor fixture (`tests/fixtures/`) into requests.
#![allow(dead_code)]

pub use cdp_spark_testkit::fixtures;
pub use cdp_spark_testkit::javajar;

pub mod flows;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// The Witboost 2.2.0 contract (YAML, `tests/fixtures/contracts/`) as JSON.
pub fn contract() -> Value {
    let text = fixtures::read(fixtures::CONTRACT);
    serde_saphyr::from_str::<Value>(&text).unwrap_or_else(|e| {
        panic!(
            "the contract {} is not YAML: {e}",
            fixtures::path(fixtures::CONTRACT).display()
        )
    })
}

/// The scheduled-job descriptor fixture, as the Coordinator sends it.
pub fn fixture_descriptor() -> String {
    fixtures::read(fixtures::SCHEDULED_DESCRIPTOR)
}

pub const MAIN_CLASS: &str = "com.acme.finance.cashflow.DailyAggregation";

/// The application jar (with `DailyAggregation.main`) and a dependency jar,
/// built once per test run with javac and jar.
pub fn jars() -> (PathBuf, PathBuf) {
    let app = javajar::compile(
        "http-app",
        &[(
            "com/acme/finance/cashflow/DailyAggregation.java",
            "package com.acme.finance.cashflow;\n\
             public class DailyAggregation {\n\
               public static void main(String[] args) { System.out.println(args.length); }\n\
             }\n",
        )],
    );
    let dep = javajar::compile(
        "http-dep",
        &[(
            "com/acme/commons/Util.java",
            "package com.acme.commons;\npublic class Util { public static int one() { return 1; } }\n",
        )],
    );
    (
        app.jar(javajar::Packing::Deflated),
        dep.jar(javajar::Packing::Deflated),
    )
}

/// The fixture with its jar and dependency pointed at local jars.
pub fn local_descriptor() -> String {
    let (app, dep) = jars();
    let mut text = fixture_descriptor();
    let replaced = [
        (
            "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar",
            app.display().to_string(),
        ),
        (
            "hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar",
            dep.display().to_string(),
        ),
    ];
    for (from, to) in replaced {
        assert!(
            text.contains(from),
            "the fixture no longer mentions {from}: update the test"
        );
        text = text.replace(from, &to);
    }
    text
}

pub const FIXTURE_GROUP: &str = "urn:dmb:dp:finance:cashflow:0";
pub const FIXTURE_JOB: &str = "finance-cashflow-0-daily-aggregation-development";
pub const FIXTURE_COMPONENT: &str = "urn:dmb:cmp:finance:cashflow:0:daily-aggregation";

/// A `ProvisioningRequest` body.
pub fn request(descriptor: &str) -> Value {
    json!({
        "descriptorKind": "COMPONENT_DESCRIPTOR",
        "descriptor": descriptor,
        "removeData": false,
    })
}

/// Percent-encode a path segment.
pub fn seg(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ------------------------------------------------------------- databases ---

/// Where a server keeps its store.
pub enum Db {
    Sqlite,
    Mariadb,
    Postgres,
}

/// The MariaDB server of the test run (`mysql://root@127.0.0.1:PORT`).
#[allow(unused_imports)] // used by the MariaDB tests only
pub use cdp_spark_testkit::mariadb::server_url as mysql_server_url;
/// A database of its own on the test MariaDB, dropped at the end.
pub use cdp_spark_testkit::mariadb::Database as MysqlDatabase;
/// A database of its own on the test PostgreSQL, dropped at the end.
pub use cdp_spark_testkit::postgres::Database as PgDatabase;

// ---------------------------------------------------------------- server ---

/// How to start a server.
pub struct ServerOptions {
    pub env: Vec<(String, String)>,
    /// Variables of the test's environment the server does not get.
    pub env_removed: Vec<String>,
    pub args: Vec<String>,
    pub db: Db,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            env: Vec::new(),
            env_removed: Vec::new(),
            args: Vec::new(),
            db: Db::Sqlite,
        }
    }
}

impl ServerOptions {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.env_removed.push(key.to_string());
        self
    }

    /// Run the scheduler engine (the harness disables it by default, so
    /// that no test starts Spark applications by accident).
    /// The scheduler on, running real Spark in local mode (`local[1]` on
    /// 127.0.0.1), acquiring and following every 500 ms.
    pub fn spark_local(self) -> Self {
        self.scheduler()
            .env("CDP_SPARK_PROVISIONER__SCHEDULER__IDLE_WAIT_MS", "500")
            .env(
                "CDP_SPARK_PROVISIONER__SCHEDULER__FOLLOW_INTERVAL_MS",
                "500",
            )
            .env(
                "CDP_SPARK_PROVISIONER__LAUNCHER__EXTRA_ENV",
                "{SPARK_LOCAL_IP = \"127.0.0.1\"}",
            )
            .env("CDP_SPARK_PROVISIONER__LAUNCHER__MASTER", "local[1]")
    }

    pub fn scheduler(self) -> Self {
        self.env("CDP_SPARK_PROVISIONER__SCHEDULER__ENABLED", "true")
    }

    pub fn mariadb(mut self) -> Self {
        self.db = Db::Mariadb;
        self
    }
}

/// Where a server's data lives; kept across restarts.
pub struct Place {
    pub dir: tempfile::TempDir,
    pub mysql: Option<MysqlDatabase>,
    pub postgres: Option<PgDatabase>,
}

impl Place {
    pub fn new(db: &Db) -> Self {
        Self {
            dir: tempfile::tempdir().expect("temporary folder"),
            mysql: match db {
                Db::Sqlite | Db::Postgres => None,
                Db::Mariadb => Some(MysqlDatabase::create("http")),
            },
            postgres: match db {
                Db::Sqlite | Db::Mariadb => None,
                Db::Postgres => Some(PgDatabase::create("http")),
            },
        }
    }
}

/// A running `cdp-spark-provisioner serve`.
pub struct Server {
    pub base: String,
    child: Option<Child>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    pub client: reqwest::Client,
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_cdp-spark-provisioner")
}

/// Start the binary with `serve` and the options, in `place`.
pub fn start_in(place: &Place, options: &ServerOptions) -> Server {
    let mut cmd = Command::new(binary());
    cmd.arg("serve")
        .arg("--bind")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(place.dir.path().join("data"))
        .args(&options.args)
        .env_remove("RUST_LOG")
        .env("CDP_SPARK_PROVISIONER__LOG__LEVEL", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // No setting of the developer's environment leaks in.
    for (k, _) in std::env::vars() {
        if k.starts_with("CDP_SPARK_PROVISIONER_") {
            cmd.env_remove(k);
        }
    }
    if let Some(db) = &place.mysql {
        cmd.env("CDP_SPARK_PROVISIONER__STORE__URL", &db.url);
    }
    if let Some(db) = &place.postgres {
        cmd.env("CDP_SPARK_PROVISIONER__STORE__URL", &db.url);
    }
    // No Spark application starts unless a test asks for the scheduler.
    cmd.env("CDP_SPARK_PROVISIONER__SCHEDULER__ENABLED", "false");
    for k in &options.env_removed {
        cmd.env_remove(k);
    }
    for (k, v) in &options.env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start cdp-spark-provisioner serve");
    let stderr_text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let mut err = child.stderr.take().expect("stderr piped");
        let sink = stderr_text.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
    }
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("cdp-spark-provisioner listening on ") {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let base = match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(base) => base,
        Err(_) => {
            let _ = child.kill();
            let status = child.wait().ok();
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "the server did not say where it listens within 60 s (exit: {status:?}); its log:\n{}",
                stderr_text.lock().map(|s| s.clone()).unwrap_or_default()
            );
        }
    };
    assert!(base.starts_with("http://127.0.0.1:"), "listens on {base}");
    Server {
        base,
        child: Some(child),
        stderr: stderr_text,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("http client"),
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Whether the log holds `needle` within 10 s: stderr is read by its
    /// own thread, so a line written before "listening on" may still be on
    /// its way when the server answers.
    pub fn logged(&self, needle: &str) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            if self.log().contains(needle) {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let res = self
            .client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        answer(res).await
    }

    /// POST without a body, with an optional bearer token.
    pub async fn post_empty(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.client.post(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        answer(res).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let res = self
            .client
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        answer(res).await
    }

    /// Send SIGTERM and wait for the exit, at most `timeout`.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                self.child = None;
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Status and JSON body (or the text as a JSON string when it is not JSON).
pub async fn answer(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Poll `path` until its `status` is no longer RUNNING (at most 30 s).
pub async fn poll_until_done(server: &Server, path: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (code, body) = server.get(path).await;
        assert_eq!(code, 200, "GET {path}: {body}");
        if body["status"] != "RUNNING" {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} still RUNNING after 30 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Poll the run `run_id` until it has ended (not QUEUED, SUBMITTING or
/// RUNNING); past `deadline` the test fails with the server's log.
pub async fn run_until_ended(server: &Server, run_id: &str, deadline: Instant) -> Value {
    loop {
        let (code, run) = server.get(&format!("/v1/scheduler/runs/{run_id}")).await;
        assert_eq!(code, 200, "{run}");
        let state = run["state"].as_str().unwrap_or_default().to_string();
        if !["QUEUED", "SUBMITTING", "RUNNING"].contains(&state.as_str()) {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "run {run_id} still {state} at the deadline: {run}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `body` has a string at `pointer` (a JSON pointer such as `/userMessage`)
/// that contains `part`.
pub fn assert_mentions(body: &Value, pointer: &str, part: &str) {
    let text = body.pointer(pointer).and_then(Value::as_str);
    assert!(
        text.is_some_and(|t| t.contains(part)),
        "{pointer} should mention '{part}': {body}"
    );
}
