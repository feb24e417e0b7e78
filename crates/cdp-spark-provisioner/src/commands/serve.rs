//! `serve`: load the layered configuration, open the job store, wire the
//! adapters into the use cases and serve the HTTP API until SIGTERM or
//! SIGINT, letting in-flight requests and asynchronous operations finish.

use std::io::{IsTerminal, Write};
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use anyhow::Context;
use tracing::{info, warn};
use tracing_subscriber::EnvFilter;

use cdp_spark_domain::ports::{JobStorePort, OperationStorePort};
use cdp_spark_domain::usecases::{Provisioner, UseCaseSettings};
use cdp_spark_hdfs::ArtifactFs;
use cdp_spark_jobstore::DieselJobStore;

use super::EXIT_USAGE_OR_IO;
use crate::cli::{LogFormat, ServeArgs};
use crate::config::{LogFormatSetting, Overrides, Settings};
use crate::http::metrics::Metrics;
use crate::http::operations::Operations;
use crate::http::{self, AppState, HttpOptions};

pub fn run(args: ServeArgs, log_format: LogFormat, verbose: u8) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        config_file: args.config,
        bind: args.bind,
        data_dir: args.data_dir,
    };
    let settings = match Settings::load(&overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "cdp-spark-provisioner did not start: fix the configuration and start it again"
            );
            return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    };
    init_logs(&settings, log_format, verbose);

    let system = actix_web::rt::System::new();
    system.block_on(serve(settings))
}

fn init_logs(settings: &Settings, log_format: LogFormat, verbose: u8) {
    let level = match verbose {
        0 => settings.log.level.clone(),
        1 => "info".to_string(),
        _ => "debug".to_string(),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let json = log_format == LogFormat::Json || settings.log.format == LogFormatSetting::Json;
    let outcome = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
    if let Err(e) = outcome {
        eprintln!("warning: logs could not be set up: {e}");
    }
}

async fn serve(settings: Settings) -> anyhow::Result<ExitCode> {
    let bind = settings.bind_addr()?;
    let fs = match ArtifactFs::from_config(&settings.hdfs) {
        Ok(fs) => fs,
        Err(e) => {
            eprintln!("error: HDFS cannot be set up: {e}; fix the [hdfs] section (or set hdfs.enabled = false to read local jars only)");
            eprintln!(
                "cdp-spark-provisioner did not start: fix the configuration and start it again"
            );
            return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    };
    info!(hdfs = %fs.describe(), "jar access");
    let store_config = settings.store.to_store_config();
    info!(database = %settings.store.redacted_url(), "opening the job store");
    let store = match DieselJobStore::open(store_config).await {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!(
                "error: the job store at {} could not be opened: {e}; check store.url (CDP_SPARK_PROVISIONER__STORE__URL) and that the database is reachable",
                settings.store.redacted_url()
            );
            eprintln!("cdp-spark-provisioner did not start");
            return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    };
    let jobs: Arc<dyn JobStorePort> = store.clone();
    let operation_store: Arc<dyn OperationStorePort> = store;

    let provisioner = Provisioner::new(
        Arc::new(fs),
        jobs,
        UseCaseSettings {
            descriptor: settings.descriptor.to_domain(),
            public_base_url: settings.server.public_base_url.clone(),
        },
    );
    let operations = Arc::new(Operations::new(
        operation_store,
        Duration::from_secs(settings.asynchronous.abandon_after_secs),
    ));
    operations.spawn_purger(Duration::from_secs(
        settings.asynchronous.retention_hours * 3600,
    ));
    let state = web::Data::new(AppState {
        provisioner,
        operations: Arc::clone(&operations),
        metrics: Arc::new(Metrics::new()),
        asynchronous: settings.asynchronous.clone(),
    });

    let listener = TcpListener::bind(bind).with_context(|| {
        format!("server.bind: cannot listen on {bind}; is another process using the port? (use --bind ADDR:PORT)")
    })?;
    let local = listener.local_addr().context("reading the bound address")?;
    let shutdown = Duration::from_secs(settings.server.shutdown_timeout_secs);
    let server = http::server(
        state,
        HttpOptions {
            body_limit_bytes: settings.server.body_limit_bytes,
            auth: settings.auth.clone(),
        },
        listener,
        settings.server.workers,
        shutdown,
    )?;
    info!(
        address = %local,
        database = %settings.store.redacted_url(),
        async_provision = settings.asynchronous.provision,
        async_unprovision = settings.asynchronous.unprovision,
        coordinator_auth = settings.auth.coordinator_token.is_some(),
        status_auth = settings.auth.status_token.is_some(),
        trigger_auth = settings.auth.effective_trigger_token().is_some(),
        "cdp-spark-provisioner serving"
    );
    // The one line on standard output: where to reach the server (tests
    // and scripts read it when the port was 0).
    println!("cdp-spark-provisioner listening on http://{local}");
    let _ = std::io::stdout().flush();

    server.await.context("the HTTP server failed")?;
    let left = operations.drain(shutdown).await;
    if left > 0 {
        warn!(left, "stopped with asynchronous operations still running; their tokens will answer FAILED once abandoned");
    }
    info!("cdp-spark-provisioner stopped");
    Ok(ExitCode::SUCCESS)
}
