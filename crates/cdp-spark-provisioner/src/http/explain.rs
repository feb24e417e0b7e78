//! `GET /v1/scheduler/jobs/{group}/{name}/explain`: "why didn't my job
//! run?" The window is read here, naming the parameter at fault; the
//! answer is the domain's (`JobControl::explain`).

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use cdp_spark_domain::api::SystemError;
use cdp_spark_domain::scheduling::explain::JobExplanation;

use super::errors::{ApiError, Problem, ECHO_CHARS};
use super::scheduler::job_key;
use super::telemetry::{excerpt, record_operation};
use super::AppState;

const TAG: &str = "JobStatus";

/// Query of `GET /v1/scheduler/jobs/{group}/{name}/explain`, read as text
/// and checked here, so that a bad value is answered naming its parameter.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExplainQuery {
    /// Start of the window, RFC 3339 (e.g. `2030-01-01T00:00:00Z`), included.
    #[param(value_type = String, format = DateTime)]
    pub from: Option<String>,
    /// End of the window, RFC 3339, included; after `from`.
    #[param(value_type = String, format = DateTime)]
    pub to: Option<String>,
}

/// An instant of the query, required.
fn instant(parameter: &str, value: Option<&str>) -> Result<DateTime<Utc>, ApiError> {
    let text = value
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "{parameter} is required: an RFC 3339 instant such as 2030-01-01T00:00:00Z"
            ))
        })?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            ApiError::bad_request(format!(
                "{parameter} '{}' is not an RFC 3339 instant such as 2030-01-01T00:00:00Z ({e})",
                excerpt(text, ECHO_CHARS)
            ))
        })
}

fn parse_window(q: &ExplainQuery) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let from = instant("from", q.from.as_deref())?;
    let to = instant("to", q.to.as_deref())?;
    if from >= to {
        return Err(ApiError::bad_request(format!(
            "from ({}) must be before to ({})",
            from.to_rfc3339(),
            to.to_rfc3339()
        )));
    }
    Ok((from, to))
}

/// Why didn't my job run? Every fire time the job's schedule had in the
/// window and what became of it: `RAN` (its run and state), `SKIPPED`
/// (the runs that blocked it under `concurrencyPolicy: Forbid`),
/// `MISFIRED` (the misfire instruction and the run it fired once instead),
/// `PAUSED`, `BEFORE_START`, `AFTER_END`, `NOT_YET_DUE`, `REPAIRED` (the
/// trigger was stuck in a state no live instance owned until recovery
/// repaired it) or `MISSING` (no explanation: should not happen); with the
/// job's manual starts, retries and misfire runs in the window. At most
/// 1000 fire times per answer.
#[utoipa::path(
    get, path = "/v1/scheduler/jobs/{group}/{name}/explain", tag = TAG, operation_id = "explainJob",
    params(
        ("group" = String, Path, description = "Job group: the data product id"),
        ("name" = String, Path, description = "Job name: the descriptor's jobName"),
        ExplainQuery,
    ),
    responses(
        (status = 200, description = "Every fire time in the window and what became of it", body = JobExplanation),
        (status = 400, description = "from or to missing or not RFC 3339, from not before to, more than 1000 fire times in the window, or a key part longer than 190 characters", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.status_token)", body = Problem),
        (status = 404, description = "No job has this key", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("status" = []))
)]
pub async fn explain(
    state: web::Data<AppState>,
    key: web::Path<(String, String)>,
    query: web::Query<ExplainQuery>,
) -> Result<HttpResponse, ApiError> {
    record_operation("explain", None);
    let key = job_key(key.into_inner())?;
    let (from, to) = parse_window(&query)?;
    let answer: JobExplanation = state
        .control
        .explain(&key, from, to)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Ok().json(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_windows_parse_or_name_the_parameter() {
        let q = |from: Option<&str>, to: Option<&str>| ExplainQuery {
            from: from.map(str::to_string),
            to: to.map(str::to_string),
        };
        let (from, to) = parse_window(&q(
            Some("2030-01-01T01:00:00+01:00"),
            Some("2030-01-01T00:30:00Z"),
        ))
        .expect("valid");
        assert_eq!(from.to_rfc3339(), "2030-01-01T00:00:00+00:00");
        assert_eq!(to - from, chrono::Duration::minutes(30));
        for (query, needle) in [
            (q(None, Some("2030-01-01T00:00:00Z")), "from is required"),
            (q(Some("2030-01-01T00:00:00Z"), Some(" ")), "to is required"),
            (
                q(Some("yesterday"), Some("2030-01-01T00:00:00Z")),
                "from 'yesterday'",
            ),
            (
                q(Some("2030-01-01T00:00:00Z"), Some("2030-01-01")),
                "to '2030-01-01'",
            ),
            (
                q(Some("2030-01-01T00:00:00Z"), Some("2030-01-01T00:00:00Z")),
                "must be before to",
            ),
        ] {
            let e = parse_window(&query).expect_err(needle);
            assert!(e.to_string().contains(needle), "{e}");
        }
    }
}
