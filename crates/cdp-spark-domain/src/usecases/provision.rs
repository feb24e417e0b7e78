use std::time::Instant;

use tracing::info;

use super::errors::UseCaseError;
use super::info::provisioning_info;
use super::jobs::{job_definition, scheduled_trigger};
use super::steps::PHASE_STORE;
use super::Provisioner;
use crate::api::{ProvisioningRequest, ProvisioningStatus};
use crate::descriptor::ComponentDescriptor;
use crate::ports::ReplaceOutcome;

impl Provisioner {
    /// `POST /v1/provision`: validate everything, then store the job and its
    /// trigger, replacing what was there, in one transaction.
    pub async fn provision(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<ProvisioningStatus, UseCaseError> {
        let descriptor = self
            .check_descriptor(request)
            .map_err(UseCaseError::Invalid)?;
        self.provision_descriptor(descriptor).await
    }

    /// Provision a descriptor that passed [`Self::check_descriptor`]: the
    /// other rules (schedule, jar), then the job and its trigger stored.
    pub async fn provision_descriptor(
        &self,
        descriptor: ComponentDescriptor,
    ) -> Result<ProvisioningStatus, UseCaseError> {
        let started = Instant::now();
        let validated = self.validate_descriptor(descriptor).await?;
        let mut steps = validated.steps.clone();
        let descriptor = &validated.descriptor;
        let now = self.validator.clock.now();
        let job = job_definition(descriptor);
        let trigger =
            scheduled_trigger(descriptor, now).map_err(|i| UseCaseError::Invalid(i.into()))?;
        let run_at_provision = trigger.is_none()
            && descriptor
                .component
                .specific
                .job_config
                .run_at_provision
                .unwrap_or(self.validator.settings.run_unscheduled_at_provision);
        // A run at provision is for a job created or changed: the same
        // definition provisioned again (a Coordinator retry, a redeploy
        // with nothing changed for this component) starts none. A job that
        // had a schedule and loses it counts as changed.
        let unchanged = run_at_provision
            && self.store.get_job(&job.key).await?.as_ref() == Some(&job)
            && self
                .store
                .get_trigger(&job.key.scheduled_trigger_key())
                .await?
                .is_none();
        let outcome = self.store.replace_job(&job, trigger.clone()).await?;
        let run = match (run_at_provision, unchanged) {
            (true, false) => Some(self.trigger_at_provision(&job).await?),
            _ => None,
        };
        let verb = match outcome {
            ReplaceOutcome::Created => "created",
            ReplaceOutcome::Replaced => "replaced",
        };
        let result = match &trigger {
            Some(t) => format!(
                "Job {} {verb} with trigger {}; next run at {}",
                job.key,
                t.key,
                t.next_fire_time
                    .map(|n| n.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_else(|| "never".into())
            ),
            None => match (&run, unchanged) {
                (Some(t), _) => format!(
                    "Job {} {verb} without a schedule; one run started at provision (trigger {t})",
                    job.key
                ),
                (None, true) => format!(
                    "Job {} {verb} without a schedule, unchanged: no run started at provision \
                     (it ran when this definition was provisioned); start it with a manual trigger",
                    job.key
                ),
                (None, false) => format!(
                    "Job {} {verb} without a schedule; start it with a manual trigger",
                    job.key
                ),
            },
        };
        steps.info(
            PHASE_STORE,
            match &trigger {
                Some(t) => format!("job {} {verb}; trigger {} written", job.key, t.key),
                None => format!("job {} {verb}; no trigger (no schedule)", job.key),
            },
        );
        match (&run, unchanged) {
            (Some(t), _) => steps.info(
                PHASE_STORE,
                format!("run at provision: one-shot trigger {t} written"),
            ),
            (None, true) => steps.info(
                PHASE_STORE,
                "run at provision: the job is unchanged, no run started",
            ),
            (None, false) => {}
        }
        if let Some(t) = &trigger {
            steps.info(
                PHASE_STORE,
                match t.next_fire_time {
                    Some(n) => format!("next fire time: {}", n.to_rfc3339()),
                    None => "no next fire time: the schedule has none left".to_string(),
                },
            );
        }
        info!(
            component = %descriptor.component.id,
            job = %job.key,
            outcome = verb,
            scheduled = trigger.is_some(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "provision: done"
        );
        let info = provisioning_info(
            descriptor,
            &job,
            trigger.as_ref(),
            now,
            self.validator.settings.public_base_url.as_deref(),
        );
        let mut status = ProvisioningStatus::completed(result, Some(info));
        status.logs = Some(steps.into_logs(&self.redactor));
        Ok(status)
    }
}
