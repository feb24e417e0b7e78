//! In-process tests of the app with a failing job store (mockall) and local
//! files only: the faults of dependencies become the documented
//! `SystemError` answers, never a bare 500.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{call_service, init_service, read_body_json, TestRequest};
use actix_web::web;
use serde_json::{json, Value};

use cdp_spark_domain::ports::{MockJobStorePort, StoreError};
use cdp_spark_domain::usecases::operations::{InMemoryOperationStore, Operations, Settings};
use cdp_spark_domain::usecases::{JobControl, Provisioner, UseCaseSettings};
use cdp_spark_hdfs::ArtifactFs;

use super::metrics::Metrics;
use super::{build_app, AppState, HttpOptions};
use crate::config::{AsyncSettings, AuthSettings, ServerSettings};
use crate::runtime::TokioTimer;

use cdp_spark_testkit::fixtures;

fn fixture() -> String {
    fixtures::read(fixtures::SCHEDULED_DESCRIPTOR)
}

fn down() -> StoreError {
    StoreError::Unavailable("connection refused (test)".into())
}

fn state(store: MockJobStorePort) -> web::Data<AppState> {
    let provisioner = Provisioner::new(
        Arc::new(ArtifactFs::local_only()),
        Arc::new(store),
        UseCaseSettings::default(),
    );
    web::Data::new(AppState {
        control: JobControl::new(
            provisioner.clone(),
            Arc::new(cdp_spark_domain::ports::MockSchedulerStorePort::new()),
            None,
        ),
        logs: cdp_spark_domain::usecases::RunLogs::new(
            provisioner.clone(),
            Arc::new(cdp_spark_domain::ports::MockRunLogStorePort::new()),
            None,
        ),
        provisioner,
        operations: Operations::new(
            Arc::new(InMemoryOperationStore::new()),
            Arc::new(TokioTimer),
            Settings {
                abandon_after: Duration::from_secs(60),
                ..Settings::default()
            },
        ),
        metrics: Arc::new(Metrics::new()),
        asynchronous: AsyncSettings::default(),
    })
}

fn options() -> HttpOptions {
    HttpOptions::new(&ServerSettings::default(), &AuthSettings::default())
}

fn request_body() -> Value {
    json!({"descriptorKind": "COMPONENT_DESCRIPTOR", "descriptor": fixture(), "removeData": false})
}

/// A POST of the fixture's `ProvisioningRequest`.
fn post(uri: &str) -> TestRequest {
    TestRequest::post().uri(uri).set_json(request_body())
}

fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

/// Send `request` (a `TestRequest::to_request()`) to `app`: the status and
/// the JSON body.
async fn answer<S, R, B>(app: &S, request: R) -> (u16, Value)
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = call_service(app, request).await;
    let status = res.status().as_u16();
    (status, read_body_json(res).await)
}

/// `body` has a string at `pointer` (a JSON pointer) that contains `part`.
fn assert_mentions(body: &Value, pointer: &str, part: &str) {
    let text = body.pointer(pointer).and_then(Value::as_str);
    assert!(
        text.is_some_and(|t| t.contains(part)),
        "{pointer} should mention '{part}': {body}"
    );
}

#[actix_web::test]
async fn store_faults_are_system_errors_with_a_user_message() {
    let mut store = MockJobStorePort::new();
    store.expect_delete_job().returning(|_| Err(down()));
    store.expect_get_job().returning(|_| Err(down()));
    store.expect_list_runs().returning(|_| Err(down()));
    store.expect_ping().returning(|| Err(down()));
    let app = init_service(build_app(state(store), &options())).await;

    // The caller gets the reason and a reference, not the store's message.
    let (status, body) = answer(&app, post("/v1/unprovision").to_request()).await;
    assert_eq!(status, 500);
    assert_mentions(&body, "/userMessage", "unavailable");
    assert_mentions(&body, "/error", "request id");
    assert!(!body.to_string().contains("connection refused"), "{body}");

    for uri in ["/v1/scheduler/jobs/g/n", "/v1/scheduler/runs"] {
        let (status, body) = answer(&app, get(uri).to_request()).await;
        assert_eq!(status, 500, "{uri}");
        assert!(body["userMessage"].is_string(), "{uri}: {body}");
        assert!(!body.to_string().contains("connection refused"), "{body}");
    }

    let (status, body) = answer(&app, get("/ready").to_request()).await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({"status": "DOWN", "reason": "the job store does not answer"}),
        "a short reason, not the store's own words"
    );

    let (status, _) = answer(&app, get("/health").to_request()).await;
    assert_eq!(status, 200, "liveness does not depend on the store");
}

#[actix_web::test]
async fn an_hdfs_jar_without_hdfs_is_a_system_error_not_an_invalid_descriptor() {
    // The fixture's jar is on hdfs://, and this app reads local files only.
    let app = init_service(build_app(state(MockJobStorePort::new()), &options())).await;
    let (status, body) = answer(&app, post("/v1/validate").to_request()).await;
    assert_eq!(status, 500);
    assert_mentions(&body, "/userMessage", "not configured");
    assert_mentions(&body, "/moreInfo/solutions/0", "HDFS");

    // Asynchronously: the token answers FAILED with the reason.
    let (status, token) = answer(&app, post("/v2/validate").to_request()).await;
    assert_eq!(status, 202);
    let token = token
        .as_str()
        .expect("the token, a JSON string")
        .to_string();
    let mut last = Value::Null;
    for _ in 0..100 {
        let (status, body) = answer(
            &app,
            get(&format!("/v2/validate/{token}/status")).to_request(),
        )
        .await;
        assert_eq!(status, 200);
        last = body;
        if last["status"] != "RUNNING" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(last["status"], "FAILED", "{last}");
    assert_eq!(last["info"]["publicInfo"]["valid"], false, "{last}");
}
