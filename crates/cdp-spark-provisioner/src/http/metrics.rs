//! Prometheus metrics served at `/metrics`: request counts and latencies per
//! route, and the outcomes of provisions and validations; the scheduler
//! engine's runs by final state and their durations, misfires, skips and
//! fire lateness (`EngineObserver`); notifications by outcome
//! (`SenderObserver`); and per job its last success and next fire time,
//! read from the store at scrape time (one query, at most
//! [`MAX_JOB_SERIES`] jobs, cached [`JOB_TIMES_TTL`]).
//!
//! Every label value comes from a closed set: the method is one of the
//! standard ones or `other`, the route is one of our patterns or
//! `unmatched`, the status is a number the server chose, states and
//! outcomes are the model's, jobs are keys that exist in the store.
//! Nothing a caller sends adds a series.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use cdp_spark_domain::model::RunState;
use cdp_spark_domain::ports::{EngineObserver, JobTimes, JobTimesPort};
use cdp_spark_notify::SenderObserver;
use prometheus_client::metrics::gauge::Gauge;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use actix_web::http::Method;

use prometheus_client::encoding::text::{encode, encode_registry};
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

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    /// A run's final state (`RunState::as_str`).
    pub state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct JobLabels {
    /// The job key, `group.name`, of a job in the store.
    pub job: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// `sent`, `retry` or `failed`.
    pub outcome: &'static str,
}

/// Most jobs the per-job gauges show.
pub const MAX_JOB_SERIES: usize = 2000;
/// How long the per-job times read from the store are served again.
pub const JOB_TIMES_TTL: Duration = Duration::from_secs(10);

type GaugeF = Gauge<f64, AtomicU64>;

/// The port the per-job times are read from, and when they last were.
type JobTimesSource = (Option<Arc<dyn JobTimesPort>>, Option<Instant>);

/// The engine's and the sender's series.
struct Engine {
    runs: Family<StateLabels, Counter>,
    durations: Family<StateLabels, Histogram, fn() -> Histogram>,
    misfires: Counter,
    skips: Counter,
    lateness: Histogram,
    notifications: Family<DeliveryLabels, Counter>,
    last_success: Family<JobLabels, GaugeF>,
    next_fire: Family<JobLabels, GaugeF>,
}

fn duration_histogram() -> Histogram {
    // 1 s to ~9 h.
    Histogram::new(exponential_buckets(1.0, 2.0, 16))
}

/// The metrics of one server.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    operations: Family<OutcomeLabels, Counter>,
    refused: Family<RefusedLabels, Counter>,
    engine: Engine,
    /// The per-job gauges, under the names the issue gives them.
    unprefixed: Mutex<Registry>,
    /// Where the per-job times come from, and when they were last read.
    job_times: Mutex<JobTimesSource>,
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
        let engine = Engine {
            runs: Family::default(),
            durations: Family::new_with_constructor(duration_histogram),
            misfires: Counter::default(),
            skips: Counter::default(),
            // 1 ms to ~33 s.
            lateness: Histogram::new(exponential_buckets(0.001, 2.0, 16)),
            notifications: Family::default(),
            last_success: Family::default(),
            next_fire: Family::default(),
        };
        let e = &engine;
        let root = &mut registry;
        root.register(
            "runs",
            "Runs this instance ended, by final state",
            e.runs.clone(),
        );
        root.register(
            "run_duration_seconds",
            "From fire to end of the runs this instance ended, by final state",
            e.durations.clone(),
        );
        root.register("misfires", "Triggers that misfired", e.misfires.clone());
        root.register(
            "skips",
            "Fires skipped because a run of the job was in flight",
            e.skips.clone(),
        );
        root.register(
            "fire_lateness_seconds",
            "Actual minus scheduled fire time of the fires this instance launched",
            e.lateness.clone(),
        );
        root.register(
            "notifications",
            "Webhook delivery attempts, by outcome (sent, retry, failed: given up)",
            e.notifications.clone(),
        );
        // The per-job gauges carry the names the issue asks for, unprefixed.
        let mut unprefixed = Registry::default();
        unprefixed.register(
            "cdp_job_last_success_timestamp_seconds",
            "End of the job's latest SUCCEEDED run, Unix seconds",
            e.last_success.clone(),
        );
        unprefixed.register(
            "cdp_job_next_fire_timestamp_seconds",
            "The job's earliest next fire time, Unix seconds",
            e.next_fire.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            operations,
            refused,
            engine,
            job_times: Mutex::new((None, None)),
            unprefixed: Mutex::new(unprefixed),
        }
    }

    /// Reads the per-job gauges from `port` at scrape time.
    pub fn with_job_times(self, port: Arc<dyn JobTimesPort>) -> Self {
        *self.job_times.lock().unwrap_or_else(|p| p.into_inner()) = (Some(port), None);
        self
    }

    /// Reads the per-job times again when they are older than
    /// [`JOB_TIMES_TTL`] (a scrape storm costs one query per TTL).
    pub async fn refresh_job_times(&self) {
        let port = {
            let mut guard = self.job_times.lock().unwrap_or_else(|p| p.into_inner());
            let (port, at) = &mut *guard;
            match (port, at) {
                (Some(_), Some(t)) if t.elapsed() < JOB_TIMES_TTL => return,
                (Some(port), at) => {
                    *at = Some(Instant::now());
                    Arc::clone(port)
                }
                (None, _) => return,
            }
        };
        match port.job_times(MAX_JOB_SERIES).await {
            Ok(times) => self.set_job_times(&times),
            Err(e) => tracing::warn!(error = %e, "reading the per-job times for /metrics failed"),
        }
    }

    /// Replaces the per-job gauges.
    pub fn set_job_times(&self, times: &[JobTimes]) {
        let e = &self.engine;
        e.last_success.clear();
        e.next_fire.clear();
        for t in times {
            let labels = JobLabels {
                job: t.job.to_string(),
            };
            if let Some(at) = t.last_success {
                e.last_success
                    .get_or_create(&labels)
                    .set(at.timestamp_millis() as f64 / 1000.0);
            }
            if let Some(at) = t.next_fire {
                e.next_fire
                    .get_or_create(&labels)
                    .set(at.timestamp_millis() as f64 / 1000.0);
            }
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
        let unprefixed = self
            .unprefixed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        encode_registry(&mut out, &unprefixed)?;
        encode(&mut out, &registry)?;
        Ok(out)
    }
}

impl EngineObserver for Metrics {
    fn fired(&self, lateness: Duration) {
        self.engine.lateness.observe(lateness.as_secs_f64());
    }

    fn run_ended(&self, state: RunState, duration: Option<Duration>) {
        let labels = StateLabels {
            state: state.as_str(),
        };
        self.engine.runs.get_or_create(&labels).inc();
        if let Some(d) = duration {
            self.engine
                .durations
                .get_or_create(&labels)
                .observe(d.as_secs_f64());
        }
    }

    fn acquired(&self, misfired: usize, skipped: usize) {
        self.engine.misfires.inc_by(misfired as u64);
        self.engine.skips.inc_by(skipped as u64);
    }
}

impl SenderObserver for Metrics {
    fn delivered(&self, outcome: &'static str) {
        self.engine
            .notifications
            .get_or_create(&DeliveryLabels { outcome })
            .inc();
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

    #[test]
    fn per_job_gauges_and_engine_series() {
        use cdp_spark_domain::model::JobKey;
        let m = Metrics::new();
        let at = chrono::DateTime::from_timestamp_millis(1_700_000_000_500).expect("time");
        m.set_job_times(&[
            JobTimes {
                job: JobKey::new("dp", "a"),
                last_success: Some(at),
                next_fire: None,
            },
            JobTimes {
                job: JobKey::new("dp", "b"),
                last_success: None,
                next_fire: Some(at),
            },
        ]);
        m.run_ended(RunState::Failed, Some(Duration::from_secs(3)));
        m.acquired(2, 1);
        m.fired(Duration::from_millis(5));
        m.delivered("sent");
        let text = m.render().expect("render");
        for line in [
            "cdp_job_last_success_timestamp_seconds{job=\"dp.a\"} 1700000000.5",
            "cdp_job_next_fire_timestamp_seconds{job=\"dp.b\"} 1700000000.5",
            "cdp_spark_provisioner_runs_total{state=\"FAILED\"} 1",
            "cdp_spark_provisioner_run_duration_seconds_count{state=\"FAILED\"} 1",
            "cdp_spark_provisioner_misfires_total 2",
            "cdp_spark_provisioner_skips_total 1",
            "cdp_spark_provisioner_fire_lateness_seconds_count 1",
            "cdp_spark_provisioner_notifications_total{outcome=\"sent\"} 1",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
        assert!(
            !text.contains("cdp_job_last_success_timestamp_seconds{job=\"dp.b\"}"),
            "{text}"
        );
        assert!(text.trim_end().ends_with("# EOF"), "one EOF, at the end");
        assert_eq!(text.matches("# EOF").count(), 1);
        // A job gone from the store leaves the gauges at the next read.
        m.set_job_times(&[]);
        assert!(!m.render().expect("render").contains("job=\"dp.a\""));
    }
}
