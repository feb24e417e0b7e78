//! Notifications: which events a run's transition makes, where they go and
//! when a delivery is tried again. Pure decisions; the job store writes the
//! events to its outbox in the transaction that ends the run, and a sender
//! (`cdp-spark-notify`) posts them to the operator's webhooks.
//!
//! - A run that ends `FAILED`, `TIMED_OUT`, `LOST` or `KILLED` makes one
//!   [`EventKind::RunFailed`].
//! - A run that ends `SUCCEEDED` when the job's previous ended run (before
//!   this one, `SKIPPED` fires aside) ended in one of those states makes one
//!   [`EventKind::RunRecovered`].
//! - A run that has not ended by its nominal (scheduled) time plus the
//!   job's `jobConfig.schedule.deadline` makes one
//!   [`EventKind::DeadlineMissed`]: the event is written, not yet due, when
//!   the run is created, and withdrawn when the run ends in time.
//!
//! Each event is one outbox row per webhook it is routed to, keyed by (run
//! id, kind, webhook): a second write of the same transition (another
//! instance, a retried transaction) is a no-op.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::model::{JobKey, RunRecord, RunState};

/// Longest error text an event carries, in characters.
pub const MAX_ERROR_CHARS: usize = 2000;

/// Longest webhook name (the outbox's `TARGET` column).
pub const MAX_WEBHOOK_NAME_LEN: usize = 64;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// A run ended `FAILED`, `TIMED_OUT`, `LOST` or `KILLED`.
    RunFailed,
    /// A run succeeded after the job's previous run failed.
    RunRecovered,
    /// A run had not ended by its nominal time plus the job's deadline.
    DeadlineMissed,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [
        EventKind::RunFailed,
        EventKind::RunRecovered,
        EventKind::DeadlineMissed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RunFailed => "RUN_FAILED",
            EventKind::RunRecovered => "RUN_RECOVERED",
            EventKind::DeadlineMissed => "DEADLINE_MISSED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether a final state counts as a failure for notifications. By the
/// state's text, so that every failing final state is listed in one place
/// whatever variants the model has.
pub fn is_failure(state: RunState) -> bool {
    matches!(state.as_str(), "FAILED" | "TIMED_OUT" | "LOST" | "KILLED")
}

/// The events a run's end makes: `state` the run's final state, `previous`
/// the final state of the job's previous ended run (none: the first run).
pub fn events_at_end(state: RunState, previous: Option<RunState>) -> Vec<EventKind> {
    if !state.is_final() || state == RunState::Skipped {
        return Vec::new();
    }
    if is_failure(state) {
        return vec![EventKind::RunFailed];
    }
    if state == RunState::Succeeded && previous.is_some_and(is_failure) {
        return vec![EventKind::RunRecovered];
    }
    Vec::new()
}

/// When a run fired for `nominal` must have ended, with a deadline of
/// `deadline_secs` (none: no deadline).
pub fn deadline_at(nominal: DateTime<Utc>, deadline_secs: Option<u64>) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(deadline_secs?).ok()?;
    nominal.checked_add_signed(chrono::Duration::try_seconds(secs)?)
}

/// Whether a run with this deadline missed it: it ended after it, or it
/// has not ended and `now` is past it.
pub fn deadline_missed(
    deadline: DateTime<Utc>,
    ended_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    match ended_at {
        Some(ended) => ended > deadline,
        None => now >= deadline,
    }
}

/// One operator webhook as the outbox routes to it: its name and, when
/// set, the only data products whose events it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub name: String,
    pub data_products: Option<BTreeSet<String>>,
}

/// The operator's webhooks, in configuration order. Empty: notifications
/// are off and no event is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routes(pub Vec<Route>);

impl Routes {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The webhooks that receive events of this data product.
    pub fn targets<'a>(&'a self, data_product: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |r| {
                r.data_products
                    .as_ref()
                    .is_none_or(|set| set.contains(data_product))
            })
            .map(|r| r.name.as_str())
    }
}

/// One event, before it is routed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub job: JobKey,
    pub component_id: String,
    pub run_id: String,
    /// The run's state when the event was made (`None` for a deadline
    /// event, made before the run ends).
    pub state: Option<RunState>,
    pub nominal_time: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

impl Event {
    /// The event of `kind` about `run` of the job `component_id` was
    /// provisioned from.
    pub fn of_run(kind: EventKind, run: &RunRecord, component_id: &str) -> Self {
        Self {
            kind,
            job: run.job_key.clone(),
            component_id: component_id.to_string(),
            run_id: run.run_id.clone(),
            state: (kind != EventKind::DeadlineMissed).then_some(run.state),
            nominal_time: run.scheduled_fire_time,
            ended_at: run.ended_at,
            deadline: None,
            error: run.error.clone(),
        }
    }

    /// The JSON body posted to a webhook: everything a receiver needs to
    /// act, the error through the redaction patterns and bounded. The
    /// event id (the idempotency key) is added by the outbox per delivery.
    pub fn payload(&self, event_id: &str) -> Value {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let error = self.error.as_deref().map(|e| {
            let e = crate::redact::text(e);
            if e.chars().count() > MAX_ERROR_CHARS {
                let mut s: String = e.chars().take(MAX_ERROR_CHARS).collect();
                s.push('…');
                s
            } else {
                e
            }
        });
        json!({
            "eventId": event_id,
            "kind": self.kind.as_str(),
            "job": self.job.to_string(),
            "dataProduct": self.job.group,
            "jobName": self.job.name,
            "component": self.component_id,
            "runId": self.run_id,
            "state": self.state.map(RunState::as_str),
            "nominalTime": time(self.nominal_time),
            "endedAt": self.ended_at.map(time),
            "deadline": self.deadline.map(time),
            "error": error,
            "links": { "run": format!("/v1/scheduler/runs/{}", self.run_id) },
        })
    }
}

/// How deliveries are tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The wait after the first failed attempt; doubled after each.
    pub initial_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            initial_backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(600),
        }
    }
}

/// What an attempt's result makes of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Delivered (a 2xx answer).
    Sent,
    /// Tried again after this wait.
    Retry { after: Duration, error: String },
    /// Given up: the attempts are spent, or the answer says another try
    /// cannot succeed.
    Failed { error: String },
}

/// What one attempt answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    /// The webhook answered this HTTP status.
    Status(u16),
    /// No answer: connection refused, timeout, TLS failure.
    Transport(String),
}

/// What becomes of a delivery after its `attempts`-th attempt (counting
/// from 1) answered `result`: 2xx is sent; 408, 425, 429, 5xx and
/// transport failures are tried again with exponential backoff until
/// `max_attempts`; any other status is final.
pub fn after_attempt(result: &AttemptResult, attempts: u32, policy: &RetryPolicy) -> Delivery {
    let error = match result {
        AttemptResult::Status(s) if (200..300).contains(s) => return Delivery::Sent,
        AttemptResult::Status(s) if !matches!(s, 408 | 425 | 429 | 500..=599) => {
            return Delivery::Failed {
                error: format!("the webhook answered HTTP {s}"),
            }
        }
        AttemptResult::Status(s) => format!("the webhook answered HTTP {s}"),
        AttemptResult::Transport(e) => e.clone(),
    };
    if attempts >= policy.max_attempts.max(1) {
        return Delivery::Failed {
            error: format!("{error} (attempt {attempts} of {})", policy.max_attempts),
        };
    }
    Delivery::Retry {
        after: backoff(attempts, policy),
        error,
    }
}

/// The wait after the `attempts`-th failed attempt: `initial_backoff`
/// doubled `attempts - 1` times, at most `max_backoff`.
pub fn backoff(attempts: u32, policy: &RetryPolicy) -> Duration {
    let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(30));
    policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff)
}

/// The checks of a webhook as the operator configured it: its name (used
/// as a label and stored with each delivery) and URL (http or https, with
/// a host; never from a descriptor).
pub fn check_webhook(name: &str, url: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_WEBHOOK_NAME_LEN {
        return Err(format!(
            "a webhook name has 1 to {MAX_WEBHOOK_NAME_LEN} characters"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "webhook name '{}' may only hold letters, digits, '-', '_' and '.'",
            name.escape_debug()
        ));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("webhook '{name}': the URL must start with http:// or https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!("webhook '{name}': the URL has no host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
