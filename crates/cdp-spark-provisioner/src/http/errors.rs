//! From failures to HTTP answers: every error leaves as JSON with a status
//! the contract allows, a message for the caller, and a log line with the
//! detail for the operator.
//!
//! What the caller sent is echoed at most [`ECHO_CHARS`] characters long,
//! and a fault of ours or of a dependency (500) answers a short reason and
//! the request id: the detail (database, NameNode, paths) goes to the log
//! at error level under that id, never to the caller.

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use tracing::{error, info};

use cdp_spark_domain::api::{ErrorMoreInfo, RequestValidationError, SystemError, ValidationResult};
use cdp_spark_domain::usecases::UseCaseError;

use super::metrics::method_label;
use super::telemetry::{current_request_id, excerpt};

/// Most characters of a caller's input (a token, a path, a parameter) that
/// an answer repeats.
pub const ECHO_CHARS: usize = 80;

/// An error of the job status API (and any 401 or unknown route).
// The body of the job status API's 400, 401, 403 and 404 answers (and of
// 401 on every route, and of any answer given before routing): a short
// code and a sentence for the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `NOT_FOUND`, `BAD_REQUEST` or `UNAUTHORIZED`.
    // The status in words: also `FORBIDDEN`, `METHOD_NOT_ALLOWED`,
    // `URI_TOO_LONG`, ...
    pub error: String,
    /// What went wrong and what to do about it.
    pub message: String,
}

impl Problem {
    pub fn new(error: &str, message: impl Into<String>) -> Self {
        Self {
            error: error.to_string(),
            message: message.into(),
        }
    }
}

/// `NOT_FOUND` for 404, `URI_TOO_LONG` for 414: the status's reason in
/// capitals with underscores.
pub fn status_code_name(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("ERROR")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// A failed request.
#[derive(Debug)]
pub enum ApiError {
    /// 400 with a `RequestValidationError` (Witboost routes).
    Invalid(Box<RequestValidationError>),
    /// 400 with a [`Problem`] (job status API).
    BadRequest(Problem),
    /// 401: missing or wrong bearer token.
    Unauthorized(Problem),
    /// 403: the route is closed by the configuration.
    Forbidden(Problem),
    /// 404 with a [`Problem`].
    NotFound(Problem),
    /// 500 with a `SystemError`.
    System(Box<SystemError>),
    /// 500 with a `SystemError`, by design: an operation the contract has
    /// but this provisioner does not support (`updateacl`, reverse
    /// provisioning). Answered like [`ApiError::System`], logged as the
    /// caller's mistake it is, not as a fault.
    Unsupported(Box<SystemError>),
}

impl ApiError {
    /// A 400 `RequestValidationError` with one problem and its fix.
    pub fn invalid(problem: impl Into<String>, solution: impl Into<String>) -> Self {
        ApiError::invalid_body(request_validation_error(
            problem.into(),
            solution.into(),
            None,
        ))
    }

    pub fn invalid_body(e: RequestValidationError) -> Self {
        ApiError::Invalid(Box::new(e))
    }

    pub fn system(e: SystemError) -> Self {
        ApiError::System(Box::new(e))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound(Problem::new("NOT_FOUND", message))
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest(Problem::new("BAD_REQUEST", message))
    }

    /// A use-case failure on a Witboost route: invalid → 400
    /// `RequestValidationError`, anything else → 500 `SystemError`.
    pub fn from_witboost(e: UseCaseError) -> Self {
        match e {
            UseCaseError::Invalid(issues) => {
                ApiError::invalid_body(issues.to_request_validation_error(None))
            }
            UseCaseError::NotFound(m) => ApiError::system(SystemError::new(m.clone(), m)),
            UseCaseError::System(e) => ApiError::system(e),
        }
    }

    /// A use-case failure on a job status route: not found → 404,
    /// invalid → 400, anything else → 500 `SystemError`.
    pub fn from_status_api(e: UseCaseError) -> Self {
        match e {
            UseCaseError::Invalid(issues) => ApiError::bad_request(issues.to_string()),
            UseCaseError::NotFound(m) => ApiError::not_found(m),
            UseCaseError::System(e) => ApiError::system(e),
        }
    }
}

/// A `RequestValidationError` with one problem and its fix.
fn request_validation_error(
    problem: String,
    solution: String,
    field: Option<String>,
) -> RequestValidationError {
    RequestValidationError {
        errors: vec![problem.clone()],
        user_message: Some(problem.clone()),
        input: None,
        input_error_field: field,
        more_info: Some(ErrorMoreInfo {
            problems: vec![problem],
            solutions: vec![solution],
        }),
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Invalid(e) => write!(
                f,
                "invalid request: {}",
                e.user_message.as_deref().unwrap_or("(no message)")
            ),
            ApiError::BadRequest(p)
            | ApiError::Unauthorized(p)
            | ApiError::Forbidden(p)
            | ApiError::NotFound(p) => {
                write!(f, "{}: {}", p.error, p.message)
            }
            ApiError::System(e) => write!(f, "system error: {e}"),
            ApiError::Unsupported(e) => write!(f, "unsupported: {e}"),
        }
    }
}

/// The reason a caller gets for a fault of ours or of a dependency.
const SYSTEM_FAULT: &str = "The provisioner could not complete the request because of a fault of its own or of a service it depends on.";

/// What a caller sees of `e`: its `userMessage` (a short reason written for
/// callers) and its solutions, with `reference` (a request id, an operation
/// token) under which the operator's log holds the detail. `error` and
/// `moreInfo.problems`, which carry the detail (database, hosts, paths),
/// stay in the log ([`log_system_error`]).
pub fn public_system_error(e: &SystemError, reference: &str) -> SystemError {
    let reason = e
        .user_message
        .clone()
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| SYSTEM_FAULT.to_string());
    let error = format!("{reason} The provisioner's log has the detail under {reference}.");
    let more_info = e
        .more_info
        .as_ref()
        .filter(|m| !m.solutions.is_empty())
        .map(|m| ErrorMoreInfo {
            problems: m.solutions.iter().map(|_| reason.clone()).collect(),
            solutions: m.solutions.clone(),
        });
    SystemError {
        error,
        user_message: Some(reason),
        input: None,
        input_error_field: e.input_error_field.clone(),
        more_info,
    }
}

/// The operator's copy of a system error: every detail, at error level,
/// with the reference the caller was given.
pub fn log_system_error(e: &SystemError, reference: &str) {
    let problems = e
        .more_info
        .as_ref()
        .map(|m| m.problems.join("; "))
        .unwrap_or_default();
    error!(
        reference,
        error = %e.error,
        problems = %problems,
        user_message = %e.user_message.as_deref().unwrap_or_default(),
        "system error: {}",
        e.error
    );
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::System(_) | ApiError::Unsupported(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status_code());
        match self {
            ApiError::Invalid(e) => {
                info!(problem = %e.user_message.as_deref().unwrap_or_default(), "answered 400");
                builder.json(e)
            }
            ApiError::BadRequest(p) | ApiError::NotFound(p) | ApiError::Forbidden(p) => {
                info!(problem = %p.message, code = %p.error, "answered {}", self.status_code().as_u16());
                builder.json(p)
            }
            ApiError::Unauthorized(p) => {
                info!(problem = %p.message, "answered 401");
                builder.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"cdp-spark-provisioner\""),
                ));
                builder.json(p)
            }
            ApiError::System(e) => {
                let reference = reference();
                log_system_error(e, &reference);
                builder.json(public_system_error(e, &reference))
            }
            ApiError::Unsupported(e) => {
                let reference = reference();
                info!(%reference, error = %e.error, "answered 500: not supported");
                builder.json(public_system_error(e, &reference))
            }
        }
    }
}

/// The reference of an answer: the request id, or, when not answering a
/// request, a fresh id that still ties the answer to the log line.
fn reference() -> String {
    match current_request_id() {
        Some(id) => format!("request id {id}"),
        None => format!("error id {}", super::telemetry::new_request_id()),
    }
}

/// The solution we give for any malformed request body.
const BODY_SOLUTION: &str = "Send a JSON ProvisioningRequest (descriptorKind, descriptor as YAML text, removeData) with Content-Type: application/json";

/// The one route whose body errors are a `ValidationResult`.
pub const VALIDATE_ROUTE: &str = "/v1/validate";

/// A request body refused: a 400 `RequestValidationError` naming the
/// problem (and the field, when known), except on `/v1/validate`, whose
/// contract has no 400: a 200 `ValidationResult` with `valid: false`.
fn refuse_body<E>(
    err: E,
    req: &HttpRequest,
    problem: String,
    solution: String,
    field: Option<String>,
) -> actix_web::Error
where
    E: std::fmt::Debug + std::fmt::Display + 'static,
{
    if req.match_pattern().as_deref() == Some(VALIDATE_ROUTE) {
        info!(problem = %problem, "answered 200 valid=false to an unreadable body");
        let result = ValidationResult::invalid(vec![format!("{problem}. {solution}")]);
        return actix_web::error::InternalError::from_response(
            err,
            HttpResponse::Ok().json(result),
        )
        .into();
    }
    let api_error = ApiError::invalid_body(request_validation_error(problem, solution, field));
    actix_web::error::InternalError::from_response(err, api_error.error_response()).into()
}

/// Malformed, oversized, late or untyped JSON bodies (the `JsonConfig`
/// error handler).
pub fn json_error(err: JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    let (problem, solution) = match &err {
        JsonPayloadError::OverflowKnownLength { length, limit } => (
            format!("the request body is {length} bytes, more than the {limit} bytes this provisioner accepts"),
            "Send a smaller descriptor, or ask the operator to raise server.body_limit_bytes".to_string(),
        ),
        JsonPayloadError::Overflow { limit } => (
            format!("the request body is larger than the {limit} bytes this provisioner accepts"),
            "Send a smaller descriptor, or ask the operator to raise server.body_limit_bytes".to_string(),
        ),
        JsonPayloadError::ContentType => (
            format!(
                "the request body must be JSON, but its Content-Type is {}",
                req.headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(|t| excerpt(t, ECHO_CHARS))
                    .unwrap_or_else(|| "missing".to_string())
            ),
            "Send Content-Type: application/json".to_string(),
        ),
        JsonPayloadError::Deserialize(e) => {
            let what = if e.is_syntax() || e.is_eof() {
                "the request body is not valid JSON"
            } else {
                "the request body does not match the expected schema"
            };
            (
                format!(
                    "{what}: {} (line {}, column {})",
                    excerpt(&e.to_string(), 2 * ECHO_CHARS),
                    e.line(),
                    e.column()
                ),
                BODY_SOLUTION.to_string(),
            )
        }
        JsonPayloadError::Payload(PayloadError::Io(e))
            if e.kind() == std::io::ErrorKind::TimedOut =>
        {
            (
                format!("the request body could not be read: {e}"),
                "Send the whole body at once; a body must arrive within server.client_body_timeout_secs".to_string(),
            )
        }
        other => (
            format!("the request body could not be read: {other}"),
            BODY_SOLUTION.to_string(),
        ),
    };
    refuse_body(err, req, problem, solution, None)
}

/// A body that is valid JSON but not of the expected shape: the problem
/// names the field (`descriptorKind`, `refs[1]`), and so does
/// `inputErrorField`.
pub fn body_shape_error(
    err: serde_path_to_error::Error<serde_json::Error>,
    req: &HttpRequest,
    expected: &str,
) -> actix_web::Error {
    let detail = excerpt(&err.inner().to_string(), 2 * ECHO_CHARS);
    let path = err.path().to_string();
    // A missing field is reported on its parent; name the field itself.
    let missing = detail
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .map(str::to_string);
    let field = match (path.as_str(), missing) {
        (".", Some(m)) => Some(m),
        (".", None) => None,
        (p, Some(m)) => Some(format!("{p}.{m}")),
        (p, None) => Some(p.to_string()),
    };
    let problem = match &field {
        Some(f) => {
            format!("the request body is valid JSON, but its field {f} is not valid: {detail}")
        }
        None => format!("the request body is valid JSON, but not a {expected}: {detail}"),
    };
    let solution = format!(
        "Send a JSON {expected} as the Witboost specific-provisioner API 2.2.0 describes it (see /openapi.json)"
    );
    refuse_body(err, req, problem, solution, field)
}

/// Query strings of the job status API that do not parse.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api_error = ApiError::bad_request(format!(
        "the query string is not valid: {}",
        excerpt(&err.to_string(), 2 * ECHO_CHARS)
    ));
    actix_web::error::InternalError::from_response(err, api_error.error_response()).into()
}

/// Whether `req` is on a route of the Witboost contract (whose 400 is a
/// `RequestValidationError` and 500 a `SystemError`), not on the job status
/// API or the service's routes.
pub fn is_witboost_route(req: &HttpRequest) -> bool {
    req.match_pattern().is_some_and(|p| {
        (p.starts_with("/v1/") || p.starts_with("/v2/")) && !p.starts_with("/v1/scheduler")
    })
}

/// Path segments that do not decode (`%FF`): a 400 in the shape of the
/// route's API.
pub fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    let problem = format!(
        "the path is not valid: {}",
        excerpt(&err.to_string(), 2 * ECHO_CHARS)
    );
    let api_error = if is_witboost_route(req) {
        ApiError::invalid(
            problem,
            "Send the token as the 202 answer gave it, percent-encoded UTF-8",
        )
    } else {
        ApiError::bad_request(problem)
    };
    actix_web::error::InternalError::from_response(err, api_error.error_response()).into()
}

/// A known route asked with another method: 405 with `Allow`. An invented
/// method is not repeated (it may be kilobytes long).
pub async fn method_not_allowed(req: HttpRequest, allow: &'static str) -> HttpResponse {
    let method = match method_label(req.method()) {
        "other" => "This method".to_string(),
        known => known.to_string(),
    };
    let route = req
        .match_pattern()
        .unwrap_or_else(|| excerpt(req.path(), ECHO_CHARS));
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allow))
        .json(Problem::new(
            "METHOD_NOT_ALLOWED",
            format!("{method} is not answered on {route}; use {allow}"),
        ))
}

/// Anything no route matches: a JSON 404 that lists where to look.
pub async fn no_route(req: HttpRequest) -> HttpResponse {
    let method = match method_label(req.method()) {
        "other" => "(an unsupported method)",
        known => known,
    };
    ApiError::not_found(format!(
        "no route {method} {}; the API is described at /openapi.json and browsable at /docs/",
        excerpt(req.path(), ECHO_CHARS)
    ))
    .error_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdp_spark_domain::issues::Issues;
    use cdp_spark_domain::ports::StoreError;
    use cdp_spark_domain::usecases::store_system_error;

    #[test]
    fn use_case_errors_map_to_contract_statuses() {
        let mut issues = Issues::new();
        issues.add("dataProduct.x", "is wrong", "fix it");
        let e = ApiError::from_witboost(UseCaseError::Invalid(issues.clone()));
        assert_eq!(e.status_code(), StatusCode::BAD_REQUEST);
        match e {
            ApiError::Invalid(body) => {
                assert_eq!(body.input_error_field.as_deref(), Some("dataProduct.x"))
            }
            other => panic!("{other:?}"),
        }
        let e = ApiError::from_status_api(UseCaseError::NotFound("no job a.b".into()));
        assert_eq!(e.status_code(), StatusCode::NOT_FOUND);
        let e = ApiError::from_witboost(UseCaseError::from(StoreError::Unavailable("down".into())));
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(e.to_string().contains("down"));
    }

    #[test]
    fn a_system_error_shows_its_reason_and_a_reference_not_its_detail() {
        let e = store_system_error(&StoreError::Unavailable(
            "mysql://cdp@db.internal:3306/jobs refused".into(),
        ));
        let shown = public_system_error(&e, "request id r-1");
        let text = serde_json::to_string(&shown).expect("json");
        assert!(!text.contains("db.internal"), "{text}");
        assert!(shown.error.contains("request id r-1"), "{text}");
        assert_eq!(shown.user_message, e.user_message);
        let more = shown.more_info.expect("solutions kept");
        assert_eq!(more.problems.len(), more.solutions.len());
    }

    #[test]
    fn status_names_are_capitals() {
        assert_eq!(status_code_name(StatusCode::NOT_FOUND), "NOT_FOUND");
        assert_eq!(status_code_name(StatusCode::URI_TOO_LONG), "URI_TOO_LONG");
        assert_eq!(
            status_code_name(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
            "REQUEST_HEADER_FIELDS_TOO_LARGE"
        );
    }
}
