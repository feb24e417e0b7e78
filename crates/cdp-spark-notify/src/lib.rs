//! Notifications of the CDP Spark provisioner: the webhook adapter of the
//! domain's `NotifierPort` (`webhook.rs`: one bounded POST per attempt,
//! with the event id as `Idempotency-Key`), the sender that delivers the
//! job store's outbox through the ports (`sender.rs`: claims due
//! deliveries under a lease, a few at once, and records what the domain's
//! retry rule makes of each answer) and the `[notifications]` section
//! (`config.rs`). Which events a run makes is the domain's
//! (`cdp_spark_domain::notify`); the store writes them in the transaction
//! that ends the run.

mod config;
mod sender;
mod webhook;

pub use config::{NotificationsSettings, WebhookSettings};
pub use sender::{NoSenderObserver, Sender, SenderConfig, SenderHandle, SenderObserver};
pub use webhook::{Webhook, WebhookNotifier};
