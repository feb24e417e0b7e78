//! The app's outer guard (`from_fn(guard)`, inside the telemetry
//! middleware): a request body must arrive within
//! `server.client_body_timeout_secs` (a body sent a byte at a time holds a
//! connection and a buffer for no longer), and every error answer is JSON:
//! an error of a route or of a library that has no body, or a body that is
//! not JSON (the API page's 404 for an unknown asset, for instance), is
//! given a [`Problem`] body here.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{to_bytes_limited, BodySize, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError};
use futures::Stream;
use tokio::time::Sleep;

use cdp_spark_domain::api::SystemError;

use super::errors::{is_witboost_route, status_code_name, ApiError, Problem, ECHO_CHARS};
use super::metrics::method_label;
use super::telemetry::excerpt;

/// How long a request body may take to arrive, from the end of its head
/// (`app_data`).
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Duration);

/// The middleware.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(BodyDeadline(limit)) = req.app_data::<BodyDeadline>().copied() {
        let payload = req.take_payload();
        if matches!(payload, Payload::None) {
            req.set_payload(payload);
        } else {
            req.set_payload(Payload::Stream {
                payload: Box::pin(Deadline::new(payload, limit)),
            });
        }
    }
    let res = next.call(req).await?;
    json_error_body(res).await
}

/// An error answer without a JSON body gets one; anything else passes.
async fn json_error_body<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let status = res.status();
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return Ok(res.map_into_boxed_body());
    }
    let (req, response) = res.into_parts();
    let (head, body) = response.into_parts();
    // A short text body (an actix error's message) is kept as the message.
    let text = match body.size() {
        BodySize::Sized(n) if n > 0 && n <= 1024 => match to_bytes_limited(body, 1024).await {
            Ok(Ok(bytes)) => String::from_utf8(bytes.to_vec()).ok(),
            _ => None,
        },
        _ => None,
    };
    let message = fallback_message(&req, status, text.as_deref());
    let mut answer = match status {
        // The Witboost routes' own shapes.
        StatusCode::BAD_REQUEST if is_witboost_route(&req) => {
            ApiError::invalid(message, "Send the request as /openapi.json describes it")
                .error_response()
        }
        StatusCode::INTERNAL_SERVER_ERROR if is_witboost_route(&req) => ApiError::system(
            SystemError::new(message, "The provisioner failed to answer."),
        )
        .error_response(),
        _ => HttpResponse::build(status).json(Problem::new(&status_code_name(status), message)),
    };
    for (name, value) in head.headers() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            answer.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, answer))
}

fn fallback_message(req: &HttpRequest, status: StatusCode, text: Option<&str>) -> String {
    let path = excerpt(req.path(), ECHO_CHARS);
    if status == StatusCode::NOT_FOUND && req.path().starts_with("/docs") {
        return format!(
            "the API page has no file {path}; the page is at /docs/ and the OpenAPI document at /openapi.json"
        );
    }
    if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
        return excerpt(t, 2 * ECHO_CHARS);
    }
    let method = match method_label(req.method()) {
        "other" => "(an unsupported method)",
        known => known,
    };
    format!(
        "{method} {path} was answered {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
}

/// A request body that ends with an error once its time is up.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<Sleep>>,
    limit: Duration,
    done: bool,
}

impl Deadline {
    fn new(inner: Payload, limit: Duration) -> Self {
        Self {
            inner,
            sleep: Box::pin(tokio::time::sleep(limit)),
            limit,
            done: false,
        }
    }
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(item)) => Poll::Ready(Some(item)),
            Poll::Pending => {
                if self.sleep.as_mut().poll(cx).is_ready() {
                    self.done = true;
                    let message = format!(
                        "the request body did not arrive within {} s (server.client_body_timeout_secs)",
                        self.limit.as_secs()
                    );
                    return Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
                        io::ErrorKind::TimedOut,
                        message,
                    )))));
                }
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    #[actix_web::test]
    async fn a_body_that_stops_coming_ends_with_a_timeout() {
        let (mut sender, payload) = actix_http::h1::Payload::create(false);
        sender.feed_data(Bytes::from_static(b"{\"a\":"));
        let mut body = Deadline::new(Payload::from(payload), Duration::from_millis(50));
        let first = body.next().await.expect("data").expect("ok");
        assert_eq!(&first[..], b"{\"a\":");
        let late = body.next().await.expect("an item");
        match late {
            Err(PayloadError::Io(e)) => {
                assert_eq!(e.kind(), io::ErrorKind::TimedOut);
                assert!(e.to_string().contains("client_body_timeout_secs"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        assert!(body.next().await.is_none());
        drop(sender);
    }
}
