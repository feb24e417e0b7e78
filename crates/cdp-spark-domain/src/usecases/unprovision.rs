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
    /// the job and its triggers; with `removeData: true` also the job's
    /// ended runs and their stored logs (`false` keeps them, for audit).
    /// Idempotent: nothing to delete is success.
    pub async fn unprovision(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<ProvisioningStatus, UseCaseError> {
        let descriptor = self
            .check_descriptor_to_remove(request)
            .map_err(UseCaseError::Invalid)?;
        self.unprovision_descriptor(descriptor, request.remove_data)
            .await
    }

    /// Unprovision a descriptor that passed
    /// [`Self::check_descriptor_to_remove`]: delete its job and triggers,
    /// and with `remove_data` its ended runs and their stored logs (also
    /// when the job itself was removed earlier with `removeData: false`).
    pub async fn unprovision_descriptor(
        &self,
        descriptor: ComponentDescriptor,
        remove_data: bool,
    ) -> Result<ProvisioningStatus, UseCaseError> {
        let started = Instant::now();
        let key = job_definition(&descriptor).key;
        let existed = self.store.delete_job(&key).await?;
        let history = match (&self.history, remove_data) {
            (Some(history), true) => Some(history.delete_run_history(&key).await?),
            _ => None,
        };
        info!(
            component = %descriptor.component.id,
            job = %key,
            existed,
            remove_data,
            runs_removed = history.map(|h| h.runs),
            logs_removed = history.map(|h| h.logs),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "unprovision: done"
        );
        let job = if existed {
            format!("Job {key} and its triggers were removed")
        } else {
            format!("Nothing to remove: no job {key} was provisioned")
        };
        let data = match (remove_data, history) {
            (false, _) => {
                "its run history and stored logs are kept for audit (removeData: false)".to_string()
            }
            (true, None) => {
                "removeData: true, but this provisioner keeps no run history to remove".to_string()
            }
            (true, Some(h)) => {
                let mut text = format!(
                    "removeData: true: {} ended run(s) and {} stored log(s) were deleted",
                    h.runs, h.logs
                );
                if h.kept_in_flight > 0 {
                    text.push_str(&format!(
                        "; {} run(s) still in flight were kept (unprovision again once they end to remove them)",
                        h.kept_in_flight
                    ));
                }
                text
            }
        };
        let result = format!("{job}; {data}");
        let mut steps = Steps::new(self.validator.clock.clone());
        steps.info(PHASE_VALIDATE, format!("descriptor checked: job {key}"));
        steps.info(PHASE_STORE, result.clone());
        let mut status = ProvisioningStatus::completed(result, None);
        status.logs = Some(steps.into_logs(&self.redactor));
        Ok(status)
    }
}
