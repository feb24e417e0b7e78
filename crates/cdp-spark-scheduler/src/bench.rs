//! The scheduler benchmark, shared by `cdp-spark-provisioner bench
//! scheduler` and `examples/bench_scheduler.rs`: N jobs firing every second
//! (`* * * * * ?`) on the given store, launchers that only
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

use async_trait::async_trait;
use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, LaunchError, LaunchRequest, LauncherBackend,
    SparkLauncherPort,
};

use crate::{Scheduler, SchedulerConfig};

/// One fire as the benchmark keeps it: 32 bytes, so that the list of a
/// long run does not dominate the peak RSS being measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sample {
    /// The run id (a simple UUID) as a number; a hash for other ids.
    run: u128,
    scheduled_ms: i64,
    submitted_ms: i64,
}

fn run_number(run_id: &str) -> u128 {
    u128::from_str_radix(run_id, 16).unwrap_or_else(|_| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        run_id.hash(&mut h);
        u128::from(h.finish()) | (1u128 << 127)
    })
}

/// The benchmark's launcher: records the fire compactly, launches nothing;
/// its applications succeed at once.
struct SampleLauncher {
    samples: Arc<Mutex<Vec<Sample>>>,
}

#[async_trait]
impl SparkLauncherPort for SampleLauncher {
    async fn submit(&self, request: &LaunchRequest) -> Result<ApplicationHandle, LaunchError> {
        let sample = Sample {
            run: run_number(&request.run_id),
            scheduled_ms: request.scheduled_fire_time.timestamp_millis(),
            submitted_ms: Utc::now().timestamp_millis(),
        };
        self.samples
            .lock()
            .map_err(|_| LaunchError::Other("the benchmark's sample list is poisoned".into()))?
            .push(sample);
        Ok(ApplicationHandle {
            backend: LauncherBackend::Local,
            application_id: "bench".into(),
            tracking_url: None,
        })
    }

    async fn status(&self, _handle: &ApplicationHandle) -> Result<ApplicationState, LaunchError> {
        Ok(ApplicationState::Succeeded)
    }

    async fn kill(&self, _handle: &ApplicationHandle) -> Result<(), LaunchError> {
        Ok(())
    }
}

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
    /// Fires launched inside the window (by launch time).
    pub fires: usize,
    /// `triggers × seconds`.
    pub expected: u64,
    /// Fires recorded more than once for the same run, over the whole run
    /// (must be 0).
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

/// Stores bench jobs `range` (replacing), their triggers starting at `start`.
async fn store_bench_jobs<S>(
    store: &S,
    range: std::ops::Range<usize>,
    start: chrono::DateTime<Utc>,
) -> Result<(), String>
where
    S: JobStorePort + ?Sized,
{
    for i in range {
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
    Ok(())
}

/// Stores the benchmark's jobs, runs the instances through the window,
/// stops them and measures. Runs on the current tokio runtime.
pub async fn run_bench<S>(store: Arc<S>, options: BenchOptions) -> Result<BenchReport, String>
where
    S: JobStorePort + SchedulerStorePort + 'static,
{
    options.validate()?;
    // Storing the jobs takes a while (seconds for 10,000): time the first
    // few (stored a day ahead), then give every job a start far enough
    // ahead that the whole set is stored before the first fire.
    let probe = options.triggers.min(50);
    let far = Utc::now() + chrono::Duration::days(1);
    let began = std::time::Instant::now();
    store_bench_jobs(store.as_ref(), 0..probe, far).await?;
    let per_job = began.elapsed().as_secs_f64() / probe as f64;
    let setup = chrono::Duration::milliseconds((per_job * options.triggers as f64 * 1500.0) as i64);
    let start = (Utc::now() + chrono::Duration::seconds(3) + setup)
        .duration_trunc(chrono::Duration::seconds(1))
        .map_err(|e| e.to_string())?;
    store_bench_jobs(store.as_ref(), 0..options.triggers, start).await?;
    if Utc::now() >= start {
        return Err(format!(
            "storing {} bench jobs took longer than estimated; their first fire ({start}) has passed: run again or use fewer --triggers",
            options.triggers
        ));
    }
    let capacity = options
        .triggers
        .saturating_mul(options.seconds as usize + 8);
    let fires = Arc::new(Mutex::new(Vec::with_capacity(capacity)));
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
            Arc::new(SampleLauncher {
                samples: Arc::clone(&fires),
            }),
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
    let mut fires = std::mem::take(
        &mut *fires
            .lock()
            .map_err(|_| "the list of recorded fires is poisoned")?,
    );
    let (from, to) = (
        window_start.timestamp_millis(),
        window_end.timestamp_millis(),
    );
    // Throughput: fires made inside the window (by launch time, so that a
    // scheduler that falls behind is measured by what it does fire).
    let mut lateness: Vec<i64> = fires
        .iter()
        .filter(|f| f.submitted_ms >= from && f.submitted_ms < to)
        .map(|f| f.submitted_ms - f.scheduled_ms)
        .collect();
    // Exactly once: over every recorded fire.
    fires.sort_unstable_by_key(|f| f.run);
    let total = fires.len();
    fires.dedup_by_key(|f| f.run);
    let duplicates = total - fires.len();
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
