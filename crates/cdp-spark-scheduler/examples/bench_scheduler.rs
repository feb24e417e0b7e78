//! Scheduler benchmark: N jobs firing every second (`* * * * * ?`) on the
//! given database, a launcher that only records, for S seconds. Prints
//! fires/s, fire lateness (launcher call − scheduled time) p50/p99/max and
//! peak RSS, ending with
//! `fires_per_s=… p50_ms=… p99_ms=… max_ms=… rss_mb=…`.
//!
//! `cargo run --release -p cdp-spark-scheduler --example bench_scheduler --
//!  --triggers 2000 --seconds 30 --database-url mysql://root@127.0.0.1:3306/bench [--instances 3]`

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdp_spark_domain::clock::SystemClock;
use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, MisfireInstruction, RunPolicy, SparkJobSpec, TriggerDefinition,
    TriggerSchedule, TriggerState,
};
use cdp_spark_domain::ports::JobStorePort;
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use cdp_spark_scheduler::recording::RecordingLauncher;
use cdp_spark_scheduler::{Scheduler, SchedulerConfig};
use chrono::{DurationRound, Utc};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let triggers: usize = arg(&args, "--triggers")
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seconds: u64 = arg(&args, "--seconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let instances: usize = arg(&args, "--instances")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let url = arg(&args, "--database-url")
        .ok_or("--database-url is required (mysql://… or a SQLite file path)")?;
    let mut config = StoreConfig::with_url(url);
    config.max_connections = 8;
    let store = Arc::new(
        DieselJobStore::open(config)
            .await
            .map_err(|e| e.to_string())?,
    );
    let start = Utc::now() + chrono::Duration::seconds(3);
    let start = start
        .duration_trunc(chrono::Duration::seconds(1))
        .map_err(|e| e.to_string())?;
    for i in 0..triggers {
        let key = JobKey::new("urn:dmb:dp:bench:0", format!("job{i:05}"));
        let job = JobDefinition {
            key: key.clone(),
            component_id: format!("urn:dmb:cmp:bench:0:job{i:05}"),
            description: None,
            spec: SparkJobSpec {
                jar: "hdfs://ns1/bench.jar".into(),
                class_name: "Bench".into(),
                ..SparkJobSpec::default()
            },
            non_concurrent: false,
            run_policy: RunPolicy {
                concurrency: ConcurrencyPolicy::Allow,
                ..RunPolicy::default()
            },
        };
        let trigger = TriggerDefinition {
            key: key.scheduled_trigger_key(),
            job_key: key,
            schedule: TriggerSchedule::Cron {
                cron_expression: "* * * * * ?".into(),
                time_zone: "UTC".into(),
                start_time: start,
                end_time: None,
            },
            next_fire_time: Some(start),
            previous_fire_time: None,
            state: TriggerState::Waiting,
            misfire_instruction: MisfireInstruction::FireOnceNow,
            priority: 5,
        };
        store
            .replace_job(&job, Some(trigger))
            .await
            .map_err(|e| e.to_string())?;
    }
    let fires = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for n in 0..instances {
        let mut c = SchedulerConfig::new(format!("bench-{n}-{}", std::process::id()));
        c.follow_interval = Duration::from_millis(1000);
        c.batch_size = arg(&args, "--batch")
            .and_then(|v| v.parse().ok())
            .unwrap_or(500);
        c.look_ahead = Duration::from_millis(
            arg(&args, "--look-ahead-ms")
                .and_then(|v| v.parse().ok())
                .unwrap_or(300),
        );
        handles.push(Scheduler::start(
            c,
            store.clone(),
            store.clone(),
            Arc::new(RecordingLauncher::new(
                format!("bench-{n}"),
                Arc::clone(&fires),
            )),
            Arc::new(SystemClock),
        )?);
    }
    let window_start = start + chrono::Duration::seconds(1);
    let window_end = window_start + chrono::Duration::seconds(seconds as i64);
    let wait = (window_end - Utc::now() + chrono::Duration::seconds(2))
        .to_std()
        .unwrap_or(Duration::ZERO);
    tokio::time::sleep(wait).await;
    for h in handles {
        h.stop().await;
    }
    let fires = fires.lock().map_err(|_| "poisoned")?.clone();
    let mut lateness: Vec<i64> = fires
        .iter()
        .filter(|f| f.scheduled_fire_time >= window_start && f.scheduled_fire_time < window_end)
        .map(|f| (f.submitted_at - f.scheduled_fire_time).num_milliseconds())
        .collect();
    lateness.sort_unstable();
    let fires_per_s = lateness.len() as f64 / seconds as f64;
    let (p50, p99, max) = (
        percentile(&lateness, 0.5),
        percentile(&lateness, 0.99),
        lateness.last().copied().unwrap_or(0),
    );
    let rss = peak_rss_mb();
    println!(
        "triggers={triggers} instances={instances} seconds={seconds} fires={} expected={}",
        lateness.len(),
        triggers as u64 * seconds
    );
    println!("fires_per_s={fires_per_s:.1} p50_ms={p50} p99_ms={p99} max_ms={max} rss_mb={rss:.1}");
    Ok(())
}
