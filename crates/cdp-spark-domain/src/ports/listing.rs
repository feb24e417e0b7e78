//! The defaults of the jobs listing's reads (`JobStorePort::job_latest`,
//! `JobStorePort::job_views_of`), job by job through the port's other
//! methods; stores on a database answer with a few statements.

use chrono::{DateTime, Utc};

use super::{JobStorePort, StoreError};
use crate::model::{JobKey, JobLatest, JobView, RunFilter};

/// The instant after every fire time: runs scheduled up to it.
fn far_future() -> DateTime<Utc> {
    DateTime::<Utc>::MAX_UTC
}

pub(super) async fn job_latest<S: JobStorePort + ?Sized>(
    store: &S,
    group: Option<String>,
) -> Result<Vec<JobLatest>, StoreError> {
    let mut out = Vec::new();
    for job in store.list_jobs(group).await? {
        let triggers = store.triggers_of_job(&job.key).await?;
        let latest_state = store
            .list_runs(&RunFilter {
                job: Some(job.key.clone()),
                limit: 1,
                ..RunFilter::default()
            })
            .await?
            .first()
            .map(|r| r.state);
        let mut ran_since_previous = Vec::new();
        for t in &triggers {
            let Some(previous) = t.previous_fire_time else {
                continue;
            };
            let runs = store
                .runs_scheduled_between(&job.key, previous, far_future(), usize::MAX)
                .await?;
            if runs.iter().any(|r| r.trigger_key == t.key) {
                ran_since_previous.push(t.key.clone());
            }
        }
        out.push(JobLatest {
            key: job.key,
            triggers,
            latest_state,
            ran_since_previous,
        });
    }
    Ok(out)
}

pub(super) async fn job_views_of<S: JobStorePort + ?Sized>(
    store: &S,
    keys: Vec<JobKey>,
    runs_per_job: u64,
) -> Result<Vec<JobView>, StoreError> {
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        let Some(job) = store.get_job(&key).await? else {
            continue;
        };
        let triggers = store.triggers_of_job(&key).await?;
        let last_runs = store
            .list_runs(&RunFilter {
                job: Some(key),
                limit: runs_per_job.max(1),
                ..RunFilter::default()
            })
            .await?;
        out.push(JobView {
            job,
            triggers,
            last_runs,
        });
    }
    Ok(out)
}
