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
//!   ([`map_yarn_state`]).
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
pub mod spnego;
pub mod standalone;
pub mod state;
pub mod yarn;

use std::time::Duration;

use cdp_spark_domain::ports::LaunchError;

pub use command::{yarn_run_tag, SparkSubmitCommand};
pub use config::{ClusterMode, KerberosConfig, LauncherConfig, YarnConfig};
pub use launcher::SparkLauncher;
pub use local::LocalApps;
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
        .map_err(|e| LaunchError::Other(format!("cannot build the HTTP client: {e}")))
}
