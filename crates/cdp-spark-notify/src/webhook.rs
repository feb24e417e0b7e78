//! `NotifierPort` over HTTP: one POST per attempt to the webhook the
//! operator configured under that name, bounded by `notifications.timeout_ms`,
//! no redirects followed, the event id as `Idempotency-Key`. Header values
//! are secrets: never logged, never in an error.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use cdp_spark_domain::notify::AttemptResult;
use cdp_spark_domain::ports::NotifierPort;
use cdp_spark_domain::redact;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};

/// One webhook: where and with which extra headers.
#[derive(Clone)]
pub struct Webhook {
    pub name: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

struct Target {
    url: reqwest::Url,
    headers: HeaderMap,
}

/// The webhooks by name.
pub struct WebhookNotifier {
    client: reqwest::Client,
    targets: HashMap<String, Target>,
}

impl std::fmt::Debug for WebhookNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookNotifier")
            .field("webhooks", &self.targets.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl WebhookNotifier {
    /// A notifier for `webhooks`, each POST answered within `timeout`.
    pub fn new(webhooks: &[Webhook], timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("cdp-spark-provisioner/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("the webhook client cannot be built: {e}"))?;
        let mut targets = HashMap::new();
        for w in webhooks {
            let url = reqwest::Url::parse(&w.url).map_err(|e| {
                format!(
                    "webhook '{}': '{}' is not a URL: {e}",
                    w.name,
                    redact::redact_url(&w.url)
                )
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(format!("webhook '{}': not an http(s) URL", w.name));
            }
            let mut headers = HeaderMap::new();
            for (k, v) in &w.headers {
                let name = HeaderName::from_bytes(k.as_bytes())
                    .map_err(|_| format!("webhook '{}': '{k}' is not a header name", w.name))?;
                let mut value = HeaderValue::from_str(v).map_err(|_| {
                    format!("webhook '{}': the value of '{k}' is not valid", w.name)
                })?;
                value.set_sensitive(true);
                headers.insert(name, value);
            }
            targets.insert(w.name.clone(), Target { url, headers });
        }
        Ok(Self { client, targets })
    }
}

#[async_trait]
impl NotifierPort for WebhookNotifier {
    async fn post(&self, target: &str, event_id: &str, payload: &str) -> AttemptResult {
        let Some(t) = self.targets.get(target) else {
            // A delivery for a webhook removed from the configuration since.
            return AttemptResult::Transport(format!("no webhook named '{target}' is configured"));
        };
        let request = self
            .client
            .post(t.url.clone())
            .headers(t.headers.clone())
            .header(CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", event_id)
            .body(payload.to_string());
        match request.send().await {
            Ok(answer) => AttemptResult::Status(answer.status().as_u16()),
            Err(e) => {
                let what = if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect"
                } else {
                    "failed"
                };
                // Without the URL: it may hold a token in its query.
                AttemptResult::Transport(format!(
                    "the POST to webhook '{target}' {what}: {}",
                    redact::text(&e.without_url().to_string())
                ))
            }
        }
    }
}
