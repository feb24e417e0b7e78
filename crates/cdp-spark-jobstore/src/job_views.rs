//! The jobs listing's read (`JobStorePort::job_views`): the jobs of a
//! group (or all), one page of them or every one, their triggers and their
//! last runs. A statement counts the jobs, one reads the page of jobs, one
//! per 100 jobs their triggers (all the group's at once without a page),
//! and one per 100 jobs their runs: a `UNION ALL` of one `ORDER BY …
//! LIMIT n` per job, each a range of the runs' job index
//! (`CDP_R_JOB_FIRE`: sched, group, name, actual fire time), so that it
//! reads `n` rows per job whatever the history holds.

use std::collections::{HashMap, HashSet};

use cdp_spark_domain::model::{JobKey, JobView, RunRecord, TriggerDefinition};
use cdp_spark_domain::ports::StoreError;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::connection::AnyConnection;
use crate::error::DbError;
use crate::job_data::JOB_CLASS_NAME;
use crate::rows::{job_from_row, run_from_row, trigger_from_row};
use crate::sql::{aliased, per_chunk, query_once, JobRow, RunRow, TriggerRow, RUN_COLUMNS};
use crate::store::{Access, DieselJobStore, Inner};

/// Jobs per runs or triggers statement: three (one) bound values each,
/// far below SQLite's 32766 and MySQL's 65535, and within SQLite's 500
/// terms of a compound select.
const JOBS_PER_STATEMENT: usize = 100;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt, column_name = "N")]
    n: i64,
}

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

/// The jobs (a page of them) and how many the group has.
fn jobs_of(
    conn: &mut AnyConnection,
    inner: &Inner,
    group: Option<&str>,
    page: Option<(u64, u64)>,
) -> Result<(u64, Vec<JobRow>), DbError> {
    let group_clause = if group.is_some() {
        " AND JOB_GROUP = ?"
    } else {
        ""
    };
    let page_clause = if page.is_some() {
        " LIMIT ? OFFSET ?"
    } else {
        ""
    };
    let select = format!(
        "SELECT {} FROM {}JOB_DETAILS WHERE SCHED_NAME = ? AND JOB_CLASS_NAME = ?{group_clause} \
         ORDER BY JOB_GROUP, JOB_NAME{page_clause}",
        crate::sql::job_columns(inner.backend, ""),
        inner.prefix
    );
    let mut q = query_once(&select)
        .bind::<Text, _>(&inner.sched)
        .bind::<Text, _>(JOB_CLASS_NAME);
    if let Some(g) = group {
        q = q.bind::<Text, _>(g);
    }
    if let Some((offset, limit)) = page {
        q = q
            .bind::<BigInt, _>(i64::try_from(limit).unwrap_or(i64::MAX))
            .bind::<BigInt, _>(i64::try_from(offset).unwrap_or(i64::MAX));
    }
    let rows: Vec<JobRow> = q.load(conn)?;
    let total = match page {
        None => rows.len() as u64,
        Some(_) => {
            let count = format!(
                "SELECT COUNT(*) AS N FROM {}JOB_DETAILS WHERE SCHED_NAME = ? \
                 AND JOB_CLASS_NAME = ?{group_clause}",
                inner.prefix
            );
            let mut q = query_once(&count)
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(JOB_CLASS_NAME);
            if let Some(g) = group {
                q = q.bind::<Text, _>(g);
            }
            let counted: Vec<Count> = q.load(conn)?;
            counted
                .first()
                .map_or(0, |c| u64::try_from(c.n).unwrap_or(0))
        }
    };
    Ok((total, rows))
}

impl DieselJobStore {
    pub(crate) async fn load_job_views(
        &self,
        group: Option<String>,
        runs_per_job: u64,
        page: Option<(u64, u64)>,
    ) -> Result<(u64, Vec<JobView>), StoreError> {
        let per_job = runs_per_job.max(1);
        self.with_conn("job_views", Access::Read, move |conn, inner| {
            let (total, rows) = jobs_of(conn, inner, group.as_deref(), page)?;
            let jobs = rows
                .into_iter()
                .map(job_from_row)
                .collect::<Result<Vec<_>, _>>()?;
            let keys: HashSet<&JobKey> = jobs.iter().map(|j| &j.key).collect();
            let mut trigger_rows: Vec<TriggerRow> = Vec::new();
            if page.is_none() {
                let mut text = inner.sql.triggers_of_sched.clone();
                if group.is_some() {
                    text.push_str(" AND t.JOB_GROUP = ?");
                }
                let mut q = query_once(&text).bind::<Text, _>(&inner.sched);
                if let Some(g) = &group {
                    q = q.bind::<Text, _>(g);
                }
                trigger_rows = q.load(conn)?;
            } else {
                let names: Vec<String> = jobs
                    .iter()
                    .map(|j| j.key.name.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                per_chunk(
                    &names,
                    JOBS_PER_STATEMENT,
                    &[&inner.sched],
                    |list| format!("{} AND t.JOB_NAME IN ({list})", inner.sql.triggers_of_sched),
                    |q, _| {
                        trigger_rows.extend(q.load::<TriggerRow>(conn)?);
                        Ok(())
                    },
                )?;
            }
            let mut triggers_of: HashMap<JobKey, Vec<TriggerDefinition>> = HashMap::new();
            for row in trigger_rows {
                let t = trigger_from_row(row)?;
                if keys.contains(&t.job_key) {
                    triggers_of.entry(t.job_key.clone()).or_default().push(t);
                }
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
            drop(keys);
            let views = jobs
                .into_iter()
                .map(|job| {
                    let mut triggers = triggers_of.remove(&job.key).unwrap_or_default();
                    triggers.sort_by(|a, b| {
                        (&a.key.group, &a.key.name).cmp(&(&b.key.group, &b.key.name))
                    });
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
                .collect();
            Ok((total, views))
        })
        .await
    }
}
