//! Controlling jobs: pause and resume (Quartz `PAUSED`), one job or every
//! job of a data product (or all), start now (with parameters) and wait
//! briefly for the run, rerun a run, backfill a window. Through the
//! [`SchedulerStorePort`], the job queries of [`Provisioner`] and, where
//! this instance runs the scheduler engine, the [`EnginePort`].
//!
//! A manual run with parameters, a rerun and a backfill's runs are stored
//! `QUEUED` and started by the next acquisition of any instance
//! ([`crate::scheduling::queued`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::info;

use super::errors::UseCaseError;
use super::Provisioner;
use crate::api::JobStatusView;
use crate::issues::{Issue, Issues};
use crate::model::{
    BackfillAccepted, BackfillSlot, JobKey, JobPause, JobsPause, ManualTriggerAccepted,
    RerunAccepted, RunFilter, RunRecord, RunState, TriggerKey, TriggerSchedule,
};
use crate::ports::{EnginePort, SchedulerStorePort};
use crate::scheduling::backfill::{self, queued_run, BackfillRequest};
use crate::scheduling::run_parameters::RunParameters;
use crate::scheduling::{BACKFILL_TRIGGER_PREFIX, RERUN_TRIGGER_PREFIX};

/// The default of `scheduler.backfill_max_runs`: most runs one backfill
/// creates.
pub const DEFAULT_BACKFILL_MAX_RUNS: usize = 1000;

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
    /// The scheduler's misfire threshold (what "late" means to explain).
    misfire_threshold: chrono::Duration,
    backfill_max_runs: usize,
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

fn invalid(field: &str, problem: impl Into<String>, hint: impl Into<String>) -> UseCaseError {
    UseCaseError::Invalid(Issues::single(Issue::new(field, problem, hint)))
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
            misfire_threshold: chrono::Duration::seconds(60),
            backfill_max_runs: DEFAULT_BACKFILL_MAX_RUNS,
        }
    }

    /// The scheduler's misfire threshold (`scheduler.misfire_threshold_secs`;
    /// 60 s unless set), which explain uses to tell late from due.
    pub fn with_misfire_threshold(mut self, threshold: chrono::Duration) -> Self {
        self.misfire_threshold = threshold;
        self
    }

    pub fn misfire_threshold(&self) -> chrono::Duration {
        self.misfire_threshold
    }

    /// The job queries this control reads through.
    pub fn provisioner(&self) -> &Provisioner {
        &self.jobs
    }

    /// Most runs one backfill creates (`scheduler.backfill_max_runs`).
    pub fn with_backfill_max_runs(mut self, max: usize) -> Self {
        self.backfill_max_runs = max;
        self
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

    /// Pause or resume every job of the data product `data_product`, or
    /// every job with `None`, in one store transaction; a resume wakes this
    /// instance's engine. Queued runs of a paused job wait.
    pub async fn set_paused_all(
        &self,
        data_product: Option<String>,
        paused: bool,
    ) -> Result<JobsPause, UseCaseError> {
        let count = self
            .scheduler
            .set_jobs_paused(data_product.clone(), paused)
            .await?;
        if !paused && count.triggers > 0 {
            if let Some(engine) = &self.engine {
                engine.wake();
            }
        }
        let whose = match &data_product {
            Some(dp) => format!("the jobs of data product {dp}"),
            None => "all jobs".to_string(),
        };
        let message = match (paused, count.triggers) {
            (true, 0) => format!("Nothing changed: the triggers of {whose} were already paused (or there are none)"),
            (true, _) => format!("The triggers of {whose} are PAUSED: nothing of theirs fires, and their queued runs wait, until resumed"),
            (false, 0) => format!("Nothing changed: no trigger of {whose} was paused"),
            (false, _) => format!("The triggers of {whose} are WAITING again: they fire from their next fire time"),
        };
        info!(data_product = ?data_product, paused, jobs = count.jobs, triggers = count.triggers, "bulk pause state set");
        Ok(JobsPause {
            data_product,
            paused,
            jobs_changed: count.jobs,
            triggers_changed: count.triggers,
            message,
        })
    }

    /// Start the job now with `parameters` in place of its `args`/`conf`:
    /// without any (`None`, or neither part given) this is
    /// [`Self::start_now`]. With them the run is stored `QUEUED` at once
    /// (its id is in the answer) for the next acquisition to start; the
    /// answer waits up to the run wait for it to start here.
    pub async fn start_now_with(
        &self,
        key: &JobKey,
        parameters: Option<RunParameters>,
    ) -> Result<ManualTriggerAccepted, UseCaseError> {
        let Some(parameters) = parameters.filter(|p| !p.is_empty()) else {
            return self.start_now(key).await;
        };
        parameters
            .check(&self.jobs.settings().descriptor.conf_policy)
            .map_err(UseCaseError::Invalid)?;
        let now = self.jobs.validator.clock.now();
        let trigger_key = TriggerKey::new(key.group.clone(), format!("manual-{}", new_id()));
        let run = queued_run(
            new_id(),
            key,
            trigger_key.clone(),
            now,
            Some(parameters),
            None,
            now,
        );
        let run_id = run.run_id.clone();
        if !self.scheduler.queue_runs(key, &[run]).await? {
            return Err(UseCaseError::NotFound(format!(
                "no job {key} is provisioned, so it cannot be started"
            )));
        }
        info!(job = %key, run = %run_id, "manual run with parameters queued");
        let message = self.follow_queued(&run_id).await;
        Ok(ManualTriggerAccepted {
            job_key: key.clone(),
            trigger_key,
            start_time: now,
            run_id: Some(run_id),
            message,
        })
    }

    /// A new run of `run_id`'s job with the same nominal time
    /// (`scheduledFireTime`) and parameters, stored `QUEUED`. The
    /// parameters are checked again against today's conf policy.
    pub async fn rerun(&self, run_id: &str) -> Result<RerunAccepted, UseCaseError> {
        let original = self
            .jobs
            .store()
            .get_run(run_id)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("no run {run_id} exists")))?;
        if let Some(p) = &original.parameters {
            p.check(&self.jobs.settings().descriptor.conf_policy)
                .map_err(UseCaseError::Invalid)?;
        }
        let job = original.job_key.clone();
        let now = self.jobs.validator.clock.now();
        let run = queued_run(
            new_id(),
            &job,
            TriggerKey::new(
                job.group.clone(),
                format!("{RERUN_TRIGGER_PREFIX}{}", new_id()),
            ),
            original.scheduled_fire_time,
            original.parameters.clone(),
            None,
            now,
        );
        let new_run = run.run_id.clone();
        if !self.scheduler.queue_runs(&job, &[run]).await? {
            return Err(invalid(
                "runId",
                format!("the job {job} of run {run_id} is no longer provisioned, so the run cannot be repeated"),
                "provision the job again, then rerun the run",
            ));
        }
        info!(job = %job, run = %new_run, rerun_of = run_id, "rerun queued");
        let message = self.follow_queued(&new_run).await;
        Ok(RerunAccepted {
            run_id: new_run,
            rerun_of: original.run_id,
            job_key: job,
            scheduled_fire_time: original.scheduled_fire_time,
            message,
        })
    }

    /// One run per fire time of the job's schedule in the request's window,
    /// oldest first, at most `maxParallel` of them in flight at once
    /// (stored `QUEUED` with the backfill's id and cap); a dry run only
    /// lists the fire times. More than `scheduler.backfill_max_runs` fire
    /// times is refused with the count.
    pub async fn backfill(
        &self,
        key: &JobKey,
        request: &BackfillRequest,
    ) -> Result<BackfillAccepted, UseCaseError> {
        let now = self.jobs.validator.clock.now();
        request.check(now).map_err(UseCaseError::Invalid)?;
        let store = self.jobs.store();
        if store.get_job(key).await?.is_none() {
            return Err(UseCaseError::NotFound(format!(
                "no job {key} is provisioned"
            )));
        }
        let Some(trigger) = store.get_trigger(&key.scheduled_trigger_key()).await? else {
            return Err(invalid(
                "",
                format!("the job {key} has no schedule (or its schedule ended), so it has no fire times to backfill"),
                "start single runs with POST …/trigger; a job provisioned with a schedule can be backfilled",
            ));
        };
        let times = backfill::fire_times(
            &trigger.schedule,
            request.from,
            request.to,
            self.backfill_max_runs,
        )
        .map_err(|i| UseCaseError::Invalid(Issues::single(i)))?;
        let max_parallel = request.max_parallel();
        let mut answer = BackfillAccepted {
            job_key: key.clone(),
            backfill_id: None,
            dry_run: request.dry_run,
            max_parallel,
            fire_times: times.clone(),
            run_ids: Vec::new(),
            message: String::new(),
        };
        if request.dry_run || times.is_empty() {
            answer.message = format!(
                "{} fire time(s) in the window; {}",
                times.len(),
                if request.dry_run {
                    "dry run: nothing was created"
                } else {
                    "nothing to create"
                }
            );
            return Ok(answer);
        }
        let id = new_id();
        let slot = BackfillSlot {
            id: id.clone(),
            max_parallel,
        };
        let trigger_key =
            TriggerKey::new(key.group.clone(), format!("{BACKFILL_TRIGGER_PREFIX}{id}"));
        let runs: Vec<RunRecord> = times
            .iter()
            .map(|t| {
                queued_run(
                    new_id(),
                    key,
                    trigger_key.clone(),
                    *t,
                    None,
                    Some(slot.clone()),
                    now,
                )
            })
            .collect();
        if !self.scheduler.queue_runs(key, &runs).await? {
            return Err(UseCaseError::NotFound(format!(
                "no job {key} is provisioned"
            )));
        }
        if let Some(engine) = &self.engine {
            engine.wake();
        }
        info!(job = %key, backfill = %id, runs = runs.len(), max_parallel, "backfill queued");
        answer.backfill_id = Some(id);
        answer.run_ids = runs.into_iter().map(|r| r.run_id).collect();
        answer.message = format!(
            "{} run(s) queued, oldest first, at most {max_parallel} in flight at once; follow them with GET /v1/scheduler/runs?job={}/{}",
            answer.run_ids.len(), key.group, key.name
        );
        Ok(answer)
    }

    /// Wakes the engine and waits up to the run wait for the queued run to
    /// start; the answer's message says where it is.
    async fn follow_queued(&self, run_id: &str) -> String {
        let Some(engine) = &self.engine else {
            return format!("The run {run_id} is QUEUED, but this instance does not run the scheduler (scheduler.enabled = false): another provisioner instance on the same database starts it. Follow it with GET /v1/scheduler/runs/{run_id}.");
        };
        engine.wake();
        let deadline = Instant::now() + self.run_wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            engine.runs_changed(left).await;
            let state = self
                .jobs
                .store()
                .get_run(run_id)
                .await
                .ok()
                .flatten()
                .map(|r| r.state);
            match state {
                Some(s) if s != RunState::Queued => {
                    return format!("The run {run_id} is {}; follow it with GET /v1/scheduler/runs/{run_id}.", s.as_str())
                }
                _ if Instant::now() >= deadline => {
                    return format!("The run {run_id} is QUEUED: the scheduler starts it shortly. Follow it with GET /v1/scheduler/runs/{run_id}.")
                }
                _ => {}
            }
        }
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
