//! The jobs listing `GET /v1/scheduler/jobs` and a job's schedule
//! `GET /v1/scheduler/jobs/{group}/{name}/schedule`: what the web console's
//! pages read (status token). Queries are read as text and checked here,
//! so that a bad value is answered naming its parameter.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use cdp_spark_domain::api::{JobScheduleView, JobsPage, SystemError};
use cdp_spark_domain::model::RunState;
use cdp_spark_domain::usecases::job_list::{
    JobListFilter, JobListState, DEFAULT_JOBS_PAGE, DEFAULT_RUN_CELLS, MAX_JOBS_PAGE, MAX_RUN_CELLS,
};

use super::errors::{ApiError, Problem, ECHO_CHARS};
use super::scheduler::{job_key, number, MAX_OFFSET};
use super::telemetry::{excerpt, record_operation};
use super::AppState;

const TAG: &str = "JobStatus";

/// Query of `GET /v1/scheduler/jobs`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct JobsQuery {
    /// Only jobs of this data product (the job group), at most 190 characters.
    pub data_product: Option<String>,
    /// Only jobs whose latest run is in this state (SUBMITTING, RUNNING, SUCCEEDED, FAILED, KILLED, SKIPPED, LOST), or a view: FAILING (the latest run ended badly), LATE (a scheduled fire time passed without a run), PAUSED, NEVER_RUN.
    pub state: Option<String>,
    /// Jobs to skip, in key order (default 0).
    #[param(value_type = Option<u64>)]
    pub offset: Option<String>,
    /// Jobs to return, 1 to 1000 (default 200).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// Last runs per job, 1 to 50 (default 10).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 50)]
    pub runs: Option<String>,
}

fn parse_jobs_query(q: &JobsQuery) -> Result<JobListFilter, ApiError> {
    let data_product = match q.data_product.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(g) => {
            let n = g.chars().count();
            if n > cdp_spark_domain::model::MAX_KEY_LEN {
                return Err(ApiError::bad_request(format!(
                    "dataProduct '{}' is {n} characters long; data product ids of jobs hold at most {} characters",
                    excerpt(g, 40),
                    cdp_spark_domain::model::MAX_KEY_LEN
                )));
            }
            Some(g.to_string())
        }
    };
    let state = match q.state.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Some(JobListState::parse(s).ok_or_else(|| {
            ApiError::bad_request(format!(
                "state '{}' is neither a run state nor a view; use one of {}, {}",
                excerpt(s, ECHO_CHARS),
                RunState::ALL.map(|s| s.as_str()).join(", "),
                JobListState::VIEWS.join(", ")
            ))
        })?),
    };
    let limit = number("limit", q.limit.as_deref(), u64::MAX)?.unwrap_or(DEFAULT_JOBS_PAGE);
    if limit == 0 || limit > MAX_JOBS_PAGE {
        return Err(ApiError::bad_request(format!(
            "limit {limit} is out of range; use 1 to {MAX_JOBS_PAGE}"
        )));
    }
    let runs = number("runs", q.runs.as_deref(), u64::MAX)?.unwrap_or(DEFAULT_RUN_CELLS);
    if runs == 0 || runs > MAX_RUN_CELLS {
        return Err(ApiError::bad_request(format!(
            "runs {runs} is out of range; use 1 to {MAX_RUN_CELLS}"
        )));
    }
    Ok(JobListFilter {
        data_product,
        state,
        offset: number("offset", q.offset.as_deref(), MAX_OFFSET)?.unwrap_or(0),
        limit,
        runs,
    })
}

/// Every job with its data product, schedule in words and zone, next fire
/// time, pause, latest state, whether it is failing or late, and its last
/// runs (state and duration), in key order, page by page.
#[utoipa::path(
    get, path = "/v1/scheduler/jobs", tag = TAG, operation_id = "listJobs",
    params(JobsQuery),
    responses(
        (status = 200, description = "A page of jobs in key order", body = JobsPage),
        (status = 400, description = "A query parameter is not valid", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.status_token)", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("status" = []))
)]
pub async fn jobs(
    state: web::Data<AppState>,
    query: web::Query<JobsQuery>,
) -> Result<HttpResponse, ApiError> {
    record_operation("jobs", None);
    let filter = parse_jobs_query(&query)?;
    let page: JobsPage = state
        .provisioner
        .job_list(&filter)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Ok().json(page))
}

/// A job's schedule in words and its next five fire times.
#[utoipa::path(
    get, path = "/v1/scheduler/jobs/{group}/{name}/schedule", tag = TAG, operation_id = "getJobSchedule",
    params(
        ("group" = String, Path, description = "Job group: the data product id"),
        ("name" = String, Path, description = "Job name: the descriptor's jobName"),
    ),
    responses(
        (status = 200, description = "The schedule and its next fire times", body = JobScheduleView),
        (status = 400, description = "A key part (group, name) longer than the 190 characters keys hold", body = Problem),
        (status = 401, description = "Missing or wrong bearer token (auth.status_token)", body = Problem),
        (status = 404, description = "No job has this key", body = Problem),
        (status = 500, description = "System problem (database)", body = SystemError),
    ),
    security((), ("status" = []))
)]
pub async fn schedule(
    state: web::Data<AppState>,
    key: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    record_operation("job-schedule", None);
    let key = job_key(key.into_inner())?;
    let view: JobScheduleView = state
        .provisioner
        .job_schedule(&key)
        .await
        .map_err(ApiError::from_status_api)?;
    Ok(HttpResponse::Ok().json(view))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(f: impl FnOnce(&mut JobsQuery)) -> JobsQuery {
        let mut q = JobsQuery::default();
        f(&mut q);
        q
    }

    #[test]
    fn job_filters_parse_or_name_the_parameter() {
        let f = parse_jobs_query(&q(|q| {
            q.data_product = Some(" urn:dmb:dp:a:b:0 ".into());
            q.state = Some("failing".into());
            q.limit = Some("5".into());
            q.runs = Some("3".into());
        }))
        .expect("valid");
        assert_eq!(f.data_product.as_deref(), Some("urn:dmb:dp:a:b:0"));
        assert_eq!(f.state, Some(JobListState::Failing));
        assert_eq!((f.offset, f.limit, f.runs), (0, 5, 3));
        let f = parse_jobs_query(&q(|q| q.state = Some("succeeded".into()))).expect("run state");
        assert_eq!(f.state, Some(JobListState::Run(RunState::Succeeded)));
        assert_eq!(
            parse_jobs_query(&JobsQuery::default()).expect("defaults"),
            JobListFilter::default()
        );
        for (query, needle) in [
            (
                q(|q| q.state = Some("<b>DONE".into())),
                "state '<b>DONE' is neither",
            ),
            (q(|q| q.limit = Some("0".into())), "use 1 to 1000"),
            (q(|q| q.limit = Some("1001".into())), "use 1 to 1000"),
            (q(|q| q.runs = Some("51".into())), "runs 51"),
            (q(|q| q.offset = Some("-1".into())), "offset '-1'"),
            (q(|q| q.data_product = Some("g".repeat(191))), "dataProduct"),
        ] {
            let e = parse_jobs_query(&query).expect_err(needle);
            assert!(e.to_string().contains(needle), "{e}");
        }
    }
}
