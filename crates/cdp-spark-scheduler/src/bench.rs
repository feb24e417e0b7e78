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

/// What the benchmark keeps of the fires, aggregated as they come so that
/// its own bookkeeping stays small next to the peak RSS it measures (a
/// list of every fire grew by 2 MB over a 30 s run at 2,000 fires/s):
/// a lateness histogram at 1 ms resolution for the fires launched inside
/// the window, and one bit per (job, scheduled second) to find a fire made
/// twice, whatever its run id.
struct Tally {
    /// The first fire time, epoch ms (a whole second).
    start_ms: i64,
    /// Seconds tracked per job from `start_ms`.
    slots: usize,
    jobs: usize,
    /// Launch times counted: `[window_from, window_to)`, epoch ms.
    window_from: i64,
    window_to: i64,
    seen: Vec<u64>,
    /// Fires outside the bit map (another job name, a time past `slots`).
    seen_other: std::collections::HashSet<(String, i64)>,
    fires: usize,
    duplicates: usize,
    /// `histogram[ms]`: fires inside the window `ms` late.
    histogram: Vec<u32>,
    /// Lateness below 0 or past the histogram, kept as values.
    outliers: Vec<i64>,
}

/// Lateness tracked in the histogram: up to two minutes.
const HISTOGRAM_MS: usize = 120_000;

impl Tally {
    fn new(start_ms: i64, jobs: usize, seconds: u64, window_from: i64, window_to: i64) -> Self {
        let slots = seconds as usize + 16;
        Self {
            start_ms,
            slots,
            jobs,
            window_from,
            window_to,
            seen: vec![0; (jobs * slots).div_ceil(64)],
            seen_other: std::collections::HashSet::new(),
            fires: 0,
            duplicates: 0,
            histogram: vec![0; HISTOGRAM_MS + 1],
            outliers: Vec::new(),
        }
    }

    fn record(&mut self, job_name: &str, scheduled_ms: i64, submitted_ms: i64) {
        let job = job_name
            .strip_prefix("job")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|j| *j < self.jobs);
        let second = (scheduled_ms - self.start_ms).div_euclid(1000);
        let slot = usize::try_from(second).ok().filter(|s| *s < self.slots);
        let first = match (job, slot) {
            (Some(j), Some(s)) => {
                let bit = j * self.slots + s;
                let (word, mask) = (bit / 64, 1u64 << (bit % 64));
                let first = self.seen[word] & mask == 0;
                self.seen[word] |= mask;
                first
            }
            _ => self.seen_other.insert((job_name.to_string(), scheduled_ms)),
        };
        if !first {
            self.duplicates += 1;
        }
        if submitted_ms >= self.window_from && submitted_ms < self.window_to {
            self.fires += 1;
            let late = submitted_ms - scheduled_ms;
            match usize::try_from(late).ok().filter(|l| *l <= HISTOGRAM_MS) {
                Some(l) => self.histogram[l] += 1,
                None => self.outliers.push(late),
            }
        }
    }

    /// Lateness at quantile `p` (0..=1) of the fires inside the window,
    /// nearest rank (as [`percentile`] on the sorted values).
    fn lateness(&self, p: f64) -> i64 {
        if self.fires == 0 {
            return 0;
        }
        let rank = ((self.fires as f64 - 1.0) * p).round() as usize;
        let mut outliers = self.outliers.clone();
        outliers.sort_unstable();
        let below = outliers.iter().take_while(|l| **l < 0).count();
        if rank < below {
            return outliers[rank];
        }
        let mut seen = below;
        for (ms, n) in self.histogram.iter().enumerate() {
            seen += *n as usize;
            if seen > rank {
                return ms as i64;
            }
        }
        outliers
            .get(rank - seen + below)
            .or(outliers.last())
            .copied()
            .unwrap_or(0)
    }

    fn max_lateness(&self) -> i64 {
        self.lateness(1.0)
    }
}

/// The benchmark's launcher: tallies the fire, launches nothing; its
/// applications succeed at once.
struct TallyLauncher {
    tally: Arc<Mutex<Tally>>,
}

#[async_trait]
impl SparkLauncherPort for TallyLauncher {
    async fn submit(&self, request: &LaunchRequest) -> Result<ApplicationHandle, LaunchError> {
        let submitted_ms = Utc::now().timestamp_millis();
        self.tally
            .lock()
            .map_err(|_| LaunchError::Other("the benchmark's tally is poisoned".into()))?
            .record(
                &request.job_key.name,
                request.scheduled_fire_time.timestamp_millis(),
                submitted_ms,
            );
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
            look_ahead: Duration::from_millis(700),
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
            spec: SparkJobSpec::new(
                "hdfs://ns1/bench.jar".parse().expect("jar"),
                "Bench".parse().expect("class name"),
            ),
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
                cron_expression: "* * * * * ?".parse().expect("a valid cron expression"),
                time_zone: "UTC".parse().expect("a known time zone"),
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
    let window_start = start + chrono::Duration::seconds(1);
    let window_end = window_start + chrono::Duration::seconds(options.seconds as i64);
    let tally = Arc::new(Mutex::new(Tally::new(
        start.timestamp_millis(),
        options.triggers,
        options.seconds,
        window_start.timestamp_millis(),
        window_end.timestamp_millis(),
    )));
    let mut handles = Vec::new();
    for n in 0..options.instances {
        let mut c = SchedulerConfig::new(format!("bench-{n}-{}", std::process::id()));
        c.follow_interval = Duration::from_millis(1000);
        // The recording launcher starts no JVM: submits cost nothing, so
        // the bench does not take the machine-sized default.
        c.max_concurrent_submits = 64;
        c.batch_size = options.batch_size;
        c.look_ahead = options.look_ahead;
        let s: Arc<dyn SchedulerStorePort> = store.clone();
        let j: Arc<dyn JobStorePort> = store.clone();
        handles.push(Scheduler::start(
            c,
            s,
            j,
            Arc::new(TallyLauncher {
                tally: Arc::clone(&tally),
            }),
            Arc::new(SystemClock),
        )?);
    }
    let wait = (window_end - Utc::now() + chrono::Duration::seconds(2))
        .to_std()
        .unwrap_or(Duration::ZERO);
    tokio::time::sleep(wait).await;
    for h in handles {
        h.stop().await;
    }
    let rss_mb = peak_rss_mb();
    let tally = tally
        .lock()
        .map_err(|_| "the benchmark's tally is poisoned")?;
    Ok(BenchReport {
        fires: tally.fires,
        expected: options.triggers as u64 * options.seconds,
        duplicates: tally.duplicates,
        fires_per_s: tally.fires as f64 / options.seconds as f64,
        p50_ms: tally.lateness(0.5),
        p99_ms: tally.lateness(0.99),
        max_ms: tally.max_lateness(),
        rss_mb,
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
    fn the_tally_agrees_with_sorting_every_value() {
        // Lateness spread over negatives, the histogram and past it.
        let start = 1_700_000_000_000;
        let mut t = Tally::new(start, 50, 10, start - 1000, start + 10_000_000);
        let mut all = Vec::new();
        let mut x: i64 = 12345;
        for i in 0..2000i64 {
            x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
            let late = match i % 100 {
                0 => -(x % 50),
                1 => HISTOGRAM_MS as i64 + x % 5000,
                _ => x % 400,
            };
            let job = (i % 50) as usize;
            let sched = start + (i / 50) * 1000;
            t.record(&format!("job{job:05}"), sched, sched + late);
            all.push(late);
        }
        all.sort_unstable();
        assert_eq!(t.fires, 2000);
        assert_eq!(t.duplicates, 0);
        for p in [0.0, 0.001, 0.01, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(t.lateness(p), percentile(&all, p), "quantile {p}");
        }
        assert_eq!(t.max_lateness(), *all.last().expect("values"));
    }

    #[test]
    fn the_tally_finds_a_fire_made_twice_whatever_its_run() {
        let start = 1_700_000_000_000;
        let mut t = Tally::new(start, 3, 5, start, start + 5000);
        t.record("job00001", start + 2000, start + 2003);
        t.record("job00002", start + 2000, start + 2004);
        t.record("job00001", start + 3000, start + 3001);
        assert_eq!(t.duplicates, 0);
        t.record("job00001", start + 2000, start + 2900);
        assert_eq!(t.duplicates, 1);
        // Names outside the bit map are tracked too.
        t.record("other", start, start);
        t.record("other", start, start + 1);
        assert_eq!(t.duplicates, 2);
        // Every launch inside the window counts (a fire made twice too);
        // one outside it does not.
        assert_eq!(t.fires, 6);
        t.record("job00000", start + 9000, start + 9001);
        assert_eq!(t.fires, 6);
        assert_eq!(t.duplicates, 2);
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
