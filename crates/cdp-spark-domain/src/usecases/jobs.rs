//! From descriptor to job and trigger, the job status queries and the
//! manual trigger.

use chrono::{DateTime, Duration, Utc};
use tracing::info;

use super::errors::UseCaseError;
use super::Provisioner;
use crate::descriptor::{ComponentDescriptor, Schedule};
use crate::issues::Issue;
use crate::model::{
    JobDefinition, JobKey, JobView, MisfireInstruction, RunFilter, RunRecord, TriggerDefinition,
    TriggerKey, TriggerSchedule, TriggerState,
};

/// How many runs a job view shows.
pub const LAST_RUNS_SHOWN: u64 = 10;

/// The Quartz job of a descriptor: key (data product id, jobName) and the
/// Spark application to launch ([`ComponentDescriptor::job_definition`]).
pub fn job_definition(descriptor: &ComponentDescriptor) -> JobDefinition {
    descriptor.job_definition()
}

/// First fire time of a schedule at or after `max(startDate, now)`, before
/// `endDate`: Quartz computes a cron trigger's first fire as the first time
/// after `startTime - 1 s`.
pub fn first_fire_time(schedule: &Schedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let from = match schedule.start_date {
        Some(start) if start > now => start - Duration::seconds(1),
        _ => now,
    };
    let next = schedule.cron.next_after(from, schedule.time_zone)?;
    match schedule.end_date {
        Some(end) if next > end => None,
        _ => Some(next),
    }
}

/// The scheduled (cron) trigger of a descriptor, `None` without a schedule.
/// An issue when the schedule has no fire time left after `now`.
pub fn scheduled_trigger(
    descriptor: &ComponentDescriptor,
    now: DateTime<Utc>,
) -> Result<Option<TriggerDefinition>, Issue> {
    let Some(schedule) = &descriptor.component.specific.job_config.schedule else {
        return Ok(None);
    };
    let job = job_definition(descriptor);
    let Some(next) = first_fire_time(schedule, now) else {
        return Err(Issue::new(
            descriptor.component_field("specific.jobConfig.schedule"),
            format!(
                "the schedule '{}' has no fire time after now ({}){}",
                schedule.cron.as_str(),
                now.format("%Y-%m-%dT%H:%M:%SZ"),
                schedule
                    .end_date
                    .map(|e| format!(" and before endDate {}", e.format("%Y-%m-%dT%H:%M:%SZ")))
                    .unwrap_or_default()
            ),
            "Move endDate into the future or change cronExpression so that the job runs at least once more",
        ));
    };
    Ok(Some(TriggerDefinition {
        key: job.key.scheduled_trigger_key(),
        job_key: job.key.clone(),
        schedule: TriggerSchedule::Cron {
            cron_expression: schedule.cron.clone(),
            time_zone: schedule.time_zone,
            start_time: schedule.start_date.unwrap_or(now),
            end_time: schedule.end_date,
        },
        next_fire_time: Some(next),
        previous_fire_time: None,
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    }))
}

/// A one-shot trigger created by `POST …/jobs/{group}/{name}/trigger`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualTrigger {
    pub trigger: TriggerDefinition,
}

impl Provisioner {
    /// A job with its triggers and last runs, as it may be shown: secrets
    /// in its conf, arguments and locations, and in its runs' errors,
    /// redacted ([`crate::redact::Redactor::job`]).
    pub async fn job_view(&self, key: &JobKey) -> Result<JobView, UseCaseError> {
        let job = self
            .store
            .get_job(key)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("no job {key} is provisioned")))?;
        let triggers = self.store.triggers_of_job(key).await?;
        let last_runs = self
            .store
            .list_runs(&RunFilter {
                job: Some(key.clone()),
                limit: LAST_RUNS_SHOWN,
                ..RunFilter::default()
            })
            .await?;
        Ok(JobView {
            job: self.redactor.job(job),
            triggers,
            last_runs: last_runs
                .into_iter()
                .map(|r| self.redactor.run(r))
                .collect(),
        })
    }

    pub async fn trigger(&self, key: &TriggerKey) -> Result<TriggerDefinition, UseCaseError> {
        self.store
            .get_trigger(key)
            .await?
            .ok_or_else(|| UseCaseError::NotFound(format!("no trigger {key} exists")))
    }

    /// A run, its error redacted.
    pub async fn run(&self, run_id: &str) -> Result<RunRecord, UseCaseError> {
        self.store
            .get_run(run_id)
            .await?
            .map(|r| self.redactor.run(r))
            .ok_or_else(|| UseCaseError::NotFound(format!("no run {run_id} exists")))
    }

    /// Runs, their errors redacted.
    pub async fn runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, UseCaseError> {
        Ok(self
            .store
            .list_runs(filter)
            .await?
            .into_iter()
            .map(|r| self.redactor.run(r))
            .collect())
    }

    /// Start the job now: a one-shot trigger with immediate start, also for
    /// a job that has no trigger of its own.
    pub async fn trigger_now(&self, key: &JobKey) -> Result<ManualTrigger, UseCaseError> {
        let name = format!("manual-{}", uuid::Uuid::new_v4().simple());
        let trigger = self.one_shot(key, name);
        self.add_one_shot(key, &trigger).await?;
        info!(job = %key, trigger = %trigger.key, "manual trigger stored");
        Ok(ManualTrigger { trigger })
    }

    /// The run at provision of a job without a schedule
    /// (`jobConfig.runAtProvision`, `scheduler.run_unscheduled_at_provision`):
    /// the manual trigger's one-shot trigger, named after the job's
    /// definition (`provision-<fingerprint>`), so that two provisions of the
    /// same definition at once store it once (the second finds it there).
    /// Whether the definition changed is the caller's decision.
    pub(crate) async fn trigger_at_provision(
        &self,
        job: &JobDefinition,
    ) -> Result<TriggerKey, UseCaseError> {
        let name = format!("provision-{:016x}", definition_fingerprint(job));
        let trigger = self.one_shot(&job.key, name);
        match self.store.get_trigger(&trigger.key).await? {
            Some(_) => {
                info!(job = %job.key, trigger = %trigger.key, "run at provision already stored")
            }
            None => {
                self.add_one_shot(&job.key, &trigger).await?;
                info!(job = %job.key, trigger = %trigger.key, "run at provision stored");
            }
        }
        Ok(trigger.key)
    }

    fn one_shot(&self, key: &JobKey, name: String) -> TriggerDefinition {
        let now = self.validator.clock.now();
        TriggerDefinition {
            key: TriggerKey::new(key.group.clone(), name),
            job_key: key.clone(),
            schedule: TriggerSchedule::Once { start_time: now },
            next_fire_time: Some(now),
            previous_fire_time: None,
            state: TriggerState::Waiting,
            misfire_instruction: MisfireInstruction::FireOnceNow,
            priority: 5,
        }
    }

    async fn add_one_shot(
        &self,
        key: &JobKey,
        trigger: &TriggerDefinition,
    ) -> Result<(), UseCaseError> {
        if !self.store.add_trigger(trigger).await? {
            return Err(UseCaseError::NotFound(format!(
                "no job {key} is provisioned, so it cannot be started"
            )));
        }
        Ok(())
    }
}

/// A stable fingerprint of a job's definition (FNV-1a over its JSON): the
/// same definition gives the same value in every instance and release.
fn definition_fingerprint(job: &JobDefinition) -> u64 {
    let json = serde_json::to_vec(job).unwrap_or_default();
    json.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
