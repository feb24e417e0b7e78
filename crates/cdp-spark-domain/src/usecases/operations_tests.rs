//! Unit tests of the asynchronous operations use case: an in-memory or
//! mocked operation store, a fixed clock and a timer that only records.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::operation_results::MAX_RESULT_BYTES;
use super::operations::{
    InMemoryOperationStore, Operations, Outcome, Settings, FIRST_RETRY_DELAY, SAVE_ATTEMPTS,
};
use super::UseCaseError;
use crate::api::{ProvisioningStatus, Status, ValidationStatus};
use crate::clock::FixedClock;
use crate::model::{OperationKind, OperationRecord};
use crate::ports::{MockOperationStorePort, OperationStorePort, StoreError, TimerPort};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid instant")
}

/// Records the sleeps asked of it, and returns at once.
#[derive(Default)]
struct RecordingTimer {
    sleeps: Mutex<Vec<Duration>>,
}

#[async_trait::async_trait]
impl TimerPort for RecordingTimer {
    async fn sleep(&self, duration: Duration) {
        self.sleeps.lock().expect("lock").push(duration);
    }
}

fn settings() -> Settings {
    Settings {
        abandon_after: Duration::from_secs(3600),
        retention: Duration::from_secs(7 * 24 * 3600),
        max_in_flight: 3,
    }
}

fn operations(store: Arc<dyn OperationStorePort>, settings: Settings) -> Operations {
    Operations::new(store, Arc::new(RecordingTimer::default()), settings)
        .with_clock(Arc::new(FixedClock(now())))
}

fn record(id: &str, kind: OperationKind, status: Status, age: chrono::Duration) -> OperationRecord {
    let at = now() - age;
    OperationRecord {
        id: id.into(),
        kind,
        component_id: None,
        status,
        result: None,
        created_at: at,
        updated_at: at,
    }
}

fn done() -> Outcome {
    Outcome::provisioning(&ProvisioningStatus::completed("done", None))
}

#[tokio::test]
async fn an_operation_is_stored_running_then_with_its_outcome() {
    let store = Arc::new(InMemoryOperationStore::new());
    let ops = operations(store.clone(), settings());
    let started = ops
        .start(
            OperationKind::Provision,
            Some("urn:c".into()),
            |token| async move {
                Outcome::provisioning(&ProvisioningStatus::completed(
                    format!("done {token}"),
                    None,
                ))
            },
        )
        .await
        .expect("started");
    let token = started.token.clone();
    let running = ops
        .get(&token, &[OperationKind::Provision])
        .await
        .expect("get")
        .expect("known");
    assert_eq!(running.status, Status::Running);
    assert_eq!(running.component_id.as_deref(), Some("urn:c"));
    assert_eq!((running.created_at, running.updated_at), (now(), now()));
    assert_eq!(ops.in_flight(), 1);
    assert!(
        ops.get(&token, &[OperationKind::Validate])
            .await
            .expect("get")
            .is_none(),
        "a provision token is not a validation token"
    );
    started.task.await;
    assert_eq!(ops.in_flight(), 0);
    let ended = store
        .get_operation(&token)
        .await
        .expect("get")
        .expect("known");
    assert_eq!(ended.status, Status::Completed);
    assert!(ended
        .result
        .expect("result")
        .contains(&format!("done {token}")));
}

#[tokio::test]
async fn operations_in_flight_are_bounded_and_a_dropped_task_gives_its_place_back() {
    let ops = operations(Arc::new(InMemoryOperationStore::new()), settings());
    let mut tasks = Vec::new();
    for _ in 0..3 {
        tasks.push(
            ops.start(OperationKind::Validate, None, |_| async { done() })
                .await
                .expect("started"),
        );
    }
    let refused = ops
        .start(OperationKind::Validate, None, |_| async { done() })
        .await
        .err()
        .expect("one too many");
    match refused {
        UseCaseError::System(e) => {
            assert!(e.error.contains("3 asynchronous operations"), "{}", e.error);
            assert!(e
                .user_message
                .is_some_and(|m| m.contains("busy") && m.contains("Try again")));
        }
        other => panic!("expected a system error, got {other:?}"),
    }
    assert_eq!(ops.in_flight(), 3);
    drop(tasks.pop());
    assert_eq!(ops.in_flight(), 2, "a dropped task gives its place back");
    tasks.pop().expect("task").task.await;
    assert_eq!(ops.in_flight(), 1);
    ops.start(OperationKind::Validate, None, |_| async { done() })
        .await
        .expect("room again");
}

#[tokio::test]
async fn a_store_that_refuses_the_start_leaves_no_operation_in_flight() {
    let mut store = MockOperationStorePort::new();
    store
        .expect_save_operation()
        .returning(|_| Err(StoreError::Unavailable("down (test)".into())));
    let ops = operations(Arc::new(store), settings());
    let e = ops
        .start(OperationKind::Provision, None, |_| async { done() })
        .await
        .err()
        .expect("refused");
    assert!(matches!(e, UseCaseError::System(_)), "{e:?}");
    assert_eq!(ops.in_flight(), 0);
}

#[tokio::test]
async fn storing_the_outcome_is_retried_with_a_growing_delay_then_given_up() {
    let saves = Arc::new(Mutex::new(0u32));
    let mut store = MockOperationStorePort::new();
    let counted = Arc::clone(&saves);
    store.expect_save_operation().returning(move |op| {
        *counted.lock().expect("lock") += 1;
        if op.status == Status::Running {
            Ok(())
        } else {
            Err(StoreError::Conflict("busy (test)".into()))
        }
    });
    let timer = Arc::new(RecordingTimer::default());
    let ops = Operations::new(Arc::new(store), timer.clone(), settings())
        .with_clock(Arc::new(FixedClock(now())));
    let started = ops
        .start(OperationKind::Provision, None, |_| async { done() })
        .await
        .expect("started");
    started.task.await;
    assert_eq!(*saves.lock().expect("lock"), 1 + SAVE_ATTEMPTS);
    let sleeps = timer.sleeps.lock().expect("lock").clone();
    assert_eq!(
        sleeps,
        (0..SAVE_ATTEMPTS - 1)
            .map(|i| FIRST_RETRY_DELAY * 2u32.pow(i))
            .collect::<Vec<_>>()
    );
    assert_eq!(ops.in_flight(), 0);
}

#[tokio::test]
async fn a_huge_result_is_stored_bounded_and_readable() {
    let store = Arc::new(InMemoryOperationStore::new());
    let ops = operations(store.clone(), settings());
    let problems: Vec<String> = (0..500)
        .map(|i| format!("problem {i}: {}", "p".repeat(1000)))
        .collect();
    let started = ops
        .start(OperationKind::Validate, None, move |_| async move {
            Outcome::validation(&ValidationStatus {
                status: Status::Completed,
                info: Some(crate::api::ValidationInfo {
                    public_info: crate::api::ValidationResult::invalid(problems),
                }),
            })
        })
        .await
        .expect("started");
    let token = started.token.clone();
    started.task.await;
    let stored = store
        .get_operation(&token)
        .await
        .expect("get")
        .expect("known")
        .result
        .expect("result");
    assert!(stored.len() <= MAX_RESULT_BYTES, "{}", stored.len());
    let back: ValidationStatus = serde_json::from_str(&stored).expect("the route reads it");
    assert_eq!(back.status, Status::Completed);
}

#[tokio::test]
async fn a_running_operation_no_instance_runs_fails_after_the_limit() {
    let store = Arc::new(InMemoryOperationStore::new());
    for (id, kind, age) in [
        ("old", OperationKind::Provision, chrono::Duration::hours(2)),
        (
            "old-validation",
            OperationKind::Validate,
            chrono::Duration::hours(2),
        ),
        (
            "young",
            OperationKind::Provision,
            chrono::Duration::seconds(1),
        ),
    ] {
        store
            .save_operation(&record(id, kind, Status::Running, age))
            .await
            .expect("save");
    }
    let ops = operations(store.clone(), settings());

    let old = ops
        .get("old", &[OperationKind::Provision])
        .await
        .expect("get")
        .expect("known");
    assert_eq!(old.status, Status::Failed);
    assert_eq!(old.updated_at, now());
    let body: ProvisioningStatus =
        serde_json::from_str(old.result.as_deref().expect("result")).expect("a ProvisioningStatus");
    assert!(
        body.result.contains("stopped before it ended"),
        "{}",
        body.result
    );
    assert!(body
        .result
        .contains("provision operation (started 2026-11-25T10:00:00Z)"));
    assert_eq!(
        store.get_operation("old").await.expect("get"),
        Some(old),
        "the answer is stored"
    );

    let validation = ops
        .get("old-validation", &[OperationKind::Validate])
        .await
        .expect("get")
        .expect("known");
    let body: ValidationStatus =
        serde_json::from_str(validation.result.as_deref().expect("result"))
            .expect("a ValidationStatus");
    assert_eq!(body.status, Status::Failed);
    let problems = body
        .info
        .expect("info")
        .public_info
        .error
        .expect("error")
        .errors;
    assert!(problems[0].contains("validate operation"), "{problems:?}");

    let young = ops
        .get("young", &[OperationKind::Provision])
        .await
        .expect("get")
        .expect("known");
    assert_eq!(young.status, Status::Running);
}

#[tokio::test]
async fn an_old_operation_this_instance_still_runs_is_not_abandoned() {
    let store = Arc::new(InMemoryOperationStore::new());
    let (release, wait) = tokio::sync::oneshot::channel::<()>();
    // Started two hours ago by the clock, still running here.
    let ops = Operations::new(
        store.clone(),
        Arc::new(RecordingTimer::default()),
        settings(),
    )
    .with_clock(Arc::new(FixedClock(now() - chrono::Duration::hours(2))));
    let started = ops
        .start(OperationKind::Provision, None, |_| async move {
            let _ = wait.await;
            done()
        })
        .await
        .expect("started");
    let later = ops.clone().with_clock(Arc::new(FixedClock(now())));
    let running = later
        .get(&started.token, &[OperationKind::Provision])
        .await
        .expect("get")
        .expect("known");
    assert_eq!(running.status, Status::Running);
    release.send(()).expect("release");
    started.task.await;
}

#[tokio::test]
async fn purge_deletes_what_ended_before_the_retention_by_the_clock() {
    let store = Arc::new(InMemoryOperationStore::new());
    for (id, status, age) in [
        ("a", Status::Completed, chrono::Duration::days(10)),
        ("b", Status::Completed, chrono::Duration::days(6)),
        ("c", Status::Running, chrono::Duration::days(10)),
    ] {
        store
            .save_operation(&record(id, OperationKind::Provision, status, age))
            .await
            .expect("save");
    }
    let ops = operations(store.clone(), settings());
    assert_eq!(ops.purge().await.expect("purge"), 1);
    assert!(store.get_operation("a").await.expect("get").is_none());
    assert!(store.get_operation("b").await.expect("get").is_some());
    assert!(store.get_operation("c").await.expect("get").is_some());

    let mut mock = MockOperationStorePort::new();
    mock.expect_purge_operations()
        .withf(|before| *before == now() - chrono::Duration::hours(48))
        .returning(|_| Ok(4));
    let ops = operations(
        Arc::new(mock),
        Settings {
            retention: Duration::from_secs(48 * 3600),
            ..settings()
        },
    );
    assert_eq!(ops.purge().await.expect("purge"), 4);
}
