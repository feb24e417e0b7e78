//! How fast the web console's jobs page loads with a full store: 1,000
//! jobs (each with a cron trigger: one in ten late, one in 25 paused) and
//! 100,000 runs (100 per job) in SQLite, `serve` on 127.0.0.1, then the
//! page as a browser loads it (`GET /ui/`, then the API call its script
//! makes, `GET /v1/scheduler/jobs`: 200 jobs, 10 runs each), one after the
//! other; every job at once (`limit=1000`); and each filtered view: "failing
//! now" (`state=FAILING`), "did not run when expected" (`LATE`), paused,
//! never run, a run state, a data product, a data product's failing jobs.
//! Prints the median and p95 of each.
//!
//! `cargo bench -p cdp-spark-provisioner --bench console`
//! (`CDP_BENCH_JOBS`, `CDP_BENCH_RUNS_PER_JOB`, `CDP_BENCH_ROUNDS` change
//! the sizes). Under `cargo test` (no `--bench` argument) a small store and
//! a few rounds, as a smoke test.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cdp_spark_domain::model::{
    JobDefinition, JobKey, MisfireInstruction, SparkJobSpec, TriggerDefinition, TriggerSchedule,
    TriggerState,
};
use cdp_spark_domain::ports::JobStorePort;
use cdp_spark_jobstore::{DieselJobStore, StoreConfig, DEFAULT_SCHED_NAME, DEFAULT_TABLE_PREFIX};
use chrono::{TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

fn fail(what: &str) -> ! {
    eprintln!("console bench: {what}");
    std::process::exit(1)
}

fn number(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pair(i: usize) -> (JobDefinition, TriggerDefinition) {
    let job = JobDefinition {
        key: JobKey::new(
            format!("urn:dmb:dp:bench:{}", i % 20),
            format!("job-{i:04}"),
        ),
        component_id: format!("urn:dmb:cmp:bench:{}:job-{i:04}", i % 20),
        description: Some("benchmark job".into()),
        spec: SparkJobSpec {
            conf: BTreeMap::from([("spark.sql.shuffle.partitions".into(), "64".into())]),
            ..SparkJobSpec::new(
                "hdfs://nameservice1/apps/bench/app-1.0.jar"
                    .parse()
                    .unwrap_or_else(|_| fail("jar")),
                "com.acme.bench.Main"
                    .parse()
                    .unwrap_or_else(|_| fail("class")),
            )
        },
        non_concurrent: true,
        run_policy: Default::default(),
    };
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    let trigger = TriggerDefinition {
        key: job.key.scheduled_trigger_key(),
        job_key: job.key.clone(),
        schedule: TriggerSchedule::Cron {
            cron_expression: "0 0/15 * * * ?".parse().unwrap_or_else(|_| fail("cron")),
            time_zone: "Europe/Rome".parse().unwrap_or_else(|_| fail("zone")),
            start_time: start,
            end_time: None,
        },
        next_fire_time: Some(Utc::now() + chrono::Duration::minutes(15)),
        // Every job's last run is the fire 15 minutes ago; one in ten fired
        // 5 minutes ago without a run (late).
        previous_fire_time: Some(
            Utc::now() - chrono::Duration::minutes(if i.is_multiple_of(10) { 5 } else { 15 }),
        ),
        state: if i.is_multiple_of(25) {
            TriggerState::Paused
        } else {
            TriggerState::Waiting
        },
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    };
    (job, trigger)
}

/// The runs, inserted in one transaction (100 rows a statement).
fn insert_runs(path: &std::path::Path, jobs: &[JobKey], per_job: usize) {
    let mut conn = SqliteConnection::establish(&path.display().to_string())
        .unwrap_or_else(|e| fail(&format!("open {}: {e}", path.display())));
    let now = Utc::now().timestamp_millis();
    let states = [
        "SUCCEEDED",
        "SUCCEEDED",
        "SUCCEEDED",
        "FAILED",
        "KILLED",
        "SKIPPED",
    ];
    let mut rows = Vec::with_capacity(100);
    let mut sql = String::from("BEGIN;");
    let flush = |rows: &mut Vec<String>, sql: &mut String| {
        if !rows.is_empty() {
            sql.push_str(&format!(
                "INSERT INTO {DEFAULT_TABLE_PREFIX}CDP_RUNS (SCHED_NAME, RUN_ID, JOB_NAME, JOB_GROUP, \
                 TRIGGER_NAME, TRIGGER_GROUP, SCHEDULED_FIRE_TIME, ACTUAL_FIRE_TIME, APPLICATION_ID, \
                 TRACKING_URL, STATE, FINAL_STATUS, CREATED_AT, UPDATED_AT, ENDED_AT, ERROR_TEXT) VALUES {};",
                rows.join(",")
            ));
            rows.clear();
        }
    };
    for (j, key) in jobs.iter().enumerate() {
        for r in 0..per_job {
            let fired = now - ((per_job - r) as i64) * 900_000;
            let state = states[(j + r) % states.len()];
            rows.push(format!(
                "('{DEFAULT_SCHED_NAME}','run-{j}-{r}','{}','{}','{}Trigger','{}',{fired},{fired},\
                 'application_1_{j}{r}',NULL,'{state}','{state}',{fired},{fired},{},NULL)",
                key.name,
                key.group,
                key.name,
                key.group,
                fired + 60_000 + (r as i64 % 7) * 10_000
            ));
            if rows.len() == 100 {
                flush(&mut rows, &mut sql);
            }
        }
    }
    flush(&mut rows, &mut sql);
    sql.push_str("COMMIT;");
    conn.batch_execute(&sql)
        .unwrap_or_else(|e| fail(&format!("insert runs: {e}")));
}

fn start_server(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"))
        .arg("serve")
        .arg("--bind")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(dir)
        .env("CDP_SPARK_PROVISIONER__SCHEDULER__ENABLED", "false")
        .env("CDP_SPARK_PROVISIONER__LOG__LEVEL", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| fail(&format!("start serve: {e}")));
    let stdout = child.stdout.take().unwrap_or_else(|| fail("no stdout"));
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(addr) = line.strip_prefix("cdp-spark-provisioner listening on ") {
                    break addr.trim().to_string();
                }
            }
            _ => fail("serve ended before it listened"),
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    (child, base)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn figures(label: &str, mut times: Vec<Duration>, bytes: usize) {
    times.sort_unstable();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label:<58} median {:>7.2} ms   p95 {:>7.2} ms   ({} rounds, {} KiB)",
        ms(at(0.5)),
        ms(at(0.95)),
        times.len(),
        bytes / 1024
    );
}

async fn get(client: &reqwest::Client, url: &str) -> usize {
    match client.get(url).send().await {
        Ok(r) if r.status().is_success() => r.bytes().await.map(|b| b.len()).unwrap_or(0),
        Ok(r) => fail(&format!("GET {url}: {}", r.status())),
        Err(e) => fail(&format!("GET {url}: {e}")),
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let jobs = number("CDP_BENCH_JOBS", if bench { 1000 } else { 20 });
    let per_job = number("CDP_BENCH_RUNS_PER_JOB", if bench { 100 } else { 5 });
    let rounds = number("CDP_BENCH_ROUNDS", if bench { 100 } else { 3 });
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&format!("temporary folder: {e}")));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(&format!("runtime: {e}")));
    runtime.block_on(async {
        let filled = Instant::now();
        let store = DieselJobStore::open(StoreConfig::sqlite_in(dir.path()))
            .await
            .unwrap_or_else(|e| fail(&format!("open the store: {e}")));
        let mut keys = Vec::with_capacity(jobs);
        for i in 0..jobs {
            let (job, trigger) = pair(i);
            store
                .replace_job(&job, Some(trigger))
                .await
                .unwrap_or_else(|e| fail(&format!("store job {i}: {e}")));
            keys.push(job.key);
        }
        drop(store);
        insert_runs(&dir.path().join("jobstore.sqlite3"), &keys, per_job);
        println!(
            "console bench: {jobs} jobs and {} runs stored in SQLite in {:.1} s",
            jobs * per_job,
            filled.elapsed().as_secs_f64()
        );
        let (mut child, base) = start_server(dir.path());
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_else(|e| fail(&format!("client: {e}")));
        for (label, api) in [
            (
                "GET /ui/ + GET /v1/scheduler/jobs (the page: 200 jobs)",
                "/v1/scheduler/jobs",
            ),
            (
                "GET /ui/ + GET /v1/scheduler/jobs?limit=1000 (every job)",
                "/v1/scheduler/jobs?limit=1000",
            ),
            (
                "GET /ui/ + GET /v1/scheduler/jobs?state=FAILING (a view)",
                "/v1/scheduler/jobs?state=FAILING",
            ),
            ("  ... ?state=LATE", "/v1/scheduler/jobs?state=LATE"),
            ("  ... ?state=PAUSED", "/v1/scheduler/jobs?state=PAUSED"),
            (
                "  ... ?state=NEVER_RUN",
                "/v1/scheduler/jobs?state=NEVER_RUN",
            ),
            (
                "  ... ?state=SUCCEEDED",
                "/v1/scheduler/jobs?state=SUCCEEDED",
            ),
            (
                "  ... ?dataProduct=<one of 20>",
                "/v1/scheduler/jobs?dataProduct=urn:dmb:dp:bench:3",
            ),
            (
                "  ... ?dataProduct=<one of 20>&state=FAILING",
                "/v1/scheduler/jobs?dataProduct=urn:dmb:dp:bench:3&state=FAILING",
            ),
        ] {
            let page = format!("{base}/ui/");
            let api = format!("{base}{api}");
            for _ in 0..3 {
                get(&client, &page).await;
                get(&client, &api).await;
            }
            let mut times = Vec::with_capacity(rounds);
            let mut bytes = 0;
            for _ in 0..rounds {
                let t = Instant::now();
                bytes = get(&client, &page).await + get(&client, &api).await;
                times.push(t.elapsed());
            }
            figures(label, times, bytes);
        }
        let _ = child.kill();
        let _ = child.wait();
    });
}
