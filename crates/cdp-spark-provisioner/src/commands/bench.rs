//! `bench scheduler`: the scheduler benchmark of
//! [`cdp_spark_scheduler::bench`] on a real database.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use cdp_spark_scheduler::bench::{run_bench, BenchOptions};

use super::EXIT_USAGE_OR_IO;
use crate::cli::BenchSchedulerArgs;

pub fn scheduler(args: BenchSchedulerArgs) -> anyhow::Result<ExitCode> {
    let options = BenchOptions {
        triggers: args.triggers,
        seconds: args.seconds,
        instances: args.instances,
        batch_size: args.batch,
        look_ahead: Duration::from_millis(args.look_ahead_ms),
    };
    if let Err(e) = options.validate() {
        eprintln!("error: {e}");
        return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
    }
    if args.max_connections == 0 || args.threads == 0 {
        eprintln!("error: --max-connections and --threads must be at least 1");
        return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
    }
    let mut config = StoreConfig::with_url(args.database_url);
    config.max_connections = args.max_connections;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .max_blocking_threads(args.max_connections as usize + 2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(async {
        let store = DieselJobStore::open(config)
            .await
            .map_err(|e| format!("opening the database (--database-url): {e}"))?;
        run_bench(Arc::new(store), options).await
    });
    match report {
        Ok(report) => {
            println!("{}", report.detail_line());
            println!("{}", report.summary_line());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(EXIT_USAGE_OR_IO))
        }
    }
}
