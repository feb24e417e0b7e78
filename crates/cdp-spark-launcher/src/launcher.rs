//! [`SparkLauncher`]: the [`SparkLauncherPort`] adapter. Submits with
//! spark-submit and detaches (YARN, standalone) or keeps the child (local),
//! then follows and kills through the cluster manager.
//!
//! **Finding a run's application without its id (YARN).** Every YARN
//! submission carries the run's tag ([`yarn_run_tag`], `cdp-run-<run id>`,
//! in `spark.yarn.tags`), so the ResourceManager can be asked for it:
//! - [`SparkLauncherPort::find_by_run`] re-attaches a run whose
//!   spark-submit was cut short before printing the id (its provisioner
//!   instance died).
//! - When spark-submit times out or exits (with any code) without printing
//!   an application id, the RM is asked before the launch fails: an
//!   application carrying the tag means the submission went through after
//!   all, and it is followed (with a warning); none, and the launch fails
//!   with spark-submit's own error, noting that no application carries the
//!   tag (or that the RM could not be asked, and why). A spark-submit that
//!   printed an id is judged by its exit as before.
//!
//! Several applications with one run's tag should not happen (a run is
//! submitted once); if they do, the one YARN has not ended is taken, else
//! the newest (ids compared as numbers, [`application_id_order`]), and a
//! warning names them all. Standalone and local runs cannot be found this
//! way: the standalone master's REST submission server answers only for a
//! driver id it is given (it cannot list drivers), and local applications
//! are children of the provisioner instance that started them and end with
//! it.

use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::cause;
use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, LaunchError, LaunchRequest, LauncherBackend,
    SparkLauncherPort,
};
use cdp_spark_domain::redact::Redactor;
use cdp_spark_domain::runlog::LogTail;
use tracing::{debug, info, instrument, warn};

use crate::command::{yarn_run_tag, SparkSubmitCommand};
use crate::config::{ClusterMode, LauncherConfig};
use crate::local::LocalApps;
use crate::process::{failure_summary, run_to_end};
use crate::runlog::{RunLog, RunLogSettings};
use crate::standalone::StandaloneRestClient;
use crate::yarn::{application_id_order, YarnApp, YarnRmClient};

/// Launches Spark applications as the configuration says.
#[derive(Debug)]
pub struct SparkLauncher {
    config: LauncherConfig,
    yarn: Option<YarnRmClient>,
    standalone: Option<StandaloneRestClient>,
    local: LocalApps,
    /// Hides secrets in every text this launcher returns or logs: errors,
    /// diagnostics, spark-submit's output and command line.
    redactor: Redactor,
    /// How runs' output is kept and where it is stored.
    run_logs: RunLogSettings,
}

impl SparkLauncher {
    /// Checks the configuration (every problem at once, each naming its
    /// field) and builds the clients it needs.
    pub fn new(config: LauncherConfig) -> Result<Self, LaunchError> {
        config.validate().map_err(|issues| {
            LaunchError::Other(cause!(
                "the Spark launcher configuration is not valid: {}",
                issues.messages().join("; ")
            ))
        })?;
        if let Some(path) = &config.krb5_conf {
            if !path.is_file() {
                warn!(krb5_conf = %path.display(), "launcher.krb5_conf is not a file on this host; spark-submit will not find its KDC");
            }
            // MIT Kerberos reads KRB5_CONFIG of the process environment
            // when it creates a context: the RM's SPNEGO client cannot be
            // pointed elsewhere from here without changing the
            // environment of a running multi-threaded process.
            let process = std::env::var_os("KRB5_CONFIG");
            if config.yarn.spnego && process.as_deref() != Some(path.as_os_str()) {
                warn!(
                    krb5_conf = %path.display(),
                    process_krb5_config = ?process,
                    "launcher.krb5_conf applies to spark-submit; the ResourceManager SPNEGO client reads KRB5_CONFIG of the provisioner's own environment: set KRB5_CONFIG to the same file there"
                );
            }
        }
        let timeout = Duration::from_secs(config.http_timeout_secs);
        let yarn = if config.yarn.resource_managers.is_empty() {
            None
        } else {
            // With SPNEGO when `yarn.spnego` is set.
            Some(YarnRmClient::from_config(&config)?)
        };
        let standalone = match &config.mode {
            ClusterMode::Standalone { rest_url, .. } => {
                Some(StandaloneRestClient::new(rest_url, timeout)?)
            }
            _ => None,
        };
        let redactor = config_secrets(&config);
        Ok(Self {
            config,
            yarn,
            standalone,
            local: LocalApps::new(),
            redactor,
            run_logs: RunLogSettings::default(),
        })
    }

    /// Keep runs' output as `settings` say (its bound, how often it is
    /// written, the job store it is written to).
    pub fn with_run_logs(mut self, settings: RunLogSettings) -> Self {
        self.run_logs = settings;
        self
    }

    /// The run's log capture: this launcher's redaction plus the values of
    /// the job's secret-looking conf keys.
    fn run_log(&self, request: &LaunchRequest) -> RunLog {
        let mut redactor = self.redactor.clone();
        redactor.add_values_of_secret_keys(
            request
                .spec
                .conf
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        RunLog::new(&request.run_id, redactor, self.run_logs.clone())
    }

    /// Also hide the values `known` holds (the provisioner's tokens, the
    /// job store's password) in every text this launcher returns or logs.
    /// The launcher's own secret-looking settings (`extra_env`,
    /// `spark_conf`, passwords in its URLs) are hidden without this.
    pub fn with_redactor(mut self, known: &Redactor) -> Self {
        self.redactor.merge(known);
        self
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    pub fn config(&self) -> &LauncherConfig {
        &self.config
    }

    /// The operating-system process id of a local application started by
    /// this launcher (for operators and tests).
    pub fn local_pid(&self, handle: &ApplicationHandle) -> Option<u32> {
        match handle.backend {
            LauncherBackend::Local => self.local.pid(&handle.application_id),
            _ => None,
        }
    }

    fn yarn(&self) -> Result<&YarnRmClient, LaunchError> {
        self.yarn.as_ref().ok_or_else(|| {
            LaunchError::Other(
                "this provisioner has no YARN ResourceManager configured (yarn.resource_managers), so it cannot follow YARN applications".into(),
            )
        })
    }

    fn standalone(&self) -> Result<&StandaloneRestClient, LaunchError> {
        self.standalone.as_ref().ok_or_else(|| {
            LaunchError::Other(
                "this provisioner is not configured for a Spark standalone master (mode.type = standalone), so it cannot follow standalone drivers".into(),
            )
        })
    }

    /// The application carrying `tag` on the ResourceManagers (see
    /// [`pick_run_application`] when there are several).
    async fn find_tagged(&self, tag: &str) -> Result<Option<ApplicationHandle>, LaunchError> {
        let apps = self.yarn()?.find_by_tag(tag).await?;
        Ok(
            pick_run_application(tag, apps).map(|app| ApplicationHandle {
                backend: LauncherBackend::Yarn,
                tracking_url: app.tracking_url.filter(|u| !u.trim().is_empty()),
                application_id: app.id,
            }),
        )
    }

    /// spark-submit ended (or was killed) without printing a YARN
    /// application id, failing with `error`: did the RM accept the
    /// application anyway? Then the submission went through and that
    /// application is the run's; else `error`, saying what the RM said.
    async fn recover_yarn_submit(
        &self,
        run_id: &str,
        error: LaunchError,
    ) -> Result<ApplicationHandle, LaunchError> {
        let Some(tag) = yarn_run_tag(run_id) else {
            return Err(with_note(
                error,
                &format!(
                    "the run id '{run_id}' cannot be a YARN tag, so the ResourceManager could not be searched for an application it may have accepted"
                ),
            ));
        };
        match self.find_tagged(&tag).await {
            Ok(Some(handle)) => {
                warn!(
                    application_id = %handle.application_id,
                    %tag,
                    spark_submit = %error,
                    "spark-submit did not print the application id, but YARN has an application with the run's tag: the submission went through; following it"
                );
                Ok(handle)
            }
            Ok(None) => Err(with_note(
                error,
                &format!("no YARN application carries the run's tag {tag}, so YARN did not accept one"),
            )),
            Err(e) => Err(with_note(
                error,
                &format!(
                    "whether YARN accepted the application anyway is not known: the ResourceManager could not be searched for the run's tag {tag}: {e}"
                ),
            )),
        }
    }

    async fn submit_detached(
        &self,
        cmd: &SparkSubmitCommand,
        backend: LauncherBackend,
        run_id: &str,
        log: RunLog,
    ) -> Result<ApplicationHandle, LaunchError> {
        let timeout = Duration::from_secs(self.config.submit_timeout_secs);
        let finished = run_to_end(cmd, timeout, &self.redactor).await?;
        // The client's output is the run's log until the driver's own can
        // be read from the cluster manager.
        log.push(finished.raw_output.as_bytes());
        log.flush(true).await;
        // Ids are read from what spark-submit printed; messages quote its
        // redacted output only.
        let raw = &finished.raw_output;
        let output = format!("{}\n{}", finished.stderr, finished.stdout);
        let (id, what) = match backend {
            LauncherBackend::Yarn => (parse_yarn_application_id(raw), "a YARN application id"),
            _ => (parse_standalone_driver_id(raw), "a standalone driver id"),
        };
        let application_id = match (finished.status, id) {
            // Hung after the cluster manager had accepted the application:
            // it runs, so it is followed rather than lost.
            (None, Some(id)) => {
                warn!(
                    application_id = %id,
                    seconds = timeout.as_secs(),
                    "spark-submit hung after submitting and was killed; following the application"
                );
                id
            }
            (Some(status), Some(id)) if !status.success() => {
                let summary =
                    failure_summary("spark-submit", &status, &finished.stderr, &finished.stdout);
                return Err(LaunchError::Submit(cause!("{id}: {summary}")));
            }
            (Some(_), Some(id)) => id,
            (status, None) => {
                let error = match status {
                    None => LaunchError::Timeout {
                        seconds: timeout.as_secs(),
                    },
                    Some(status) if !status.success() => LaunchError::Submit(
                        failure_summary(
                            "spark-submit",
                            &status,
                            &finished.stderr,
                            &finished.stdout,
                        )
                        .into(),
                    ),
                    Some(_) => LaunchError::Submit(cause!(
                        "spark-submit ended without printing {what}{}",
                        match rest_submission_refusal(raw).map(|r| self.redactor.text(&r)) {
                            Some(reason) =>
                                format!(": the master refused the submission: {reason}"),
                            None =>
                                format!("; its output ended with:\n{}", last_lines(&output, 10)),
                        }
                    )),
                };
                return match backend {
                    // The submission may have reached the RM all the same.
                    LauncherBackend::Yarn => self.recover_yarn_submit(run_id, error).await,
                    _ => Err(error),
                };
            }
        };
        let tracking_url = match backend {
            LauncherBackend::Yarn => parse_tracking_url(raw).map(|u| self.redactor.text(&u)),
            _ => None,
        };
        Ok(ApplicationHandle {
            backend,
            application_id,
            tracking_url,
        })
    }

    async fn submit_inner(
        &self,
        request: &LaunchRequest,
    ) -> Result<ApplicationHandle, LaunchError> {
        let cmd = SparkSubmitCommand::build(&self.config, request)?;
        info!(command = %cmd.display_redacted(&self.redactor), "spark-submit");
        let log = self.run_log(request);
        let handle = match &self.config.mode {
            ClusterMode::Yarn => {
                self.submit_detached(&cmd, LauncherBackend::Yarn, &request.run_id, log)
                    .await?
            }
            ClusterMode::Standalone { .. } => {
                self.submit_detached(&cmd, LauncherBackend::Standalone, &request.run_id, log)
                    .await?
            }
            ClusterMode::Local { .. } => ApplicationHandle {
                backend: LauncherBackend::Local,
                application_id: self.local.start(&cmd, &self.redactor, log).await?,
                tracking_url: None,
            },
        };
        info!(application_id = %handle.application_id, "submitted");
        Ok(handle)
    }

    async fn kill_inner(&self, handle: &ApplicationHandle) -> Result<(), LaunchError> {
        match handle.backend {
            LauncherBackend::Yarn => {
                self.yarn()?
                    .kill(&handle.application_id)
                    .await
                    .map(|outcome| {
                        if outcome == crate::yarn::KillOutcome::InProgress {
                            warn!("YARN accepted the kill; the application ends shortly");
                        }
                    })
            }
            LauncherBackend::Standalone => self.standalone()?.kill(&handle.application_id).await,
            LauncherBackend::Local => {
                self.local
                    .kill(
                        &handle.application_id,
                        Duration::from_secs(self.config.kill_grace_secs),
                    )
                    .await
            }
        }
    }
}

#[async_trait]
impl SparkLauncherPort for SparkLauncher {
    #[instrument(skip_all, fields(run_id = %request.run_id, job = %request.job_key))]
    async fn submit(&self, request: &LaunchRequest) -> Result<ApplicationHandle, LaunchError> {
        self.submit_inner(request)
            .await
            .map_err(|e| self.redactor.launch_error(e))
    }

    async fn status(&self, handle: &ApplicationHandle) -> Result<ApplicationState, LaunchError> {
        let state = match handle.backend {
            LauncherBackend::Yarn => self.yarn()?.status(&handle.application_id).await,
            LauncherBackend::Standalone => self.standalone()?.status(&handle.application_id).await,
            LauncherBackend::Local => Ok(self.local.status(&handle.application_id)),
        };
        state
            .map(|s| self.redactor.application_state(s))
            .map_err(|e| self.redactor.launch_error(e))
    }

    #[instrument(skip_all, fields(application_id = %handle.application_id))]
    async fn kill(&self, handle: &ApplicationHandle) -> Result<(), LaunchError> {
        self.kill_inner(handle)
            .await
            .map_err(|e| self.redactor.launch_error(e))
    }

    /// YARN: the application tagged with the run's tag
    /// ([`yarn_run_tag`]) on the ResourceManagers; `Ok(None)` when none
    /// carries it (or the run id cannot be a tag, so its submission carried
    /// none); [`LaunchError::Unreachable`] when no RM answered, to be asked
    /// again. Several (not expected): the one not yet ended, else the
    /// newest, with a warning naming them all.
    ///
    /// Standalone and local: always `Ok(None)`. The standalone master's
    /// REST submission server answers only for a driver id it is given and
    /// cannot list drivers, so a driver whose id was never printed cannot
    /// be found; local applications are children of the provisioner
    /// instance that started them and die with it.
    #[instrument(skip_all, fields(run_id = %run_id))]
    async fn find_by_run(&self, run_id: &str) -> Result<Option<ApplicationHandle>, LaunchError> {
        match self.config.mode {
            ClusterMode::Yarn => {
                let Some(tag) = yarn_run_tag(run_id) else {
                    debug!("the run id cannot be a YARN tag: its submission carried none");
                    return Ok(None);
                };
                self.find_tagged(&tag)
                    .await
                    .map_err(|e| self.redactor.launch_error(e))
            }
            ClusterMode::Standalone { .. } | ClusterMode::Local { .. } => Ok(None),
        }
    }

    /// Local: the application's output while this process holds it.
    /// YARN: the driver (ApplicationMaster) container's log, see
    /// [`crate::yarn_logs`]. Standalone: `Ok(None)` (the stored
    /// spark-submit output answers).
    async fn logs(
        &self,
        handle: &ApplicationHandle,
        tail: u64,
    ) -> Result<Option<LogTail>, LaunchError> {
        let found = match handle.backend {
            LauncherBackend::Local => Ok(self.local.log_tail(&handle.application_id, tail)),
            LauncherBackend::Yarn => self.yarn()?.driver_log(&handle.application_id, tail).await,
            LauncherBackend::Standalone => Ok(None),
        };
        found
            .map(|t| {
                t.map(|mut t| {
                    t.text = self.redactor.text(&t.text);
                    t
                })
            })
            .map_err(|e| self.redactor.launch_error(e))
    }

    /// YARN: the application report's `user` (the owner of its aggregated
    /// logs); the other backends have none.
    async fn application_owner(
        &self,
        handle: &ApplicationHandle,
    ) -> Result<Option<String>, LaunchError> {
        match handle.backend {
            LauncherBackend::Yarn => Ok(self
                .yarn()?
                .application(&handle.application_id)
                .await
                .map_err(|e| self.redactor.launch_error(e))?
                .and_then(|app| app.user)),
            LauncherBackend::Local | LauncherBackend::Standalone => Ok(None),
        }
    }
}

/// The launcher's own settings that hold secrets: `extra_env` and
/// `spark_conf` values whose keys look secret, passwords in the user-info
/// of its URLs.
fn config_secrets(config: &LauncherConfig) -> Redactor {
    let mut redactor = Redactor::new();
    redactor.add_values_of_secret_keys(
        config
            .extra_env
            .iter()
            .chain(config.spark_conf.iter())
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let urls = config
        .yarn
        .resource_managers
        .iter()
        .chain(match &config.mode {
            ClusterMode::Standalone { rest_url, .. } => Some(rest_url),
            _ => None,
        });
    for url in urls {
        redactor.add_url_password(url);
    }
    if let Some(archive) = &config.yarn_archive {
        redactor.add_url_password(archive);
    }
    redactor
}

/// Of the applications carrying a run's tag, the run's: the one YARN has
/// not ended, else the newest (by [`application_id_order`]: numbers, not
/// strings). More than one is unexpected (a run is submitted once) and
/// logged as a warning naming them all.
pub fn pick_run_application(tag: &str, apps: Vec<YarnApp>) -> Option<YarnApp> {
    let several = (apps.len() > 1).then(|| {
        apps.iter()
            .map(|a| format!("{} ({} {})", a.id, a.state, a.final_status))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let chosen = apps
        .into_iter()
        .max_by_key(|a| (!a.has_ended(), application_id_order(&a.id)))?;
    if let Some(all) = several {
        warn!(
            %tag,
            applications = %all,
            chosen = %chosen.id,
            "several YARN applications carry one run's tag; taking the one not yet ended, else the newest"
        );
    }
    Some(chosen)
}

/// `error` with `note` added to its first line (spark-submit's output, if
/// any, stays last). A timeout becomes a submit error, to carry the note.
fn with_note(error: LaunchError, note: &str) -> LaunchError {
    fn add(message: &str, note: &str) -> String {
        match message.split_once('\n') {
            Some((head, rest)) => format!("{head}; {note}\n{rest}"),
            None => format!("{message}; {note}"),
        }
    }
    match error {
        LaunchError::Timeout { seconds } => LaunchError::Submit(cause!(
            "spark-submit did not finish within {seconds} s and was killed before printing a YARN application id; {note}"
        )),
        LaunchError::Submit(m) => LaunchError::Submit(add(&m, note).into()),
        LaunchError::Unreachable(m) => LaunchError::Unreachable(add(&m, note).into()),
        LaunchError::Other(m) => LaunchError::Other(add(&m, note).into()),
    }
}

/// The YARN application id spark-submit printed ("Submitted application
/// application_…", "Application report for application_…").
pub fn parse_yarn_application_id(output: &str) -> Option<String> {
    find_id(output, "application_", '_')
}

/// The driver id the standalone REST submission printed ("Submission
/// successfully created as driver-…").
pub fn parse_standalone_driver_id(output: &str) -> Option<String> {
    find_id(output, "driver-", '-')
}

/// First `<prefix><digits><sep><digits>` in the text.
fn find_id(text: &str, prefix: &str, sep: char) -> Option<String> {
    let mut from = 0;
    while let Some(pos) = text[from..].find(prefix) {
        let start = from + pos;
        let rest = &text[start + prefix.len()..];
        let a = rest.bytes().take_while(u8::is_ascii_digit).count();
        if a > 0 && rest[a..].starts_with(sep) {
            let b = rest[a + 1..].bytes().take_while(u8::is_ascii_digit).count();
            let before_ok = start == 0
                || !text[..start].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
            if b > 0 && before_ok {
                return Some(text[start..start + prefix.len() + a + 1 + b].to_string());
            }
        }
        from = start + prefix.len();
    }
    None
}

/// "tracking URL: http://…" from YARN's application report.
pub fn parse_tracking_url(output: &str) -> Option<String> {
    output.lines().find_map(|line| {
        let (_, rest) = line.split_once("tracking URL:")?;
        let url = rest.trim();
        (url.starts_with("http://") || url.starts_with("https://")).then(|| url.to_string())
    })
}

/// The message of a REST submission the master refused (`"success" : false`).
fn rest_submission_refusal(output: &str) -> Option<String> {
    let compact: String = output.split_whitespace().collect::<Vec<_>>().join(" ");
    if !compact.contains("\"success\" : false") && !compact.contains("\"success\":false") {
        return None;
    }
    let start = compact.find("\"message\"")?;
    let after = &compact[start + "\"message\"".len()..];
    let after = after
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let end = after.find('"').unwrap_or(after.len());
    Some(after[..end].to_string())
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yarn_ids_and_tracking_urls_from_spark_submit_output() {
        let out = "\
26/01/01 10:00:00 INFO Client: Submitting application application_1700000000000_0042 to ResourceManager
26/01/01 10:00:01 INFO YarnClientImpl: Submitted application application_1700000000000_0042
26/01/01 10:00:02 INFO Client: Application report for application_1700000000000_0042 (state: ACCEPTED)
26/01/01 10:00:02 INFO Client:
\t client token: N/A
\t tracking URL: http://rm1:8088/proxy/application_1700000000000_0042/
\t user: etl";
        assert_eq!(
            parse_yarn_application_id(out).as_deref(),
            Some("application_1700000000000_0042")
        );
        assert_eq!(
            parse_tracking_url(out).as_deref(),
            Some("http://rm1:8088/proxy/application_1700000000000_0042/")
        );
        assert_eq!(
            parse_yarn_application_id("no id; myapplication_1_2 nor application_x_1"),
            None
        );
        assert_eq!(parse_tracking_url("tracking URL: N/A"), None);
    }

    #[test]
    fn driver_ids_from_rest_submission_output() {
        let out = "\
Running Spark using the REST application submission protocol.
26/11/25 03:30:46 INFO RestSubmissionClient: Submission successfully created as driver-20261125033046-0000. Polling submission state...";
        assert_eq!(
            parse_standalone_driver_id(out).as_deref(),
            Some("driver-20261125033046-0000")
        );
        assert_eq!(
            parse_standalone_driver_id("driver- driver-1 driver-x-1"),
            None
        );
    }

    #[test]
    fn refused_rest_submissions_give_the_masters_message() {
        let out = "Server responded with CreateSubmissionResponse:\n{\n  \"action\" : \"CreateSubmissionResponse\",\n  \"message\" : \"Driver memory exceeds the limit\",\n  \"success\" : false\n}";
        assert_eq!(
            rest_submission_refusal(out).as_deref(),
            Some("Driver memory exceeds the limit")
        );
        assert_eq!(rest_submission_refusal("\"success\" : true"), None);
    }
}
