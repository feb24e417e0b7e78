//! Prometheus metrics served at `/metrics`: request counts and latencies per
//! route, and the outcomes of provisions and validations.

use std::sync::Mutex;

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The route pattern (`/v1/scheduler/jobs/{group}/{name}`), or
    /// `unmatched`, so that ids in paths do not multiply the series.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
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
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            operations,
        }
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_string(),
                route: route.to_string(),
            })
            .observe(seconds);
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
        m.observe_request("POST", "/v1/validate", 200, 0.003);
        m.observe_request("POST", "/v1/validate", 200, 0.004);
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
}
