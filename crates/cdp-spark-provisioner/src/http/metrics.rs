//! Prometheus metrics served at `/metrics`: request counts and latencies per
//! route, and the outcomes of provisions and validations.
//!
//! Every label value comes from a closed set: the method is one of the
//! standard ones or `other`, the route is one of our patterns or
//! `unmatched`, the status is a number the server chose. Nothing a caller
//! sends adds a series.

use std::sync::Mutex;

use actix_web::http::Method;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The label of a request method: the standard methods by name, any other
/// (invented, and possibly kilobytes long) as `other`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// The route label of a request no route matched.
pub const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// [`method_label`].
    pub method: &'static str,
    /// The route pattern (`/v1/scheduler/jobs/{group}/{name}`), or
    /// `unmatched`, so that ids in paths do not multiply the series.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: &'static str,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RefusedLabels {
    /// 400, 408, 414, 431 or 500.
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// `provision`, `unprovision` or `validate`.
    pub operation: String,
    /// `completed`, `valid`, `invalid`, `failed` or `accepted` (async).
    pub outcome: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The metrics of one server.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    operations: Family<OutcomeLabels, Counter>,
    refused: Family<RefusedLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("cdp_spark_provisioner");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let operations = Family::<OutcomeLabels, Counter>::default();
        let refused = Family::<RefusedLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests, by method and route",
            latency.clone(),
        );
        registry.register(
            "operations",
            "Provisions, unprovisions and validations, by outcome",
            operations.clone(),
        );
        registry.register(
            "http_refused_before_routing",
            "Connections answered before a request was read: malformed or oversized request heads (400, 414, 431), heads not received in time (408)",
            refused.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            operations,
            refused,
        }
    }

    /// Count a request answered by a route (`route`: its pattern, or
    /// [`UNMATCHED`]).
    pub fn observe_request(&self, method: &Method, route: Option<&str>, status: u16, seconds: f64) {
        let method = method_label(method);
        let route = route.unwrap_or(UNMATCHED);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method,
                route: route.to_string(),
            })
            .observe(seconds);
    }

    /// Count a request head refused before routing (see `http::connection`).
    pub fn refused_before_routing(&self, status: u16) {
        self.refused.get_or_create(&RefusedLabels { status }).inc();
    }

    pub fn operation(&self, operation: &str, outcome: &str) {
        self.operations
            .get_or_create(&OutcomeLabels {
                operation: operation.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        let registry = self
            .registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        encode(&mut out, &registry)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_latencies() {
        let m = Metrics::new();
        m.observe_request(&Method::POST, Some("/v1/validate"), 200, 0.003);
        m.observe_request(&Method::POST, Some("/v1/validate"), 200, 0.004);
        m.operation("validate", "valid");
        let text = m.render().expect("render");
        assert!(
            text.contains(
                "cdp_spark_provisioner_http_requests_total{method=\"POST\",route=\"/v1/validate\",status=\"200\"} 2"
            ),
            "{text}"
        );
        assert!(text.contains("cdp_spark_provisioner_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/validate\"} 2"), "{text}");
        assert!(text.contains("cdp_spark_provisioner_operations_total{operation=\"validate\",outcome=\"valid\"} 1"), "{text}");
    }

    #[test]
    fn invented_methods_share_one_label() {
        let m = Metrics::new();
        for i in 0..100 {
            let invented = format!("M{i}{}", "X".repeat(4000));
            let method = Method::from_bytes(invented.as_bytes()).expect("a token");
            m.observe_request(&method, None, 405, 0.001);
        }
        let text = m.render().expect("render");
        assert!(
            text.contains("cdp_spark_provisioner_http_requests_total{method=\"other\",route=\"unmatched\",status=\"405\"} 100"),
            "{text}"
        );
        assert!(text.len() < 8 * 1024, "{} bytes", text.len());
        assert!(!text.contains("XXXX"));
    }
}
