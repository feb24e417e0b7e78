//! The plan for old jobs: what carries over, what changes, what refuses.

use super::*;
use chrono::TimeZone;

const OURS: &str = "it.agilelab.witboost.cdp.spark.SparkSubmitJob";
const COMPONENT: &str = "urn:dmb:cmp:finance:sales:0:daily-agg";

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 2, h, 0, 0)
        .single()
        .expect("instant")
}

fn t(s: &str) -> LegacyValue {
    LegacyValue::Text(s.into())
}

fn old_job() -> LegacyJob {
    let key = JobKey::new("sales", "daily-agg");
    let data: BTreeMap<String, LegacyValue> = [
        ("className", t("com.acme.Agg")),
        ("jarPath", t("hdfs://ns1/apps/agg.jar")),
        ("jobArgs", LegacyValue::List(vec![t("--date"), t("today")])),
        ("driverMemory", t("2g")),
        ("driverCores", LegacyValue::Integer(1)),
        ("executorMemory", t("4g")),
        ("executorCores", LegacyValue::Integer(2)),
        ("numExecutors", LegacyValue::Integer(3)),
        (
            "conf",
            LegacyValue::Map(vec![(t("spark.sql.shuffle.partitions"), t("8"))]),
        ),
        ("name", t("daily-agg")),
        ("queue", t("")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let trigger = TriggerDefinition {
        key: crate::model::TriggerKey::new("sales", "daily-aggTrigger"),
        job_key: key.clone(),
        schedule: TriggerSchedule::Cron {
            cron_expression: "0 0 3 * * ?".parse().expect("cron"),
            time_zone: "Europe/Rome".parse().expect("zone"),
            start_time: at(0),
            end_time: Some(
                Utc.with_ymd_and_hms(2050, 1, 1, 0, 0, 0)
                    .single()
                    .expect("end"),
            ),
        },
        next_fire_time: Some(at(2)),
        previous_fire_time: Some(at(1)),
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::SmartPolicy,
        priority: 5,
    };
    LegacyJob {
        key,
        job_class: OLD_JOB_CLASS.into(),
        description: None,
        data: Ok(data),
        triggers: vec![Ok(trigger)],
    }
}

#[test]
fn an_old_job_becomes_ours_keyed_by_the_data_product_with_its_next_fire_time() {
    let p = plan(&old_job(), Some(COMPONENT), OURS, &ConfPolicy::default());
    assert_eq!(p.verdict, Verdict::Ready, "{:?}", p.problems);
    let new_key = JobKey::new("urn:dmb:dp:finance:sales:0", "daily-agg");
    assert_eq!(p.new_key.as_ref(), Some(&new_key));
    let job = p.job.as_ref().expect("job");
    assert_eq!(job.key, new_key);
    assert_eq!(job.component_id, COMPONENT);
    assert_eq!(job.spec.jar.to_string(), "hdfs://ns1/apps/agg.jar");
    assert_eq!(job.spec.args, vec!["--date", "today"]);
    assert_eq!(
        job.spec
            .conf
            .get("spark.sql.shuffle.partitions")
            .map(String::as_str),
        Some("8")
    );
    assert_eq!(job.spec.num_executors, PositiveCount::new(3));
    assert_eq!(job.spec.queue, None, "an empty queue is no queue");
    let trigger = p.trigger.as_ref().expect("trigger");
    assert_eq!(trigger.key, new_key.scheduled_trigger_key());
    assert_eq!(trigger.next_fire_time, Some(at(2)));
    assert_eq!(trigger.previous_fire_time, Some(at(1)));
    assert_eq!(trigger.misfire_instruction, MisfireInstruction::FireOnceNow);
    assert_eq!(
        trigger.schedule,
        old_job().triggers[0].as_ref().expect("t").schedule
    );
    let changes = p.changes.join("\n");
    for expected in [
        "key: sales.daily-agg becomes",
        "Livy",
        "next fire time",
        "dependencies",
    ] {
        assert!(changes.contains(expected), "{expected}: {changes}");
    }
    assert_eq!(p.was.jar.as_deref(), Some("hdfs://ns1/apps/agg.jar"));
    assert!(all_can_migrate(&[p]));
}

#[test]
fn without_a_component_id_the_job_is_refused_saying_how_to_give_it() {
    let p = plan(&old_job(), None, OURS, &ConfPolicy::default());
    assert_eq!(p.verdict, Verdict::Refused);
    assert!(p.job.is_none() && p.trigger.is_none());
    let text = p.problems.join("\n");
    assert!(
        text.contains("--component 'sales/daily-agg=urn:dmb:cmp:"),
        "{text}"
    );
    assert!(!all_can_migrate(&[p]));
    let p = plan(
        &old_job(),
        Some("urn:dmb:dp:finance:sales:0"),
        OURS,
        &ConfPolicy::default(),
    );
    assert_eq!(p.verdict, Verdict::Refused);
}

#[test]
fn unreadable_or_foreign_values_refuse_the_job_naming_the_entry() {
    let cases: Vec<(&str, LegacyValue, &str)> = vec![
        ("jarPath", t("Jar path not found"), "had no jar"),
        ("className", t("Class name not found"), "no main class"),
        ("className", t("not a.class.Name"), "'className'"),
        (
            "jobArgs",
            LegacyValue::Unsupported("scala.Some".into()),
            "'jobArgs'",
        ),
        (
            "jobArgs",
            LegacyValue::List(vec![LegacyValue::Integer(1)]),
            "'jobArgs[0]'",
        ),
        (
            "conf",
            LegacyValue::Map(vec![(t("k"), LegacyValue::Integer(1))]),
            "'conf'",
        ),
        ("numExecutors", LegacyValue::Integer(0), "'numExecutors'"),
        (
            "driverCores",
            LegacyValue::Integer(i64::MAX),
            "'driverCores'",
        ),
        ("driverMemory", t("lots"), "'driverMemory'"),
        ("queue", t("root..q"), "'queue'"),
        ("surprise", t("x"), "'surprise'"),
        (
            "conf",
            LegacyValue::Map(vec![(t("spark.yarn.keytab"), t("/k"))]),
            "conf policy refuses 'spark.yarn.keytab'",
        ),
        (
            "jobArgs",
            LegacyValue::List(vec![t("${unknown}")]),
            "jobArgs[0]",
        ),
    ];
    for (key, value, expected) in cases {
        let mut job = old_job();
        if let Ok(data) = &mut job.data {
            data.insert(key.into(), value);
        }
        let p = plan(&job, Some(COMPONENT), OURS, &ConfPolicy::default());
        assert_eq!(p.verdict, Verdict::Refused, "{key}");
        let text = p.problems.join("\n");
        assert!(text.contains(expected), "{key}: {text}");
    }
    let mut job = old_job();
    job.data = Err("garbage".into());
    assert!(
        plan(&job, Some(COMPONENT), OURS, &ConfPolicy::default()).problems[0].contains("garbage")
    );
    let mut job = old_job();
    job.job_class = "com.other.Job".into();
    assert_eq!(
        plan(&job, Some(COMPONENT), OURS, &ConfPolicy::default()).verdict,
        Verdict::Refused
    );
}

#[test]
fn triggers_a_running_old_scheduler_holds_or_several_triggers_are_refused() {
    for state in [
        TriggerState::Acquired,
        TriggerState::Executing,
        TriggerState::Error,
    ] {
        let mut job = old_job();
        if let Ok(t) = &mut job.triggers[0] {
            t.state = state;
        }
        let p = plan(&job, Some(COMPONENT), OURS, &ConfPolicy::default());
        assert_eq!(p.verdict, Verdict::Refused, "{state:?}");
    }
    let mut job = old_job();
    let again = job.triggers[0].clone();
    job.triggers.push(again);
    assert_eq!(
        plan(&job, Some(COMPONENT), OURS, &ConfPolicy::default()).verdict,
        Verdict::Refused
    );
    let mut job = old_job();
    job.triggers = vec![Err("simple trigger repeats 3 times".into())];
    let p = plan(&job, Some(COMPONENT), OURS, &ConfPolicy::default());
    assert!(
        p.problems.join("").contains("repeats 3 times"),
        "{:?}",
        p.problems
    );
    // Paused stays paused; no trigger at all is a job without a schedule.
    let mut job = old_job();
    if let Ok(t) = &mut job.triggers[0] {
        t.state = TriggerState::Paused;
    }
    let p = plan(&job, Some(COMPONENT), OURS, &ConfPolicy::default());
    assert_eq!(p.trigger.expect("trigger").state, TriggerState::Paused);
    let mut job = old_job();
    job.triggers.clear();
    let p = plan(&job, Some(COMPONENT), OURS, &ConfPolicy::default());
    assert_eq!(p.verdict, Verdict::Ready);
    assert!(p.trigger.is_none());
}

#[test]
fn our_own_jobs_are_already_migrated_and_values_shown_are_bounded() {
    let mut job = old_job();
    job.job_class = OURS.into();
    assert_eq!(
        plan(&job, None, OURS, &ConfPolicy::default()).verdict,
        Verdict::AlreadyMigrated
    );
    let mut job = old_job();
    if let Ok(data) = &mut job.data {
        data.insert(
            "conf".into(),
            LegacyValue::Map(vec![(t("spark.hadoop.fs.s3a.secret.key"), t("s3cr3t"))]),
        );
        data.insert(
            "jobArgs".into(),
            LegacyValue::List(vec![t("--password"), t("hunter2")]),
        );
    }
    let p = plan(&job, Some(COMPONENT), OURS, &ConfPolicy::permissive());
    let shown = serde_json::to_string(&p).expect("json");
    assert!(
        !shown.contains("s3cr3t") && !shown.contains("hunter2"),
        "{shown}"
    );
    let written = p.job.expect("ready");
    assert_eq!(
        written.spec.args[1], "hunter2",
        "the values written are the job's"
    );
    let long = "x".repeat(10_000);
    let mut job = old_job();
    if let Ok(data) = &mut job.data {
        data.insert("jarPath".into(), t(&long));
    }
    let p = plan(&job, Some(COMPONENT), OURS, &ConfPolicy::default());
    assert!(p.was.jar.as_ref().expect("jar").chars().count() < SHOWN_CHARS + 30);
    assert_eq!(
        data_product_of("urn:dmb:cmp:a:b:0:c").as_deref(),
        Some("urn:dmb:dp:a:b:0")
    );
    assert_eq!(data_product_of("urn:dmb:cmp:a:b:c"), None);
    assert_eq!(data_product_of("urn:dmb:cmp:a::0:c"), None);
}
