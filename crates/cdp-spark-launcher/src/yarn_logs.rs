//! A YARN application's driver log while it runs: the ApplicationMaster
//! container of its latest attempt (`/ws/v1/cluster/apps/{id}/appattempts`
//! on the ResourceManagers: container id and NodeManager web address), then
//! the end of its `stdout` and `stderr` from that NodeManager
//! (`/ws/v1/node/containers/{containerId}/logs/{file}?size=-N`, Hadoop 3),
//! with the same authentication as the RM (SPNEGO, or `user.name`).
//!
//! Nothing the RM answers goes into a URL unchecked: the container id must
//! be `container_[e<epoch>_]<digits>_<digits>_<digits>_<digits>` and the
//! NodeManager address `host:port` of letters, digits, `.` and `-`; the
//! NodeManager is asked with the scheme of the RM addresses.
//!
//! Once the application has ended and its logs were aggregated the
//! NodeManager no longer has them: `Ok(None)`, and the log the provisioner
//! stored answers.

use cdp_spark_domain::ports::LaunchError;
use cdp_spark_domain::runlog::{combine_files, tail_of, LogSource, LogTail};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use tracing::debug;

use crate::excerpt;
use crate::yarn::{check_application_id, rm_error, Failure, YarnRmClient};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttemptsEnvelope {
    #[serde(default)]
    app_attempts: Option<AttemptList>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttemptList {
    #[serde(default)]
    app_attempt: Vec<Attempt>,
}

/// One attempt as the RM describes it (the fields used).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub container_id: Option<String>,
    #[serde(default)]
    pub node_http_address: Option<String>,
}

/// The files of a Spark driver's container answered, in this order.
const FILES: [&str; 2] = ["stdout", "stderr"];

impl YarnRmClient {
    /// The last `tail` bytes of the driver's `stdout` and `stderr` (each
    /// file under its own heading; when both do not fit, `stdout` keeps at
    /// most half), from its NodeManager. `Ok(None)` when the RM knows no
    /// attempt with a container, or the NodeManager no longer has the
    /// container's logs.
    pub async fn driver_log(
        &self,
        application_id: &str,
        tail: u64,
    ) -> Result<Option<LogTail>, LaunchError> {
        let Some((container, node)) = self.am_container(application_id).await? else {
            return Ok(None);
        };
        let mut files = Vec::new();
        for file in FILES {
            if let Some(text) = self.container_file(&node, &container, file, tail).await? {
                files.push((file, text));
            }
        }
        if files.is_empty() {
            return Ok(None);
        }
        Ok(Some(combine_files(
            &files,
            tail,
            LogSource::YarnNodeManager,
        )))
    }

    /// The AM container id and its NodeManager's web address, of the
    /// latest attempt that has them.
    pub async fn am_container(
        &self,
        application_id: &str,
    ) -> Result<Option<(String, String)>, LaunchError> {
        check_application_id(application_id)?;
        let path = format!("/ws/v1/cluster/apps/{application_id}/appattempts");
        let (status, body) = self.call(Method::GET, &path, None).await?;
        match status {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Ok(None),
            other => {
                return Err(rm_error(
                    other,
                    &body,
                    &format!("reading the attempts of {application_id}"),
                ))
            }
        }
        let attempts: AttemptsEnvelope = serde_json::from_str(&body).map_err(|e| {
            LaunchError::Other(format!(
                "the ResourceManager's attempts of {application_id} are not the documented JSON ({e}): {}",
                excerpt(&body)
            ).into())
        })?;
        let mut list = attempts
            .app_attempts
            .map(|a| a.app_attempt)
            .unwrap_or_default();
        list.sort_by_key(|a| a.id.unwrap_or(0));
        let found = list.into_iter().rev().find_map(|a| {
            let container = a.container_id.filter(|c| is_container_id(c))?;
            let node = a.node_http_address.filter(|n| is_node_address(n))?;
            Some((container, node))
        });
        Ok(found)
    }

    async fn container_file(
        &self,
        node: &str,
        container: &str,
        file: &str,
        tail: u64,
    ) -> Result<Option<String>, LaunchError> {
        let scheme = self
            .rms
            .first()
            .and_then(|rm| rm.split_once("://"))
            .map(|(scheme, _)| scheme)
            .unwrap_or("http");
        // At least one byte: `size=0` would answer the whole file.
        let mut url = format!(
            "{scheme}://{node}/ws/v1/node/containers/{container}/logs/{file}?size=-{}",
            tail.max(1)
        );
        if let Some(user) = self.simple_user() {
            url.push_str(&format!("&user.name={user}"));
        }
        let sent = match self.exchange(&Method::GET, &url, None, "text/plain").await {
            Ok(sent) => sent,
            Err(Failure::Transport(why)) => {
                return Err(LaunchError::Unreachable(format!(
                    "the NodeManager {node} of the driver's container {container} did not answer: {why}"
                ).into()))
            }
            Err(Failure::Fatal(e)) => return Err(e),
        };
        match sent.status {
            StatusCode::OK => {
                let (end, _) = tail_of(log_contents(&sent.text), tail);
                Ok(Some(end.to_string()))
            }
            // Not (or no longer) on that node: aggregated, or not started.
            s if s == StatusCode::NOT_FOUND
                || s == StatusCode::BAD_REQUEST
                || s.is_redirection() =>
            {
                debug!(node, container, file, status = %s, "the NodeManager has no such container log");
                Ok(None)
            }
            other => Err(LaunchError::Other(
                format!(
                "the NodeManager {node} answered {other} for {file} of container {container}: {}",
                excerpt(&sent.text)
            )
                .into(),
            )),
        }
    }
}

/// The file's contents in the NodeManager's answer, which wraps them
/// (`Container: …`, `LogType:`, `LogLength:`, `LogContents:` lines before,
/// `End of LogType:…` and a line of `*` after); the whole answer when it is
/// not wrapped so.
fn log_contents(answer: &str) -> &str {
    const START: &str = "\nLogContents:\n";
    const END: &str = "End of LogType:";
    let Some(at) = answer.find(START) else {
        return answer;
    };
    let body = &answer[at + START.len()..];
    match body.rfind(END) {
        Some(end) => &body[..end],
        None => body,
    }
}

/// `container_[e<digits>_]<digits>_<digits>_<digits>_<digits>`.
pub fn is_container_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("container_") else {
        return false;
    };
    let mut parts: Vec<&str> = rest.split('_').collect();
    if parts.first().is_some_and(|p| p.starts_with('e')) {
        let epoch = parts.remove(0);
        if !epoch[1..].bytes().all(|b| b.is_ascii_digit()) || epoch.len() < 2 {
            return false;
        }
    }
    id.len() <= 128
        && parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `host:port`, the host of letters, digits, `.` and `-`.
pub fn is_node_address(address: &str) -> bool {
    let Some((host, port)) = address.rsplit_once(':') else {
        return false;
    };
    address.len() <= 300
        && !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && port.parse::<u16>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_containers_and_nodes_reach_a_url() {
        for good in [
            "container_1700000000000_0001_01_000001",
            "container_e17_1700000000000_0001_01_000001",
        ] {
            assert!(is_container_id(good), "{good}");
        }
        for bad in [
            "container_1_2_3",
            "container_1_2_3_4/../x",
            "container_e_1_2_3_4",
            "container_ex_1_2_3_4",
            "application_1_2",
        ] {
            assert!(!is_container_id(bad), "{bad}");
        }
        assert!(is_node_address("nm-1.example.com:8042"));
        assert!(is_node_address("127.0.0.1:8042"));
        for bad in ["nm:99999", "nm", "evil@host:80", "h/x:80", ":80"] {
            assert!(!is_node_address(bad), "{bad}");
        }
    }

    #[test]
    fn the_nodemanagers_wrapping_is_taken_off() {
        let answer = "Container: container_1_0002_01_000001 on localhost:35655\n\
LogAggregationType: LOCAL\n\
====================================================================\n\
LogType:stdout\n\
LogLastModifiedTime:Wed Dec 02 07:54:32 +0000 2026\n\
LogLength:125\n\
LogContents:\n\
cdptest.spark.Sleep 0/60\n\
cdptest.spark.Sleep 1/60\n\
End of LogType:stdout.This log file belongs to a running container (container_1_0002_01_000001) and so may not be complete.\n\
***********************************************************************\n\n";
        assert_eq!(
            log_contents(answer),
            "cdptest.spark.Sleep 0/60\ncdptest.spark.Sleep 1/60\n"
        );
        assert_eq!(log_contents("plain text"), "plain text");
    }

    #[test]
    fn two_files_share_the_tail() {
        let files = [
            ("stdout", "Pi is roughly 3.14\n".to_string()),
            ("stderr", "x".repeat(10_000)),
        ];
        let both = combine_files(&files, 100_000, LogSource::YarnNodeManager);
        assert!(!both.truncated);
        assert!(both
            .text
            .starts_with("==> stdout <==\nPi is roughly 3.14\n==> stderr <==\n"));
        let small = combine_files(&files, 200, LogSource::YarnNodeManager);
        assert!(small.truncated);
        assert!(small.text.len() <= 200, "{}", small.text.len());
        assert!(small.text.contains("Pi is roughly 3.14"), "{}", small.text);
        assert!(small.text.ends_with("xxx\n"));
        assert_eq!(small.source, LogSource::YarnNodeManager);
    }
}
