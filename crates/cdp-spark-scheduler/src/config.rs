//! The settings of one scheduler instance and their defaults, some of
//! which follow the machine (CPUs, the container's memory limit), and the
//! `[scheduler]` section of the application's configuration
//! ([`SchedulerSettings`]) with its checks.

use std::time::Duration;

use cdp_spark_domain::config_text::KeyError;
use cdp_spark_domain::ports::LauncherBackend;
use serde::{Deserialize, Serialize};

/// Settings of one scheduler instance.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// This instance's name in `QRTZ_SCHEDULER_STATE` and `QRTZ_FIRED_TRIGGERS`.
    pub instance_id: String,
    /// Most fires per acquisition.
    pub batch_size: usize,
    /// Longest sleep of the fire loop with nothing due.
    pub idle_wait: Duration,
    /// Triggers due within this are acquired ahead and launched on time.
    pub look_ahead: Duration,
    /// A trigger later than this misfired.
    pub misfire_threshold: Duration,
    /// Check-in period.
    pub checkin_interval: Duration,
    /// An instance whose last check-in is older than this is dead.
    pub dead_after: Duration,
    /// Period of the follower.
    pub follow_interval: Duration,
    /// The cluster manager of the launcher (to follow runs by application id).
    pub backend: LauncherBackend,
    /// spark-submit calls in flight at once. Each is a JVM (measured on the
    /// real YARN of the test suite: ~175 MB and ~3.4 CPU-seconds with the
    /// launcher's bounded client JVM, ~245 MB with Spark's defaults), so
    /// the default follows the machine: [`default_max_concurrent_submits`].
    pub max_concurrent_submits: usize,
    /// Status polls of the follower in flight at once (HTTP calls to the
    /// cluster manager, or a look at a child process: cheap).
    pub max_concurrent_polls: usize,
    /// The follower kills the applications of runs whose job was
    /// unprovisioned (checked once per page of runs it follows); such
    /// a run ends `KILLED` with the reason. Off (the default): they are
    /// followed to their end.
    pub kill_on_unprovision: bool,
}

impl SchedulerConfig {
    pub fn new(instance_id: impl Into<String>) -> Self {
        Self {
            instance_id: instance_id.into(),
            batch_size: 500,
            idle_wait: Duration::from_secs(1),
            look_ahead: Duration::from_millis(700),
            misfire_threshold: Duration::from_secs(60),
            checkin_interval: Duration::from_millis(7500),
            dead_after: Duration::from_secs(20),
            follow_interval: Duration::from_secs(5),
            backend: LauncherBackend::Local,
            max_concurrent_submits: default_max_concurrent_submits(),
            max_concurrent_polls: 64,
            kill_on_unprovision: false,
        }
    }

    /// Checks the settings; the error names the setting and how to fix it.
    pub fn validate(&self) -> Result<(), String> {
        if self.instance_id.trim().is_empty() || self.instance_id.len() > 190 {
            return Err("scheduler.instance_id must be 1 to 190 characters; leave it unset for hostname+pid+random".into());
        }
        if self.batch_size == 0 {
            return Err("scheduler.batch_size must be at least 1".into());
        }
        if self.dead_after <= self.checkin_interval {
            return Err("scheduler dead_after must be longer than checkin_interval, or live instances are taken for dead".into());
        }
        if self.max_concurrent_submits == 0 {
            return Err("scheduler.max_concurrent_submits must be at least 1".into());
        }
        if self.max_concurrent_polls == 0 {
            return Err("scheduler.max_concurrent_polls must be at least 1".into());
        }
        Ok(())
    }
}

/// The `[scheduler]` section: [`SchedulerConfig`] flat, in whole
/// milliseconds and seconds, plus what `serve` does with the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchedulerSettings {
    /// Run the engine in this instance: fire triggers, launch and follow
    /// runs. `false` serves the API only (jobs are stored, nothing fires
    /// here; another instance on the same database may fire them).
    pub enabled: bool,
    /// This instance's name in `QRTZ_SCHEDULER_STATE`; unique per instance.
    /// Default: hostname, process id and a random suffix.
    pub instance_id: Option<String>,
    /// Most fires per acquisition (one transaction).
    pub batch_size: usize,
    /// Longest sleep of the fire loop with nothing due, in milliseconds.
    pub idle_wait_ms: u64,
    /// Triggers due within this are acquired ahead and launched on time, ms.
    pub look_ahead_ms: u64,
    /// A trigger later than this misfired and follows its misfire
    /// instruction (default: fire once now, then resume), in seconds.
    pub misfire_threshold_secs: u64,
    /// How often this instance checks in (and recovers dead ones), in ms.
    pub checkin_interval_ms: u64,
    /// An instance whose check-in is older than this is dead and its work
    /// is taken over, in seconds. Longer than the check-in interval.
    pub dead_after_secs: u64,
    /// How often runs in flight are polled for their final status, in ms.
    pub follow_interval_ms: u64,
    /// spark-submit calls in flight at once; default: two per CPU, at most
    /// 8, at most one per 400 MiB of the container's memory limit
    /// ([`default_max_concurrent_submits`]).
    pub max_concurrent_submits: usize,
    /// On SIGTERM, longest wait for launches in progress, in seconds.
    pub stop_timeout_secs: u64,
    /// Kill the Spark applications of runs in flight when their job is
    /// unprovisioned (the run ends `KILLED` with the reason); `false`: they
    /// are followed to their end.
    pub kill_on_unprovision: bool,
    /// Most runs one backfill (`POST …/jobs/{group}/{name}/backfill`)
    /// creates: a window with more fire times is refused with the count.
    pub backfill_max_runs: usize,
    /// Start one run of a job without a schedule when it is provisioned
    /// (created or changed), as the existing Scala provisioner did; a job's
    /// `jobConfig.runAtProvision` wins. `false`: such a job waits for a
    /// manual trigger.
    pub run_unscheduled_at_provision: bool,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        let d = SchedulerConfig::new("default");
        Self {
            enabled: true,
            instance_id: None,
            batch_size: d.batch_size,
            idle_wait_ms: d.idle_wait.as_millis() as u64,
            look_ahead_ms: d.look_ahead.as_millis() as u64,
            misfire_threshold_secs: d.misfire_threshold.as_secs(),
            checkin_interval_ms: d.checkin_interval.as_millis() as u64,
            dead_after_secs: d.dead_after.as_secs(),
            follow_interval_ms: d.follow_interval.as_millis() as u64,
            max_concurrent_submits: d.max_concurrent_submits,
            stop_timeout_secs: 30,
            kill_on_unprovision: d.kill_on_unprovision,
            backfill_max_runs: DEFAULT_BACKFILL_MAX_RUNS,
            run_unscheduled_at_provision: false,
        }
    }
}

impl SchedulerSettings {
    /// The engine's configuration, for the launcher's cluster manager.
    pub fn to_scheduler_config(&self, backend: LauncherBackend) -> SchedulerConfig {
        let id = self
            .instance_id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(default_instance_id);
        let mut c = SchedulerConfig::new(id);
        c.batch_size = self.batch_size;
        c.idle_wait = Duration::from_millis(self.idle_wait_ms);
        c.look_ahead = Duration::from_millis(self.look_ahead_ms);
        c.misfire_threshold = Duration::from_secs(self.misfire_threshold_secs);
        c.checkin_interval = Duration::from_millis(self.checkin_interval_ms);
        c.dead_after = Duration::from_secs(self.dead_after_secs);
        c.follow_interval = Duration::from_millis(self.follow_interval_ms);
        c.max_concurrent_submits = self.max_concurrent_submits;
        c.kill_on_unprovision = self.kill_on_unprovision;
        c.backend = backend;
        c
    }

    /// Checks that need nothing but the section; the error names the key.
    pub fn check(&self) -> Result<(), KeyError> {
        if let Some(id) = &self.instance_id {
            if id.trim().is_empty() || id.len() > 190 {
                return Err(KeyError::new(
                    "scheduler.instance_id",
                    "must be 1 to 190 characters; leave it out for hostname+pid+random",
                ));
            }
        }
        for (key, value) in [
            ("scheduler.batch_size", self.batch_size as u64),
            ("scheduler.idle_wait_ms", self.idle_wait_ms),
            ("scheduler.checkin_interval_ms", self.checkin_interval_ms),
            ("scheduler.dead_after_secs", self.dead_after_secs),
            ("scheduler.follow_interval_ms", self.follow_interval_ms),
            (
                "scheduler.max_concurrent_submits",
                self.max_concurrent_submits as u64,
            ),
            ("scheduler.backfill_max_runs", self.backfill_max_runs as u64),
        ] {
            if value == 0 {
                return Err(KeyError::new(key, "must be at least 1"));
            }
        }
        if self.dead_after_secs.saturating_mul(1000) <= self.checkin_interval_ms {
            return Err(KeyError::new(
                "scheduler.dead_after_secs",
                format!(
                    "{} s is not longer than scheduler.checkin_interval_ms ({} ms): live instances would be taken for dead; use at least 2-3 check-in intervals",
                    self.dead_after_secs, self.checkin_interval_ms
                ),
            ));
        }
        if self.backfill_max_runs > MAX_BACKFILL_RUNS {
            return Err(KeyError::new(
                "scheduler.backfill_max_runs",
                format!("{} is more than {MAX_BACKFILL_RUNS}: one backfill's runs are written in one transaction; backfill longer windows in several requests", self.backfill_max_runs),
            ));
        }
        Ok(())
    }
}

/// The default of `scheduler.backfill_max_runs`.
pub const DEFAULT_BACKFILL_MAX_RUNS: usize = 1000;

/// The largest `scheduler.backfill_max_runs`.
pub const MAX_BACKFILL_RUNS: usize = 100_000;

/// Memory one spark-submit may need, with room to spare: the launcher's
/// bounded client JVM peaked at ~175 MB (~215 MB with Kerberos) on the real
/// YARN of the test suite (`scripts/bench-spark-submit.sh`).
pub const SUBMIT_MEMORY_BYTES: u64 = 400 << 20;

/// The most spark-submits at once by default, whatever the machine.
pub const MAX_DEFAULT_SUBMITS: usize = 8;

/// The default of [`SchedulerConfig::max_concurrent_submits`]: two per CPU
/// the process may use (spark-submit is CPU-bound: ~3.4 CPU-seconds each,
/// so more at once only delays every application id), at most
/// [`MAX_DEFAULT_SUBMITS`], and at most one per [`SUBMIT_MEMORY_BYTES`] of
/// the container's memory limit (cgroup v2 `memory.max` or v1
/// `memory.limit_in_bytes`, when there is one); at least 1.
pub fn default_max_concurrent_submits() -> usize {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    submits_for(cpus, cgroup_memory_limit())
}

/// [`default_max_concurrent_submits`] for `cpus` and a memory limit.
pub fn submits_for(cpus: usize, memory_limit: Option<u64>) -> usize {
    let by_cpu = cpus.saturating_mul(2).min(MAX_DEFAULT_SUBMITS);
    let by_memory = memory_limit
        .map(|limit| usize::try_from(limit / SUBMIT_MEMORY_BYTES).unwrap_or(usize::MAX))
        .unwrap_or(usize::MAX);
    by_cpu.min(by_memory).max(1)
}

/// The memory limit of this process's cgroup, if one is set.
fn cgroup_memory_limit() -> Option<u64> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    // cgroup v2: the file of this process's own group.
    let own = read("/proc/self/cgroup").and_then(|text| {
        text.lines()
            .find_map(|l| l.strip_prefix("0::"))
            .map(|p| p.trim().to_string())
    });
    let mut candidates = Vec::new();
    if let Some(own) = own {
        candidates.push(format!("/sys/fs/cgroup{own}/memory.max"));
    }
    candidates.push("/sys/fs/cgroup/memory.max".into());
    candidates.push("/sys/fs/cgroup/memory/memory.limit_in_bytes".into());
    candidates
        .iter()
        .filter_map(|path| read(path))
        .find_map(|text| parse_memory_limit(&text))
}

/// `max` (none) or a byte count; v1's "no limit" is a huge number.
fn parse_memory_limit(text: &str) -> Option<u64> {
    let value: u64 = text.trim().parse().ok()?;
    (value < (1 << 60)).then_some(value)
}

/// The default instance id: hostname, process id and a random suffix.
pub fn default_instance_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &random[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_submits_follow_cpus_and_the_memory_limit() {
        const GIB: u64 = 1 << 30;
        // Two per CPU, at most eight.
        assert_eq!(submits_for(1, None), 2);
        assert_eq!(submits_for(2, None), 4);
        assert_eq!(submits_for(16, None), MAX_DEFAULT_SUBMITS);
        // One per 400 MiB of a container's limit, at least one.
        assert_eq!(submits_for(16, Some(GIB)), 2);
        assert_eq!(submits_for(16, Some(2 * GIB)), 5);
        assert_eq!(submits_for(2, Some(8 * GIB)), 4);
        assert_eq!(submits_for(4, Some(256 << 20)), 1);
        assert_eq!(submits_for(0, None), 1);
    }

    #[test]
    fn the_section_converts_and_its_errors_name_the_key() {
        let d = SchedulerSettings::default();
        assert!(d.enabled && !d.kill_on_unprovision);
        assert_eq!(d.check(), Ok(()));
        let c = d.to_scheduler_config(LauncherBackend::Local);
        assert!(!c.instance_id.is_empty() && c.validate().is_ok());
        assert!(!c.kill_on_unprovision);
        let s = SchedulerSettings {
            instance_id: Some("42".into()),
            batch_size: 50,
            kill_on_unprovision: true,
            ..SchedulerSettings::default()
        };
        let c = s.to_scheduler_config(LauncherBackend::Standalone);
        assert_eq!((c.instance_id.as_str(), c.batch_size), ("42", 50));
        assert_eq!(c.backend, LauncherBackend::Standalone);
        assert!(c.kill_on_unprovision);
        let key = |f: fn(&mut SchedulerSettings)| {
            let mut s = SchedulerSettings::default();
            f(&mut s);
            s.check().map_err(|e| e.key)
        };
        assert_eq!(
            key(|s| s.batch_size = 0),
            Err("scheduler.batch_size".into())
        );
        assert_eq!(
            key(|s| s.dead_after_secs = 5),
            Err("scheduler.dead_after_secs".into())
        );
        assert_eq!(
            key(|s| s.instance_id = Some(" ".into())),
            Err("scheduler.instance_id".into())
        );
        assert_eq!(d.backfill_max_runs, DEFAULT_BACKFILL_MAX_RUNS);
        for bad in [0, MAX_BACKFILL_RUNS + 1] {
            let s = SchedulerSettings {
                backfill_max_runs: bad,
                ..SchedulerSettings::default()
            };
            assert_eq!(
                s.check().map_err(|e| e.key),
                Err("scheduler.backfill_max_runs".into())
            );
        }
    }

    #[test]
    fn memory_limits_read_as_cgroups_write_them() {
        assert_eq!(parse_memory_limit("max\n"), None);
        assert_eq!(parse_memory_limit("1073741824\n"), Some(1 << 30));
        // cgroup v1 without a limit: a page-rounded i64::MAX.
        assert_eq!(parse_memory_limit("9223372036854771712\n"), None);
        assert_eq!(parse_memory_limit(""), None);
    }
}
