//! [`DieselJobStore`]: the job store port on the Quartz tables.
//!
//! Every call runs on a blocking thread (`spawn_blocking`) with a pooled
//! connection. Writes run in one transaction holding the write lock (see
//! [`crate::connection::write_transaction`]); a write that conflicted with a
//! concurrent one (lock wait timeout, deadlock, busy database) is retried
//! with a short back-off before the store answers `Conflict`.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use cdp_spark_domain::cause;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, JobLatest, JobView, OperationRecord, RunFilter, RunRecord,
    TriggerDefinition, TriggerKey, TriggerSchedule,
};
use cdp_spark_domain::ports::{JobStorePort, OperationStorePort, ReplaceOutcome, StoreError};
use cdp_spark_domain::scheduling::recovery::TriggerRepair;
use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Binary, Integer, Nullable, SmallInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use tracing::{debug, error, info, warn};

use crate::config::{Backend, DatabaseUrl, StoreConfig};
use crate::connection::{
    build_pool, checkout, establish, session_settings, write_transaction, AnyConnection, StorePool,
};
use crate::error::DbError;
use crate::job_data::{encode_job_data, JOB_CLASS_NAME};
use crate::limits::{self, RowError};
use crate::migrate::{migrate, MigrationReport};
use crate::results::bounded_result;
use crate::rows::{
    fire_millis, job_from_row, millis, operation_from_row, run_from_row, status_text,
    trigger_from_row, TYPE_CRON, TYPE_SIMPLE,
};
use crate::sql::{
    by_key, delete_trigger_rows, job_exists, load_job, lock_trigger_access, query,
    trigger_keys_of_job, trigger_owner, Db, JobRow, RunRow, Sql, TriggerRow,
};
use crate::sqlite_file::{DatabaseFile, Throttle, LOUD_EVERY};

/// Most job names in one `existing_jobs` statement (bound parameters stay
/// far below SQLite's 32766 and MySQL's 65535).
pub(crate) const EXISTING_JOBS_CHUNK: usize = 5000;

/// The job store on SQLite or MySQL/MariaDB.
#[derive(Clone)]
pub struct DieselJobStore {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pool: StorePool,
    pub(crate) sql: Sql,
    pub(crate) sched: String,
    pub(crate) prefix: String,
    pub(crate) backend: Backend,
    /// The database without password, for messages.
    target: String,
    retries: u32,
    /// SQLite has one writer at a time: our own writers queue here instead
    /// of polling SQLite's lock (`busy_timeout` still covers other processes).
    sqlite_writers: Option<Mutex<()>>,
    /// SQLite: the database file, checked before every write.
    sqlite: Option<SqliteFile>,
    /// Error lines about failed writes, at most one per [`LOUD_EVERY`].
    failed_writes: Throttle,
    /// The webhooks notification events are routed to (`outbox.rs`).
    routes: std::sync::OnceLock<cdp_spark_domain::notify::Routes>,
}

/// The SQLite file of an open store and a connection kept open on it for
/// the store's whole life: SQLite deletes the write-ahead log when its
/// last connection closes, so with this one open a missing `-wal` file
/// means that someone else deleted it.
struct SqliteFile {
    file: Arc<DatabaseFile>,
    _anchor: Mutex<AnyConnection>,
}

/// Whether an operation writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
    /// Reads, but, like a write, first makes sure that the SQLite file is
    /// still the one the store opened (readiness).
    Probe,
}

impl Inner {
    /// The notification routes, when there is at least one webhook.
    pub(crate) fn routes(&self) -> Option<&cdp_spark_domain::notify::Routes> {
        self.routes.get().filter(|r| !r.is_empty())
    }

    pub(crate) fn set_routes(&self, routes: cdp_spark_domain::notify::Routes) -> bool {
        self.routes.set(routes).is_ok()
    }

    /// Fails (and says so loudly) when the SQLite file is no longer the one
    /// the store opened; nothing to check on MySQL.
    fn ensure_file(&self, op: &str) -> Result<(), StoreError> {
        let Some(sqlite) = &self.sqlite else {
            return Ok(());
        };
        sqlite
            .file
            .check()
            .inspect_err(|e| sqlite.file.log_refused(op, e))
    }

    /// A write the database failed: at error level (at most one line per
    /// [`LOUD_EVERY`]), for SQLite with what usually explains it.
    fn log_write_failure(&self, op: &str, e: &StoreError) {
        let Some(suppressed) = self.failed_writes.allow() else {
            return;
        };
        match &self.sqlite {
            Some(sqlite) => sqlite.file.log_write_failure(op, e, suppressed),
            None => {
                error!(op, database = %self.target, suppressed, error = %e, "a write to the job store failed")
            }
        }
    }
}

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text, column_name = "journal_mode")]
    journal_mode: String,
}

/// Opens the connection a SQLite store keeps and identifies its file.
async fn open_sqlite_file(
    config: &StoreConfig,
    db: &DatabaseUrl,
    path: &Path,
) -> Result<SqliteFile, StoreError> {
    let settings = session_settings(config);
    let db = db.clone();
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut conn = establish(&db, &settings, None)?;
        let modes: Vec<JournalMode> = query("PRAGMA journal_mode")
            .load(&mut conn)
            .map_err(|e| DbError::from(e).into_store_error())?;
        let wal = modes
            .first()
            .is_some_and(|m| m.journal_mode.eq_ignore_ascii_case("wal"));
        if !wal {
            warn!(database = %path.display(), "the SQLite store is not in WAL mode (the filesystem may not support it)");
        }
        Ok(SqliteFile {
            file: Arc::new(DatabaseFile::identify(&path, wal)?),
            _anchor: Mutex::new(conn),
        })
    })
    .await
    .map_err(|e| StoreError::Other(cause!("opening the SQLite store failed: {e}")).caused_by(e))?
}

impl std::fmt::Debug for DieselJobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DieselJobStore")
            .field("database", &self.inner.target)
            .field("table_prefix", &self.inner.prefix)
            .field("sched_name", &self.inner.sched)
            .finish()
    }
}

impl DieselJobStore {
    /// Migrates the database of `config` (creating the SQLite file and its
    /// directory on first start) and opens the store on it.
    pub async fn open(config: StoreConfig) -> Result<Self, StoreError> {
        Ok(Self::open_with_report(config).await?.0)
    }

    /// As [`DieselJobStore::open`], also answering what the migration did.
    pub async fn open_with_report(
        config: StoreConfig,
    ) -> Result<(Self, MigrationReport), StoreError> {
        let report = migrate(&config).await?;
        let db = config.database()?;
        let sqlite = match &db {
            DatabaseUrl::Sqlite { path } => Some(open_sqlite_file(&config, &db, path).await?),
            DatabaseUrl::Mysql { .. } | DatabaseUrl::Postgres { .. } => None,
        };
        let pool = build_pool(
            &config,
            &db,
            config.max_connections,
            sqlite.as_ref().map(|s| Arc::clone(&s.file)),
        )?;
        info!(database = %report.database, prefix = %config.table_prefix, sched = %config.sched_name, "job store open");
        let store = Self {
            inner: Arc::new(Inner {
                pool,
                sql: Sql::new(db.backend(), &config.table_prefix),
                sched: config.sched_name.clone(),
                prefix: config.table_prefix.clone(),
                backend: db.backend(),
                target: db.redacted(),
                retries: config.conflict_retries,
                sqlite_writers: (db.backend() == Backend::Sqlite).then(|| Mutex::new(())),
                sqlite,
                failed_writes: Throttle::new(LOUD_EVERY),
                routes: std::sync::OnceLock::new(),
            }),
        };
        Ok((store, report))
    }

    /// The operator's webhooks the notification outbox (`outbox.rs`)
    /// routes events to; set once, when `serve` starts (answers false when
    /// they were set already). Until then, and with none, no event is
    /// written.
    pub fn set_notification_routes(&self, routes: cdp_spark_domain::notify::Routes) -> bool {
        self.inner.set_routes(routes)
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    pub fn sched_name(&self) -> &str {
        &self.inner.sched
    }

    pub fn table_prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// Runs `f` on a blocking thread with a pooled connection, retrying it
    /// when it conflicted with a concurrent write.
    pub(crate) async fn with_conn<T, F>(
        &self,
        op: &'static str,
        access: Access,
        f: F,
    ) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Fn(&mut AnyConnection, &Inner) -> Result<T, DbError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        // The caller's span (an HTTP request's id) on the store's log lines.
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _span = span.enter();
            if access != Access::Read {
                inner.ensure_file(op)?;
            }
            let mut conn = checkout(&inner.pool, &inner.target)?;
            let mut attempt = 0u32;
            loop {
                let gate = match (&inner.sqlite_writers, access) {
                    (Some(writers), Access::Write) => {
                        Some(writers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
                    }
                    _ => None,
                };
                let result = f(&mut conn, &inner);
                drop(gate);
                match result {
                    Ok(value) => return Ok(value),
                    Err(e) if e.is_retryable() && attempt < inner.retries => {
                        attempt += 1;
                        let wait = backoff(attempt);
                        warn!(op, attempt, error = %e.into_store_error(), wait_ms = wait.as_millis() as u64, "job store write conflicted; retrying");
                        std::thread::sleep(wait);
                    }
                    Err(e) => {
                        // Reported by the database (not a decided refusal).
                        let from_database = matches!(e, DbError::Db(_));
                        let e = e.into_store_error();
                        if access == Access::Write
                            && from_database
                            && !matches!(e, StoreError::Conflict(_))
                        {
                            inner.log_write_failure(op, &e);
                        }
                        debug!(op, error = %e, "job store operation failed");
                        return Err(e);
                    }
                }
            }
        })
        .await
        .map_err(|e| StoreError::Other(cause!("the job store task of {op} failed: {e}")).caused_by(e))?
    }

    /// The row `statement` (`… WHERE SCHED_NAME = ? AND <id column> = ?`)
    /// selects for `id`, converted with `convert`.
    async fn read_by_id<R, T>(
        &self,
        op: &'static str,
        statement: fn(&Sql) -> &String,
        id: &str,
        convert: fn(R) -> Result<T, DbError>,
    ) -> Result<Option<T>, StoreError>
    where
        R: QueryableByName<Db> + 'static,
        T: Send + 'static,
    {
        let id = id.to_string();
        self.with_conn(op, Access::Read, move |conn, inner| {
            let rows: Vec<R> = query(statement(&inner.sql))
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&id)
                .load(conn)?;
            rows.into_iter().next().map(convert).transpose()
        })
        .await
    }

    /// Runs `f` in a write transaction holding `TRIGGER_ACCESS` when the job
    /// `key` exists; answers `None` (having changed nothing) when it does not.
    pub(crate) async fn with_existing_job<T, F>(
        &self,
        op: &'static str,
        key: JobKey,
        f: F,
    ) -> Result<Option<T>, StoreError>
    where
        T: Send + 'static,
        F: Fn(&mut AnyConnection, &Inner, &JobKey) -> Result<T, DbError> + Send + 'static,
    {
        self.with_conn(op, Access::Write, move |conn, inner| {
            write_transaction(conn, |conn| {
                lock_trigger_access(conn, &inner.sql, &inner.sched)?;
                if !job_exists(conn, &inner.sql, &inner.sched, &key)? {
                    return Ok(None);
                }
                f(conn, inner, &key).map(Some)
            })
        })
        .await
    }
}

/// 5 ms doubling per attempt up to 320 ms, plus up to as much jitter, so
/// that writers that collided do not collide again.
fn backoff(attempt: u32) -> Duration {
    let base = 5u64 << attempt.saturating_sub(1).min(6);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = u64::from(nanos) % (base + 1);
    Duration::from_millis(base + jitter)
}

// --------------------------------------------------------------- writes ---

fn write_job(
    conn: &mut AnyConnection,
    inner: &Inner,
    job: &JobDefinition,
    job_data: &[u8],
    exists: bool,
) -> Result<(), DbError> {
    let description = job
        .description
        .as_deref()
        .map(|d| limits::shorten(d, limits::DESCRIPTION_LEN));
    // Durable: the job stays while it has no trigger (provisioned without a
    // schedule, or once a manual one-shot completed).
    let (durable, non_concurrent, update_data, recovery) = (true, job.non_concurrent, false, false);
    let b = inner.backend;
    if exists {
        query(&inner.sql.job_update)
            .bind::<Nullable<Text>, _>(description)
            .bind::<Text, _>(JOB_CLASS_NAME)
            .bind_flag(b, durable)
            .bind_flag(b, non_concurrent)
            .bind_flag(b, update_data)
            .bind_flag(b, recovery)
            .bind::<Binary, _>(job_data)
            .bind::<Text, _>(&inner.sched)
            .bind::<Text, _>(&job.key.name)
            .bind::<Text, _>(&job.key.group)
            .execute(conn)?;
    } else {
        query(&inner.sql.job_insert)
            .bind::<Text, _>(&inner.sched)
            .bind::<Text, _>(&job.key.name)
            .bind::<Text, _>(&job.key.group)
            .bind::<Nullable<Text>, _>(description)
            .bind::<Text, _>(JOB_CLASS_NAME)
            .bind_flag(b, durable)
            .bind_flag(b, non_concurrent)
            .bind_flag(b, update_data)
            .bind_flag(b, recovery)
            .bind::<Binary, _>(job_data)
            .execute(conn)?;
    }
    Ok(())
}

fn insert_trigger(
    conn: &mut AnyConnection,
    inner: &Inner,
    t: &TriggerDefinition,
) -> Result<(), DbError> {
    let (trigger_type, start, end) = match &t.schedule {
        TriggerSchedule::Cron {
            start_time,
            end_time,
            ..
        } => (TYPE_CRON, *start_time, *end_time),
        TriggerSchedule::Once { start_time } => (TYPE_SIMPLE, *start_time, None),
    };
    // Quartz's MISFIRE_INSTR is a SMALLINT; our instructions are -1..=2.
    let misfire = i16::try_from(t.misfire_instruction.quartz_code()).unwrap_or(0);
    query(&inner.sql.trigger_insert)
        .bind::<Text, _>(&inner.sched)
        .bind::<Text, _>(&t.key.name)
        .bind::<Text, _>(&t.key.group)
        .bind::<Text, _>(&t.job_key.name)
        .bind::<Text, _>(&t.job_key.group)
        .bind::<BigInt, _>(fire_millis(t.next_fire_time))
        .bind::<BigInt, _>(fire_millis(t.previous_fire_time))
        .bind::<Integer, _>(t.priority)
        .bind::<Text, _>(t.state.as_quartz())
        .bind::<Text, _>(trigger_type)
        .bind::<BigInt, _>(millis(start))
        .bind::<BigInt, _>(end.map(millis).unwrap_or(0))
        .bind::<SmallInt, _>(misfire)
        .execute(conn)?;
    match &t.schedule {
        TriggerSchedule::Cron {
            cron_expression,
            time_zone,
            ..
        } => {
            query(&inner.sql.cron_insert)
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&t.key.name)
                .bind::<Text, _>(&t.key.group)
                .bind::<Text, _>(cron_expression.as_str())
                .bind::<Text, _>(time_zone.name())
                .execute(conn)?;
        }
        TriggerSchedule::Once { .. } => {
            query(&inner.sql.simple_insert)
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&t.key.name)
                .bind::<Text, _>(&t.key.group)
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The body of `replace_job`, inside the write transaction.
fn replace_in_transaction(
    conn: &mut AnyConnection,
    inner: &Inner,
    job: &JobDefinition,
    job_data: &[u8],
    trigger: Option<&TriggerDefinition>,
) -> Result<ReplaceOutcome, DbError> {
    lock_trigger_access(conn, &inner.sql, &inner.sched)?;
    let exists = job_exists(conn, &inner.sql, &inner.sched, &job.key)?;
    write_job(conn, inner, job, job_data, exists)?;
    // The scheduled triggers go; pending one-shot (manual) triggers stay.
    for (key, trigger_type) in trigger_keys_of_job(conn, &inner.sql, &inner.sched, &job.key)? {
        let replaced = trigger.is_some_and(|t| t.key == key);
        if trigger_type != TYPE_SIMPLE || replaced {
            delete_trigger_rows(conn, &inner.sql, &inner.sched, &key)?;
        }
    }
    if let Some(t) = trigger {
        if let Some(owner) = trigger_owner(conn, &inner.sql, &inner.sched, &t.key)? {
            return Err(DbError::Store(StoreError::Other(cause!(
                "the trigger key {} is already used by job {owner}, so job {} cannot take it; nothing was changed",
                t.key, job.key
            ))));
        }
        insert_trigger(conn, inner, t)?;
    }
    Ok(if exists {
        ReplaceOutcome::Replaced
    } else {
        ReplaceOutcome::Created
    })
}

#[async_trait]
impl JobStorePort for DieselJobStore {
    async fn replace_job(
        &self,
        job: &JobDefinition,
        trigger: Option<TriggerDefinition>,
    ) -> Result<ReplaceOutcome, StoreError> {
        let job_data = encode_job_data(job);
        limits::check_job(job, &job_data)?;
        if let Some(t) = &trigger {
            limits::check_trigger(t)?;
            if t.job_key != job.key {
                return Err(RowError::Inconsistent(format!(
                    "the trigger {} belongs to job {}, not to job {} being stored",
                    t.key, t.job_key, job.key
                ))
                .into());
            }
        }
        let job = job.clone();
        self.with_conn("replace_job", Access::Write, move |conn, inner| {
            write_transaction(conn, |conn| {
                replace_in_transaction(conn, inner, &job, &job_data, trigger.as_ref())
            })
        })
        .await
    }

    async fn delete_job(&self, key: &JobKey) -> Result<bool, StoreError> {
        limits::check_job_key(key)?;
        let deleted = self
            .with_existing_job("delete_job", key.clone(), |conn, inner, key| {
                for (trigger, _) in trigger_keys_of_job(conn, &inner.sql, &inner.sched, key)? {
                    delete_trigger_rows(conn, &inner.sql, &inner.sched, &trigger)?;
                }
                by_key(&inner.sql.job_delete, &inner.sched, key).execute(conn)?;
                Ok(())
            })
            .await?;
        Ok(deleted.is_some())
    }

    async fn get_job(&self, key: &JobKey) -> Result<Option<JobDefinition>, StoreError> {
        let key = key.clone();
        self.with_conn("get_job", Access::Read, move |conn, inner| {
            load_job(conn, &inner.sql, &inner.sched, &key)
        })
        .await
    }

    async fn list_jobs(&self, group: Option<String>) -> Result<Vec<JobDefinition>, StoreError> {
        self.with_conn("list_jobs", Access::Read, move |conn, inner| {
            let rows: Vec<JobRow> = match &group {
                Some(g) => query(&inner.sql.jobs_select_group)
                    .bind::<Text, _>(&inner.sched)
                    .bind::<Text, _>(JOB_CLASS_NAME)
                    .bind::<Text, _>(g)
                    .load(conn)?,
                None => query(&inner.sql.jobs_select)
                    .bind::<Text, _>(&inner.sched)
                    .bind::<Text, _>(JOB_CLASS_NAME)
                    .load(conn)?,
            };
            rows.into_iter().map(job_from_row).collect()
        })
        .await
    }

    /// A few statements (`job_views.rs`).
    async fn job_views(
        &self,
        group: Option<String>,
        runs_per_job: u64,
        page: Option<(u64, u64)>,
    ) -> Result<(u64, Vec<JobView>), StoreError> {
        self.load_job_views(group, runs_per_job, page).await
    }

    /// Three statements (`job_views.rs`).
    async fn job_latest(&self, group: Option<String>) -> Result<Vec<JobLatest>, StoreError> {
        self.load_job_latest(group).await
    }

    /// A few statements (`job_views.rs`).
    async fn job_views_of(&self, keys: Vec<JobKey>, runs: u64) -> Result<Vec<JobView>, StoreError> {
        self.load_job_views_of(keys, runs).await
    }

    /// One statement per [`EXISTING_JOBS_CHUNK`] names (`job_views.rs`).
    async fn existing_jobs(&self, keys: &[JobKey]) -> Result<BTreeSet<JobKey>, StoreError> {
        self.load_existing_jobs(keys).await
    }

    async fn add_trigger(&self, trigger: &TriggerDefinition) -> Result<bool, StoreError> {
        limits::check_trigger(trigger)?;
        let trigger = trigger.clone();
        let job = trigger.job_key.clone();
        let added = self
            .with_existing_job("add_trigger", job, move |conn, inner, _| {
                if let Some(owner) = trigger_owner(conn, &inner.sql, &inner.sched, &trigger.key)? {
                    return Err(DbError::Store(StoreError::Conflict(cause!(
                        "a trigger {} (of job {owner}) already exists; nothing was added",
                        trigger.key
                    ))));
                }
                insert_trigger(conn, inner, &trigger)
            })
            .await?;
        Ok(added.is_some())
    }

    async fn get_trigger(&self, key: &TriggerKey) -> Result<Option<TriggerDefinition>, StoreError> {
        let key = key.clone();
        self.with_conn("get_trigger", Access::Read, move |conn, inner| {
            let rows: Vec<TriggerRow> =
                by_key(&inner.sql.trigger_select, &inner.sched, &key).load(conn)?;
            rows.into_iter().next().map(trigger_from_row).transpose()
        })
        .await
    }

    async fn triggers_of_job(&self, key: &JobKey) -> Result<Vec<TriggerDefinition>, StoreError> {
        let key = key.clone();
        self.with_conn("triggers_of_job", Access::Read, move |conn, inner| {
            let rows: Vec<TriggerRow> =
                by_key(&inner.sql.triggers_of_job_select, &inner.sched, &key).load(conn)?;
            rows.into_iter().map(trigger_from_row).collect()
        })
        .await
    }

    async fn get_run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        self.read_by_id("get_run", |sql| &sql.run_select, run_id, run_from_row)
            .await
    }

    /// Newest first by actual fire time (then run id, descending); a
    /// `limit` of 0 means no limit.
    async fn list_runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, StoreError> {
        let filter = filter.clone();
        self.with_conn("list_runs", Access::Read, move |conn, inner| {
            let mut sql = inner.sql.runs_select.clone();
            if filter.state.is_some() {
                sql.push_str(" AND STATE = ?");
            }
            if filter.job.is_some() {
                sql.push_str(" AND JOB_GROUP = ? AND JOB_NAME = ?");
            }
            sql.push_str(" ORDER BY ACTUAL_FIRE_TIME DESC, RUN_ID DESC LIMIT ? OFFSET ?");
            let mut q = query(&sql).bind::<Text, _>(&inner.sched);
            if let Some(state) = filter.state {
                q = q.bind::<Text, _>(state.as_str());
            }
            if let Some(job) = &filter.job {
                q = q.bind::<Text, _>(&job.group).bind::<Text, _>(&job.name);
            }
            let limit = match filter.limit {
                0 => i64::MAX,
                n => i64::try_from(n).unwrap_or(i64::MAX),
            };
            let offset = i64::try_from(filter.offset).unwrap_or(i64::MAX);
            let rows: Vec<RunRow> = q
                .bind::<BigInt, _>(limit)
                .bind::<BigInt, _>(offset)
                .load(conn)?;
            rows.into_iter().map(run_from_row).collect()
        })
        .await
    }

    async fn runs_scheduled_between(
        &self,
        job: &JobKey,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let job = job.clone();
        self.with_conn("runs_scheduled_between", Access::Read, move |c, inner| {
            crate::repair::runs_scheduled_between(c, inner, &job, (from, to), limit)
        })
        .await
    }

    async fn trigger_repairs(&self, job: &JobKey) -> Result<Vec<TriggerRepair>, StoreError> {
        let job = job.clone();
        self.with_conn("trigger_repairs", Access::Read, move |c, inner| {
            crate::repair::trigger_repairs(c, inner, &job)
        })
        .await
    }

    /// The database answers and, for SQLite, its file is still the one the
    /// store opened.
    async fn ping(&self) -> Result<(), StoreError> {
        self.with_conn("ping", Access::Probe, |conn, _| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl OperationStorePort for DieselJobStore {
    /// The result is kept up to [`crate::results::MAX_RESULT_BYTES`] (see
    /// [`crate::results`]).
    async fn save_operation(&self, operation: &OperationRecord) -> Result<(), StoreError> {
        let mut op = operation.clone();
        if let Some(result) = &op.result {
            if let Some(shorter) = bounded_result(op.kind, op.status, result, op.updated_at) {
                info!(
                    operation = %op.id,
                    kind = op.kind.as_str(),
                    bytes = result.len(),
                    stored = shorter.len(),
                    "an operation's result was shortened to be stored"
                );
                op.result = Some(shorter);
            }
        }
        limits::check_operation(&op)?;
        self.with_conn("save_operation", Access::Write, move |conn, inner| {
            query(&inner.sql.operation_upsert)
                .bind::<Text, _>(&inner.sched)
                .bind::<Text, _>(&op.id)
                .bind::<Text, _>(op.kind.as_str())
                .bind::<Nullable<Text>, _>(op.component_id.as_deref())
                .bind::<Text, _>(status_text(op.status))
                .bind::<Nullable<Text>, _>(op.result.as_deref())
                .bind::<BigInt, _>(millis(op.created_at))
                .bind::<BigInt, _>(millis(op.updated_at))
                .execute(conn)?;
            Ok(())
        })
        .await
    }

    async fn get_operation(&self, id: &str) -> Result<Option<OperationRecord>, StoreError> {
        self.read_by_id(
            "get_operation",
            |sql| &sql.operation_select,
            id,
            operation_from_row,
        )
        .await
    }

    async fn purge_operations(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.with_conn("purge_operations", Access::Write, move |conn, inner| {
            let n = query(&inner.sql.operations_purge)
                .bind::<Text, _>(&inner.sched)
                .bind::<BigInt, _>(millis(before))
                .execute(conn)?;
            Ok(n as u64)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 1..20 {
            let base = 5u64 << (attempt - 1).min(6);
            let ms = backoff(attempt).as_millis() as u64;
            assert!(ms >= base && ms <= 2 * base, "attempt {attempt}: {ms} ms");
        }
    }
}
