//! One `tracing` span per request (request id, method, route, status,
//! elapsed time, and the component id and operation the handlers record),
//! the request id echoed in `x-request-id`, and the request metrics.

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

/// A caller's request id is kept when it is short and plain; otherwise a
/// new one is made.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

/// The middleware (`actix_web::middleware::from_fn(observe)`).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().to_string();
    let path = req.path().to_string();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let span = info_span!(
        "http_request",
        request_id = %id,
        method = %method,
        path = %path,
        route = Empty,
        component_id = Empty,
        operation = Empty,
        status = Empty,
        elapsed_ms = Empty,
    );
    let outcome = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let (status, route) = match &outcome {
        Ok(res) => (
            res.status().as_u16(),
            res.request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".to_string()),
        ),
        Err(e) => (
            e.as_response_error().status_code().as_u16(),
            "unmatched".to_string(),
        ),
    };
    span.record("route", route.as_str());
    span.record("status", status);
    span.record("elapsed_ms", elapsed.as_secs_f64() * 1000.0);
    span.in_scope(|| info!("request answered"));
    if let Some(m) = metrics {
        m.observe_request(&method, &route, status, elapsed.as_secs_f64());
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
}
