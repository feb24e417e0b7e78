//! Triggers stuck in a state no live instance owns, repaired at check-in
//! (the domain's `scheduling::recovery::plan_trigger_repairs` decides),
//! with the record the job status API's explain reads; and the reads of
//! that API: the runs of a job by scheduled time, the repairs of its
//! triggers.
//!
//! The record of a repair is the trigger's `QRTZ_TRIGGERS.DESCRIPTION`
//! (`VARCHAR(250)`, which this provisioner otherwise leaves empty):
//! `TriggerRepair::note`. The last repair of a trigger is kept; a
//! re-provision rewrites the trigger and clears it.

use std::collections::HashSet;

use cdp_spark_domain::model::{JobKey, RunRecord, TriggerKey, TriggerState};
use cdp_spark_domain::scheduling::recovery::{
    plan_trigger_repairs, StuckTrigger, TriggerRepair, STUCK_STATES,
};
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use tracing::warn;

use crate::connection::AnyConnection;
use crate::error::DbError;
use crate::rows::{millis, run_from_row};
use crate::sql::{lock_trigger_access, query, RunRow};
use crate::store::Inner;

#[derive(Debug, QueryableByName)]
struct StuckRow {
    #[diesel(sql_type = Text, column_name = "TRIGGER_NAME")]
    name: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_GROUP")]
    group: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_STATE")]
    state: String,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "NEXT_FIRE_TIME")]
    next: Option<i64>,
}

#[derive(Debug, QueryableByName)]
struct NoteRow {
    #[diesel(sql_type = Text, column_name = "TRIGGER_NAME")]
    name: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_GROUP")]
    group: String,
    #[diesel(sql_type = Nullable<Text>, column_name = "DESCRIPTION")]
    description: Option<String>,
}

#[derive(Debug, QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Text, column_name = "TRIGGER_NAME")]
    name: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_GROUP")]
    group: String,
}

fn states_list() -> String {
    STUCK_STATES
        .iter()
        .map(|s| format!("'{}'", s.as_quartz()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inside a check-in's transaction, after its recovery: the triggers in a
/// stuck state that no fired row names go back to `WAITING` (`PAUSED`),
/// with the record in their description. One indexed read when none is
/// stuck (the usual case).
pub(crate) fn repair_stuck_triggers(
    conn: &mut AnyConnection,
    inner: &Inner,
) -> Result<Vec<TriggerRepair>, DbError> {
    let pre = &inner.prefix;
    let select = format!(
        "SELECT TRIGGER_NAME AS TRIGGER_NAME, TRIGGER_GROUP AS TRIGGER_GROUP, \
         TRIGGER_STATE AS TRIGGER_STATE, NEXT_FIRE_TIME AS NEXT_FIRE_TIME FROM {pre}TRIGGERS \
         WHERE SCHED_NAME = ? AND TRIGGER_STATE IN ({})",
        states_list()
    );
    let rows: Vec<StuckRow> = query(&select).bind::<Text, _>(&inner.sched).load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    lock_trigger_access(conn, &inner.sql, &inner.sched)?;
    let now = crate::scheduler::db_now(conn, &inner.sql)?;
    let owned: HashSet<TriggerKey> = query(&format!(
        "SELECT DISTINCT TRIGGER_NAME AS TRIGGER_NAME, TRIGGER_GROUP AS TRIGGER_GROUP \
         FROM {pre}FIRED_TRIGGERS WHERE SCHED_NAME = ?"
    ))
    .bind::<Text, _>(&inner.sched)
    .load::<KeyRow>(conn)?
    .into_iter()
    .map(|k| TriggerKey::new(k.group, k.name))
    .collect();
    let stuck: Vec<StuckTrigger> = rows
        .into_iter()
        .filter_map(|r| {
            Some(StuckTrigger {
                state: TriggerState::from_quartz(&r.state)?,
                key: TriggerKey::new(r.group, r.name),
                next_fire_time: r
                    .next
                    .filter(|n| *n >= 0)
                    .and_then(DateTime::from_timestamp_millis),
            })
        })
        .collect();
    let repairs = plan_trigger_repairs(stuck, &owned, now);
    let update = format!(
        "UPDATE {pre}TRIGGERS SET TRIGGER_STATE = ?, DESCRIPTION = ? WHERE SCHED_NAME = ? \
         AND TRIGGER_NAME = ? AND TRIGGER_GROUP = ? AND TRIGGER_STATE = ?"
    );
    for r in &repairs {
        query(&update)
            .bind::<Text, _>(r.state_after.as_quartz())
            .bind::<Text, _>(r.note())
            .bind::<Text, _>(&inner.sched)
            .bind::<Text, _>(&r.trigger.name)
            .bind::<Text, _>(&r.trigger.group)
            .bind::<Text, _>(r.state_before.as_quartz())
            .execute(conn)?;
        warn!(
            trigger = %r.trigger,
            was = r.state_before.as_quartz(),
            now = r.state_after.as_quartz(),
            stuck_since = %r.stuck_since,
            "repaired a trigger stuck in a state no live instance owns"
        );
    }
    Ok(repairs)
}

/// The repairs recorded on the job's triggers.
pub(crate) fn trigger_repairs(
    conn: &mut AnyConnection,
    inner: &Inner,
    job: &JobKey,
) -> Result<Vec<TriggerRepair>, DbError> {
    let pre = &inner.prefix;
    let rows: Vec<NoteRow> = query(&format!(
        "SELECT TRIGGER_NAME AS TRIGGER_NAME, TRIGGER_GROUP AS TRIGGER_GROUP, \
         DESCRIPTION AS DESCRIPTION FROM {pre}TRIGGERS \
         WHERE SCHED_NAME = ? AND JOB_NAME = ? AND JOB_GROUP = ?"
    ))
    .bind::<Text, _>(&inner.sched)
    .bind::<Text, _>(&job.name)
    .bind::<Text, _>(&job.group)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let note = r.description?;
            TriggerRepair::from_note(TriggerKey::new(r.group, r.name), &note)
        })
        .collect())
}

/// The job's runs scheduled within `[from, to]`, oldest first, at most
/// `limit`.
pub(crate) fn runs_scheduled_between(
    conn: &mut AnyConnection,
    inner: &Inner,
    job: &JobKey,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
    limit: usize,
) -> Result<Vec<RunRecord>, DbError> {
    let mut sql = inner.sql.runs_select.clone();
    sql.push_str(
        " AND JOB_GROUP = ? AND JOB_NAME = ? AND SCHEDULED_FIRE_TIME >= ? \
         AND SCHEDULED_FIRE_TIME <= ? ORDER BY SCHEDULED_FIRE_TIME, RUN_ID LIMIT ?",
    );
    let rows: Vec<RunRow> = query(&sql)
        .bind::<Text, _>(&inner.sched)
        .bind::<Text, _>(&job.group)
        .bind::<Text, _>(&job.name)
        .bind::<BigInt, _>(millis(from))
        .bind::<BigInt, _>(millis(to))
        .bind::<BigInt, _>(i64::try_from(limit).unwrap_or(i64::MAX))
        .load(conn)?;
    rows.into_iter().map(run_from_row).collect()
}
