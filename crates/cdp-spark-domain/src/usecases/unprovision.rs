use std::time::Instant;

use tracing::info;

use super::errors::UseCaseError;
use super::jobs::job_definition;
use super::Provisioner;
use crate::api::{ProvisioningRequest, ProvisioningStatus};

impl Provisioner {
    /// `POST /v1/unprovision`: descriptor rules only (no HDFS), then delete
    /// the job and its triggers. Idempotent: nothing to delete is success.
    pub async fn unprovision(
        &self,
        request: &ProvisioningRequest,
    ) -> Result<ProvisioningStatus, UseCaseError> {
        let started = Instant::now();
        let descriptor = self
            .check_descriptor(request)
            .map_err(UseCaseError::Invalid)?;
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
        Ok(ProvisioningStatus::completed(result, None))
    }
}
