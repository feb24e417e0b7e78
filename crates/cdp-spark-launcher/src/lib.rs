//! The Spark launcher adapter of the CDP Spark specific provisioner: it
//! implements [`cdp_spark_domain::ports::SparkLauncherPort`] with
//! spark-submit and the cluster managers' REST APIs.
//!
//! - [`SparkSubmitCommand`] builds the spark-submit argv for a
//!   [`LaunchRequest`](cdp_spark_domain::ports::LaunchRequest): always an
//!   argument vector handed to the operating system, never a shell string.
//! - **Submit and detach.** YARN: cluster deploy mode with
//!   `spark.yarn.submit.waitAppCompletion=false`; the application id is read
//!   from spark-submit's output and the application is then followed through
//!   the ResourceManager REST API ([`YarnRmClient`], HA aware). Standalone:
//!   cluster deploy mode through the master's REST submission server; the
//!   driver id is read from spark-submit's output and followed with
//!   `/v1/submissions/status/{id}` ([`StandaloneRestClient`]). A spark-submit
//!   that hangs is killed after `submit_timeout_secs`
//!   ([`LaunchError::Timeout`]; on YARN see the next point).
//! - **Re-attaching by run (YARN).** Every YARN submission is tagged with
//!   its run ([`yarn_run_tag`]: `cdp-run-<run id>` in `spark.yarn.tags`).
//!   [`SparkLauncher`]'s
//!   [`find_by_run`](cdp_spark_domain::ports::SparkLauncherPort::find_by_run)
//!   looks the tag up on the ResourceManagers ([`YarnRmClient::find_by_tag`])
//!   to re-attach a run whose spark-submit never printed the id; and a YARN
//!   spark-submit that times out or exits without printing an id is checked
//!   the same way before the launch fails: an application with the run's
//!   tag is followed, none and the launch fails saying so (see
//!   [`launcher`]). Standalone and local runs cannot be found this way
//!   (`Ok(None)`).
//! - **Local** (`local[*]`): spark-submit runs the application as a child
//!   process of the provisioner ([`LocalApps`]); its exit code is the final
//!   status.
//! - YARN's `state` and `finalStatus` are read together
//!   ([`map_yarn_state`]); a failed attempt's diagnostics get the Spark
//!   ApplicationMaster's reason as their first line.
//! - **The operator's settings** ([`LauncherConfig`]): `yarn_archive`
//!   (`spark.yarn.archive` on the cluster, so Spark's jars are not uploaded
//!   per application), `spark_conf` (applied after the job's conf),
//!   `krb5_conf` (spark-submit's Kerberos configuration) and
//!   `submit_jvm_opts` (spark-submit's own JVM bounded in cluster modes:
//!   it only submits and exits; see [`DEFAULT_SUBMIT_JVM_OPTS`]).
//! - **What spark-submit gets, what comes back.** spark-submit starts from
//!   an allow-listed environment ([`command::INHERITED_ENV`]: Java, Spark
//!   and Hadoop locations, Kerberos cache and configuration, locale) plus
//!   the launcher's settings and `extra_env`, never the provisioner's
//!   tokens or database URL. Every text the launcher returns or logs
//!   (launch errors, diagnostics, the end of spark-submit's output, the
//!   command line) goes through the domain's redaction rule
//!   ([`cdp_spark_domain::redact`]) with the values the provisioner hands
//!   it ([`SparkLauncher::with_redactor`]) and its own secret-looking
//!   settings.
//! - **Kerberos.** spark-submit logs in with `--principal`/`--keytab`; the
//!   ResourceManager REST calls authenticate with SPNEGO when
//!   `yarn.spnego` is set ([`spnego`]), from the same keytab (or the
//!   default ticket cache), keeping the RM's `hadoop.auth` cookie so that
//!   polling costs no Kerberos round trips.
//!
//! # Limitations
//!
//! - **SPNEGO** (`yarn.spnego = true`, see [`spnego`]) needs MIT Kerberos'
//!   `libgssapi_krb5.so.2` at run time (package `libgssapi-krb5-2`); it is
//!   loaded when the client is built, and its absence is reported then.
//!   Only MIT Kerberos' library is used (1.11 or later, for logging in
//!   from a keytab through its credential store calls). The RMs are asked by the host
//!   names written in `yarn.resource_managers`: their HTTP principals must
//!   carry those names (canonicalisation is krb5.conf's
//!   `dns_canonicalize_hostname`). The RM's answers themselves are not
//!   integrity-protected (as with any SPNEGO over plain HTTP): use
//!   `https://` RM addresses where that matters.
//! - **Standalone executors.** Spark standalone has no `--num-executors`;
//!   see [`command`] for how `numExecutors` is translated.
//! - **Local applications** are children of the provisioner process that
//!   started them: after a restart they answer
//!   [`ApplicationState::Unknown`](cdp_spark_domain::ports::ApplicationState::Unknown).
//! - Cluster manager REST calls use no HTTP proxy from the environment.

pub mod command;
pub mod config;
pub mod gssapi;
pub mod launcher;
pub mod local;
mod process;
pub mod runlog;
pub mod settings;
pub mod spnego;
pub mod standalone;
pub mod state;
pub mod yarn;
pub mod yarn_logs;

use std::time::Duration;

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::LaunchError;

pub use command::{yarn_run_tag, SparkSubmitCommand};
pub use config::{
    ClusterMode, KerberosConfig, LauncherConfig, YarnConfig, DEFAULT_SUBMIT_JVM_OPTS,
};
pub use launcher::SparkLauncher;
pub use local::LocalApps;
pub use settings::{LauncherMode, LauncherSettings, SparkSubmitLocation};
pub use standalone::StandaloneRestClient;
pub use state::{map_standalone_driver_state, map_yarn_state};
pub use yarn::{KillOutcome, YarnApp, YarnRmClient};

/// The HTTP client for cluster manager REST calls: rustls, a connect and a
/// whole-request timeout, no automatic redirects (the RM client follows
/// standby redirects itself), no proxy from the environment.
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, LaunchError> {
    reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| LaunchError::Other(cause!("cannot build the HTTP client: {e}")).caused_by(e))
}

/// An HTTP answer read whole.
pub(crate) struct HttpReply {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

/// Sends the request and reads the whole answer. Err: why it failed,
/// sending or reading the body, with its causes
/// ([`describe_reqwest_error`]); the caller says to whom.
pub(crate) async fn send_and_read(req: reqwest::RequestBuilder) -> Result<HttpReply, String> {
    let describe = |e: reqwest::Error| describe_reqwest_error(&e);
    let resp = req.send().await.map_err(describe)?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.map_err(describe)?;
    Ok(HttpReply {
        status,
        headers,
        text,
    })
}

/// What kind of failure (timed out, connection failed, request failed),
/// then its causes.
pub(crate) fn describe_reqwest_error(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(cause) => format!("{what}: {}", error_chain(cause)),
        None => what.to_string(),
    }
}

/// An error and its causes, `: `-separated.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The start of an answer's body, for an error message.
pub(crate) fn excerpt(body: &str) -> String {
    body.chars().take(300).collect()
}

/// `<prefix><digits><separator><digits>` (an application or driver id)
/// split into its two numbers, as text; `None` for anything else.
pub(crate) fn numbered_id<'a>(
    id: &'a str,
    prefix: &str,
    separator: char,
) -> Option<(&'a str, &'a str)> {
    let (first, second) = id.strip_prefix(prefix)?.split_once(separator)?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(first) && digits(second)).then_some((first, second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_ids_split_into_their_two_numbers() {
        assert_eq!(
            numbered_id("application_1700000000000_0042", "application_", '_'),
            Some(("1700000000000", "0042"))
        );
        assert_eq!(
            numbered_id("driver-20261125033046-0000", "driver-", '-'),
            Some(("20261125033046", "0000"))
        );
        for bad in [
            "application_1_",
            "application__1",
            "application_1_1_1",
            "app_1_1",
        ] {
            assert_eq!(numbered_id(bad, "application_", '_'), None, "{bad}");
        }
    }

    #[test]
    fn error_chains_name_every_cause() {
        let cause = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(error_chain(&ErrorWithCause(cause)), "tcp connect: refused");
    }

    #[derive(Debug)]
    struct ErrorWithCause(std::io::Error);

    impl std::fmt::Display for ErrorWithCause {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("tcp connect")
        }
    }

    impl std::error::Error for ErrorWithCause {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
}
