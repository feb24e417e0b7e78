//! Liveness, readiness and the Prometheus metrics.

use actix_web::{web, HttpResponse};
use cdp_spark_domain::ports::StoreError;
use serde::Serialize;
use serde_json::json;

use super::AppState;

/// Liveness or readiness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `UP` or `DOWN`.
    pub status: &'static str,
    /// Why not ready, in a few words (readiness only; the log has the detail).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String, required = false)]
    pub reason: Option<&'static str>,
}

impl Health {
    const UP: Health = Health {
        status: "UP",
        reason: None,
    };

    fn down(reason: &'static str) -> Self {
        Health {
            status: "DOWN",
            reason: Some(reason),
        }
    }
}

/// Liveness: the process answers.
#[utoipa::path(
    get, path = "/health", tag = "Service", operation_id = "health",
    responses((status = 200, description = "The process is up", body = Health))
)]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health::UP)
}

/// Readiness: the job store answers (and a SQLite store's file is still the
/// one it opened). The body gives a short reason only: the database's
/// address, user and name and the driver's words are for the operator's
/// log, not for whoever can reach this route.
#[utoipa::path(
    get, path = "/ready", tag = "Service", operation_id = "ready",
    responses(
        (status = 200, description = "The job store answers", body = Health),
        (status = 503, description = "The job store does not answer; `reason` says why in a few words (the log has the detail)", body = Health),
    )
)]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.provisioner.store().ping().await {
        Ok(()) => HttpResponse::Ok().json(Health::UP),
        Err(e) => {
            let reason = not_ready_reason(&e);
            if cdp_spark_jobstore::is_database_file_gone(&e) {
                tracing::error!(error = %e, reason, "not ready");
            } else {
                tracing::warn!(error = %e, reason, "not ready");
            }
            HttpResponse::ServiceUnavailable().json(Health::down(reason))
        }
    }
}

/// What `/ready` tells anyone about a store fault: a fixed phrase per kind,
/// never the fault's own text (which names the database, its host, port
/// and user, and quotes the driver).
fn not_ready_reason(e: &StoreError) -> &'static str {
    if cdp_spark_jobstore::is_database_file_gone(e) {
        return "the job store's database file was removed or replaced while open";
    }
    match e {
        StoreError::Unavailable(_) => "the job store does not answer",
        StoreError::Conflict(_) => "the job store is busy",
        StoreError::Corrupt(_) => "the job store holds data this provisioner cannot read",
        StoreError::Other(_) => "the job store failed",
    }
}

/// Prometheus metrics (OpenMetrics text): request counts and latencies per
/// route, provisions and validations by outcome.
#[utoipa::path(
    get, path = "/metrics", tag = "Service", operation_id = "metrics",
    responses((status = 200, description = "OpenMetrics text exposition", content_type = "application/openmetrics-text", body = String))
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    state.metrics.refresh_job_times().await;
    match state.metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(text),
        Err(e) => HttpResponse::InternalServerError()
            .json(json!({"error": "METRICS", "message": format!("the metrics could not be rendered: {e}")})),
    }
}
