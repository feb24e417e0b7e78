//! The sender: a task that delivers the outbox through the ports only
//! (`OutboxPort`, `NotifierPort`). It claims due deliveries under a lease
//! (another instance cannot claim them meanwhile), posts at most
//! `max_concurrent` at once, each bounded by the notifier's timeout, and
//! records what the domain's retry rule (`notify::after_attempt`) makes of
//! each answer. At least once: a delivery whose outcome could not be
//! recorded is sent again after its lease; receivers deduplicate on the
//! `Idempotency-Key`. It never blocks the scheduler: its own task, its own
//! store calls.

use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::notify::{after_attempt, Delivery, RetryPolicy};
use cdp_spark_domain::ports::{NotifierPort, OutboxEntry, OutboxPort};
use futures::StreamExt;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

/// What the sender counts, for metrics.
pub trait SenderObserver: Send + Sync {
    /// A delivery attempt ended: `sent`, `retry` or `failed`.
    fn delivered(&self, outcome: &'static str);
}

/// Counts nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSenderObserver;

impl SenderObserver for NoSenderObserver {
    fn delivered(&self, _outcome: &'static str) {}
}

/// How the sender works.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    pub retry: RetryPolicy,
    /// Wait between looks at an outbox that had nothing due.
    pub poll_interval: Duration,
    pub max_concurrent: usize,
    /// How long a claim holds its deliveries.
    pub lease: Duration,
    /// Deliveries per claim.
    pub batch_size: usize,
    /// Ended deliveries older than this are deleted, once an hour.
    pub retention: Duration,
}

/// How often ended deliveries are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Starts the sender.
pub struct Sender;

/// The running sender; [`SenderHandle::stop`] ends it after the
/// deliveries in progress.
pub struct SenderHandle {
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl SenderHandle {
    pub async fn stop(self) {
        self.stop.cancel();
        if let Err(e) = self.task.await {
            warn!(error = %e, "the notification sender ended abnormally");
        }
    }
}

impl Sender {
    pub fn start(
        config: SenderConfig,
        outbox: Arc<dyn OutboxPort>,
        notifier: Arc<dyn NotifierPort>,
        observer: Arc<dyn SenderObserver>,
    ) -> SenderHandle {
        let stop = CancellationToken::new();
        let token = stop.clone();
        let task = tokio::spawn(async move {
            info!("notification sender started");
            run(&config, &*outbox, &*notifier, &*observer, &token).await;
            info!("notification sender stopped");
        });
        SenderHandle { stop, task }
    }
}

async fn run(
    c: &SenderConfig,
    outbox: &dyn OutboxPort,
    notifier: &dyn NotifierPort,
    observer: &dyn SenderObserver,
    stop: &CancellationToken,
) {
    let mut purged_at: Option<tokio::time::Instant> = None;
    while !stop.is_cancelled() {
        if purged_at.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
            purged_at = Some(tokio::time::Instant::now());
            match outbox.purge_notifications(c.retention).await {
                Ok(0) => {}
                Ok(n) => info!(deleted = n, "ended notifications purged"),
                Err(e) => warn!(error = %e, "purging ended notifications failed"),
            }
        }
        let claimed = match outbox.claim_notifications(c.batch_size, c.lease).await {
            Ok(entries) => entries,
            Err(e) => {
                warn!(error = %e, "claiming notifications failed; trying again");
                Vec::new()
            }
        };
        let full = claimed.len() >= c.batch_size;
        futures::stream::iter(claimed)
            .for_each_concurrent(c.max_concurrent.max(1), |entry| {
                deliver(c, outbox, notifier, observer, entry)
            })
            .await;
        if full {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(c.poll_interval) => {}
            _ = stop.cancelled() => return,
        }
    }
}

async fn deliver(
    c: &SenderConfig,
    outbox: &dyn OutboxPort,
    notifier: &dyn NotifierPort,
    observer: &dyn SenderObserver,
    entry: OutboxEntry,
) {
    let result = notifier
        .post(&entry.target, &entry.event_id, &entry.payload)
        .await;
    let outcome = after_attempt(&result, entry.attempts, &c.retry);
    let label = match &outcome {
        Delivery::Sent => "sent",
        Delivery::Retry { .. } => "retry",
        Delivery::Failed { .. } => "failed",
    };
    match &outcome {
        Delivery::Sent => {
            info!(event = %entry.event_id, kind = entry.kind.as_str(), webhook = %entry.target, attempt = entry.attempts, "notification sent")
        }
        Delivery::Retry { after, error } => {
            warn!(event = %entry.event_id, webhook = %entry.target, attempt = entry.attempts, retry_in_ms = after.as_millis() as u64, error = %error, "notification not delivered; will retry")
        }
        Delivery::Failed { error } => {
            warn!(event = %entry.event_id, webhook = %entry.target, attempt = entry.attempts, error = %error, "notification given up")
        }
    }
    observer.delivered(label);
    match outbox.complete_notification(&entry, &outcome).await {
        Ok(true) => {}
        Ok(false) => {
            warn!(event = %entry.event_id, "the notification's lease expired before its outcome was stored")
        }
        Err(e) => {
            warn!(event = %entry.event_id, error = %e, "storing a notification's outcome failed; it is sent again after its lease")
        }
    }
}
