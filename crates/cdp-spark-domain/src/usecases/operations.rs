//! Asynchronous operations: a token answered at once, the work run by
//! whoever spawns the task [`Operations::start`] gives back, and the final
//! status kept in the [`OperationStorePort`] so that the token can be
//! polled from any instance, also after a restart.
//!
//! The rules live here: at most [`Settings::max_in_flight`] operations run
//! at once in one instance (past it a new one is refused, not queued); a
//! result is stored bounded ([`super::operation_results`]), its write
//! retried with a backoff; a `RUNNING` operation that no live instance runs
//! and that is older than [`Settings::abandon_after`] answers `FAILED`;
//! ended operations are purged [`Settings::retention`] after they ended.
//! "Now" comes from the [`Clock`]; waiting from the [`TimerPort`].

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::future::BoxFuture;
use tracing::{info, warn};

use super::errors::UseCaseError;
use super::operation_results::bounded_result;
use crate::api::{
    ProvisioningStatus, Status, SystemError, ValidationInfo, ValidationResult, ValidationStatus,
};
use crate::clock::{Clock, SystemClock};
use crate::model::{OperationKind, OperationRecord};
use crate::ports::{OperationStorePort, TimerPort};

/// Most asynchronous operations running at once in one instance by default.
pub const MAX_IN_FLIGHT: usize = 64;

/// Attempts at storing an operation's outcome before giving up.
pub const SAVE_ATTEMPTS: u32 = 5;
/// Wait after the first failed attempt; doubled after each.
pub const FIRST_RETRY_DELAY: Duration = Duration::from_millis(100);

/// The bounds of asynchronous operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// A `RUNNING` operation older than this that no live instance runs
    /// was abandoned by a stopped instance (`async.abandon_after_secs`).
    pub abandon_after: Duration,
    /// Ended operations are deleted this long after they ended
    /// (`async.retention_hours`).
    pub retention: Duration,
    /// Operations running at once in one instance.
    pub max_in_flight: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            abandon_after: Duration::from_secs(3600),
            retention: Duration::from_secs(7 * 24 * 3600),
            max_in_flight: MAX_IN_FLIGHT,
        }
    }
}

/// The final answer of an operation: its status and the API body as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Status,
    pub body: String,
}

impl Outcome {
    pub fn provisioning(status: &ProvisioningStatus) -> Self {
        Self {
            status: status.status,
            body: serde_json::to_string(status).unwrap_or_else(|e| {
                format!(
                    "{{\"status\":\"FAILED\",\"result\":\"the status could not be encoded: {e}\"}}"
                )
            }),
        }
    }

    pub fn validation(status: &ValidationStatus) -> Self {
        Self {
            status: status.status,
            body: serde_json::to_string(status)
                .unwrap_or_else(|_| "{\"status\":\"FAILED\"}".to_string()),
        }
    }

    /// A `FAILED` answer with `message`, in the body the kind's status
    /// route reads.
    pub fn failed(kind: OperationKind, message: String) -> Self {
        match kind {
            OperationKind::Validate => Outcome::validation(&ValidationStatus {
                status: Status::Failed,
                info: Some(ValidationInfo {
                    public_info: ValidationResult::invalid(vec![message]),
                }),
            }),
            OperationKind::Provision
            | OperationKind::Unprovision
            | OperationKind::ReverseProvision => {
                Outcome::provisioning(&ProvisioningStatus::failed(message))
            }
        }
    }
}

/// An operation started: the token to answer and the work to spawn.
pub struct Started {
    pub token: String,
    /// The work, then the storing of its outcome; its place among the
    /// operations in flight is given back when it ends or is dropped.
    pub task: BoxFuture<'static, ()>,
}

/// Tokens whose work runs in this process.
type Running = Arc<Mutex<HashSet<String>>>;

fn lock(running: &Running) -> MutexGuard<'_, HashSet<String>> {
    running
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A place among the operations in flight, given back on drop.
struct InFlight {
    running: Running,
    token: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        lock(&self.running).remove(&self.token);
    }
}

/// Starts operations and answers their tokens. Clones share the
/// operations in flight.
#[derive(Clone)]
pub struct Operations {
    store: Arc<dyn OperationStorePort>,
    timer: Arc<dyn TimerPort>,
    clock: Arc<dyn Clock>,
    running: Running,
    settings: Settings,
}

impl Operations {
    pub fn new(
        store: Arc<dyn OperationStorePort>,
        timer: Arc<dyn TimerPort>,
        settings: Settings,
    ) -> Self {
        Self {
            store,
            timer,
            clock: Arc::new(SystemClock),
            running: Arc::new(Mutex::new(HashSet::new())),
            settings,
        }
    }

    /// Replace the clock (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The clock the operations' times come from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// How many operations run in this process now.
    pub fn in_flight(&self) -> usize {
        lock(&self.running).len()
    }

    /// Take a place among the operations in flight, store the operation as
    /// `RUNNING` and give back its token and the task to spawn: `work(token)`,
    /// then its outcome stored. Refused (a `SystemError`: busy, try again)
    /// when [`Settings::max_in_flight`] operations already run.
    pub async fn start<W, F>(
        &self,
        kind: OperationKind,
        component_id: Option<String>,
        work: W,
    ) -> Result<Started, UseCaseError>
    where
        W: FnOnce(String) -> F,
        F: Future<Output = Outcome> + Send + 'static,
    {
        let token = uuid::Uuid::new_v4().to_string();
        // Take a place among the operations in flight before anything else.
        let place = {
            let mut running = lock(&self.running);
            if running.len() >= self.settings.max_in_flight {
                return Err(UseCaseError::System(SystemError::new(
                    format!(
                        "{} asynchronous operations are running in this instance, the most it runs at once; a new {} was refused",
                        running.len(),
                        kind.as_str().to_ascii_lowercase()
                    ),
                    "The provisioner is busy with other asynchronous operations; nothing was started. Try again in a moment.",
                )));
            }
            running.insert(token.clone());
            InFlight {
                running: Arc::clone(&self.running),
                token: token.clone(),
            }
        };
        let now = self.clock.now();
        let record = OperationRecord {
            id: token.clone(),
            kind,
            component_id,
            status: Status::Running,
            result: None,
            created_at: now,
            updated_at: now,
        };
        // On failure `place` is dropped: the place is given back.
        self.store.save_operation(&record).await?;
        let work = work(token.clone());
        let ops = self.clone();
        let task = Box::pin(async move {
            let outcome = work.await;
            ops.finish(record, outcome).await;
            drop(place);
        });
        Ok(Started { token, task })
    }

    /// Store the outcome of `record`, bounded, retrying a failed write.
    async fn finish(&self, record: OperationRecord, outcome: Outcome) {
        let now = self.clock.now();
        let body = match bounded_result(record.kind, outcome.status, &outcome.body, now) {
            Some(shorter) => {
                info!(
                    token = %record.id,
                    bytes = outcome.body.len(),
                    stored = shorter.len(),
                    "an operation's result was shortened to be stored"
                );
                shorter
            }
            None => outcome.body,
        };
        let done = OperationRecord {
            status: outcome.status,
            result: Some(body),
            updated_at: now,
            ..record
        };
        self.save_with_retries(&done).await;
        info!(token = %done.id, kind = done.kind.as_str(), status = ?done.status, "operation ended");
    }

    async fn save_with_retries(&self, record: &OperationRecord) {
        let mut delay = FIRST_RETRY_DELAY;
        for attempt in 1..=SAVE_ATTEMPTS {
            match self.store.save_operation(record).await {
                Ok(()) => return,
                Err(e) => {
                    warn!(token = %record.id, attempt, error = %e, "could not store the operation's outcome");
                    if attempt < SAVE_ATTEMPTS {
                        self.timer.sleep(delay).await;
                        delay *= 2;
                    }
                }
            }
        }
        warn!(token = %record.id, "gave up storing the operation's outcome; its token will answer FAILED once abandoned");
    }

    /// The operation of `token` if it is one of `kinds`; a `RUNNING` one
    /// that no live instance can still be running (not in flight here, and
    /// started more than [`Settings::abandon_after`] ago) is answered, and
    /// stored, `FAILED`.
    pub async fn get(
        &self,
        token: &str,
        kinds: &[OperationKind],
    ) -> Result<Option<OperationRecord>, UseCaseError> {
        let Some(record) = self.store.get_operation(token).await? else {
            return Ok(None);
        };
        if !kinds.contains(&record.kind) {
            return Ok(None);
        }
        let now = self.clock.now();
        let abandon_after = chrono::Duration::from_std(self.settings.abandon_after)
            .unwrap_or(chrono::Duration::hours(1));
        let abandoned = record.status == Status::Running
            && !lock(&self.running).contains(token)
            && now - record.created_at > abandon_after;
        if !abandoned {
            return Ok(Some(record));
        }
        let message = format!(
            "The provisioner instance that ran this {} operation (started {}) stopped before it ended; nothing tells whether it completed. Send the request again.",
            record.kind.as_str().to_ascii_lowercase(),
            record.created_at.format("%Y-%m-%dT%H:%M:%SZ")
        );
        let outcome = Outcome::failed(record.kind, message);
        let failed = OperationRecord {
            status: outcome.status,
            result: Some(outcome.body),
            updated_at: now,
            ..record
        };
        warn!(
            token,
            "operation abandoned by a stopped instance: answered FAILED"
        );
        self.store.save_operation(&failed).await?;
        Ok(Some(failed))
    }

    /// Delete the operations that ended more than [`Settings::retention`]
    /// ago; how many went.
    pub async fn purge(&self) -> Result<u64, UseCaseError> {
        let retention = chrono::Duration::from_std(self.settings.retention)
            .unwrap_or(chrono::Duration::days(7));
        let before = self.clock.now() - retention;
        let n = self.store.purge_operations(before).await?;
        if n > 0 {
            info!(deleted = n, "purged ended operations");
        }
        Ok(n)
    }
}

/// Operations kept in memory (lost on restart): for tests, here and in the
/// crates that enable the `mocks` feature.
#[cfg(any(test, feature = "mocks"))]
#[derive(Default)]
pub struct InMemoryOperationStore {
    records: Mutex<std::collections::HashMap<String, OperationRecord>>,
}

#[cfg(any(test, feature = "mocks"))]
impl InMemoryOperationStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn records(&self) -> MutexGuard<'_, std::collections::HashMap<String, OperationRecord>> {
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(any(test, feature = "mocks"))]
#[async_trait::async_trait]
impl OperationStorePort for InMemoryOperationStore {
    async fn save_operation(
        &self,
        operation: &OperationRecord,
    ) -> Result<(), crate::ports::StoreError> {
        self.records()
            .insert(operation.id.clone(), operation.clone());
        Ok(())
    }

    async fn get_operation(
        &self,
        id: &str,
    ) -> Result<Option<OperationRecord>, crate::ports::StoreError> {
        Ok(self.records().get(id).cloned())
    }

    async fn purge_operations(
        &self,
        before: chrono::DateTime<chrono::Utc>,
    ) -> Result<u64, crate::ports::StoreError> {
        let mut records = self.records();
        let n = records.len();
        records.retain(|_, r| r.status == Status::Running || r.updated_at >= before);
        Ok((n - records.len()) as u64)
    }
}
