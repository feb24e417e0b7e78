//! Queued runs and bulk pause on the store's side.
//!
//! - **Starting queued runs** ([`start_queued`]), called by the
//!   acquisition inside its transaction, under Quartz's `TRIGGER_ACCESS`
//!   lock: it reads the `QUEUED` runs (oldest nominal time first, those of
//!   a job with a paused trigger left waiting, those of a backfill at its
//!   cap left out), their jobs, the runs in flight they are judged against
//!   and each backfill's runs in flight, asks the domain's
//!   `scheduling::queued` plan, and writes it: `QUEUED` → `SUBMITTING`
//!   (checked: every row still `QUEUED`), the fired rows (`ACQUIRED`).
//!   Every instance acquires under the same lock, so a queued run starts
//!   once and a backfill's cap holds across instances and restarts.
//! - **Queueing** ([`queue_runs`]): the runs of one job in one transaction,
//!   under the same lock, only while the job exists.
//! - **Retries' origins**: the runs that due retry triggers repeat, read in
//!   the acquisition's transaction ([`retry_origins`]).
//! - **Pause and resume**, of one job ([`set_job_paused`]) or of every job
//!   of a group or all ([`set_jobs_paused`]).

use std::collections::{BTreeMap, HashMap};

use cdp_spark_domain::model::{JobDefinition, JobKey, RunRecord, TriggerKey};
use cdp_spark_domain::ports::{Fire, PausedCount, StoreError};
use cdp_spark_domain::scheduling::acquisition::DueTrigger;
use cdp_spark_domain::scheduling::queued::{
    backfills_of, guarded_jobs_of, plan_queued, QueuedPlan, QueuedRun,
};
use cdp_spark_domain::scheduling::{retried_run_id, RunOrigin};
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use tracing::warn;

use crate::connection::AnyConnection;
use crate::ddl::RUNS_TABLE;
use crate::error::DbError;
use crate::rows::run_from_row;
use crate::run_states::IN_FLIGHT;
use crate::scheduler::{insert_fired, upsert_runs};
use crate::sql::{load_job, per_chunk, query, query_once, RunRow};
use crate::store::Inner;

/// Rows per multi-row statement.
const CHUNK: usize = 100;

#[derive(Debug, QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Text, column_name = "BACKFILL_ID")]
    backfill_id: String,
    #[diesel(sql_type = BigInt, column_name = "N")]
    n: i64,
}

#[derive(Debug, QueryableByName)]
struct JobKeyRow {
    #[diesel(sql_type = Text, column_name = "JOB_GROUP")]
    job_group: String,
    #[diesel(sql_type = Text, column_name = "JOB_NAME")]
    job_name: String,
}

fn run_columns(alias: &str) -> String {
    crate::sql::RUN_COLUMNS
        .iter()
        .map(|c| format!("{alias}.{c} AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Starts what it may of the `QUEUED` runs (at most `limit`), judged with
/// the runs in flight and this acquisition's `fires`; answers the plan it
/// wrote (its fires to launch, its runs ended `SKIPPED`).
pub(crate) fn start_queued(
    conn: &mut AnyConnection,
    inner: &Inner,
    instance_id: &str,
    now: DateTime<Utc>,
    limit: usize,
    fires: &[Fire],
) -> Result<QueuedPlan, DbError> {
    let pre = &inner.prefix;
    let text = format!(
        "SELECT {} FROM {pre}{RUNS_TABLE} r WHERE r.SCHED_NAME = ? AND r.STATE = 'QUEUED' \
         AND NOT EXISTS (SELECT 1 FROM {pre}TRIGGERS t WHERE t.SCHED_NAME = r.SCHED_NAME \
         AND t.JOB_NAME = r.JOB_NAME AND t.JOB_GROUP = r.JOB_GROUP \
         AND t.TRIGGER_STATE IN ('PAUSED', 'PAUSED_BLOCKED')) \
         AND (r.BACKFILL_ID IS NULL OR r.BACKFILL_MAX_PARALLEL > (SELECT COUNT(*) FROM {pre}{RUNS_TABLE} f \
         WHERE f.SCHED_NAME = r.SCHED_NAME AND f.BACKFILL_ID = r.BACKFILL_ID \
         AND f.STATE IN ({IN_FLIGHT}))) \
         ORDER BY r.SCHEDULED_FIRE_TIME, r.CREATED_AT, r.RUN_ID LIMIT ?",
        run_columns("r")
    );
    let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
    let rows: Vec<RunRow> = query(&text)
        .bind::<Text, _>(&inner.sched)
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    if rows.is_empty() {
        return Ok(QueuedPlan::default());
    }
    let mut jobs: HashMap<JobKey, Option<JobDefinition>> = HashMap::new();
    let mut queued = Vec::with_capacity(rows.len());
    for row in rows {
        let run = run_from_row(row)?;
        if !jobs.contains_key(&run.job_key) {
            let job = match load_job(conn, &inner.sql, &inner.sched, &run.job_key) {
                Ok(job) => job,
                Err(DbError::Store(StoreError::Corrupt(e))) => {
                    // Left QUEUED: the job may be provisioned again.
                    warn!(job = %run.job_key, error = %e, "queued runs of an unreadable job wait");
                    continue;
                }
                Err(e) => return Err(e),
            };
            jobs.insert(run.job_key.clone(), job);
        }
        let Some(job) = jobs.get(&run.job_key) else {
            continue;
        };
        queued.push(QueuedRun {
            job: job.clone(),
            run,
        });
    }
    let guarded = guarded_jobs_of(&queued);
    let mut in_flight = runs_in_flight(conn, inner, &guarded)?;
    in_flight.extend(
        fires
            .iter()
            .filter(|f| guarded.binary_search(&f.run.job_key).is_ok())
            .map(|f| f.run.clone()),
    );
    let counts = backfill_counts(conn, inner, &backfills_of(&queued))?;
    let plan = plan_queued(queued, in_flight, counts, now, instance_id);
    let changed: Vec<String> = plan.changed_runs().map(|r| r.run_id.clone()).collect();
    let mut moved = 0;
    per_chunk(
        &changed,
        CHUNK,
        &[&inner.sched],
        |list| {
            format!(
                "UPDATE {pre}{RUNS_TABLE} SET STATE = 'SUBMITTING' WHERE SCHED_NAME = ? \
                 AND STATE = 'QUEUED' AND RUN_ID IN ({list})"
            )
        },
        |q, _| {
            moved += q.execute(conn)?;
            Ok(())
        },
    )?;
    if moved != changed.len() {
        return Err(DbError::Store(StoreError::Conflict(
            format!(
                "{} of {} queued runs changed during the fire transaction",
                changed.len() - moved.min(changed.len()),
                changed.len()
            )
            .into(),
        )));
    }
    let runs: Vec<&RunRecord> = plan.changed_runs().collect();
    upsert_runs(conn, inner, &runs)?;
    insert_fired(conn, inner, &plan.fired_rows)?;
    Ok(plan)
}

/// Runs in flight (`SUBMITTING`, `RUNNING`) of these jobs.
pub(crate) fn runs_in_flight(
    conn: &mut AnyConnection,
    inner: &Inner,
    jobs: &[JobKey],
) -> Result<Vec<RunRecord>, DbError> {
    let pre = &inner.prefix;
    let mut out = Vec::new();
    for chunk in jobs.chunks(CHUNK) {
        let list = vec!["(?, ?)"; chunk.len()].join(", ");
        let text = format!(
            "SELECT {} FROM {pre}{RUNS_TABLE} r WHERE r.SCHED_NAME = ? \
             AND r.STATE IN ({IN_FLIGHT}) AND (r.JOB_GROUP, r.JOB_NAME) IN ({list})",
            run_columns("r")
        );
        let rows: Vec<RunRow> = query_once(&text)
            .bind::<Text, _>(&inner.sched)
            .bind_each::<Text, _>(chunk.iter().flat_map(|j| [&j.group, &j.name]))
            .load(conn)?;
        for r in rows {
            out.push(run_from_row(r)?);
        }
    }
    Ok(out)
}

/// The runs the due retry triggers repeat (`retry-<n>-<run id>`), as the
/// origin of each retry's run: its nominal time and parameters.
pub(crate) fn retry_origins(
    conn: &mut AnyConnection,
    inner: &Inner,
    due: &[DueTrigger],
) -> Result<HashMap<TriggerKey, RunOrigin>, DbError> {
    let wanted: Vec<(TriggerKey, String)> = due
        .iter()
        .filter_map(|d| match d {
            DueTrigger::Read { trigger, .. } => {
                retried_run_id(&trigger.key).map(|run| (trigger.key.clone(), run.to_string()))
            }
            _ => None,
        })
        .collect();
    let mut origins = HashMap::new();
    if wanted.is_empty() {
        return Ok(origins);
    }
    let pre = &inner.prefix;
    let mut runs: HashMap<String, RunRecord> = HashMap::new();
    for chunk in wanted.chunks(CHUNK) {
        let list = vec!["?"; chunk.len()].join(", ");
        let text = format!(
            "SELECT {} FROM {pre}{RUNS_TABLE} r WHERE r.SCHED_NAME = ? AND r.RUN_ID IN ({list})",
            run_columns("r")
        );
        let rows: Vec<RunRow> = query_once(&text)
            .bind::<Text, _>(&inner.sched)
            .bind_each::<Text, _>(chunk.iter().map(|(_, run)| run))
            .load(conn)?;
        for r in rows {
            let run = run_from_row(r)?;
            runs.insert(run.run_id.clone(), run);
        }
    }
    for (trigger, run) in wanted {
        // A retried run since deleted (removeData) leaves its retry as a
        // plain fire at its own time.
        if let Some(run) = runs.get(&run) {
            origins.insert(trigger, RunOrigin::of(run));
        }
    }
    Ok(origins)
}

/// Runs in flight of each of these backfills.
fn backfill_counts(
    conn: &mut AnyConnection,
    inner: &Inner,
    ids: &[String],
) -> Result<BTreeMap<String, u32>, DbError> {
    let pre = &inner.prefix;
    let mut out = BTreeMap::new();
    per_chunk(
        ids,
        CHUNK,
        &[&inner.sched],
        |list| {
            format!(
                "SELECT BACKFILL_ID AS BACKFILL_ID, COUNT(*) AS N FROM {pre}{RUNS_TABLE} \
                 WHERE SCHED_NAME = ? AND STATE IN ({IN_FLIGHT}) \
                 AND BACKFILL_ID IN ({list}) GROUP BY BACKFILL_ID"
            )
        },
        |q, _| {
            let rows: Vec<CountRow> = q.load(conn)?;
            for r in rows {
                out.insert(r.backfill_id, u32::try_from(r.n).unwrap_or(u32::MAX));
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Inserts `runs` (of one job, which the caller checked exists under the
/// lock).
pub(crate) fn queue_runs(
    conn: &mut AnyConnection,
    inner: &Inner,
    runs: &[RunRecord],
) -> Result<(), DbError> {
    upsert_runs(conn, inner, runs)
}

/// The state a pause or resume moves triggers to, and the states it moves
/// them from.
fn pause_states(paused: bool) -> (&'static str, &'static str) {
    if paused {
        ("PAUSED", "('WAITING', 'ACQUIRED', 'BLOCKED')")
    } else {
        ("WAITING", "('PAUSED', 'PAUSED_BLOCKED')")
    }
}

/// Pauses or resumes one job's triggers; how many changed.
pub(crate) fn set_job_paused(
    conn: &mut AnyConnection,
    inner: &Inner,
    key: &JobKey,
    paused: bool,
) -> Result<usize, DbError> {
    let (to, from) = pause_states(paused);
    let pre = &inner.prefix;
    let n = query(&format!(
        "UPDATE {pre}TRIGGERS SET TRIGGER_STATE = ? WHERE SCHED_NAME = ? \
         AND JOB_NAME = ? AND JOB_GROUP = ? AND TRIGGER_STATE IN {from}"
    ))
    .bind::<Text, _>(to)
    .bind::<Text, _>(&inner.sched)
    .bind::<Text, _>(&key.name)
    .bind::<Text, _>(&key.group)
    .execute(conn)?;
    Ok(n)
}

/// Pauses or resumes the triggers of every job of `group`, or of every
/// job; the caller holds the transaction and the lock.
pub(crate) fn set_jobs_paused(
    conn: &mut AnyConnection,
    inner: &Inner,
    group: Option<&str>,
    paused: bool,
) -> Result<PausedCount, DbError> {
    let (to, from) = pause_states(paused);
    let pre = &inner.prefix;
    let of_group = if group.is_some() {
        " AND JOB_GROUP = ?"
    } else {
        ""
    };
    let text = format!(
        "SELECT DISTINCT JOB_GROUP AS JOB_GROUP, JOB_NAME AS JOB_NAME FROM {pre}TRIGGERS \
         WHERE SCHED_NAME = ?{of_group} AND TRIGGER_STATE IN {from}"
    );
    let mut q = query(&text).bind::<Text, _>(&inner.sched);
    if let Some(g) = group {
        q = q.bind::<Text, _>(g);
    }
    let jobs: Vec<JobKeyRow> = q.load(conn)?;
    let text = format!(
        "UPDATE {pre}TRIGGERS SET TRIGGER_STATE = ? WHERE SCHED_NAME = ?{of_group} \
         AND TRIGGER_STATE IN {from}"
    );
    let mut q = query(&text)
        .bind::<Text, _>(to)
        .bind::<Text, _>(&inner.sched);
    if let Some(g) = group {
        q = q.bind::<Text, _>(g);
    }
    let triggers = q.execute(conn)?;
    let distinct: std::collections::BTreeSet<(String, String)> = jobs
        .into_iter()
        .map(|r| (r.job_group, r.job_name))
        .collect();
    Ok(PausedCount {
        jobs: distinct.len(),
        triggers,
    })
}
