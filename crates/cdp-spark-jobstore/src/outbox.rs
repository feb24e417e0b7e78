//! The notification outbox (`CDP_NOTIFICATIONS`): events written in the
//! transaction that ends a run ([`enqueue_ended`], called from
//! `scheduler.rs`'s run upsert, so every path that ends runs — the
//! follower's `finish_runs`, `update_runs`, recovery's `LOST`, kills on
//! unprovision and at shutdown — goes through it), deadline events written
//! with the run at acquisition ([`enqueue_deadlines`]) and withdrawn when
//! the run ends in time; then claimed under a lease by a sender
//! ([`OutboxPort`]) and marked sent, pending again or failed.
//!
//! Which events a transition makes and where they go are the domain's
//! decisions (`cdp_spark_domain::notify`); the key (run, kind, webhook)
//! makes a second write of the same transition a no-op (`ON CONFLICT DO
//! NOTHING` / `ON DUPLICATE KEY UPDATE` of nothing), whichever instance
//! makes it. With no
//! webhook configured (`DieselJobStore::set_notification_routes` never
//! called, or with none) nothing is written and nothing is read.

use std::borrow::Borrow;
use std::collections::HashMap;

use async_trait::async_trait;
use cdp_spark_domain::model::{JobKey, RunRecord, RunState};
use cdp_spark_domain::notify::{self, Delivery, Event, EventKind, Routes};
use cdp_spark_domain::ports::{Fire, JobTimes, JobTimesPort, OutboxEntry, OutboxPort, StoreError};
use chrono::DateTime;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl};

use crate::config::Backend;
use crate::connection::{write_transaction, AnyConnection};
use crate::ddl::{NOTIFICATIONS_TABLE, RUNS_TABLE};
use crate::dialect::now_ms_expr;
use crate::error::DbError;
use crate::rows::millis;
use crate::scheduler::db_now;
use crate::sql::{load_job, query};
use crate::store::{Access, DieselJobStore, Inner};

const PENDING: &str = "PENDING";
const SENDING: &str = "SENDING";

/// Longest error text kept on a delivery.
const MAX_LAST_ERROR: usize = 2000;

#[derive(Debug, QueryableByName)]
struct StateRow {
    #[diesel(sql_type = Text, column_name = "STATE")]
    state: String,
}

#[derive(Debug, QueryableByName)]
struct DueRow {
    #[diesel(sql_type = Text, column_name = "RUN_ID")]
    run_id: String,
    #[diesel(sql_type = Text, column_name = "KIND")]
    kind: String,
    #[diesel(sql_type = Text, column_name = "TARGET")]
    target: String,
}

#[derive(Debug, QueryableByName)]
struct ClaimedRow {
    #[diesel(sql_type = Text, column_name = "EVENT_ID")]
    event_id: String,
    #[diesel(sql_type = Text, column_name = "KIND")]
    kind: String,
    #[diesel(sql_type = Text, column_name = "TARGET")]
    target: String,
    #[diesel(sql_type = Text, column_name = "PAYLOAD")]
    payload: String,
    #[diesel(sql_type = Integer, column_name = "ATTEMPTS")]
    attempts: i32,
}

#[derive(Debug, QueryableByName)]
struct TimesRow {
    #[diesel(sql_type = Text, column_name = "JOB_GROUP")]
    group: String,
    #[diesel(sql_type = Text, column_name = "JOB_NAME")]
    name: String,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "LAST_SUCCESS")]
    last_success: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "NEXT_FIRE")]
    next_fire: Option<i64>,
}

fn table(inner: &Inner) -> String {
    format!("{}{NOTIFICATIONS_TABLE}", inner.prefix)
}

/// What an insert of a row whose key exists does: nothing (and only
/// that case is ignored: MySQL's `INSERT IGNORE` would also turn other
/// errors into warnings).
fn on_duplicate_nothing(inner: &Inner) -> &'static str {
    match inner.backend {
        Backend::Mysql => " ON DUPLICATE KEY UPDATE RUN_ID = RUN_ID",
        Backend::Sqlite | Backend::Postgres => " ON CONFLICT DO NOTHING",
    }
}

fn new_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Writes `event` for each webhook its data product routes to, due at
/// `due_ms`; a row already there for (run, kind, webhook) stays as it is.
fn insert_event(
    conn: &mut AnyConnection,
    inner: &Inner,
    routes: &Routes,
    event: &Event,
    due_ms: i64,
    created_ms: i64,
) -> Result<(), DbError> {
    let text = format!(
        "INSERT INTO {} (SCHED_NAME, RUN_ID, KIND, TARGET, EVENT_ID, JOB_NAME, JOB_GROUP, PAYLOAD, \
         STATE, ATTEMPTS, NEXT_ATTEMPT_TIME, CREATED_AT) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?){}",
        table(inner),
        on_duplicate_nothing(inner)
    );
    for target in routes.targets(&event.job.group) {
        let id = new_id();
        let payload = event.payload(&id).to_string();
        query(&text)
            .bind::<Text, _>(&inner.sched)
            .bind::<Text, _>(&event.run_id)
            .bind::<Text, _>(event.kind.as_str())
            .bind::<Text, _>(target)
            .bind::<Text, _>(&id)
            .bind::<Text, _>(&event.job.name)
            .bind::<Text, _>(&event.job.group)
            .bind::<Text, _>(&payload)
            .bind::<Text, _>(PENDING)
            .bind::<BigInt, _>(due_ms)
            .bind::<BigInt, _>(created_ms)
            .execute(conn)?;
    }
    Ok(())
}

/// The final state of the job's latest ended run before `run` (`SKIPPED`
/// fires aside), walked backwards on the index `CDP_R_JOB_ENDED`.
fn previous_final_state(
    conn: &mut AnyConnection,
    inner: &Inner,
    run: &RunRecord,
) -> Result<Option<RunState>, DbError> {
    let ended = run.ended_at.map(millis).unwrap_or(i64::MAX);
    let text = format!(
        "SELECT STATE AS STATE FROM {}{RUNS_TABLE} WHERE SCHED_NAME = ? AND JOB_GROUP = ? \
         AND JOB_NAME = ? AND RUN_ID <> ? AND ENDED_AT IS NOT NULL AND ENDED_AT <= ? \
         AND STATE <> 'SKIPPED' ORDER BY ENDED_AT DESC LIMIT 1",
        inner.prefix
    );
    let rows: Vec<StateRow> = query(&text)
        .bind::<Text, _>(&inner.sched)
        .bind::<Text, _>(&run.job_key.group)
        .bind::<Text, _>(&run.job_key.name)
        .bind::<Text, _>(&run.run_id)
        .bind::<BigInt, _>(ended)
        .load(conn)?;
    Ok(rows.first().and_then(|r| RunState::parse(&r.state)))
}

/// The component id of each job, read once per call.
struct Components(HashMap<JobKey, String>);

impl Components {
    fn of(
        &mut self,
        conn: &mut AnyConnection,
        inner: &Inner,
        job: &JobKey,
    ) -> Result<String, DbError> {
        if let Some(c) = self.0.get(job) {
            return Ok(c.clone());
        }
        // A job unprovisioned meanwhile (its runs killed) has no row left,
        // and an unreadable one still has its runs' events; a fault of the
        // database fails the transaction (it is retried).
        let component = match load_job(conn, &inner.sql, &inner.sched, job) {
            Ok(found) => found.map(|j| j.component_id).unwrap_or_default(),
            Err(DbError::Store(_)) => String::new(),
            Err(e) => return Err(e),
        };
        self.0.insert(job.clone(), component.clone());
        Ok(component)
    }
}

/// In the transaction that stores `runs`: for each that ended, withdraws
/// its deadline event when it ended in time and writes the events its end
/// makes.
pub(crate) fn enqueue_ended<R: Borrow<RunRecord>>(
    conn: &mut AnyConnection,
    inner: &Inner,
    runs: &[R],
) -> Result<(), DbError> {
    let Some(routes) = inner.routes() else {
        return Ok(());
    };
    let mut components = Components(HashMap::new());
    let withdraw = format!(
        "UPDATE {} SET STATE = 'CANCELLED' WHERE SCHED_NAME = ? AND RUN_ID = ? AND KIND = ? \
         AND STATE = 'PENDING' AND ATTEMPTS = 0 AND NEXT_ATTEMPT_TIME >= ?",
        table(inner)
    );
    for run in runs.iter().map(Borrow::borrow) {
        if !run.state.is_final() || run.state == RunState::Skipped {
            continue;
        }
        let ended = run.ended_at.unwrap_or(run.updated_at);
        query(&withdraw)
            .bind::<Text, _>(&inner.sched)
            .bind::<Text, _>(&run.run_id)
            .bind::<Text, _>(EventKind::DeadlineMissed.as_str())
            .bind::<BigInt, _>(millis(ended))
            .execute(conn)?;
        let previous = match run.state {
            RunState::Succeeded => previous_final_state(conn, inner, run)?,
            _ => None,
        };
        for kind in notify::events_at_end(run.state, previous) {
            let component = components.of(conn, inner, &run.job_key)?;
            let event = Event::of_run(kind, run, &component);
            insert_event(conn, inner, routes, &event, 0, millis(ended))?;
        }
    }
    Ok(())
}

/// In the acquisition's transaction: for each fire of a job with a
/// deadline, the deadline event, due at the run's nominal time plus the
/// deadline (withdrawn by [`enqueue_ended`] if the run ends by then).
pub(crate) fn enqueue_deadlines(
    conn: &mut AnyConnection,
    inner: &Inner,
    fires: &[Fire],
) -> Result<(), DbError> {
    let Some(routes) = inner.routes() else {
        return Ok(());
    };
    for fire in fires {
        let run = &fire.run;
        let Some(at) =
            notify::deadline_at(run.scheduled_fire_time, fire.job.run_policy.deadline_secs)
        else {
            continue;
        };
        let mut event = Event::of_run(EventKind::DeadlineMissed, run, &fire.job.component_id);
        event.deadline = Some(at);
        insert_event(
            conn,
            inner,
            routes,
            &event,
            millis(at),
            millis(run.created_at),
        )?;
    }
    Ok(())
}

fn claim(
    conn: &mut AnyConnection,
    inner: &Inner,
    limit: i64,
    lease_ms: i64,
) -> Result<Vec<OutboxEntry>, DbError> {
    let now = millis(db_now(conn, &inner.sql)?);
    let t = table(inner);
    let due = "((STATE = 'PENDING' AND NEXT_ATTEMPT_TIME <= ?) OR (STATE = 'SENDING' AND LEASE_UNTIL < ?))";
    let lock = match inner.backend {
        Backend::Mysql | Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let rows: Vec<DueRow> = query(&format!(
        "SELECT RUN_ID AS RUN_ID, KIND AS KIND, TARGET AS TARGET FROM {t} WHERE SCHED_NAME = ? \
         AND {due} ORDER BY NEXT_ATTEMPT_TIME LIMIT ?{lock}"
    ))
    .bind::<Text, _>(&inner.sched)
    .bind::<BigInt, _>(now)
    .bind::<BigInt, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let lease = new_id();
    let take = format!(
        "UPDATE {t} SET STATE = '{SENDING}', LEASE = ?, LEASE_UNTIL = ?, ATTEMPTS = ATTEMPTS + 1 \
         WHERE SCHED_NAME = ? AND RUN_ID = ? AND KIND = ? AND TARGET = ? AND {due}"
    );
    for r in &rows {
        query(&take)
            .bind::<Text, _>(&lease)
            .bind::<BigInt, _>(now.saturating_add(lease_ms))
            .bind::<Text, _>(&inner.sched)
            .bind::<Text, _>(&r.run_id)
            .bind::<Text, _>(&r.kind)
            .bind::<Text, _>(&r.target)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(now)
            .execute(conn)?;
    }
    let claimed: Vec<ClaimedRow> = query(&format!(
        "SELECT EVENT_ID AS EVENT_ID, KIND AS KIND, TARGET AS TARGET, PAYLOAD AS PAYLOAD, \
         ATTEMPTS AS ATTEMPTS FROM {t} WHERE SCHED_NAME = ? AND LEASE = ?"
    ))
    .bind::<Text, _>(&inner.sched)
    .bind::<Text, _>(&lease)
    .load(conn)?;
    Ok(claimed
        .into_iter()
        .filter_map(|c| {
            Some(OutboxEntry {
                kind: EventKind::parse(&c.kind)?,
                event_id: c.event_id,
                target: c.target,
                payload: c.payload,
                attempts: u32::try_from(c.attempts).unwrap_or(0),
                lease: lease.clone(),
            })
        })
        .collect())
}

fn complete(
    conn: &mut AnyConnection,
    inner: &Inner,
    entry: &OutboxEntry,
    outcome: &Delivery,
) -> Result<bool, DbError> {
    let t = table(inner);
    let now = now_ms_expr(&inner.sql);
    let bounded = |e: &str| e.chars().take(MAX_LAST_ERROR).collect::<String>();
    let (set, error, after_ms) = match outcome {
        Delivery::Sent => (
            format!("STATE = 'SENT', SENT_AT = {now}, LAST_ERROR = ?"),
            None,
            None,
        ),
        Delivery::Retry { after, error } => (
            format!("STATE = '{PENDING}', NEXT_ATTEMPT_TIME = {now} + ?, LAST_ERROR = ?"),
            Some(bounded(error)),
            Some(i64::try_from(after.as_millis()).unwrap_or(i64::MAX / 4)),
        ),
        Delivery::Failed { error } => (
            "STATE = 'FAILED', LAST_ERROR = ?".to_string(),
            Some(bounded(error)),
            None,
        ),
    };
    let text = format!(
        "UPDATE {t} SET {set}, LEASE = NULL, LEASE_UNTIL = NULL \
         WHERE SCHED_NAME = ? AND LEASE = ? AND EVENT_ID = ?"
    );
    let mut q = query(&text);
    if let Some(ms) = after_ms {
        q = q.bind::<BigInt, _>(ms);
    }
    let changed = q
        .bind::<Nullable<Text>, _>(error)
        .bind::<Text, _>(&inner.sched)
        .bind::<Text, _>(&entry.lease)
        .bind::<Text, _>(&entry.event_id)
        .execute(conn)?;
    Ok(changed == 1)
}

#[async_trait]
impl OutboxPort for DieselJobStore {
    async fn claim_notifications(
        &self,
        limit: usize,
        lease_for: std::time::Duration,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = i64::try_from(limit.clamp(1, 1000)).unwrap_or(1);
        let lease_ms = i64::try_from(lease_for.as_millis()).unwrap_or(i64::MAX / 4);
        self.with_conn("claim_notifications", Access::Write, move |conn, inner| {
            write_transaction(conn, |conn| claim(conn, inner, limit, lease_ms))
        })
        .await
    }

    async fn complete_notification(
        &self,
        entry: &OutboxEntry,
        outcome: &Delivery,
    ) -> Result<bool, StoreError> {
        let (entry, outcome) = (entry.clone(), outcome.clone());
        self.with_conn(
            "complete_notification",
            Access::Write,
            move |conn, inner| complete(conn, inner, &entry, &outcome),
        )
        .await
    }

    async fn purge_notifications(
        &self,
        older_than: std::time::Duration,
    ) -> Result<u64, StoreError> {
        let age_ms = i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX / 4);
        self.with_conn("purge_notifications", Access::Write, move |conn, inner| {
            let text = format!(
                "DELETE FROM {} WHERE SCHED_NAME = ? AND STATE IN ('SENT', 'FAILED', 'CANCELLED') \
                 AND CREATED_AT < {} - ?",
                table(inner),
                now_ms_expr(&inner.sql)
            );
            let n = query(&text)
                .bind::<Text, _>(&inner.sched)
                .bind::<BigInt, _>(age_ms)
                .execute(conn)?;
            Ok(n as u64)
        })
        .await
    }
}

#[async_trait]
impl JobTimesPort for DieselJobStore {
    async fn job_times(&self, limit: usize) -> Result<Vec<JobTimes>, StoreError> {
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        self.with_conn("job_times", Access::Read, move |conn, inner| {
            let p = &inner.prefix;
            let text = format!(
                "SELECT j.JOB_GROUP AS JOB_GROUP, j.JOB_NAME AS JOB_NAME, \
                 (SELECT MAX(r.ENDED_AT) FROM {p}{RUNS_TABLE} r WHERE r.SCHED_NAME = j.SCHED_NAME \
                 AND r.JOB_GROUP = j.JOB_GROUP AND r.JOB_NAME = j.JOB_NAME AND r.STATE = 'SUCCEEDED') \
                 AS LAST_SUCCESS, \
                 (SELECT MIN(t.NEXT_FIRE_TIME) FROM {p}TRIGGERS t WHERE t.SCHED_NAME = j.SCHED_NAME \
                 AND t.JOB_GROUP = j.JOB_GROUP AND t.JOB_NAME = j.JOB_NAME \
                 AND t.TRIGGER_STATE IN ('WAITING', 'ACQUIRED', 'BLOCKED') AND t.NEXT_FIRE_TIME >= 0) \
                 AS NEXT_FIRE \
                 FROM {p}JOB_DETAILS j WHERE j.SCHED_NAME = ? ORDER BY j.JOB_GROUP, j.JOB_NAME LIMIT ?"
            );
            let rows: Vec<TimesRow> = query(&text)
                .bind::<Text, _>(&inner.sched)
                .bind::<BigInt, _>(limit)
                .load(conn)?;
            Ok(rows
                .into_iter()
                .map(|r| JobTimes {
                    job: JobKey::new(r.group, r.name),
                    last_success: r.last_success.and_then(DateTime::from_timestamp_millis),
                    next_fire: r.next_fire.and_then(DateTime::from_timestamp_millis),
                })
                .collect())
        })
        .await
    }
}
