//! The ResourceManager REST API client (Hadoop 3
//! `/ws/v1/cluster/apps/{id}`): an application's state, final status,
//! tracking URL and diagnostics, killing it with
//! `PUT /ws/v1/cluster/apps/{id}/state {"state":"KILLED"}`, and finding
//! applications by tag (`/ws/v1/cluster/apps?applicationTags=…`), how a run
//! is re-attached without its application id.
//!
//! High availability: the RM that answered last is asked first, then the
//! others in order. A standby RM answers `307 Temporary Redirect` with the
//! active RM in `Location` ("This is standby RM. The redirect url is: …"),
//! which is followed; a standby that knows no active RM (a `Refresh` header
//! and no `Location`, or "There is no active RM right now.") is skipped, as
//! is an RM that cannot be reached.
//!
//! Authentication:
//! - Hadoop simple authentication: `?user.name=` when `yarn.user_name` is
//!   configured (and SPNEGO is not).
//! - SPNEGO (Kerberos) with `yarn.spnego = true` (see [`crate::spnego`]):
//!   an RM answering `401` with `WWW-Authenticate: Negotiate` gets
//!   `Authorization: Negotiate <token>` for `HTTP@<the host asked>`: with
//!   HA and standby redirects, each RM (the standby that redirects too) is
//!   authenticated to with its own principal. The `hadoop.auth` cookie the
//!   RM sets is kept per RM and sent on later calls; a new negotiation
//!   happens only when an RM answers `401` again. The RM's reply token is
//!   verified (mutual authentication). Credentials come from
//!   `kerberos.principal`/`kerberos.keytab` when configured, else from the
//!   default credential cache (`KRB5CCNAME`).
//! - Without `yarn.spnego`, an RM answering `401 Negotiate` fails the call
//!   with an error saying to set `launcher.yarn_spnego = true`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cdp_spark_domain::cause;
use cdp_spark_domain::ports::{ApplicationState, LaunchError};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use tracing::{debug, info, warn};

use crate::config::{KerberosConfig, LauncherConfig};
use crate::spnego::{self, Spnego, Target};
use crate::state::map_yarn_state;
use crate::{excerpt, numbered_id};

/// An application as `/ws/v1/cluster/apps/{id}` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct YarnApp {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub queue: Option<String>,
    pub state: String,
    pub final_status: String,
    #[serde(default)]
    pub tracking_url: Option<String>,
    #[serde(default)]
    pub diagnostics: Option<String>,
    /// The application's tags, comma-separated (`applicationTags`; YARN
    /// keeps them in lower case).
    #[serde(default)]
    pub application_tags: Option<String>,
}

impl YarnApp {
    /// The application's state, YARN's two fields read together.
    pub fn application_state(&self) -> ApplicationState {
        map_yarn_state(
            &self.state,
            &self.final_status,
            self.diagnostics.as_deref().unwrap_or_default(),
            self.tracking_url.as_deref(),
        )
    }

    /// Whether YARN has ended the application (`state` FINISHED, FAILED or
    /// KILLED), whatever its final status.
    pub fn has_ended(&self) -> bool {
        matches!(
            self.state.trim().to_ascii_uppercase().as_str(),
            "FINISHED" | "FAILED" | "KILLED"
        )
    }

    /// Whether `applicationTags` lists `tag` (compared without case, as
    /// YARN stores tags in lower case).
    pub fn has_tag(&self, tag: &str) -> bool {
        self.application_tags
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case(tag.trim()))
    }
}

/// The creation order of a YARN application id: `(cluster timestamp,
/// sequence number)` compared as numbers (the RM numbers applications from
/// its start time, then one by one), so that `application_1_10000` comes
/// after `application_1_9999` and a restarted RM's applications after the
/// previous ones. `None` for an id that is not `application_<digits>_<digits>`.
pub fn application_id_order(id: &str) -> Option<(u64, u64)> {
    let (ts, seq) = numbered_id(id, "application_", '_')?;
    Some((ts.parse().ok()?, seq.parse().ok()?))
}

#[derive(Deserialize)]
struct AppEnvelope {
    app: YarnApp,
}

/// `{"apps": {"app": [...]}}`, or `{"apps": null}` when none matched.
#[derive(Deserialize)]
struct AppsEnvelope {
    #[serde(default)]
    apps: Option<AppList>,
}

#[derive(Deserialize)]
struct AppList {
    #[serde(default)]
    app: Vec<YarnApp>,
}

/// `{"state": "KILLING"}`: the answer to a state change.
#[derive(Deserialize)]
struct AppStateBody {
    #[serde(default)]
    state: String,
}

#[derive(Deserialize)]
struct RemoteExceptionEnvelope {
    #[serde(rename = "RemoteException")]
    remote_exception: RemoteException,
}

#[derive(Deserialize)]
struct RemoteException {
    #[serde(default)]
    exception: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// What a kill request achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillOutcome {
    /// The RM reports the application killed (`200 {"state":"KILLED"}`),
    /// or ended before (`200` with its final state, e.g. FINISHED).
    Done,
    /// The RM accepted the kill and is carrying it out (`202 Accepted`,
    /// `{"state":"KILLING"}` from Hadoop 3.1).
    InProgress,
}

/// Client of one YARN cluster's ResourceManagers.
#[derive(Debug)]
pub struct YarnRmClient {
    http: reqwest::Client,
    pub(crate) rms: Vec<String>,
    active: AtomicUsize,
    user_name: Option<String>,
    spnego: Option<Spnego>,
}

/// One RM's reply, or why it is not the one to ask.
enum Reply {
    Answer { status: StatusCode, body: String },
    Standby(String),
}

pub(crate) enum Failure {
    /// Try the next RM.
    Transport(String),
    /// Asking another RM will not help.
    Fatal(LaunchError),
}

/// What the RM's REST API answers in.
const JSON: &str = "application/json";

/// At most this many redirects are followed from one RM.
const MAX_REDIRECTS: usize = 3;

/// One HTTP exchange, read.
pub(crate) struct Sent {
    pub(crate) status: StatusCode,
    location: Option<String>,
    /// `WWW-Authenticate: Negotiate [token]`.
    negotiate: Option<Option<String>>,
    set_cookie: Vec<String>,
    pub(crate) text: String,
}

impl YarnRmClient {
    /// `resource_managers`: base URLs such as `http://rm1:8088`.
    pub fn new(
        resource_managers: &[String],
        user_name: Option<String>,
        timeout: Duration,
    ) -> Result<Self, LaunchError> {
        if resource_managers.is_empty() {
            return Err(LaunchError::Other(
                "yarn.resource_managers is empty: list the ResourceManager web addresses, e.g. http://rm1:8088".into(),
            ));
        }
        Ok(Self {
            http: crate::http_client(timeout)?,
            rms: resource_managers
                .iter()
                .map(|rm| rm.trim().trim_end_matches('/').to_string())
                .collect(),
            active: AtomicUsize::new(0),
            user_name,
            spnego: None,
        })
    }

    /// The client the launcher configuration describes:
    /// `yarn.resource_managers`, `yarn.user_name`, `http_timeout_secs`, and
    /// with `yarn.spnego` SPNEGO as `kerberos` (else the default credential
    /// cache).
    pub fn from_config(config: &LauncherConfig) -> Result<Self, LaunchError> {
        let client = Self::new(
            &config.yarn.resource_managers,
            config.yarn.user_name.clone(),
            Duration::from_secs(config.http_timeout_secs),
        )?;
        if config.yarn.spnego {
            client.with_spnego(config.kerberos.as_ref())
        } else {
            Ok(client)
        }
    }

    /// Authenticates to RMs that demand it with SPNEGO, as `kerberos`'s
    /// principal from its keytab, or from the default credential cache
    /// (`KRB5CCNAME`) without one. Loads GSSAPI now: a machine without
    /// `libgssapi_krb5.so.2` fails here, naming the package to install.
    /// `user.name` is no longer sent.
    pub fn with_spnego(mut self, kerberos: Option<&KerberosConfig>) -> Result<Self, LaunchError> {
        self.spnego = Some(Spnego::new(kerberos)?);
        Ok(self)
    }

    /// `user.name` for Hadoop simple authentication (none with SPNEGO).
    pub(crate) fn simple_user(&self) -> Option<&str> {
        match &self.spnego {
            Some(_) => None,
            None => self.user_name.as_deref(),
        }
    }

    /// How many SPNEGO negotiations (Kerberos tokens) this client made;
    /// `0` without SPNEGO. Polling with a valid `hadoop.auth` cookie makes
    /// none.
    pub fn spnego_negotiations(&self) -> u64 {
        self.spnego.as_ref().map_or(0, Spnego::negotiations)
    }

    /// The application, or `None` when the RM does not know it (never
    /// submitted, or aged out of the RM's memory).
    pub async fn application(&self, application_id: &str) -> Result<Option<YarnApp>, LaunchError> {
        check_application_id(application_id)?;
        let path = format!("/ws/v1/cluster/apps/{application_id}");
        let (status, body) = self.call(Method::GET, &path, None).await?;
        match status {
            StatusCode::OK => serde_json::from_str::<AppEnvelope>(&body)
                .map(|e| Some(e.app))
                .map_err(|e| {
                    LaunchError::Other(cause!(
                        "the ResourceManager's answer for {application_id} is not the documented JSON ({e}): {}",
                        excerpt(&body)
                    ))
                }),
            StatusCode::NOT_FOUND => Ok(None),
            other => Err(rm_error(other, &body, &format!("reading application {application_id}"))),
        }
    }

    /// The application's state; `Unknown` when the RM does not know it.
    pub async fn status(&self, application_id: &str) -> Result<ApplicationState, LaunchError> {
        Ok(match self.application(application_id).await? {
            Some(app) => app.application_state(),
            None => ApplicationState::Unknown {
                detail: format!(
                    "no ResourceManager knows application {application_id} (it may have aged out of the RM's memory; see the YARN timeline or history server)"
                ),
            },
        })
    }

    /// The applications carrying a tag (see
    /// [`crate::command::yarn_run_tag`]): how a run whose spark-submit died
    /// before printing the id finds its application again
    /// (`/ws/v1/cluster/apps?applicationTags=<tag>`). Only applications
    /// whose `applicationTags` list the tag are returned: an RM that ignored
    /// the filter would otherwise hand back every application it knows.
    pub async fn find_by_tag(&self, tag: &str) -> Result<Vec<YarnApp>, LaunchError> {
        let valid = !tag.is_empty()
            && tag.len() <= 100
            && tag.chars().all(|c| c.is_ascii_graphic() && c != ',');
        if !valid {
            return Err(LaunchError::Other(cause!(
                "'{tag}' is not a YARN application tag (1 to 100 printable ASCII characters, no commas, no spaces)"
            )));
        }
        let path = format!("/ws/v1/cluster/apps?applicationTags={}", query_escape(tag));
        let (status, body) = self.call(Method::GET, &path, None).await?;
        if status != StatusCode::OK {
            return Err(rm_error(
                status,
                &body,
                &format!("looking up applications tagged {tag}"),
            ));
        }
        let list: AppsEnvelope = serde_json::from_str(&body).map_err(|e| {
            LaunchError::Other(cause!(
                "the ResourceManager's application list is not the documented JSON ({e}): {}",
                excerpt(&body)
            ))
        })?;
        let apps = list.apps.map(|a| a.app).unwrap_or_default();
        let (tagged, others): (Vec<YarnApp>, Vec<YarnApp>) =
            apps.into_iter().partition(|app| app.has_tag(tag));
        if !others.is_empty() {
            let ids: Vec<&str> = others.iter().map(|a| a.id.as_str()).collect();
            warn!(
                tag,
                ignored = %ids.join(", "),
                "the ResourceManager answered the tag lookup with applications not carrying the tag; ignoring them"
            );
        }
        Ok(tagged)
    }

    /// Asks YARN to kill the application.
    pub async fn kill(&self, application_id: &str) -> Result<KillOutcome, LaunchError> {
        check_application_id(application_id)?;
        let path = format!("/ws/v1/cluster/apps/{application_id}/state");
        let (status, body) = self
            .call(Method::PUT, &path, Some(r#"{"state":"KILLED"}"#))
            .await?;
        // The body is the application's state: `202 {"state":"KILLING"}`
        // while YARN kills it, `200 {"state":"KILLED"}` once killed, and
        // `200` with its final state (FINISHED, FAILED) when it had ended
        // before: nothing to kill then.
        let answered = serde_json::from_str::<AppStateBody>(&body)
            .map(|b| b.state)
            .unwrap_or_default();
        match status {
            StatusCode::OK if answered.is_empty() || answered.eq_ignore_ascii_case("KILLED") => {
                info!(application_id, "YARN application killed");
                Ok(KillOutcome::Done)
            }
            StatusCode::OK => {
                info!(application_id, state = %answered, "the YARN application had already ended; nothing to kill");
                Ok(KillOutcome::Done)
            }
            StatusCode::ACCEPTED => {
                info!(application_id, state = %answered, "YARN is killing the application");
                Ok(KillOutcome::InProgress)
            }
            StatusCode::NOT_FOUND => Err(LaunchError::Other(cause!(
                "cannot kill {application_id}: no ResourceManager knows it"
            ))),
            StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED => {
                let who = if self.spnego.is_some() {
                    "the Kerberos principal the launcher authenticates as (launcher.kerberos_principal) must be the submitting user or be allowed by the queue's ACLs"
                } else {
                    "set yarn.user_name to the user that submits (simple authentication)"
                };
                Err(LaunchError::Other(cause!(
                    "the ResourceManager refused to kill {application_id}: {}; only the application's owner or a YARN admin may kill it: {who}",
                    remote_message(&body)
                )))
            }
            other => Err(rm_error(
                other,
                &body,
                &format!("killing application {application_id}"),
            )),
        }
    }

    /// Sends the request to the active RM, trying the others when it is
    /// down or standby.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&'static str>,
    ) -> Result<(StatusCode, String), LaunchError> {
        let user_name = match &self.spnego {
            Some(_) => None,
            None => self.user_name.as_ref(),
        };
        let path_and_query = match user_name {
            Some(user) if path.contains('?') => format!("{path}&user.name={user}"),
            Some(user) => format!("{path}?user.name={user}"),
            None => path.to_string(),
        };
        let n = self.rms.len();
        let first = self.active.load(Ordering::Relaxed) % n;
        let mut failures = Vec::new();
        for k in 0..n {
            let idx = (first + k) % n;
            let base = &self.rms[idx];
            match self.call_one(&method, base, &path_and_query, body).await {
                Ok((Reply::Answer { status, body }, answered_by)) => {
                    let answered = self
                        .rms
                        .iter()
                        .position(|rm| answered_by.starts_with(rm.as_str()))
                        .unwrap_or(idx);
                    if answered != first {
                        info!(rm = %self.rms[answered], "following the active ResourceManager");
                    }
                    self.active.store(answered, Ordering::Relaxed);
                    return Ok((status, body));
                }
                Ok((Reply::Standby(why), _)) => {
                    debug!(rm = %base, %why, "ResourceManager is standby");
                    failures.push(format!("{base} is standby ({why})"));
                }
                Err(Failure::Transport(why)) => {
                    debug!(rm = %base, %why, "ResourceManager unreachable");
                    failures.push(format!("{base}: {why}"));
                }
                Err(Failure::Fatal(e)) => return Err(e),
            }
        }
        Err(LaunchError::Unreachable(cause!(
            "no active ResourceManager answered {path}: {}",
            failures.join("; ")
        )))
    }

    /// One RM, following its redirects. Returns the reply and the URL that
    /// gave it.
    async fn call_one(
        &self,
        method: &Method,
        base: &str,
        path_and_query: &str,
        body: Option<&'static str>,
    ) -> Result<(Reply, String), Failure> {
        let mut url = format!("{base}{path_and_query}");
        for _ in 0..=MAX_REDIRECTS {
            let sent = self.exchange(method, &url, body, JSON).await?;
            if sent.status.is_redirection() {
                match sent.location {
                    Some(loc) => {
                        debug!(from = %url, to = %loc, "ResourceManager redirect");
                        url = resolve_location(&url, &loc);
                        continue;
                    }
                    None => return Ok((Reply::Standby(first_line(&sent.text)), url)),
                }
            }
            let text = sent.text;
            if text.contains("This is standby RM")
                || text.contains("There is no active RM right now")
                || text.contains("Can not find any active RM")
            {
                return Ok((Reply::Standby(first_line(&text)), url));
            }
            return Ok((
                Reply::Answer {
                    status: sent.status,
                    body: text,
                },
                url,
            ));
        }
        Err(Failure::Transport(format!(
            "more than {MAX_REDIRECTS} redirects"
        )))
    }

    /// One request to one URL; with SPNEGO, the RM's cookie is sent and a
    /// `401 Negotiate` is answered with a Kerberos token for its host.
    pub(crate) async fn exchange(
        &self,
        method: &Method,
        url: &str,
        body: Option<&'static str>,
        accept: &'static str,
    ) -> Result<Sent, Failure> {
        let Some(spnego) = &self.spnego else {
            let sent = self.send(method, url, body, accept, None, None).await?;
            if sent.status == StatusCode::UNAUTHORIZED && sent.negotiate.is_some() {
                let origin = Target::of(url)
                    .map(|t| t.origin)
                    .unwrap_or_else(|_| url.to_string());
                return Err(Failure::Fatal(spnego::not_configured(&origin)));
            }
            return Ok(sent);
        };
        let target = Target::of(url).map_err(Failure::Fatal)?;
        let origin = spnego.origin(&target.origin);
        let mut waited = false;
        loop {
            let (cookie, generation) = origin.cookie_header();
            let sent = self
                .send(method, url, body, accept, cookie.as_deref(), None)
                .await?;
            if sent.status != StatusCode::UNAUTHORIZED || sent.negotiate.is_none() {
                origin.update(&sent.set_cookie);
                return Ok(sent);
            }
            // The RM wants Kerberos: negotiate, once for all the requests
            // that met this 401 together.
            let _negotiating = origin.negotiation_lock().await;
            if origin.generation() != generation && !waited {
                // Another request negotiated meanwhile: use its cookie.
                waited = true;
                continue;
            }
            origin.clear();
            debug!(rm = %target.origin, "ResourceManager asks for SPNEGO");
            let (ctx, authorization) = spnego.initiate(&target).await.map_err(Failure::Fatal)?;
            let sent = self
                .send(method, url, body, accept, None, Some(&authorization))
                .await?;
            let cookie_set = origin.update(&sent.set_cookie);
            let refused = sent.status == StatusCode::UNAUTHORIZED
                || (sent.status == StatusCode::FORBIDDEN && !cookie_set);
            if refused {
                return Err(Failure::Fatal(spnego.rejected(
                    &target,
                    sent.status.as_u16(),
                    &remote_message(&sent.text),
                )));
            }
            if let Some(Some(token)) = &sent.negotiate {
                if let Err(e) = spnego.verify(&target, ctx, token).await {
                    // Not the RM it claims to be: keep nothing from it.
                    origin.clear();
                    return Err(Failure::Fatal(e));
                }
            }
            return Ok(sent);
        }
    }

    /// Sends one request and reads the whole answer.
    async fn send(
        &self,
        method: &Method,
        url: &str,
        body: Option<&'static str>,
        accept: &'static str,
        cookie: Option<&str>,
        authorization: Option<&str>,
    ) -> Result<Sent, Failure> {
        let mut req = self
            .http
            .request(method.clone(), url)
            .header("Accept", accept);
        if let Some(b) = body {
            req = req.header(CONTENT_TYPE, "application/json").body(b);
        }
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        if let Some(a) = authorization {
            req = req.header(AUTHORIZATION, a);
        }
        let reply = crate::send_and_read(req)
            .await
            .map_err(Failure::Transport)?;
        let headers = &reply.headers;
        Ok(Sent {
            status: reply.status,
            location: headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            negotiate: spnego::negotiate_challenge(headers),
            set_cookie: spnego::set_cookies(headers),
            text: reply.text,
        })
    }
}

/// `application_<cluster timestamp>_<sequence>`: nothing else goes into a URL.
pub fn check_application_id(id: &str) -> Result<(), LaunchError> {
    match numbered_id(id, "application_", '_') {
        Some(_) => Ok(()),
        None => Err(LaunchError::Other(cause!(
            "'{id}' is not a YARN application id (application_<timestamp>_<number>)"
        ))),
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters, for a query
/// value.
fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn resolve_location(current: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_string();
    }
    // scheme://authority of the current URL + the absolute path given.
    let scheme_end = current.find("://").map(|i| i + 3).unwrap_or(0);
    let authority_end = current[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(current.len());
    format!("{}{}", &current[..authority_end], location)
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no body")
        .chars()
        .take(200)
        .collect()
}

fn remote_message(body: &str) -> String {
    match serde_json::from_str::<RemoteExceptionEnvelope>(body) {
        Ok(e) => match (e.remote_exception.exception, e.remote_exception.message) {
            (Some(ex), Some(msg)) => format!("{ex}: {msg}"),
            (None, Some(msg)) => msg,
            (Some(ex), None) => ex,
            (None, None) => excerpt(body),
        },
        Err(_) => excerpt(body),
    }
}

pub(crate) fn rm_error(status: StatusCode, body: &str, doing: &str) -> LaunchError {
    LaunchError::Other(cause!(
        "the ResourceManager answered {status} {doing}: {}",
        remote_message(body)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_ids() {
        assert!(check_application_id("application_1700000000000_0001").is_ok());
        for bad in [
            "application_1_",
            "application__1",
            "app_1_1",
            "application_1_1/../x",
            "application_1_1?x",
        ] {
            assert!(check_application_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn application_ids_order_numerically() {
        assert_eq!(
            application_id_order("application_1700000000000_0042"),
            Some((1_700_000_000_000, 42))
        );
        assert!(
            application_id_order("application_1700000000000_10000")
                > application_id_order("application_1700000000000_9999")
        );
        assert!(
            application_id_order("application_1000000000000_0001")
                > application_id_order("application_999999999999_0500")
        );
        for bad in [
            "application_1_",
            "application_x_1",
            "app_1_1",
            "application_1_1_1",
        ] {
            assert_eq!(application_id_order(bad), None, "{bad}");
        }
    }

    #[test]
    fn tags_are_escaped_for_the_query() {
        assert_eq!(query_escape("cdp-run-0f3c_7.x~"), "cdp-run-0f3c_7.x~");
        assert_eq!(query_escape("a&b=c#d%"), "a%26b%3Dc%23d%25");
    }

    #[test]
    fn locations_resolve_against_the_current_url() {
        assert_eq!(
            resolve_location(
                "http://rm1:8088/ws/v1/cluster/apps/a",
                "http://rm2:8088/ws/v1/cluster/apps/a"
            ),
            "http://rm2:8088/ws/v1/cluster/apps/a"
        );
        assert_eq!(
            resolve_location("http://rm1:8088/ws/v1/cluster/apps/a", "/ws/v1/x"),
            "http://rm1:8088/ws/v1/x"
        );
    }

    #[test]
    fn remote_exceptions_are_read() {
        let body = r#"{"RemoteException":{"exception":"NotFoundException","message":"java.lang.Exception: app with id: application_1_0001 not found","javaClassName":"org.apache.hadoop.yarn.webapp.NotFoundException"}}"#;
        assert_eq!(
            remote_message(body),
            "NotFoundException: java.lang.Exception: app with id: application_1_0001 not found"
        );
        assert_eq!(remote_message("plain text"), "plain text");
    }
}
