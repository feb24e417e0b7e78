//! The scheduler benchmark, shared by `cdp-spark-provisioner bench
//! scheduler` and `examples/bench_scheduler.rs`: N jobs firing every second
//! (`* * * * * ?`) on the given store, [`RecordingLauncher`]s that only
//! record, for S seconds. Measures fires/s, fire lateness (launcher call −
//! scheduled time) p50/p99/max and the process's peak RSS.
//!
//! The caller opens the store (this crate depends on no store adapter) and
//! prints [`BenchReport`]; its [`BenchReport::summary_line`] is the one line
//! `fires_per_s=… p50_ms=… p99_ms=… max_ms=… rss_mb=…`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdp_spark_domain::clock::SystemClock;
use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, MisfireInstruction, RunPolicy, SparkJobSpec, TriggerDefinition,
    TriggerSchedule, TriggerState,
};
use cdp_spark_domain::ports::{JobStorePort, SchedulerStorePort};
use chrono::{DurationRound, Utc};

use crate::recording::RecordingLauncher;
use crate::{Scheduler, SchedulerConfig};

/// The job group of the benchmark's jobs.
pub const BENCH_GROUP: &str = "urn:dmb:dp:bench:0";

/// What to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchOptions {
    /// Jobs, each with a trigger firing every second.
    pub triggers: usize,
    /// Length of the measured window.
    pub seconds: u64,
    /// Scheduler instances in this process, sharing the store.
    pub instances: usize,
    /// [`SchedulerConfig::batch_size`].
    pub batch_size: usize,
    /// [`SchedulerConfig::look_ahead`].
    pub look_ahead: Duration,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            triggers: 200,
            seconds: 30,
            instances: 1,
            batch_size: 500,
            look_ahead: Duration::from_millis(300),
        }
    }
}

impl BenchOptions {
    /// Every problem named by its command-line option.
    pub fn validate(&self) -> Result<(), String> {
        if self.triggers == 0 {
            return Err("--triggers must be at least 1".into());
        }
        if self.seconds == 0 {
            return Err("--seconds must be at least 1".into());
        }
        if self.instances == 0 || self.instances > 16 {
            return Err("--instances must be 1 to 16".into());
        }
        if self.batch_size == 0 {
            return Err("--batch must be at least 1".into());
        }
        Ok(())
    }
}

/// What was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    pub options: BenchOptions,
    /// Fires recorded with a scheduled time inside the window.
    pub fires: usize,
    /// `triggers × seconds`.
    pub expected: u64,
    /// Fires recorded more than once for the same run (must be 0).
    pub duplicates: usize,
    pub fires_per_s: f64,
    pub p50_ms: i64,
    pub p99_ms: i64,
    pub max_ms: i64,
    /// Peak resident set of the process (`VmHWM`), MiB.
    pub rss_mb: f64,
}

impl BenchReport {
    /// The line the benchmark ends with.
    pub fn summary_line(&self) -> String {
        format!(
            "fires_per_s={:.1} p50_ms={} p99_ms={} max_ms={} rss_mb={:.1}",
            self.fires_per_s, self.p50_ms, self.p99_ms, self.max_ms, self.rss_mb
        )
    }

    /// The line before it: the counts.
    pub fn detail_line(&self) -> String {
        format!(
            "triggers={} instances={} seconds={} fires={} expected={} duplicates={}",
            self.options.triggers,
            self.options.instances,
            self.options.seconds,
            self.fires,
            self.expected,
            self.duplicates
        )
    }
}

/// Peak resident set size of this process in MiB (`VmHWM` of
/// `/proc/self/status`; 0 where there is no such file).
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The value at quantile `p` (0..=1) of sorted values, nearest rank.
pub fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Stores the benchmark's jobs, runs the instances through the window,
/// stops them and measures. Runs on the current tokio runtime.
pub async fn run_bench<S>(store: Arc<S>, options: BenchOptions) -> Result<BenchReport, String>
where
    S: JobStorePort + SchedulerStorePort + 'static,
{
    options.validate()?;
    let start = (Utc::now() + chrono::Duration::seconds(3))
        .duration_trunc(chrono::Duration::seconds(1))
        .map_err(|e| e.to_string())?;
    for i in 0..options.triggers {
        let key = JobKey::new(BENCH_GROUP, format!("job{i:05}"));
        let job = JobDefinition {
            key: key.clone(),
            component_id: format!("urn:dmb:cmp:bench:0:job{i:05}"),
            description: None,
            spec: SparkJobSpec {
                jar: "hdfs://ns1/bench.jar".into(),
                class_name: "Bench".into(),
                ..SparkJobSpec::default()
            },
            non_concurrent: false,
            run_policy: RunPolicy {
                concurrency: ConcurrencyPolicy::Allow,
                ..RunPolicy::default()
            },
        };
        let trigger = TriggerDefinition {
            key: key.scheduled_trigger_key(),
            job_key: key,
            schedule: TriggerSchedule::Cron {
                cron_expression: "* * * * * ?".into(),
                time_zone: "UTC".into(),
                start_time: start,
                end_time: None,
            },
            next_fire_time: Some(start),
            previous_fire_time: None,
            state: TriggerState::Waiting,
            misfire_instruction: MisfireInstruction::FireOnceNow,
            priority: 5,
        };
        store
            .replace_job(&job, Some(trigger))
            .await
            .map_err(|e| format!("storing bench job {i}: {e}"))?;
    }
    let fires = Arc::new(Mutex::new(Vec::new()));
    let mut handles = Vec::new();
    for n in 0..options.instances {
        let mut c = SchedulerConfig::new(format!("bench-{n}-{}", std::process::id()));
        c.follow_interval = Duration::from_millis(1000);
        c.batch_size = options.batch_size;
        c.look_ahead = options.look_ahead;
        let s: Arc<dyn SchedulerStorePort> = store.clone();
        let j: Arc<dyn JobStorePort> = store.clone();
        handles.push(Scheduler::start(
            c,
            s,
            j,
            Arc::new(RecordingLauncher::new(
                format!("bench-{n}"),
                Arc::clone(&fires),
            )),
            Arc::new(SystemClock),
        )?);
    }
    let window_start = start + chrono::Duration::seconds(1);
    let window_end = window_start + chrono::Duration::seconds(options.seconds as i64);
    let wait = (window_end - Utc::now() + chrono::Duration::seconds(2))
        .to_std()
        .unwrap_or(Duration::ZERO);
    tokio::time::sleep(wait).await;
    for h in handles {
        h.stop().await;
    }
    let fires = fires
        .lock()
        .map_err(|_| "the list of recorded fires is poisoned")?
        .clone();
    let in_window: Vec<_> = fires
        .iter()
        .filter(|f| f.scheduled_fire_time >= window_start && f.scheduled_fire_time < window_end)
        .collect();
    let mut ids: Vec<&str> = in_window.iter().map(|f| f.run_id.as_str()).collect();
    ids.sort_unstable();
    let total = ids.len();
    ids.dedup();
    let duplicates = total - ids.len();
    let mut lateness: Vec<i64> = in_window
        .iter()
        .map(|f| (f.submitted_at - f.scheduled_fire_time).num_milliseconds())
        .collect();
    lateness.sort_unstable();
    Ok(BenchReport {
        fires: lateness.len(),
        expected: options.triggers as u64 * options.seconds,
        duplicates,
        fires_per_s: lateness.len() as f64 / options.seconds as f64,
        p50_ms: percentile(&lateness, 0.5),
        p99_ms: percentile(&lateness, 0.99),
        max_ms: lateness.last().copied().unwrap_or(0),
        rss_mb: peak_rss_mb(),
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let v: Vec<i64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 51);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&v, 1.0), 100);
        assert_eq!(percentile(&[], 0.5), 0);
    }

    #[test]
    fn the_summary_line_has_the_exact_form() {
        let r = BenchReport {
            options: BenchOptions::default(),
            fires: 10,
            expected: 10,
            duplicates: 0,
            fires_per_s: 199.96,
            p50_ms: 3,
            p99_ms: 12,
            max_ms: 40,
            rss_mb: 21.04,
        };
        assert_eq!(
            r.summary_line(),
            "fires_per_s=200.0 p50_ms=3 p99_ms=12 max_ms=40 rss_mb=21.0"
        );
        assert!(r.detail_line().contains("duplicates=0"));
    }

    #[test]
    fn options_name_the_flag_at_fault() {
        let bad = BenchOptions {
            triggers: 0,
            ..BenchOptions::default()
        };
        assert!(bad
            .validate()
            .expect_err("0 triggers")
            .contains("--triggers"));
        assert!(BenchOptions::default().validate().is_ok());
    }
}
