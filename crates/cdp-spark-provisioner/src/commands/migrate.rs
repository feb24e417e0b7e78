//! `migrate`: create or upgrade the job store's tables.

use std::process::ExitCode;

use anyhow::Context;
use cdp_spark_jobstore::{migrate, StoreConfig};

use crate::cli::MigrateArgs;

pub fn run(args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let mut config = match args.database_url {
        Some(url) => StoreConfig::with_url(url),
        None => StoreConfig::sqlite_in(&args.data_dir),
    };
    config.data_dir = args.data_dir;
    config.table_prefix = args.table_prefix;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let started = std::time::Instant::now();
    let report = runtime
        .block_on(migrate(&config))
        .context("migrating the job store")?;
    println!("{report} ({} ms)", started.elapsed().as_millis());
    Ok(ExitCode::SUCCESS)
}
