//! The Witboost specific-provisioner API 2.2.0: what the Coordinator calls.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;

use cdp_spark_domain::api::{
    ProvisioningRequest, ProvisioningStatus, RequestValidationError, ReverseProvisioningRequest,
    ReverseProvisioningStatus, Status, SystemError, UpdateAclRequest, ValidationInfo,
    ValidationResult, ValidationStatus,
};
use cdp_spark_domain::model::{OperationKind, OperationRecord};
use cdp_spark_domain::usecases::{Deployment, UseCaseError};
use chrono::{DateTime, Utc};

use super::body::Body;
use super::errors::{log_system_error, public_system_error, ApiError, ECHO_CHARS};
use super::operations::{self, Outcome};
use super::telemetry::{component_id_hint, excerpt, record_operation};
use super::AppState;

const TAG: &str = "SpecificProvisioner";

/// Validate a provisioning request.
///
/// Invalid descriptors are a 200 with `valid: false` and every problem, and
/// so is a body that is not a readable JSON `ProvisioningRequest` (the
/// contract has no 400 here); 500 only for faults of ours or of a
/// dependency (HDFS, database).
#[utoipa::path(
    post, path = "/v1/validate", tag = TAG, operation_id = "validate",
    request_body(content = ProvisioningRequest, description = "Details of a provisioning request to be validated"),
    responses(
        (status = 200, description = "It synchronously returns a specific reply containing the validation result (valid: false with the problems for an invalid descriptor or an unreadable body)", body = ValidationResult),
        (status = 500, description = "System problem", body = SystemError),
    ),
    security((), ("coordinator" = []))
)]
pub async fn validate(
    state: web::Data<AppState>,
    request: Body<ProvisioningRequest>,
) -> Result<HttpResponse, ApiError> {
    record_operation("validate", component_id_hint(&request.descriptor));
    let result = counted_validation(&state, &request)
        .await
        .map_err(ApiError::system)?;
    Ok(HttpResponse::Ok().json(result))
}

/// Validate, and count the outcome: `valid`, `invalid` or `failed`.
async fn counted_validation(
    state: &AppState,
    request: &ProvisioningRequest,
) -> Result<ValidationResult, SystemError> {
    let outcome = state.provisioner.validate(request).await;
    let label = match &outcome {
        Ok(result) if result.valid => "valid",
        Ok(_) => "invalid",
        Err(_) => "failed",
    };
    state.metrics.operation("validate", label);
    outcome
}

/// Deploy a component from its descriptor.
///
/// Synchronous by default (200 `COMPLETED`); with `async.provision` a 202
/// with a token to poll at `/v1/provision/{token}/status`.
#[utoipa::path(
    post, path = "/v1/provision", tag = TAG, operation_id = "provision",
    request_body(content = ProvisioningRequest, description = "Provisioning descriptor"),
    responses(
        (status = 200, description = "It synchronously returns the request result", body = ProvisioningStatus),
        (status = 202, description = "If successful returns a provisioning deployment task token that can be used for polling the request status", body = String, content_type = "application/json"),
        (status = 400, description = "Invalid input", body = RequestValidationError),
        (status = 500, description = "System problem", body = SystemError),
    ),
    security((), ("coordinator" = []))
)]
pub async fn provision(
    state: web::Data<AppState>,
    request: Body<ProvisioningRequest>,
) -> Result<HttpResponse, ApiError> {
    run_provisioning(state, request.into_inner(), Deployment::Provision).await
}

/// Undeploy a component given its descriptor. Idempotent.
#[utoipa::path(
    post, path = "/v1/unprovision", tag = TAG, operation_id = "unprovision",
    request_body(content = ProvisioningRequest, description = "Provisioning descriptor"),
    responses(
        (status = 200, description = "It synchronously returns the request result", body = ProvisioningStatus),
        (status = 202, description = "If successful returns a provisioning deployment task token that can be used for polling the request status", body = String, content_type = "application/json"),
        (status = 400, description = "Invalid input", body = RequestValidationError),
        (status = 500, description = "System problem", body = SystemError),
    ),
    security((), ("coordinator" = []))
)]
pub async fn unprovision(
    state: web::Data<AppState>,
    request: Body<ProvisioningRequest>,
) -> Result<HttpResponse, ApiError> {
    run_provisioning(state, request.into_inner(), Deployment::Unprovision).await
}

fn operation_name(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::Provision => "provision",
        OperationKind::Unprovision => "unprovision",
        OperationKind::Validate => "validate",
        OperationKind::ReverseProvision => "reverse-provisioning",
    }
}

/// Count a deployment's outcome: `completed`, `invalid` or `failed`.
fn count(
    state: &AppState,
    deployment: Deployment,
    outcome: &Result<ProvisioningStatus, UseCaseError>,
) {
    let label = match outcome {
        Ok(_) => "completed",
        Err(UseCaseError::Invalid(_)) => "invalid",
        Err(UseCaseError::NotFound(_)) | Err(UseCaseError::System(_)) => "failed",
    };
    state
        .metrics
        .operation(operation_name(deployment.kind()), label);
}

/// Whether the configuration answers this deployment with a token.
fn is_asynchronous(state: &AppState, deployment: Deployment) -> bool {
    match deployment {
        Deployment::Provision => state.asynchronous.provision,
        Deployment::Unprovision => state.asynchronous.unprovision,
    }
}

async fn run_provisioning(
    state: web::Data<AppState>,
    request: ProvisioningRequest,
    deployment: Deployment,
) -> Result<HttpResponse, ApiError> {
    let kind = deployment.kind();
    let component = component_id_hint(&request.descriptor).map(str::to_string);
    record_operation(operation_name(kind), component.as_deref());
    if !is_asynchronous(&state, deployment) {
        let outcome = state.provisioner.deploy(deployment, &request).await;
        count(&state, deployment, &outcome);
        let status = outcome.map_err(ApiError::from_witboost)?;
        return Ok(HttpResponse::Ok().json(status));
    }
    // A descriptor that breaks the operation's rules is refused at once, not
    // polled for; the parsed descriptor is what the work deploys.
    let descriptor = state
        .provisioner
        .check_for(deployment, &request)
        .map_err(|issues| ApiError::invalid_body(issues.to_request_validation_error(None)))?;
    let remove_data = request.remove_data;
    drop(request);
    let worker = state.clone();
    let token = operations::start(
        &state.operations,
        kind,
        component,
        move |token| async move {
            let outcome = worker
                .provisioner
                .deploy_checked(deployment, descriptor, remove_data)
                .await;
            let now = worker.operations.clock().now();
            count(&worker, deployment, &outcome);
            let status = match outcome {
                Ok(status) => status,
                Err(UseCaseError::Invalid(issues)) => {
                    let e = issues.to_request_validation_error(None);
                    let mut status = ProvisioningStatus::failed(
                        e.user_message.unwrap_or_else(|| issues.to_string()),
                    );
                    status.logs = Some(error_logs(issues.messages(), now));
                    status
                }
                Err(UseCaseError::System(e)) => failed_status(&e, &token, now),
                Err(UseCaseError::NotFound(m)) => ProvisioningStatus::failed(m),
            };
            Outcome::provisioning(&status)
        },
    )
    .await?;
    state.metrics.operation(operation_name(kind), "accepted");
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(token))
}

fn error_logs(messages: Vec<String>, now: DateTime<Utc>) -> Vec<cdp_spark_domain::api::Log> {
    messages
        .into_iter()
        .map(|message| cdp_spark_domain::api::Log {
            timestamp: now,
            level: cdp_spark_domain::api::LogLevel::Error,
            message,
            phase: None,
        })
        .collect()
}

/// The stored result of an asynchronous operation that failed on a fault
/// of ours or of a dependency: the caller's short reason with the token as
/// reference; the detail goes to the log.
fn failed_status(e: &SystemError, token: &str, now: DateTime<Utc>) -> ProvisioningStatus {
    let reference = format!("operation token {token}");
    log_system_error(e, &reference);
    let shown = public_system_error(e, &reference);
    let mut status = ProvisioningStatus::failed(
        shown
            .user_message
            .clone()
            .unwrap_or_else(|| shown.error.clone()),
    );
    let mut messages = vec![shown.error];
    if let Some(more) = shown.more_info {
        messages.extend(more.solutions);
    }
    status.logs = Some(error_logs(messages, now));
    status
}

fn unknown_token(token: &str, what: &str) -> ApiError {
    ApiError::invalid(
        format!(
            "no {what} operation with token '{}' is known to this provisioner",
            excerpt(token, ECHO_CHARS)
        ),
        format!(
            "Use the token answered (202) by the {what} request; tokens of ended operations are deleted after async.retention_hours"
        ),
    )
}

/// How a status route finds its operations and names them in its errors.
struct StatusRoute {
    /// Recorded as the operation of the request.
    operation: &'static str,
    /// The kinds of operation whose tokens the route answers.
    kinds: &'static [OperationKind],
    /// The operation as an unknown token's error names it.
    what: &'static str,
    /// The type the stored result is read as.
    result_type: &'static str,
    /// What to do when the stored result cannot be read.
    unreadable: &'static str,
}

/// The status of the operation `token`: `running(record)` while it runs
/// (or before its result is stored), then its stored result.
async fn stored_status<T>(
    state: &AppState,
    token: &str,
    route: StatusRoute,
    running: impl FnOnce(&OperationRecord) -> T,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize + DeserializeOwned,
{
    record_operation(route.operation, None);
    let record = state
        .operations
        .get(token, route.kinds)
        .await
        .map_err(ApiError::from_witboost)?
        .ok_or_else(|| unknown_token(token, route.what))?;
    let body = match (&record.status, &record.result) {
        (Status::Running, _) | (_, None) => running(&record),
        (_, Some(json)) => serde_json::from_str::<T>(json).map_err(|e| {
            ApiError::system(SystemError::new(
                format!(
                    "stored result of operation {} is not a {}: {e}",
                    excerpt(token, ECHO_CHARS),
                    route.result_type
                ),
                route.unreadable,
            ))
        })?,
    };
    Ok(HttpResponse::Ok().json(body))
}

/// Get the status of a provisioning (or unprovisioning) request.
#[utoipa::path(
    get, path = "/v1/provision/{token}/status", tag = TAG, operation_id = "getStatus",
    params(("token" = String, Path, description = "token that identifies the request")),
    responses(
        (status = 200, description = "The request status", body = ProvisioningStatus),
        (status = 400, description = "Invalid input: no operation has this token", body = RequestValidationError),
        (status = 500, description = "System problem", body = SystemError),
    ),
    security((), ("coordinator" = []))
)]
pub async fn provision_status(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let route = StatusRoute {
        operation: "provision-status",
        kinds: &[OperationKind::Provision, OperationKind::Unprovision],
        what: "provisioning",
        result_type: "ProvisioningStatus",
        unreadable: "The stored result of this operation cannot be read; send the request again.",
    };
    stored_status(&state, &token, route, |record| {
        ProvisioningStatus::running(format!(
            "The {} is running since {}",
            operation_name(record.kind),
            record.created_at.format("%Y-%m-%dT%H:%M:%SZ")
        ))
    })
    .await
}

/// Asynchronously validate a provisioning request: a token to poll.
#[utoipa::path(
    post, path = "/v2/validate", tag = TAG, operation_id = "asyncValidate",
    request_body(content = ProvisioningRequest, description = "Details of a provisioning request to be validated"),
    responses(
        (status = 202, description = "It returns a token that can be used for polling the async validation operation status and results", body = String, content_type = "application/json"),
        (status = 400, description = "Invalid input", body = RequestValidationError),
        (status = 500, description = "System problem", body = SystemError),
    ),
    security((), ("coordinator" = []))
)]
pub async fn validate_async(
    state: web::Data<AppState>,
    request: Body<ProvisioningRequest>,
) -> Result<HttpResponse, ApiError> {
    let request = request.into_inner();
    let component = component_id_hint(&request.descriptor).map(str::to_string);
    record_operation("validate-async", component.as_deref());
    let worker = state.clone();
    let token = operations::start(
        &state.operations,
        OperationKind::Validate,
        component,
        move |token| async move {
            let (status, public_info) = match counted_validation(&worker, &request).await {
                Ok(result) => (Status::Completed, result),
                Err(e) => {
                    let reference = format!("operation token {token}");
                    log_system_error(&e, &reference);
                    let shown = public_system_error(&e, &reference);
                    (Status::Failed, ValidationResult::invalid(vec![shown.error]))
                }
            };
            Outcome::validation(&ValidationStatus {
                status,
                info: Some(ValidationInfo { public_info }),
            })
        },
    )
    .await?;
    Ok(HttpResponse::build(StatusCode::ACCEPTED).json(token))
}

/// Get status and results of an async validation operation.
#[utoipa::path(
    get, path = "/v2/validate/{token}/status", tag = TAG, operation_id = "getValidationStatus",
    params(("token" = String, Path, description = "token that identifies the request")),
    responses(
        (status = 200, description = "The request status", body = ValidationStatus),
        (status = 400, description = "Invalid input: no validation has this token", body = RequestValidationError),
        (status = 500, description = "System problem", body = SystemError),
    ),
    security((), ("coordinator" = []))
)]
pub async fn validation_status(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let route = StatusRoute {
        operation: "validate-status",
        kinds: &[OperationKind::Validate],
        what: "validation",
        result_type: "ValidationStatus",
        unreadable: "The stored result of this validation cannot be read; validate again.",
    };
    stored_status(&state, &token, route, |_| ValidationStatus {
        status: Status::Running,
        info: None,
    })
    .await
}

/// Why `updateacl` has nothing to do here.
pub const UPDATE_ACL_UNSUPPORTED: &str = "The CDP Spark provisioner deploys Spark batch jobs, which have no access control list: there is nothing to grant on a workload. Access to data is managed by the output ports' provisioners; remove this component from the access request.";

/// Why reverse provisioning has nothing to do here.
pub const REVERSE_UNSUPPORTED: &str = "The CDP Spark provisioner does not support reverse provisioning: a Spark job is defined by its descriptor, there is no existing resource to import. Define the workload in the component descriptor instead.";

/// Request access to a component: not meaningful for a Spark job.
///
/// Always a 500 `SystemError` whose `userMessage` explains why.
#[utoipa::path(
    post, path = "/v1/updateacl", tag = TAG, operation_id = "updateacl",
    request_body(content = UpdateAclRequest, description = "An access request object"),
    responses(
        (status = 200, description = "Never answered: Spark jobs have no ACL", body = ProvisioningStatus),
        (status = 202, description = "Never answered: Spark jobs have no ACL", body = String, content_type = "application/json"),
        (status = 400, description = "Invalid input (malformed body)", body = RequestValidationError),
        (status = 500, description = "Always: updating ACLs is not supported by this provisioner (see userMessage)", body = SystemError),
    ),
    security((), ("coordinator" = []))
)]
pub async fn update_acl(request: Body<UpdateAclRequest>) -> Result<HttpResponse, ApiError> {
    record_operation("updateacl", None);
    Err(ApiError::Unsupported(Box::new(
        SystemError::new(
            format!(
                "updateacl is not supported by the CDP Spark provisioner (asked for {} identities)",
                request.refs.len()
            ),
            UPDATE_ACL_UNSUPPORTED,
        )
        .with_solution(
            "updateacl was called on a Spark workload",
            "Grant access on the output ports that expose the job's data",
        ),
    )))
}

/// Execute a reverse provisioning operation: not supported.
///
/// Always a 500 `SystemError` whose `userMessage` explains why.
#[utoipa::path(
    post, path = "/v1/reverse-provisioning", tag = TAG, operation_id = "runReverseProvisioning",
    request_body(content = ReverseProvisioningRequest),
    responses(
        (status = 200, description = "Never answered: reverse provisioning is not supported", body = ReverseProvisioningStatus),
        (status = 202, description = "Never answered: reverse provisioning is not supported", body = String, content_type = "application/json"),
        (status = 400, description = "Invalid input (malformed body)", body = RequestValidationError),
        (status = 500, description = "Always: reverse provisioning is not supported by this provisioner (see userMessage)", body = SystemError),
    ),
    security((), ("coordinator" = []))
)]
pub async fn reverse_provisioning(
    request: Body<ReverseProvisioningRequest>,
) -> Result<HttpResponse, ApiError> {
    record_operation("reverse-provisioning", None);
    Err(ApiError::Unsupported(Box::new(
        SystemError::new(
            format!(
                "reverse provisioning is not supported by the CDP Spark provisioner (template {}, environment {})",
                excerpt(&request.use_case_template_id, ECHO_CHARS),
                excerpt(&request.environment, ECHO_CHARS)
            ),
            REVERSE_UNSUPPORTED,
        )
        .with_solution(
            "reverse provisioning was asked of a Spark workload",
            "Define the Spark job in the component descriptor and provision it",
        ),
    )))
}

/// Status of a reverse provisioning operation: none is ever started, so
/// every token is unknown.
#[utoipa::path(
    get, path = "/v1/reverse-provisioning/{token}/status", tag = TAG, operation_id = "getReverseProvisioningStatus",
    params(("token" = String, Path, description = "token that identifies the request")),
    responses(
        (status = 200, description = "Never answered: no reverse provisioning operation exists", body = ReverseProvisioningStatus),
        (status = 400, description = "Always: no reverse provisioning operation has this token", body = RequestValidationError),
        (status = 500, description = "System problem", body = SystemError),
    ),
    security((), ("coordinator" = []))
)]
pub async fn reverse_provisioning_status(
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    record_operation("reverse-provisioning-status", None);
    Err(ApiError::invalid(
        format!(
            "no reverse provisioning operation with token '{}' exists: the CDP Spark provisioner does not support reverse provisioning",
            excerpt(&token, ECHO_CHARS)
        ),
        "Define the Spark job in the component descriptor and provision it",
    ))
}
