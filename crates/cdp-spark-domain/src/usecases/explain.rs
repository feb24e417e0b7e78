//! "Why didn't my job run?": the use case of
//! `GET /v1/scheduler/jobs/{group}/{name}/explain`. It reads the job's
//! scheduled trigger, its runs scheduled in the window and the repairs
//! recovery made, and asks [`crate::scheduling::explain`] for the answer.

use chrono::{DateTime, Utc};

use super::errors::UseCaseError;
use super::JobControl;
use crate::issues::{Issue, Issues};
use crate::model::JobKey;
use crate::scheduling::explain::{
    check_window, explain, ExplainError, ExplainInput, JobExplanation, MAX_RUNS,
};

impl JobControl {
    /// Every fire time of the job's schedule in `[from, to]` and what
    /// became of it, with the job's other runs in the window.
    pub async fn explain(
        &self,
        key: &JobKey,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<JobExplanation, UseCaseError> {
        check_window(from, to).map_err(window_error)?;
        let store = self.provisioner().store();
        if store.get_job(key).await?.is_none() {
            return Err(UseCaseError::NotFound(format!(
                "no job {key} is provisioned"
            )));
        }
        let trigger = store.get_trigger(&key.scheduled_trigger_key()).await?;
        let mut runs = store
            .runs_scheduled_between(key, from, to, MAX_RUNS + 1)
            .await?;
        let runs_truncated = runs.len() > MAX_RUNS;
        runs.truncate(MAX_RUNS);
        let redactor = self.provisioner().redactor();
        for run in &mut runs {
            run.error = run.error.as_deref().map(|e| redactor.text(e));
        }
        let repairs = store.trigger_repairs(key).await?;
        let now = self.provisioner().validator().clock().now();
        explain(&ExplainInput {
            job: key,
            trigger: trigger.as_ref(),
            runs: &runs,
            runs_truncated,
            repairs: &repairs,
            from,
            to,
            now,
            misfire_threshold: self.misfire_threshold(),
        })
        .map_err(window_error)
    }
}

fn window_error(e: ExplainError) -> UseCaseError {
    let ExplainError::Window(problem) = e;
    UseCaseError::Invalid(Issues::single(Issue::new(
        "",
        problem,
        "Give from and to as RFC 3339 instants, from before to",
    )))
}
