//! Liveness, readiness and the Prometheus metrics.

use actix_web::{web, HttpResponse};
use serde_json::json;

#[allow(unused_imports)] // named by the OpenAPI annotations
use super::openapi::schemas::HealthDoc;
use super::AppState;

/// Liveness: the process answers.
#[utoipa::path(
    get, path = "/health", tag = "Service", operation_id = "health",
    responses((status = 200, description = "The process is up", body = HealthDoc))
)]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "UP"}))
}

/// Readiness: the job store answers.
#[utoipa::path(
    get, path = "/ready", tag = "Service", operation_id = "ready",
    responses(
        (status = 200, description = "The job store answers", body = HealthDoc),
        (status = 503, description = "The job store does not answer; `detail` says why", body = HealthDoc),
    )
)]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match state.provisioner.store().ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "UP"})),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the job store does not answer");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "DOWN", "detail": e.to_string()}))
        }
    }
}

/// Prometheus metrics (OpenMetrics text): request counts and latencies per
/// route, provisions and validations by outcome.
#[utoipa::path(
    get, path = "/metrics", tag = "Service", operation_id = "metrics",
    responses((status = 200, description = "OpenMetrics text exposition", content_type = "application/openmetrics-text", body = String))
)]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    match state.metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
            .body(text),
        Err(e) => HttpResponse::InternalServerError()
            .json(json!({"error": "METRICS", "message": format!("the metrics could not be rendered: {e}")})),
    }
}
