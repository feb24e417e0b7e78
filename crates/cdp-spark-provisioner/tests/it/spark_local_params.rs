//! Run parameters, rerun, backfill and the maintenance switches through
//! `serve`, with real Spark in local mode: a jar that records its argv
//! and when it ran (one file per run, in a folder named by the launcher's
//! environment). A manual run with `args`/`conf` passes them to the
//! application as argv elements and shows them on the run; its rerun has
//! the same nominal time and parameters; a dry run creates nothing; a
//! window past `scheduler.backfill_max_runs` is refused with the count; a
//! backfill of 3 fire times with `maxParallel` 1 makes 3 runs, never two at
//! once; pause and resume of a data product's jobs, and of all. Needs
//! `SPARK_HOME` and a JDK, as `spark_local_e2e`.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::*;

/// The application: waits 2 s, then writes its start and end (epoch ms)
/// and each argument on a line of its own to a new file in
/// `$CDP_TEST_OUT`.
fn recording_jar() -> PathBuf {
    let source = "package com.acme.finance.cashflow;\n\
         public class DailyAggregation {\n\
           public static void main(String[] args) throws Exception {\n\
             long start = System.currentTimeMillis();\n\
             Thread.sleep(2000);\n\
             StringBuilder sb = new StringBuilder();\n\
             sb.append(start).append('\\n').append(System.currentTimeMillis()).append('\\n');\n\
             for (String a : args) { sb.append(a).append('\\n'); }\n\
             java.nio.file.Files.write(java.nio.file.Paths.get(System.getenv(\"CDP_TEST_OUT\"),\n\
               java.util.UUID.randomUUID().toString() + \".run\"), sb.toString().getBytes(\"UTF-8\"));\n\
           }\n\
         }\n";
    javajar::compile(
        "params-recording",
        &[("com/acme/finance/cashflow/DailyAggregation.java", source)],
    )
    .jar(javajar::Packing::Deflated)
}

/// One run of the application as it recorded itself.
#[derive(Debug)]
struct Recorded {
    start: u64,
    end: u64,
    args: Vec<String>,
}

fn recorded(dir: &Path) -> Vec<Recorded> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("output folder") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("run file");
        let mut lines = text.lines();
        let start = lines.next().and_then(|l| l.parse().ok()).expect("start");
        let end = lines.next().and_then(|l| l.parse().ok()).expect("end");
        out.push(Recorded {
            start,
            end,
            args: lines.map(str::to_string).collect(),
        });
    }
    out.sort_by_key(|r| r.start);
    out
}

/// The fixture (schedule `0 30 2 ? * MON-FRI` from 2026-01-01, UTC) with
/// the recording jar, a local dependency and small resources.
fn descriptor(app: &Path) -> String {
    let (_, dep) = jars();
    let mut text = fixture_descriptor();
    for (from, to) in [
        (
            "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar",
            app.display().to_string(),
        ),
        (
            "hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar",
            dep.display().to_string(),
        ),
        ("driverMemory: 2g", "driverMemory: 512m".to_string()),
        (
            "spark.dynamicAllocation.enabled: \"false\"",
            "spark.ui.enabled: \"false\"".to_string(),
        ),
    ] {
        let from = from.to_string();
        assert!(text.contains(&from), "the fixture no longer has {from}");
        text = text.replace(&from, &to);
    }
    text
}

const JOB_ARGS: [&str; 4] = [
    "--date",
    "yesterday",
    "--output",
    "/data/finance/cashflow/daily",
];

fn job_path() -> String {
    format!("/v1/scheduler/jobs/{}/{}", seg(FIXTURE_GROUP), FIXTURE_JOB)
}

/// A request and its answer, printed (`--nocapture`) as the route's example.
fn show(request: &str, code: u16, answer: &Value) {
    let text = serde_json::to_string_pretty(answer).unwrap_or_default();
    println!("\n>>> {request}\n<<< {code}\n{text}");
}

async fn runs_of_job(server: &Server) -> Vec<Value> {
    let (code, page) = server
        .get(&format!(
            "/v1/scheduler/runs?job={}/{}&limit=500",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 200, "{page}");
    page["runs"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn parameters_rerun_backfill_and_maintenance_switches_through_serve() {
    let home = std::env::var_os("SPARK_HOME").map(PathBuf::from);
    assert!(
        home.as_ref().is_some_and(|h| h.join("bin/spark-submit").is_file()),
        "SPARK_HOME is not set to a Spark installation ({home:?}): run with SPARK_HOME=$(scripts/install-spark.sh)"
    );
    let started = Instant::now();
    let app = recording_jar();
    let out = tempfile::tempdir().expect("output folder");
    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default()
        .scheduler()
        .env("CDP_SPARK_PROVISIONER__SCHEDULER__IDLE_WAIT_MS", "300")
        .env(
            "CDP_SPARK_PROVISIONER__SCHEDULER__FOLLOW_INTERVAL_MS",
            "300",
        )
        .env("CDP_SPARK_PROVISIONER__SCHEDULER__BACKFILL_MAX_RUNS", "5")
        .env(
            "CDP_SPARK_PROVISIONER__LAUNCHER__EXTRA_ENV",
            &format!(
                "{{SPARK_LOCAL_IP = \"127.0.0.1\", CDP_TEST_OUT = \"{}\"}}",
                out.path().display()
            ),
        )
        .env("CDP_SPARK_PROVISIONER__LAUNCHER__MASTER", "local[1]");
    let server = start_in(&place, &options);
    let (code, body) = server
        .post("/v1/provision", &request(&descriptor(&app)))
        .await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let deadline = Instant::now() + Duration::from_secs(240);

    // A manual run with parameters: argv elements as given, shown on the run.
    let args = json!(["--day", "2026-03-01", "two words", "$(id) && echo x"]);
    let (code, manual) = server
        .post(
            &format!("{}/trigger", job_path()),
            &json!({"args": args, "conf": {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "3"}}),
        )
        .await;
    assert_eq!(code, 202, "{manual}\n{}", server.log());
    show(
        "POST …/trigger {\"args\": [...], \"conf\": {...}}",
        code,
        &manual,
    );
    let manual_id = manual["runId"]
        .as_str()
        .expect("run id at once")
        .to_string();
    let run = run_until_ended(&server, &manual_id, deadline).await;
    assert_eq!(run["state"], "SUCCEEDED", "{run}\n{}", server.log());
    show(&format!("GET /v1/scheduler/runs/{manual_id}"), 200, &run);
    assert_eq!(run["parameters"]["args"], args, "{run}");
    assert_eq!(
        run["parameters"]["conf"]["spark.sql.shuffle.partitions"], "3",
        "{run}"
    );
    let seen = recorded(out.path());
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        seen[0].args,
        ["--day", "2026-03-01", "two words", "$(id) && echo x"],
        "argv as given, no shell"
    );

    // A refused parameter names the field; nothing is queued.
    let before = runs_of_job(&server).await.len();
    let (code, refused) = server
        .post(
            &format!("{}/trigger", job_path()),
            &json!({"conf": {"spark.driver.extraJavaOptions": "-Dx=1"}}),
        )
        .await;
    assert_eq!(code, 400, "{refused}");
    show(
        "POST …/trigger {\"conf\": {\"spark.driver.extraJavaOptions\": \"-Dx=1\"}}",
        code,
        &refused,
    );
    assert_mentions(&refused, "/message", "conf.spark.driver.extraJavaOptions");
    let (code, bad) = server
        .post(&format!("{}/trigger", job_path()), &json!({"args": [1]}))
        .await;
    assert_eq!(code, 400, "{bad}");
    assert_mentions(&bad, "/message", "args[0]");
    assert_eq!(runs_of_job(&server).await.len(), before, "nothing queued");

    // Rerun: same nominal time and parameters, a new run.
    let (code, rerun) = server
        .post_empty(&format!("/v1/scheduler/runs/{manual_id}/rerun"), None)
        .await;
    assert_eq!(code, 202, "{rerun}");
    show(
        &format!("POST /v1/scheduler/runs/{manual_id}/rerun"),
        code,
        &rerun,
    );
    let rerun_id = rerun["runId"].as_str().expect("rerun id").to_string();
    assert_ne!(rerun_id, manual_id);
    assert_eq!(rerun["rerunOf"], manual_id.as_str());
    let again = run_until_ended(&server, &rerun_id, deadline).await;
    assert_eq!(again["state"], "SUCCEEDED", "{again}\n{}", server.log());
    assert_eq!(
        again["scheduledFireTime"], run["scheduledFireTime"],
        "same nominal time"
    );
    assert_eq!(again["parameters"], run["parameters"], "same parameters");
    assert_eq!(recorded(out.path()).len(), 2);
    let (code, missing) = server
        .post_empty("/v1/scheduler/runs/no-such-run/rerun", None)
        .await;
    assert_eq!(code, 404, "{missing}");

    // Backfill: a dry run lists the fire times and creates nothing.
    let before = runs_of_job(&server).await.len();
    let window =
        json!({"from": "2026-03-02T00:00:00Z", "to": "2026-03-04T23:59:59Z", "dryRun": true});
    let (code, dry) = server
        .post(&format!("{}/backfill", job_path()), &window)
        .await;
    assert_eq!(code, 200, "{dry}");
    show(&format!("POST …/backfill {window}"), code, &dry);
    assert_eq!(
        dry["fireTimes"],
        json!([
            "2026-03-02T02:30:00Z",
            "2026-03-03T02:30:00Z",
            "2026-03-04T02:30:00Z"
        ]),
        "{dry}"
    );
    assert_eq!(dry["runIds"], json!([]));
    assert!(dry["backfillId"].is_null(), "{dry}");
    assert_eq!(
        runs_of_job(&server).await.len(),
        before,
        "a dry run creates nothing"
    );
    // Past the bound (5 here): refused with the count.
    let (code, big) = server
        .post(
            &format!("{}/backfill", job_path()),
            &json!({"from": "2026-03-02T00:00:00Z", "to": "2026-03-13T23:59:59Z"}),
        )
        .await;
    assert_eq!(code, 400, "{big}");
    show(
        "POST …/backfill {\"from\": \"2026-03-02T00:00:00Z\", \"to\": \"2026-03-13T23:59:59Z\"}",
        code,
        &big,
    );
    assert_mentions(&big, "/message", "10 fire times");
    assert_eq!(runs_of_job(&server).await.len(), before, "nothing created");

    // The backfill: 3 runs, one at a time.
    let window =
        json!({"from": "2026-03-02T00:00:00Z", "to": "2026-03-04T23:59:59Z", "maxParallel": 1});
    let (code, backfill) = server
        .post(&format!("{}/backfill", job_path()), &window)
        .await;
    assert_eq!(code, 202, "{backfill}");
    show(&format!("POST …/backfill {window}"), code, &backfill);
    let backfill_id = backfill["backfillId"]
        .as_str()
        .expect("backfill id")
        .to_string();
    let ids: Vec<String> = backfill["runIds"]
        .as_array()
        .expect("run ids")
        .iter()
        .map(|v| v.as_str().expect("id").to_string())
        .collect();
    assert_eq!(ids.len(), 3, "{backfill}");
    let mut ended = Vec::new();
    for id in &ids {
        let run = run_until_ended(&server, id, deadline).await;
        assert_eq!(run["state"], "SUCCEEDED", "{run}\n{}", server.log());
        assert_eq!(run["backfillId"], backfill_id.as_str(), "{run}");
        assert!(
            run.get("parameters").is_none(),
            "the job's own parameters: {run}"
        );
        ended.push(run);
    }
    let nominal: Vec<&str> = ended
        .iter()
        .map(|r| r["scheduledFireTime"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        nominal,
        [
            "2026-03-02T02:30:00Z",
            "2026-03-03T02:30:00Z",
            "2026-03-04T02:30:00Z"
        ]
    );
    // Never two at once: as the runs were stored, and as the application ran.
    for pair in ended.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(
            a["endedAt"].as_str() <= b["actualFireTime"].as_str(),
            "oldest first, the next after the previous ended: {a}\n{b}"
        );
    }
    let backfilled: Vec<Recorded> = recorded(out.path())
        .into_iter()
        .filter(|r| r.args == JOB_ARGS)
        .collect();
    assert_eq!(backfilled.len(), 3, "{backfilled:?}");
    for pair in backfilled.windows(2) {
        assert!(pair[0].end <= pair[1].start, "overlap: {pair:?}");
    }

    // Maintenance switches: the data product's jobs, then all.
    let (code, paused) = server
        .post_empty(
            &format!("/v1/scheduler/pause?dataProduct={}", seg(FIXTURE_GROUP)),
            None,
        )
        .await;
    assert_eq!(code, 200, "{paused}");
    show("POST /v1/scheduler/pause?dataProduct=…", code, &paused);
    assert_eq!(
        (
            paused["jobsChanged"].as_u64(),
            paused["triggersChanged"].as_u64()
        ),
        (Some(1), Some(1)),
        "{paused}"
    );
    let (_, job) = server.get(&job_path()).await;
    assert_eq!(job["triggers"][0]["state"], "PAUSED", "{job}");
    let (code, other) = server
        .post(
            "/v1/scheduler/pause",
            &json!({"dataProduct": "urn:dmb:dp:other:0"}),
        )
        .await;
    assert_eq!(code, 200, "{other}");
    assert_eq!(other["triggersChanged"], 0, "another data product: {other}");
    let (code, resumed) = server.post_empty("/v1/scheduler/resume", None).await;
    assert_eq!(code, 200, "{resumed}");
    show("POST /v1/scheduler/resume", code, &resumed);
    assert_eq!(
        (
            resumed["jobsChanged"].as_u64(),
            resumed["triggersChanged"].as_u64()
        ),
        (Some(1), Some(1)),
        "{resumed}"
    );
    assert!(resumed["dataProduct"].is_null());
    let (_, job) = server.get(&job_path()).await;
    assert_eq!(job["triggers"][0]["state"], "WAITING", "{job}");
    println!(
        "parameters, rerun, backfill and switches in {:?}",
        started.elapsed()
    );
}
