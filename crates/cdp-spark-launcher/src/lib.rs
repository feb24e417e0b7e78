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
//!   ([`LaunchError::Timeout`]).
//! - **Local** (`local[*]`): spark-submit runs the application as a child
//!   process of the provisioner ([`LocalApps`]); its exit code is the final
//!   status.
//! - YARN's `state` and `finalStatus` are read together
//!   ([`map_yarn_state`]).
//!
//! # Limitations
//!
//! - **SPNEGO.** Following and killing YARN applications on RMs that demand
//!   SPNEGO (Kerberos HTTP authentication) needs GSSAPI bindings, which this
//!   crate does not have yet. `yarn.spnego = true` is refused by
//!   [`LauncherConfig::validate`], and an RM that answers `401 Negotiate`
//!   fails the call with an error saying so; Hadoop simple authentication
//!   (`yarn.user_name`) works. spark-submit itself still logs in with
//!   `--principal`/`--keytab`.
//! - **Standalone executors.** Spark standalone has no `--num-executors`;
//!   see [`command`] for how `numExecutors` is translated.
//! - **Local applications** are children of the provisioner process that
//!   started them: after a restart they answer
//!   [`ApplicationState::Unknown`](cdp_spark_domain::ports::ApplicationState::Unknown).
//! - Cluster manager REST calls use no HTTP proxy from the environment.

pub mod command;
pub mod config;
pub mod launcher;
pub mod local;
mod process;
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
