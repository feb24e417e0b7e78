//! Replace-job-and-trigger transactions per second and their latency
//! (p50, p99) on SQLite, on MariaDB and on PostgreSQL.
//!
//! `cargo bench -p cdp-spark-jobstore --bench replace_job` (MariaDB is
//! measured when `CDP_TEST_MYSQL_URL` names a server, e.g. after
//! `source scripts/mariadb.sh && mariadb_start`, PostgreSQL when
//! `CDP_TEST_PG_URL` does, after `source scripts/postgres.sh &&
//! postgres_start`; scripts/bench-store.sh does all three). `CDP_BENCH_OPS` sets the transactions per scenario (default 2000).
//! Under `cargo test` (no `--bench` argument) every scenario runs a few
//! transactions only, as a smoke test.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cdp_spark_domain::descriptor::PositiveCount;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, MisfireInstruction, SparkJobSpec, TriggerDefinition, TriggerSchedule,
    TriggerState,
};
use cdp_spark_domain::ports::JobStorePort;
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use chrono::{TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, PgConnection};

fn pair(group: &str, name: &str, version: usize) -> (JobDefinition, TriggerDefinition) {
    let job = JobDefinition {
        key: JobKey::new(group, name),
        component_id: format!("urn:dmb:cmp:bench:0:{name}"),
        description: Some("benchmark job".into()),
        spec: SparkJobSpec {
            queue: Some("root.bench".parse().expect("queue")),
            args: vec!["--version".into(), version.to_string()],
            dependencies: vec!["hdfs://nameservice1/apps/lib/common.jar"
                .parse()
                .expect("dependency")],
            driver_memory: Some("2g".parse().expect("memory")),
            executor_memory: Some("4g".parse().expect("memory")),
            num_executors: PositiveCount::new(4),
            conf: BTreeMap::from([("spark.sql.shuffle.partitions".into(), "64".into())]),
            ..SparkJobSpec::new(
                "hdfs://nameservice1/apps/bench/app-1.0.jar"
                    .parse()
                    .expect("jar"),
                "com.acme.bench.Main".parse().expect("class name"),
            )
        },
        non_concurrent: true,
        run_policy: Default::default(),
    };
    let start = Utc
        .with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    let trigger = TriggerDefinition {
        key: job.key.scheduled_trigger_key(),
        job_key: job.key.clone(),
        schedule: TriggerSchedule::Cron {
            cron_expression: "0 0 3 * * ?".parse().expect("a valid cron expression"),
            time_zone: "Europe/Rome".parse().expect("a known time zone"),
            start_time: start,
            end_time: None,
        },
        next_fire_time: Some(start + chrono::Duration::hours(2)),
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    };
    (job, trigger)
}

struct Figures {
    ops: usize,
    wall: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
    fn percentile(&self, p: f64) -> Duration {
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i.min(self.latencies.len() - 1)]
    }
}

/// `ops` replaces spread over `clients` tasks; `same_key`: all on one
/// component (contended), otherwise one component per client.
async fn scenario(store: &DieselJobStore, ops: usize, clients: usize, same_key: bool) -> Figures {
    let store = Arc::new(store.clone());
    let per_client = ops / clients;
    let started = Instant::now();
    let mut handles = Vec::new();
    for c in 0..clients {
        let store = Arc::clone(&store);
        handles.push(tokio::spawn(async move {
            let name = if same_key {
                "contended".to_string()
            } else {
                format!("job-{c}")
            };
            let mut latencies = Vec::with_capacity(per_client);
            for v in 0..per_client {
                let (job, trigger) = pair("urn:dmb:dp:bench:0", &name, v);
                let t = Instant::now();
                if let Err(e) = store.replace_job(&job, Some(trigger)).await {
                    eprintln!("replace failed: {e}");
                    std::process::exit(1);
                }
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::with_capacity(ops);
    for h in handles {
        match h.await {
            Ok(l) => latencies.extend(l),
            Err(e) => {
                eprintln!("a benchmark task failed: {e}");
                std::process::exit(1);
            }
        }
    }
    let wall = started.elapsed();
    latencies.sort_unstable();
    Figures {
        ops: latencies.len(),
        wall,
        latencies,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run_backend(label: &str, config: StoreConfig, ops: usize) {
    let store = match DieselJobStore::open(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{label}: cannot open the store: {e}");
            std::process::exit(1);
        }
    };
    // Warm up: pool connections, table pages.
    scenario(&store, 40.min(ops), 4.min(ops), false).await;
    for (clients, same_key) in [(1, false), (8, false), (8, true)] {
        let f = scenario(&store, ops, clients, same_key).await;
        println!(
            "{label:<10} clients={clients} {:<13} ops={:>5}  {:>8.1} tx/s  p50 {:>7.2} ms  p99 {:>7.2} ms",
            if same_key { "same-job" } else { "job-per-client" },
            f.ops,
            f.ops as f64 / f.wall.as_secs_f64(),
            ms(f.percentile(0.50)),
            ms(f.percentile(0.99)),
        );
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let ops = if bench {
        std::env::var("CDP_BENCH_OPS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000)
    } else {
        16
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start a runtime: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(async {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("cannot make a temporary directory: {e}");
                std::process::exit(1);
            }
        };
        run_backend("SQLite", StoreConfig::sqlite_in(dir.path()), ops).await;
        match cdp_spark_testkit::mariadb::optional_server_url() {
            Some(server) => {
                let name = format!("cdp_bench_{}", std::process::id());
                let created = MysqlConnection::establish(&server)
                    .map_err(|e| e.to_string())
                    .and_then(|mut c| {
                        c.batch_execute(&format!("CREATE DATABASE `{name}`"))
                            .map_err(|e| e.to_string())
                            .map(|_| c)
                    });
                let mut admin = match created {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("MariaDB at {server}: {e}");
                        std::process::exit(1);
                    }
                };
                run_backend(
                    "MariaDB",
                    StoreConfig::with_url(format!("{server}/{name}")),
                    ops,
                )
                .await;
                let _ = admin.batch_execute(&format!("DROP DATABASE `{name}`"));
            }
            None => println!(
                "MariaDB: skipped (CDP_TEST_MYSQL_URL is not set; see scripts/bench-store.sh)"
            ),
        }
        match cdp_spark_testkit::postgres::optional_server_url() {
            Some(server) => {
                let name = format!("cdp_bench_{}", std::process::id());
                let created = PgConnection::establish(&format!("{server}/postgres"))
                    .map_err(|e| e.to_string())
                    .and_then(|mut c| {
                        c.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                            .map_err(|e| e.to_string())
                            .map(|_| c)
                    });
                let mut admin = match created {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("PostgreSQL at {server}: {e}");
                        std::process::exit(1);
                    }
                };
                run_backend(
                    "PostgreSQL",
                    StoreConfig::with_url(format!("{server}/{name}")),
                    ops,
                )
                .await;
                let _ = admin.batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"));
            }
            None => println!(
                "PostgreSQL: skipped (CDP_TEST_PG_URL is not set; see scripts/bench-store.sh)"
            ),
        }
    });
}
