//! What the launcher keeps of a run's output: spark-submit's standard
//! output and error in one bounded ring (the end kept, never more than
//! `launcher.run_log_max_bytes` in memory), redacted before it leaves the
//! launcher, and written to the job store ([`RunLogStorePort`]) so that any
//! instance can serve it: at most every `launcher.run_log_flush_secs` while
//! a local application runs (only when it printed something new), and once
//! when it ends; for YARN and standalone, spark-submit's client output once
//! it has submitted.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdp_spark_domain::clock::{Clock, SystemClock};
use cdp_spark_domain::ports::RunLogStorePort;
use cdp_spark_domain::redact::Redactor;
use cdp_spark_domain::runlog::{
    tail_of, LogSource, LogTail, StoredRunLog, DEFAULT_RUN_LOG_MAX_BYTES,
};
use tracing::warn;

use crate::process::TailBuffer;

/// Seconds between two writes of a running application's log by default.
pub const DEFAULT_RUN_LOG_FLUSH_SECS: u64 = 10;

/// How runs' logs are kept.
#[derive(Clone)]
pub struct RunLogSettings {
    /// Bytes of each run's log kept (the end).
    pub max_bytes: u64,
    /// Least time between two writes of a running application's log.
    pub flush_every: Duration,
    /// Where logs are written; `None`: only kept in memory for
    /// [`crate::SparkLauncher`]'s `logs` while the application is known.
    pub store: Option<Arc<dyn RunLogStorePort>>,
}

impl std::fmt::Debug for RunLogSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunLogSettings")
            .field("max_bytes", &self.max_bytes)
            .field("flush_every", &self.flush_every)
            .field("store", &self.store.is_some())
            .finish()
    }
}

impl Default for RunLogSettings {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_RUN_LOG_MAX_BYTES,
            flush_every: Duration::from_secs(DEFAULT_RUN_LOG_FLUSH_SECS),
            store: None,
        }
    }
}

/// One run's output as it is captured: a bounded ring, its redaction and
/// where it is written.
#[derive(Debug, Clone)]
pub(crate) struct RunLog {
    pub(crate) run_id: String,
    ring: Arc<Mutex<TailBuffer>>,
    redactor: Redactor,
    settings: RunLogSettings,
    /// Bytes seen at the last successful write.
    written: Arc<Mutex<Option<u64>>>,
}

impl RunLog {
    pub(crate) fn new(run_id: &str, redactor: Redactor, settings: RunLogSettings) -> Self {
        let max = usize::try_from(settings.max_bytes).unwrap_or(usize::MAX);
        Self {
            run_id: run_id.to_string(),
            ring: Arc::new(Mutex::new(TailBuffer::new(max))),
            redactor,
            settings,
            written: Arc::new(Mutex::new(None)),
        }
    }

    /// The ring the output streams are drained into.
    pub(crate) fn ring(&self) -> Arc<Mutex<TailBuffer>> {
        Arc::clone(&self.ring)
    }

    pub(crate) fn push(&self, bytes: &[u8]) {
        lock(&self.ring).push(bytes);
    }

    /// The kept end, redacted, the bytes seen in all, and whether the
    /// start was dropped.
    pub(crate) fn snapshot(&self) -> (String, u64, bool) {
        let (text, total) = {
            let ring = lock(&self.ring);
            (ring.text(), ring.total())
        };
        let dropped = total > text.len() as u64;
        (self.redactor.text(&text), total, dropped)
    }

    /// The last `tail` bytes, redacted.
    pub(crate) fn tail(&self, tail: u64) -> LogTail {
        let (text, _, dropped) = self.snapshot();
        let (end, cut) = tail_of(&text, tail);
        LogTail {
            truncated: cut || dropped,
            text: end.to_string(),
            source: LogSource::SparkSubmit,
        }
    }

    pub(crate) fn flush_every(&self) -> Duration {
        self.settings.flush_every
    }

    /// Writes the log when it changed since the last write (or always with
    /// `force` when it never was written); a failed write is logged and
    /// tried again next time. Answers whether the store holds what was
    /// captured.
    pub(crate) async fn flush(&self, force: bool) -> bool {
        let Some(store) = &self.settings.store else {
            return false;
        };
        let total = lock(&self.ring).total();
        let last = *lock(&self.written);
        if last == Some(total) || (last.is_none() && total == 0 && !force) {
            return last.is_some();
        }
        let (text, bytes_seen, truncated) = self.snapshot();
        let log = StoredRunLog {
            run_id: self.run_id.clone(),
            text,
            bytes_seen,
            truncated,
            source: LogSource::SparkSubmit,
            updated_at: SystemClock.now(),
        };
        match store.save_run_log(&log).await {
            Ok(()) => {
                *lock(&self.written) = Some(bytes_seen);
                true
            }
            Err(e) => {
                warn!(run_id = %self.run_id, error = %e, "the run's log could not be stored; trying again at the next write");
                false
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_only_the_end_within_its_bound() {
        let log = RunLog::new(
            "r1",
            Redactor::new(),
            RunLogSettings {
                max_bytes: 1000,
                ..RunLogSettings::default()
            },
        );
        for i in 0..10_000 {
            log.push(format!("line {i:05}\n").as_bytes());
        }
        let (text, total, dropped) = log.snapshot();
        assert_eq!(text.len(), 1000, "never more than the bound");
        assert_eq!(total, 110_000);
        assert!(dropped);
        assert!(text.ends_with("line 09999\n"), "{text}");
        let tail = log.tail(22);
        assert_eq!(tail.text, "line 09998\nline 09999\n");
        assert!(tail.truncated);
    }

    /// The job store's part that keeps logs, in memory.
    #[derive(Default)]
    struct Kept(Mutex<Vec<StoredRunLog>>);

    #[async_trait::async_trait]
    impl RunLogStorePort for Kept {
        async fn save_run_log(
            &self,
            log: &StoredRunLog,
        ) -> Result<(), cdp_spark_domain::ports::StoreError> {
            lock(&self.0).push(log.clone());
            Ok(())
        }
        async fn get_run_log(
            &self,
            _: &str,
        ) -> Result<Option<StoredRunLog>, cdp_spark_domain::ports::StoreError> {
            Ok(lock(&self.0).last().cloned())
        }
        async fn delete_run_history(
            &self,
            _: &cdp_spark_domain::model::JobKey,
        ) -> Result<cdp_spark_domain::runlog::RunHistoryRemoved, cdp_spark_domain::ports::StoreError>
        {
            Ok(Default::default())
        }
    }

    #[tokio::test]
    async fn a_secret_of_the_jobs_conf_never_reaches_the_store() {
        const PRINTED: &[u8] = b"INFO starting\nconf value s3cr3t-VALUE-42 in a line\n\n";
        let mut redactor = Redactor::new();
        redactor.add_values_of_secret_keys([("spark.hadoop.fs.s3a.secret.key", "s3cr3t-VALUE-42")]);
        let store = Arc::new(Kept::default());
        let log = RunLog::new(
            "r1",
            redactor,
            RunLogSettings {
                store: Some(store.clone()),
                ..RunLogSettings::default()
            },
        );
        assert!(!log.flush(false).await, "nothing printed, nothing written");
        log.push(PRINTED);
        assert!(log.flush(false).await);
        // Nothing new: not written again.
        assert!(log.flush(false).await);
        assert!(log.flush(true).await);
        let written = lock(&store.0).clone();
        assert_eq!(written.len(), 1, "written once");
        assert_eq!(written[0].run_id, "r1");
        assert_eq!(written[0].bytes_seen, PRINTED.len() as u64);
        assert!(
            written[0].text.contains("conf value *** in a line"),
            "{}",
            written[0].text
        );
        assert!(!written[0].text.contains("s3cr3t"), "{}", written[0].text);
        assert!(
            !written[0].truncated,
            "redaction shortens, but drops nothing"
        );
        let tail = log.tail(1000);
        assert!(!tail.text.contains("s3cr3t"));
        assert!(!tail.truncated);
    }
}
