//! YARN without a cluster: the ResourceManager client against a fake RM on
//! 127.0.0.1 serving the documented Hadoop 3 REST responses kept in
//! `tests/data/rm`, and the YARN submit path against fake spark-submit
//! scripts (what a real one prints, a hung one, a failing one). Also finding
//! a run's application by its tag (`find_by_run`), and a spark-submit that
//! ends without printing the id but whose application YARN has.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, LaunchError, LauncherBackend, SparkLauncherPort,
};
use cdp_spark_launcher::{
    ClusterMode, KillOutcome, LauncherConfig, SparkLauncher, YarnConfig, YarnRmClient,
};
use common::*;

const APP_OK: &str = "application_1700000000000_0042";
const APP_FINISHED_FAILED: &str = "application_1700000000000_0043";
const APP_FAILED: &str = "application_1700000000000_0044";
const APP_KILLED: &str = "application_1700000000000_0045";
const APP_MISSING: &str = "application_1700000000000_0099";

/// A standby RM that knows the active one.
async fn standby_rm(active_base: String) -> FakeHttp {
    FakeHttp::start(move |req| standby_redirect(&active_base, req)).await
}

/// A standby RM that knows no active RM.
async fn lost_standby_rm() -> FakeHttp {
    FakeHttp::start(|_| Reply::text(200, rm_data("no-active-rm.txt"))).await
}

fn client(rms: &[&str], user: Option<&str>) -> YarnRmClient {
    let rms: Vec<String> = rms.iter().map(|s| s.to_string()).collect();
    YarnRmClient::new(&rms, user.map(str::to_string), Duration::from_secs(5)).expect("client")
}

fn dead_address() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

#[tokio::test]
async fn each_documented_application_maps_to_its_state() {
    let rm = FakeRm::new(&[
        (APP_OK, "app-running.json"),
        (APP_FINISHED_FAILED, "app-finished-failed.json"),
        (APP_FAILED, "app-failed.json"),
        (APP_KILLED, "app-killed.json"),
    ]);
    let server = rm.start().await;
    let c = client(&[&server.base_url], None);

    let app = c.application(APP_OK).await.expect("get").expect("known");
    assert_eq!(app.id, APP_OK);
    assert_eq!(app.user.as_deref(), Some("etl"));
    assert_eq!(app.queue.as_deref(), Some("root.etl"));
    assert_eq!(
        c.status(APP_OK).await.expect("status"),
        ApplicationState::Running {
            tracking_url: Some(format!("http://rm2.example.com:8088/proxy/{APP_OK}/")),
            started: true,
        }
    );
    rm.set(APP_OK, "app-accepted.json");
    assert_running(c.status(APP_OK).await);
    assert!(
        matches!(
            c.status(APP_OK).await,
            Ok(ApplicationState::Running { started: false, .. })
        ),
        "ACCEPTED is not started yet"
    );
    rm.set(APP_OK, "app-finished-succeeded.json");
    assert_eq!(
        c.status(APP_OK).await.expect("status"),
        ApplicationState::Succeeded
    );

    match c.status(APP_FINISHED_FAILED).await.expect("status") {
        ApplicationState::Failed { diagnostics } => {
            assert!(
                diagnostics.starts_with("User class threw exception"),
                "{diagnostics}"
            )
        }
        other => panic!("FINISHED+FAILED gave {other:?}"),
    }
    match c.status(APP_FAILED).await.expect("status") {
        ApplicationState::Failed { diagnostics } => {
            assert!(diagnostics.contains("exitCode: 13"), "{diagnostics}")
        }
        other => panic!("FAILED gave {other:?}"),
    }
    assert_eq!(
        c.status(APP_KILLED).await.expect("status"),
        ApplicationState::Killed {
            diagnostics: "Application killed by user.".into()
        }
    );
    match c.status(APP_MISSING).await.expect("status") {
        ApplicationState::Unknown { detail } => assert!(detail.contains(APP_MISSING), "{detail}"),
        other => panic!("404 gave {other:?}"),
    }
    assert!(c.application(APP_MISSING).await.expect("get").is_none());
    let gets = server.requests();
    assert!(gets
        .iter()
        .all(|r| r.method == "GET" && r.header("accept") == Some("application/json")));
}

#[tokio::test]
async fn ha_follows_the_standby_redirect_and_then_asks_the_active_rm_directly() {
    let rm = FakeRm::new(&[(APP_OK, "app-finished-succeeded.json")]);
    let active = rm.start().await;
    let standby = standby_rm(active.base_url.clone()).await;
    // The standby is listed first, as after a failover.
    let c = client(&[&standby.base_url, &active.base_url], None);

    assert_eq!(
        c.status(APP_OK).await.expect("status"),
        ApplicationState::Succeeded
    );
    assert_eq!(
        standby.requests().len(),
        1,
        "the standby was asked once and redirected"
    );
    assert_eq!(active.requests().len(), 1);
    assert_eq!(
        active.requests()[0].target,
        format!("/ws/v1/cluster/apps/{APP_OK}")
    );

    // The client remembers the active RM: the standby is not asked again.
    assert_eq!(
        c.status(APP_OK).await.expect("status"),
        ApplicationState::Succeeded
    );
    assert_eq!(standby.requests().len(), 1);
    assert_eq!(active.requests().len(), 2);
}

#[tokio::test]
async fn ha_skips_a_dead_rm_and_a_standby_that_knows_no_active_rm() {
    let rm = FakeRm::new(&[(APP_FAILED, "app-failed.json")]);
    let active = rm.start().await;
    let lost = lost_standby_rm().await;
    let refresh = FakeHttp::start(|_| {
        Reply::text(
            307,
            "Can not find any active RM. Will retry in next 5 seconds.",
        )
        .with_header(
            "Refresh",
            "5;url=http://127.0.0.1:1/ws/v1/cluster/apps?next.fresh.interval=1",
        )
    })
    .await;
    let dead = dead_address();
    let c = client(
        &[&dead, &lost.base_url, &refresh.base_url, &active.base_url],
        None,
    );
    assert!(matches!(
        c.status(APP_FAILED).await.expect("status"),
        ApplicationState::Failed { .. }
    ));
    assert_eq!(lost.requests().len(), 1);
    assert_eq!(refresh.requests().len(), 1);
    assert_eq!(active.requests().len(), 1);
}

#[tokio::test]
async fn no_active_rm_is_unreachable_naming_each_rm() {
    let lost = lost_standby_rm().await;
    let dead = dead_address();
    let c = client(&[&dead, &lost.base_url], None);
    let msg = error_message!(c.status(APP_OK).await, Unreachable);
    assert!(msg.contains(&dead) && msg.contains(&lost.base_url), "{msg}");
    assert!(msg.contains("standby"), "{msg}");
}

#[tokio::test]
async fn kill_puts_the_killed_state_through_the_standby_redirect() {
    let rm = FakeRm::new(&[(APP_OK, "app-running.json")]);
    let active = rm.start().await;
    let standby = standby_rm(active.base_url.clone()).await;
    let c = client(&[&standby.base_url, &active.base_url], Some("etl"));

    assert_eq!(c.kill(APP_OK).await.expect("kill"), KillOutcome::InProgress);
    let put = active
        .requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .expect("the active RM got the PUT");
    assert_eq!(
        put.target,
        format!("/ws/v1/cluster/apps/{APP_OK}/state?user.name=etl")
    );
    assert_eq!(put.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&put.body).expect("JSON body");
    assert_eq!(body, serde_json::json!({"state": "KILLED"}));
    assert_eq!(
        standby.requests()[0].method,
        "PUT",
        "the redirect kept the method"
    );

    assert_eq!(
        c.status(APP_OK).await.expect("status"),
        ApplicationState::Killed {
            diagnostics: "Application killed by user.".into()
        }
    );
    rm.kill_reply(200, "kill-done.json");
    assert_eq!(c.kill(APP_OK).await.expect("kill"), KillOutcome::Done);
}

/// Answers recorded from a real Hadoop 3.1.1 ResourceManager (the mini
/// cluster of `tests/hadoop` running Spark 4.0.1 applications;
/// `tests/data/rm/hadoop-3.1.1`), where the documentation's examples are
/// silent: `resourceSecondsMap` repeats its key `entry`; an ACCEPTED
/// application has no `trackingUrl`; a killed or failed one points to
/// `/cluster/app/…`; a failed attempt's diagnostics start with the
/// container's exit and hold the AM's reason kilobytes later; a kill
/// answers `202 {"state":"KILLING"}`, and `200` with the final state for an
/// application that had already ended.
#[tokio::test]
async fn answers_recorded_from_a_real_hadoop_3_1_1_rm_map_to_their_states() {
    const RUNNING: &str = "application_1796174900225_0013";
    const SUCCEEDED: &str = "application_1796174900225_0001";
    const FAILED: &str = "application_1796174900225_0002";
    const UNKNOWN_QUEUE: &str = "application_1796174900225_0012";
    let rm = FakeRm::new(&[
        (RUNNING, "hadoop-3.1.1/app-running.json"),
        (SUCCEEDED, "hadoop-3.1.1/app-finished-succeeded.json"),
        (FAILED, "hadoop-3.1.1/app-failed-am-exit.json"),
        (UNKNOWN_QUEUE, "hadoop-3.1.1/app-failed-unknown-queue.json"),
    ]);
    rm.tag(
        &run_tag("run-accepted"),
        "hadoop-3.1.1/apps-by-tag-accepted.json",
    );
    rm.kill_reply(202, "hadoop-3.1.1/kill-accepted.json");
    let server = rm.start().await;
    let c = client(&[&server.base_url], None);

    let running = c.application(RUNNING).await.expect("get").expect("known");
    assert_eq!(
        (running.state.as_str(), running.final_status.as_str()),
        ("RUNNING", "UNDEFINED")
    );
    assert_eq!(running.application_tags.as_deref(), Some("cdp-run-rec-1"));
    assert_eq!(
        c.status(RUNNING).await.expect("status"),
        ApplicationState::Running {
            tracking_url: Some(format!("http://localhost:36397/proxy/{RUNNING}/")),
            started: true,
        }
    );
    assert_eq!(
        c.status(SUCCEEDED).await.expect("status"),
        ApplicationState::Succeeded
    );
    match c.status(FAILED).await.expect("status") {
        ApplicationState::Failed { diagnostics } => {
            let (headline, rest) = diagnostics.split_once('\n').expect("several lines");
            assert_eq!(
                headline,
                "User class threw exception: java.lang.IllegalStateException: cdptest.spark.Fail: failing on purpose"
            );
            assert!(
                rest.starts_with(&format!(
                    "Application {FAILED} failed 1 times due to AM Container"
                )),
                "YARN's own diagnostics follow, whole: {rest}"
            );
        }
        other => panic!("FAILED gave {other:?}"),
    }
    match c.status(UNKNOWN_QUEUE).await.expect("status") {
        ApplicationState::Failed { diagnostics } => assert_eq!(
            diagnostics,
            format!("Application {UNKNOWN_QUEUE} submitted by user root to unknown queue: nosuch")
        ),
        other => panic!("unknown queue gave {other:?}"),
    }

    // Tag lookup while ACCEPTED: no tracking URL yet.
    let found = c
        .find_by_tag(&run_tag("run-accepted"))
        .await
        .expect("lookup");
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].state.as_str(), found[0].tracking_url.as_deref()),
        ("ACCEPTED", None)
    );
    assert_eq!(
        found[0].application_state(),
        ApplicationState::Running {
            tracking_url: None,
            started: false
        }
    );

    assert_eq!(
        c.kill(RUNNING).await.expect("kill"),
        KillOutcome::InProgress
    );
    // Killed anonymously (no user.name): Hadoop's static user on an RM
    // without ACLs.
    rm.set(RUNNING, "hadoop-3.1.1/app-killed.json");
    assert_eq!(
        c.status(RUNNING).await.expect("status"),
        ApplicationState::Killed {
            diagnostics: format!("Application {RUNNING} was killed by user dr.who")
        }
    );
    let killed = c.application(RUNNING).await.expect("get").expect("known");
    assert_eq!(
        killed.tracking_url,
        Some(format!("http://localhost:36397/cluster/app/{RUNNING}"))
    );
    rm.kill_reply(200, "hadoop-3.1.1/kill-ended.json");
    assert_eq!(c.kill(SUCCEEDED).await.expect("kill"), KillOutcome::Done);
}

#[tokio::test]
async fn a_refused_kill_says_who_may_kill() {
    let rm = FakeRm::new(&[(APP_OK, "app-running.json")]);
    rm.kill_reply(403, "kill-forbidden.json");
    let active = rm.start().await;
    let c = client(&[&active.base_url], None);
    let msg = error_message!(c.kill(APP_OK).await, Other);
    assert!(
        msg.contains("The default static user cannot carry out this operation"),
        "{msg}"
    );
    assert!(msg.contains("yarn.user_name"), "{msg}");
    assert!(
        matches!(c.kill(APP_MISSING).await, Err(LaunchError::Other(m)) if m.contains("no ResourceManager knows"))
    );
}

#[tokio::test]
async fn an_rm_demanding_spnego_without_it_configured_names_the_setting() {
    let rm = FakeHttp::start(|_| {
        Reply::text(401, "Authentication required").with_header("WWW-Authenticate", "Negotiate")
    })
    .await;
    let c = client(&[&rm.base_url], None);
    let msg = error_message!(c.status(APP_OK).await, Other);
    assert!(
        msg.contains("SPNEGO") && msg.contains("launcher.yarn_spnego"),
        "{msg}"
    );
}

#[tokio::test]
async fn applications_are_found_by_their_run_tag() {
    let rm = FakeHttp::start(|req| {
        if req
            .target
            .starts_with("/ws/v1/cluster/apps?applicationTags=cdp-run-run-7")
        {
            Reply::json(200, rm_data("apps-by-tag.json"))
        } else {
            Reply::json(200, rm_data("apps-none.json"))
        }
    })
    .await;
    let c = client(&[&rm.base_url], Some("etl"));
    let tag = cdp_spark_launcher::yarn_run_tag("run-7").expect("tag");
    let found = c.find_by_tag(&tag).await.expect("lookup");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, APP_OK);
    assert!(matches!(
        found[0].application_state(),
        ApplicationState::Running { .. }
    ));
    assert_eq!(
        rm.requests()[0].target,
        "/ws/v1/cluster/apps?applicationTags=cdp-run-run-7&user.name=etl"
    );
    assert!(c
        .find_by_tag("cdp-run-other")
        .await
        .expect("lookup")
        .is_empty());
    // A tag is a query value, escaped; what cannot be a YARN tag is refused.
    assert!(c.find_by_tag("a&b").await.expect("lookup").is_empty());
    assert_eq!(
        rm.requests().last().map(|r| r.target.clone()).as_deref(),
        Some("/ws/v1/cluster/apps?applicationTags=a%26b&user.name=etl")
    );
    let asked = rm.requests().len();
    for bad in ["", "a,b", "a b", &"x".repeat(101)] {
        assert!(c.find_by_tag(bad).await.is_err(), "{bad:?}");
    }
    assert_eq!(
        rm.requests().len(),
        asked,
        "refused tags never reach the RM"
    );
}

#[tokio::test]
async fn applications_not_carrying_the_tag_are_ignored() {
    // An RM that ignored the filter would list applications of other runs.
    let rm = FakeHttp::start(|_| Reply::json(200, rm_data("apps-by-tag.json"))).await;
    let c = client(&[&rm.base_url], None);
    assert!(c
        .find_by_tag("cdp-run-other")
        .await
        .expect("lookup")
        .is_empty());
    assert_eq!(
        c.find_by_tag("CDP-RUN-RUN-7").await.expect("lookup").len(),
        1,
        "tags compare without case (YARN keeps them in lower case)"
    );
}

#[tokio::test]
async fn ids_that_are_not_yarn_ids_never_reach_the_rm() {
    let rm = FakeRm::new(&[]);
    let active = rm.start().await;
    let c = client(&[&active.base_url], None);
    assert!(c.status("application_1_1/../../x").await.is_err());
    assert!(c.kill("driver-20260101000000-0001").await.is_err());
    assert!(active.requests().is_empty());
}

// ------------------------------------------------- fake spark-submit ---

struct FakeHomes {
    /// Prints what Spark's YARN client prints and records its argv.
    yarn: PathBuf,
    /// Never returns; starts a child in its process group.
    hung: PathBuf,
    /// Prints the application id, then never returns.
    hung_after_id: PathBuf,
    /// Exits 1 the way spark-submit does on a bad submission.
    failing: PathBuf,
    /// Exits 0 printing no application id.
    silent: PathBuf,
    /// Never returns and never prints an application id.
    hung_silent: PathBuf,
    /// Exits 1 without printing an application id (an RPC cut short).
    failing_without_id: PathBuf,
}

fn fake_home(root: &Path, name: &str, script: &str) -> PathBuf {
    let home = root.join(name);
    std::fs::create_dir_all(home.join("bin")).expect("mkdir");
    let path = home.join("bin/spark-submit");
    std::fs::write(&path, script).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    home
}

/// All fake Spark homes, written before any of them runs (a script being
/// written while another test forks can fail with "text file busy").
fn fake_homes() -> &'static FakeHomes {
    static HOMES: OnceLock<FakeHomes> = OnceLock::new();
    HOMES.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fake-spark-{}", std::process::id()));
        FakeHomes {
            yarn: fake_home(
                &root,
                "yarn",
                &format!(
                    r#"#!/bin/sh
for a in "$@"; do printf '%s\n' "$a"; done > "$ARGV_OUT"
echo "26/01/02 03:04:05 INFO Client: Submitting application {APP_OK} to ResourceManager" >&2
echo "26/01/02 03:04:06 INFO YarnClientImpl: Submitted application {APP_OK}" >&2
echo "26/01/02 03:04:07 INFO Client: Application report for {APP_OK} (state: ACCEPTED)" >&2
printf '\t tracking URL: http://rm1.example.com:8088/proxy/{APP_OK}/\n' >&2
exit 0
"#
                ),
            ),
            hung: fake_home(
                &root,
                "hung",
                "#!/bin/sh\nsleep 300 &\necho $! > \"$CHILD_PID_OUT\"\nwait\n",
            ),
            hung_after_id: fake_home(
                &root,
                "hung-after-id",
                &format!(
                    "#!/bin/sh\necho 'INFO YarnClientImpl: Submitted application {APP_OK}' >&2\nexec sleep 300\n"
                ),
            ),
            failing: fake_home(
                &root,
                "failing",
                "#!/bin/sh\necho 'Exception in thread \"main\" org.apache.spark.SparkException: Application application_1700000000000_0050 finished with failed status' >&2\necho 'at org.apache.spark.deploy.yarn.Client.run(Client.scala:1300)' >&2\nexit 1\n",
            ),
            silent: fake_home(&root, "silent", "#!/bin/sh\necho 'nothing to see'\nexit 0\n"),
            hung_silent: fake_home(
                &root,
                "hung-silent",
                "#!/bin/sh\necho 'INFO Client: Uploading resource hdfs://ns1/apps/job.jar' >&2\nexec sleep 60\n",
            ),
            failing_without_id: fake_home(
                &root,
                "failing-without-id",
                "#!/bin/sh\necho 'Exception in thread \"main\" java.io.IOException: Failed on local exception: java.io.InterruptedIOException: Interrupted waiting to send RPC request to server' >&2\necho 'at org.apache.hadoop.ipc.Client.call(Client.java:1513)' >&2\nexit 1\n",
            ),
        }
    })
}

fn yarn_launcher(
    home: &Path,
    rm: &str,
    env: &[(&str, String)],
    timeout_secs: u64,
) -> SparkLauncher {
    SparkLauncher::new(LauncherConfig {
        mode: ClusterMode::Yarn,
        spark_home: Some(home.to_path_buf()),
        extra_env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        submit_timeout_secs: timeout_secs,
        yarn: YarnConfig {
            resource_managers: vec![rm.to_string()],
            ..YarnConfig::default()
        },
        ..LauncherConfig::default()
    })
    .expect("valid config")
}

/// The launch with a 1 s submit timeout came back long before the fake
/// spark-submit's own end (it sleeps for a minute or more).
fn assert_cut_short(started: Instant) {
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

/// The message of a spark-submit killed after the 1 s submit timeout.
const TIMED_OUT: &str = "spark-submit did not finish within 1 s and was killed";

fn yarn_request(args: Vec<String>) -> cdp_spark_domain::ports::LaunchRequest {
    let mut req = request("com.example.Main", args);
    req.spec.jar = "hdfs://ns1/apps/job.jar".parse().expect("jar");
    req.spec.queue = Some("etl".parse().expect("queue"));
    req
}

#[tokio::test]
async fn yarn_submit_detaches_takes_the_id_and_follows_it_through_the_rm() {
    let homes = fake_homes();
    let rm = FakeRm::new(&[(APP_OK, "app-running.json")]);
    let server = rm.start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let argv_out = dir.path().join("argv.txt");
    let launcher = yarn_launcher(
        &homes.yarn,
        &server.base_url,
        &[("ARGV_OUT", argv_out.to_string_lossy().into_owned())],
        30,
    );
    let handle = launcher
        .submit(&yarn_request(nasty_args()))
        .await
        .expect("submit");
    assert_eq!(
        handle,
        ApplicationHandle {
            backend: LauncherBackend::Yarn,
            application_id: APP_OK.into(),
            tracking_url: Some(format!("http://rm1.example.com:8088/proxy/{APP_OK}/")),
        }
    );
    let argv = written_args(&argv_out);
    let pos = argv
        .iter()
        .position(|a| a == "hdfs://ns1/apps/job.jar")
        .expect("jar in argv");
    assert_eq!(
        &argv[pos + 1..],
        nasty_args().as_slice(),
        "args after the jar, verbatim"
    );
    for pair in [
        ["--master", "yarn"],
        ["--deploy-mode", "cluster"],
        ["--queue", "etl"],
        ["--conf", "spark.yarn.submit.waitAppCompletion=false"],
    ] {
        assert!(
            argv.windows(2).any(|w| w == pair),
            "{pair:?} missing from {argv:?}"
        );
    }

    assert_running(launcher.status(&handle).await);
    rm.set(APP_OK, "app-finished-succeeded.json");
    assert_eq!(
        launcher.status(&handle).await.expect("status"),
        ApplicationState::Succeeded
    );
    launcher.kill(&handle).await.expect("kill");
    assert!(server.requests().iter().any(|r| r.method == "PUT"));
}

#[tokio::test]
async fn a_hung_spark_submit_is_killed_with_its_children_and_the_launch_times_out() {
    let homes = fake_homes();
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_out = dir.path().join("child.pid");
    let dead = dead_address();
    let launcher = yarn_launcher(
        &homes.hung,
        &dead,
        &[("CHILD_PID_OUT", pid_out.to_string_lossy().into_owned())],
        1,
    );
    let started = Instant::now();
    let request = yarn_request(vec![]);
    let tag = run_tag(&request.run_id);
    // The RM cannot say whether the submission got through: the timeout
    // stands, saying so.
    let msg = error_message!(launcher.submit(&request).await, Submit);
    assert!(msg.starts_with(TIMED_OUT), "{msg}");
    assert!(
        msg.contains(&format!("could not be searched for the run's tag {tag}"))
            && msg.contains(&dead),
        "{msg}"
    );
    assert_cut_short(started);
    let child: u32 = std::fs::read_to_string(&pid_out)
        .expect("the fake wrote its child's pid")
        .trim()
        .parse()
        .expect("pid");
    let deadline = Instant::now() + Duration::from_secs(5);
    while process_alive(child) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !process_alive(child),
        "the hung spark-submit's child {child} survived"
    );
}

#[tokio::test]
async fn a_spark_submit_hung_after_submitting_is_killed_and_its_application_followed() {
    let homes = fake_homes();
    let rm = FakeRm::new(&[(APP_OK, "app-running.json")]);
    let server = rm.start().await;
    let launcher = yarn_launcher(&homes.hung_after_id, &server.base_url, &[], 1);
    let started = Instant::now();
    let handle = launcher
        .submit(&yarn_request(vec![]))
        .await
        .expect("the application was submitted, so the launch succeeds");
    assert_cut_short(started);
    assert_eq!(handle.application_id, APP_OK);
    assert_running(launcher.status(&handle).await);
}

#[tokio::test]
async fn a_failing_spark_submit_is_a_submit_error_with_its_reason() {
    let homes = fake_homes();
    let launcher = yarn_launcher(&homes.failing, &dead_address(), &[], 30);
    let msg = error_message!(launcher.submit(&yarn_request(vec![])).await, Submit);
    assert!(
        msg.starts_with("application_1700000000000_0050: spark-submit exited with code 1"),
        "{msg}"
    );
    assert!(msg.contains("finished with failed status"), "{msg}");
    let launcher = yarn_launcher(&homes.silent, &dead_address(), &[], 30);
    let msg = error_message!(launcher.submit(&yarn_request(vec![])).await, Submit);
    assert!(
        msg.contains("without printing a YARN application id") && msg.contains("nothing to see"),
        "{msg}"
    );
}

#[tokio::test]
async fn following_yarn_without_a_configured_rm_says_what_to_configure() {
    let launcher = SparkLauncher::new(LauncherConfig::default()).expect("valid");
    let handle = ApplicationHandle {
        backend: LauncherBackend::Yarn,
        application_id: APP_OK.into(),
        tracking_url: None,
    };
    assert!(
        matches!(launcher.status(&handle).await, Err(LaunchError::Other(m)) if m.contains("yarn.resource_managers"))
    );
}

// ------------------------------------------------ re-attach by run tag ---

fn run_tag(run_id: &str) -> String {
    cdp_spark_launcher::yarn_run_tag(run_id).expect("a run id that can be a tag")
}

/// An RM running `APP_OK`, tagged with the tag of run `run_id`.
fn rm_running_the_app_of(run_id: &str) -> FakeRm {
    let rm = FakeRm::new(&[(APP_OK, "app-running.json")]);
    rm.tag(&run_tag(run_id), "apps-by-tag.json");
    rm
}

/// The application `launcher` finds for run `run_id`; panics when none.
async fn found_by_run(launcher: &SparkLauncher, run_id: &str) -> ApplicationHandle {
    launcher
        .find_by_run(run_id)
        .await
        .expect("lookup")
        .unwrap_or_else(|| panic!("no application found for run {run_id}"))
}

fn tag_lookups(server: &FakeHttp) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.target.starts_with("/ws/v1/cluster/apps?"))
        .map(|r| r.target)
        .collect()
}

#[tokio::test]
async fn find_by_run_finds_the_application_tagged_with_the_run() {
    let homes = fake_homes();
    let rm = rm_running_the_app_of("run-a");
    let server = rm.start().await;
    let launcher = yarn_launcher(&homes.yarn, &server.base_url, &[], 30);

    let handle = found_by_run(&launcher, "run-a").await;
    assert_eq!(
        handle,
        ApplicationHandle {
            backend: LauncherBackend::Yarn,
            application_id: APP_OK.into(),
            tracking_url: Some(format!("http://rm2.example.com:8088/proxy/{APP_OK}/")),
        }
    );
    assert_eq!(
        tag_lookups(&server),
        vec!["/ws/v1/cluster/apps?applicationTags=cdp-run-run-a".to_string()]
    );
    // The handle is followed like any other.
    assert_running(launcher.status(&handle).await);
    // The tag is the run id in lower case, as YARN stores tags.
    assert_eq!(
        found_by_run(&launcher, "RUN-A").await.application_id,
        APP_OK
    );

    assert_eq!(launcher.find_by_run("run-b").await.expect("lookup"), None);
    assert_eq!(
        tag_lookups(&server).last().map(String::as_str),
        Some("/ws/v1/cluster/apps?applicationTags=cdp-run-run-b")
    );
    // A run id that cannot be a tag was submitted without one: nothing to find.
    let asked = server.requests().len();
    assert_eq!(launcher.find_by_run("a,b").await.expect("lookup"), None);
    assert_eq!(server.requests().len(), asked);
}

#[tokio::test]
async fn find_by_run_with_several_applications_takes_the_running_one_else_the_newest() {
    let homes = fake_homes();
    let rm = FakeRm::new(&[]);
    rm.tag(&run_tag("run-twice"), "apps-by-tag-several.json");
    rm.tag(&run_tag("run-ended"), "apps-by-tag-all-ended.json");
    let server = rm.start().await;
    let launcher = yarn_launcher(&homes.yarn, &server.base_url, &[], 30);

    // 0046 finished, 0047 running, 0048 (the newest) killed.
    let handle = found_by_run(&launcher, "run-twice").await;
    assert_eq!(handle.application_id, "application_1700000000000_0047");
    assert_eq!(
        handle.tracking_url.as_deref(),
        Some("http://rm2.example.com:8088/proxy/application_1700000000000_0047/")
    );

    // All ended: the newest by number, where comparing the ids as text
    // would take application_999999999999_0500 or …_9999.
    let handle = found_by_run(&launcher, "run-ended").await;
    assert_eq!(handle.application_id, "application_1700000000000_10000");
}

#[tokio::test]
async fn find_by_run_without_an_answering_rm_is_unreachable() {
    let homes = fake_homes();
    let dead = dead_address();
    let launcher = yarn_launcher(&homes.yarn, &dead, &[], 30);
    // Unreachable: to be asked again.
    let msg = error_message!(launcher.find_by_run("run-a").await, Unreachable);
    assert!(msg.contains(&dead), "{msg}");
    // A standby that knows no active RM is no answer either.
    let lost = lost_standby_rm().await;
    let launcher = yarn_launcher(&homes.yarn, &lost.base_url, &[], 30);
    assert!(matches!(
        launcher.find_by_run("run-a").await,
        Err(LaunchError::Unreachable(_))
    ));
}

#[tokio::test]
async fn find_by_run_is_none_for_standalone_and_local() {
    let rm = rm_running_the_app_of("run-a");
    let server = rm.start().await;
    let modes = [
        ClusterMode::Standalone {
            master_url: "spark://127.0.0.1:7077".into(),
            rest_url: format!("http://127.0.0.1:{}", free_port()),
        },
        ClusterMode::Local {
            master: "local[1]".into(),
        },
    ];
    for mode in modes {
        let launcher = SparkLauncher::new(LauncherConfig {
            mode: mode.clone(),
            yarn: YarnConfig {
                resource_managers: vec![server.base_url.clone()],
                ..YarnConfig::default()
            },
            ..LauncherConfig::default()
        })
        .expect("valid config");
        assert_eq!(
            launcher.find_by_run("run-a").await.expect("lookup"),
            None,
            "{mode:?}"
        );
    }
    assert!(
        server.requests().is_empty(),
        "only YARN runs are looked up on the RM"
    );
}

#[tokio::test]
async fn a_timed_out_spark_submit_whose_application_yarn_has_is_followed() {
    let homes = fake_homes();
    let request = yarn_request(vec![]);
    let rm = rm_running_the_app_of(&request.run_id);
    let server = rm.start().await;
    let launcher = yarn_launcher(&homes.hung_silent, &server.base_url, &[], 1);
    let started = Instant::now();
    let handle = launcher
        .submit(&request)
        .await
        .expect("YARN has the run's application: the submit went through");
    assert_cut_short(started);
    assert_eq!(handle.backend, LauncherBackend::Yarn);
    assert_eq!(handle.application_id, APP_OK);
    assert_eq!(
        tag_lookups(&server),
        vec![format!(
            "/ws/v1/cluster/apps?applicationTags={}",
            run_tag(&request.run_id)
        )]
    );
    assert_running(launcher.status(&handle).await);
}

#[tokio::test]
async fn a_timed_out_spark_submit_without_an_application_fails_naming_the_tag() {
    let homes = fake_homes();
    let request = yarn_request(vec![]);
    let tag = run_tag(&request.run_id);
    // The RM knows an application of another run only.
    let rm = rm_running_the_app_of("some-other-run");
    let server = rm.start().await;
    let launcher = yarn_launcher(&homes.hung_silent, &server.base_url, &[], 1);
    let msg = error_message!(launcher.submit(&request).await, Submit);
    assert!(msg.starts_with(TIMED_OUT), "{msg}");
    assert!(
        msg.contains(&format!("no YARN application carries the run's tag {tag}")),
        "{msg}"
    );
    assert_eq!(tag_lookups(&server).len(), 1);
}

#[tokio::test]
async fn a_spark_submit_failing_without_an_id_whose_application_yarn_has_is_followed() {
    let homes = fake_homes();
    for home in [&homes.failing_without_id, &homes.silent] {
        let request = yarn_request(vec![]);
        let rm = rm_running_the_app_of(&request.run_id);
        let server = rm.start().await;
        let launcher = yarn_launcher(home, &server.base_url, &[], 30);
        let handle = launcher
            .submit(&request)
            .await
            .unwrap_or_else(|e| panic!("{}: YARN has the application: {e}", home.display()));
        assert_eq!(handle.application_id, APP_OK, "{}", home.display());
        assert_eq!(
            handle.tracking_url.as_deref(),
            Some("http://rm2.example.com:8088/proxy/application_1700000000000_0042/")
        );
    }
}

#[tokio::test]
async fn a_spark_submit_failing_without_an_id_and_without_an_application_keeps_its_error() {
    let homes = fake_homes();
    let request = yarn_request(vec![]);
    let tag = run_tag(&request.run_id);
    let rm = FakeRm::new(&[]);
    let server = rm.start().await;
    let launcher = yarn_launcher(&homes.failing_without_id, &server.base_url, &[], 30);
    let msg = error_message!(launcher.submit(&request).await, Submit);
    let first = msg.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(
            "spark-submit exited with code 1: Exception in thread \"main\" java.io.IOException"
        ),
        "{msg}"
    );
    assert!(
        first.ends_with(&format!(
            "no YARN application carries the run's tag {tag}, so YARN did not accept one"
        )),
        "the note belongs to the headline: {msg}"
    );
    assert!(
        msg.contains("at org.apache.hadoop.ipc.Client.call"),
        "spark-submit's output is kept: {msg}"
    );
    assert_eq!(tag_lookups(&server).len(), 1);
}
