//! The job status API under `/v1/scheduler`: runs, jobs, triggers, and the
//! manual trigger. Group and name are the Quartz job key (group = data
//! product id, name = `jobName`).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use cdp_spark_domain::api::{JobStatusView, RunView, SystemError, TriggerView};
use cdp_spark_domain::model::{
    JobKey, JobPause, ManualTriggerAccepted, RunFilter, RunState, TriggerKey, MAX_KEY_LEN,
};

use cdp_spark_domain::scheduling::explain::JobExplanation;
use chrono::{DateTime, Utc};

use super::errors::{ApiError, Problem, ECHO_CHARS};
use super::telemetry::{excerpt, record_operation};
use super::AppState;

const TAG: &str = "JobStatus";

/// Runs per page unless `limit` says otherwise.
pub const DEFAULT_PAGE: u64 = 50;
/// Most runs per page.
pub const MAX_PAGE: u64 = 500;

/// Largest `offset`: the databases' OFFSET is a signed 64-bit number.
pub const MAX_OFFSET: u64 = i64::MAX as u64;

/// Query of `GET /v1/scheduler/runs`. Read as text and checked here, so
/// that a bad value is answered naming its parameter.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// Only runs in this state: SUBMITTING, RUNNING, SUCCEEDED, FAILED, KILLED, SKIPPED or LOST.
    pub state: Option<String>,
    /// Only runs of this job, as `GROUP/NAME` (data product id / jobName), each at most 190 characters.
    pub job: Option<String>,
    /// Runs to skip, newest first (default 0).
    #[param(value_type = Option<u64>, maximum = 9223372036854775807_u64)]
    pub offset: Option<String>,
    /// Runs to return, 1 to 500 (default 50).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
}

/// A key part from the path or the query: at most [`MAX_KEY_LEN`]
/// characters, the store's key columns; a longer one names no job, trigger
/// or run and is a mistake of the caller's (400), not a fault of the store.
fn key_part(parameter: &str, value: &str) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n > MAX_KEY_LEN {
        return Err(ApiError::bad_request(format!(
            "{parameter} '{}' is {n} characters long; keys hold at most {MAX_KEY_LEN} characters, so nothing has it",
            excerpt(value, 40)
        )));
    }
    Ok(())
}

/// The job key of the path `{group}/{name}`, checked.
pub(super) fn job_key((group, name): (String, String)) -> Result<JobKey, ApiError> {
    key_part("group", &group)?;
    key_part("name", &name)?;
    Ok(JobKey::new(group, name))
}

/// A whole number of the query, at most `max`.
pub(super) fn number(
    parameter: &str,
    value: Option<&str>,
    max: u64,
) -> Result<Option<u64>, ApiError> {
    let Some(text) = value.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<u64>() {
        Ok(n) if n <= max => Ok(Some(n)),
        _ => Err(ApiError::bad_request(format!(
            "{parameter} '{}' is not a whole number from 0 to {max}",
            excerpt(text, ECHO_CHARS)
        ))),
    }
}

/// A page of runs, newest first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunsPage {
    pub runs: Vec<RunView>,
    pub offset: u64,
    pub limit: u64,
    /// `offset` of the next page; `null` on the last one.
    pub next_offset: Option<u64>,
}

fn parse_filter(q: &RunsQuery) -> Result<RunFilter, ApiError> {
    let state = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(RunState::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "state '{}' is not a run state; use one of {}",
                excerpt(s, ECHO_CHARS),
                RunState::ALL.map(|s| s.as_str()).join(", ")
            ))
        })?),
    };
    let job = match q.job.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(j) => {
            let (group, name) = j
                .rsplit_once('/')
                .filter(|(g, n)| !g.is_empty() && !n.is_empty())
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "job '{}' is not GROUP/NAME; e.g. job=urn:dmb:dp:finance:cashflow:0/my-job",
                        excerpt(j, ECHO_CHARS)
                    ))
                })?;
            key_part("job (its group)", group)?;
            key_part("job (its name)", name)?;
            Some(JobKey::new(group, name))
        }
    };
    let limit = number("limit", q.limit.as_deref(), u64::MAX)?.unwrap_or(DEFAULT_PAGE);
    if limit == 0 || limit > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit {limit} is out of range; use 1 to {MAX_PAGE}"
        )));
    }
    Ok(RunFilter {
        state,
        job,
        offset: number("offset", q.offset.as_deref(), MAX_OFFSET)?.unwrap_or(0),
        limit,
    })
}

/// Runs, newest first: in progress with `state=RUNNING`, or any state, of
/// one job, page by page.
#[utoipa::path(
    get, path = "/v1/scheduler/runs", tag = TAG, operation_id = "listRuns",
    params(RunsQuery),
    responses(
        (status = 200, description = "A page of runs, newest first", body = RunsPage),
        (status = 400, description = "A query parameter is not valid", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.status_token)", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("status" = []))
)]
pub async fn runs(
    state: web::Data<AppState>,
    query: web::Query<RunsQuery>,
) -> Result<HttpResponse, ApiError> {
    record_operation("runs", None);
    let filter = parse_filter(&query)?;
    let limit = filter.limit;
    let offset = filter.offset;
    // One more than asked tells whether a next page exists.
    let mut runs = state
        .provisioner
        .runs(&RunFilter {
            limit: limit + 1,
            ..filter
        })
        .await
        .map_err(ApiError::from_status_api)?;
    let more = runs.len() as u64 > limit;
    runs.truncate(limit as usize);
    Ok(HttpResponse::Ok().json(RunsPage {
        runs: runs.into_iter().map(RunView::from).collect(),
        offset,
        limit,
        next_offset: more.then(|| offset.saturating_add(limit)),
    }))
}

/// One run: job, trigger, scheduled and actual fire time, Spark
/// application id, tracking URL, state, final status, error.
#[utoipa::path(
    get, path = "/v1/scheduler/runs/{runId}", tag = TAG, operation_id = "getRun",
    params(("runId" = String, Path, description = "The run id")),
    responses(
        (status = 200, description = "The run", body = RunView),
        (status = 400, description = "A run id longer than the 190 characters run ids hold", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.status_token)", body = Problem),
        (status = 404, description = "No run has this id", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("status" = []))
)]
pub async fn run(
    state: web::Data<AppState>,
    run_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    record_operation("run", None);
    key_part("runId", &run_id)?;
    let run = state
        .provisioner
        .run(&run_id)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Ok().json(RunView::from(run)))
}

/// A job: its data (jar, class, resources, queue), its triggers with next
/// and previous fire times and states, its last runs, and its status (the
/// latest run's state).
#[utoipa::path(
    get, path = "/v1/scheduler/jobs/{group}/{name}", tag = TAG, operation_id = "getJob",
    params(
        ("group" = String, Path, description = "Job group: the data product id"),
        ("name" = String, Path, description = "Job name: the descriptor's jobName"),
    ),
    responses(
        (status = 200, description = "The job, its triggers and its last runs", body = JobStatusView),
        (status = 400, description = "A key part (group, name) longer than the 190 characters keys hold", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.status_token)", body = Problem),
        (status = 404, description = "No job has this key", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("status" = []))
)]
pub async fn job(
    state: web::Data<AppState>,
    key: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    record_operation("job", None);
    let key = job_key(key.into_inner())?;
    let view: JobStatusView = state
        .control
        .job_status(&key)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Ok().json(view))
}

/// A trigger.
#[utoipa::path(
    get, path = "/v1/scheduler/triggers/{group}/{name}", tag = TAG, operation_id = "getTrigger",
    params(
        ("group" = String, Path, description = "Trigger group: the data product id"),
        ("name" = String, Path, description = "Trigger name: jobName + `Trigger`, or `manual-...`"),
    ),
    responses(
        (status = 200, description = "The trigger", body = TriggerView),
        (status = 400, description = "A key part (group, name) longer than the 190 characters keys hold", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.status_token)", body = Problem),
        (status = 404, description = "No trigger has this key", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("status" = []))
)]
pub async fn trigger(
    state: web::Data<AppState>,
    key: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (group, name) = key.into_inner();
    record_operation("trigger", None);
    key_part("group", &group)?;
    key_part("name", &name)?;
    let trigger = state
        .provisioner
        .trigger(&TriggerKey::new(group, name))
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Ok().json(TriggerView::from(trigger)))
}

/// Start the job now: a one-shot trigger with immediate start, also for a
/// job with no trigger of its own. When this instance runs the scheduler
/// the answer waits briefly (up to 3 s) for the run and gives its id;
/// otherwise find the run with `GET /v1/scheduler/runs?job=GROUP/NAME`
/// (its `triggerKey` is the answer's).
#[utoipa::path(
    post, path = "/v1/scheduler/jobs/{group}/{name}/trigger", tag = TAG, operation_id = "triggerJob",
    params(
        ("group" = String, Path, description = "Job group: the data product id"),
        ("name" = String, Path, description = "Job name: the descriptor's jobName"),
    ),
    responses(
        (status = 202, description = "The one-shot trigger was stored; `runId` is the run once it exists, `message` says where to follow it", body = ManualTriggerAccepted),
        (status = 400, description = "A key part (group, name) longer than the 190 characters keys hold", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.trigger_token)", body = Problem),
        (status = 403, description = "Writes are closed: auth.status_token is set but auth.trigger_token is not", body = Problem),
        (status = 404, description = "No job has this key", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("trigger" = []))
)]
pub async fn trigger_now(
    state: web::Data<AppState>,
    key: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    record_operation("trigger-now", None);
    let job_key = job_key(key.into_inner())?;
    let accepted: ManualTriggerAccepted = state
        .control
        .start_now(&job_key)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Accepted().json(accepted))
}

/// Pause a job: its triggers go to Quartz's `PAUSED` state and do not fire
/// until resumed (runs in flight go on).
#[utoipa::path(
    post, path = "/v1/scheduler/jobs/{group}/{name}/pause", tag = TAG, operation_id = "pauseJob",
    params(
        ("group" = String, Path, description = "Job group: the data product id"),
        ("name" = String, Path, description = "Job name: the descriptor's jobName"),
    ),
    responses(
        (status = 200, description = "The job's triggers are paused", body = JobPause),
        (status = 400, description = "A key part (group, name) longer than the 190 characters keys hold", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.trigger_token)", body = Problem),
        (status = 403, description = "Writes are closed: auth.status_token is set but auth.trigger_token is not", body = Problem),
        (status = 404, description = "No job has this key", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("trigger" = []))
)]
pub async fn pause(
    state: web::Data<AppState>,
    key: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    record_operation("pause", None);
    set_paused(&state, key.into_inner(), true).await
}

/// Resume a paused job: its triggers wait again and fire from their next
/// fire time (a fire time missed while paused follows the misfire
/// instruction: at most one fire now, never a burst).
#[utoipa::path(
    post, path = "/v1/scheduler/jobs/{group}/{name}/resume", tag = TAG, operation_id = "resumeJob",
    params(
        ("group" = String, Path, description = "Job group: the data product id"),
        ("name" = String, Path, description = "Job name: the descriptor's jobName"),
    ),
    responses(
        (status = 200, description = "The job's triggers wait again", body = JobPause),
        (status = 400, description = "A key part (group, name) longer than the 190 characters keys hold", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.trigger_token)", body = Problem),
        (status = 403, description = "Writes are closed: auth.status_token is set but auth.trigger_token is not", body = Problem),
        (status = 404, description = "No job has this key", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("trigger" = []))
)]
pub async fn resume(
    state: web::Data<AppState>,
    key: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    record_operation("resume", None);
    set_paused(&state, key.into_inner(), false).await
}

async fn set_paused(
    state: &AppState,
    key: (String, String),
    paused: bool,
) -> Result<HttpResponse, ApiError> {
    let job_key = job_key(key)?;
    let answer: JobPause = state
        .control
        .set_paused(&job_key, paused)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Ok().json(answer))
}

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
    fn run_filters_parse_or_say_what_is_wrong() {
        let f = parse_filter(&RunsQuery {
            state: Some("running".into()),
            job: Some("urn:dmb:dp:a:b:0/job-1".into()),
            offset: Some("10".into()),
            limit: Some("5".into()),
        })
        .expect("valid");
        assert_eq!(f.state, Some(RunState::Running));
        assert_eq!(f.job, Some(JobKey::new("urn:dmb:dp:a:b:0", "job-1")));
        assert_eq!((f.offset, f.limit), (10, 5));
        let f = parse_filter(&RunsQuery::default()).expect("defaults");
        assert_eq!(
            (f.state, f.job, f.offset, f.limit),
            (None, None, 0, DEFAULT_PAGE)
        );

        for (q, needle) in [
            (
                RunsQuery {
                    state: Some("DONE".into()),
                    ..RunsQuery::default()
                },
                "SUCCEEDED",
            ),
            (
                RunsQuery {
                    job: Some("nogroup".into()),
                    ..RunsQuery::default()
                },
                "GROUP/NAME",
            ),
            (
                RunsQuery {
                    limit: Some("0".into()),
                    ..RunsQuery::default()
                },
                "1 to 500",
            ),
            (
                RunsQuery {
                    limit: Some("501".into()),
                    ..RunsQuery::default()
                },
                "1 to 500",
            ),
            (
                RunsQuery {
                    limit: Some("ten".into()),
                    ..RunsQuery::default()
                },
                "limit 'ten'",
            ),
            (
                RunsQuery {
                    offset: Some("18446744073709551615".into()),
                    ..RunsQuery::default()
                },
                "offset",
            ),
            (
                RunsQuery {
                    job: Some(format!("{}/n", "g".repeat(MAX_KEY_LEN + 1))),
                    ..RunsQuery::default()
                },
                "job (its group)",
            ),
        ] {
            let e = parse_filter(&q).expect_err(needle);
            assert!(e.to_string().contains(needle), "{e}");
        }
    }

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
