//! One `tracing` span per request (request id, method, route, status,
//! elapsed time, and the component id and operation the handlers record),
//! the request id echoed in `x-request-id`, and the request metrics.
//!
//! What a caller sends is kept bounded here: the request id is its own only
//! when short and plain, the method and path are logged cut to a few dozen
//! characters, and the metrics take labels from closed sets
//! ([`super::metrics`]).

use std::future::Future;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::field::Empty;
use tracing::{info, info_span, Instrument, Span};

use super::metrics::Metrics;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Longest request id taken from a caller.
const MAX_REQUEST_ID: usize = 128;
/// Characters of the method and the path that go to the log.
const LOGGED_METHOD_CHARS: usize = 32;
const LOGGED_PATH_CHARS: usize = 256;

tokio::task_local! {
    /// The id of the request being answered.
    static REQUEST_ID: String;
}

/// The id of the request being answered (`x-request-id`), when called
/// while answering one.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Run `f` as the request `id` (tests, and work that answers a request
/// outside the middleware).
pub async fn with_request_id<F: Future>(id: String, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// A caller's request id is kept when it is short and plain; otherwise a
/// new one is made.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= MAX_REQUEST_ID
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        })
        .map(str::to_string)
        .unwrap_or_else(new_request_id)
}

/// A fresh request id.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// At most `max` characters of `text`, saying how long it was when cut:
/// what a caller sent, fit for a log line or a message.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}... ({} characters)", &text[..cut], text.chars().count()),
    }
}

/// The middleware (`actix_web::middleware::from_fn(observe)`).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().clone();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = info_span!(
        "http_request",
        request_id = %id,
        method = %excerpt(method.as_str(), LOGGED_METHOD_CHARS),
        path = %excerpt(req.path(), LOGGED_PATH_CHARS),
        route = Empty,
        component_id = Empty,
        operation = Empty,
        status = Empty,
        elapsed_ms = Empty,
    );
    let outcome = with_request_id(id.clone(), next.call(req))
        .instrument(span.clone())
        .await;
    let elapsed = started.elapsed();
    let (status, route) = match &outcome {
        Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
        // Errors are answers by the time they get here (the handlers and
        // the guard turn them into responses); one that is not becomes its
        // own answer in actix.
        Err(e) => (e.as_response_error().status_code().as_u16(), None),
    };
    span.record(
        "route",
        route.as_deref().unwrap_or(super::metrics::UNMATCHED),
    );
    span.record("status", status);
    span.record("elapsed_ms", elapsed.as_secs_f64() * 1000.0);
    span.in_scope(|| info!("request answered"));
    if let Some(m) = metrics {
        m.observe_request(&method, route.as_deref(), status, elapsed.as_secs_f64());
    }
    let mut res = outcome?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    Ok(res)
}

/// Record the component and operation on the request's span.
pub fn record_operation(operation: &str, component_id: Option<&str>) {
    let span = Span::current();
    span.record("operation", operation);
    if let Some(c) = component_id {
        span.record("component_id", c);
    }
}

/// `componentIdToProvision` of a descriptor, read from its top-level line,
/// for logs only (the descriptor is parsed properly by the use cases).
pub fn component_id_hint(descriptor: &str) -> Option<&str> {
    descriptor.lines().find_map(|line| {
        let rest = line.strip_prefix("componentIdToProvision:")?;
        let value = rest.trim().trim_matches(|c| c == '"' || c == '\'');
        (!value.is_empty() && value.len() <= 256).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_id_is_read_from_the_top_level_line() {
        let d = "dataProduct:\n  componentIdToProvision: nested\ncomponentIdToProvision: \"urn:dmb:cmp:a\"\n";
        assert_eq!(component_id_hint(d), Some("urn:dmb:cmp:a"));
        assert_eq!(component_id_hint("dataProduct: {}\n"), None);
    }

    #[test]
    fn excerpts_cut_long_input_and_say_its_length() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("ééééé", 5), "ééééé");
        assert_eq!(excerpt("éééééé", 5), "ééééé... (6 characters)");
        let long = "x".repeat(5000);
        assert!(excerpt(&long, 32).len() < 64);
    }
}
