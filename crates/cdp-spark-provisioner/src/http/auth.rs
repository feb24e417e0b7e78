//! Optional bearer-token authentication, one token per route group: the
//! Coordinator's routes, the job status API's reads, and its writes (manual
//! trigger, pause, resume). A group without a token is open, except the
//! writes: with a read token and no write token they are closed (403), so
//! that a read-only token never triggers a job.

use std::future::{ready, Ready};
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header;
use actix_web::ResponseError;
use futures::future::LocalBoxFuture;

use super::errors::{ApiError, Problem};
use crate::config::WriteAccess;

/// Route groups, each with its own token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteGroup {
    Coordinator,
    Status,
    Trigger,
}

impl RouteGroup {
    fn setting(self) -> &'static str {
        match self {
            RouteGroup::Coordinator => "auth.coordinator_token",
            RouteGroup::Status => "auth.status_token",
            RouteGroup::Trigger => "auth.trigger_token",
        }
    }
}

/// The answer of a write route closed by the configuration.
pub const WRITES_CLOSED: &str = "the job status API's write routes (trigger, pause, resume) are closed: auth.status_token is set but auth.trigger_token is not, and the read token does not open them. The operator must set auth.trigger_token (CDP_SPARK_PROVISIONER__AUTH__TRIGGER_TOKEN) to allow them";

#[derive(Clone)]
enum Guard {
    Open,
    Token(Arc<str>),
    Closed,
}

/// The middleware guarding one route group (a resource's `.wrap(...)`).
#[derive(Clone)]
pub struct BearerAuth {
    guard: Guard,
    group: RouteGroup,
}

impl BearerAuth {
    /// A group open without a token, or guarded by it.
    pub fn new(token: Option<&str>, group: RouteGroup) -> Self {
        Self {
            guard: match token {
                Some(t) => Guard::Token(Arc::from(t)),
                None => Guard::Open,
            },
            group,
        }
    }

    /// The job status API's writes.
    pub fn writes(access: WriteAccess<'_>) -> Self {
        Self {
            guard: match access {
                WriteAccess::Open => Guard::Open,
                WriteAccess::Token(t) => Guard::Token(Arc::from(t)),
                WriteAccess::Closed => Guard::Closed,
            },
            group: RouteGroup::Trigger,
        }
    }

    /// `Ok` when the request may pass.
    fn check(&self, req: &ServiceRequest) -> Result<(), ApiError> {
        let expected = match &self.guard {
            Guard::Open => return Ok(()),
            Guard::Closed => {
                return Err(ApiError::Forbidden(Problem::new(
                    "FORBIDDEN",
                    WRITES_CLOSED,
                )))
            }
            Guard::Token(t) => t,
        };
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            });
        match given {
            None => Err(ApiError::Unauthorized(Problem::new(
                "UNAUTHORIZED",
                format!(
                    "this route needs a bearer token: send `Authorization: Bearer <token>` with the token configured as {}",
                    self.group.setting()
                ),
            ))),
            Some(t) if constant_time_eq(t.as_bytes(), expected.as_bytes()) => Ok(()),
            Some(_) => Err(ApiError::Unauthorized(Problem::new(
                "UNAUTHORIZED",
                format!(
                    "the bearer token is not the one configured as {} for this route",
                    self.group.setting()
                ),
            ))),
        }
    }
}

/// Compare without leaking, through timing, how much of a token matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

impl<S, B> Transform<S, ServiceRequest> for BearerAuth
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = actix_web::Error;
    type Transform = BearerAuthService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(BearerAuthService {
            service: Rc::new(service),
            auth: self.clone(),
        }))
    }
}

pub struct BearerAuthService<S> {
    service: Rc<S>,
    auth: BearerAuth,
}

impl<S, B> Service<ServiceRequest> for BearerAuthService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B, BoxBody>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        match self.auth.check(&req) {
            Ok(()) => {
                let service = Rc::clone(&self.service);
                Box::pin(async move { Ok(service.call(req).await?.map_into_left_body()) })
            }
            Err(e) => {
                let response = e.error_response();
                Box::pin(async move { Ok(req.into_response(response).map_into_right_body()) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_whole_tokens() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }
}
