//! Controlling jobs: pause and resume (Quartz `PAUSED`), and start now and
//! wait briefly for the run. Through the [`SchedulerStorePort`], the job
//! queries of [`Provisioner`] and, where this instance runs the scheduler
//! engine, the [`EnginePort`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::info;

use super::errors::UseCaseError;
use super::Provisioner;
use crate::api::JobStatusView;
use crate::model::{
    JobKey, JobPause, ManualTriggerAccepted, RunFilter, RunRecord, TriggerKey, TriggerSchedule,
};
use crate::ports::{EnginePort, SchedulerStorePort};

/// How long a manual trigger's answer waits for the run to exist.
pub const MANUAL_RUN_WAIT: Duration = Duration::from_secs(3);

/// Runs of the job read at each look for the manual trigger's run (the
/// newest first: the run of a trigger stored a moment ago is among them).
pub const RUNS_LOOKED_AT: u64 = 20;

/// The manual trigger's message when this instance runs no scheduler.
pub const NO_ENGINE_HERE: &str = "The one-shot trigger is stored, but this instance does not run the scheduler (scheduler.enabled = false): another provisioner instance on the same database fires it; with none running, no run starts. Find its run with GET /v1/scheduler/runs?job=GROUP/NAME (the run's triggerKey is this trigger).";

/// Pause, resume, start now.
#[derive(Clone)]
pub struct JobControl {
    jobs: Provisioner,
    scheduler: Arc<dyn SchedulerStorePort>,
    engine: Option<Arc<dyn EnginePort>>,
    run_wait: Duration,
}

impl JobControl {
    /// `engine` is this instance's scheduler engine, `None` when it runs
    /// none (`scheduler.enabled = false`).
    pub fn new(
        jobs: Provisioner,
        scheduler: Arc<dyn SchedulerStorePort>,
        engine: Option<Arc<dyn EnginePort>>,
    ) -> Self {
        Self {
            jobs,
            scheduler,
            engine,
            run_wait: MANUAL_RUN_WAIT,
        }
    }

    /// How long [`Self::start_now`] waits for the run (tests).
    pub fn with_run_wait(mut self, wait: Duration) -> Self {
        self.run_wait = wait;
        self
    }

    /// The job with its triggers, last runs and status (its latest run's
    /// state).
    pub async fn job_status(&self, key: &JobKey) -> Result<JobStatusView, UseCaseError> {
        Ok(JobStatusView::with_links(
            self.jobs.job_view(key).await?,
            &self.jobs.settings().links,
        ))
    }

    /// Pause (`PAUSED`) or resume (`WAITING`) the job's triggers; a resumed
    /// job's triggers are looked at by this instance's engine at once.
    pub async fn set_paused(&self, key: &JobKey, paused: bool) -> Result<JobPause, UseCaseError> {
        let changed = self
            .scheduler
            .set_job_paused(key, paused)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("no job {key} is provisioned")))?;
        if !paused {
            if let Some(engine) = &self.engine {
                engine.wake();
            }
        }
        let message = match (paused, changed) {
            (true, 0) => "Nothing changed: the job's triggers were already paused (or it has none)",
            (true, _) => "The job's triggers are PAUSED: nothing fires until it is resumed",
            (false, 0) => "Nothing changed: the job's triggers were not paused (or it has none)",
            (false, _) => {
                "The job's triggers are WAITING again: they fire from their next fire time"
            }
        };
        info!(job = %key, paused, triggers = changed, "job pause state set");
        Ok(JobPause {
            job_key: key.clone(),
            paused,
            triggers_changed: changed,
            message: message.to_string(),
        })
    }

    /// Start the job now: a one-shot trigger with immediate start. Where
    /// this instance runs the engine, it is woken and the answer waits up
    /// to the run wait ([`MANUAL_RUN_WAIT`]) for the trigger's run, to give
    /// its id; otherwise the answer says where to find the run.
    pub async fn start_now(&self, key: &JobKey) -> Result<ManualTriggerAccepted, UseCaseError> {
        let manual = self.jobs.trigger_now(key).await?;
        let start_time = match &manual.trigger.schedule {
            TriggerSchedule::Once { start_time } => *start_time,
            TriggerSchedule::Cron { start_time, .. } => *start_time,
        };
        let trigger_key = manual.trigger.key;
        let (run_id, message) = match &self.engine {
            None => (None, NO_ENGINE_HERE.to_string()),
            Some(engine) => {
                engine.wake();
                match self.wait_for_run(engine.as_ref(), key, &trigger_key).await {
                    Some(run) => {
                        let message = format!(
                            "The job was started: run {} is {}; follow it with GET /v1/scheduler/runs/{}.",
                            run.run_id,
                            run.state.as_str(),
                            run.run_id
                        );
                        (Some(run.run_id), message)
                    }
                    None => (
                        None,
                        format!(
                            "The one-shot trigger is stored and the scheduler fires it shortly; its run is not there yet. Find it with GET /v1/scheduler/runs?job={}/{} (the run's triggerKey is this trigger).",
                            key.group, key.name
                        ),
                    ),
                }
            }
        };
        Ok(ManualTriggerAccepted {
            job_key: key.clone(),
            trigger_key,
            start_time,
            run_id,
            message,
        })
    }

    /// The run of `trigger`, looked for each time the engine says runs may
    /// have changed, until the run wait is over. `None` past it, or when
    /// the runs cannot be read (the trigger is stored: the answer says
    /// where to find the run).
    async fn wait_for_run(
        &self,
        engine: &dyn EnginePort,
        job: &JobKey,
        trigger: &TriggerKey,
    ) -> Option<RunRecord> {
        let deadline = Instant::now() + self.run_wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            engine.runs_changed(left).await;
            let runs = self
                .jobs
                .runs(&RunFilter {
                    job: Some(job.clone()),
                    limit: RUNS_LOOKED_AT,
                    ..RunFilter::default()
                })
                .await
                .ok()?;
            if let Some(run) = runs.into_iter().find(|r| &r.trigger_key == trigger) {
                return Some(run);
            }
            if Instant::now() >= deadline {
                return None;
            }
        }
    }
}
