//! The job status API under `/v1/scheduler`: runs, their logs, jobs,
//! triggers, and the manual trigger. Group and name are the Quartz job key (group = data
//! product id, name = `jobName`).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use cdp_spark_domain::api::{JobStatusView, RunView, SystemError, TriggerView};
use cdp_spark_domain::model::{
    BackfillAccepted, JobKey, JobPause, JobsPause, ManualTriggerAccepted, RerunAccepted, RunFilter,
    RunState, TriggerKey, MAX_KEY_LEN,
};
use cdp_spark_domain::runlog::{DEFAULT_TAIL_BYTES, MAX_TAIL_BYTES};
use cdp_spark_domain::scheduling::backfill::BackfillRequest;
use cdp_spark_domain::scheduling::run_parameters::RunParameters;

use super::body::{optional_json, required_json};
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
    /// Only runs in this state: QUEUED, SUBMITTING, RUNNING, SUCCEEDED, FAILED, KILLED, SKIPPED,
    /// LOST or TIMED_OUT.
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
pub(crate) fn job_key((group, name): (String, String)) -> Result<JobKey, ApiError> {
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
        runs: runs
            .into_iter()
            .map(|r| RunView::with_links(r, &state.provisioner.settings().links))
            .collect(),
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
    Ok(HttpResponse::Ok().json(RunView::with_links(
        run,
        &state.provisioner.settings().links,
    )))
}

/// Query of `GET /v1/scheduler/runs/{runId}/logs`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogsQuery {
    /// Bytes of the end of the log to answer, 1 to 4194304 (default 65536).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 4194304)]
    pub tail: Option<String>,
}

/// Header: where the log came from (`spark-submit`, `yarn-nodemanager`,
/// `yarn-aggregated`), or `none` while there is none.
pub const LOG_SOURCE_HEADER: &str = "x-log-source";
/// Header: `true` when earlier output is not in the answer.
pub const LOG_TRUNCATED_HEADER: &str = "x-log-truncated";
/// Header: the run's state when the log was read.
pub const RUN_STATE_HEADER: &str = "x-run-state";

/// The end of a run's driver log as plain text: local mode, spark-submit's
/// output (the driver itself), captured, redacted and kept up to
/// `launcher.run_log_max_bytes`; YARN, the driver container's `stdout`
/// and `stderr` from its NodeManager while it runs, else spark-submit's
/// client output as kept. Headers say where it came from
/// (`x-log-source`), whether earlier output was left out
/// (`x-log-truncated`) and the run's state (`x-run-state`). While nothing
/// is available yet the answer is `200` with `x-log-source: none` and a
/// one-line explanation as the body.
#[utoipa::path(
    get, path = "/v1/scheduler/runs/{runId}/logs", tag = TAG, operation_id = "getRunLogs",
    params(("runId" = String, Path, description = "The run id"), LogsQuery),
    responses(
        (status = 200, description = "The end of the run's log (or, with x-log-source: none, why there is none yet)", content_type = "text/plain; charset=utf-8", body = String,
            headers(
                ("x-log-source" = String, description = "spark-submit, yarn-nodemanager, yarn-aggregated, or none"),
                ("x-log-truncated" = bool, description = "true when earlier output is not in the answer"),
                ("x-run-state" = String, description = "The run's state"),
            )),
        (status = 400, description = "A run id longer than 190 characters, or tail out of range", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.status_token)", body = Problem),
        (status = 404, description = "No run has this id", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("status" = []))
)]
pub async fn run_logs(
    state: web::Data<AppState>,
    run_id: web::Path<String>,
    query: web::Query<LogsQuery>,
) -> Result<HttpResponse, ApiError> {
    record_operation("run-logs", None);
    key_part("runId", &run_id)?;
    let tail = number("tail", query.tail.as_deref(), MAX_TAIL_BYTES)?.unwrap_or(DEFAULT_TAIL_BYTES);
    if tail == 0 {
        return Err(ApiError::bad_request(format!(
            "tail 0 is out of range; use 1 to {MAX_TAIL_BYTES}"
        )));
    }
    let answer = state
        .logs
        .run_log(&run_id, tail)
        .await
        .map_err(ApiError::from_status_api)?;
    let mut reply = HttpResponse::Ok();
    reply
        .content_type("text/plain; charset=utf-8")
        .insert_header((RUN_STATE_HEADER, answer.state.as_str()));
    Ok(match answer.tail {
        Some(tail) => {
            reply
                .insert_header((LOG_SOURCE_HEADER, tail.source.as_str()))
                .insert_header((LOG_TRUNCATED_HEADER, tail.truncated.to_string()));
            if let Some(note) = answer.note {
                // A header holds one line of visible ASCII.
                let note: String = note
                    .chars()
                    .map(|c| {
                        if c.is_ascii_graphic() || c == ' ' {
                            c
                        } else {
                            '?'
                        }
                    })
                    .take(500)
                    .collect();
                reply.insert_header(("x-log-note", note));
            }
            reply.body(tail.text)
        }
        None => reply
            .insert_header((LOG_SOURCE_HEADER, "none"))
            .insert_header((LOG_TRUNCATED_HEADER, "false"))
            .body(format!("{}\n", answer.note.unwrap_or_default())),
    })
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
/// (its `triggerKey` is the answer's). An optional body `{"args": […],
/// "conf": {…}}` overrides the job's `args` and/or `conf` for this run
/// (checked by the descriptor's rules and the conf policy, recorded on the
/// run as `parameters`): the run is then stored `QUEUED` at once, its id in
/// the answer, and started by the next acquisition (the job's
/// `concurrencyPolicy` applies as to any fire). An empty body (or `null`)
/// starts the job with its own parameters.
#[utoipa::path(
    post, path = "/v1/scheduler/jobs/{group}/{name}/trigger", tag = TAG, operation_id = "triggerJob",
    params(
        ("group" = String, Path, description = "Job group: the data product id"),
        ("name" = String, Path, description = "Job name: the descriptor's jobName"),
    ),
    request_body(content = Option<RunParameters>, description = "Optional: args and/or conf for this run instead of the job's", content_type = "application/json"),
    responses(
        (status = 202, description = "The one-shot trigger (or, with parameters, the queued run) was stored; `runId` is the run once it exists, `message` says where to follow it", body = ManualTriggerAccepted),
        (status = 400, description = "A key part (group, name) longer than the 190 characters keys hold, a body that is not JSON or not RunParameters, or parameters the rules or the conf policy refuse (the field is named)", body = Problem),
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
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    record_operation("trigger-now", None);
    let job_key = job_key(key.into_inner())?;
    let parameters: Option<RunParameters> = optional_json(&body, "RunParameters")?;
    let accepted: ManualTriggerAccepted = state
        .control
        .start_now_with(&job_key, parameters)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Accepted().json(accepted))
}

/// Run a run again: a new run of the same job with the same nominal time
/// (`scheduledFireTime`) and parameters, stored `QUEUED` and started by the
/// next acquisition (the job's `concurrencyPolicy` applies as to any fire).
#[utoipa::path(
    post, path = "/v1/scheduler/runs/{runId}/rerun", tag = TAG, operation_id = "rerunRun",
    params(("runId" = String, Path, description = "The run to repeat")),
    responses(
        (status = 202, description = "The new run is queued; `message` says where it is", body = RerunAccepted),
        (status = 400, description = "A run id longer than 190 characters, the run's job is no longer provisioned, or its parameters are refused by today's conf policy", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.trigger_token)", body = Problem),
        (status = 403, description = "Writes are closed: auth.status_token is set but auth.trigger_token is not", body = Problem),
        (status = 404, description = "No run has this id", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("trigger" = []))
)]
pub async fn rerun(
    state: web::Data<AppState>,
    run_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    record_operation("rerun", None);
    key_part("runId", &run_id)?;
    let accepted: RerunAccepted = state
        .control
        .rerun(&run_id)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Accepted().json(accepted))
}

/// Backfill a window: one run per fire time of the job's schedule (its
/// cron expression in its time zone, within its start and end date) in
/// `[from, to]`, oldest first, at most `maxParallel` of them in flight at
/// once, across instances and restarts (the runs wait `QUEUED`; the job's
/// `concurrencyPolicy` does not apply to them, the cap does; scheduled
/// fires of a `Forbid` job are skipped while one is in flight). `dryRun`
/// lists the fire times and creates nothing. A window with more fire times
/// than `scheduler.backfill_max_runs` is refused with the count.
#[utoipa::path(
    post, path = "/v1/scheduler/jobs/{group}/{name}/backfill", tag = TAG, operation_id = "backfillJob",
    params(
        ("group" = String, Path, description = "Job group: the data product id"),
        ("name" = String, Path, description = "Job name: the descriptor's jobName"),
    ),
    request_body(content = BackfillRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Dry run (or an empty window): the fire times, nothing created", body = BackfillAccepted),
        (status = 202, description = "The runs are queued: the backfill id, the fire times and the run ids", body = BackfillAccepted),
        (status = 400, description = "A key part too long, a body that is not a BackfillRequest, a window out of order or in the future, maxParallel out of 1 to 100, a job without schedule, or more fire times than scheduler.backfill_max_runs (with the count)", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.trigger_token)", body = Problem),
        (status = 403, description = "Writes are closed: auth.status_token is set but auth.trigger_token is not", body = Problem),
        (status = 404, description = "No job has this key", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("trigger" = []))
)]
pub async fn backfill(
    state: web::Data<AppState>,
    key: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    record_operation("backfill", None);
    let job_key = job_key(key.into_inner())?;
    let request: BackfillRequest = required_json(&body, "BackfillRequest")?;
    let answer: BackfillAccepted = state
        .control
        .backfill(&job_key, &request)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(if answer.run_ids.is_empty() {
        HttpResponse::Ok().json(answer)
    } else {
        HttpResponse::Accepted().json(answer)
    })
}

/// Which jobs a bulk pause or resume is about, in the query or the body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataProductFilter {
    /// Only the jobs of this data product (the job group); absent: every job.
    pub data_product: Option<String>,
}

/// Pause every job of a data product (`dataProduct`, in the query or the
/// body), or every job: all their triggers go to `PAUSED` in one
/// transaction; their queued runs wait too (runs in flight go on).
#[utoipa::path(
    post, path = "/v1/scheduler/pause", tag = TAG, operation_id = "pauseJobs",
    params(DataProductFilter),
    request_body(content = Option<DataProductFilter>, description = "Optional: the data product, instead of the query", content_type = "application/json"),
    responses(
        (status = 200, description = "How many jobs and triggers were paused", body = JobsPause),
        (status = 400, description = "dataProduct longer than 190 characters, given twice differently, or a body that is not JSON of this shape", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.trigger_token)", body = Problem),
        (status = 403, description = "Writes are closed: auth.status_token is set but auth.trigger_token is not", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("trigger" = []))
)]
pub async fn pause_all(
    state: web::Data<AppState>,
    query: web::Query<DataProductFilter>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    record_operation("pause-all", None);
    set_paused_all(&state, query.into_inner(), &body, true).await
}

/// Resume every job of a data product (`dataProduct`, in the query or the
/// body), or every job: their paused triggers wait again (a fire time
/// missed while paused follows the misfire instruction).
#[utoipa::path(
    post, path = "/v1/scheduler/resume", tag = TAG, operation_id = "resumeJobs",
    params(DataProductFilter),
    request_body(content = Option<DataProductFilter>, description = "Optional: the data product, instead of the query", content_type = "application/json"),
    responses(
        (status = 200, description = "How many jobs and triggers were resumed", body = JobsPause),
        (status = 400, description = "dataProduct longer than 190 characters, given twice differently, or a body that is not JSON of this shape", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.trigger_token)", body = Problem),
        (status = 403, description = "Writes are closed: auth.status_token is set but auth.trigger_token is not", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("trigger" = []))
)]
pub async fn resume_all(
    state: web::Data<AppState>,
    query: web::Query<DataProductFilter>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    record_operation("resume-all", None);
    set_paused_all(&state, query.into_inner(), &body, false).await
}

async fn set_paused_all(
    state: &AppState,
    query: DataProductFilter,
    body: &[u8],
    paused: bool,
) -> Result<HttpResponse, ApiError> {
    let from_body: Option<DataProductFilter> = optional_json(body, "DataProductFilter")?;
    let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let data_product = match (
        clean(query.data_product),
        clean(from_body.and_then(|b| b.data_product)),
    ) {
        (Some(q), Some(b)) if q != b => {
            return Err(ApiError::bad_request(format!(
                "dataProduct is '{}' in the query but '{}' in the body; give it once",
                excerpt(&q, 40),
                excerpt(&b, 40)
            )))
        }
        (q, b) => q.or(b),
    };
    if let Some(dp) = &data_product {
        key_part("dataProduct", dp)?;
    }
    let answer: JobsPause = state
        .control
        .set_paused_all(data_product, paused)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Ok().json(answer))
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
}
