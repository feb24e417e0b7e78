//! The ports: what the domain needs from the outside world. Adapter crates
//! implement them (HDFS/local files, the Quartz tables, spark-submit); the
//! use cases are written only against these traits.
//!
//! With the `mocks` feature (and in this crate's own tests) mockall mocks
//! are generated: `MockHdfsPort`, `MockJobStorePort`, `MockSparkLauncherPort`,
//! `MockOperationStorePort`, `MockSchedulerStorePort`, `MockTimerPort`,
//! `MockEnginePort`, `MockRunLogStorePort`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use crate::cause::{Cause, SourceError};
use crate::model::{
    JobDefinition, JobKey, OperationRecord, RunFilter, RunRecord, SparkJobSpec, TriggerDefinition,
    TriggerKey,
};
use crate::runlog::{LogTail, RunHistoryRemoved, StoredRunLog};
use crate::scheduling::recovery::TriggerRepair;

// ----------------------------------------------------------- job store ---

/// Faults of the job store. Each carries a [`Cause`]: its text, and the
/// database driver's error (when there was one) as its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or the connection was lost.
    #[error("the job store is unavailable: {0}")]
    Unavailable(#[source] Cause),
    /// A write conflicted with a concurrent one and was rolled back; retrying may succeed.
    #[error("the job store write conflicted with another one: {0}")]
    Conflict(#[source] Cause),
    /// Stored data that this provisioner cannot read (e.g. written by a newer version).
    #[error("the job store holds data this provisioner cannot read: {0}")]
    Corrupt(#[source] Cause),
    /// Any other database failure.
    #[error("the job store failed: {0}")]
    Other(#[source] Cause),
}

impl StoreError {
    /// The same error keeping `source`, the library error it came from, as
    /// the source of its cause.
    #[must_use]
    pub fn caused_by<E>(self, source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        match self {
            StoreError::Unavailable(c) => StoreError::Unavailable(c.caused_by(source)),
            StoreError::Conflict(c) => StoreError::Conflict(c.caused_by(source)),
            StoreError::Corrupt(c) => StoreError::Corrupt(c.caused_by(source)),
            StoreError::Other(c) => StoreError::Other(c.caused_by(source)),
        }
    }
}

/// What a replace did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplaceOutcome {
    Created,
    Replaced,
}

/// Jobs, triggers and runs, kept in the Quartz tables plus our own.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobStorePort: Send + Sync {
    /// Store the job and its scheduled trigger in one transaction, replacing
    /// an existing job of the same key and all its scheduled triggers; with
    /// `trigger = None` the job is left without a scheduled trigger. Either
    /// the old pair or the new pair remains, never half.
    async fn replace_job(
        &self,
        job: &JobDefinition,
        trigger: Option<TriggerDefinition>,
    ) -> Result<ReplaceOutcome, StoreError>;

    /// Delete the job, its triggers and their side rows; runs are kept.
    /// `Ok(false)` when there was no such job.
    async fn delete_job(&self, key: &JobKey) -> Result<bool, StoreError>;

    async fn get_job(&self, key: &JobKey) -> Result<Option<JobDefinition>, StoreError>;

    /// Jobs, optionally of one group, ordered by key.
    async fn list_jobs(&self, group: Option<String>) -> Result<Vec<JobDefinition>, StoreError>;

    /// Which of these job keys exist (the scheduler's follower asks once
    /// per round for the jobs of all its runs in flight, to find those
    /// whose job was unprovisioned). The default asks [`Self::get_job`]
    /// key by key; stores on a database answer with one query.
    async fn existing_jobs(
        &self,
        keys: &[JobKey],
    ) -> Result<std::collections::BTreeSet<JobKey>, StoreError> {
        let mut found = std::collections::BTreeSet::new();
        for key in keys {
            if !found.contains(key) && self.get_job(key).await?.is_some() {
                found.insert(key.clone());
            }
        }
        Ok(found)
    }

    /// The jobs (of one group, or all) in key order, with their triggers
    /// and their last `runs_per_job` runs (newest first): every one, or
    /// with `page = Some((offset, limit))` that page of them; and how many
    /// jobs the group has. The jobs listing. The default asks job by job;
    /// stores on a database answer with a few statements (the runs' job
    /// index for the last runs).
    async fn job_views(
        &self,
        group: Option<String>,
        runs_per_job: u64,
        page: Option<(u64, u64)>,
    ) -> Result<(u64, Vec<crate::model::JobView>), StoreError> {
        let jobs = self.list_jobs(group).await?;
        let total = jobs.len() as u64;
        let (offset, limit) = page.unwrap_or((0, u64::MAX));
        let mut out = Vec::new();
        for job in jobs
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
        {
            let triggers = self.triggers_of_job(&job.key).await?;
            let last_runs = self
                .list_runs(&RunFilter {
                    job: Some(job.key.clone()),
                    limit: runs_per_job.max(1),
                    ..RunFilter::default()
                })
                .await?;
            out.push(crate::model::JobView {
                job,
                triggers,
                last_runs,
            });
        }
        Ok((total, out))
    }

    /// The jobs (of one group, or all) in key order with what the listing
    /// filters by, no runs ([`crate::model::JobLatest`]). The default asks
    /// job by job; stores on a database answer with three statements.
    async fn job_latest(
        &self,
        group: Option<String>,
    ) -> Result<Vec<crate::model::JobLatest>, StoreError> {
        listing::job_latest(self, group).await
    }

    /// These jobs, in the order given (keys of no job left out), with their
    /// triggers and last `runs_per_job` runs: the listing's page.
    async fn job_views_of(
        &self,
        keys: Vec<JobKey>,
        runs_per_job: u64,
    ) -> Result<Vec<crate::model::JobView>, StoreError> {
        listing::job_views_of(self, keys, runs_per_job).await
    }

    /// Add a trigger to an existing job (a manual one-shot trigger).
    /// Fails with `Ok(false)` when the job does not exist.
    async fn add_trigger(&self, trigger: &TriggerDefinition) -> Result<bool, StoreError>;

    async fn get_trigger(&self, key: &TriggerKey) -> Result<Option<TriggerDefinition>, StoreError>;

    async fn triggers_of_job(&self, key: &JobKey) -> Result<Vec<TriggerDefinition>, StoreError>;

    async fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError>;

    /// Runs matching the filter, newest first.
    async fn list_runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError>;

    /// Runs of the job whose scheduled fire time is within `[from, to]`,
    /// oldest first, at most `limit` (the "why didn't my job run?" answer).
    /// The default pages through [`Self::list_runs`] (newest first by
    /// actual fire time, which is never before the scheduled one); stores
    /// on a database answer with one query.
    async fn runs_scheduled_between(
        &self,
        job: &JobKey,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        const PAGE: u64 = 500;
        let mut out = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .list_runs(&RunFilter {
                    job: Some(job.clone()),
                    offset,
                    limit: PAGE,
                    ..RunFilter::default()
                })
                .await?;
            let done = (page.len() as u64) < PAGE
                || page.last().is_some_and(|r| r.actual_fire_time < from);
            out.extend(
                page.into_iter()
                    .filter(|r| r.scheduled_fire_time >= from && r.scheduled_fire_time <= to),
            );
            if done || out.len() > limit {
                break;
            }
            offset += PAGE;
        }
        out.sort_by(|a, b| {
            (a.scheduled_fire_time, &a.run_id).cmp(&(b.scheduled_fire_time, &b.run_id))
        });
        out.truncate(limit);
        Ok(out)
    }

    /// The repairs recovery made to the job's triggers (the last one of
    /// each trigger; see `scheduling::recovery::TriggerRepair`). Stores
    /// that keep none answer the default, none.
    async fn trigger_repairs(&self, job: &JobKey) -> Result<Vec<TriggerRepair>, StoreError> {
        let _ = job;
        Ok(Vec::new())
    }

    /// Whether the store answers (readiness).
    async fn ping(&self) -> Result<(), StoreError>;
}

// ------------------------------------------------------------- run logs ---

/// Runs' logs, kept in the job store so that any instance serves them, and
/// the removal of a job's run history (`removeData: true`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RunLogStorePort: Send + Sync {
    /// Insert the run's log, or replace the stored one.
    async fn save_run_log(&self, log: &StoredRunLog) -> Result<(), StoreError>;

    async fn get_run_log(&self, run_id: &str) -> Result<Option<StoredRunLog>, StoreError>;

    /// Delete the job's ended runs and their stored logs; runs still in
    /// flight are kept (and counted).
    async fn delete_run_history(&self, job: &JobKey) -> Result<RunHistoryRemoved, StoreError>;
}

// ----------------------------------------------------------- operations ---

/// Asynchronous operations (provision, unprovision, validate) whose tokens
/// the caller polls: kept in the job store so that they survive restarts and
/// are shared by several provisioner instances.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OperationStorePort: Send + Sync {
    /// Insert the operation, or replace the stored one with the same `id`.
    async fn save_operation(&self, operation: &OperationRecord) -> Result<(), StoreError>;

    async fn get_operation(&self, id: &str) -> Result<Option<OperationRecord>, StoreError>;

    /// Delete the operations last updated before `before`; how many went.
    async fn purge_operations(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

// -------------------------------------------------------------- waiting ---

/// Time passing, for the use cases that wait (the backoff between retries
/// of a write): the domain has no runtime of its own. The binary's adapter
/// sleeps on tokio's timer.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TimerPort: Send + Sync {
    async fn sleep(&self, duration: std::time::Duration);
}

/// This instance's scheduler engine as the use cases reach it: only where
/// the instance runs one (`scheduler.enabled`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EnginePort: Send + Sync {
    /// Look for due triggers now (a manual trigger was stored, a job resumed).
    fn wake(&self);

    /// Returns once runs may have been stored or updated since the call
    /// began, or after `at_most`, whichever comes first. An adapter without
    /// a signal from the engine may simply wait a short poll interval
    /// (never longer than `at_most`): the caller reads the runs again after
    /// each return.
    async fn runs_changed(&self, at_most: std::time::Duration);
}

// ------------------------------------------------------- spark launcher ---

/// What to launch for one fire of a trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaunchRequest {
    pub run_id: String,
    pub job_key: JobKey,
    /// Application name shown by the cluster manager (job name + fire time).
    pub app_name: String,
    pub spec: SparkJobSpec,
    pub scheduled_fire_time: DateTime<Utc>,
}

/// Which cluster manager follows an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LauncherBackend {
    Yarn,
    Standalone,
    Local,
}

/// A submitted application, enough to follow or kill it later (also from
/// another provisioner instance, after a restart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationHandle {
    pub backend: LauncherBackend,
    /// YARN application id, standalone driver id, or local process id.
    pub application_id: String,
    pub tracking_url: Option<String>,
}

/// Where an application is, mapped from the cluster manager's own states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplicationState {
    /// Accepted or running; the final status is not known yet. `started`:
    /// running, not only accepted (YARN's RUNNING, not NEW…ACCEPTED).
    Running {
        tracking_url: Option<String>,
        started: bool,
    },
    Succeeded,
    Failed {
        diagnostics: String,
    },
    Killed {
        diagnostics: String,
    },
    /// The cluster manager no longer knows the application.
    Unknown {
        detail: String,
    },
}

/// Faults launching or following an application. A [`Cause`] keeps the
/// process or HTTP client error (when there was one) as its source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    #[error("spark-submit failed: {0}")]
    Submit(#[source] Cause),
    #[error("spark-submit did not finish within {seconds} s and was killed")]
    Timeout { seconds: u64 },
    #[error("the cluster manager is unreachable: {0}")]
    Unreachable(#[source] Cause),
    #[error("{0}")]
    Other(#[source] Cause),
}

impl LaunchError {
    /// The same error keeping `source`, the library error it came from, as
    /// the source of its cause. `Timeout` has no cause to keep: it stays.
    #[must_use]
    pub fn caused_by<E>(self, source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        match self {
            LaunchError::Submit(c) => LaunchError::Submit(c.caused_by(source)),
            LaunchError::Unreachable(c) => LaunchError::Unreachable(c.caused_by(source)),
            LaunchError::Other(c) => LaunchError::Other(c.caused_by(source)),
            timeout @ LaunchError::Timeout { .. } => timeout,
        }
    }

    /// The same error with the text of its cause rewritten by `f`
    /// (redaction); the kept library error stays.
    #[must_use]
    pub fn map_text(self, f: impl FnOnce(&str) -> String) -> Self {
        match self {
            LaunchError::Submit(c) => LaunchError::Submit(c.map_text(f)),
            LaunchError::Unreachable(c) => LaunchError::Unreachable(c.map_text(f)),
            LaunchError::Other(c) => LaunchError::Other(c.map_text(f)),
            timeout @ LaunchError::Timeout { .. } => timeout,
        }
    }
}

/// Launches Spark applications and follows them to their final status.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SparkLauncherPort: Send + Sync {
    /// Submit and detach: returns once the cluster manager accepted the
    /// application, with its id.
    async fn submit(&self, request: &LaunchRequest) -> Result<ApplicationHandle, LaunchError>;

    async fn status(&self, handle: &ApplicationHandle) -> Result<ApplicationState, LaunchError>;

    async fn kill(&self, handle: &ApplicationHandle) -> Result<(), LaunchError>;

    /// The application submitted for run `run_id`, found on the cluster
    /// manager without its id: how a run whose spark-submit was cut short
    /// (timed out, or its provisioner instance died) before printing the id
    /// is re-attached. `Ok(None)` when there is none, or when the cluster
    /// manager cannot be searched this way (the default: only YARN can, by
    /// the run's application tag).
    async fn find_by_run(&self, run_id: &str) -> Result<Option<ApplicationHandle>, LaunchError> {
        let _ = run_id;
        Ok(None)
    }

    /// The last `tail` bytes of the application's driver log, redacted, as
    /// the cluster manager (or, for a local application, this process)
    /// has it now. `Ok(None)` when this launcher cannot read it (the
    /// default: backends without a log source of their own); the stored
    /// log ([`RunLogStorePort`]) is then what there is.
    async fn logs(
        &self,
        handle: &ApplicationHandle,
        tail: u64,
    ) -> Result<Option<LogTail>, LaunchError> {
        let _ = (handle, tail);
        Ok(None)
    }

    /// The user the application ran as, as its cluster manager knows it
    /// (YARN: the application report's `user`): the owner of its
    /// aggregated logs. `Ok(None)` when unknown (the default).
    async fn application_owner(
        &self,
        handle: &ApplicationHandle,
    ) -> Result<Option<String>, LaunchError> {
        let _ = handle;
        Ok(None)
    }
}

// ------------------------------------------------------------ scheduler ---

/// What one acquisition asks of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireRequest {
    /// This scheduler instance (`QRTZ_SCHEDULER_STATE.INSTANCE_NAME`).
    pub instance_id: String,
    /// Most fires made by one acquisition.
    pub batch_size: usize,
    /// Triggers due up to this long after the database's "now" are acquired
    /// (their fires are launched at their scheduled time).
    pub look_ahead: chrono::Duration,
    /// A trigger later than this misfired and follows its misfire instruction.
    pub misfire_threshold: chrono::Duration,
}

/// One fire made under the lock: its run exists (state `SUBMITTING`) and its
/// `QRTZ_FIRED_TRIGGERS` row is `ACQUIRED` by the instance, which launches it
/// after [`SchedulerStorePort::claim_fires`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fire {
    pub run: RunRecord,
    pub job: JobDefinition,
    /// Runs of the same job to kill first (concurrency policy `Replace`).
    pub replace: Vec<RunRecord>,
}

/// What an acquisition did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquired {
    /// The database's clock when the batch was taken: the one time source
    /// of due-ness for all instances.
    pub db_now: DateTime<Utc>,
    /// The database's clock at the end of the acquisition, just before it
    /// commits: the anchor the engine measures its waits until fire times
    /// from (`db_now` is read at the start, and a batch takes tens of
    /// milliseconds to write).
    pub db_now_at_end: DateTime<Utc>,
    pub fires: Vec<Fire>,
    /// Fires not started because a run of the job was in flight (`SKIPPED`).
    pub skipped: Vec<RunRecord>,
    /// Triggers that misfired in this batch.
    pub misfired: usize,
    /// Triggers moved to `COMPLETE`.
    pub completed: usize,
    /// Earliest next fire time of a waiting trigger after this batch.
    pub next_due: Option<DateTime<Utc>>,
}

/// What a check-in found and recovered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Instances found dead (check-in overdue) or gone, whose work was taken over.
    pub dead_instances: Vec<String>,
    /// Fires of dead instances that were acquired but never launched: now
    /// this instance's, to claim and launch.
    pub refire: Vec<Fire>,
    /// Runs in flight of dead instances with an application id: now
    /// followed by this instance.
    pub reattached: Vec<String>,
    /// Runs of dead instances whose spark-submit had not printed an
    /// application id yet (`SUBMITTING`): now this instance's, to look up
    /// on the cluster manager ([`SparkLauncherPort::find_by_run`]), then
    /// follow, or mark `LOST` when no application was submitted.
    pub unresolved: Vec<RunRecord>,
    /// Runs of dead instances marked `LOST` here (acquired fires of a job
    /// unprovisioned meanwhile).
    pub lost: Vec<String>,
}

/// The scheduler's side of the job store: Quartz-style clustered firing.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SchedulerStorePort: Send + Sync {
    /// In one short transaction under the `TRIGGER_ACCESS` lock: takes the
    /// database's "now", acquires the waiting triggers due by now +
    /// look-ahead (a batch), applies misfire instructions and concurrency
    /// policies, creates the runs (`SUBMITTING`, or `SKIPPED`), records the
    /// fires in `QRTZ_FIRED_TRIGGERS` and moves each trigger to its next
    /// fire time or `COMPLETE`.
    async fn acquire_fires(&self, request: &AcquireRequest) -> Result<Acquired, StoreError>;

    /// Moves this instance's `ACQUIRED` fired rows of these runs to
    /// `EXECUTING`; answers the run ids it moved: only those may be launched
    /// (a row taken over by another instance meanwhile is not answered).
    async fn claim_fires(
        &self,
        instance_id: &str,
        run_ids: &[String],
    ) -> Result<Vec<String>, StoreError>;

    /// Stores runs that progressed (submitted: `RUNNING` with their
    /// application id), many in one statement.
    async fn update_runs(&self, runs: &[RunRecord]) -> Result<(), StoreError>;

    /// Stores runs that ended and deletes their fired rows, for the runs
    /// whose fired row this instance still owns; answers their ids.
    async fn finish_runs(
        &self,
        instance_id: &str,
        runs: &[RunRecord],
    ) -> Result<Vec<String>, StoreError>;

    /// The runs this instance follows (its `EXECUTING` fired rows whose run
    /// is `RUNNING`), a page at a time: at most `limit`, ordered by run id,
    /// those after `after` (the last run id of the previous page).
    async fn runs_to_follow(
        &self,
        instance_id: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError>;

    /// Checks in to `QRTZ_SCHEDULER_STATE` (database time) and, under the
    /// `STATE_ACCESS` and `TRIGGER_ACCESS` locks, recovers the work of
    /// instances whose check-in is older than `dead_after` or that left
    /// fired rows without a check-in row. With `recover_self` (start-up)
    /// the instance's own leftovers from a previous life are recovered too.
    async fn check_in(
        &self,
        instance_id: &str,
        interval: chrono::Duration,
        dead_after: chrono::Duration,
        recover_self: bool,
    ) -> Result<Recovery, StoreError>;

    /// Graceful stop: deletes the check-in row, so that a live instance
    /// takes over the runs this one followed at its next check-in.
    async fn leave(&self, instance_id: &str) -> Result<(), StoreError>;

    /// Pauses (`PAUSED`) or resumes (`WAITING`) the job's triggers; answers
    /// how many changed, `None` when the job does not exist.
    async fn set_job_paused(&self, job: &JobKey, paused: bool)
        -> Result<Option<usize>, StoreError>;

    /// Pauses or resumes, in one transaction, the triggers of every job of
    /// `group` (a data product), or of every job; answers how many jobs had
    /// a trigger that changed and how many triggers changed.
    async fn set_jobs_paused(
        &self,
        group: Option<String>,
        paused: bool,
    ) -> Result<PausedCount, StoreError> {
        let _ = (group, paused);
        Err(StoreError::Other(
            "this store cannot pause jobs in bulk".to_string().into(),
        ))
    }

    /// Inserts `QUEUED` runs of `job` in one transaction, for an
    /// acquisition to start ([`crate::scheduling::queued`]); `Ok(false)`,
    /// and nothing inserted, when the job does not exist.
    async fn queue_runs(&self, job: &JobKey, runs: &[RunRecord]) -> Result<bool, StoreError> {
        let _ = (job, runs);
        Err(StoreError::Other(
            "this store cannot queue runs".to_string().into(),
        ))
    }
}

/// What a bulk pause or resume changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PausedCount {
    /// Jobs with at least one trigger that changed.
    pub jobs: usize,
    /// Triggers that changed.
    pub triggers: usize,
}

pub mod files;
mod listing;
pub mod notify;
pub use files::*;
pub use notify::*;
