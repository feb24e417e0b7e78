//! The `[notifications]` section: the operator's webhooks and how
//! deliveries are tried. URLs come only from here, never from a
//! descriptor.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use cdp_spark_domain::config_text::KeyError;
use cdp_spark_domain::notify::{check_webhook, RetryPolicy, Route, Routes};
use serde::{Deserialize, Serialize};

use crate::sender::SenderConfig;
use crate::webhook::Webhook;

/// Most webhooks.
const MAX_WEBHOOKS: usize = 32;

/// One webhook of `[[notifications.webhooks]]`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Its name: a label and the outbox's target (letters, digits, `-_.`).
    pub name: String,
    /// `http://` or `https://`.
    pub url: String,
    /// Only events of these data products (ids); absent: all.
    #[serde(default)]
    pub data_products: Option<Vec<String>>,
    /// Extra request headers (e.g. `Authorization`); their values are
    /// secrets, never logged.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSettings")
            .field("name", &self.name)
            .field("url", &cdp_spark_domain::redact::redact_url(&self.url))
            .field("data_products", &self.data_products)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The `[notifications]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsSettings {
    /// The webhooks; none: notifications are off (no event is written).
    pub webhooks: Vec<WebhookSettings>,
    /// Attempts per delivery, the first included.
    pub max_attempts: u32,
    /// Longest wait for one POST's answer, ms.
    pub timeout_ms: u64,
    /// Wait after the first failed attempt, doubled after each, ms.
    pub initial_backoff_ms: u64,
    /// Longest wait between attempts, ms.
    pub max_backoff_ms: u64,
    /// How often the outbox is looked at when it had nothing due, ms.
    pub poll_interval_ms: u64,
    /// POSTs in flight at once.
    pub max_concurrent: usize,
    /// Deliveries that ended (sent, given up, withdrawn) are deleted after
    /// this many hours.
    pub retention_hours: u64,
}

impl Default for NotificationsSettings {
    fn default() -> Self {
        let r = RetryPolicy::default();
        Self {
            webhooks: Vec::new(),
            max_attempts: r.max_attempts,
            timeout_ms: 10_000,
            initial_backoff_ms: u64::try_from(r.initial_backoff.as_millis()).unwrap_or(5000),
            max_backoff_ms: u64::try_from(r.max_backoff.as_millis()).unwrap_or(600_000),
            poll_interval_ms: 2000,
            max_concurrent: 4,
            retention_hours: 168,
        }
    }
}

impl NotificationsSettings {
    /// Whether any webhook is configured.
    pub fn enabled(&self) -> bool {
        !self.webhooks.is_empty()
    }

    pub fn check(&self) -> Result<(), KeyError> {
        if self.webhooks.len() > MAX_WEBHOOKS {
            return Err(KeyError::new(
                "notifications.webhooks",
                format!("at most {MAX_WEBHOOKS} webhooks"),
            ));
        }
        let mut names = BTreeSet::new();
        for w in &self.webhooks {
            check_webhook(&w.name, &w.url)
                .map_err(|e| KeyError::new("notifications.webhooks", e))?;
            if !names.insert(w.name.as_str()) {
                return Err(KeyError::new(
                    "notifications.webhooks",
                    format!("two webhooks are named '{}'", w.name),
                ));
            }
            for (k, v) in &w.headers {
                let bad_name = k.is_empty()
                    || !k
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if bad_name || v.bytes().any(|b| b < 0x20 && b != b'\t') {
                    return Err(KeyError::new(
                        "notifications.webhooks",
                        format!(
                            "webhook '{}': header '{}' is not a valid header (name: letters, digits, '-'; value: no control characters)",
                            w.name,
                            k.escape_debug()
                        ),
                    ));
                }
            }
        }
        for (key, value) in [
            ("notifications.max_attempts", u64::from(self.max_attempts)),
            ("notifications.timeout_ms", self.timeout_ms),
            ("notifications.poll_interval_ms", self.poll_interval_ms),
            ("notifications.max_concurrent", self.max_concurrent as u64),
            ("notifications.retention_hours", self.retention_hours),
        ] {
            if value == 0 {
                return Err(KeyError::new(key, "must be at least 1"));
            }
        }
        if self.max_backoff_ms < self.initial_backoff_ms {
            return Err(KeyError::new(
                "notifications.max_backoff_ms",
                "must not be less than notifications.initial_backoff_ms",
            ));
        }
        Ok(())
    }

    /// The routes the job store writes events for.
    pub fn routes(&self) -> Routes {
        Routes(
            self.webhooks
                .iter()
                .map(|w| Route {
                    name: w.name.clone(),
                    data_products: w
                        .data_products
                        .as_ref()
                        .map(|d| d.iter().cloned().collect()),
                })
                .collect(),
        )
    }

    /// The webhooks for [`crate::WebhookNotifier`].
    pub fn webhooks(&self) -> Vec<Webhook> {
        self.webhooks
            .iter()
            .map(|w| Webhook {
                name: w.name.clone(),
                url: w.url.clone(),
                headers: w.headers.clone().into_iter().collect(),
            })
            .collect()
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// The sender's settings.
    pub fn sender(&self) -> SenderConfig {
        SenderConfig {
            retry: RetryPolicy {
                max_attempts: self.max_attempts,
                initial_backoff: Duration::from_millis(self.initial_backoff_ms),
                max_backoff: Duration::from_millis(self.max_backoff_ms),
            },
            poll_interval: Duration::from_millis(self.poll_interval_ms),
            max_concurrent: self.max_concurrent,
            // A claim outlives the slowest POST of a batch, with room.
            lease: self.timeout().saturating_mul(2) + Duration::from_secs(30),
            batch_size: 50,
            retention: Duration::from_secs(self.retention_hours.saturating_mul(3600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(name: &str, url: &str) -> WebhookSettings {
        WebhookSettings {
            name: name.into(),
            url: url.into(),
            data_products: None,
            headers: BTreeMap::new(),
        }
    }

    #[test]
    fn checks_name_the_key() {
        assert!(NotificationsSettings::default().check().is_ok());
        let mut s = NotificationsSettings {
            webhooks: vec![hook("ops", "https://h/x"), hook("ops", "https://h/y")],
            ..Default::default()
        };
        assert!(s.check().unwrap_err().problem.contains("two webhooks"));
        s.webhooks = vec![hook("ops", "gopher://h")];
        assert_eq!(s.check().unwrap_err().key, "notifications.webhooks");
        s.webhooks = vec![hook("ops", "https://h/x")];
        s.webhooks[0]
            .headers
            .insert("Authorization".into(), "Bearer a\nb".into());
        assert!(s.check().is_err());
        s.webhooks[0].headers.clear();
        s.timeout_ms = 0;
        assert_eq!(s.check().unwrap_err().key, "notifications.timeout_ms");
    }

    #[test]
    fn debug_shows_no_header_value_or_url_password() {
        let mut w = hook("ops", "https://user:pw-123@h/x");
        w.headers
            .insert("Authorization".into(), "Bearer s3cret".into());
        let text = format!("{w:?}");
        assert!(
            !text.contains("s3cret") && !text.contains("pw-123"),
            "{text}"
        );
        assert!(text.contains("Authorization"));
    }
}
