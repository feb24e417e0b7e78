//! `migrate-from-quartz` end to end on SQLite: a job row as the old Scala
//! provisioner left it (class `LivyJob`, its `JobDataMap` serialized by
//! the real Quartz 2.3.2 jar and Java 17, a cron trigger), listed, refused
//! without a component id, written with `--apply` (next fire time kept),
//! read back by this store, and a second `--apply` changes nothing.

use std::path::Path;
use std::process::Command;

use cdp_spark_domain::model::{JobKey, MisfireInstruction, TriggerState};
use cdp_spark_domain::ports::JobStorePort;
use cdp_spark_testkit::javajar;
use diesel::connection::SimpleConnection;
use diesel::Connection;

const OLD_CLASS: &str = "it.agilelab.provisioning.spark.workloads.provisioner.quartz.LivyJob";
const COMPONENT: &str = "sales/daily-agg=urn:dmb:cmp:finance:sales:0:daily-agg";
/// 2030-01-01T03:00:00Z.
const NEXT_FIRE: i64 = 1_893_466_800_000;

fn cli(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Debian's Java libraries (`CDP_TEST_JAVA_DIR` overrides, as for the job
/// store's Quartz tests).
fn java_dir() -> std::path::PathBuf {
    std::env::var_os("CDP_TEST_JAVA_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("/usr/share/java"))
}

/// The Java sources of tests/java: the old provisioner's writes and the
/// Scala stand-ins.
const SOURCES: &[(&str, &str)] = &[
    (
        "OldProvisioner.java",
        include_str!("../java/OldProvisioner.java"),
    ),
    (
        "it/agilelab/provisioning/spark/workloads/provisioner/quartz/LivyJob.java",
        include_str!(
            "../java/it/agilelab/provisioning/spark/workloads/provisioner/quartz/LivyJob.java"
        ),
    ),
    (
        "scala/Tuple2.java",
        include_str!("../java/scala/Tuple2.java"),
    ),
    (
        "scala/runtime/ModuleSerializationProxy.java",
        include_str!("../java/scala/runtime/ModuleSerializationProxy.java"),
    ),
    (
        "scala/collection/IterableFactory$ToFactory.java",
        include_str!("../java/scala/collection/IterableFactory$ToFactory.java"),
    ),
    (
        "scala/collection/MapFactory$ToFactory.java",
        include_str!("../java/scala/collection/MapFactory$ToFactory.java"),
    ),
    (
        "scala/collection/generic/DefaultSerializationProxy.java",
        include_str!("../java/scala/collection/generic/DefaultSerializationProxy.java"),
    ),
    (
        "scala/collection/generic/SerializeEnd$.java",
        include_str!("../java/scala/collection/generic/SerializeEnd$.java"),
    ),
    (
        "scala/collection/immutable/List$.java",
        include_str!("../java/scala/collection/immutable/List$.java"),
    ),
    (
        "scala/collection/immutable/Map$.java",
        include_str!("../java/scala/collection/immutable/Map$.java"),
    ),
    (
        "scala/collection/immutable/Map$Map2.java",
        include_str!("../java/scala/collection/immutable/Map$Map2.java"),
    ),
    (
        "scala/collection/immutable/Map$EmptyMap$.java",
        include_str!("../java/scala/collection/immutable/Map$EmptyMap$.java"),
    ),
];

fn jar(name: &str) -> String {
    let path = java_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: install Debian's Java libraries (scripts/install-deps.sh test)",
        path.display()
    );
    path.display().to_string()
}

/// `OldProvisioner` with its arguments; its standard output.
fn old_provisioner(args: &[&str]) -> String {
    let quartz = jar("quartz2.jar");
    let compiled = javajar::compile_against("old-provisioner", SOURCES, &quartz);
    let cp = [
        compiled.classes.display().to_string(),
        quartz,
        jar("slf4j-api.jar"),
        jar("slf4j-nop.jar"),
        jar("postgresql.jar"),
        jar("mariadb-java-client.jar"),
    ]
    .join(":");
    javajar::run_java(Path::new(&cp), "OldProvisioner", args)
}

/// A Quartz store on SQLite with the tables the old provisioner uses (made
/// by `migrate` under `dir/old`): its file and a connection to it.
fn old_sqlite_store(dir: &std::path::Path) -> (String, diesel::SqliteConnection) {
    let old = dir.join("old");
    let (code, _, err) = cli(&["migrate", "--data-dir", old.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{err}");
    let old_file = old.join("jobstore.sqlite3");
    let old_file = old_file.to_str().expect("utf-8").to_string();
    let conn = diesel::SqliteConnection::establish(&old_file).expect("open");
    (old_file, conn)
}

/// The hex of the old job data map, serialized by real Quartz and Java.
fn old_job_data_hex() -> String {
    old_provisioner(&["hex"]).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_old_provisioners_job_is_listed_then_migrated_once_with_its_next_fire_time() {
    let hex = old_job_data_hex();
    assert!(hex.starts_with("aced0005"), "{hex}");
    let dir = tempfile::tempdir().expect("tempdir");
    let (old_file, mut conn) = old_sqlite_store(dir.path());
    let old_file = old_file.as_str();
    conn.batch_execute(&format!(
        "INSERT INTO QRTZ_JOB_DETAILS (SCHED_NAME, JOB_NAME, JOB_GROUP, DESCRIPTION, JOB_CLASS_NAME, \
         IS_DURABLE, IS_NONCONCURRENT, IS_UPDATE_DATA, REQUESTS_RECOVERY, JOB_DATA) VALUES \
         ('PostgresScheduler', 'daily-agg', 'sales', NULL, '{OLD_CLASS}', '1', '0', '0', '0', X'{hex}'); \
         INSERT INTO QRTZ_TRIGGERS (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP, JOB_NAME, JOB_GROUP, \
         NEXT_FIRE_TIME, PREV_FIRE_TIME, PRIORITY, TRIGGER_STATE, TRIGGER_TYPE, START_TIME, END_TIME, \
         MISFIRE_INSTR) VALUES ('PostgresScheduler', 'daily-aggTrigger', 'sales', 'daily-agg', 'sales', \
         {NEXT_FIRE}, -1, 5, 'WAITING', 'CRON', 1893456000000, 2524608000000, 0); \
         INSERT INTO QRTZ_CRON_TRIGGERS (SCHED_NAME, TRIGGER_NAME, TRIGGER_GROUP, CRON_EXPRESSION, \
         TIME_ZONE_ID) VALUES ('PostgresScheduler', 'daily-aggTrigger', 'sales', '0 0 3 * * ?', 'Europe/Rome');"
    ))
    .expect("old rows");
    drop(conn);
    let before = std::fs::read(old_file).expect("bytes");

    // Dry run without the component id: listed, refused, exit 3.
    let (code, out, err) = cli(&["migrate-from-quartz", "--from", old_file]);
    assert_eq!(code, 3, "{out}{err}");
    for expected in [
        "sales/daily-agg  CANNOT MIGRATE",
        "jar:        hdfs://ns1/apps/agg.jar",
        "main class: com.acme.Agg",
        "\"città 🚀\"",
        "spark.d",
        "cron '0 0 3 * * ?' zone Europe/Rome",
        "--component 'sales/daily-agg=urn:dmb:cmp:",
        "dry run",
    ] {
        assert!(out.contains(expected), "{expected}:\n{out}");
    }
    // With it, JSON: ready.
    let (code, out, err) = cli(&[
        "migrate-from-quartz",
        "--from",
        old_file,
        "--component",
        COMPONENT,
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["jobs"][0]["verdict"], "READY", "{out}");
    assert_eq!(
        report["jobs"][0]["newKey"]["group"],
        "urn:dmb:dp:finance:sales:0"
    );
    assert_eq!(
        std::fs::read(old_file).expect("bytes"),
        before,
        "the old database is only read"
    );

    // Apply into another store, twice.
    let new = dir.path().join("new");
    let new_dir = new.to_str().expect("utf-8");
    let apply = [
        "migrate-from-quartz",
        "--from",
        old_file,
        "--component",
        COMPONENT,
        "--apply",
        "--data-dir",
        new_dir,
    ];
    let (code, out, err) = cli(&apply);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("WRITTEN sales/daily-agg -> urn:dmb:dp:finance:sales:0/daily-agg"),
        "{out}"
    );
    let (code, out, err) = cli(&apply);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("UNCHANGED sales/daily-agg"), "{out}");

    let store =
        cdp_spark_jobstore::DieselJobStore::open(cdp_spark_jobstore::StoreConfig::sqlite_in(&new))
            .await
            .expect("open");
    let key = JobKey::new("urn:dmb:dp:finance:sales:0", "daily-agg");
    let job = store
        .get_job(&key)
        .await
        .expect("read")
        .expect("migrated job");
    assert_eq!(job.component_id, "urn:dmb:cmp:finance:sales:0:daily-agg");
    assert_eq!(job.spec.jar.to_string(), "hdfs://ns1/apps/agg.jar");
    assert_eq!(job.spec.class_name.to_string(), "com.acme.Agg");
    assert_eq!(job.spec.args, vec!["--date", "città 🚀", "a=b"]);
    assert_eq!(job.spec.conf.len(), 5);
    assert_eq!(
        job.spec
            .conf
            .get("spark.sql.shuffle.partitions")
            .map(String::as_str),
        Some("8")
    );
    assert_eq!(job.spec.num_executors.map(|n| n.get()), Some(3));
    assert_eq!(
        job.spec.queue.map(|q| q.to_string()).as_deref(),
        Some("root.finance")
    );
    let triggers = store.triggers_of_job(&key).await.expect("triggers");
    assert_eq!(triggers.len(), 1);
    let t = &triggers[0];
    assert_eq!(
        t.next_fire_time.map(|d| d.timestamp_millis()),
        Some(NEXT_FIRE)
    );
    assert_eq!(t.state, TriggerState::Waiting);
    assert_eq!(t.misfire_instruction, MisfireInstruction::FireOnceNow);
    assert_eq!(t.key, key.scheduled_trigger_key());
}

#[test]
fn garbage_job_data_is_that_jobs_error_not_the_listings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (old_file, mut conn) = old_sqlite_store(dir.path());
    let old_file = old_file.as_str();
    conn.batch_execute(&format!(
        "INSERT INTO QRTZ_JOB_DETAILS (SCHED_NAME, JOB_NAME, JOB_GROUP, DESCRIPTION, JOB_CLASS_NAME, \
         IS_DURABLE, IS_NONCONCURRENT, IS_UPDATE_DATA, REQUESTS_RECOVERY, JOB_DATA) VALUES \
         ('S', 'a', 'g', NULL, '{OLD_CLASS}', '1', '0', '0', '0', X'ACED00057372'), \
         ('S', 'b', 'g', NULL, '{OLD_CLASS}', '1', '0', '0', '0', X'ACED0005{}'), \
         ('S', 'c' || char(27) || '[2J', 'g', NULL, 'x' || char(10) || 'READY', '1', '0', '0', '0', NULL)",
        "77".repeat(2_000)
    ))
    .expect("rows");
    drop(conn);
    let (code, out, err) = cli(&["migrate-from-quartz", "--from", old_file]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains("g/a  CANNOT MIGRATE") && out.contains("g/b  CANNOT MIGRATE"),
        "{out}"
    );
    assert!(out.contains("JOB_DATA cannot be read"), "{out}");
    // What the rows hold cannot drive the terminal or fake a line.
    assert!(!out.contains('\u{1b}'), "{out}");
    assert!(out.contains("g/c?[2J  CANNOT MIGRATE"), "{out}");
    assert!(out.contains("class:      x?READY"), "{out}");
}

/// The old provisioner's documented database: PostgreSQL, written by the
/// real Quartz 2.3.2 (`PostgreSQLDelegate`, `useProperties=false`) with
/// Scala-shaped job data; listed, migrated into SQLite with Quartz's own
/// next fire times, and left untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_quartz_on_postgresql_as_the_old_provisioner_wrote_it_is_migrated() {
    let db = cdp_spark_testkit::postgres::Database::create("oldquartz");
    let (userinfo, hostpath) = db
        .url
        .strip_prefix("postgres://")
        .and_then(|r| r.rsplit_once('@'))
        .expect("postgres://user@host/db");
    let jdbc = format!("jdbc:postgresql://{hostpath}");
    let rows = migrated_from(&db.url, &jdbc, userinfo).await;
    let mut conn = db.connect();
    let count: Vec<Count> = diesel::RunQueryDsl::load(
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM qrtz_job_details WHERE job_class_name = '{OLD_CLASS}'"
        )),
        &mut conn,
    )
    .expect("count");
    assert_eq!(count[0].n, rows);
}

/// The same on MariaDB (`StdJDBCDelegate`, `tables_mysql_innodb.sql`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_quartz_on_mariadb_as_the_old_provisioner_wrote_it_is_migrated() {
    let db = cdp_spark_testkit::mariadb::Database::create("oldquartz");
    let (userinfo, hostpath) = db
        .url
        .strip_prefix("mysql://")
        .and_then(|r| r.rsplit_once('@'))
        .expect("mysql://user@host/db");
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let jdbc = format!("jdbc:mariadb://{hostpath}");
    let rows = migrated_from(&db.url, &jdbc, &format!("{user}\t{password}")).await;
    let mut conn = db.connect();
    let count: Vec<Count> = diesel::RunQueryDsl::load(
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM QRTZ_JOB_DETAILS WHERE JOB_CLASS_NAME = '{OLD_CLASS}'"
        )),
        &mut conn,
    )
    .expect("count");
    assert_eq!(count[0].n, rows);
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Runs the old provisioner on `jdbc` (`credentials`: `user` or
/// `user\tpassword`), then the listing and `--apply` from `url`; answers
/// how many old job rows there must still be.
async fn migrated_from(url: &str, jdbc: &str, credentials: &str) -> i64 {
    let (user, password) = credentials.split_once('\t').unwrap_or((credentials, ""));
    let printed = old_provisioner(&["schedule", jdbc, user, password]);
    let next: std::collections::BTreeMap<&str, i64> = printed
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(t, ms)| (t, ms.trim().parse().expect("millis")))
        .collect();
    assert_eq!(next.len(), 3, "{printed}");

    let components = [
        "--component",
        "sales/daily-agg=urn:dmb:cmp:finance:sales:0:daily-agg",
        "--component",
        "sales/once=urn:dmb:cmp:finance:sales:0:once",
        "--component",
        "sales/odd=urn:dmb:cmp:finance:sales:0:odd",
    ];
    let mut dry = vec!["migrate-from-quartz", "--from", url];
    dry.extend(components);
    let (code, out, err) = cli(&dry);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("(scheduler PostgresScheduler)"), "{out}");
    assert!(out.contains("sales/daily-agg  READY"), "{out}");
    assert!(out.contains("sales/once  READY"), "{out}");
    assert!(out.contains("sales/odd  CANNOT MIGRATE"), "{out}");
    assert!(
        out.contains("job data entry 'jobArgs' is a java.util.Date, not a list of strings"),
        "{out}"
    );
    assert!(out.contains("zone Europe/Rome"), "{out}");

    let dir = tempfile::tempdir().expect("tempdir");
    let new = dir.path().join("new");
    let mut apply = dry.clone();
    apply.extend(["--apply", "--data-dir", new.to_str().expect("utf-8")]);
    let (code, out, err) = cli(&apply);
    assert_eq!(code, 3, "odd still cannot: {out}{err}");
    assert!(out.contains("WRITTEN sales/daily-agg"), "{out}");
    assert!(out.contains("WRITTEN sales/once"), "{out}");
    assert!(!out.contains("sales/odd ->"), "{out}");
    let (_, again, _) = cli(&apply);
    assert!(
        again.contains("UNCHANGED sales/daily-agg") && again.contains("UNCHANGED sales/once"),
        "{again}"
    );

    let store =
        cdp_spark_jobstore::DieselJobStore::open(cdp_spark_jobstore::StoreConfig::sqlite_in(&new))
            .await
            .expect("open");
    let group = "urn:dmb:dp:finance:sales:0";
    for (name, trigger) in [("daily-agg", "daily-aggTrigger"), ("once", "onceTrigger")] {
        let key = JobKey::new(group, name);
        let job = store.get_job(&key).await.expect("read").expect("migrated");
        assert_eq!(job.spec.class_name.to_string(), "com.acme.Agg");
        let triggers = store.triggers_of_job(&key).await.expect("triggers");
        assert_eq!(triggers.len(), 1, "{name}");
        assert_eq!(
            triggers[0].next_fire_time.map(|d| d.timestamp_millis()),
            Some(next[trigger]),
            "{name}: Quartz's next fire time, kept"
        );
    }
    let once = store
        .triggers_of_job(&JobKey::new(group, "once"))
        .await
        .expect("triggers");
    let once_job = store
        .get_job(&JobKey::new(group, "once"))
        .await
        .expect("read")
        .expect("migrated");
    assert!(once_job.spec.args.is_empty());
    assert_eq!(
        once_job.spec.conf.get("spark.b").map(String::as_str),
        Some("2"),
        "a Scala Map2"
    );
    assert!(matches!(
        once[0].schedule,
        cdp_spark_domain::model::TriggerSchedule::Once { .. }
    ));
    assert!(store
        .get_job(&JobKey::new(group, "odd"))
        .await
        .expect("read")
        .is_none());

    // The old rows are as Quartz left them (counted by the caller).
    3
}
