//! Results of asynchronous operations are stored bounded: a validation
//! whose problems quote a huge id keeps its outcome and what fits in
//! `results::MAX_RESULT_BYTES`, readable as the same `ValidationStatus`;
//! results that fit are stored as they are. On both backends.

use crate::common;

use cdp_spark_domain::api::{
    Log, LogLevel, ProvisioningStatus, Status, ValidationInfo, ValidationResult, ValidationStatus,
};
use cdp_spark_domain::model::{OperationKind, OperationRecord};
use cdp_spark_domain::ports::OperationStorePort;
use cdp_spark_jobstore::results::{MAX_MESSAGE_BYTES, MAX_RESULT_BYTES};
use common::{Db, TestStore};

on_both_backends!(huge_results_are_stored_bounded_and_readable);

fn record(id: &str, kind: OperationKind, status: Status, result: String) -> OperationRecord {
    let now = chrono::Utc::now();
    OperationRecord {
        id: id.into(),
        kind,
        component_id: Some("urn:dmb:cmp:dp:0:job".into()),
        status,
        result: Some(result),
        created_at: now,
        updated_at: now,
    }
}

/// The longest `RESULT` stored, in bytes.
fn longest_row(t: &TestStore) -> i64 {
    let (length, integer) = match t.place {
        common::Place::Sqlite(_) => ("LENGTH(CAST(RESULT AS BLOB))", "SIGNED"),
        common::Place::Mysql(_) => ("OCTET_LENGTH(RESULT)", "SIGNED"),
        common::Place::Postgres(_) => ("OCTET_LENGTH(RESULT)", "BIGINT"),
    };
    t.count(&format!(
        "SELECT CAST(COALESCE(MAX({length}), 0) AS {integer}) AS N FROM {}CDP_OPERATIONS",
        t.config.table_prefix
    ))
}

async fn huge_results_are_stored_bounded_and_readable(db: Db) {
    let t = TestStore::open(db).await;
    // A validation of a descriptor with 1 MB ids, each quoted by a problem.
    let id = format!("urn:dmb:cmp:{}", "x".repeat(1024 * 1024));
    let problems: Vec<String> = (0..3)
        .map(|i| {
            format!(
                "problem {i}: componentIdToProvision '{id}' is not a component of the data product"
            )
        })
        .collect();
    let validation = ValidationStatus {
        status: Status::Completed,
        info: Some(ValidationInfo {
            public_info: ValidationResult::invalid(problems),
        }),
    };
    let text = serde_json::to_string(&validation).expect("json");
    assert!(text.len() > 3 * 1024 * 1024);
    let op = record("v-huge", OperationKind::Validate, Status::Completed, text);
    t.store.save_operation(&op).await.expect("stored, bounded");

    let stored = longest_row(&t);
    assert!(
        stored as usize <= MAX_RESULT_BYTES,
        "a {stored}-byte row for a validation result"
    );
    let back = t
        .store
        .get_operation("v-huge")
        .await
        .expect("read")
        .expect("known");
    assert_eq!(back.status, Status::Completed);
    let status: ValidationStatus =
        serde_json::from_str(back.result.as_deref().expect("result")).expect("a ValidationStatus");
    let result = status.info.expect("info").public_info;
    assert!(!result.valid, "the outcome is kept");
    let errors = result.error.expect("problems").errors;
    assert!(errors[0].starts_with("problem 0: componentIdToProvision 'urn:dmb:cmp:xxx"));
    assert!(errors.iter().all(|e| e.len() <= MAX_MESSAGE_BYTES));

    // A provisioning result with a thousand long log lines.
    let logs = (0..1000)
        .map(|i| Log {
            timestamp: chrono::Utc::now(),
            level: LogLevel::Error,
            message: format!("line {i}: {}", "y".repeat(2000)),
            phase: None,
        })
        .collect();
    let provisioning = ProvisioningStatus {
        status: Status::Failed,
        result: "the job could not be stored".into(),
        info: None,
        logs: Some(logs),
    };
    let op = record(
        "p-huge",
        OperationKind::Provision,
        Status::Failed,
        serde_json::to_string(&provisioning).expect("json"),
    );
    t.store.save_operation(&op).await.expect("stored, bounded");
    assert!(longest_row(&t) as usize <= MAX_RESULT_BYTES);
    let back = t
        .store
        .get_operation("p-huge")
        .await
        .expect("read")
        .expect("known");
    let status: ProvisioningStatus = serde_json::from_str(back.result.as_deref().expect("result"))
        .expect("a ProvisioningStatus");
    assert_eq!(status.status, Status::Failed);
    assert_eq!(status.result, "the job could not be stored");
    let logs = status.logs.expect("logs");
    assert!(logs[0].message.starts_with("line 0: yyy"));
    assert!(
        logs.last()
            .is_some_and(|l| l.message.contains("more log lines were left out")),
        "{:?}",
        logs.last()
    );

    // A result that fits is kept byte for byte.
    let small = serde_json::to_string(&ValidationStatus {
        status: Status::Completed,
        info: Some(ValidationInfo {
            public_info: ValidationResult::invalid(vec!["z".repeat(10_000)]),
        }),
    })
    .expect("json");
    let op = record(
        "v-small",
        OperationKind::Validate,
        Status::Completed,
        small.clone(),
    );
    t.store.save_operation(&op).await.expect("stored");
    let back = t
        .store
        .get_operation("v-small")
        .await
        .expect("read")
        .expect("known");
    assert_eq!(back.result.as_deref(), Some(small.as_str()));
}
