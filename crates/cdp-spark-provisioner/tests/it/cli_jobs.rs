//! `cdp-spark-provisioner jobs …` against a running `serve`: every
//! subcommand in table and JSON output, and the exit codes scripts rely on
//! (0 ok, 1 refused / run not SUCCEEDED, 2 usage, 3 unreachable, 4 auth
//! refused, 5 not found). Real Spark (local mode) for `trigger --wait` and
//! `logs --follow`: needs `SPARK_HOME`.

use crate::support;

use std::process::Command;

use serde_json::Value;
use support::*;

const STATUS_TOKEN: &str = "status-secret";
const TRIGGER_TOKEN: &str = "trigger-secret";

fn job() -> String {
    format!("{FIXTURE_GROUP}/{FIXTURE_JOB}")
}

/// What a CLI run did.
pub(crate) struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `cdp-spark-provisioner jobs ARGS` with `--server server` and only the
/// given CDP_SPARK_PROVISIONER_* variables.
pub(crate) fn cli(server: &str, env: &[(&str, &str)], args: &[&str]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"));
    cmd.arg("jobs").arg("--server").arg(server).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("CDP_SPARK_PROVISIONER_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run cdp-spark-provisioner jobs");
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn tokens() -> [(&'static str, &'static str); 2] {
    [
        ("CDP_SPARK_PROVISIONER_STATUS_TOKEN", STATUS_TOKEN),
        ("CDP_SPARK_PROVISIONER_TRIGGER_TOKEN", TRIGGER_TOKEN),
    ]
}

#[tokio::test]
async fn every_subcommand_answers_in_tables_and_json_with_tokens() {
    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default()
        .env("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", STATUS_TOKEN)
        .env("CDP_SPARK_PROVISIONER__AUTH__TRIGGER_TOKEN", TRIGGER_TOKEN);
    let server = start_in(&place, &options);
    let base = server.base.clone();
    let env = tokens();
    let descriptor = place.dir.path().join("descriptor.yaml");
    std::fs::write(&descriptor, local_descriptor()).expect("write the descriptor");

    // provision: the descriptor file, through POST /v1/provision.
    let out = cli(
        &base,
        &env,
        &["provision", "-d", &descriptor.display().to_string()],
    );
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.starts_with("COMPLETED"), "{out}");
    // A descriptor the server refuses: exit 1, each problem with its fix.
    let bad = place.dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        local_descriptor().replace(FIXTURE_JOB, "not-the-convention"),
    )
    .expect("write the bad descriptor");
    let out = cli(
        &base,
        &env,
        &["provision", "-d", &bad.display().to_string()],
    );
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains("answered 400") && out.stderr.contains("jobName"),
        "{out}"
    );
    let fix = "fix: set jobname to 'finance-cashflow-0-daily-aggregation-development'";
    assert!(out.stderr.to_lowercase().contains(fix), "{out}");
    assert_eq!(
        out.stderr.matches("is 'not-the-convention'").count(),
        1,
        "said once: {out}"
    );
    let missing = place.dir.path().join("missing.yaml");
    let out = cli(
        &base,
        &env,
        &["provision", "-d", &missing.display().to_string()],
    );
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("cannot read the descriptor"), "{out}");

    // show: the job's settings, its trigger and no runs.
    let out = cli(&base, &env, &["show", &job()]);
    assert_eq!(out.code, 0, "{out}");
    for needle in [
        job().as_str(),
        FIXTURE_COMPONENT,
        MAIN_CLASS,
        "0 30 2 ? * MON-FRI (UTC)",
        "WAITING",
        "no runs yet",
    ] {
        assert!(out.stdout.contains(needle), "show lacks {needle}: {out}");
    }
    let json = cli(&base, &env, &["show", &job(), "--output", "json"]).json();
    let (code, api) = server
        .client
        .get(server.url(&format!(
            "/v1/scheduler/jobs/{}/{FIXTURE_JOB}",
            seg(FIXTURE_GROUP)
        )))
        .bearer_auth(STATUS_TOKEN)
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .expect("GET job");
    assert_eq!(code, 200);
    assert_eq!(
        json,
        api.json::<Value>().await.expect("JSON"),
        "--output json is the API's JSON"
    );

    // pause and resume: the trigger's state follows.
    let out = cli(&base, &env, &["pause", &job()]);
    assert_eq!(out.code, 0, "{out}");
    let shown = cli(&base, &env, &["show", &job(), "-o", "json"]).json();
    assert_eq!(shown["triggers"][0]["state"], "PAUSED", "{shown}");
    let out = cli(&base, &env, &["resume", &job(), "-o", "json"]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.json()["paused"], false, "{out}");
    let shown = cli(&base, &env, &["show", &job(), "-o", "json"]).json();
    assert_eq!(shown["triggers"][0]["state"], "WAITING", "{shown}");

    // trigger: accepted (no engine in this server: no run id yet).
    let out = cli(&base, &env, &["trigger", &job(), "-o", "json"]);
    assert_eq!(out.code, 0, "{out}");
    let accepted = out.json();
    assert_eq!(accepted["jobKey"]["name"], FIXTURE_JOB, "{out}");
    assert!(
        accepted["triggerKey"]["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("manual-")),
        "{out}"
    );
    let out = cli(&base, &env, &["trigger", &job()]);
    assert_eq!(out.code, 0, "{out}");
    assert!(!out.stdout.trim().is_empty(), "the message is shown: {out}");

    // runs: none yet, in both outputs.
    let out = cli(&base, &env, &["runs", "--job", &job()]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no runs\n"), "{out}");
    let page = cli(&base, &env, &["runs", "-o", "json", "--limit", "5"]).json();
    assert_eq!(page["limit"], 5, "{page}");
    assert_eq!(page["runs"], Value::Array(Vec::new()), "{page}");
    // A state the server does not know: it says so, exit 1.
    let out = cli(&base, &env, &["runs", "--state", "DONE"]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stderr.contains("answered 400") && out.stderr.contains("SUCCEEDED"),
        "{out}"
    );

    // explain: every fire time of a week.
    let window = [
        "--from",
        "2026-03-02T00:00:00Z",
        "--to",
        "2026-03-08T23:59:59Z",
    ];
    let out = cli(
        &base,
        &env,
        &[&["explain", &job()][..], &window[..]].concat(),
    );
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("2026-03-02 02:30:00Z"), "{out}");
    assert!(out.stdout.contains("VERDICT"), "{out}");
    let explained = cli(
        &base,
        &env,
        &[&["explain", &job(), "-o", "json"][..], &window[..]].concat(),
    )
    .json();
    assert_eq!(
        explained["fires"].as_array().map(Vec::len),
        Some(5),
        "Monday to Friday: {explained}"
    );

    // list: the listing route, or the jobs that have runs.
    let out = cli(&base, &env, &["list"]);
    assert_eq!(out.code, 0, "{out}");
    let out = cli(&base, &env, &["list", "-o", "json"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.json()["jobs"].is_array(), "{out}");

    // logs, rerun, backfill: a run that does not exist is not found.
    for args in [
        &["logs", "0123456789abcdef"][..],
        &["rerun", "0123456789abcdef"][..],
    ] {
        let out = cli(&base, &env, args);
        assert_eq!(out.code, 5, "{args:?}: {out}");
        assert!(out.stderr.contains("answered 404"), "{out}");
    }
    let out = cli(&base, &env, &["logs", "--job", &job()]);
    assert_eq!(out.code, 5, "{out}");
    assert!(
        out.stderr.contains("has no run yet") && out.stderr.contains("jobs trigger"),
        "{out}"
    );
    // backfill: a dry run lists the fire times, a real one queues a run
    // for each (no engine here: they stay QUEUED).
    let out = cli(
        &base,
        &env,
        &[&["backfill", &job(), "--dry-run"][..], &window[..]].concat(),
    );
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("2026-03-06 02:30:00Z"), "{out}");
    let two_days = [
        "--from",
        "2026-03-02T00:00:00Z",
        "--to",
        "2026-03-03T23:59:59Z",
    ];
    let out = cli(
        &base,
        &env,
        &[
            &["backfill", &job(), "--max-parallel", "2", "-o", "json"][..],
            &two_days[..],
        ]
        .concat(),
    );
    assert_eq!(out.code, 0, "{out}");
    let backfill = out.json();
    assert_eq!(
        backfill["runIds"].as_array().map(Vec::len),
        Some(2),
        "{out}"
    );
    assert_eq!(backfill["maxParallel"], 2, "{out}");
    let queued = cli(&base, &env, &["runs", "--state", "QUEUED"]);
    assert_eq!(queued.code, 0, "{queued}");
    for id in backfill["runIds"].as_array().into_iter().flatten() {
        let id = id.as_str().unwrap_or_default();
        assert!(
            queued.stdout.contains(id),
            "{id} is listed QUEUED: {queued}"
        );
    }
    // A window the server refuses: exit 1 with its reason.
    let out = cli(
        &base,
        &env,
        &[
            "backfill",
            &job(),
            "--from",
            "2026-03-03T00:00:00Z",
            "--to",
            "2026-03-02T00:00:00Z",
        ],
    );
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stderr.contains("answered 400"), "{out}");

    // Not found and usage.
    let out = cli(&base, &env, &["show", "urn:dmb:dp:none:0/nothing"]);
    assert_eq!(out.code, 5, "{out}");
    assert!(out.stderr.contains("answered 404"), "{out}");
    let out = cli(&base, &env, &["pause", "urn:dmb:dp:none:0/nothing"]);
    assert_eq!(out.code, 5, "{out}");
    for args in [
        &["show", "no-group"][..],
        &["trigger", &job(), "--conf", "novalue"][..],
        &["pause"][..],
        &["logs"][..],
        &["frobnicate"][..],
    ] {
        let out = cli(&base, &env, args);
        assert_eq!(out.code, 2, "{args:?}: {out}");
    }
}

#[tokio::test]
async fn auth_refusals_and_an_unreachable_server_have_their_exit_codes() {
    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default()
        .env("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", STATUS_TOKEN)
        .env("CDP_SPARK_PROVISIONER__AUTH__TRIGGER_TOKEN", TRIGGER_TOKEN);
    let server = start_in(&place, &options);
    let base = server.base.clone();
    let (code, body) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200, "{body}");

    // No token: 401, the variable to set is named.
    let out = cli(&base, &[], &["show", &job()]);
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr.contains("answered 401")
            && out
                .stderr
                .contains("set CDP_SPARK_PROVISIONER_STATUS_TOKEN")
            && out.stderr.contains("auth.status_token"),
        "{out}"
    );
    let out = cli(&base, &[], &["trigger", &job()]);
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr.contains("CDP_SPARK_PROVISIONER_TRIGGER_TOKEN"),
        "{out}"
    );

    // A wrong token: refused, the variable named, the token not shown.
    let out = cli(
        &base,
        &[("CDP_SPARK_PROVISIONER_STATUS_TOKEN", "wrong-token")],
        &["runs"],
    );
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr
            .contains("the token in CDP_SPARK_PROVISIONER_STATUS_TOKEN was refused"),
        "{out}"
    );
    assert!(!out.stderr.contains("wrong-token"), "{out}");

    // One token for everything: the status token opens reads, not writes.
    let one = [("CDP_SPARK_PROVISIONER_TOKEN", STATUS_TOKEN)];
    assert_eq!(cli(&base, &one, &["runs"]).code, 0);
    let out = cli(&base, &one, &["pause", &job()]);
    assert_eq!(out.code, 4, "{out}");
    assert!(
        out.stderr
            .contains("the token in CDP_SPARK_PROVISIONER_TOKEN was refused"),
        "{out}"
    );
    // The specific variable wins over the general one.
    let both = [
        ("CDP_SPARK_PROVISIONER_TOKEN", STATUS_TOKEN),
        ("CDP_SPARK_PROVISIONER_TRIGGER_TOKEN", TRIGGER_TOKEN),
    ];
    assert_eq!(cli(&base, &both, &["pause", &job()]).code, 0);

    // A server that is not there: 3, saying how to point at one.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let nobody = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let out = cli(&nobody, &tokens(), &["list"]);
    assert_eq!(out.code, 3, "{out}");
    assert!(
        out.stderr.contains("cannot reach the server at")
            && out.stderr.contains("CDP_SPARK_PROVISIONER_SERVER"),
        "{out}"
    );
    // The server from the environment.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"));
    let status = cmd
        .args(["jobs", "runs"])
        .env("CDP_SPARK_PROVISIONER_SERVER", &base)
        .env("CDP_SPARK_PROVISIONER_STATUS_TOKEN", STATUS_TOKEN)
        .output()
        .expect("run");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    // Not a URL: usage.
    assert_eq!(cli("127.0.0.1:8093", &tokens(), &["list"]).code, 2);
}

/// The run id in `trigger`'s table output (`run ID`).
fn run_id_of(out: &Out) -> String {
    out.stdout
        .lines()
        .find_map(|l| l.strip_prefix("run "))
        .map(|id| id.trim().to_string())
        .unwrap_or_else(|| panic!("no run id: {out}"))
}

#[tokio::test]
async fn runs_are_waited_for_and_followed_with_real_spark() {
    use crate::spark_local_e2e::{descriptor, jar, job_name, spark_home};
    let spark = spark_home();
    let ok_jar = jar("cli-ok", "System.out.println(\"cli ok \" + args.length);");
    let fail_jar = jar(
        "cli-fail",
        "throw new IllegalStateException(\"cli failure on purpose\");",
    );
    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default()
        .scheduler()
        .env("SPARK_HOME", &spark.display().to_string())
        .env("CDP_SPARK_PROVISIONER__SCHEDULER__IDLE_WAIT_MS", "500")
        .env(
            "CDP_SPARK_PROVISIONER__SCHEDULER__FOLLOW_INTERVAL_MS",
            "500",
        )
        .env(
            "CDP_SPARK_PROVISIONER__LAUNCHER__EXTRA_ENV",
            "{SPARK_LOCAL_IP = \"127.0.0.1\"}",
        )
        .env("CDP_SPARK_PROVISIONER__LAUNCHER__MASTER", "local[1]");
    let server = start_in(&place, &options);
    let base = server.base.clone();
    for (component, app) in [("cli-ok", &ok_jar), ("cli-fail", &fail_jar)] {
        let (code, body) = server
            .post("/v1/provision", &request(&descriptor(component, app, None)))
            .await;
        assert_eq!(code, 200, "{component}: {body}\n{}", server.log());
    }
    let ok = format!("{FIXTURE_GROUP}/{}", job_name("cli-ok"));
    let fail = format!("{FIXTURE_GROUP}/{}", job_name("cli-fail"));

    // --wait: 0 for SUCCEEDED, 1 for FAILED with the reason.
    let out = cli(&base, &[], &["trigger", &ok, "--wait"]);
    assert_eq!(out.code, 0, "{out}\n{}", server.log());
    assert!(out.stderr.contains("SUCCEEDED"), "{out}");
    let ok_run = run_id_of(&out);
    let out = cli(&base, &[], &["trigger", &fail, "--wait"]);
    assert_eq!(out.code, 1, "{out}\n{}", server.log());
    assert!(out.stderr.contains("FAILED"), "{out}");

    // runs and show see them.
    let page = cli(&base, &[], &["runs", "--job", &ok, "-o", "json"]).json();
    assert_eq!(page["runs"][0]["runId"], ok_run.as_str(), "{page}");
    assert_eq!(page["runs"][0]["state"], "SUCCEEDED", "{page}");
    let out = cli(&base, &[], &["runs"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains(&ok_run) && out.stdout.contains("FAILED"),
        "{out}"
    );
    let out = cli(&base, &[], &["list"]);
    assert!(
        out.stdout.contains(&ok) && out.stdout.contains(&fail),
        "{out}"
    );
    let out = cli(&base, &[], &["list", "--state", "FAILED"]);
    assert!(
        out.stdout.contains(&fail) && !out.stdout.contains(&ok),
        "{out}"
    );

    let out = cli(&base, &[], &["logs", &ok_run]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("cli ok"), "{out}");
    let json = cli(&base, &[], &["logs", "--job", &ok, "-o", "json"]).json();
    assert_eq!(json["runId"], ok_run.as_str(), "{json}");
    assert_eq!(json["state"], "SUCCEEDED", "{json}");
    assert!(
        json["text"].as_str().is_some_and(|t| t.contains("cli ok")),
        "{json}"
    );
    // --follow from the start of a run to its end.
    let out = cli(&base, &[], &["trigger", &ok]);
    let run = run_id_of(&out);
    let out = cli(&base, &[], &["logs", &run, "--follow"]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.stdout.matches("cli ok").count(),
        1,
        "printed once: {out}"
    );
    assert!(out.stderr.contains("ended SUCCEEDED"), "{out}");
    let out = cli(&base, &[], &["logs", "--job", &fail, "--follow"]);
    assert_eq!(out.code, 1, "{out}");
    let out = cli(&base, &[], &["rerun", &ok_run, "--wait"]);
    assert_eq!(out.code, 0, "{out}\n{}", server.log());
    assert_ne!(run_id_of(&out), ok_run, "{out}");
    // A run with its own args and conf: recorded on the run, used by it.
    let out = cli(
        &base,
        &[],
        &[
            "trigger",
            &ok,
            "--arg",
            "a",
            "--arg",
            "b",
            "--conf",
            "spark.sql.shuffle.partitions=3",
            "--wait",
        ],
    );
    assert_eq!(out.code, 0, "{out}\n{}", server.log());
    let with_args = run_id_of(&out);
    let run = cli(
        &base,
        &[],
        &["runs", "--job", &ok, "--limit", "1", "-o", "json"],
    )
    .json();
    assert_eq!(run["runs"][0]["runId"], with_args.as_str(), "{run}");
    assert_eq!(
        run["runs"][0]["parameters"]["args"],
        serde_json::json!(["a", "b"]),
        "{run}"
    );
    assert_eq!(
        run["runs"][0]["parameters"]["conf"]["spark.sql.shuffle.partitions"], "3",
        "{run}"
    );
    let out = cli(&base, &[], &["logs", &with_args]);
    assert!(out.stdout.contains("cli ok 2"), "the run's args: {out}");
    let out = cli(
        &base,
        &[],
        &["pause", "--data-product", FIXTURE_GROUP, "-o", "json"],
    );
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(out.json()["paused"], true, "{out}");
    let out = cli(&base, &[], &["resume", "--all"]);
    assert_eq!(out.code, 0, "{out}");
}
