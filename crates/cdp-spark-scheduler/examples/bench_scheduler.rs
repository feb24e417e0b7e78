//! Scheduler benchmark ([`cdp_spark_scheduler::bench`]): N jobs firing every
//! second (`* * * * * ?`) on the given database, a launcher that only
//! records, for S seconds. Prints fires/s, fire lateness (launcher call −
//! scheduled time) p50/p99/max and peak RSS, ending with
//! `fires_per_s=… p50_ms=… p99_ms=… max_ms=… rss_mb=…`.
//! The same as `cdp-spark-provisioner bench scheduler`.
//!
//! `cargo run --release -p cdp-spark-scheduler --example bench_scheduler --
//!  --triggers 2000 --seconds 30 --database-url mysql://root@127.0.0.1:3306/bench [--instances 3]`

use std::sync::Arc;
use std::time::Duration;

use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use cdp_spark_scheduler::bench::{run_bench, BenchOptions};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn num<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> Result<T, String> {
    match arg(args, name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{name} '{v}' is not a number")),
    }
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let d = BenchOptions::default();
    let options = BenchOptions {
        triggers: num(&args, "--triggers", d.triggers)?,
        seconds: num(&args, "--seconds", d.seconds)?,
        instances: num(&args, "--instances", d.instances)?,
        batch_size: num(&args, "--batch", d.batch_size)?,
        look_ahead: Duration::from_millis(num(&args, "--look-ahead-ms", 300)?),
    };
    let url = arg(&args, "--database-url")
        .ok_or("--database-url is required (mysql://… or a SQLite file path)")?;
    let mut config = StoreConfig::with_url(url);
    config.max_connections = 8;
    let store = Arc::new(
        DieselJobStore::open(config)
            .await
            .map_err(|e| e.to_string())?,
    );
    let report = run_bench(store, options).await?;
    println!("{}", report.detail_line());
    println!("{}", report.summary_line());
    Ok(())
}
