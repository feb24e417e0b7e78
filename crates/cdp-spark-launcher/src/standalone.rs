//! The Spark standalone master's REST submission server: a driver's status
//! (`GET /v1/submissions/status/{id}`, `driverState`) and killing it
//! (`POST /v1/submissions/kill/{id}`). Submission itself goes through
//! spark-submit pointed at the same server (see [`crate::command`]).

use std::time::Duration;

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::{ApplicationState, LaunchError};
use reqwest::StatusCode;
use serde::Deserialize;
use tracing::info;

use crate::state::map_standalone_driver_state;
use crate::{excerpt, numbered_id};

/// A `SubmissionStatusResponse` or `KillSubmissionResponse`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubmitRestResponse {
    #[serde(default)]
    success: Option<bool>,
    #[serde(default)]
    driver_state: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    worker_host_port: Option<String>,
}

/// Client of one standalone master's REST submission server.
#[derive(Debug)]
pub struct StandaloneRestClient {
    http: reqwest::Client,
    rest_url: String,
}

impl StandaloneRestClient {
    /// `rest_url`: `http://master:6066`.
    pub fn new(rest_url: &str, timeout: Duration) -> Result<Self, LaunchError> {
        Ok(Self {
            http: crate::http_client(timeout)?,
            rest_url: rest_url.trim().trim_end_matches('/').to_string(),
        })
    }

    async fn request(&self, post: bool, path: &str) -> Result<SubmitRestResponse, LaunchError> {
        let url = format!("{}{path}", self.rest_url);
        let req = if post {
            self.http.post(&url)
        } else {
            self.http.get(&url)
        };
        let reply = crate::send_and_read(req).await.map_err(|why| {
            LaunchError::Unreachable(cause!(
                "the standalone master's REST server {}: {why}",
                self.rest_url
            ))
        })?;
        let (status, body) = (reply.status, reply.text);
        serde_json::from_str(&body).map_err(|e| {
            let hint = if status == StatusCode::NOT_FOUND {
                "; is it the REST submission server (master started with -Dspark.master.rest.enabled=true)?"
            } else {
                ""
            };
            LaunchError::Other(cause!(
                "{url} answered {status} with something that is not a submission response ({e}){hint}: {}",
                excerpt(&body)
            ))
        })
    }

    /// The driver's state.
    pub async fn status(&self, driver_id: &str) -> Result<ApplicationState, LaunchError> {
        check_driver_id(driver_id)?;
        let r = self
            .request(false, &format!("/v1/submissions/status/{driver_id}"))
            .await?;
        match (r.success, r.driver_state.as_deref()) {
            (Some(true), Some(state)) => {
                let mut state = map_standalone_driver_state(driver_id, state, r.message.as_deref());
                if let (ApplicationState::Failed { diagnostics }, Some(worker)) =
                    (&mut state, &r.worker_host_port)
                {
                    diagnostics.push_str(&format!(" (worker {worker})"));
                }
                Ok(state)
            }
            _ => Ok(ApplicationState::Unknown {
                detail: format!(
                    "the standalone master at {} does not know driver {driver_id}{}",
                    self.rest_url,
                    r.message.map(|m| format!(": {m}")).unwrap_or_default()
                ),
            }),
        }
    }

    /// Asks the master to kill the driver. A driver that has already ended
    /// is not an error.
    pub async fn kill(&self, driver_id: &str) -> Result<(), LaunchError> {
        check_driver_id(driver_id)?;
        let r = self
            .request(true, &format!("/v1/submissions/kill/{driver_id}"))
            .await?;
        if r.success == Some(true) {
            info!(driver_id, "standalone driver kill submitted");
            return Ok(());
        }
        match self.status(driver_id).await? {
            ApplicationState::Succeeded
            | ApplicationState::Failed { .. }
            | ApplicationState::Killed { .. } => Ok(()),
            _ => Err(LaunchError::Other(cause!(
                "the standalone master at {} refused to kill {driver_id}: {}",
                self.rest_url,
                r.message.unwrap_or_else(|| "no reason given".into())
            ))),
        }
    }
}

/// `driver-<yyyyMMddHHmmss>-<number>`: nothing else goes into a URL.
pub fn check_driver_id(id: &str) -> Result<(), LaunchError> {
    match numbered_id(id, "driver-", '-') {
        Some(_) => Ok(()),
        None => Err(LaunchError::Other(cause!(
            "'{id}' is not a Spark standalone driver id (driver-<timestamp>-<number>)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_ids() {
        assert!(check_driver_id("driver-20261125033046-0000").is_ok());
        for bad in [
            "driver-",
            "driver-1",
            "driver-1-",
            "driver-1-2/../x",
            "app-1-2",
        ] {
            assert!(check_driver_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_responses_parse() {
        let r: SubmitRestResponse = serde_json::from_str(
            r#"{"action":"SubmissionStatusResponse","driverState":"FAILED","serverSparkVersion":"4.0.1",
                "submissionId":"driver-20261125033053-0001","success":true,"workerHostPort":"127.0.0.1:44191",
                "workerId":"worker-1"}"#,
        )
        .expect("parses");
        assert_eq!(r.success, Some(true));
        assert_eq!(r.driver_state.as_deref(), Some("FAILED"));
        assert_eq!(r.worker_host_port.as_deref(), Some("127.0.0.1:44191"));
    }
}
