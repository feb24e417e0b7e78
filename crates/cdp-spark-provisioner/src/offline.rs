//! A job store for commands that must not need one (offline `validate`):
//! every call answers that no store is configured.

use async_trait::async_trait;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, RunFilter, RunRecord, TriggerDefinition, TriggerKey,
};
use cdp_spark_domain::ports::{JobStorePort, ReplaceOutcome, StoreError};

pub struct OfflineJobStore;

fn offline() -> StoreError {
    StoreError::Unavailable("this command runs offline, without a job store".into())
}

#[async_trait]
impl JobStorePort for OfflineJobStore {
    async fn replace_job(
        &self,
        _job: &JobDefinition,
        _trigger: Option<TriggerDefinition>,
    ) -> Result<ReplaceOutcome, StoreError> {
        Err(offline())
    }
    async fn delete_job(&self, _key: &JobKey) -> Result<bool, StoreError> {
        Err(offline())
    }
    async fn get_job(&self, _key: &JobKey) -> Result<Option<JobDefinition>, StoreError> {
        Err(offline())
    }
    async fn list_jobs(&self, _group: Option<String>) -> Result<Vec<JobDefinition>, StoreError> {
        Err(offline())
    }
    async fn add_trigger(&self, _trigger: &TriggerDefinition) -> Result<bool, StoreError> {
        Err(offline())
    }
    async fn get_trigger(
        &self,
        _key: &TriggerKey,
    ) -> Result<Option<TriggerDefinition>, StoreError> {
        Err(offline())
    }
    async fn triggers_of_job(&self, _key: &JobKey) -> Result<Vec<TriggerDefinition>, StoreError> {
        Err(offline())
    }
    async fn get_run(&self, _run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        Err(offline())
    }
    async fn list_runs(&self, _filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        Err(offline())
    }
    async fn ping(&self) -> Result<(), StoreError> {
        Err(offline())
    }
}
