//! Asynchronous operations: a token answered with 202, the work run in the
//! background, and its final status kept in the [`OperationStorePort`] so
//! that the token can be polled from any instance, also after a restart.
//! At most [`MAX_IN_FLIGHT`] run at once in one instance: the work of an
//! operation outlives its request, so the connection limits do not bound
//! it.

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tracing::{info, warn};

use cdp_spark_domain::api::{
    ProvisioningStatus, Status, SystemError, ValidationInfo, ValidationResult, ValidationStatus,
};
use cdp_spark_domain::model::{OperationKind, OperationRecord};
use cdp_spark_domain::ports::OperationStorePort;

use super::errors::ApiError;

/// Most asynchronous operations running at once in one instance; past it a
/// new one is refused (500 `SystemError`: busy, try again) rather than
/// queued, so that callers cannot pile up work and memory.
pub const MAX_IN_FLIGHT: usize = 64;

/// The final answer of an operation: its status and the API body as JSON.
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
}

/// Starts operations and answers their tokens.
pub struct Operations {
    store: Arc<dyn OperationStorePort>,
    /// Tokens whose work runs in this process.
    running: Arc<Mutex<HashSet<String>>>,
    abandon_after: chrono::Duration,
}

impl Operations {
    pub fn new(store: Arc<dyn OperationStorePort>, abandon_after: Duration) -> Self {
        Self {
            store,
            running: Arc::new(Mutex::new(HashSet::new())),
            abandon_after: chrono::Duration::from_std(abandon_after)
                .unwrap_or(chrono::Duration::hours(1)),
        }
    }

    fn running(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many operations run in this process now.
    pub fn in_flight(&self) -> usize {
        self.running().len()
    }

    /// Store the operation as RUNNING, run `work(token)` in the background
    /// and store its outcome; the token to answer.
    pub async fn start<W, F>(
        &self,
        kind: OperationKind,
        component_id: Option<String>,
        work: W,
    ) -> Result<String, ApiError>
    where
        W: FnOnce(String) -> F,
        F: Future<Output = Outcome> + Send + 'static,
    {
        let token = uuid::Uuid::new_v4().to_string();
        // Take a place among the operations in flight before anything else.
        {
            let mut running = self.running();
            if running.len() >= MAX_IN_FLIGHT {
                return Err(ApiError::system(SystemError::new(
                    format!(
                        "{} asynchronous operations are running in this instance, the most it runs at once; a new {} was refused",
                        running.len(),
                        kind.as_str().to_ascii_lowercase()
                    ),
                    "The provisioner is busy with other asynchronous operations; nothing was started. Try again in a moment.",
                )));
            }
            running.insert(token.clone());
        }
        let now = Utc::now();
        let record = OperationRecord {
            id: token.clone(),
            kind,
            component_id,
            status: Status::Running,
            result: None,
            created_at: now,
            updated_at: now,
        };
        if let Err(e) = self.store.save_operation(&record).await {
            self.running().remove(&token);
            return Err(ApiError::store(&e));
        }
        let store = Arc::clone(&self.store);
        let running = Arc::clone(&self.running);
        let work = work(token.clone());
        let task = async move {
            let outcome = work.await;
            let done = OperationRecord {
                status: outcome.status,
                result: Some(outcome.body),
                updated_at: Utc::now(),
                ..record
            };
            save_with_retries(store.as_ref(), &done).await;
            running
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .remove(&done.id);
            info!(token = %done.id, kind = done.kind.as_str(), status = ?done.status, "operation ended");
        };
        spawn_detached(task);
        Ok(token)
    }

    /// The operation of `token` if it is one of `kinds`; a RUNNING one that
    /// no instance can still be running is answered (and stored) FAILED.
    pub async fn get(
        &self,
        token: &str,
        kinds: &[OperationKind],
    ) -> Result<Option<OperationRecord>, ApiError> {
        let Some(record) = self
            .store
            .get_operation(token)
            .await
            .map_err(|e| ApiError::store(&e))?
        else {
            return Ok(None);
        };
        if !kinds.contains(&record.kind) {
            return Ok(None);
        }
        let now = Utc::now();
        if record.status == Status::Running
            && !self.running().contains(token)
            && now - record.created_at > self.abandon_after
        {
            let message = format!(
                "The provisioner instance that ran this {} operation (started {}) stopped before it ended; nothing tells whether it completed. Send the request again.",
                record.kind.as_str().to_ascii_lowercase(),
                record.created_at.format("%Y-%m-%dT%H:%M:%SZ")
            );
            let outcome = match record.kind {
                OperationKind::Validate => Outcome::validation(&ValidationStatus {
                    status: Status::Failed,
                    info: Some(ValidationInfo {
                        public_info: ValidationResult::invalid(vec![message]),
                    }),
                }),
                _ => Outcome::provisioning(&ProvisioningStatus::failed(message)),
            };
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
            self.store
                .save_operation(&failed)
                .await
                .map_err(|e| ApiError::store(&e))?;
            return Ok(Some(failed));
        }
        Ok(Some(record))
    }

    /// Wait until no operation runs in this process, at most `timeout`.
    pub async fn drain(&self, timeout: Duration) -> usize {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = self.in_flight();
            if left == 0 || tokio::time::Instant::now() >= deadline {
                return left;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Delete ended operations older than `retention`, every hour.
    pub fn spawn_purger(self: &Arc<Self>, retention: Duration) {
        let ops = Arc::clone(self);
        spawn_detached(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let before = Utc::now()
                    - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(7));
                match ops.store.purge_operations(before).await {
                    Ok(n) if n > 0 => info!(deleted = n, "purged ended operations"),
                    Ok(_) => {}
                    Err(e) => warn!(error = %e, "could not purge ended operations"),
                }
            }
        });
    }
}

async fn save_with_retries(store: &dyn OperationStorePort, record: &OperationRecord) {
    let mut delay = Duration::from_millis(100);
    for attempt in 1..=5 {
        match store.save_operation(record).await {
            Ok(()) => return,
            Err(e) => {
                warn!(token = %record.id, attempt, error = %e, "could not store the operation's outcome");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
    warn!(token = %record.id, "gave up storing the operation's outcome; its token will answer FAILED once abandoned");
}

/// Run a future on the actix system's own arbiter, which outlives the HTTP
/// workers, so that a graceful shutdown can wait for it.
fn spawn_detached<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    match actix_web::rt::System::try_current() {
        Some(system) => {
            if !system.arbiter().spawn(future) {
                warn!("the system arbiter is stopping: the operation was not started");
            }
        }
        None => {
            tokio::spawn(future);
        }
    }
}

/// Operations kept in memory (lost on restart): for tests.
#[cfg(test)]
#[derive(Default)]
pub struct InMemoryOperationStore {
    records: Mutex<std::collections::HashMap<String, OperationRecord>>,
}

#[cfg(test)]
impl InMemoryOperationStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn records(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, OperationRecord>> {
        self.records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
#[async_trait::async_trait]
impl OperationStorePort for InMemoryOperationStore {
    async fn save_operation(
        &self,
        operation: &OperationRecord,
    ) -> Result<(), cdp_spark_domain::ports::StoreError> {
        self.records()
            .insert(operation.id.clone(), operation.clone());
        Ok(())
    }

    async fn get_operation(
        &self,
        id: &str,
    ) -> Result<Option<OperationRecord>, cdp_spark_domain::ports::StoreError> {
        Ok(self.records().get(id).cloned())
    }

    async fn purge_operations(
        &self,
        before: chrono::DateTime<Utc>,
    ) -> Result<u64, cdp_spark_domain::ports::StoreError> {
        let mut records = self.records();
        let n = records.len();
        records.retain(|_, r| r.status == Status::Running || r.updated_at >= before);
        Ok((n - records.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, status: Status, age: chrono::Duration) -> OperationRecord {
        let at = Utc::now() - age;
        OperationRecord {
            id: id.into(),
            kind: OperationKind::Provision,
            component_id: None,
            status,
            result: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[actix_web::test]
    async fn an_operation_runs_and_its_outcome_is_stored() {
        let store = Arc::new(InMemoryOperationStore::new());
        let ops = Operations::new(store.clone(), Duration::from_secs(60));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let token = ops
            .start(
                OperationKind::Provision,
                Some("urn:c".into()),
                |_| async move {
                    let _ = rx.await;
                    Outcome::provisioning(&ProvisioningStatus::completed("done", None))
                },
            )
            .await
            .expect("started");
        let running = ops
            .get(&token, &[OperationKind::Provision])
            .await
            .expect("get")
            .expect("known");
        assert_eq!(running.status, Status::Running);
        assert_eq!(ops.in_flight(), 1);
        assert!(
            ops.get(&token, &[OperationKind::Validate])
                .await
                .expect("get")
                .is_none(),
            "a provision token is not a validation token"
        );
        tx.send(()).expect("release");
        assert_eq!(ops.drain(Duration::from_secs(5)).await, 0);
        let done = store
            .get_operation(&token)
            .await
            .expect("get")
            .expect("known");
        assert_eq!(done.status, Status::Completed);
        assert!(done.result.expect("result").contains("\"result\":\"done\""));
    }

    #[actix_web::test]
    async fn operations_in_flight_are_bounded() {
        let store = Arc::new(InMemoryOperationStore::new());
        let ops = Operations::new(store.clone(), Duration::from_secs(60));
        let (tx, rx) = tokio::sync::watch::channel(false);
        for _ in 0..MAX_IN_FLIGHT {
            let mut rx = rx.clone();
            ops.start(OperationKind::Validate, None, |_| async move {
                let _ = rx.wait_for(|done| *done).await;
                Outcome::provisioning(&ProvisioningStatus::completed("done", None))
            })
            .await
            .expect("started");
        }
        let refused = ops
            .start(OperationKind::Validate, None, |_| async {
                Outcome::provisioning(&ProvisioningStatus::completed("done", None))
            })
            .await
            .expect_err("one too many");
        assert!(refused.to_string().contains("busy"), "{refused}");
        assert_eq!(ops.in_flight(), MAX_IN_FLIGHT);
        tx.send(true).expect("release");
        assert_eq!(ops.drain(Duration::from_secs(5)).await, 0);
        ops.start(OperationKind::Validate, None, |_| async {
            Outcome::provisioning(&ProvisioningStatus::completed("done", None))
        })
        .await
        .expect("room again");
    }

    #[actix_web::test]
    async fn a_running_operation_of_a_stopped_instance_fails_after_the_limit() {
        let store = Arc::new(InMemoryOperationStore::new());
        store
            .save_operation(&record("old", Status::Running, chrono::Duration::hours(2)))
            .await
            .expect("save");
        store
            .save_operation(&record(
                "young",
                Status::Running,
                chrono::Duration::seconds(1),
            ))
            .await
            .expect("save");
        let ops = Operations::new(store.clone(), Duration::from_secs(3600));
        let old = ops
            .get("old", &[OperationKind::Provision])
            .await
            .expect("get")
            .expect("known");
        assert_eq!(old.status, Status::Failed);
        assert!(old
            .result
            .expect("result")
            .contains("stopped before it ended"));
        let young = ops
            .get("young", &[OperationKind::Provision])
            .await
            .expect("get")
            .expect("known");
        assert_eq!(young.status, Status::Running);
    }

    #[actix_web::test]
    async fn purge_keeps_running_and_recent_operations() {
        let store = InMemoryOperationStore::new();
        for (id, status, age) in [
            ("a", Status::Completed, chrono::Duration::days(10)),
            ("b", Status::Completed, chrono::Duration::hours(1)),
            ("c", Status::Running, chrono::Duration::days(10)),
        ] {
            store
                .save_operation(&record(id, status, age))
                .await
                .expect("save");
        }
        let n = store
            .purge_operations(Utc::now() - chrono::Duration::days(7))
            .await
            .expect("purge");
        assert_eq!(n, 1);
        assert!(store.get_operation("a").await.expect("get").is_none());
        assert!(store.get_operation("c").await.expect("get").is_some());
    }
}
