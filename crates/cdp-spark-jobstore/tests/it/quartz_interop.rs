//! Interoperability with the real Quartz 2.3.2 (Java 17, Debian's
//! libquartz2-java, libmariadb-java and libpostgresql-jdbc-java) on
//! MariaDB (StdJDBCDelegate) and on PostgreSQL (PostgreSQLDelegate):
//! JobStoreTX, useProperties=true, the same SCHED_NAME, in standby.
//!
//! 1. Quartz lists what this store wrote, with the same cron expression,
//!    time zone, next fire time, state and job data.
//! 2. What Quartz schedules itself is read correctly by this store.

use crate::common;

use cdp_spark_domain::descriptor::PositiveCount;
use cdp_spark_domain::model::{
    JobKey, MisfireInstruction, SparkJobSpec, TriggerKey, TriggerSchedule, TriggerState,
};
use cdp_spark_domain::ports::JobStorePort;
use cdp_spark_jobstore::job_data::job_data_map;
use cdp_spark_jobstore::{StoreConfig, JOB_CLASS_NAME};
use common::quartz::{jdbc, Probe};
use common::{at, cron_trigger, manual_trigger, sample_job, Db, TestStore};

const GROUP: &str = "urn:dmb:dp:interop:0";
const SCHED: &str = "CdpInteropScheduler";

fn key(group: &str, name: &str) -> (String, String) {
    (group.to_string(), name.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_quartz_reads_our_rows_and_we_read_its_rows() {
    interop_on(Db::Mariadb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_quartz_on_postgresql_reads_our_rows_and_we_read_its_rows() {
    interop_on(Db::Postgres).await;
}

async fn interop_on(db: Db) {
    let probe = Probe::compile();
    let (config, _database) = TestStore::config_for(db, "interop");
    let config = StoreConfig {
        sched_name: SCHED.into(),
        ..config
    };
    let url = config.database_url.clone().expect("a server's URL");
    let store = cdp_spark_jobstore::DieselJobStore::open(config.clone())
        .await
        .expect("open");
    let (jdbc_url, user, password) = jdbc(&url);
    let base_args = |mode: &str| -> Vec<String> {
        vec![
            mode.into(),
            jdbc_url.clone(),
            user.clone(),
            password.clone(),
            SCHED.into(),
            config.table_prefix.clone(),
        ]
    };

    // ---- 1. what we write, Quartz reads -------------------------------
    let mut job = sample_job(GROUP, "daily-agg");
    job.spec.args = vec![
        "--label".into(),
        "città = €, 🚀".into(),
        " lead\ttab\nnewline #!:\\".into(),
    ];
    job.spec.conf.insert(
        "spark.driver.extraJavaOptions".into(),
        "-Da=b -Dc=\"d e\"".into(),
    );
    // 2030-01-01T00:00Z is 01:00 in Rome: the next 03:00 there is 02:00Z.
    let trigger = cron_trigger(&job, "0 0 3 * * ?", at(2030, 1, 1, 2, 0, 0));
    let TriggerSchedule::Cron { start_time, .. } = trigger.schedule.clone() else {
        panic!("cron");
    };
    let mut trigger = trigger;
    if let TriggerSchedule::Cron { end_time, .. } = &mut trigger.schedule {
        *end_time = None;
    }
    store
        .replace_job(&job, Some(trigger.clone()))
        .await
        .expect("store job");
    let manual = manual_trigger(&job, at(2030, 6, 1, 12, 0, 0));
    assert!(store.add_trigger(&manual).await.expect("manual"));
    let bare = sample_job(GROUP, "no-schedule");
    store.replace_job(&bare, None).await.expect("bare job");

    let seen = probe.run(&base_args("list"));
    assert!(seen.standby, "the probe scheduler stayed in standby");
    assert_eq!(
        seen.jobs.len(),
        2,
        "Quartz lists both jobs: {:?}",
        seen.jobs.keys()
    );
    for j in [&job, &bare] {
        let q = &seen.jobs[&key(&j.key.group, &j.key.name)];
        assert_eq!(q.class_name, JOB_CLASS_NAME);
        assert!(q.durable, "jobs are durable");
        assert_eq!(q.description, j.description);
        assert_eq!(
            q.data,
            job_data_map(j),
            "Quartz's Properties.load reads exactly the job data we wrote"
        );
    }
    let q = &seen.triggers[&key(GROUP, "daily-aggTrigger")];
    assert_eq!(q.kind, "CRON");
    assert_eq!(q.job, key(GROUP, "daily-agg"));
    assert_eq!(q.cron.as_deref(), Some("0 0 3 * * ?"));
    assert_eq!(q.zone.as_deref(), Some("Europe/Rome"));
    assert_eq!(q.next, Some(at(2030, 1, 1, 2, 0, 0).timestamp_millis()));
    assert_eq!(
        q.quartz_first_fire, q.next,
        "the stored next fire time is Quartz's own"
    );
    assert_eq!(q.previous, None);
    assert_eq!(q.start, start_time.timestamp_millis());
    assert_eq!(q.end, None);
    assert_eq!(q.state, "NORMAL", "WAITING is Quartz's NORMAL");
    assert_eq!(q.misfire, MisfireInstruction::FireOnceNow.quartz_code());
    assert_eq!(q.priority, 5);
    let q = &seen.triggers[&key(GROUP, &manual.key.name)];
    assert_eq!(q.kind, "SIMPLE");
    assert_eq!(q.repeat_count, Some(0));
    assert_eq!(q.start, at(2030, 6, 1, 12, 0, 0).timestamp_millis());
    assert_eq!(q.next, Some(at(2030, 6, 1, 12, 0, 0).timestamp_millis()));
    assert_eq!(q.state, "NORMAL");
    assert_eq!(seen.triggers.len(), 2);

    // ---- 2. what Quartz schedules, we read ----------------------------
    let mut args = base_args("schedule");
    args.extend([
        GROUP.to_string(),
        "daily-agg".to_string(),
        at(2030, 1, 1, 0, 0, 0).timestamp_millis().to_string(),
    ]);
    let after = probe.run(&args);
    let quartz_cron = &after.triggers[&key(GROUP, "quartzCron")];
    // 2030-01-01 is a Tuesday: 10:15 in New York (EST) is 15:15Z.
    assert_eq!(
        quartz_cron.next,
        Some(at(2030, 1, 1, 15, 15, 0).timestamp_millis())
    );

    let ours = store
        .get_trigger(&TriggerKey::new(GROUP, "quartzCron"))
        .await
        .expect("read Quartz's trigger")
        .expect("it exists");
    assert_eq!(ours.job_key, JobKey::new(GROUP, "daily-agg"));
    assert_eq!(
        ours.schedule,
        TriggerSchedule::Cron {
            cron_expression: "0 15 10 ? * MON-FRI"
                .parse()
                .expect("a valid cron expression"),
            time_zone: "America/New_York".parse().expect("a known time zone"),
            start_time: at(2030, 1, 1, 0, 0, 0),
            end_time: None,
        }
    );
    assert_eq!(
        ours.next_fire_time.map(|t| t.timestamp_millis()),
        quartz_cron.next
    );
    assert_eq!(ours.previous_fire_time, None);
    assert_eq!(ours.state, TriggerState::Waiting);
    assert_eq!(ours.misfire_instruction, MisfireInstruction::DoNothing);
    assert_eq!(ours.priority, 7);
    let of_job = store
        .triggers_of_job(&JobKey::new(GROUP, "daily-agg"))
        .await
        .expect("triggers of job");
    assert_eq!(
        of_job.len(),
        3,
        "ours, the manual one and Quartz's: {of_job:?}"
    );

    // A whole job Quartz stored with useProperties=true, data escaped by
    // Java's Properties.store.
    let made = store
        .get_job(&JobKey::new(GROUP, "quartz-made"))
        .await
        .expect("read Quartz's job")
        .expect("it exists");
    assert_eq!(made.component_id, "urn:dmb:cmp:interop:0:quartz-made");
    assert_eq!(made.description.as_deref(), Some("made by Quartz"));
    assert_eq!(
        made.spec,
        SparkJobSpec {
            queue: Some("root.ünï".parse().expect("queue")),
            args: vec![
                "x=1".into(),
                "ü € 🚀".into(),
                "line\nbreak".into(),
                "#!:".into()
            ],
            dependencies: vec![],
            num_executors: PositiveCount::new(2),
            conf: [("spark.executor.instances".to_string(), "2".to_string())]
                .into_iter()
                .collect(),
            ..SparkJobSpec::new(
                "hdfs://ns1/apps/quartz made/app=1.jar"
                    .parse()
                    .expect("jar"),
                "com.acme.QuartzMade".parse().expect("class name")
            )
        }
    );
    assert!(
        made.non_concurrent,
        "Quartz wrote IS_NONCONCURRENT from the class annotation"
    );
    let made_trigger = store
        .get_trigger(&TriggerKey::new(GROUP, "quartz-madeTrigger"))
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        made_trigger.next_fire_time.map(|t| t.timestamp_millis()),
        after.triggers[&key(GROUP, "quartz-madeTrigger")].next
    );
    assert_eq!(
        made_trigger.misfire_instruction,
        MisfireInstruction::SmartPolicy
    );
    let listed: Vec<String> = store
        .list_jobs(Some(GROUP.into()))
        .await
        .expect("list")
        .into_iter()
        .map(|j| j.key.name)
        .collect();
    assert_eq!(listed, ["daily-agg", "no-schedule", "quartz-made"]);

    // Re-provisioning replaces every scheduled trigger, Quartz's included,
    // and Quartz agrees.
    store
        .replace_job(&job, Some(trigger))
        .await
        .expect("replace");
    let last = probe.run(&base_args("list"));
    let names: Vec<&str> = last
        .triggers
        .keys()
        .filter(|(_, n)| !n.starts_with("quartz-made"))
        .map(|(_, n)| n.as_str())
        .collect();
    assert_eq!(names, [manual.key.name.as_str(), "daily-aggTrigger"]);
    assert_eq!(last.triggers[&key(GROUP, "daily-aggTrigger")].kind, "CRON");
}
