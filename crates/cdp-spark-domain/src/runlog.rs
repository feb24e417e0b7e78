//! Runs' logs and links: what a run's driver printed (a bounded tail,
//! redacted before it is kept), where it came from, and the pages a run
//! links to (the ResourceManager's application page, the tracking URL, the
//! Spark History Server).
//!
//! The rules here are pure: how a tail is cut (at a character boundary,
//! the end kept), which ids may become links (only well-formed YARN
//! application ids, so that nothing a cluster manager answered is pasted
//! into a URL as is) and how the links are spelled.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::RunRecord;

/// Bytes of log a request answers unless `tail` says otherwise.
pub const DEFAULT_TAIL_BYTES: u64 = 64 * 1024;
/// Most bytes of log one request answers.
pub const MAX_TAIL_BYTES: u64 = 4 * 1024 * 1024;
/// Bytes of a run's log kept by default (`launcher.run_log_max_bytes`).
pub const DEFAULT_RUN_LOG_MAX_BYTES: u64 = 1024 * 1024;
/// Most bytes of a run's log that may be kept (the database column and
/// the statement sizes of MariaDB's default `max_allowed_packet` allow it).
pub const MAX_RUN_LOG_MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Where a log tail came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSource {
    /// spark-submit's own output (the driver itself in local mode; the
    /// submitting client on YARN and standalone), as the launcher kept it.
    SparkSubmit,
    /// The driver (ApplicationMaster) container's log, from its
    /// NodeManager while the application runs.
    YarnNodeManager,
    /// The driver container's log aggregated to the cluster's filesystem
    /// after the application ended.
    YarnAggregated,
}

impl LogSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LogSource::SparkSubmit => "spark-submit",
            LogSource::YarnNodeManager => "yarn-nodemanager",
            LogSource::YarnAggregated => "yarn-aggregated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            LogSource::SparkSubmit,
            LogSource::YarnNodeManager,
            LogSource::YarnAggregated,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// The end of a log, as answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTail {
    pub text: String,
    /// Earlier output exists that is not in `text`.
    pub truncated: bool,
    pub source: LogSource,
}

/// A run's log as the job store keeps it: the end of it, redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRunLog {
    pub run_id: String,
    /// The kept end of the log (at most the launcher's bound).
    pub text: String,
    /// Bytes the run printed in all.
    pub bytes_seen: u64,
    /// The start of the output was dropped to keep within the bound.
    pub truncated: bool,
    pub source: LogSource,
    pub updated_at: DateTime<Utc>,
}

impl StoredRunLog {
    /// The last `max` bytes of the kept log.
    pub fn tail(&self, max: u64) -> LogTail {
        let (text, cut) = tail_of(&self.text, max);
        LogTail {
            text: text.to_string(),
            truncated: cut || self.truncated,
            source: self.source,
        }
    }
}

/// The last `max` bytes of `text` or fewer, starting at a character
/// boundary; `true` when something was left out.
pub fn tail_of(text: &str, max: u64) -> (&str, bool) {
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    if text.len() <= max {
        return (text, false);
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    (&text[start..], true)
}

/// Log files under their headings (`==> name <==`), at most `tail` bytes in
/// all: when they do not fit, each but the last keeps at most half and the
/// rest goes to the last (a driver's `stderr` after its `stdout`).
pub fn combine_files(files: &[(&str, String)], tail: u64, source: LogSource) -> LogTail {
    let heading = |name: &str| format!("==> {name} <==\n");
    let overhead: u64 = files.iter().map(|(n, _)| heading(n).len() as u64 + 1).sum();
    let budget = tail.saturating_sub(overhead);
    let whole: u64 = files.iter().map(|(_, t)| t.len() as u64).sum();
    let mut truncated = false;
    let mut out = String::new();
    let mut left = budget;
    for (i, (name, text)) in files.iter().enumerate() {
        let share = if whole <= budget || i + 1 == files.len() {
            left
        } else {
            (budget / 2).min(text.len() as u64)
        };
        let (end, cut) = tail_of(text, share);
        truncated |= cut;
        left = left.saturating_sub(end.len() as u64);
        out.push_str(&heading(name));
        out.push_str(end);
        if !end.ends_with('\n') {
            out.push('\n');
        }
    }
    let (end, cut) = tail_of(&out, tail);
    LogTail {
        text: end.to_string(),
        truncated: truncated || cut,
        source,
    }
}

/// What a job's runs were removed with (`removeData: true`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunHistoryRemoved {
    /// Ended runs deleted.
    pub runs: u64,
    /// Stored logs deleted.
    pub logs: u64,
    /// Runs still in flight (`SUBMITTING`, `RUNNING`), kept: the engine
    /// follows them to their end.
    pub kept_in_flight: u64,
}

/// The settings a run's links are built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunLinkSettings {
    /// The ResourceManager's web address (the first of
    /// `launcher.resource_managers`), without a trailing `/`.
    pub resource_manager: Option<String>,
    /// `launcher.spark_history_url`, without a trailing `/`.
    pub spark_history: Option<String>,
}

impl RunLinkSettings {
    pub fn new(resource_manager: Option<&str>, spark_history: Option<&str>) -> Self {
        let base = |u: &str| {
            let u = u.trim().trim_end_matches('/');
            (!u.is_empty()).then(|| u.to_string())
        };
        Self {
            resource_manager: resource_manager.and_then(base),
            spark_history: spark_history.and_then(base),
        }
    }
}

/// The pages of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RunLinks {
    /// The ResourceManager's application page (YARN runs).
    pub resource_manager: Option<String>,
    /// The application's tracking URL as the cluster manager gave it (the
    /// Spark UI while it runs, through the RM's proxy).
    pub tracking: Option<String>,
    /// The Spark History Server's page of the application, when
    /// `launcher.spark_history_url` is set (YARN runs).
    pub spark_history: Option<String>,
}

impl RunLinks {
    /// The links of `run` (its tracking URL as stored, already redacted).
    pub fn of(run: &RunRecord, settings: &RunLinkSettings) -> Self {
        let yarn_id = run
            .application_id
            .as_deref()
            .filter(|id| is_yarn_application_id(id));
        Self {
            resource_manager: yarn_id
                .zip(settings.resource_manager.as_deref())
                .map(|(id, rm)| format!("{rm}/cluster/app/{id}")),
            tracking: run.tracking_url.clone(),
            spark_history: yarn_id
                .zip(settings.spark_history.as_deref())
                .map(|(id, shs)| format!("{shs}/history/{id}")),
        }
    }
}

/// `application_<digits>_<digits>`, at most 64 characters.
pub fn is_yarn_application_id(id: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    id.len() <= 64
        && id
            .strip_prefix("application_")
            .and_then(|rest| rest.split_once('_'))
            .is_some_and(|(a, b)| digits(a) && digits(b))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{JobKey, RunState, TriggerKey};

    fn run(app: Option<&str>, tracking: Option<&str>) -> RunRecord {
        let t = Utc
            .timestamp_opt(1_767_225_600, 0)
            .single()
            .expect("instant");
        RunRecord {
            run_id: "r1".into(),
            job_key: JobKey::new("g", "n"),
            trigger_key: TriggerKey::new("g", "nTrigger"),
            scheduled_fire_time: t,
            actual_fire_time: t,
            application_id: app.map(str::to_string),
            tracking_url: tracking.map(str::to_string),
            state: RunState::Running,
            final_status: None,
            created_at: t,
            updated_at: t,
            ended_at: None,
            submitted_at: None,
            running_at: None,
            error: None,
            parameters: None,
            backfill: None,
        }
    }

    #[test]
    fn links_are_built_for_yarn_applications_only() {
        let settings = RunLinkSettings::new(Some(" http://rm1:8088/ "), Some("https://shs:18489/"));
        let links = RunLinks::of(
            &run(
                Some("application_1700000000000_0042"),
                Some("http://rm1:8088/proxy/application_1700000000000_0042/"),
            ),
            &settings,
        );
        assert_eq!(
            links,
            RunLinks {
                resource_manager: Some(
                    "http://rm1:8088/cluster/app/application_1700000000000_0042".into()
                ),
                tracking: Some("http://rm1:8088/proxy/application_1700000000000_0042/".into()),
                spark_history: Some(
                    "https://shs:18489/history/application_1700000000000_0042".into()
                ),
            }
        );
        // No history server configured: no history link.
        let no_shs = RunLinkSettings::new(Some("http://rm1:8088"), None);
        let links = RunLinks::of(&run(Some("application_1_2"), None), &no_shs);
        assert_eq!(links.spark_history, None);
        assert_eq!(
            links.resource_manager.as_deref(),
            Some("http://rm1:8088/cluster/app/application_1_2")
        );
        // Local and standalone ids, and anything odd, make no link.
        for id in [
            "local-0a1b",
            "driver-20261125033046-0000",
            "application_1_2/../../x",
            "application_1_",
            "application_1_2?x=1",
        ] {
            let links = RunLinks::of(&run(Some(id), None), &settings);
            assert_eq!(links, RunLinks::default(), "{id}");
        }
        assert_eq!(
            RunLinks::of(&run(None, None), &settings),
            RunLinks::default()
        );
        assert_eq!(
            RunLinkSettings::new(Some("  "), Some("/")),
            RunLinkSettings::default()
        );
    }

    #[test]
    fn tails_keep_the_end_at_a_character_boundary() {
        assert_eq!(tail_of("abcdef", 10), ("abcdef", false));
        assert_eq!(tail_of("abcdef", 3), ("def", true));
        assert_eq!(tail_of("abcdef", 0), ("", true));
        // "é" is two bytes: a cut inside it moves forward.
        assert_eq!(tail_of("aéb", 2), ("b", true));
        assert_eq!(tail_of("aéb", 3), ("éb", true));
        let stored = StoredRunLog {
            run_id: "r".into(),
            text: "line 2\n".into(),
            bytes_seen: 14,
            truncated: true,
            source: LogSource::SparkSubmit,
            updated_at: Utc.timestamp_opt(0, 0).single().expect("instant"),
        };
        let tail = stored.tail(100);
        assert_eq!(tail.text, "line 2\n");
        assert!(tail.truncated, "the start was dropped when it was kept");
        for s in [
            LogSource::SparkSubmit,
            LogSource::YarnNodeManager,
            LogSource::YarnAggregated,
        ] {
            assert_eq!(LogSource::parse(s.as_str()), Some(s));
        }
        assert_eq!(LogSource::parse("other"), None);
    }
}
