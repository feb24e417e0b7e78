//! The whole CDP path on real Hadoop, through `serve`: descriptors whose jar
//! and dependency live on the mini cluster's HDFS (an HA nameservice) are
//! validated by the real NameNodes and DataNode, provisioned, fired by the
//! scheduler, submitted with Spark 4's spark-submit to the mini YARN in
//! cluster mode and followed through the real ResourceManager REST API; each
//! run mirrors its application's final status. A job without a schedule runs
//! on a manual trigger; unprovisioning with `kill_on_unprovision` kills the
//! running application on YARN; a run longer than its job's `maxDuration`
//! has its application killed on YARN and ends `TIMED_OUT`.
//!
//! Needs the plain mini cluster (`CDP_TEST_MINICLUSTER`), `SPARK_HOME` and
//! `CDP_TEST_SPARK_ARCHIVE` (Spark's jars on that HDFS): scripts/test.sh
//! provides all three.

mod support;

use cdp_spark_testkit::minicluster;
use cdp_spark_testkit::spark_apps;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use minicluster::MiniCluster;
use serde_json::Value;
use support::*;

fn spark_home() -> PathBuf {
    match std::env::var_os("SPARK_HOME").map(PathBuf::from) {
        Some(h) if h.join("bin/spark-submit").is_file() => h,
        other => panic!(
            "SPARK_HOME is not set to a Spark installation ({other:?}): run this test with \
             scripts/test.sh, or export SPARK_HOME=$(scripts/install-spark.sh)"
        ),
    }
}

fn spark_archive() -> String {
    std::env::var("CDP_TEST_SPARK_ARCHIVE").unwrap_or_else(|_| {
        panic!(
            "CDP_TEST_SPARK_ARCHIVE is not set: it names Spark's jars zipped on the mini \
             cluster's HDFS (spark.yarn.archive); scripts/test.sh puts them there"
        )
    })
}

/// The fixture as component `urn:...:cashflow:0:{component}`: jar, class,
/// dependency, queue and schedule replaced, small resources.
fn descriptor(component: &str, jar: &str, class: &str, dep: &str, cron: Option<&str>) -> String {
    let mut text = fixture_descriptor();
    let schedule = "          schedule:\n            cronExpression: \"0 30 2 ? * MON-FRI\"\n            startDate: 2026-01-01T00:00:00Z\n            endDate: 2030-12-31T23:59:59Z\n";
    let new_schedule = match cron {
        Some(c) => format!("          schedule:\n            cronExpression: \"{c}\"\n"),
        None => String::new(),
    };
    for (from, to) in [
        (schedule.to_string(), new_schedule),
        (
            "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar"
                .to_string(),
            jar.to_string(),
        ),
        (
            "hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar".to_string(),
            dep.to_string(),
        ),
        (MAIN_CLASS.to_string(), class.to_string()),
        ("daily-aggregation".to_string(), component.to_string()),
        ("queue: root.finance".to_string(), "queue: etl".to_string()),
        (
            "driverMemory: 2g".to_string(),
            "driverMemory: 512m".to_string(),
        ),
        (
            "executorMemory: 4g".to_string(),
            "executorMemory: 512m".to_string(),
        ),
        (
            "executorCores: 2".to_string(),
            "executorCores: 1".to_string(),
        ),
        ("numExecutors: 4".to_string(), "numExecutors: 1".to_string()),
        (
            "spark.dynamicAllocation.enabled: \"false\"".to_string(),
            "spark.ui.enabled: \"false\"".to_string(),
        ),
    ] {
        assert!(text.contains(&from), "the fixture no longer has {from}");
        text = text.replace(&from, &to);
    }
    text
}

fn job_name(component: &str) -> String {
    format!("finance-cashflow-0-{component}-development")
}

fn job_path(component: &str) -> String {
    format!(
        "/v1/scheduler/jobs/{}/{}",
        seg(FIXTURE_GROUP),
        job_name(component)
    )
}

/// The serve configuration an operator of a (simple-auth) CDP cluster
/// writes: HDFS from the gateway's client configuration, YARN cluster mode,
/// Spark's jars from HDFS, the provisioner's identity `cdpprov`.
fn config(cluster: &MiniCluster, dir: &std::path::Path) -> PathBuf {
    let conf = cluster.conf_dir();
    let text = format!(
        r#"
[hdfs]
enabled = true
hadoop_conf_dir = "{conf}"
user = "cdpprov"
timeout_ms = 20000

[scheduler]
enabled = true
idle_wait_ms = 500
follow_interval_ms = 1000
kill_on_unprovision = true

[launcher]
mode = "yarn"
spark_home = "{spark_home}"
hadoop_conf_dir = "{conf}"
resource_managers = ["{rm}"]
yarn_user_name = "cdpprov"
yarn_archive = "{archive}"
submit_timeout_secs = 240
spark_history_url = "http://127.0.0.1:18080/"

[launcher.extra_env]
HADOOP_USER_NAME = "cdpprov"
"#,
        conf = conf.display(),
        spark_home = spark_home().display(),
        rm = cluster.rm_url(),
        archive = spark_archive(),
    );
    let path = dir.join("serve.toml");
    std::fs::write(&path, text).expect("write the serve configuration");
    path
}

/// The application as the ResourceManager reports it.
async fn rm_app(client: &reqwest::Client, cluster: &MiniCluster, app_id: &str) -> Value {
    let url = format!("{}/ws/v1/cluster/apps/{app_id}", cluster.rm_url());
    let res = client
        .get(&url)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let body: Value = res
        .json()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: not JSON: {e}"));
    body["app"].clone()
}

/// Polls the run until it is RUNNING with an application id.
async fn run_until_running(server: &Server, run_id: &str, deadline: Instant) -> Value {
    loop {
        let (code, run) = server.get(&format!("/v1/scheduler/runs/{run_id}")).await;
        assert_eq!(code, 200, "{run}");
        if run["state"] == "RUNNING" && run["applicationId"].is_string() {
            return run;
        }
        assert!(
            ["SUBMITTING", "RUNNING"].contains(&run["state"].as_str().unwrap_or_default()),
            "run {run_id} ended before it was seen running: {run}\n{}",
            server.log()
        );
        assert!(
            Instant::now() < deadline,
            "run {run_id} not running at the deadline: {run}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn trigger(server: &Server, component: &str) -> String {
    let (code, answer) = server
        .post(&format!("{}/trigger", job_path(component)), &Value::Null)
        .await;
    assert_eq!(code, 202, "{answer}");
    answer["runId"]
        .as_str()
        .unwrap_or_else(|| panic!("{component}: no run id in the answer: {answer}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descriptors_on_hdfs_run_on_yarn_and_runs_mirror_their_applications() {
    let cluster = MiniCluster::plain();
    let apps = spark_apps::build(&spark_home());
    let started = Instant::now();

    // The jars on HDFS, where data-product teams put them.
    let dir = format!("/user/cdpprov/e2e-{}", std::process::id());
    cluster.dfs(&["-mkdir", "-p", &dir]);
    cluster.dfs(&[
        "-put",
        "-f",
        &apps.jar.display().to_string(),
        &format!("{dir}/cdptest-apps.jar"),
    ]);
    cluster.dfs(&[
        "-put",
        "-f",
        &apps.dependency_jar.display().to_string(),
        &format!("{dir}/cdptest-dep.jar"),
    ]);
    cluster.dfs(&["-chown", "-R", "cdpprov", &dir]);
    let ns = cluster.hdfs_url().to_string();
    let app_jar = format!("{ns}{dir}/cdptest-apps.jar");
    // The dependency by the default filesystem's short form.
    let dep_jar = format!("hdfs://{dir}/cdptest-dep.jar");

    let place = Place::new(&Db::Sqlite);
    let config = config(&cluster, place.dir.path());
    let mut options = ServerOptions::default().scheduler();
    options.args = vec!["--config".into(), config.display().to_string()];
    let mut server = start_in(&place, &options);
    let client = reqwest::Client::new();

    // A descriptor whose class is not in the jar is refused by validation
    // against the real HDFS, naming the field.
    let (code, body) = server
        .post(
            "/v1/validate",
            &request(&descriptor(
                "yarn-bad-class",
                &app_jar,
                "cdptest.spark.Missing",
                &dep_jar,
                None,
            )),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["valid"], false, "{body}");
    assert!(
        body.to_string().contains("className"),
        "the problem names the field: {body}"
    );

    for (component, class, cron) in [
        (
            "yarn-scheduled",
            "cdptest.spark.NeedsDependency",
            Some("0/15 * * * * ?"),
        ),
        ("yarn-failing", "cdptest.spark.Fail", None),
        ("yarn-manual", "cdptest.spark.Succeed", None),
        ("yarn-sleeping", "cdptest.spark.Sleep", None),
    ] {
        let (code, body) = server
            .post(
                "/v1/provision",
                &request(&descriptor(component, &app_jar, class, &dep_jar, cron)),
            )
            .await;
        assert_eq!(code, 200, "{component}: {body}\n{}", server.log());
    }
    // A job limited to 45 s whose application sleeps 10 minutes.
    let limited = descriptor(
        "yarn-limited",
        &app_jar,
        "cdptest.spark.Sleep",
        &dep_jar,
        None,
    );
    let args = "          args: [\"--date\", \"yesterday\", \"--output\", \"/data/finance/cashflow/daily\"]\n";
    assert!(limited.contains(args), "the fixture's args changed");
    let limited = limited.replace(
        args,
        "          args: [\"600\"]\n          maxDuration: PT45S\n",
    );
    let (code, body) = server.post("/v1/provision", &request(&limited)).await;
    assert_eq!(code, 200, "yarn-limited: {body}\n{}", server.log());
    let deadline = Instant::now() + Duration::from_secs(420);

    // Manual triggers of the jobs without a schedule.
    let failing = trigger(&server, "yarn-failing").await;
    let manual = trigger(&server, "yarn-manual").await;
    let sleeping = trigger(&server, "yarn-sleeping").await;
    let limited = trigger(&server, "yarn-limited").await;

    // Unprovision with kill_on_unprovision kills the running application.
    let running = run_until_running(&server, &sleeping, deadline).await;
    let sleeping_app = running["applicationId"]
        .as_str()
        .expect("application id")
        .to_string();
    // Its links: the RM's application page, the Spark History Server's.
    assert_eq!(
        running["links"]["resourceManager"],
        format!("{}/cluster/app/{sleeping_app}", cluster.rm_url()).as_str(),
        "{running}"
    );
    assert_eq!(
        running["links"]["sparkHistory"],
        format!("http://127.0.0.1:18080/history/{sleeping_app}").as_str(),
        "{running}"
    );
    let (code, body) = server
        .post(
            "/v1/unprovision",
            &request(&descriptor(
                "yarn-sleeping",
                &app_jar,
                "cdptest.spark.Sleep",
                &dep_jar,
                None,
            )),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let run = run_until_ended(&server, &sleeping, deadline).await;
    assert_eq!(run["state"], "KILLED", "{run}\n{}", server.log());
    assert!(
        run["error"]
            .as_str()
            .is_some_and(|e| e.contains("kill_on_unprovision")),
        "the reason names the setting: {run}"
    );
    let app = rm_app(&client, &cluster, &sleeping_app).await;
    assert_eq!(app["state"], "KILLED", "the RM's view: {app}");

    // The limited run: killed on YARN past its 45 s, TIMED_OUT.
    let run = run_until_ended(&server, &limited, deadline).await;
    assert_eq!(run["state"], "TIMED_OUT", "{run}\n{}", server.log());
    let error = run["error"].as_str().unwrap_or_default();
    assert!(
        error.starts_with("ran longer than its maxDuration 45s (started "),
        "the reason names the limit: {run}"
    );
    let limited_app = run["applicationId"]
        .as_str()
        .unwrap_or_else(|| panic!("a YARN run records its application id: {run}"));
    let run_start =
        chrono::DateTime::parse_from_rfc3339(run["actualFireTime"].as_str().expect("start"))
            .expect("a time");
    let ended = chrono::DateTime::parse_from_rfc3339(run["endedAt"].as_str().expect("end"))
        .expect("a time");
    assert!(
        ended - run_start >= chrono::Duration::seconds(45),
        "not before its limit: {run}"
    );
    let app = rm_app(&client, &cluster, limited_app).await;
    assert_eq!(app["state"], "KILLED", "the RM's view: {app}");

    // The scheduled job's first launched run.
    let scheduled = loop {
        let (_, page) = server
            .get(&format!(
                "/v1/scheduler/runs?job={}/{}",
                seg(FIXTURE_GROUP),
                job_name("yarn-scheduled")
            ))
            .await;
        let runs = page["runs"].as_array().cloned().unwrap_or_default();
        if let Some(run) = runs.iter().rev().find(|r| r["state"] != "SKIPPED") {
            break run["runId"].as_str().expect("run id").to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the schedule never fired: {page}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };

    for (run_id, expected) in [
        (&scheduled, "SUCCEEDED"),
        (&manual, "SUCCEEDED"),
        (&failing, "FAILED"),
    ] {
        let run = run_until_ended(&server, run_id, deadline).await;
        assert_eq!(run["state"], expected, "{run}\n{}", server.log());
        // Its log: the driver's from the NodeManager while it still has
        // it, else spark-submit's client output as stored.
        let res = client
            .get(server.url(&format!("/v1/scheduler/runs/{run_id}/logs?tail=100000")))
            .send()
            .await
            .expect("GET logs");
        assert_eq!(res.status().as_u16(), 200);
        let source = res
            .headers()
            .get("x-log-source")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = res.text().await.unwrap_or_default();
        println!("{run_id}: log from {source}, {} bytes", text.len());
        match source.as_str() {
            "yarn-nodemanager" | "yarn-aggregated" => {
                assert!(text.contains("==> stderr <=="), "{text}")
            }
            "spark-submit" => assert!(text.contains("Submitted application"), "{text}"),
            other => panic!("{run_id}: log source {other}: {text}"),
        }
        let app_id = run["applicationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{run_id}: a YARN run records its application id: {run}"));
        assert!(app_id.starts_with("application_"), "{run}");
        // The run mirrors what the ResourceManager says of its application.
        let app = rm_app(&client, &cluster, app_id).await;
        assert_eq!(app["finalStatus"], expected, "RM: {app}\nrun: {run}");
        assert_eq!(run["finalStatus"], expected, "{run}");
        assert_eq!(
            app["user"], "cdpprov",
            "submitted as the provisioner: {app}"
        );
        assert_eq!(app["queue"], "etl", "the descriptor's queue: {app}");
        let tags = app["applicationTags"].as_str().unwrap_or_default();
        assert!(
            tags.contains(&format!("cdp-run-{}", run_id.to_ascii_lowercase())),
            "the application carries its run's tag: {tags}"
        );
        let tracking = run["trackingUrl"].as_str().unwrap_or_default();
        assert!(
            tracking.contains(app_id),
            "the run keeps the application's tracking URL: {run}"
        );
        if expected == "FAILED" {
            let error = run["error"].as_str().unwrap_or_default();
            assert!(
                error.contains("failing on purpose"),
                "the failure says why (YARN's diagnostics): {run}"
            );
        }
    }

    // Once each application has ended, its NodeManager aggregates its
    // logs to HDFS (TFile under /tmp/logs/cdpprov/logs/<appId>/) and drops
    // its own copy: the driver's log is then read from there.
    for (run_id, printed) in [
        (&scheduled, "cdptest.dep.Greeting is on the class path"),
        (&manual, "cdptest.spark.Succeed counted 500"),
        (&failing, "failing on purpose"),
    ] {
        let waiting = Instant::now();
        let (text, asked) = loop {
            let asked = Instant::now();
            let res = client
                .get(server.url(&format!("/v1/scheduler/runs/{run_id}/logs?tail=200000")))
                .send()
                .await
                .expect("GET logs");
            let asked = asked.elapsed();
            let source = res
                .headers()
                .get("x-log-source")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let text = res.text().await.unwrap_or_default();
            if source == "yarn-aggregated" {
                break (text, asked);
            }
            assert!(
                waiting.elapsed() < Duration::from_secs(120),
                "{run_id}: no aggregated log after 120 s (last answer from {source}: {text})\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(1000)).await;
        };
        println!(
            "{run_id}: aggregated log after {:?}, read in {asked:?}, {} bytes",
            waiting.elapsed(),
            text.len()
        );
        assert!(
            text.contains("==> stdout <==") && text.contains("==> stderr <=="),
            "{text}"
        );
        assert!(
            text.contains(printed),
            "{run_id}: the driver printed {printed:?}: {text}"
        );
        // The tail asked for is what comes back, from the end.
        let res = client
            .get(server.url(&format!("/v1/scheduler/runs/{run_id}/logs?tail=300")))
            .send()
            .await
            .expect("GET logs");
        assert_eq!(
            res.headers()
                .get("x-log-source")
                .and_then(|v| v.to_str().ok()),
            Some("yarn-aggregated")
        );
        let short = res.text().await.unwrap_or_default();
        assert!(short.len() <= 300, "{}", short.len());
        // Its stderr part is the end of the whole log's.
        let (_, end) = short
            .split_once("==> stderr <==\n")
            .unwrap_or_else(|| panic!("{run_id}: a stderr heading: {short}"));
        assert!(
            !end.is_empty() && text.ends_with(end),
            "{short}\nvs\n{text}"
        );
    }

    // Stop the schedule, let what runs end, then stop the service.
    let (code, body) = server
        .post_empty(&format!("{}/pause", job_path("yarn-scheduled")), None)
        .await;
    assert_eq!(code, 200, "{body}");
    loop {
        let (_, running) = server.get("/v1/scheduler/runs?state=RUNNING").await;
        let (_, submitting) = server.get("/v1/scheduler/runs?state=SUBMITTING").await;
        if running["runs"].as_array().is_some_and(Vec::is_empty)
            && submitting["runs"].as_array().is_some_and(Vec::is_empty)
        {
            break;
        }
        assert!(Instant::now() < deadline, "runs never ended: {running}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let status = server
        .terminate(Duration::from_secs(30))
        .expect("stopped within 30 s");
    assert!(status.success(), "{status:?}\n{}", server.log());
    cluster.dfs(&["-rm", "-r", "-f", &dir]);
    println!("YARN end to end in {:?}", started.elapsed());
}
