//! Clustering on real MariaDB and on real PostgreSQL: three scheduler instances (each with its own
//! connection pool, as three processes would have) share one database and a
//! launcher that only records. Every expected fire happens exactly once:
//! with plain instances, with one instance's clock skewed by several
//! seconds, and with one instance killed mid-way (its fires are launched by
//! the others, its runs re-attached or marked LOST, nothing doubled).
//!
//! Needs `CDP_TEST_MYSQL_URL` (see `scripts/mariadb.sh`), and for the
//! `*_on_postgres` tests `CDP_TEST_PG_URL` (`scripts/postgres.sh`); each
//! test makes a database of its own.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdp_spark_domain::clock::{Clock, SystemClock};
use cdp_spark_domain::cron::CronExpression;
use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{JobDefinition, JobKey, RunPolicy, RunState, TriggerState};
use cdp_spark_domain::ports::JobStorePort;
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use cdp_spark_scheduler::recording::{RecordedFire, RecordingLauncher};
use cdp_spark_scheduler::{Scheduler, SchedulerConfig, SchedulerHandle};
use chrono::{DateTime, Utc};
use diesel::sql_types::BigInt;
use diesel::{Connection, MysqlConnection, PgConnection, QueryableByName, RunQueryDsl};

const TRIGGERS: usize = 200;
const CRON: &str = "*/2 * * * * ?";

/// A database of its own on the test MariaDB (`CDP_TEST_MYSQL_URL`) or
/// PostgreSQL (`CDP_TEST_PG_URL`), dropped on drop.
enum Database {
    Mariadb(cdp_spark_testkit::mariadb::Database),
    Postgres(cdp_spark_testkit::postgres::Database),
}

#[derive(Debug, Clone, Copy)]
enum Backend {
    Mariadb,
    Postgres,
}

impl Database {
    fn create(backend: Backend, tag: &str) -> Self {
        match backend {
            Backend::Mariadb => {
                Database::Mariadb(cdp_spark_testkit::mariadb::Database::create(tag))
            }
            Backend::Postgres => {
                Database::Postgres(cdp_spark_testkit::postgres::Database::create(tag))
            }
        }
    }

    fn url(&self) -> &str {
        match self {
            Database::Mariadb(db) => &db.url,
            Database::Postgres(db) => &db.url,
        }
    }

    /// `SELECT COUNT(*) AS n …` on the test's database (`n` is lower
    /// case: PostgreSQL folds the unquoted alias to it).
    fn count(&self, sql: &str) -> i64 {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let rows: Vec<N> = match self {
            Database::Mariadb(db) => {
                let mut conn = MysqlConnection::establish(&db.url).expect("connect");
                diesel::sql_query(sql).load(&mut conn).expect(sql)
            }
            Database::Postgres(db) => {
                let mut conn = PgConnection::establish(&db.url).expect("connect");
                diesel::sql_query(sql).load(&mut conn).expect(sql)
            }
        };
        rows[0].n
    }
}

struct SkewedClock(chrono::Duration);

impl Clock for SkewedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.0
    }
}

async fn open(db: &Database) -> DieselJobStore {
    let mut config = StoreConfig::with_url(db.url());
    config.max_connections = 8;
    DieselJobStore::open(config).await.expect("open store")
}

fn job(i: usize) -> JobDefinition {
    common::job(
        JobKey::new("urn:dmb:dp:cluster:0", format!("job{i:04}")),
        RunPolicy {
            concurrency: ConcurrencyPolicy::Allow,
            ..RunPolicy::default()
        },
    )
}

/// Provisions the jobs with their first fire a few seconds from now;
/// answers that first fire time.
async fn provision(store: &DieselJobStore) -> DateTime<Utc> {
    let cron = CronExpression::parse(CRON).expect("cron");
    let first = cron
        .next_after(Utc::now() + chrono::Duration::seconds(3), chrono_tz::UTC)
        .expect("next");
    for i in 0..TRIGGERS {
        let j = job(i);
        let t = common::cron(&j.key, CRON, first, first);
        store.replace_job(&j, Some(t)).await.expect("provision");
    }
    first
}

fn config(name: &str) -> SchedulerConfig {
    let mut c = common::config(
        name,
        Duration::from_millis(1000),
        Duration::from_millis(1000),
        Duration::from_millis(4000),
    );
    c.batch_size = 100;
    c.misfire_threshold = Duration::from_secs(30);
    c
}

async fn start(
    db: &Database,
    name: &str,
    clock: Arc<dyn Clock>,
    fires: &Arc<Mutex<Vec<RecordedFire>>>,
    runs_finish: bool,
) -> SchedulerHandle {
    let store = Arc::new(open(db).await);
    let launcher = RecordingLauncher::new(name, Arc::clone(fires));
    let launcher = if runs_finish {
        launcher
    } else {
        launcher.never_finishing()
    };
    Scheduler::start(
        config(name),
        store.clone(),
        store,
        Arc::new(launcher),
        clock,
    )
    .expect("start")
}

/// Checks exactly-once against the store after all instances stopped:
/// per trigger, the runs' scheduled times are exactly the cron times from
/// the first fire up to (excluding) the trigger's stored next fire time.
async fn assert_exactly_once(
    db: &Database,
    store: &DieselJobStore,
    first: DateTime<Utc>,
    stopped_at: DateTime<Utc>,
    fires: &[RecordedFire],
) -> std::collections::HashMap<RunState, usize> {
    let cron = CronExpression::parse(CRON).expect("cron");
    let runs = common::runs(store, None).await;
    let mut by_job: BTreeMap<JobKey, Vec<DateTime<Utc>>> = BTreeMap::new();
    let mut states: std::collections::HashMap<RunState, usize> = std::collections::HashMap::new();
    for r in &runs {
        by_job
            .entry(r.job_key.clone())
            .or_default()
            .push(r.scheduled_fire_time);
        *states.entry(r.state).or_default() += 1;
    }
    let mut expected_total = 0;
    for i in 0..TRIGGERS {
        let j = job(i);
        let triggers = store.triggers_of_job(&j.key).await.expect("triggers");
        assert_eq!(triggers.len(), 1);
        let t = &triggers[0];
        assert_eq!(
            t.state,
            TriggerState::Waiting,
            "trigger {} left in {:?}",
            t.key,
            t.state
        );
        let next = t.next_fire_time.expect("a next fire time");
        assert!(
            next >= stopped_at - chrono::Duration::seconds(3),
            "trigger {} stopped progressing at {next} (stop at {stopped_at})",
            t.key
        );
        let mut expected = vec![first];
        while let Some(n) = cron.next_after(*expected.last().expect("one"), chrono_tz::UTC) {
            if n >= next {
                break;
            }
            expected.push(n);
        }
        let mut got = by_job.remove(&j.key).unwrap_or_default();
        got.sort();
        assert_eq!(
            got, expected,
            "job {}: runs at exactly each scheduled time, once",
            j.key
        );
        expected_total += expected.len();
    }
    assert!(by_job.is_empty(), "runs of unknown jobs: {by_job:?}");
    assert!(
        expected_total >= TRIGGERS * 8,
        "too few fires to prove anything: {expected_total}"
    );
    // The launcher saw each fire at most once, and every fire that is not
    // LOST exactly once.
    let mut seen: BTreeSet<(JobKey, DateTime<Utc>)> = BTreeSet::new();
    for f in fires {
        assert!(
            seen.insert((f.job_key.clone(), f.scheduled_fire_time)),
            "fire of {} at {} launched twice",
            f.job_key,
            f.scheduled_fire_time
        );
    }
    let lost = states.get(&RunState::Lost).copied().unwrap_or(0);
    assert!(
        fires.len() + lost >= expected_total && fires.len() <= expected_total,
        "launched {} + lost {lost} vs expected {expected_total}",
        fires.len()
    );
    assert_eq!(
        states.get(&RunState::Submitting).copied().unwrap_or(0),
        0,
        "no run left SUBMITTING: {states:?}"
    );
    assert!(
        states.get(&RunState::Succeeded).copied().unwrap_or(0) > expected_total / 2,
        "the followers wrote final states: {states:?}"
    );
    assert_eq!(
        db.count("SELECT COUNT(*) AS n FROM QRTZ_TRIGGERS WHERE TRIGGER_STATE IN ('ACQUIRED','BLOCKED','ERROR')"),
        0
    );
    states
}

async fn run_cluster(
    backend: Backend,
    tag: &str,
    skew: Option<chrono::Duration>,
    kill_after: Option<Duration>,
) {
    let db = Database::create(backend, tag);
    let admin = open(&db).await;
    let first = provision(&admin).await;
    let fires = Arc::new(Mutex::new(Vec::new()));
    let a = start(&db, "node-a", Arc::new(SystemClock), &fires, true).await;
    let b_clock: Arc<dyn Clock> = match skew {
        Some(s) => Arc::new(SkewedClock(s)),
        None => Arc::new(SystemClock),
    };
    let b = start(&db, "node-b", b_clock, &fires, true).await;
    // The instance that gets killed never sees its applications end, so it
    // surely has runs in flight to be taken over when it dies.
    let c = start(
        &db,
        "node-c",
        Arc::new(SystemClock),
        &fires,
        kill_after.is_none(),
    )
    .await;
    let total = Duration::from_secs(28);
    match kill_after {
        Some(k) => {
            tokio::time::sleep(k).await;
            c.abort().await;
            tokio::time::sleep(total - k).await;
            // The dead instance is gone from the cluster state, its fired
            // rows taken over.
            assert_eq!(
                db.count(
                    "SELECT COUNT(*) AS n FROM QRTZ_SCHEDULER_STATE WHERE INSTANCE_NAME = 'node-c'"
                ),
                0,
                "node-c was recovered"
            );
            assert_eq!(
                db.count(
                    "SELECT COUNT(*) AS n FROM QRTZ_FIRED_TRIGGERS WHERE INSTANCE_NAME = 'node-c'"
                ),
                0
            );
        }
        None => {
            tokio::time::sleep(total).await;
            c.stop().await;
        }
    }
    let recovered = a
        .stats()
        .recovered_instances
        .load(std::sync::atomic::Ordering::Relaxed)
        + b.stats()
            .recovered_instances
            .load(std::sync::atomic::Ordering::Relaxed);
    let taken_over = a
        .stats()
        .reattached
        .load(std::sync::atomic::Ordering::Relaxed)
        + b.stats()
            .reattached
            .load(std::sync::atomic::Ordering::Relaxed)
        + a.stats().refired.load(std::sync::atomic::Ordering::Relaxed)
        + b.stats().refired.load(std::sync::atomic::Ordering::Relaxed)
        + a.stats().lost.load(std::sync::atomic::Ordering::Relaxed)
        + b.stats().lost.load(std::sync::atomic::Ordering::Relaxed);
    if kill_after.is_some() {
        assert_eq!(recovered, 1, "exactly one instance recovered node-c");
        assert!(
            taken_over > 0,
            "node-c left runs in flight that were taken over"
        );
    } else {
        assert_eq!(recovered, 0, "no live instance was taken for dead");
    }
    eprintln!(
        "{tag} ({backend:?}): recovered instances {recovered}, runs/fires taken over {taken_over}"
    );
    let stats_a = a.stats().fires.load(std::sync::atomic::Ordering::Relaxed);
    let stats_b = b.stats().fires.load(std::sync::atomic::Ordering::Relaxed);
    a.stop().await;
    b.stop().await;
    let stopped_at = Utc::now();
    let fires = fires.lock().expect("fires").clone();
    let states = assert_exactly_once(&db, &admin, first, stopped_at, &fires).await;
    assert!(
        stats_a > 0 && stats_b > 0,
        "every instance fired: a {stats_a}, b {stats_b}"
    );
    eprintln!(
        "{tag} ({backend:?}): {} fires launched, runs {states:?}",
        fires.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_fire_every_trigger_exactly_once() {
    run_cluster(Backend::Mariadb, "plain", None, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_with_a_skewed_clock_does_not_double_fire() {
    run_cluster(
        Backend::Mariadb,
        "skew",
        Some(chrono::Duration::seconds(7)),
        None,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_instance_loses_nothing_and_doubles_nothing() {
    run_cluster(
        Backend::Mariadb,
        "kill",
        Some(chrono::Duration::seconds(-5)),
        Some(Duration::from_secs(11)),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_fire_every_trigger_exactly_once_on_postgres() {
    run_cluster(Backend::Postgres, "plain", None, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instance_with_a_skewed_clock_does_not_double_fire_on_postgres() {
    run_cluster(
        Backend::Postgres,
        "skew",
        Some(chrono::Duration::seconds(7)),
        None,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_instance_loses_nothing_and_doubles_nothing_on_postgres() {
    run_cluster(
        Backend::Postgres,
        "kill",
        Some(chrono::Duration::seconds(-5)),
        Some(Duration::from_secs(11)),
    )
    .await;
}
