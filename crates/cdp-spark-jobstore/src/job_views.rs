//! The jobs listing's read (`JobStorePort::job_views`): every job of a
//! group (or all), their triggers and their last runs, in a statement for
//! the jobs, one for the triggers and one per chunk of jobs for the runs.
//! The runs' statement is a `UNION ALL` of one `ORDER BY … LIMIT n` per
//! job, each a range of the runs' job index (`CDP_R_JOB_FIRE`: sched,
//! group, name, actual fire time), so that it reads `n` rows per job
//! whatever the history holds.

use std::collections::HashMap;

use cdp_spark_domain::model::{JobKey, JobView, RunRecord, TriggerDefinition};
use cdp_spark_domain::ports::StoreError;
use diesel::sql_types::Text;
use diesel::RunQueryDsl;

use crate::job_data::JOB_CLASS_NAME;
use crate::rows::{job_from_row, run_from_row, trigger_from_row};
use crate::sql::{aliased, query, query_once, JobRow, RunRow, TriggerRow, RUN_COLUMNS};
use crate::store::{Access, DieselJobStore};

/// Jobs per runs statement: three bound values each, far below SQLite's
/// 32766 and MySQL's 65535.
const JOBS_PER_STATEMENT: usize = 100;

/// The runs statement of `jobs` jobs, `per_job` runs each.
fn last_runs_statement(prefix: &str, jobs: usize, per_job: u64) -> String {
    let columns = aliased(RUN_COLUMNS);
    (0..jobs)
        .map(|i| {
            format!(
                "SELECT * FROM (SELECT {columns} FROM {prefix}{table} \
                 WHERE SCHED_NAME = ? AND JOB_GROUP = ? AND JOB_NAME = ? \
                 ORDER BY ACTUAL_FIRE_TIME DESC, RUN_ID DESC LIMIT {per_job}) AS r{i}",
                table = crate::ddl::RUNS_TABLE
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

impl DieselJobStore {
    pub(crate) async fn load_job_views(
        &self,
        group: Option<String>,
        runs_per_job: u64,
    ) -> Result<Vec<JobView>, StoreError> {
        let per_job = runs_per_job.max(1);
        self.with_conn("job_views", Access::Read, move |conn, inner| {
            let (jobs, triggers): (Vec<JobRow>, Vec<TriggerRow>) = match &group {
                Some(g) => (
                    query(&inner.sql.jobs_select_group)
                        .bind::<Text, _>(&inner.sched)
                        .bind::<Text, _>(JOB_CLASS_NAME)
                        .bind::<Text, _>(g)
                        .load(conn)?,
                    query(&inner.sql.triggers_select_group)
                        .bind::<Text, _>(&inner.sched)
                        .bind::<Text, _>(g)
                        .load(conn)?,
                ),
                None => (
                    query(&inner.sql.jobs_select)
                        .bind::<Text, _>(&inner.sched)
                        .bind::<Text, _>(JOB_CLASS_NAME)
                        .load(conn)?,
                    query(&inner.sql.triggers_select)
                        .bind::<Text, _>(&inner.sched)
                        .load(conn)?,
                ),
            };
            let jobs = jobs
                .into_iter()
                .map(job_from_row)
                .collect::<Result<Vec<_>, _>>()?;
            let mut triggers_of: HashMap<JobKey, Vec<TriggerDefinition>> = HashMap::new();
            for row in triggers {
                let t = trigger_from_row(row)?;
                triggers_of.entry(t.job_key.clone()).or_default().push(t);
            }
            let mut runs_of: HashMap<JobKey, Vec<RunRecord>> = HashMap::new();
            for chunk in jobs.chunks(JOBS_PER_STATEMENT) {
                let text = last_runs_statement(&inner.prefix, chunk.len(), per_job);
                let mut q = query_once(&text);
                for job in chunk {
                    q = q
                        .bind::<Text, _>(&inner.sched)
                        .bind::<Text, _>(&job.key.group)
                        .bind::<Text, _>(&job.key.name);
                }
                let rows: Vec<RunRow> = q.load(conn)?;
                for row in rows {
                    let run = run_from_row(row)?;
                    runs_of.entry(run.job_key.clone()).or_default().push(run);
                }
            }
            Ok(jobs
                .into_iter()
                .map(|job| {
                    let triggers = triggers_of.remove(&job.key).unwrap_or_default();
                    let mut last_runs = runs_of.remove(&job.key).unwrap_or_default();
                    last_runs.sort_by(|a, b| {
                        (b.actual_fire_time, &b.run_id).cmp(&(a.actual_fire_time, &a.run_id))
                    });
                    JobView {
                        job,
                        triggers,
                        last_runs,
                    }
                })
                .collect())
        })
        .await
    }
}
