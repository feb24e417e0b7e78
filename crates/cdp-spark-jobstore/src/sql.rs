//! The SQL of the store, built once for a table prefix and backend, and the
//! statements that read and write rows. Everything here runs on a blocking
//! thread with a connection from the pool.

use std::borrow::Cow;
use std::marker::PhantomData;

use cdp_spark_domain::model::{JobDefinition, JobKey, RunRecord, TriggerKey};
use diesel::query_builder::{AstPass, Query as DieselQuery, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{
    BigInt, Binary, Bool, HasSqlType, Integer, Nullable, SmallInt, Text, Untyped,
};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use crate::config::Backend;
use crate::connection::AnyConnection;
use crate::ddl::{OPERATIONS_TABLE, RUNS_TABLE};
use crate::dialect::{flag_text, postgres_text, upsert};
use crate::error::DbError;
use crate::limits;
use crate::rows::{bool_text, job_from_row, millis};

/// The backend type of [`AnyConnection`].
pub(crate) type Db = <AnyConnection as diesel::Connection>::Backend;

/// A statement of our SQL text with its parameters bound one by one
/// (`.bind::<Type, _>(value)`), like Diesel's boxed `sql_query`, except that
/// it is safe to keep prepared: Diesel caches it per connection by its text,
/// so each statement is prepared once per connection instead of every time.
/// The text holds `?` only as placeholders (values are always bound).
///
/// On PostgreSQL the text is [`crate::dialect::postgres_text`]'s: the column aliases
/// (`X AS NAME`) quoted, so that the result columns keep the upper-case
/// names the row types look up (PostgreSQL folds unquoted names to lower
/// case; Quartz's unquoted table and column names fold alike on both sides).
#[must_use = "a statement runs only with `load` or `execute`"]
pub(crate) struct Query<'f> {
    sql: &'f str,
    cache: bool,
    binds: Vec<Box<dyn QueryFragment<Db> + Send + 'f>>,
}

struct Bind<ST, U> {
    value: U,
    sql_type: PhantomData<ST>,
}

impl<ST, U> QueryFragment<Db> for Bind<ST, U>
where
    Db: HasSqlType<ST>,
    U: ToSql<ST, Db>,
{
    fn walk_ast<'b>(&'b self, mut pass: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        // Writes the placeholder and binds the value.
        pass.push_bind_param::<ST, U>(&self.value)
    }
}

impl<'f> Query<'f> {
    pub fn bind<ST, U>(mut self, value: U) -> Self
    where
        Db: HasSqlType<ST>,
        U: ToSql<ST, Db> + Send + 'f,
        ST: Send + 'f,
    {
        self.binds.push(Box::new(Bind {
            value,
            sql_type: PhantomData,
        }));
        self
    }

    /// Binds one of Quartz's boolean columns (`IS_DURABLE`, …): `BOOL` on
    /// PostgreSQL (Quartz's `tables_postgres.sql`), `VARCHAR(1)` holding
    /// `1`/`0` elsewhere (JDBC `setBoolean` on `tables_mysql_innodb.sql`).
    pub fn bind_flag(self, backend: Backend, value: bool) -> Self {
        match backend {
            Backend::Postgres => self.bind::<Bool, _>(value),
            Backend::Mysql | Backend::Sqlite => self.bind::<Text, _>(bool_text(value)),
        }
    }

    /// Binds every one of `values`, in order, as `ST`.
    pub fn bind_each<ST, U>(self, values: impl IntoIterator<Item = U>) -> Self
    where
        Db: HasSqlType<ST>,
        U: ToSql<ST, Db> + Send + 'f,
        ST: Send + 'f,
    {
        values
            .into_iter()
            .fold(self, |q, value| q.bind::<ST, U>(value))
    }
}

impl QueryFragment<Db> for Query<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Db>) -> QueryResult<()> {
        if !self.cache {
            out.unsafe_to_cache_prepared();
        }
        let text = match out.backend() {
            Db::Pg(_) => postgres_text(self.sql),
            Db::Mysql(_) | Db::Sqlite(_) => Cow::Borrowed(self.sql),
        };
        let mut binds = self.binds.iter();
        let mut parts = text.split('?');
        if let Some(first) = parts.next() {
            out.push_sql(first);
        }
        for part in parts {
            let bind = binds.next().ok_or_else(|| {
                diesel::result::Error::QueryBuilderError(
                    format!("a parameter of `{}` is not bound", self.sql).into(),
                )
            })?;
            bind.walk_ast(out.reborrow())?;
            out.push_sql(part);
        }
        if binds.next().is_some() {
            return Err(diesel::result::Error::QueryBuilderError(
                format!("more parameters bound than `{}` has", self.sql).into(),
            ));
        }
        Ok(())
    }
}

impl QueryId for Query<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl DieselQuery for Query<'_> {
    type SqlType = Untyped;
}

impl RunQueryDsl<AnyConnection> for Query<'_> {}

/// A statement whose parameters are bound one by one with `.bind::<Type, _>(value)`.
pub(crate) fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        cache: true,
        binds: Vec::new(),
    }
}

/// As [`query`], for statement texts built per call (multi-row statements
/// whose length varies): not kept prepared, so that they do not pile up
/// in the connection's statement cache.
pub(crate) fn query_once(sql: &str) -> Query<'_> {
    Query {
        sql,
        cache: false,
        binds: Vec::new(),
    }
}

/// `statement`, whose first parameters are `SCHED_NAME = ? AND …_NAME = ?
/// AND …_GROUP = ?`, with `sched` and `key` bound.
pub(crate) fn by_key<'f>(statement: &'f str, sched: &'f str, key: &'f impl RowKey) -> Query<'f> {
    let (name, group) = key.name_and_group();
    query(statement)
        .bind::<Text, _>(sched)
        .bind::<Text, _>(name)
        .bind::<Text, _>(group)
}

/// The key of a Quartz row: a name within a group.
pub(crate) trait RowKey {
    fn name_and_group(&self) -> (&str, &str);
}

impl RowKey for JobKey {
    fn name_and_group(&self) -> (&str, &str) {
        (&self.name, &self.group)
    }
}

impl RowKey for TriggerKey {
    fn name_and_group(&self) -> (&str, &str) {
        (&self.name, &self.group)
    }
}

/// `?, ?, …`: `n` placeholders.
pub(crate) fn in_list(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Runs one statement per chunk of at most `size` of `values`. `text(list)`
/// builds the chunk's statement, `list` being one placeholder per value
/// (`?, ?, …`; the text varies, so it is not kept prepared, see
/// [`query_once`]); `lead` is bound first, then the chunk's values; `run(q,
/// n)` runs the statement `q` of a chunk of `n` values.
pub(crate) fn per_chunk<'v>(
    values: &'v [String],
    size: usize,
    lead: &[&'v str],
    text: impl Fn(&str) -> String,
    mut run: impl FnMut(Query<'_>, usize) -> Result<(), DbError>,
) -> Result<(), DbError> {
    for chunk in values.chunks(size) {
        let text = text(&in_list(chunk.len()));
        let q = query_once(&text)
            .bind_each::<Text, _>(lead.iter().copied())
            .bind_each::<Text, _>(chunk);
        run(q, chunk.len())?;
    }
    Ok(())
}

/// Binds the values of `run` in the order of [`RUN_COLUMNS`] (its error
/// text cut to `ERROR_TEXT`'s length).
pub(crate) fn bind_run<'f>(q: Query<'f>, sched: &'f str, run: &'f RunRecord) -> Query<'f> {
    let error = run
        .error
        .as_deref()
        .map(|e| limits::shorten(e, limits::ERROR_TEXT_LEN));
    q.bind::<Text, _>(sched)
        .bind::<Text, _>(&run.run_id)
        .bind::<Text, _>(&run.job_key.name)
        .bind::<Text, _>(&run.job_key.group)
        .bind::<Text, _>(&run.trigger_key.name)
        .bind::<Text, _>(&run.trigger_key.group)
        .bind::<BigInt, _>(millis(run.scheduled_fire_time))
        .bind::<BigInt, _>(millis(run.actual_fire_time))
        .bind::<Nullable<Text>, _>(run.application_id.as_deref())
        .bind::<Nullable<Text>, _>(run.tracking_url.as_deref())
        .bind::<Text, _>(run.state.as_str())
        .bind::<Nullable<Text>, _>(run.final_status.as_deref())
        .bind::<BigInt, _>(millis(run.created_at))
        .bind::<BigInt, _>(millis(run.updated_at))
        .bind::<Nullable<BigInt>, _>(run.ended_at.map(millis))
        .bind::<Nullable<Text>, _>(error)
        .bind::<Nullable<Text>, _>(run.parameters.as_ref().map(|p| p.to_stored()))
        .bind::<Nullable<Text>, _>(run.backfill.as_ref().map(|b| b.id.as_str()))
        .bind::<Nullable<BigInt>, _>(run.backfill.as_ref().map(|b| i64::from(b.max_parallel)))
        .bind::<Nullable<BigInt>, _>(run.submitted_at.map(millis))
        .bind::<Nullable<BigInt>, _>(run.running_at.map(millis))
}

/// The lock row Quartz takes (`SELECT … FOR UPDATE`) before it changes
/// triggers; we take the same one.
pub const TRIGGER_ACCESS: &str = "TRIGGER_ACCESS";
/// Quartz's other lock row, created with it.
pub const STATE_ACCESS: &str = "STATE_ACCESS";

/// Every statement of the store for one prefix and backend.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    pub backend: Backend,
    pub lock_select: String,
    pub lock_insert: String,
    pub lock_rows_ensure: String,
    pub job_exists: String,
    pub job_insert: String,
    pub job_update: String,
    pub job_select: String,
    pub jobs_select: String,
    pub jobs_select_group: String,
    pub job_delete: String,
    pub trigger_keys_of_job: String,
    pub trigger_owner: String,
    pub trigger_insert: String,
    pub cron_insert: String,
    pub simple_insert: String,
    pub trigger_side_deletes: [String; 4],
    pub trigger_delete: String,
    pub trigger_select: String,
    pub triggers_of_job_select: String,
    /// Every trigger of the scheduler; conditions and order appended.
    pub triggers_of_sched: String,
    pub run_select: String,
    pub runs_select: String,
    pub operation_upsert: String,
    pub operation_select: String,
    pub operations_purge: String,
}

/// The columns of [`JobRow`], `alias.` before each (`""` for none).
pub(crate) fn job_columns(backend: Backend, alias: &str) -> String {
    format!(
        "{alias}JOB_NAME AS JOB_NAME, {alias}JOB_GROUP AS JOB_GROUP, \
         {alias}DESCRIPTION AS DESCRIPTION, {alias}JOB_CLASS_NAME AS JOB_CLASS_NAME, \
         {} AS IS_NONCONCURRENT, {alias}JOB_DATA AS JOB_DATA",
        flag_text(backend, &format!("{alias}IS_NONCONCURRENT"))
    )
}

/// The columns of the run table, in the order [`bind_run`] binds them.
pub(crate) const RUN_COLUMNS: &[&str] = &[
    "SCHED_NAME",
    "RUN_ID",
    "JOB_NAME",
    "JOB_GROUP",
    "TRIGGER_NAME",
    "TRIGGER_GROUP",
    "SCHEDULED_FIRE_TIME",
    "ACTUAL_FIRE_TIME",
    "APPLICATION_ID",
    "TRACKING_URL",
    "STATE",
    "FINAL_STATUS",
    "CREATED_AT",
    "UPDATED_AT",
    "ENDED_AT",
    "ERROR_TEXT",
    "PARAMETERS",
    "BACKFILL_ID",
    "BACKFILL_MAX_PARALLEL",
    "SUBMITTED_AT",
    "RUNNING_AT",
];

const OPERATION_COLUMNS: &[&str] = &[
    "SCHED_NAME",
    "OPERATION_ID",
    "KIND",
    "COMPONENT_ID",
    "STATUS",
    "RESULT",
    "CREATED_AT",
    "UPDATED_AT",
];

/// `C AS C, …`: the columns under their own names.
pub(crate) fn aliased(columns: &[&str]) -> String {
    columns
        .iter()
        .map(|c| format!("{c} AS {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Sql {
    pub fn new(backend: Backend, p: &str) -> Self {
        let lock_rows = format!("INTO {p}LOCKS (SCHED_NAME, LOCK_NAME) VALUES (?, ?), (?, ?)");
        let lock_rows_ensure = match backend {
            Backend::Mysql => format!("INSERT IGNORE {lock_rows}"),
            Backend::Sqlite => format!("INSERT OR IGNORE {lock_rows}"),
            Backend::Postgres => format!("INSERT {lock_rows} ON CONFLICT DO NOTHING"),
        };
        let job_columns = job_columns(backend, "");
        let trigger_columns = format!(
            "t.TRIGGER_NAME AS TRIGGER_NAME, t.TRIGGER_GROUP AS TRIGGER_GROUP, \
             t.JOB_NAME AS JOB_NAME, t.JOB_GROUP AS JOB_GROUP, \
             t.NEXT_FIRE_TIME AS NEXT_FIRE_TIME, t.PREV_FIRE_TIME AS PREV_FIRE_TIME, \
             t.PRIORITY AS PRIORITY, t.TRIGGER_STATE AS TRIGGER_STATE, \
             t.TRIGGER_TYPE AS TRIGGER_TYPE, t.START_TIME AS START_TIME, t.END_TIME AS END_TIME, \
             t.MISFIRE_INSTR AS MISFIRE_INSTR, c.CRON_EXPRESSION AS CRON_EXPRESSION, \
             c.TIME_ZONE_ID AS TIME_ZONE_ID, s.REPEAT_COUNT AS REPEAT_COUNT \
             FROM {p}TRIGGERS t \
             LEFT JOIN {p}CRON_TRIGGERS c ON c.SCHED_NAME = t.SCHED_NAME \
             AND c.TRIGGER_NAME = t.TRIGGER_NAME AND c.TRIGGER_GROUP = t.TRIGGER_GROUP \
             LEFT JOIN {p}SIMPLE_TRIGGERS s ON s.SCHED_NAME = t.SCHED_NAME \
             AND s.TRIGGER_NAME = t.TRIGGER_NAME AND s.TRIGGER_GROUP = t.TRIGGER_GROUP"
        );
        let trigger_key = "SCHED_NAME = ? AND TRIGGER_NAME = ? AND TRIGGER_GROUP = ?";
        let job_key = "SCHED_NAME = ? AND JOB_NAME = ? AND JOB_GROUP = ?";
        Self {
            backend,
            lock_select: format!(
                "SELECT LOCK_NAME AS LOCK_NAME FROM {p}LOCKS WHERE SCHED_NAME = ? AND LOCK_NAME = ? FOR UPDATE"
            ),
            lock_insert: format!("INSERT INTO {p}LOCKS (SCHED_NAME, LOCK_NAME) VALUES (?, ?)"),
            lock_rows_ensure,
            job_exists: format!(
                "SELECT JOB_NAME AS JOB_NAME FROM {p}JOB_DETAILS WHERE {job_key}"
            ),
            job_insert: format!(
                "INSERT INTO {p}JOB_DETAILS (SCHED_NAME, JOB_NAME, JOB_GROUP, DESCRIPTION, \
                 JOB_CLASS_NAME, IS_DURABLE, IS_NONCONCURRENT, IS_UPDATE_DATA, REQUESTS_RECOVERY, \
                 JOB_DATA) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            job_update: format!(
                "UPDATE {p}JOB_DETAILS SET DESCRIPTION = ?, JOB_CLASS_NAME = ?, IS_DURABLE = ?, \
                 IS_NONCONCURRENT = ?, IS_UPDATE_DATA = ?, REQUESTS_RECOVERY = ?, JOB_DATA = ? \
                 WHERE {job_key}"
            ),
            job_select: format!("SELECT {job_columns} FROM {p}JOB_DETAILS WHERE {job_key}"),
            jobs_select: format!(
                "SELECT {job_columns} FROM {p}JOB_DETAILS WHERE SCHED_NAME = ? \
                 AND JOB_CLASS_NAME = ? ORDER BY JOB_GROUP, JOB_NAME"
            ),
            jobs_select_group: format!(
                "SELECT {job_columns} FROM {p}JOB_DETAILS WHERE SCHED_NAME = ? \
                 AND JOB_CLASS_NAME = ? AND JOB_GROUP = ? ORDER BY JOB_GROUP, JOB_NAME"
            ),
            job_delete: format!("DELETE FROM {p}JOB_DETAILS WHERE {job_key}"),
            trigger_keys_of_job: format!(
                "SELECT TRIGGER_NAME AS TRIGGER_NAME, TRIGGER_GROUP AS TRIGGER_GROUP, \
                 TRIGGER_TYPE AS TRIGGER_TYPE FROM {p}TRIGGERS WHERE {job_key}"
            ),
            trigger_owner: format!(
                "SELECT JOB_NAME AS JOB_NAME, JOB_GROUP AS JOB_GROUP FROM {p}TRIGGERS WHERE {trigger_key}"
            ),
            trigger_insert: format!(
                "INSERT INTO {p}TRIGGERS (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP, JOB_NAME, \
                 JOB_GROUP, DESCRIPTION, NEXT_FIRE_TIME, PREV_FIRE_TIME, PRIORITY, TRIGGER_STATE, \
                 TRIGGER_TYPE, START_TIME, END_TIME, CALENDAR_NAME, MISFIRE_INSTR, JOB_DATA) \
                 VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)"
            ),
            cron_insert: format!(
                "INSERT INTO {p}CRON_TRIGGERS (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP, \
                 CRON_EXPRESSION, TIME_ZONE_ID) VALUES (?, ?, ?, ?, ?)"
            ),
            simple_insert: format!(
                "INSERT INTO {p}SIMPLE_TRIGGERS (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP, \
                 REPEAT_COUNT, REPEAT_INTERVAL, TIMES_TRIGGERED) VALUES (?, ?, ?, 0, 0, 0)"
            ),
            trigger_side_deletes: [
                format!("DELETE FROM {p}SIMPLE_TRIGGERS WHERE {trigger_key}"),
                format!("DELETE FROM {p}CRON_TRIGGERS WHERE {trigger_key}"),
                format!("DELETE FROM {p}SIMPROP_TRIGGERS WHERE {trigger_key}"),
                format!("DELETE FROM {p}BLOB_TRIGGERS WHERE {trigger_key}"),
            ],
            trigger_delete: format!("DELETE FROM {p}TRIGGERS WHERE {trigger_key}"),
            trigger_select: format!(
                "SELECT {trigger_columns} WHERE t.SCHED_NAME = ? AND t.TRIGGER_NAME = ? \
                 AND t.TRIGGER_GROUP = ?"
            ),
            triggers_of_sched: format!("SELECT {trigger_columns} WHERE t.SCHED_NAME = ?"),
            triggers_of_job_select: format!(
                "SELECT {trigger_columns} WHERE t.SCHED_NAME = ? AND t.JOB_NAME = ? \
                 AND t.JOB_GROUP = ? ORDER BY t.TRIGGER_GROUP, t.TRIGGER_NAME"
            ),
            run_select: format!(
                "SELECT {} FROM {p}{RUNS_TABLE} WHERE SCHED_NAME = ? AND RUN_ID = ?",
                aliased(RUN_COLUMNS)
            ),
            runs_select: format!(
                "SELECT {} FROM {p}{RUNS_TABLE} WHERE SCHED_NAME = ?",
                aliased(RUN_COLUMNS)
            ),
            operation_upsert: upsert(
                backend,
                &format!("{p}{OPERATIONS_TABLE}"),
                OPERATION_COLUMNS,
                &["SCHED_NAME", "OPERATION_ID"],
            ),
            operation_select: format!(
                "SELECT {} FROM {p}{OPERATIONS_TABLE} WHERE SCHED_NAME = ? AND OPERATION_ID = ?",
                aliased(OPERATION_COLUMNS)
            ),
            operations_purge: format!(
                "DELETE FROM {p}{OPERATIONS_TABLE} WHERE SCHED_NAME = ? AND UPDATED_AT < ?"
            ),
        }
    }
}

// ------------------------------------------------------------------ rows ---

#[derive(Debug, QueryableByName)]
pub(crate) struct LockRow {
    #[diesel(sql_type = Text, column_name = "LOCK_NAME")]
    pub _lock_name: String,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct JobNameRow {
    #[diesel(sql_type = Text, column_name = "JOB_NAME")]
    pub _job_name: String,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct JobRow {
    #[diesel(sql_type = Text, column_name = "JOB_NAME")]
    pub job_name: String,
    #[diesel(sql_type = Text, column_name = "JOB_GROUP")]
    pub job_group: String,
    #[diesel(sql_type = Nullable<Text>, column_name = "DESCRIPTION")]
    pub description: Option<String>,
    #[diesel(sql_type = Text, column_name = "JOB_CLASS_NAME")]
    pub job_class_name: String,
    #[diesel(sql_type = Text, column_name = "IS_NONCONCURRENT")]
    pub is_nonconcurrent: String,
    #[diesel(sql_type = Nullable<Binary>, column_name = "JOB_DATA")]
    pub job_data: Option<Vec<u8>>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct TriggerKeyRow {
    #[diesel(sql_type = Text, column_name = "TRIGGER_NAME")]
    pub trigger_name: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_GROUP")]
    pub trigger_group: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_TYPE")]
    pub trigger_type: String,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct OwnerRow {
    #[diesel(sql_type = Text, column_name = "JOB_NAME")]
    pub job_name: String,
    #[diesel(sql_type = Text, column_name = "JOB_GROUP")]
    pub job_group: String,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct TriggerRow {
    #[diesel(sql_type = Text, column_name = "TRIGGER_NAME")]
    pub trigger_name: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_GROUP")]
    pub trigger_group: String,
    #[diesel(sql_type = Text, column_name = "JOB_NAME")]
    pub job_name: String,
    #[diesel(sql_type = Text, column_name = "JOB_GROUP")]
    pub job_group: String,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "NEXT_FIRE_TIME")]
    pub next_fire_time: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "PREV_FIRE_TIME")]
    pub prev_fire_time: Option<i64>,
    #[diesel(sql_type = Nullable<Integer>, column_name = "PRIORITY")]
    pub priority: Option<i32>,
    #[diesel(sql_type = Text, column_name = "TRIGGER_STATE")]
    pub trigger_state: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_TYPE")]
    pub trigger_type: String,
    #[diesel(sql_type = BigInt, column_name = "START_TIME")]
    pub start_time: i64,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "END_TIME")]
    pub end_time: Option<i64>,
    #[diesel(sql_type = Nullable<SmallInt>, column_name = "MISFIRE_INSTR")]
    pub misfire_instr: Option<i16>,
    #[diesel(sql_type = Nullable<Text>, column_name = "CRON_EXPRESSION")]
    pub cron_expression: Option<String>,
    #[diesel(sql_type = Nullable<Text>, column_name = "TIME_ZONE_ID")]
    pub time_zone_id: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "REPEAT_COUNT")]
    pub repeat_count: Option<i64>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct RunRow {
    #[diesel(sql_type = Text, column_name = "RUN_ID")]
    pub run_id: String,
    #[diesel(sql_type = Text, column_name = "JOB_NAME")]
    pub job_name: String,
    #[diesel(sql_type = Text, column_name = "JOB_GROUP")]
    pub job_group: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_NAME")]
    pub trigger_name: String,
    #[diesel(sql_type = Text, column_name = "TRIGGER_GROUP")]
    pub trigger_group: String,
    #[diesel(sql_type = BigInt, column_name = "SCHEDULED_FIRE_TIME")]
    pub scheduled_fire_time: i64,
    #[diesel(sql_type = BigInt, column_name = "ACTUAL_FIRE_TIME")]
    pub actual_fire_time: i64,
    #[diesel(sql_type = Nullable<Text>, column_name = "APPLICATION_ID")]
    pub application_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>, column_name = "TRACKING_URL")]
    pub tracking_url: Option<String>,
    #[diesel(sql_type = Text, column_name = "STATE")]
    pub state: String,
    #[diesel(sql_type = Nullable<Text>, column_name = "FINAL_STATUS")]
    pub final_status: Option<String>,
    #[diesel(sql_type = BigInt, column_name = "CREATED_AT")]
    pub created_at: i64,
    #[diesel(sql_type = BigInt, column_name = "UPDATED_AT")]
    pub updated_at: i64,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "ENDED_AT")]
    pub ended_at: Option<i64>,
    #[diesel(sql_type = Nullable<Text>, column_name = "ERROR_TEXT")]
    pub error_text: Option<String>,
    #[diesel(sql_type = Nullable<Text>, column_name = "PARAMETERS")]
    pub parameters: Option<String>,
    #[diesel(sql_type = Nullable<Text>, column_name = "BACKFILL_ID")]
    pub backfill_id: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "BACKFILL_MAX_PARALLEL")]
    pub backfill_max_parallel: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "SUBMITTED_AT")]
    pub submitted_at: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>, column_name = "RUNNING_AT")]
    pub running_at: Option<i64>,
}

#[derive(Debug, QueryableByName)]
pub(crate) struct OperationRow {
    #[diesel(sql_type = Text, column_name = "OPERATION_ID")]
    pub operation_id: String,
    #[diesel(sql_type = Text, column_name = "KIND")]
    pub kind: String,
    #[diesel(sql_type = Nullable<Text>, column_name = "COMPONENT_ID")]
    pub component_id: Option<String>,
    #[diesel(sql_type = Text, column_name = "STATUS")]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>, column_name = "RESULT")]
    pub result: Option<String>,
    #[diesel(sql_type = BigInt, column_name = "CREATED_AT")]
    pub created_at: i64,
    #[diesel(sql_type = BigInt, column_name = "UPDATED_AT")]
    pub updated_at: i64,
}

// ------------------------------------------------------------ statements ---

/// Takes Quartz's `TRIGGER_ACCESS` row lock for the rest of the transaction
/// (MySQL, PostgreSQL; on SQLite `BEGIN IMMEDIATE` already made this the
/// only writer).
pub(crate) fn lock_trigger_access(
    conn: &mut AnyConnection,
    sql: &Sql,
    sched: &str,
) -> Result<(), DbError> {
    lock_row(conn, sql, sched, TRIGGER_ACCESS)
}

/// Takes Quartz's row lock `name` (`TRIGGER_ACCESS`, `STATE_ACCESS`) for the
/// rest of the transaction (MySQL and PostgreSQL, `SELECT … FOR UPDATE` as
/// Quartz's `StdRowLockSemaphore`; on SQLite `BEGIN IMMEDIATE` already made
/// this the only writer).
pub(crate) fn lock_row(
    conn: &mut AnyConnection,
    sql: &Sql,
    sched: &str,
    name: &str,
) -> Result<(), DbError> {
    if sql.backend == Backend::Sqlite {
        return Ok(());
    }
    let rows: Vec<LockRow> = query(&sql.lock_select)
        .bind::<Text, _>(sched)
        .bind::<Text, _>(name)
        .load(conn)?;
    if rows.is_empty() {
        // Quartz inserts the row when it is missing; so do we (a concurrent
        // insert makes one of us fail with a duplicate key: retried).
        query(&sql.lock_insert)
            .bind::<Text, _>(sched)
            .bind::<Text, _>(name)
            .execute(conn)?;
    }
    Ok(())
}

/// Creates Quartz's two lock rows of `sched` when missing.
pub(crate) fn ensure_lock_rows(
    conn: &mut AnyConnection,
    sql: &Sql,
    sched: &str,
) -> Result<(), DbError> {
    query(&sql.lock_rows_ensure)
        .bind::<Text, _>(sched)
        .bind::<Text, _>(TRIGGER_ACCESS)
        .bind::<Text, _>(sched)
        .bind::<Text, _>(STATE_ACCESS)
        .execute(conn)?;
    Ok(())
}

pub(crate) fn job_exists(
    conn: &mut AnyConnection,
    sql: &Sql,
    sched: &str,
    key: &JobKey,
) -> Result<bool, DbError> {
    let rows: Vec<JobNameRow> = by_key(&sql.job_exists, sched, key).load(conn)?;
    Ok(!rows.is_empty())
}

pub(crate) fn load_job(
    conn: &mut AnyConnection,
    sql: &Sql,
    sched: &str,
    key: &JobKey,
) -> Result<Option<JobDefinition>, DbError> {
    let rows: Vec<JobRow> = by_key(&sql.job_select, sched, key).load(conn)?;
    rows.into_iter().next().map(job_from_row).transpose()
}

pub(crate) fn trigger_keys_of_job(
    conn: &mut AnyConnection,
    sql: &Sql,
    sched: &str,
    key: &JobKey,
) -> Result<Vec<(TriggerKey, String)>, DbError> {
    let rows: Vec<TriggerKeyRow> = by_key(&sql.trigger_keys_of_job, sched, key).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                TriggerKey::new(r.trigger_group, r.trigger_name),
                r.trigger_type,
            )
        })
        .collect())
}

/// The job a trigger key belongs to, if the trigger exists.
pub(crate) fn trigger_owner(
    conn: &mut AnyConnection,
    sql: &Sql,
    sched: &str,
    key: &TriggerKey,
) -> Result<Option<JobKey>, DbError> {
    let rows: Vec<OwnerRow> = by_key(&sql.trigger_owner, sched, key).load(conn)?;
    Ok(rows
        .into_iter()
        .next()
        .map(|r| JobKey::new(r.job_group, r.job_name)))
}

/// Deletes a trigger and its side rows (simple, cron, simprop, blob).
pub(crate) fn delete_trigger_rows(
    conn: &mut AnyConnection,
    sql: &Sql,
    sched: &str,
    key: &TriggerKey,
) -> Result<(), DbError> {
    for statement in sql.trigger_side_deletes.iter().chain([&sql.trigger_delete]) {
        by_key(statement, sched, key).execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use diesel::Connection;

    use super::*;

    #[derive(Debug, QueryableByName)]
    struct Pair {
        #[diesel(sql_type = Text, column_name = "A")]
        a: String,
        #[diesel(sql_type = BigInt, column_name = "B")]
        b: i64,
    }

    fn conn() -> AnyConnection {
        AnyConnection::Sqlite(diesel::SqliteConnection::establish(":memory:").expect("memory db"))
    }

    #[test]
    fn parameters_are_bound_in_order_and_counted() {
        let mut c = conn();
        let sql = "SELECT ? AS A, ? AS B";
        for _ in 0..2 {
            // The second run takes the cached prepared statement.
            let rows: Vec<Pair> = query(sql)
                .bind::<Text, _>("0 0 3 * * ? is a value, not a placeholder")
                .bind::<BigInt, _>(42i64)
                .load(&mut c)
                .expect("load");
            assert_eq!(rows[0].a, "0 0 3 * * ? is a value, not a placeholder");
            assert_eq!(rows[0].b, 42);
        }
        let missing = query(sql).bind::<Text, _>("a").load::<Pair>(&mut c);
        assert!(matches!(
            missing,
            Err(diesel::result::Error::QueryBuilderError(_))
        ));
        let extra = query("SELECT ? AS A, 1 AS B")
            .bind::<Text, _>("a")
            .bind::<BigInt, _>(1i64)
            .load::<Pair>(&mut c);
        assert!(matches!(
            extra,
            Err(diesel::result::Error::QueryBuilderError(_))
        ));
    }
}
