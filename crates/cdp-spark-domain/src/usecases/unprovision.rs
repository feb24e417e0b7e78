use std::time::Instant;

use tracing::info;

use super::errors::UseCaseError;
use super::jobs::job_definition;
use super::steps::{Steps, PHASE_STORE, PHASE_VALIDATE};
use super::Provisioner;
use crate::api::{ProvisioningRequest, ProvisioningStatus};
use crate::descriptor::{parse_request_to_remove, ComponentDescriptor};
use crate::issues::Issues;

impl Provisioner {
    /// The descriptor rules unprovisioning needs: the descriptor's own,
    /// without the operator's conf policy and the job store's sizes (a job
    /// provisioned before the policy changed can still be removed).
    pub fn check_descriptor_to_remove(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<ComponentDescriptor, Issues> {
        parse_request_to_remove(
            request.descriptor_kind,
            &request.descriptor,
            &self.validator.settings.descriptor,
        )
    }

    /// `POST /v1/unprovision`: descriptor rules only (no HDFS), then delete
    /// the job and its triggers. Idempotent: nothing to delete is success.
    pub async fn unprovision(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<ProvisioningStatus, UseCaseError> {
        let descriptor = self
            .check_descriptor_to_remove(request)
            .map_err(UseCaseError::Invalid)?;
        self.unprovision_descriptor(descriptor).await
    }

    /// Unprovision a descriptor that passed
    /// [`Self::check_descriptor_to_remove`]: delete its job and triggers.
    pub async fn unprovision_descriptor(
        &self,
        descriptor: ComponentDescriptor,
    ) -> Result<ProvisioningStatus, UseCaseError> {
        let started = Instant::now();
        let key = job_definition(&descriptor).key;
        let existed = self.store.delete_job(&key).await?;
        info!(
            component = %descriptor.component.id,
            job = %key,
            existed,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "unprovision: done"
        );
        let result = if existed {
            format!("Job {key} and its triggers were removed; its run history is kept")
        } else {
            format!("Nothing to remove: no job {key} was provisioned")
        };
        let mut steps = Steps::new(self.validator.clock.clone());
        steps.info(PHASE_VALIDATE, format!("descriptor checked: job {key}"));
        steps.info(PHASE_STORE, result.clone());
        let mut status = ProvisioningStatus::completed(result, None);
        status.logs = Some(steps.into_logs(&self.redactor));
        Ok(status)
    }
}
