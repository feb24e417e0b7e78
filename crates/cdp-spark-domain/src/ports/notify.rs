//! The notification ports: the outbox of events (`OutboxPort`), the
//! webhook POST (`NotifierPort`), per-job times for the metrics
//! (`JobTimesPort`) and the engine's observer (`EngineObserver`). Re-exported
//! by `ports`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::model::JobKey;

/// One delivery claimed from the outbox: an event for one webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The event's id, sent as the idempotency key: the same for every
    /// attempt of this delivery.
    pub event_id: String,
    pub kind: crate::notify::EventKind,
    /// The webhook's name in the operator's configuration.
    pub target: String,
    /// The JSON body.
    pub payload: String,
    /// Attempts made, this one included.
    pub attempts: u32,
    /// The claim's token: only its holder may record the outcome.
    pub lease: String,
}

/// The notification outbox the store keeps: events written in the
/// transactions that end runs, claimed for delivery under a lease.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OutboxPort: Send + Sync {
    /// Claims at most `limit` due deliveries (pending, next attempt time
    /// reached on the database's clock, no live lease) for `lease_for`;
    /// counts the attempt. Two instances never hold the same delivery.
    async fn claim_notifications(
        &self,
        limit: usize,
        lease_for: std::time::Duration,
    ) -> Result<Vec<OutboxEntry>, StoreError>;

    /// Records what an attempt made of a delivery, if `entry`'s lease is
    /// still the delivery's; answers whether it was.
    async fn complete_notification(
        &self,
        entry: &OutboxEntry,
        outcome: &crate::notify::Delivery,
    ) -> Result<bool, StoreError>;

    /// Deletes deliveries that ended (sent, given up, withdrawn) and were
    /// created more than `older_than` ago; answers how many.
    async fn purge_notifications(&self, older_than: std::time::Duration)
        -> Result<u64, StoreError>;
}

/// Posts one event to one of the operator's webhooks.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait NotifierPort: Send + Sync {
    /// One attempt, bounded in time: `payload` (JSON) to the webhook named
    /// `target`, with `event_id` as the idempotency key.
    async fn post(
        &self,
        target: &str,
        event_id: &str,
        payload: &str,
    ) -> crate::notify::AttemptResult;
}

/// A job's last success and next fire time, for the per-job metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobTimes {
    pub job: JobKey,
    pub last_success: Option<DateTime<Utc>>,
    pub next_fire: Option<DateTime<Utc>>,
}

/// What the per-job metrics read.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobTimesPort: Send + Sync {
    /// At most `limit` jobs (ordered by key) with the end of their latest
    /// `SUCCEEDED` run and the earliest next fire time of their waiting
    /// triggers.
    async fn job_times(&self, limit: usize) -> Result<Vec<JobTimes>, StoreError>;
}

/// What the scheduler engine observes, for metrics. Every method has an
/// empty default.
pub trait EngineObserver: Send + Sync {
    /// A fire started this long after its scheduled time.
    fn fired(&self, lateness: std::time::Duration) {
        let _ = lateness;
    }
    /// A run this instance stored ended in `state`, after `duration` from
    /// its fire (none when unknown).
    fn run_ended(&self, state: crate::model::RunState, duration: Option<std::time::Duration>) {
        let _ = (state, duration);
    }
    /// Triggers that misfired, fires skipped (a run in flight).
    fn acquired(&self, misfired: usize, skipped: usize) {
        let _ = (misfired, skipped);
    }
}

/// An observer that observes nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl EngineObserver for NoObserver {}
