//! Asynchronous operations as the HTTP layer runs them. What an operation
//! is, the bound on those in flight, how its outcome is stored, when a
//! token of a stopped instance answers `FAILED` and when ended ones go are
//! the domain's ([`cdp_spark_domain::usecases::operations`]); here the
//! work it gives back is spawned on the actix system's arbiter, the purge
//! is run every hour and shutdown waits for the work in flight.

use std::future::Future;
use std::time::Duration;

use tracing::warn;

use cdp_spark_domain::model::OperationKind;
pub use cdp_spark_domain::usecases::operations::{Operations, Outcome};

use super::errors::ApiError;

/// How often ended operations are purged.
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Start an operation and spawn its work; the token to answer.
pub async fn start<W, F>(
    operations: &Operations,
    kind: OperationKind,
    component_id: Option<String>,
    work: W,
) -> Result<String, ApiError>
where
    W: FnOnce(String) -> F,
    F: Future<Output = Outcome> + Send + 'static,
{
    let started = operations
        .start(kind, component_id, work)
        .await
        .map_err(ApiError::from_witboost)?;
    spawn_detached(started.task);
    Ok(started.token)
}

/// Wait until no operation runs in this process, at most `timeout`; how
/// many are left.
pub async fn drain(operations: &Operations, timeout: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let left = operations.in_flight();
        if left == 0 || tokio::time::Instant::now() >= deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Purge ended operations every [`PURGE_EVERY`] (the first at once).
pub fn spawn_purger(operations: Operations) {
    spawn_detached(async move {
        let mut tick = tokio::time::interval(PURGE_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = operations.purge().await {
                warn!(error = %e, "could not purge ended operations");
            }
        }
    });
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use cdp_spark_domain::api::{ProvisioningStatus, Status};
    use cdp_spark_domain::ports::OperationStorePort;
    use cdp_spark_domain::usecases::operations::{InMemoryOperationStore, Settings, MAX_IN_FLIGHT};

    use crate::runtime::TokioTimer;

    fn operations(store: Arc<InMemoryOperationStore>) -> Operations {
        Operations::new(store, Arc::new(TokioTimer), Settings::default())
    }

    #[actix_web::test]
    async fn an_operation_runs_on_the_arbiter_and_drain_waits_for_it() {
        let store = Arc::new(InMemoryOperationStore::new());
        let ops = operations(store.clone());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let token = start(&ops, OperationKind::Provision, None, |_| async move {
            let _ = rx.await;
            Outcome::provisioning(&ProvisioningStatus::completed("done", None))
        })
        .await
        .expect("started");
        assert_eq!(ops.in_flight(), 1);
        assert_eq!(drain(&ops, Duration::from_millis(100)).await, 1);
        tx.send(()).expect("release");
        assert_eq!(drain(&ops, Duration::from_secs(5)).await, 0);
        let done = store
            .get_operation(&token)
            .await
            .expect("get")
            .expect("known");
        assert_eq!(done.status, Status::Completed);
    }

    #[actix_web::test]
    async fn a_refused_start_is_a_system_error() {
        let ops = operations(Arc::new(InMemoryOperationStore::new()));
        let (tx, rx) = tokio::sync::watch::channel(false);
        for _ in 0..MAX_IN_FLIGHT {
            let mut rx = rx.clone();
            start(&ops, OperationKind::Validate, None, |_| async move {
                let _ = rx.wait_for(|done| *done).await;
                Outcome::provisioning(&ProvisioningStatus::completed("done", None))
            })
            .await
            .expect("started");
        }
        let refused = start(&ops, OperationKind::Validate, None, |_| async {
            Outcome::provisioning(&ProvisioningStatus::completed("done", None))
        })
        .await
        .expect_err("one too many");
        assert!(refused.to_string().contains("busy"), "{refused}");
        tx.send(true).expect("release");
        assert_eq!(drain(&ops, Duration::from_secs(5)).await, 0);
    }
}
