//! Shared by the launcher's integration tests: finding Spark, building the
//! test jar from `tests/java`, free ports, polling, reading launch errors, a
//! fake HTTP server on 127.0.0.1, and the ResourceManager REST API it
//! serves for the YARN tests.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use cdp_spark_domain::model::{JobKey, SparkJobSpec};
use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, LaunchError, LaunchRequest, SparkLauncherPort,
};
use chrono::Utc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Spark installation the tests use: `SPARK_HOME`, or the one whose
/// `bin/spark-submit` is on `PATH`. Fails the test when there is neither.
pub fn spark_home() -> PathBuf {
    if let Some(home) = std::env::var_os("SPARK_HOME").filter(|h| !h.is_empty()) {
        let home = PathBuf::from(home);
        assert!(
            home.join("bin/spark-submit").is_file(),
            "SPARK_HOME={} has no bin/spark-submit; run scripts/install-spark.sh and export SPARK_HOME=$(scripts/install-spark.sh)",
            home.display()
        );
        return home;
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("spark-submit");
            if candidate.is_file() {
                let real = std::fs::canonicalize(&candidate).unwrap_or(candidate);
                if let Some(home) = real.parent().and_then(Path::parent) {
                    return home.to_path_buf();
                }
            }
        }
    }
    panic!(
        "these tests need a real Spark 4: neither SPARK_HOME is set nor spark-submit on PATH; \
         run `export SPARK_HOME=$(scripts/install-spark.sh)` from the workspace root"
    );
}

/// The test jar (`tests/java/cdptest/*.java`), compiled once per test binary.
pub fn test_jar() -> PathBuf {
    static JAR: OnceLock<PathBuf> = OnceLock::new();
    JAR.get_or_init(|| {
        let src = crate_dir().join("tests/java/cdptest");
        let sources: Vec<PathBuf> = std::fs::read_dir(&src)
            .unwrap_or_else(|e| panic!("test Java sources missing at {}: {e}", src.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "java"))
            .collect();
        assert!(!sources.is_empty(), "no .java files in {}", src.display());
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("cdptest-{}", std::process::id()));
        let classes = out.join("classes");
        std::fs::create_dir_all(&classes).expect("create class dir");
        let status = Command::new("javac")
            .args(["--release", "17", "-d"])
            .arg(&classes)
            .args(&sources)
            .status()
            .unwrap_or_else(|e| {
                panic!("cannot run javac (a JDK 17+ is needed: scripts/install-deps.sh test): {e}")
            });
        assert!(status.success(), "javac failed on {}", src.display());
        let jar = out.join("cdptest.jar");
        let status = Command::new("jar")
            .arg("cf")
            .arg(&jar)
            .arg("-C")
            .arg(&classes)
            .arg(".")
            .status()
            .unwrap_or_else(|e| panic!("cannot run jar (part of the JDK): {e}"));
        assert!(status.success(), "jar failed");
        jar
    })
    .clone()
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

pub fn request(class: &str, args: Vec<String>) -> LaunchRequest {
    LaunchRequest {
        run_id: format!("run-{}", uuid_like()),
        job_key: JobKey::new("dp-test", class.rsplit('.').next().unwrap_or(class)),
        app_name: format!("{class} {}", Utc::now().to_rfc3339()),
        spec: SparkJobSpec {
            args,
            driver_memory: Some("512m".parse().expect("memory")),
            log_level: Some("WARN".parse().expect("log level")),
            conf: BTreeMap::from([("spark.ui.enabled".to_string(), "false".to_string())]),
            ..SparkJobSpec::new(
                test_jar().to_string_lossy().parse().expect("jar"),
                class.parse().expect("class name"),
            )
        },
        scheduled_fire_time: Utc::now(),
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Polls until the application is no longer running.
pub async fn wait_final(
    launcher: &dyn SparkLauncherPort,
    handle: &ApplicationHandle,
    limit: Duration,
) -> ApplicationState {
    let start = Instant::now();
    loop {
        let state = launcher.status(handle).await.expect("status");
        if !matches!(state, ApplicationState::Running { .. }) {
            return state;
        }
        assert!(
            start.elapsed() < limit,
            "{} still running after {limit:?}",
            handle.application_id
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

pub async fn wait_for_file(path: &Path, limit: Duration) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < limit,
            "{} did not appear within {limit:?}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The arguments the shell would mangle; they must arrive verbatim.
pub fn nasty_args() -> Vec<String> {
    [
        "; rm -rf /",
        "$(id)",
        "a b",
        "\"q\"",
        "*",
        "`id`",
        "it's",
        "$HOME",
        "--conf",
        "x=y",
        "a\\b",
        "&&",
        "|",
        "<in",
        "",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Lines of a file the WriteArgs test application wrote.
pub fn written_args(path: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    // Files.write ends every line, the last too.
    assert_eq!(
        lines.pop().as_deref(),
        Some(""),
        "file does not end with a newline: {text:?}"
    );
    lines
}

/// Is a process with this id alive (and not a zombie)?
pub fn process_alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // state is the field after the parenthesised command name
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next());
            state != Some("Z")
        }
        Err(_) => false,
    }
}

/// Panics unless `state` is `Ok(Running)`.
pub fn assert_running(state: Result<ApplicationState, LaunchError>) {
    match state {
        Ok(ApplicationState::Running { .. }) => {}
        other => panic!("expected a running application, got {other:?}"),
    }
}

/// The message of `$result`'s error, which must be `LaunchError::$kind`
/// (`Submit`, `Unreachable` or `Other`); panics on anything else.
#[allow(unused_macros)] // not every test binary reads launch errors
macro_rules! error_message {
    ($result:expr, $kind:ident) => {
        match $result {
            Err(cdp_spark_domain::ports::LaunchError::$kind(message)) => message,
            other => panic!("expected LaunchError::{}, got {other:?}", stringify!($kind)),
        }
    };
}
#[allow(unused_imports)]
pub(crate) use error_message;

// ------------------------------------------------------------ fake HTTP ---

/// A request the fake server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the fake server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: body.into(),
        }
    }
    pub fn with_header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
}

type Handler = Arc<dyn Fn(&Received) -> Reply + Send + Sync>;

/// A small HTTP/1.1 server on 127.0.0.1 answering with a handler; it
/// records every request.
pub struct FakeHttp {
    pub base_url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeHttp {
    pub async fn start(handler: impl Fn(&Received) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind fake server");
        let addr = listener.local_addr().expect("addr");
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let rec = received.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    break;
                };
                let handler = handler.clone();
                let rec = rec.clone();
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut sock).await else {
                        return;
                    };
                    rec.lock().expect("lock").push(req.clone());
                    let reply = handler(&req);
                    let mut head =
                        format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
                    for (k, v) in &reply.headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str(&format!(
                        "Content-Length: {}\r\nConnection: close\r\n\r\n",
                        reply.body.len()
                    ));
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(reply.body.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self {
            base_url: format!("http://{addr}"),
            received,
            task,
        }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

impl Drop for FakeHttp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Whatever",
    }
}

// ------------------------------------------------ fake ResourceManager ---

/// A documented ResourceManager answer kept in `tests/data/rm`.
pub fn rm_data(name: &str) -> String {
    let path = crate_dir().join("tests/data/rm").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("test data {} missing: {e}", path.display()))
}

/// The tag the `apps-by-tag*.json` data files carry; the fake RM puts the
/// tag asked for in its place.
const DATA_TAG: &str = "cdp-run-run-7";

/// The application id `app-not-found.json` names; the fake RM puts the id
/// asked for in its place.
const NOT_FOUND_ID: &str = "application_1700000000000_0099";

/// What a fake ResourceManager knows, answering the REST API from
/// `tests/data/rm`: applications (id → data file) at
/// `/ws/v1/cluster/apps/{id}`, killed with `PUT …/state` (answered with
/// the kill reply, `202 kill-accepted.json` unless set; an accepted kill
/// makes the application `app-killed.json`), and tag lookups
/// (`/ws/v1/cluster/apps?applicationTags=`, tag → application list file).
#[derive(Clone)]
pub struct FakeRm {
    apps: Arc<Mutex<HashMap<String, String>>>,
    tagged: Arc<Mutex<HashMap<String, String>>>,
    kill_reply: Arc<Mutex<(u16, String)>>,
}

impl FakeRm {
    pub fn new(apps: &[(&str, &str)]) -> Self {
        Self {
            apps: Arc::new(Mutex::new(
                apps.iter()
                    .map(|(id, f)| (id.to_string(), f.to_string()))
                    .collect(),
            )),
            tagged: Arc::default(),
            kill_reply: Arc::new(Mutex::new((202, "kill-accepted.json".into()))),
        }
    }

    /// Serves the RM as the active one, answering every request itself.
    pub async fn start(&self) -> FakeHttp {
        let rm = self.clone();
        FakeHttp::start(move |req| rm.answer(req)).await
    }

    /// The application `id` is now as data file `file` describes it.
    pub fn set(&self, id: &str, file: &str) {
        self.apps
            .lock()
            .expect("lock")
            .insert(id.into(), file.into());
    }

    /// Tag lookups for `tag` answer the application list in `file`.
    pub fn tag(&self, tag: &str, file: &str) {
        self.tagged
            .lock()
            .expect("lock")
            .insert(tag.into(), file.into());
    }

    /// Kills are answered with `status` and data file `file`.
    pub fn kill_reply(&self, status: u16, file: &str) {
        *self.kill_reply.lock().expect("lock") = (status, file.into());
    }

    pub fn answer(&self, req: &Received) -> Reply {
        let (path, query) = req.target.split_once('?').unwrap_or((&req.target, ""));
        if req.method == "GET" && path == "/ws/v1/cluster/apps" {
            return self.answer_tag_lookup(query);
        }
        let Some(rest) = path.strip_prefix("/ws/v1/cluster/apps/") else {
            return Reply::text(404, "no such page");
        };
        let (id, tail) = match rest.split_once('/') {
            Some((id, tail)) => (id, Some(tail)),
            None => (rest, None),
        };
        let file = self.apps.lock().expect("lock").get(id).cloned();
        match (req.method.as_str(), tail, file) {
            ("GET", None, Some(file)) => Reply::json(200, rm_data(&file)),
            ("PUT", Some("state"), Some(_)) => {
                let (status, file) = self.kill_reply.lock().expect("lock").clone();
                if status < 300 && req.body.contains("\"KILLED\"") {
                    self.set(id, "app-killed.json");
                }
                Reply::json(status, rm_data(&file))
            }
            (_, _, None) => {
                Reply::json(404, rm_data("app-not-found.json").replace(NOT_FOUND_ID, id))
            }
            _ => Reply::text(405, "method not allowed"),
        }
    }

    fn answer_tag_lookup(&self, query: &str) -> Reply {
        let tag = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("applicationTags="));
        let file = tag.and_then(|tag| self.tagged.lock().expect("lock").get(tag).cloned());
        match (tag, file) {
            (Some(tag), Some(file)) => Reply::json(200, rm_data(&file).replace(DATA_TAG, tag)),
            _ => Reply::json(200, rm_data("apps-none.json")),
        }
    }
}

/// What a standby RM that knows the active one (at `active_base`) answers:
/// `307` to it, as `RMWebAppFilter` does.
pub fn standby_redirect(active_base: &str, req: &Received) -> Reply {
    Reply::text(307, rm_data("standby-redirect.txt"))
        .with_header("Location", &format!("{active_base}{}", req.target))
}
