//! `serve`: load the layered configuration, open the job store, wire the
//! adapters into the use cases, start the scheduler engine with the Spark
//! launcher (unless `scheduler.enabled = false`) and serve the HTTP API
//! until SIGTERM or SIGINT, letting in-flight requests, asynchronous
//! operations and launches in progress finish.

use std::io::{IsTerminal, Write};
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use anyhow::Context;
use tracing::{info, warn};
use tracing_subscriber::EnvFilter;

use cdp_spark_domain::clock::SystemClock;
use cdp_spark_domain::model::RunRecord;
use cdp_spark_domain::ports::{
    EngineObserver, EnginePort, JobStorePort, LauncherBackend, OperationStorePort, OutboxPort,
    RunLogStorePort, SchedulerStorePort, SparkLauncherPort,
};
use cdp_spark_domain::redact::{self, Redactor};
use cdp_spark_domain::scheduling::shutdown::{ends_runs_at_shutdown, shutdown_plan};
use cdp_spark_domain::usecases::operations::Settings as OperationSettings;
use cdp_spark_domain::usecases::{
    AggregatedLogSource, JobControl, Provisioner, RunLogs, UseCaseSettings,
};
use cdp_spark_domain::yarnlog::AggregatedLogSettings;
use cdp_spark_jobstore::DieselJobStore;
use cdp_spark_launcher::{ClusterMode, SparkLauncher};
use cdp_spark_notify::{Sender, SenderHandle, SenderObserver, WebhookNotifier};
use cdp_spark_scheduler::{Scheduler, SchedulerHandle};

use super::EXIT_USAGE_OR_IO;
use crate::cli::{LogFormat, ServeArgs};
use crate::config::{LauncherMode, LogFormatSetting, Overrides, Settings, SparkSubmitLocation};
use crate::http::metrics::Metrics;
use crate::http::operations::{self, Operations};
use crate::http::{self, AppState, HttpOptions};
use crate::logging::{Escaping, LogWriter};
use crate::runtime::{EngineWatch, TokioTimer};

pub fn run(args: ServeArgs, log_format: LogFormat, verbose: u8) -> anyhow::Result<ExitCode> {
    let overrides = Overrides {
        config_file: args.config,
        bind: args.bind,
        data_dir: args.data_dir,
    };
    let settings = match Settings::load(&overrides) {
        Ok(s) => s,
        Err(e) => {
            // The configuration may quote a value: the patterns still apply.
            eprintln!("error: {}", redact::text(&e.to_string()));
            eprintln!(
                "cdp-spark-provisioner did not start: fix the configuration and start it again"
            );
            return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    };
    let secrets = known_secrets(&settings);
    init_logs(&settings, log_format, verbose, &secrets);
    if let Err(refusal) = check_local_mode_exposure(&settings) {
        eprintln!("error: {refusal}");
        eprintln!("cdp-spark-provisioner did not start: fix the configuration and start it again");
        return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
    }

    let system = actix_web::rt::System::new();
    system.block_on(serve(settings, secrets))
}

/// The secret values of the configuration, hidden wherever the provisioner
/// shows or logs text: the bearer tokens, the job store's password (and any
/// password in the user-info of a configured URL), and the values of
/// secret-looking keys of `launcher.extra_env`, `launcher.spark_conf` and
/// `[hdfs.extra]`.
pub fn known_secrets(settings: &Settings) -> Redactor {
    let mut secrets = Redactor::new();
    let auth = &settings.auth;
    for token in [
        &auth.coordinator_token,
        &auth.status_token,
        &auth.trigger_token,
    ]
    .into_iter()
    .flatten()
    {
        secrets.add_secret(token);
    }
    let launcher = &settings.launcher;
    let urls = [
        &settings.store.url,
        &settings.server.public_base_url,
        &settings.hdfs.default_fs,
        &launcher.master_url,
        &launcher.rest_url,
        &launcher.yarn_archive,
    ];
    for w in &settings.notifications.webhooks {
        secrets.add_url_password(&w.url);
        for value in w.headers.values() {
            secrets.add_secret(value);
        }
    }
    for url in urls
        .into_iter()
        .flatten()
        .chain(&launcher.resource_managers)
    {
        secrets.add_url_password(url);
    }
    secrets.add_values_of_secret_keys(
        settings
            .launcher
            .extra_env
            .iter()
            .chain(&settings.launcher.spark_conf)
            .chain(&settings.hdfs.extra)
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    secrets
}

/// Local mode runs every provisioned job's code on this host, as this
/// process's user: refused on an address other hosts can reach unless
/// `launcher.allow_local_mode_on_network` accepts it (then a warning).
fn check_local_mode_exposure(settings: &Settings) -> Result<(), String> {
    let local = settings.scheduler.enabled && settings.launcher.mode == LauncherMode::Local;
    let bind = settings.bind_addr().map_err(|e| e.to_string())?;
    if !local || bind.ip().to_canonical().is_loopback() {
        return Ok(());
    }
    if settings.launcher.allow_local_mode_on_network {
        warn!(
            address = %bind,
            "launcher.mode = local on an address other hosts can reach, accepted by launcher.allow_local_mode_on_network: \
             whoever can provision a descriptor runs its code on this host as this provisioner's user, \
             with its files, its configuration and its database credentials"
        );
        return Ok(());
    }
    Err(format!(
        "launcher.allow_local_mode_on_network: serve would listen on {bind}, which other hosts can reach, \
         while launcher.mode = local runs every provisioned job's code as a child process of this provisioner: \
         on this host, as its user, with access to its files, its configuration and its database credentials. \
         Whoever can provision a descriptor could run code here. Listen on 127.0.0.1 or [::1] (--bind), \
         submit to a cluster (launcher.mode = yarn or standalone), or accept the risk with \
         launcher.allow_local_mode_on_network = true (CDP_SPARK_PROVISIONER__LAUNCHER__ALLOW_LOCAL_MODE_ON_NETWORK=true)"
    ))
}

fn init_logs(settings: &Settings, log_format: LogFormat, verbose: u8, secrets: &Redactor) {
    let level = match verbose {
        0 => settings.log.level.clone(),
        1 => "info".to_string(),
        _ => "debug".to_string(),
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let ansi = std::io::stderr().is_terminal();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    let json = log_format == LogFormat::Json || settings.log.format == LogFormatSetting::Json;
    // One event, one line: caller values cannot forge lines (see logging).
    let outcome = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(LogWriter::new(Escaping::Json, secrets.clone()))
            .try_init()
    } else {
        builder
            .with_writer(LogWriter::text(ansi, secrets.clone()))
            .try_init()
    };
    if let Err(e) = outcome {
        eprintln!("warning: logs could not be set up: {e}");
    }
}

async fn serve(settings: Settings, secrets: Redactor) -> anyhow::Result<ExitCode> {
    let bind = settings.bind_addr()?;
    let fs = match settings.artifact_fs() {
        Ok(fs) => fs,
        Err(e) => {
            eprintln!("error: {e}");
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
    let metrics = Arc::new(Metrics::new().with_job_times(store.clone()));
    let sender = match start_sender(&settings, &store, &metrics) {
        Ok(sender) => sender,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "cdp-spark-provisioner did not start: fix the configuration and start it again"
            );
            return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
        }
    };
    let jobs: Arc<dyn JobStorePort> = store.clone();
    let scheduler_store: Arc<dyn SchedulerStorePort> = store.clone();
    let run_log_store: Arc<dyn RunLogStorePort> = store.clone();
    let operation_store: Arc<dyn OperationStorePort> = store;

    let engine = if settings.scheduler.enabled {
        match start_engine(
            &settings,
            Arc::clone(&scheduler_store),
            Arc::clone(&jobs),
            Arc::clone(&run_log_store),
            &secrets,
            Arc::clone(&metrics) as Arc<dyn EngineObserver>,
        ) {
            Ok(engine) => Some(engine),
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!(
                    "cdp-spark-provisioner did not start: fix the configuration and start it again"
                );
                return Ok(ExitCode::from(EXIT_USAGE_OR_IO));
            }
        }
    } else {
        info!("scheduler disabled (scheduler.enabled = false): this instance fires no triggers");
        None
    };

    let fs = Arc::new(fs);
    let provisioner = Provisioner::new(
        fs.clone(),
        jobs,
        UseCaseSettings {
            descriptor: settings.descriptor.to_domain(),
            public_base_url: settings.server.public_base_url.clone(),
            artifacts: settings.artifacts.to_domain(),
            links: settings.launcher.link_settings(),
            run_unscheduled_at_provision: settings.scheduler.run_unscheduled_at_provision,
        },
    )
    .with_redactor(secrets)
    .with_run_history(Arc::clone(&run_log_store));
    let operations = Operations::new(
        operation_store,
        Arc::new(TokioTimer),
        OperationSettings {
            abandon_after: Duration::from_secs(settings.asynchronous.abandon_after_secs),
            retention: Duration::from_secs(settings.asynchronous.retention_hours * 3600),
            ..OperationSettings::default()
        },
    );
    operations::spawn_purger(operations.clone());
    let engine_port: Option<Arc<dyn EnginePort>> = engine
        .as_ref()
        .map(|e| Arc::new(EngineWatch::new(e.handle.waker())) as Arc<dyn EnginePort>);
    let control = JobControl::new(
        provisioner.clone(),
        Arc::clone(&scheduler_store),
        engine_port,
    )
    .with_misfire_threshold(chrono::Duration::seconds(
        i64::try_from(settings.scheduler.misfire_threshold_secs).unwrap_or(i64::MAX / 1000),
    ))
    .with_backfill_max_runs(settings.scheduler.backfill_max_runs);
    let logs = RunLogs::new(
        provisioner.clone(),
        run_log_store,
        engine.as_ref().map(|e| {
            let port: Arc<dyn SparkLauncherPort> = e.launcher.clone();
            (port, e.backend)
        }),
    );
    let logs = match aggregated_log_source(&settings, &fs) {
        Some(source) => {
            info!(
                remote_app_log_dir = %source.settings.remote_root,
                owner = source.owner.as_deref().unwrap_or("-"),
                "YARN aggregated logs are read after applications end"
            );
            logs.with_aggregated_logs(source)
        }
        None => logs,
    };
    let state = web::Data::new(AppState {
        provisioner,
        operations: operations.clone(),
        control,
        logs,
        metrics,
        asynchronous: settings.asynchronous.clone(),
    });

    let listener = TcpListener::bind(bind).with_context(|| {
        format!("server.bind: cannot listen on {bind}; is another process using the port? (use --bind ADDR:PORT)")
    })?;
    let local = listener.local_addr().context("reading the bound address")?;
    let shutdown = Duration::from_secs(settings.server.shutdown_timeout_secs);
    let server = http::server(
        state,
        HttpOptions::new(&settings.server, &settings.auth),
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
        write_routes = settings.auth.write_access().describe(),
        scheduler = engine.as_ref().map(|e| e.handle.instance_id().to_string()).unwrap_or_else(|| "disabled".into()),
        "cdp-spark-provisioner serving"
    );
    // The one line on standard output: where to reach the server (tests
    // and scripts read it when the port was 0).
    println!("cdp-spark-provisioner listening on http://{local}");
    let _ = std::io::stdout().flush();

    let served = server.await.context("the HTTP server failed");
    if let Some(engine) = engine {
        engine
            .stop(
                scheduler_store,
                Duration::from_secs(settings.scheduler.stop_timeout_secs),
            )
            .await;
    }
    if let Some(sender) = sender {
        if tokio::time::timeout(shutdown, sender.stop()).await.is_err() {
            warn!("the notification sender did not stop in time; undelivered notifications stay in the outbox");
        }
    }
    served?;
    let left = operations::drain(&operations, shutdown).await;
    if left > 0 {
        warn!(left, "stopped with asynchronous operations still running; their tokens will answer FAILED once abandoned");
    }
    info!("cdp-spark-provisioner stopped");
    Ok(ExitCode::SUCCESS)
}

/// With webhooks in `[notifications]`: routes the store's outbox to them
/// and starts the sender (`cdp-spark-notify`) on the current runtime.
/// The sender runs whether or not this instance runs the scheduler: any
/// instance may deliver what any instance wrote.
fn start_sender(
    settings: &Settings,
    store: &Arc<DieselJobStore>,
    metrics: &Arc<Metrics>,
) -> Result<Option<SenderHandle>, String> {
    let n = &settings.notifications;
    if !n.enabled() {
        return Ok(None);
    }
    store.set_notification_routes(n.routes());
    let notifier = WebhookNotifier::new(&n.webhooks(), n.timeout())
        .map_err(|e| format!("the [notifications] section is not valid: {e}"))?;
    info!(webhooks = ?n.webhooks.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), "notifications on");
    let outbox: Arc<dyn OutboxPort> = store.clone();
    Ok(Some(Sender::start(
        n.sender(),
        outbox,
        Arc::new(notifier),
        Arc::clone(metrics) as Arc<dyn SenderObserver>,
    )))
}

/// The scheduler engine of this instance and the launcher it uses.
struct Engine {
    handle: SchedulerHandle,
    launcher: Arc<SparkLauncher>,
    /// The cluster manager the launcher submits to.
    backend: LauncherBackend,
}

/// Builds the Spark launcher from `[launcher]` and starts the engine from
/// `[scheduler]` on the current runtime. A missing spark-submit is not an
/// error: the service starts, says so, and runs fail with a clear reason.
fn start_engine(
    settings: &Settings,
    store: Arc<dyn SchedulerStorePort>,
    jobs: Arc<dyn JobStorePort>,
    run_logs: Arc<dyn RunLogStorePort>,
    secrets: &Redactor,
    observer: Arc<dyn EngineObserver>,
) -> Result<Engine, String> {
    let env_home = std::env::var_os("SPARK_HOME").map(std::path::PathBuf::from);
    let launcher_config = settings.launcher.to_launcher_config(env_home.clone());
    match settings
        .launcher
        .locate_spark_submit(env_home, std::env::var_os("PATH"))
    {
        SparkSubmitLocation::Configured(p) => {
            info!(spark_submit = %p.display(), "spark-submit from launcher.spark_home")
        }
        SparkSubmitLocation::SparkHomeEnv(p) => {
            info!(spark_submit = %p.display(), "spark-submit from SPARK_HOME")
        }
        SparkSubmitLocation::OnPath(p) => {
            info!(spark_submit = %p.display(), "spark-submit from PATH")
        }
        SparkSubmitLocation::Missing => warn!(
            "no Spark installation: launcher.spark_home and SPARK_HOME are unset and spark-submit is not on PATH; \
             the service runs, but every run will fail until Spark is installed (scripts/install-spark.sh) \
             and launcher.spark_home or SPARK_HOME points at it (then restart)"
        ),
    }
    let backend = match &launcher_config.mode {
        ClusterMode::Yarn => LauncherBackend::Yarn,
        ClusterMode::Standalone { .. } => LauncherBackend::Standalone,
        ClusterMode::Local { .. } => LauncherBackend::Local,
    };
    let launcher = Arc::new(
        SparkLauncher::new(launcher_config)
            .map_err(|e| format!("the [launcher] section is not valid: {e}"))?
            .with_redactor(secrets)
            .with_run_logs(settings.launcher.run_log_settings(Some(run_logs))),
    );
    let config = settings.scheduler.to_scheduler_config(backend);
    info!(
        instance = %config.instance_id,
        launcher = ?backend,
        batch_size = config.batch_size,
        "starting the scheduler"
    );
    let port: Arc<dyn SparkLauncherPort> = launcher.clone();
    let handle =
        Scheduler::start_observed(config, store, jobs, port, Arc::new(SystemClock), observer)
            .map_err(|e| format!("the [scheduler] section is not valid: {e}"))?;
    Ok(Engine {
        handle,
        launcher,
        backend,
    })
}

impl Engine {
    /// Graceful stop: no new fires, launches in progress finish (at most
    /// `timeout`), the check-in row goes so that another instance follows
    /// this one's runs. Local applications are children of this process and
    /// cannot be followed by another: they are killed and stored `KILLED`.
    async fn stop(self, store: Arc<dyn SchedulerStorePort>, timeout: Duration) {
        let instance = self.handle.instance_id().to_string();
        info!(instance = %instance, "stopping the scheduler");
        if tokio::time::timeout(timeout, self.handle.stop())
            .await
            .is_err()
        {
            warn!(instance = %instance, seconds = timeout.as_secs(), "launches still in progress after the stop timeout; their fires are recovered by another instance");
        }
        if !ends_runs_at_shutdown(self.backend) {
            return;
        }
        let mut runs = Vec::new();
        loop {
            let after = runs.last().map(|r: &RunRecord| r.run_id.clone());
            match store.runs_to_follow(&instance, after, 1000).await {
                Ok(page) if page.is_empty() => break,
                Ok(page) => runs.extend(page),
                Err(e) => {
                    warn!(error = %e, "cannot list the local runs in flight to end them");
                    return;
                }
            }
        }
        // The domain decides which runs end and how; here they are killed
        // and written.
        let plan = shutdown_plan(self.backend, runs);
        let mut ended: Vec<RunRecord> = Vec::new();
        for kill in &plan.kill {
            match self.launcher.kill(&kill.handle).await {
                Ok(()) => {
                    warn!(run = %kill.run.run_id, application_id = %kill.handle.application_id, "local application killed: the provisioner stops");
                    ended.push(kill.ended(chrono::Utc::now()));
                }
                Err(e) => {
                    warn!(run = %kill.run.run_id, error = %e, "could not kill the local application")
                }
            }
        }
        if !ended.is_empty() {
            if let Err(e) = store.finish_runs(&instance, &ended).await {
                warn!(error = %e, "could not store the killed local runs");
            }
        }
    }
}

/// Where `GET …/runs/{id}/logs` reads YARN's aggregated logs (`[yarn_logs]`),
/// or `None` when off or there is nowhere to look.
fn aggregated_log_source(
    settings: &Settings,
    fs: &Arc<cdp_spark_hdfs::ArtifactFs>,
) -> Option<AggregatedLogSource> {
    let location = settings
        .yarn_logs
        .location(settings.hdfs.enabled, settings.hdfs.default_fs.as_deref())?;
    let root = cdp_spark_domain::artifact::ArtifactUri::parse(&location).ok()?;
    let owner = settings.yarn_logs.owner.clone().or_else(|| {
        settings.launcher.yarn_user_name.clone().or_else(|| {
            let principal = settings.launcher.kerberos_principal.as_deref()?;
            let user = principal.split(['/', '@']).next()?;
            (!user.is_empty()).then(|| user.to_string())
        })
    });
    let mut aggregated = AggregatedLogSettings::new(root);
    aggregated.suffixes = settings.yarn_logs.suffixes.clone();
    aggregated.max_files = settings.yarn_logs.max_files;
    Some(AggregatedLogSource {
        fs: fs.clone(),
        settings: aggregated,
        owner,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configurations_secrets_are_known() {
        let mut settings = Settings::default();
        settings.auth.coordinator_token = Some("coord-1234".into());
        settings.auth.trigger_token = Some("trig-5678".into());
        settings.store.url = Some("mysql://sp:a%2Fb@db:3306/sp".into());
        settings.launcher.resource_managers = vec!["http://rm:rm-pass-1@rm1:8088".into()];
        settings.launcher.extra_env = [
            (
                "AWS_SECRET_ACCESS_KEY".to_string(),
                "aws-secret-9".to_string(),
            ),
            ("SPARK_LOCAL_IP".to_string(), "127.0.0.1".to_string()),
        ]
        .into();
        settings
            .hdfs
            .extra
            .insert("fs.s3a.secret.key".into(), "hdfs-extra-secret".into());
        let secrets = known_secrets(&settings);
        assert_eq!(
            secrets.known_values(
                "coord-1234 trig-5678 a/b a%2Fb rm-pass-1 aws-secret-9 hdfs-extra-secret 127.0.0.1"
            ),
            "*** *** *** *** *** *** *** 127.0.0.1"
        );
        // A PostgreSQL URL's password alike.
        settings.store.url = Some("postgresql://sp:pg%40pass@db:5432/sp".into());
        let secrets = known_secrets(&settings);
        assert_eq!(secrets.known_values("pg@pass pg%40pass"), "*** ***");
        assert_eq!(
            settings.store.redacted_url(),
            "postgresql://sp:***@db:5432/sp"
        );
    }

    #[test]
    fn local_mode_needs_the_opt_in_on_a_network_address_only() {
        let with = |bind: &str, mode: LauncherMode, scheduler: bool, opt_in: bool| {
            let mut s = Settings::default();
            s.server.bind = bind.into();
            s.launcher.mode = mode;
            s.scheduler.enabled = scheduler;
            s.launcher.allow_local_mode_on_network = opt_in;
            check_local_mode_exposure(&s)
        };
        let refused = with("0.0.0.0:8093", LauncherMode::Local, true, false).expect_err("refused");
        assert!(
            refused.starts_with("launcher.allow_local_mode_on_network"),
            "{refused}"
        );
        for bind in ["10.1.2.3:8093", "[::]:8093", "[::ffff:10.0.0.1]:8093"] {
            assert!(
                with(bind, LauncherMode::Local, true, false).is_err(),
                "{bind}"
            );
        }
        for bind in [
            "127.0.0.1:8093",
            "127.0.0.2:8093",
            "[::1]:8093",
            "[::ffff:127.0.0.1]:8093",
        ] {
            assert_eq!(
                with(bind, LauncherMode::Local, true, false),
                Ok(()),
                "{bind}"
            );
        }
        assert_eq!(
            with("0.0.0.0:8093", LauncherMode::Local, true, true),
            Ok(())
        );
        assert_eq!(
            with("0.0.0.0:8093", LauncherMode::Local, false, false),
            Ok(())
        );
        assert_eq!(
            with("0.0.0.0:8093", LauncherMode::Yarn, true, false),
            Ok(())
        );
    }
}
