//! The jobs listing's reads. First what the filters look at of every job
//! of a group (`JobStorePort::job_latest`), no runs loaded: one statement
//! reads the jobs in key order, each with its latest run's state (a
//! correlated `ORDER BY … LIMIT 1` on the runs' index `CDP_R_JOB_LATEST`:
//! sched, group, name, actual fire time, run id: one index probe per job),
//! one the group's triggers, one which triggers ran for their previous
//! fire time (`EXISTS` on `CDP_R_JOB_SCHED`: sched, group, name,
//! scheduled fire time). Then the page's jobs (`job_views_of`, or a page
//! by offset in `job_views`): the jobs, one statement per 100 jobs their
//! triggers, and one per 100 jobs their runs: a `UNION ALL` of one `ORDER
//! BY … LIMIT n` per job on the same index, so that it reads `n` rows per
//! job whatever the history holds. `existing_jobs` too.

use std::collections::{BTreeSet, HashMap, HashSet};

use cdp_spark_domain::model::{
    JobDefinition, JobKey, JobLatest, JobView, RunRecord, RunState, TriggerDefinition, TriggerKey,
};
use cdp_spark_domain::ports::StoreError;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::connection::AnyConnection;
use crate::error::DbError;
use crate::job_data::JOB_CLASS_NAME;
use crate::rows::{job_from_row, run_from_row, trigger_from_row};
use crate::sql::{
    aliased, per_chunk, query_once, JobRow, OwnerRow, RunRow, TriggerRow, RUN_COLUMNS,
};
use crate::store::{Access, DieselJobStore, Inner, EXISTING_JOBS_CHUNK};

/// Jobs per runs or triggers statement: three (one) bound values each,
/// far below SQLite's 32766 and MySQL's 65535, and within SQLite's 500
/// terms of a compound select.
const JOBS_PER_STATEMENT: usize = 100;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt, column_name = "N")]
    n: i64,
}

/// A job's key and its latest run's state.
#[derive(QueryableByName)]
struct LatestRow {
    #[diesel(sql_type = Text, column_name = "JOB_NAME")]
    job_name: String,
    #[diesel(sql_type = Text, column_name = "JOB_GROUP")]
    job_group: String,
    #[diesel(sql_type = Nullable<Text>, column_name = "LATEST_STATE")]
    latest_state: Option<String>,
}

/// A trigger's key.
#[derive(QueryableByName)]
struct TriggerKeyRow {
    #[diesel(sql_type = Text, column_name = "TRIGGER_NAME")]
    trigger_name: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_GROUP")]
    trigger_group: String,
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

/// The distinct names of `keys`, for `JOB_NAME IN (…)` (groups matched after).
fn names_of<'k>(keys: impl Iterator<Item = &'k JobKey>) -> Vec<String> {
    keys.map(|k| k.name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Every trigger of the group (or of every group), by job.
fn triggers_of_group(
    conn: &mut AnyConnection,
    inner: &Inner,
    group: Option<&str>,
) -> Result<HashMap<JobKey, Vec<TriggerDefinition>>, DbError> {
    let mut text = inner.sql.triggers_of_sched.clone();
    if group.is_some() {
        text.push_str(" AND t.JOB_GROUP = ?");
    }
    let mut q = query_once(&text).bind::<Text, _>(&inner.sched);
    if let Some(g) = group {
        q = q.bind::<Text, _>(g);
    }
    by_job(q.load(conn)?, None)
}

/// The triggers of `jobs`, by job: 100 job names a statement.
fn triggers_of_jobs(
    conn: &mut AnyConnection,
    inner: &Inner,
    jobs: &[JobDefinition],
) -> Result<HashMap<JobKey, Vec<TriggerDefinition>>, DbError> {
    let keys: HashSet<&JobKey> = jobs.iter().map(|j| &j.key).collect();
    let names = names_of(jobs.iter().map(|j| &j.key));
    let mut rows: Vec<TriggerRow> = Vec::new();
    per_chunk(
        &names,
        JOBS_PER_STATEMENT,
        &[&inner.sched],
        |list| format!("{} AND t.JOB_NAME IN ({list})", inner.sql.triggers_of_sched),
        |q, _| {
            rows.extend(q.load::<TriggerRow>(conn)?);
            Ok(())
        },
    )?;
    by_job(rows, Some(&keys))
}

/// Trigger rows by job (only `keys`' jobs when given), each job's in key order.
fn by_job(
    rows: Vec<TriggerRow>,
    keys: Option<&HashSet<&JobKey>>,
) -> Result<HashMap<JobKey, Vec<TriggerDefinition>>, DbError> {
    let mut out: HashMap<JobKey, Vec<TriggerDefinition>> = HashMap::new();
    for row in rows {
        let t = trigger_from_row(row)?;
        if keys.is_none_or(|k| k.contains(&t.job_key)) {
            out.entry(t.job_key.clone()).or_default().push(t);
        }
    }
    for triggers in out.values_mut() {
        triggers.sort_by(|a, b| (&a.key.group, &a.key.name).cmp(&(&b.key.group, &b.key.name)));
    }
    Ok(out)
}

/// The jobs with their triggers and last `per_job` runs (newest first).
fn views_of(
    conn: &mut AnyConnection,
    inner: &Inner,
    jobs: Vec<JobDefinition>,
    mut triggers_of: HashMap<JobKey, Vec<TriggerDefinition>>,
    per_job: u64,
) -> Result<Vec<JobView>, DbError> {
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
}

/// The group's jobs in key order with their latest run's state.
fn latest_states(
    conn: &mut AnyConnection,
    inner: &Inner,
    group: Option<&str>,
) -> Result<Vec<(JobKey, Option<RunState>)>, DbError> {
    let text = format!(
        "SELECT j.JOB_NAME AS JOB_NAME, j.JOB_GROUP AS JOB_GROUP, \
         (SELECT r.STATE FROM {p}{runs} r WHERE r.SCHED_NAME = j.SCHED_NAME \
         AND r.JOB_GROUP = j.JOB_GROUP AND r.JOB_NAME = j.JOB_NAME \
         ORDER BY r.ACTUAL_FIRE_TIME DESC, r.RUN_ID DESC LIMIT 1) AS LATEST_STATE \
         FROM {p}JOB_DETAILS j WHERE j.SCHED_NAME = ? AND j.JOB_CLASS_NAME = ?{g} \
         ORDER BY j.JOB_GROUP, j.JOB_NAME",
        p = inner.prefix,
        runs = crate::ddl::RUNS_TABLE,
        g = if group.is_some() {
            " AND j.JOB_GROUP = ?"
        } else {
            ""
        },
    );
    let mut q = query_once(&text)
        .bind::<Text, _>(&inner.sched)
        .bind::<Text, _>(JOB_CLASS_NAME);
    if let Some(g) = group {
        q = q.bind::<Text, _>(g);
    }
    let rows: Vec<LatestRow> = q.load(conn)?;
    rows.into_iter()
        .map(|r| {
            let state = match r.latest_state {
                None => None,
                Some(text) => Some(RunState::parse(&text).ok_or_else(|| {
                    DbError::corrupt(format!(
                        "a run of job {}.{} has the unknown state '{text}'",
                        r.job_group, r.job_name
                    ))
                })?),
            };
            Ok((JobKey::new(r.job_group, r.job_name), state))
        })
        .collect()
}

/// The group's triggers of which a run is recorded for the trigger's
/// previous fire time or later.
fn ran_since_previous(
    conn: &mut AnyConnection,
    inner: &Inner,
    group: Option<&str>,
) -> Result<HashSet<TriggerKey>, DbError> {
    let text = format!(
        "SELECT t.TRIGGER_NAME AS TRIGGER_NAME, t.TRIGGER_GROUP AS TRIGGER_GROUP \
         FROM {p}TRIGGERS t WHERE t.SCHED_NAME = ?{g} AND t.PREV_FIRE_TIME > 0 \
         AND EXISTS (SELECT 1 FROM {p}{runs} r WHERE r.SCHED_NAME = t.SCHED_NAME \
         AND r.JOB_GROUP = t.JOB_GROUP AND r.JOB_NAME = t.JOB_NAME \
         AND r.SCHEDULED_FIRE_TIME >= t.PREV_FIRE_TIME \
         AND r.TRIGGER_NAME = t.TRIGGER_NAME AND r.TRIGGER_GROUP = t.TRIGGER_GROUP)",
        p = inner.prefix,
        runs = crate::ddl::RUNS_TABLE,
        g = if group.is_some() {
            " AND t.JOB_GROUP = ?"
        } else {
            ""
        },
    );
    let mut q = query_once(&text).bind::<Text, _>(&inner.sched);
    if let Some(g) = group {
        q = q.bind::<Text, _>(g);
    }
    let rows: Vec<TriggerKeyRow> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| TriggerKey::new(r.trigger_group, r.trigger_name))
        .collect())
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
            let triggers = match page {
                None => triggers_of_group(conn, inner, group.as_deref())?,
                Some(_) => triggers_of_jobs(conn, inner, &jobs)?,
            };
            Ok((total, views_of(conn, inner, jobs, triggers, per_job)?))
        })
        .await
    }

    pub(crate) async fn load_job_latest(
        &self,
        group: Option<String>,
    ) -> Result<Vec<JobLatest>, StoreError> {
        self.with_conn("job_latest", Access::Read, move |conn, inner| {
            let states = latest_states(conn, inner, group.as_deref())?;
            let mut triggers_of = triggers_of_group(conn, inner, group.as_deref())?;
            let ran = ran_since_previous(conn, inner, group.as_deref())?;
            Ok(states
                .into_iter()
                .map(|(key, latest_state)| {
                    let triggers = triggers_of.remove(&key).unwrap_or_default();
                    let ran_since_previous = triggers
                        .iter()
                        .filter(|t| ran.contains(&t.key))
                        .map(|t| t.key.clone())
                        .collect();
                    JobLatest {
                        key,
                        triggers,
                        latest_state,
                        ran_since_previous,
                    }
                })
                .collect())
        })
        .await
    }

    pub(crate) async fn load_job_views_of(
        &self,
        keys: Vec<JobKey>,
        runs_per_job: u64,
    ) -> Result<Vec<JobView>, StoreError> {
        let per_job = runs_per_job.max(1);
        self.with_conn("job_views_of", Access::Read, move |conn, inner| {
            let wanted: HashSet<&JobKey> = keys.iter().collect();
            let names = names_of(keys.iter());
            let mut found: HashMap<JobKey, JobDefinition> = HashMap::new();
            per_chunk(
                &names,
                JOBS_PER_STATEMENT,
                &[inner.sched.as_str(), JOB_CLASS_NAME],
                |list| {
                    format!(
                        "SELECT {} FROM {}JOB_DETAILS WHERE SCHED_NAME = ? \
                         AND JOB_CLASS_NAME = ? AND JOB_NAME IN ({list})",
                        crate::sql::job_columns(inner.backend, ""),
                        inner.prefix
                    )
                },
                |q, _| {
                    for row in q.load::<JobRow>(conn)? {
                        let job = job_from_row(row)?;
                        if wanted.contains(&job.key) {
                            found.insert(job.key.clone(), job);
                        }
                    }
                    Ok(())
                },
            )?;
            let jobs: Vec<JobDefinition> = keys.iter().filter_map(|k| found.remove(k)).collect();
            let triggers = triggers_of_jobs(conn, inner, &jobs)?;
            views_of(conn, inner, jobs, triggers, per_job)
        })
        .await
    }

    /// One statement for up to [`EXISTING_JOBS_CHUNK`] distinct job names:
    /// `JOB_NAME IN (…)` on the primary key's prefix (an index range on
    /// both backends), the groups matched here.
    pub(crate) async fn load_existing_jobs(
        &self,
        keys: &[JobKey],
    ) -> Result<BTreeSet<JobKey>, StoreError> {
        let wanted: BTreeSet<JobKey> = keys.iter().cloned().collect();
        if wanted.is_empty() {
            return Ok(BTreeSet::new());
        }
        let names: Vec<String> = wanted
            .iter()
            .map(|k| k.name.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        self.with_conn("existing_jobs", Access::Read, move |conn, inner| {
            let mut found = BTreeSet::new();
            per_chunk(
                &names,
                EXISTING_JOBS_CHUNK,
                &[&inner.sched],
                |list| {
                    format!(
                        "SELECT JOB_NAME AS JOB_NAME, JOB_GROUP AS JOB_GROUP FROM {}JOB_DETAILS \
                         WHERE SCHED_NAME = ? AND JOB_NAME IN ({list})",
                        inner.prefix
                    )
                },
                |q, _| {
                    let rows: Vec<OwnerRow> = q.load(conn)?;
                    found.extend(
                        rows.into_iter()
                            .map(|r| JobKey::new(r.job_group, r.job_name))
                            .filter(|k| wanted.contains(k)),
                    );
                    Ok(())
                },
            )?;
            Ok(found)
        })
        .await
    }
}
