//! From failures to HTTP answers: every error leaves as JSON with a status
//! the contract allows, a message for the caller, and a log line with the
//! detail for the operator.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use cdp_spark_domain::api::{ErrorMoreInfo, RequestValidationError, SystemError, ValidationResult};
use cdp_spark_domain::ports::StoreError;
use cdp_spark_domain::usecases::{store_system_error, UseCaseError};

/// Body of the job status API's 400, 401, 403 and 404 answers (and of 401 on
/// every route): a short code and a sentence for the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// `NOT_FOUND`, `BAD_REQUEST`, `UNAUTHORIZED` or `FORBIDDEN`.
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
}

impl ApiError {
    /// A 400 `RequestValidationError` with one problem and its fix.
    pub fn invalid(problem: impl Into<String>, solution: impl Into<String>) -> Self {
        let problem = problem.into();
        ApiError::invalid_body(RequestValidationError {
            errors: vec![problem.clone()],
            user_message: Some(problem.clone()),
            input: None,
            input_error_field: None,
            more_info: Some(ErrorMoreInfo {
                problems: vec![problem],
                solutions: vec![solution.into()],
            }),
        })
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

    pub fn store(e: &StoreError) -> Self {
        ApiError::system(store_system_error(e))
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
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Invalid(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::System(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
                warn!(error = %e.error, user_message = %e.user_message.as_deref().unwrap_or_default(), "answered 500");
                builder.json(e)
            }
        }
    }
}

/// The solution we give for any malformed request body.
const BODY_SOLUTION: &str = "Send a JSON ProvisioningRequest (descriptorKind, descriptor as YAML text, removeData) with Content-Type: application/json";

/// Malformed, oversized or mistyped JSON bodies: a 400
/// `RequestValidationError` naming the problem, except on `/v1/validate`
/// (200 `ValidationResult` with `valid: false` and the problem).
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
                    .unwrap_or("missing")
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
                format!("{what}: {e} (line {}, column {})", e.line(), e.column()),
                BODY_SOLUTION.to_string(),
            )
        }
        other => (format!("the request body could not be read: {other}"), BODY_SOLUTION.to_string()),
    };
    // The contract gives `POST /v1/validate` no 400: there the problem is
    // the validation's result.
    if req.match_pattern().as_deref() == Some(VALIDATE_ROUTE) {
        info!(problem = %problem, "answered 200 valid=false to an unreadable body");
        let result = ValidationResult::invalid(vec![format!("{problem}. {solution}")]);
        return actix_web::error::InternalError::from_response(
            err,
            HttpResponse::Ok().json(result),
        )
        .into();
    }
    let api_error = ApiError::invalid(problem, solution);
    actix_web::error::InternalError::from_response(err, api_error.error_response()).into()
}

/// The one route whose body errors are a `ValidationResult`.
pub const VALIDATE_ROUTE: &str = "/v1/validate";

/// Query strings of the job status API that do not parse.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api_error = ApiError::bad_request(format!("the query string is not valid: {err}"));
    actix_web::error::InternalError::from_response(err, api_error.error_response()).into()
}

/// Path segments that do not decode.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    let api_error = ApiError::bad_request(format!("the path is not valid: {err}"));
    actix_web::error::InternalError::from_response(err, api_error.error_response()).into()
}

/// A known route asked with another method: 405 with `Allow`.
pub async fn method_not_allowed(req: HttpRequest, allow: &'static str) -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, allow))
        .json(Problem::new(
            "METHOD_NOT_ALLOWED",
            format!(
                "{} is not answered on {}; use {allow}",
                req.method(),
                req.path()
            ),
        ))
}

/// Anything no route matches: a JSON 404 that lists where to look.
pub async fn no_route(req: HttpRequest) -> HttpResponse {
    ApiError::not_found(format!(
        "no route {} {}; the API is described at /openapi.json and browsable at /docs/",
        req.method(),
        req.path()
    ))
    .error_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdp_spark_domain::issues::Issues;

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
        let e = ApiError::store(&StoreError::Unavailable("down".into()));
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(e.to_string().contains("down"));
    }
}
