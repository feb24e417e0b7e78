//! The scheduler's side of the store ([`SchedulerStorePort`]): clustered
//! firing on Quartz's tables.
//!
//! - **One time source.** Due-ness is decided with the database's clock
//!   (`UTC_TIMESTAMP(6)` / SQLite `julianday('now')`), read inside the fire
//!   transaction, so instances whose clocks differ agree on what is due.
//! - **Under the lock.** An acquisition is one short transaction holding
//!   `TRIGGER_ACCESS` (MySQL `SELECT … FOR UPDATE` on the `LOCKS` row;
//!   SQLite `BEGIN IMMEDIATE`): it reads the due triggers with a locking
//!   read, creates the runs, records the fires in `FIRED_TRIGGERS`
//!   (`ACQUIRED`) and moves every trigger forward (deleting, as Quartz
//!   does, those that will not fire again), all with multi-row
//!   statements (a batch costs a fixed number of round trips, not one per
//!   trigger). The next acquisition, by any instance, sees the triggers
//!   already moved: a fire is made once.
//! - **Claim before launch.** An instance launches a fire only after moving
//!   its own fired row from `ACQUIRED` to `EXECUTING`; a row another
//!   instance took over (recovery) cannot be claimed, so even an instance
//!   wrongly declared dead does not launch twice.
//! - **Recovery.** Check-ins (`SCHEDULER_STATE`, database time) find dead
//!   instances; under `STATE_ACCESS` then `TRIGGER_ACCESS` their `ACQUIRED`
//!   fires are handed to the recovering instance to launch, their runs with
//!   an application id re-attached, those without one marked `LOST`, and
//!   triggers stuck in a state no live instance owns repaired (`repair.rs`).
//!
//! The decisions are the domain's (`scheduling::acquisition`, `recovery`):
//! this module reads the rows, asks for the plan and writes it, in one go.

use std::borrow::Borrow;
use std::collections::{BTreeSet, HashMap, HashSet};

use async_trait::async_trait;
use cdp_spark_domain::model::{JobKey, RunRecord, TriggerKey, TriggerState};
use cdp_spark_domain::ports::{
    AcquireRequest, Acquired, PausedCount, Recovery, SchedulerStorePort, StoreError,
};
use cdp_spark_domain::scheduling::acquisition::{
    guarded_jobs, plan_acquisition_with_origins, AcquisitionContext, DueTrigger, NewFiredRow,
    TriggerChange,
};
use cdp_spark_domain::scheduling::recovery::{
    find_orphans, plan_recovery, FiredEntry, InstanceCheckIn, RecoveryContext,
};
use cdp_spark_domain::scheduling::FiredState;
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};
use tracing::{debug, info, warn};

use crate::connection::{write_transaction, AnyConnection};
use crate::ddl::RUNS_TABLE;
use crate::dialect::{by_pk, flag_text, for_update, for_update_of, now_ms_expr, upsert};
use crate::error::DbError;
use crate::limits;
use crate::queue;
use crate::rows::{fire_millis, job_from_row, millis, run_from_row, trigger_from_row};
use crate::sql::{
    bind_run, load_job, lock_row, lock_trigger_access, per_chunk, query, query_once, JobRow, Query,
    RunRow, Sql, TriggerRow, RUN_COLUMNS, STATE_ACCESS,
};
use crate::store::{Access, DieselJobStore, Inner};

/// Rows per multi-row statement.
const CHUNK: usize = 100;
const RUN_KEY: &[&str] = &["SCHED_NAME", "RUN_ID"];

const FIRED_ACQUIRED: &str = FiredState::Acquired.as_quartz();
const FIRED_EXECUTING: &str = FiredState::Executing.as_quartz();

#[derive(Debug, QueryableByName)]
struct NowRow {
    #[diesel(sql_type = BigInt, column_name = "NOW_MS")]
    now_ms: i64,
}

#[derive(Debug, QueryableByName)]
struct MinRow {
    #[diesel(sql_type = Nullable<BigInt>, column_name = "NEXT_DUE")]
    next_due: Option<i64>,
    #[diesel(sql_type = BigInt, column_name = "NOW_MS")]
    now_ms: i64,
}

#[derive(Debug, QueryableByName)]
struct DueRow {
    #[diesel(embed)]
    trigger: TriggerRow,
    #[diesel(embed)]
    job: JobRow,
}

#[derive(Debug, QueryableByName)]
struct EntryRow {
    #[diesel(sql_type = Text, column_name = "ENTRY_ID")]
    entry_id: String,
}

#[derive(Debug, QueryableByName)]
struct FiredRow {
    #[diesel(sql_type = Text, column_name = "ENTRY_ID")]
    entry_id: String,
    #[diesel(sql_type = Text, column_name = "INSTANCE_NAME")]
    instance_name: String,
    #[diesel(sql_type = Text, column_name = "STATE")]
    state: String,
}

#[derive(Debug, QueryableByName)]
struct StateRow {
    #[diesel(sql_type = Text, column_name = "INSTANCE_NAME")]
    instance_name: String,
    #[diesel(sql_type = BigInt, column_name = "LAST_CHECKIN_TIME")]
    last_checkin: i64,
}

fn p(inner: &Inner) -> &str {
    &inner.prefix
}

fn placeholders(n: usize, width: usize) -> String {
    let one = format!("({})", vec!["?"; width].join(", "));
    vec![one; n].join(", ")
}

fn db_time(ms: i64) -> Result<DateTime<Utc>, DbError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| DbError::corrupt(format!("the database clock answered {ms} ms")))
}

pub(crate) fn db_now(conn: &mut AnyConnection, sql: &Sql) -> Result<DateTime<Utc>, DbError> {
    let text = format!("SELECT {} AS NOW_MS", now_ms_expr(sql));
    let rows: Vec<NowRow> = query(&text).load(conn)?;
    let ms = rows
        .first()
        .map(|r| r.now_ms)
        .ok_or_else(|| DbError::corrupt("the database answered no current time"))?;
    db_time(ms)
}

fn new_run_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A check-in time as stored; one beyond the times a `DateTime` holds
/// reads as the earliest or the latest, so that it compares as the number
/// did.
fn check_in_time(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

// ------------------------------------------------------------ statements ---

fn run_columns_of(alias: &str) -> String {
    RUN_COLUMNS
        .iter()
        .map(|c| format!("{alias}.{c} AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts or replaces runs, `CHUNK` rows per statement.
pub(crate) fn upsert_runs<R: Borrow<RunRecord>>(
    conn: &mut AnyConnection,
    inner: &Inner,
    runs: &[R],
) -> Result<(), DbError> {
    let table = format!("{}{RUNS_TABLE}", p(inner));
    let one = upsert(inner.backend, &table, RUN_COLUMNS, RUN_KEY);
    // Widen the single-row VALUES (…) to one per run.
    let single = placeholders(1, RUN_COLUMNS.len());
    for chunk in runs.chunks(CHUNK) {
        let text = one.replacen(&single, &placeholders(chunk.len(), RUN_COLUMNS.len()), 1);
        chunk
            .iter()
            .fold(query_once(&text), |q, run| {
                bind_run(q, &inner.sched, run.borrow())
            })
            .execute(conn)?;
    }
    crate::outbox::enqueue_ended(conn, inner, runs) // notifications of ended runs
}

pub(crate) fn insert_fired(
    conn: &mut AnyConnection,
    inner: &Inner,
    fires: &[NewFiredRow],
) -> Result<(), DbError> {
    let pre = p(inner);
    for chunk in fires.chunks(CHUNK) {
        let text = format!(
            "INSERT INTO {pre}FIRED_TRIGGERS (SCHED_NAME, ENTRY_ID, TRIGGER_NAME, TRIGGER_GROUP, \
             INSTANCE_NAME, FIRED_TIME, SCHED_TIME, PRIORITY, STATE, JOB_NAME, JOB_GROUP, \
             IS_NONCONCURRENT, REQUESTS_RECOVERY) VALUES {}",
            placeholders(chunk.len(), 13)
        );
        let mut q = query_once(&text);
        for f in chunk {
            q = q
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&f.entry_id)
                .bind::<Text, _>(&f.trigger.name)
                .bind::<Text, _>(&f.trigger.group)
                .bind::<Text, _>(&f.instance)
                .bind::<BigInt, _>(millis(f.fired_at))
                .bind::<BigInt, _>(millis(f.scheduled_at))
                .bind::<Integer, _>(f.priority)
                .bind::<Text, _>(f.state.as_quartz())
                .bind::<Text, _>(&f.job.name)
                .bind::<Text, _>(&f.job.group)
                .bind_flag(inner.backend, f.non_concurrent)
                .bind_flag(inner.backend, f.requests_recovery);
        }
        q.execute(conn)?;
    }
    Ok(())
}

/// A trigger's new next fire time (`-1` none), previous fire time and state.
struct TriggerUpdate {
    key: TriggerKey,
    next: i64,
    prev: i64,
    state: &'static str,
}

/// Binds `TRIGGER_NAME = ? AND TRIGGER_GROUP = ?` to the trigger `m` moves.
fn bind_key<'f>(q: Query<'f>, m: &'f TriggerUpdate) -> Query<'f> {
    q.bind::<Text, _>(&m.key.name).bind::<Text, _>(&m.key.group)
}

fn move_triggers(
    conn: &mut AnyConnection,
    inner: &Inner,
    moves: &[TriggerUpdate],
) -> Result<(), DbError> {
    let pre = p(inner);
    for chunk in moves.chunks(CHUNK) {
        let case =
            vec!["WHEN TRIGGER_NAME = ? AND TRIGGER_GROUP = ? THEN ?"; chunk.len()].join(" ");
        let text = format!(
            "UPDATE {pre}TRIGGERS{} SET NEXT_FIRE_TIME = CASE {case} END, \
             PREV_FIRE_TIME = CASE {case} END, TRIGGER_STATE = CASE {case} END \
             WHERE SCHED_NAME = ? AND TRIGGER_STATE = 'WAITING' AND (TRIGGER_NAME, TRIGGER_GROUP) IN ({})",
            by_pk(&inner.sql),
            placeholders(chunk.len(), 2)
        );
        // The three CASEs (`WHEN` key `THEN` next, previous, state), then the
        // `WHERE`'s keys.
        let q = query_once(&text);
        let q = chunk
            .iter()
            .fold(q, |q, m| bind_key(q, m).bind::<BigInt, _>(m.next));
        let q = chunk
            .iter()
            .fold(q, |q, m| bind_key(q, m).bind::<BigInt, _>(m.prev));
        let q = chunk
            .iter()
            .fold(q, |q, m| bind_key(q, m).bind::<Text, _>(m.state));
        let q = q.bind::<Text, _>(&inner.sched);
        let changed = chunk.iter().fold(q, bind_key).execute(conn)?;
        if changed != chunk.len() {
            // Every trigger read under the lock moves forward; anything else
            // means the rows changed under us: roll back and retry.
            return Err(DbError::conflict(format!(
                "{} of {} acquired triggers changed during the fire transaction",
                chunk.len() - changed.min(chunk.len()),
                chunk.len()
            )));
        }
    }
    Ok(())
}

/// Deletes the triggers that fired for the last time (`COMPLETE` in
/// Quartz's terms) with their side rows, `CHUNK` keys per statement. Quartz
/// does the same (`JobStoreSupport.triggeredJobComplete` removes a trigger
/// whose `executionComplete` says `DELETE_TRIGGER`); the job stays (it is
/// durable) and the runs keep the history. One-shot (manual and retry)
/// triggers end here, and cron triggers past their end time.
fn delete_completed(
    conn: &mut AnyConnection,
    inner: &Inner,
    keys: &[TriggerKey],
) -> Result<(), DbError> {
    let pre = p(inner);
    for chunk in keys.chunks(CHUNK) {
        let list = placeholders(chunk.len(), 2);
        for table in [
            "SIMPLE_TRIGGERS",
            "CRON_TRIGGERS",
            "SIMPROP_TRIGGERS",
            "BLOB_TRIGGERS",
        ] {
            let text = format!(
                "DELETE FROM {pre}{table} WHERE SCHED_NAME = ? AND (TRIGGER_NAME, TRIGGER_GROUP) IN ({list})"
            );
            query_once(&text)
                .bind::<Text, _>(&inner.sched)
                .bind_each::<Text, _>(chunk.iter().flat_map(|k| [&k.name, &k.group]))
                .execute(conn)?;
        }
        let text = format!(
            "DELETE FROM {pre}TRIGGERS WHERE SCHED_NAME = ? AND TRIGGER_STATE = 'WAITING' \
             AND (TRIGGER_NAME, TRIGGER_GROUP) IN ({list})"
        );
        let deleted = query_once(&text)
            .bind::<Text, _>(&inner.sched)
            .bind_each::<Text, _>(chunk.iter().flat_map(|k| [&k.name, &k.group]))
            .execute(conn)?;
        if deleted != chunk.len() {
            // As in `move_triggers`: the rows read under the lock changed.
            return Err(DbError::conflict(format!(
                "{} of {} completed triggers changed during the fire transaction",
                chunk.len() - deleted.min(chunk.len()),
                chunk.len()
            )));
        }
    }
    Ok(())
}

fn runs_by_id(
    conn: &mut AnyConnection,
    inner: &Inner,
    ids: &[String],
) -> Result<Vec<RunRecord>, DbError> {
    let (pre, hint, columns) = (p(inner), by_pk(&inner.sql), run_columns_of("r"));
    let mut out = Vec::new();
    per_chunk(
        ids,
        CHUNK,
        &[&inner.sched],
        |list| {
            format!(
                "SELECT {columns} FROM {pre}{RUNS_TABLE} r{hint} WHERE r.SCHED_NAME = ? AND r.RUN_ID IN ({list})"
            )
        },
        |q, _| {
            let rows: Vec<RunRow> = q.load(conn)?;
            for r in rows {
                out.push(run_from_row(r)?);
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Fired rows whose entry id is in `ids`, for `instance`, in `state`
/// (locking read).
fn owned_entries(
    conn: &mut AnyConnection,
    inner: &Inner,
    instance: &str,
    state: Option<&str>,
    ids: &[String],
) -> Result<Vec<String>, DbError> {
    let (pre, hint, lock) = (p(inner), by_pk(&inner.sql), for_update(&inner.sql));
    let state_is = if state.is_some() { "AND STATE = ?" } else { "" };
    let mut lead = vec![inner.sched.as_str(), instance];
    lead.extend(state);
    let mut out = Vec::new();
    per_chunk(
        ids,
        CHUNK,
        &lead,
        |list| {
            format!(
                "SELECT ENTRY_ID AS ENTRY_ID FROM {pre}FIRED_TRIGGERS{hint} WHERE SCHED_NAME = ? AND INSTANCE_NAME = ? {state_is} AND ENTRY_ID IN ({list}){lock}"
            )
        },
        |q, _| {
            let rows: Vec<EntryRow> = q.load(conn)?;
            out.extend(rows.into_iter().map(|r| r.entry_id));
            Ok(())
        },
    )?;
    Ok(out)
}

fn delete_fired(conn: &mut AnyConnection, inner: &Inner, ids: &[String]) -> Result<(), DbError> {
    let pre = p(inner);
    per_chunk(
        ids,
        CHUNK,
        &[&inner.sched],
        |list| {
            format!("DELETE FROM {pre}FIRED_TRIGGERS WHERE SCHED_NAME = ? AND ENTRY_ID IN ({list})")
        },
        |q, _| {
            q.execute(conn)?;
            Ok(())
        },
    )
}

fn set_fired(
    conn: &mut AnyConnection,
    inner: &Inner,
    ids: &[String],
    instance: &str,
    state: &str,
) -> Result<(), DbError> {
    let (pre, hint) = (p(inner), by_pk(&inner.sql));
    per_chunk(
        ids,
        CHUNK,
        &[instance, state, &inner.sched],
        |list| {
            format!(
                "UPDATE {pre}FIRED_TRIGGERS{hint} SET INSTANCE_NAME = ?, STATE = ? WHERE SCHED_NAME = ? AND ENTRY_ID IN ({list})"
            )
        },
        |q, _| {
            q.execute(conn)?;
            Ok(())
        },
    )
}

/// Moves this instance's `ACQUIRED` rows among `ids` to `EXECUTING` with
/// one statement per chunk (no locking read first); answers whether every
/// row changed. When some did not (taken over by recovery), the caller
/// asks which rows are its own.
fn claim_all(
    conn: &mut AnyConnection,
    inner: &Inner,
    instance: &str,
    ids: &[String],
) -> Result<bool, DbError> {
    let (pre, hint) = (p(inner), by_pk(&inner.sql));
    let mut all = true;
    per_chunk(
        ids,
        CHUNK,
        &[FIRED_EXECUTING, &inner.sched, instance, FIRED_ACQUIRED],
        |list| {
            format!(
                "UPDATE {pre}FIRED_TRIGGERS{hint} SET STATE = ? WHERE SCHED_NAME = ? AND INSTANCE_NAME = ? \
                 AND STATE = ? AND ENTRY_ID IN ({list})"
            )
        },
        |q, n| {
            all &= q.execute(conn)? == n;
            Ok(())
        },
    )?;
    Ok(all)
}

// ----------------------------------------------------------- acquisition ---

fn acquire(
    conn: &mut AnyConnection,
    inner: &Inner,
    req: &AcquireRequest,
) -> Result<Acquired, DbError> {
    lock_trigger_access(conn, &inner.sql, &inner.sched)?;
    let now = db_now(conn, &inner.sql)?;
    let horizon = now + req.look_ahead;
    let pre = p(inner);
    let text = format!(
        "SELECT t.TRIGGER_NAME AS TRIGGER_NAME, t.TRIGGER_GROUP AS TRIGGER_GROUP, \
         t.JOB_NAME AS JOB_NAME, t.JOB_GROUP AS JOB_GROUP, \
         t.NEXT_FIRE_TIME AS NEXT_FIRE_TIME, t.PREV_FIRE_TIME AS PREV_FIRE_TIME, \
         t.PRIORITY AS PRIORITY, t.TRIGGER_STATE AS TRIGGER_STATE, \
         t.TRIGGER_TYPE AS TRIGGER_TYPE, t.START_TIME AS START_TIME, t.END_TIME AS END_TIME, \
         t.MISFIRE_INSTR AS MISFIRE_INSTR, c.CRON_EXPRESSION AS CRON_EXPRESSION, \
         c.TIME_ZONE_ID AS TIME_ZONE_ID, s.REPEAT_COUNT AS REPEAT_COUNT, \
         j.DESCRIPTION AS DESCRIPTION, j.JOB_CLASS_NAME AS JOB_CLASS_NAME, \
         {} AS IS_NONCONCURRENT, j.JOB_DATA AS JOB_DATA \
         FROM {pre}TRIGGERS t \
         JOIN {pre}JOB_DETAILS j ON j.SCHED_NAME = t.SCHED_NAME AND j.JOB_NAME = t.JOB_NAME AND j.JOB_GROUP = t.JOB_GROUP \
         LEFT JOIN {pre}CRON_TRIGGERS c ON c.SCHED_NAME = t.SCHED_NAME \
         AND c.TRIGGER_NAME = t.TRIGGER_NAME AND c.TRIGGER_GROUP = t.TRIGGER_GROUP \
         LEFT JOIN {pre}SIMPLE_TRIGGERS s ON s.SCHED_NAME = t.SCHED_NAME \
         AND s.TRIGGER_NAME = t.TRIGGER_NAME AND s.TRIGGER_GROUP = t.TRIGGER_GROUP \
         WHERE t.SCHED_NAME = ? AND t.TRIGGER_STATE = 'WAITING' AND t.NEXT_FIRE_TIME >= 0 \
         AND t.NEXT_FIRE_TIME <= ? ORDER BY t.NEXT_FIRE_TIME, t.PRIORITY DESC LIMIT ?{}",
        flag_text(inner.backend, "j.IS_NONCONCURRENT"),
        for_update_of(&inner.sql, "t, j")
    );
    let limit = i64::try_from(req.batch_size.max(1)).unwrap_or(i64::MAX);
    let rows: Vec<DueRow> = query(&text)
        .bind::<Text, _>(&inner.sched)
        .bind::<BigInt, _>(millis(horizon))
        .bind::<BigInt, _>(limit)
        .load(conn)?;

    // Decode; the previous fire time of each trigger is kept as read (or as
    // decoded) for the ones the plan puts in ERROR.
    let mut due: Vec<DueTrigger> = Vec::with_capacity(rows.len());
    let mut kept_prev: HashMap<TriggerKey, i64> = HashMap::with_capacity(rows.len());
    for row in rows {
        let key = TriggerKey::new(
            row.trigger.trigger_group.clone(),
            row.trigger.trigger_name.clone(),
        );
        let raw_prev = row.trigger.prev_fire_time.unwrap_or(-1);
        match (trigger_from_row(row.trigger), job_from_row(row.job)) {
            (Ok(trigger), Ok(job)) => {
                kept_prev.insert(key, fire_millis(trigger.previous_fire_time));
                due.push(DueTrigger::Read { trigger, job });
            }
            (Err(DbError::Schedule(error)), Ok(_)) => {
                kept_prev.insert(key.clone(), raw_prev);
                due.push(DueTrigger::BadSchedule { key, error });
            }
            (t, j) => {
                let error = t
                    .err()
                    .or(j.err())
                    .map(|e| e.into_store_error().to_string())
                    .unwrap_or_default();
                kept_prev.insert(key.clone(), raw_prev);
                due.push(DueTrigger::Unreadable { key, error });
            }
        }
    }
    let in_flight = queue::runs_in_flight(conn, inner, &guarded_jobs(&due))?;
    let ctx = AcquisitionContext {
        now,
        misfire_threshold: req.misfire_threshold,
        instance_id: &req.instance_id,
    };
    let origins = queue::retry_origins(conn, inner, &due)?;
    let plan = plan_acquisition_with_origins(due, in_flight, &origins, &ctx, &mut new_run_id);

    let mut moves: Vec<TriggerUpdate> = Vec::with_capacity(plan.triggers.len());
    let mut completed: Vec<TriggerKey> = Vec::new();
    for m in &plan.triggers {
        match &m.change {
            TriggerChange::Next {
                next_fire_time,
                previous_fire_time,
            } => moves.push(TriggerUpdate {
                key: m.key.clone(),
                next: millis(*next_fire_time),
                prev: fire_millis(*previous_fire_time),
                state: TriggerState::Waiting.as_quartz(),
            }),
            TriggerChange::Delete => completed.push(m.key.clone()),
            TriggerChange::Error { reason } => {
                warn!(trigger = %m.key, reason, "unreadable trigger moved to ERROR");
                moves.push(TriggerUpdate {
                    key: m.key.clone(),
                    next: -1,
                    prev: kept_prev.get(&m.key).copied().unwrap_or(-1),
                    state: TriggerState::Error.as_quartz(),
                });
            }
        }
    }
    let runs: Vec<&RunRecord> = plan.new_runs().collect();
    upsert_runs(conn, inner, &runs)?;
    crate::outbox::enqueue_deadlines(conn, inner, &plan.fires)?;
    insert_fired(conn, inner, &plan.fired_rows)?;
    move_triggers(conn, inner, &moves)?;
    delete_completed(conn, inner, &completed)?;
    // Queued runs (manual with parameters, reruns, backfills), judged with these fires.
    let queued = queue::start_queued(
        conn,
        inner,
        &req.instance_id,
        now,
        req.batch_size,
        &plan.fires,
    )?;
    let mut out = Acquired {
        db_now: now,
        db_now_at_end: now,
        completed: plan.completed(),
        misfired: plan.misfired,
        fires: plan.fires.into_iter().chain(queued.fires).collect(),
        skipped: plan.skipped.into_iter().chain(queued.ended).collect(),
        next_due: None,
    };
    // The next due time and the database's clock now, in one round trip.
    let text = format!(
        "SELECT MIN(NEXT_FIRE_TIME) AS NEXT_DUE, {} AS NOW_MS FROM {pre}TRIGGERS WHERE SCHED_NAME = ? \
         AND TRIGGER_STATE = 'WAITING' AND NEXT_FIRE_TIME >= 0",
        now_ms_expr(&inner.sql)
    );
    let rows: Vec<MinRow> = query(&text).bind::<Text, _>(&inner.sched).load(conn)?;
    let row = rows
        .first()
        .ok_or_else(|| DbError::corrupt("the database answered no next due time"))?;
    out.next_due = row.next_due.and_then(DateTime::from_timestamp_millis);
    out.db_now_at_end = db_time(row.now_ms)?.max(now);
    Ok(out)
}

// -------------------------------------------------------------- recovery ---

/// Removes the check-in row of instance `name`.
fn forget_instance(conn: &mut AnyConnection, inner: &Inner, name: &str) -> Result<(), DbError> {
    let pre = p(inner);
    query(&format!(
        "DELETE FROM {pre}SCHEDULER_STATE WHERE SCHED_NAME = ? AND INSTANCE_NAME = ?"
    ))
    .bind::<Text, _>(&inner.sched)
    .bind::<Text, _>(name)
    .execute(conn)?;
    Ok(())
}

fn check_in(
    conn: &mut AnyConnection,
    inner: &Inner,
    me: &str,
    interval: chrono::Duration,
    dead_after: chrono::Duration,
    recover_self: bool,
) -> Result<Recovery, DbError> {
    let pre = p(inner);
    lock_row(conn, &inner.sql, &inner.sched, STATE_ACCESS)?;
    let now = db_now(conn, &inner.sql)?;
    let state_upsert = upsert(
        inner.backend,
        &format!("{pre}SCHEDULER_STATE"),
        &[
            "SCHED_NAME",
            "INSTANCE_NAME",
            "LAST_CHECKIN_TIME",
            "CHECKIN_INTERVAL",
        ],
        &["SCHED_NAME", "INSTANCE_NAME"],
    );
    query(&state_upsert)
        .bind::<Text, _>(&inner.sched)
        .bind::<Text, _>(me)
        .bind::<BigInt, _>(millis(now))
        .bind::<BigInt, _>(interval.num_milliseconds())
        .execute(conn)?;
    let states: Vec<StateRow> = query(&format!(
        "SELECT INSTANCE_NAME AS INSTANCE_NAME, LAST_CHECKIN_TIME AS LAST_CHECKIN_TIME \
         FROM {pre}SCHEDULER_STATE WHERE SCHED_NAME = ?"
    ))
    .bind::<Text, _>(&inner.sched)
    .load(conn)?;
    let instances: Vec<InstanceCheckIn> = states
        .into_iter()
        .map(|s| InstanceCheckIn {
            name: s.instance_name,
            last_check_in: check_in_time(s.last_checkin),
        })
        .collect();
    let owners: Vec<FiredRow> = query(&format!(
        "SELECT ENTRY_ID AS ENTRY_ID, INSTANCE_NAME AS INSTANCE_NAME, STATE AS STATE \
         FROM {pre}FIRED_TRIGGERS WHERE SCHED_NAME = ?"
    ))
    .bind::<Text, _>(&inner.sched)
    .load(conn)?;
    let fired: Vec<FiredEntry> = owners
        .into_iter()
        .map(|f| FiredEntry {
            state: FiredState::from_quartz(&f.state),
            entry_id: f.entry_id,
            instance: f.instance_name,
        })
        .collect();
    let ctx = RecoveryContext {
        me,
        now,
        dead_after,
        recover_self,
    };
    let orphans = find_orphans(&instances, &fired, &ctx);
    if orphans.is_empty() {
        return Ok(Recovery {
            dead_instances: orphans.gone,
            ..Recovery::default()
        });
    }
    lock_trigger_access(conn, &inner.sql, &inner.sched)?;
    // The runs of the orphaned rows, and the jobs of the acquired ones that
    // still exist.
    let mut runs = runs_by_id(conn, inner, &orphans.acquired)?;
    let mut jobs = Vec::new();
    let mut looked_up: HashSet<JobKey> = HashSet::new();
    for run in &runs {
        if looked_up.insert(run.job_key.clone()) {
            jobs.extend(load_job(conn, &inner.sql, &inner.sched, &run.job_key)?);
        }
    }
    runs.extend(runs_by_id(conn, inner, &orphans.executing)?);
    let plan = plan_recovery(&orphans, runs, jobs, now);
    set_fired(
        conn,
        inner,
        &plan.rows_to_me(FiredState::Acquired),
        me,
        FIRED_ACQUIRED,
    )?;
    set_fired(
        conn,
        inner,
        &plan.rows_to_me(FiredState::Executing),
        me,
        FIRED_EXECUTING,
    )?;
    upsert_runs(conn, inner, &plan.ended_runs())?;
    delete_fired(conn, inner, &plan.rows_to_delete())?;
    for name in &plan.forget {
        forget_instance(conn, inner, name)?;
    }
    let recovery = plan.into_recovery();
    info!(
        instance = me,
        dead = ?recovery.dead_instances,
        refire = recovery.refire.len(),
        reattached = recovery.reattached.len(),
        unresolved = recovery.unresolved.len(),
        lost = recovery.lost.len(),
        "cluster recovery"
    );
    Ok(recovery)
}

impl DieselJobStore {
    /// A write of `rows` rows ([`DieselJobStore::with_conn`]), logging its
    /// duration at debug level (the benchmark's profile:
    /// `RUST_LOG=cdp_spark_jobstore::scheduler=debug`).
    async fn timed_write<T, F>(&self, op: &'static str, rows: usize, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&mut AnyConnection, &Inner) -> Result<T, DbError> + Send + 'static,
    {
        let started = std::time::Instant::now();
        let out = self.with_conn(op, Access::Write, f).await;
        debug!(
            op,
            rows,
            elapsed_us = started.elapsed().as_micros() as u64,
            ok = out.is_ok(),
            "store timing"
        );
        out
    }
}

/// The runs, each checked against the columns' limits, copied for the
/// blocking thread.
fn checked_runs(runs: &[RunRecord]) -> Result<Vec<RunRecord>, StoreError> {
    for r in runs {
        limits::check_run(r)?;
    }
    Ok(runs.to_vec())
}

#[async_trait]
impl SchedulerStorePort for DieselJobStore {
    async fn acquire_fires(&self, request: &AcquireRequest) -> Result<Acquired, StoreError> {
        let req = request.clone();
        let started = std::time::Instant::now();
        let out = self
            .with_conn("acquire_fires", Access::Write, move |conn, inner| {
                write_transaction(conn, |conn| acquire(conn, inner, &req))
            })
            .await;
        if let Ok(a) = &out {
            debug!(
                op = "acquire_fires",
                fires = a.fires.len(),
                elapsed_us = started.elapsed().as_micros() as u64,
                "store timing"
            );
        }
        out
    }

    async fn claim_fires(
        &self,
        instance_id: &str,
        run_ids: &[String],
    ) -> Result<Vec<String>, StoreError> {
        if run_ids.is_empty() {
            return Ok(Vec::new());
        }
        let me = instance_id.to_string();
        let ids = run_ids.to_vec();
        self.timed_write("claim_fires", run_ids.len(), move |conn, inner| {
            // Common case: every row still ours and ACQUIRED, so one
            // UPDATE per chunk claims them all, each committing on its
            // own (no transaction round trips: the engine claims a
            // chunk at a time and launches it at once). Otherwise the
            // rows now EXECUTING under this instance's name are the ones
            // claimed here: claims are only asked for fires acquired in
            // this instance's name, and recovery only ever moves rows
            // away from an instance, never to the one it recovers.
            if claim_all(conn, inner, &me, &ids)? {
                return Ok(ids.clone());
            }
            owned_entries(conn, inner, &me, Some(FIRED_EXECUTING), &ids)
        })
        .await
    }

    async fn update_runs(&self, runs: &[RunRecord]) -> Result<(), StoreError> {
        if runs.is_empty() {
            return Ok(());
        }
        let runs = checked_runs(runs)?;
        self.timed_write("update_runs", runs.len(), move |conn, inner| {
            write_transaction(conn, |conn| upsert_runs(conn, inner, &runs))
        })
        .await
    }

    async fn finish_runs(
        &self,
        instance_id: &str,
        runs: &[RunRecord],
    ) -> Result<Vec<String>, StoreError> {
        if runs.is_empty() {
            return Ok(Vec::new());
        }
        let me = instance_id.to_string();
        let runs = checked_runs(runs)?;
        self.timed_write("finish_runs", runs.len(), move |conn, inner| {
            write_transaction(conn, |conn| {
                let ids: Vec<String> = runs.iter().map(|r| r.run_id.clone()).collect();
                let mine: BTreeSet<String> = owned_entries(conn, inner, &me, None, &ids)?
                    .into_iter()
                    .collect();
                let owned: Vec<RunRecord> = runs
                    .iter()
                    .filter(|r| mine.contains(&r.run_id))
                    .cloned()
                    .collect();
                upsert_runs(conn, inner, &owned)?;
                let ids: Vec<String> = mine.into_iter().collect();
                delete_fired(conn, inner, &ids)?;
                Ok(ids)
            })
        })
        .await
    }

    async fn runs_to_follow(
        &self,
        instance_id: &str,
        after: Option<String>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let me = instance_id.to_string();
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        self.with_conn("runs_to_follow", Access::Read, move |conn, inner| {
            let pre = p(inner);
            let text = format!(
                "SELECT {} FROM {pre}{RUNS_TABLE} r JOIN {pre}FIRED_TRIGGERS f \
                 ON f.SCHED_NAME = r.SCHED_NAME AND f.ENTRY_ID = r.RUN_ID \
                 WHERE f.SCHED_NAME = ? AND f.INSTANCE_NAME = ? AND f.STATE = 'EXECUTING' \
                 AND r.STATE = 'RUNNING' AND f.ENTRY_ID > ? ORDER BY f.ENTRY_ID LIMIT ?",
                run_columns_of("r")
            );
            let rows: Vec<RunRow> = query(&text)
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&me)
                .bind::<Text, _>(after.clone().unwrap_or_default())
                .bind::<BigInt, _>(limit)
                .load(conn)?;
            rows.into_iter().map(run_from_row).collect()
        })
        .await
    }

    async fn check_in(
        &self,
        instance_id: &str,
        interval: chrono::Duration,
        dead_after: chrono::Duration,
        recover_self: bool,
    ) -> Result<Recovery, StoreError> {
        let me = instance_id.to_string();
        self.with_conn("check_in", Access::Write, move |conn, inner| {
            write_transaction(conn, |conn| {
                check_in(conn, inner, &me, interval, dead_after, recover_self)
                    .and_then(|r| crate::repair::repair_stuck_triggers(conn, inner).map(|_| r))
            })
        })
        .await
    }

    async fn leave(&self, instance_id: &str) -> Result<(), StoreError> {
        let me = instance_id.to_string();
        self.with_conn("leave", Access::Write, move |conn, inner| {
            forget_instance(conn, inner, &me)
        })
        .await
    }

    async fn set_job_paused(
        &self,
        job: &JobKey,
        paused: bool,
    ) -> Result<Option<usize>, StoreError> {
        self.with_existing_job("set_job_paused", job.clone(), move |conn, inner, key| {
            queue::set_job_paused(conn, inner, key, paused)
        })
        .await
    }

    async fn set_jobs_paused(
        &self,
        group: Option<String>,
        paused: bool,
    ) -> Result<PausedCount, StoreError> {
        self.with_conn("set_jobs_paused", Access::Write, move |conn, inner| {
            write_transaction(conn, |conn| {
                lock_trigger_access(conn, &inner.sql, &inner.sched)?;
                queue::set_jobs_paused(conn, inner, group.as_deref(), paused)
            })
        })
        .await
    }

    async fn queue_runs(&self, job: &JobKey, runs: &[RunRecord]) -> Result<bool, StoreError> {
        let runs = checked_runs(runs)?;
        let done = self.with_existing_job("queue_runs", job.clone(), move |conn, inner, _| {
            queue::queue_runs(conn, inner, &runs)
        });
        Ok(done.await?.is_some())
    }
}
