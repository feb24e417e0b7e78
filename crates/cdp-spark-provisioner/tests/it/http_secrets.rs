//! Secrets, processes and logs through the real `serve`, black box:
//!
//! - spark-submit gets an allow-listed environment, not the provisioner's
//!   tokens and database URL; a run's `error` (the end of the job's error
//!   output, served by the job status API) shows no secret even when the
//!   job reads its parent's environment;
//! - the job view and provision's `info` show secret conf values, secret
//!   options and URL passwords redacted;
//! - a newline or NUL in a caller's value cannot forge a log line;
//! - local mode on an address other hosts can reach needs the operator's
//!   explicit opt-in.

use crate::support;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::*;

const COORDINATOR_TOKEN: &str = "coord-Tok-4b1d77";
const STATUS_TOKEN: &str = "status-Tok-8c2e55";
const TRIGGER_TOKEN: &str = "trigger-Tok-9f3a33";
/// The job store's password, as the database knows it and as the URL
/// carries it (percent-encoded).
const DB_PASSWORD: &str = "Pw/St@re:9x";
const DB_PASSWORD_IN_URL: &str = "Pw%2FSt%40re%3A9x";

fn job_path() -> String {
    format!("/v1/scheduler/jobs/{}/{}", seg(FIXTURE_GROUP), FIXTURE_JOB)
}

/// A request with an optional bearer token: status and JSON body.
async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut req = server.client.request(method, server.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    answer(res).await
}

// ------------------------------------------- spark-submit's environment ---

/// A database on the test MariaDB with a user of its own whose password
/// holds '/', '@' and ':'; dropped with the user at the end.
struct PasswordDatabase {
    url: String,
    name: String,
    user: String,
    server: String,
}

impl PasswordDatabase {
    fn create() -> Self {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        let server = mysql_server_url();
        let host_port = server
            .rsplit('@')
            .next()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_string();
        let name = format!("cdp_secrets_{}", std::process::id());
        let user = format!("sec{}", std::process::id());
        let mut conn = diesel::MysqlConnection::establish(&server)
            .unwrap_or_else(|e| panic!("cannot connect to the test MariaDB at {server}: {e}"));
        let mut sql = format!("CREATE DATABASE `{name}`;");
        for host in ["%", "localhost", "127.0.0.1"] {
            sql.push_str(&format!(
                "CREATE USER '{user}'@'{host}' IDENTIFIED BY '{DB_PASSWORD}'; \
                 GRANT ALL PRIVILEGES ON `{name}`.* TO '{user}'@'{host}';"
            ));
        }
        conn.batch_execute(&sql)
            .expect("create the database and its user");
        Self {
            url: format!("mysql://{user}:{DB_PASSWORD_IN_URL}@{host_port}/{name}"),
            name,
            user,
            server,
        }
    }
}

impl Drop for PasswordDatabase {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        if let Ok(mut conn) = diesel::MysqlConnection::establish(&self.server) {
            let mut sql = format!("DROP DATABASE IF EXISTS `{}`;", self.name);
            for host in ["%", "localhost", "127.0.0.1"] {
                sql.push_str(&format!("DROP USER IF EXISTS '{}'@'{host}';", self.user));
            }
            let _ = conn.batch_execute(&sql);
        }
    }
}

/// A Spark home whose `bin/spark-submit` is a hostile job: it writes its
/// own environment to `child-env.txt`, prints its parent's (the
/// provisioner's) `CDP_SPARK_PROVISIONER__*` variables and the bare token
/// values read from there on its error output, quotes the database
/// password, and exits 1.
fn hostile_spark_home(dir: &Path) -> PathBuf {
    let home = dir.join("spark");
    std::fs::create_dir_all(home.join("bin")).expect("bin dir");
    let script = format!(
        r#"#!/bin/sh
env > '{env_file}'
echo 'Exception in thread "main" java.lang.IllegalStateException: the job read its parent'"'"'s environment' >&2
tr '\0' '\n' < /proc/$PPID/environ | grep '^CDP_SPARK_PROVISIONER__' >&2
for v in $(tr '\0' '\n' < /proc/$PPID/environ | sed -n 's/^CDP_SPARK_PROVISIONER__AUTH__[A-Z_]*=//p'); do
  echo "leaked $v" >&2
done
echo 'java.sql.SQLException: Access denied (tried {DB_PASSWORD})' >&2
exit 1
"#,
        env_file = dir.join("child-env.txt").display()
    );
    let program = home.join("bin/spark-submit");
    std::fs::write(&program, script).expect("write spark-submit");
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    home
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in [
        COORDINATOR_TOKEN,
        STATUS_TOKEN,
        TRIGGER_TOKEN,
        DB_PASSWORD,
        DB_PASSWORD_IN_URL,
    ] {
        assert!(!text.contains(secret), "{what} shows '{secret}':\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spark_submit_gets_no_secret_and_the_served_error_shows_none() {
    let db = PasswordDatabase::create();
    let place = Place::new(&Db::Sqlite);
    let home = hostile_spark_home(place.dir.path());
    let options = ServerOptions::default()
        .scheduler()
        .env("CDP_SPARK_PROVISIONER__STORE__URL", &db.url)
        .env(
            "CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN",
            COORDINATOR_TOKEN,
        )
        .env("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", STATUS_TOKEN)
        .env("CDP_SPARK_PROVISIONER__AUTH__TRIGGER_TOKEN", TRIGGER_TOKEN)
        .env("CDP_SPARK_PROVISIONER__SCHEDULER__IDLE_WAIT_MS", "200")
        .env("SPARK_HOME", &home.display().to_string())
        .env("HADOOP_USER_NAME", "from-the-provisioner");
    let server = start_in(&place, &options);

    let (code, body) = call(
        &server,
        reqwest::Method::POST,
        "/v1/provision",
        Some(COORDINATOR_TOKEN),
        Some(&request(&local_descriptor())),
    )
    .await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let (code, manual) = call(
        &server,
        reqwest::Method::POST,
        &format!("{}/trigger", job_path()),
        Some(TRIGGER_TOKEN),
        None,
    )
    .await;
    assert_eq!(code, 202, "{manual}");
    let run_id = manual["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("the run id within 3 s: {manual}\n{}", server.log()))
        .to_string();

    let deadline = Instant::now() + Duration::from_secs(60);
    let run = loop {
        let (code, run) = call(
            &server,
            reqwest::Method::GET,
            &format!("/v1/scheduler/runs/{run_id}"),
            Some(STATUS_TOKEN),
            None,
        )
        .await;
        assert_eq!(code, 200, "{run}");
        if !["SUBMITTING", "RUNNING"].contains(&run["state"].as_str().unwrap_or_default()) {
            break run;
        }
        assert!(
            Instant::now() < deadline,
            "run still going: {run}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(run["state"], "FAILED", "{run}");
    let error = run["error"].as_str().unwrap_or_default();
    // The job did read its parent's environment and print it: the names
    // and the message stay, the values do not.
    assert!(
        error.contains("CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN=***")
            && error.contains("leaked ***")
            && error.contains("CDP_SPARK_PROVISIONER__STORE__URL=mysql://")
            && error.contains("IllegalStateException"),
        "{error}"
    );
    assert_no_secret("the run's error", error);
    let (code, job) = call(
        &server,
        reqwest::Method::GET,
        &job_path(),
        Some(STATUS_TOKEN),
        None,
    )
    .await;
    assert_eq!(code, 200, "{job}");
    assert_eq!(job["lastRuns"][0]["runId"], run_id.as_str(), "{job}");
    assert_no_secret("the job view", &job.to_string());
    assert_no_secret("the server's log", &server.log());

    // spark-submit's own environment: allowed names only.
    let env = std::fs::read_to_string(place.dir.path().join("child-env.txt"))
        .expect("the fake spark-submit wrote its environment");
    let names: BTreeSet<&str> = env
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .filter(|k| !matches!(*k, "PWD" | "SHLVL" | "_" | "OLDPWD"))
        .collect();
    let not_allowed: Vec<&&str> = names
        .iter()
        .filter(|n| !cdp_spark_launcher::command::is_inherited(n) && **n != "SPARK_HOME")
        .collect();
    assert!(
        not_allowed.is_empty(),
        "spark-submit got {not_allowed:?} of the provisioner's environment (all: {names:?})"
    );
    assert!(
        names.contains("PATH") && names.contains("SPARK_HOME"),
        "{names:?}"
    );
    assert!(!env.contains("CDP_SPARK_PROVISIONER"), "{env}");
    assert!(
        !env.contains("from-the-provisioner"),
        "HADOOP_USER_NAME only through launcher.extra_env: {env}"
    );
}

// ------------------------------------------------------------ job view ---

#[tokio::test]
async fn the_job_view_and_provision_info_show_secrets_redacted() {
    let secrets = [
        "jv-arg-secret-1",
        "jv-arg-secret-2",
        "jv-conf-secret-3",
        "jv-conf-secret-4",
    ];
    let descriptor = local_descriptor()
        .replace(
            r#"args: ["--date", "yesterday", "--output", "/data/finance/cashflow/daily"]"#,
            r#"args: ["--date", "yesterday", "--db-password", "jv-arg-secret-1", "--api-token=jv-arg-secret-2"]"#,
        )
        .replace(
            r#"spark.sql.shuffle.partitions: "64""#,
            "spark.sql.shuffle.partitions: \"64\"\n            spark.hadoop.fs.s3a.secret.key: \"jv-conf-secret-3\"\n            spark.hadoop.javax.jdo.option.ConnectionPassword: \"jv-conf-secret-4\"",
        );
    assert!(
        secrets.iter().all(|s| descriptor.contains(s)),
        "the fixture changed: update the replaced lines"
    );
    let place = Place::new(&Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let (code, job) = server.get(&job_path()).await;
    assert_eq!(code, 200, "{job}");
    let spec = &job["job"]["spec"];
    assert_eq!(
        spec["args"],
        json!([
            "--date",
            "yesterday",
            "--db-password",
            "***",
            "--api-token=***"
        ]),
        "{job}"
    );
    assert_eq!(
        spec["conf"]["spark.hadoop.fs.s3a.secret.key"], "***",
        "{job}"
    );
    assert_eq!(
        spec["conf"]["spark.hadoop.javax.jdo.option.ConnectionPassword"], "***",
        "{job}"
    );
    assert_eq!(spec["conf"]["spark.sql.shuffle.partitions"], "64", "{job}");
    for (what, text) in [
        ("the job view", job.to_string()),
        ("provision's answer", body.to_string()),
        ("the server's log", server.log()),
    ] {
        for secret in secrets {
            assert!(!text.contains(secret), "{what} shows {secret}: {text}");
        }
    }
}

// ---------------------------------------------------------- log forging ---

/// A descriptor whose jobName, queue and className hold a newline followed
/// by a forged log line, and NUL bytes.
fn forging_descriptor() -> String {
    let forged = r#"\nFORGED 2026-01-01T00:00:00Z ERROR admin logged in\0"#;
    let descriptor = local_descriptor()
        .replace(
            &format!("jobName: {FIXTURE_JOB}"),
            &format!("jobName: \"{FIXTURE_JOB}{forged}\""),
        )
        .replace(
            "queue: root.finance",
            &format!("queue: \"root.finance{forged}\""),
        )
        .replace(
            &format!("className: {MAIN_CLASS}"),
            &format!("className: \"{MAIN_CLASS}{forged}\""),
        );
    assert_eq!(
        descriptor.matches("FORGED").count(),
        3,
        "the fixture changed: update the replaced lines"
    );
    descriptor
}

async fn send_forging_requests(server: &Server) {
    let body = request(&forging_descriptor());
    for path in ["/v1/validate", "/v1/provision", "/v1/unprovision"] {
        let (code, answer) = server.post(path, &body).await;
        assert!(code < 500, "{path}: {code} {answer}\n{}", server.log());
    }
    // The request's last events are written after its answer.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

#[tokio::test]
async fn caller_values_cannot_forge_text_log_lines() {
    let place = Place::new(&Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    send_forging_requests(&server).await;
    server.logged(r"\nFORGED");
    let log = server.log();
    assert!(!log.contains('\0'), "a raw NUL in the log:\n{log:?}");
    assert!(
        log.contains(r"\nFORGED") && log.contains(r"\0"),
        "the caller's values are logged, escaped:\n{log}"
    );
    for line in log.lines() {
        let starts_like_an_event = line.len() > 20
            && line.as_bytes()[..4].iter().all(u8::is_ascii_digit)
            && line.as_bytes()[4] == b'-'
            && line.as_bytes()[10] == b'T';
        assert!(
            starts_like_an_event && !line.starts_with("FORGED"),
            "a line that is not an event of the server:\n{line:?}\n--- whole log ---\n{log}"
        );
    }
}

#[tokio::test]
async fn caller_values_cannot_forge_json_log_lines() {
    let place = Place::new(&Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default().env("CDP_SPARK_PROVISIONER__LOG__FORMAT", "json"),
    );
    send_forging_requests(&server).await;
    server.logged(r"\nFORGED");
    let log = server.log();
    assert!(!log.contains('\0'), "a raw NUL in the log");
    let mut forged_seen = false;
    for line in log.lines() {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object: {e}: {line:?}\n{log}"));
        forged_seen |= event.to_string().contains("FORGED");
    }
    assert!(forged_seen, "the caller's values are logged:\n{log}");
}

// ------------------------------------------------- local mode exposure ---

/// `serve` with `args` and `env`, the caller's CDP_SPARK_PROVISIONER_*
/// variables removed: `Ok(address)` once it says where it listens (then it
/// is stopped), `Err(exit code)` when it exits first; with its log.
fn serve_once(args: &[&str], env: &[(&str, &str)]) -> (Result<String, Option<i32>>, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"));
    cmd.arg("serve")
        .args(args)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env_remove("RUST_LOG")
        .env("CDP_SPARK_PROVISIONER__LOG__LEVEL", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("CDP_SPARK_PROVISIONER_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start serve");
    let mut stderr = child.stderr.take().expect("stderr");
    let log_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("cdp-spark-provisioner listening on ") {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let outcome = loop {
        if let Ok(address) = rx.recv_timeout(Duration::from_millis(100)) {
            let _ = child.kill();
            let _ = child.wait();
            break Ok(address);
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(status.code());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve {args:?} neither listened nor exited within 60 s");
        }
    };
    let log = log_reader.join().unwrap_or_default();
    (outcome, log)
}

#[test]
fn local_mode_on_a_network_address_needs_the_operators_opt_in() {
    let (outcome, log) = serve_once(&["--bind", "0.0.0.0:0"], &[]);
    assert_eq!(outcome, Err(Some(2)), "{log}");
    assert!(
        log.contains("launcher.allow_local_mode_on_network")
            && log.contains("CDP_SPARK_PROVISIONER__LAUNCHER__ALLOW_LOCAL_MODE_ON_NETWORK")
            && log.contains("other hosts")
            && log.contains("as its user"),
        "the refusal names the setting and the risk: {log}"
    );

    let (outcome, log) = serve_once(
        &["--bind", "0.0.0.0:0"],
        &[(
            "CDP_SPARK_PROVISIONER__LAUNCHER__ALLOW_LOCAL_MODE_ON_NETWORK",
            "true",
        )],
    );
    assert!(
        outcome
            .as_ref()
            .is_ok_and(|a| a.starts_with("http://0.0.0.0:")),
        "{outcome:?}: {log}"
    );
    assert!(
        log.contains("WARN") && log.contains("allow_local_mode_on_network"),
        "the opt-in is logged as a warning: {log}"
    );

    for bind in ["127.0.0.1:0", "[::1]:0"] {
        let (outcome, log) = serve_once(&["--bind", bind], &[]);
        assert!(outcome.is_ok(), "{bind}: {outcome:?}: {log}");
        assert!(!log.contains("allow_local_mode_on_network"), "{log}");
    }
    // An instance that runs no scheduler starts no local application.
    let (outcome, log) = serve_once(
        &["--bind", "0.0.0.0:0"],
        &[("CDP_SPARK_PROVISIONER__SCHEDULER__ENABLED", "false")],
    );
    assert!(outcome.is_ok(), "{outcome:?}: {log}");
}
