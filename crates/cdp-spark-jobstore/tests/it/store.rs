//! The job store port on both backends: jobs and triggers round trip,
//! replace semantics, atomicity, deletes, runs, operations, bad input.

use crate::common;

use cdp_spark_domain::api::Status;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, MisfireInstruction, OperationKind, OperationRecord, RunFilter,
    RunRecord, RunState, TriggerDefinition, TriggerKey, TriggerSchedule, TriggerState,
};
use cdp_spark_domain::ports::{
    JobStorePort, OperationStorePort, ReplaceOutcome, SchedulerStorePort, StoreError,
};
use cdp_spark_jobstore::{DieselJobStore, StoreConfig, JOB_CLASS_NAME};
use chrono::Duration;
use common::{at, cron_trigger, manual_trigger, sample_job, Db, TestStore};

on_both_backends!(
    replace_creates_then_replaces_and_reads_back,
    rows_are_quartz_rows,
    replace_without_trigger_drops_the_schedule_but_keeps_manual_runs,
    failed_replace_leaves_the_old_pair,
    add_trigger_needs_the_job_and_a_free_key,
    delete_removes_job_triggers_and_side_rows_but_keeps_runs,
    list_jobs_by_group_in_key_order,
    job_data_survives_awkward_text,
    runs_are_saved_updated_filtered_and_paged,
    operations_survive_and_are_purged,
    oversized_values_are_refused_before_writing,
    schedulers_sharing_tables_do_not_see_each_other,
    ping_answers,
);

/// The schedule most tests give a job: daily at 03:00, first due
/// 2030-01-01 02:00 UTC.
fn daily_at_3(job: &JobDefinition) -> TriggerDefinition {
    cron_trigger(job, "0 0 3 * * ?", at(2030, 1, 1, 2, 0, 0))
}

/// Stores `job` (with `trigger`); the test fails with `what` when the store
/// refuses.
async fn replace(
    store: &DieselJobStore,
    job: &JobDefinition,
    trigger: Option<&TriggerDefinition>,
    what: &str,
) -> ReplaceOutcome {
    store.replace_job(job, trigger.cloned()).await.expect(what)
}

/// The error of a replace the store must refuse (`what` names the case).
async fn refused(
    store: &DieselJobStore,
    job: &JobDefinition,
    trigger: Option<TriggerDefinition>,
    what: &str,
) -> StoreError {
    store.replace_job(job, trigger).await.expect_err(what)
}

async fn job_of(store: &DieselJobStore, key: &JobKey) -> Option<JobDefinition> {
    store.get_job(key).await.expect("get job")
}

async fn replace_creates_then_replaces_and_reads_back(db: Db) {
    let t = TestStore::open(db).await;
    let job = sample_job("urn:dmb:dp:finance:sales:0", "daily-agg");
    let trigger = daily_at_3(&job);
    assert_eq!(
        replace(&t.store, &job, Some(&trigger), "create").await,
        ReplaceOutcome::Created
    );
    assert_eq!(job_of(&t.store, &job.key).await, Some(job.clone()));
    assert_eq!(
        t.store
            .get_trigger(&trigger.key)
            .await
            .expect("get trigger"),
        Some(trigger.clone())
    );

    let mut job2 = job.clone();
    job2.spec.args = vec!["--full".into()];
    job2.spec.queue = None;
    job2.description = None;
    let trigger2 = cron_trigger(&job2, "0 30 4 ? * MON-FRI", at(2030, 1, 1, 3, 30, 0));
    assert_eq!(
        replace(&t.store, &job2, Some(&trigger2), "replace").await,
        ReplaceOutcome::Replaced
    );
    assert_eq!(job_of(&t.store, &job.key).await, Some(job2.clone()));
    assert_eq!(
        t.store.triggers_of_job(&job.key).await.expect("triggers"),
        vec![trigger2]
    );
    assert_eq!(t.rows("JOB_DETAILS"), 1);
    assert_eq!(t.rows("TRIGGERS"), 1);
    assert_eq!(t.rows("CRON_TRIGGERS"), 1);
    assert_eq!(job_of(&t.store, &JobKey::new("x", "y")).await, None);
    assert_eq!(
        t.store
            .get_trigger(&TriggerKey::new("x", "y"))
            .await
            .expect("get"),
        None
    );
}

async fn rows_are_quartz_rows(db: Db) {
    let t = TestStore::open(db).await;
    let job = sample_job("dp", "job");
    replace(&t.store, &job, Some(&daily_at_3(&job)), "create").await;
    let p = &t.config.table_prefix;
    let s = &t.config.sched_name;
    let one = |sql: String| t.count(&sql);
    assert_eq!(
        one(format!(
            "SELECT COUNT(*) AS N FROM {p}JOB_DETAILS WHERE SCHED_NAME = '{s}' AND JOB_GROUP = 'dp' \
             AND JOB_NAME = 'job' AND JOB_CLASS_NAME = '{JOB_CLASS_NAME}' AND IS_DURABLE = '1' \
             AND IS_NONCONCURRENT = '1' AND IS_UPDATE_DATA = '0' AND REQUESTS_RECOVERY = '0'"
        )),
        1,
        "job row with Quartz's flags"
    );
    assert_eq!(
        one(format!(
            "SELECT COUNT(*) AS N FROM {p}TRIGGERS WHERE SCHED_NAME = '{s}' AND TRIGGER_GROUP = 'dp' \
             AND TRIGGER_NAME = 'jobTrigger' AND JOB_NAME = 'job' AND TRIGGER_TYPE = 'CRON' \
             AND TRIGGER_STATE = 'WAITING' AND NEXT_FIRE_TIME = {} AND PREV_FIRE_TIME = -1 \
             AND START_TIME = {} AND END_TIME = {} AND MISFIRE_INSTR = 1 AND PRIORITY = 5",
            at(2030, 1, 1, 2, 0, 0).timestamp_millis(),
            at(2030, 1, 1, 0, 0, 0).timestamp_millis(),
            at(2031, 1, 1, 0, 0, 0).timestamp_millis()
        )),
        1,
        "trigger row in epoch millis"
    );
    assert_eq!(
        one(format!(
            "SELECT COUNT(*) AS N FROM {p}CRON_TRIGGERS WHERE SCHED_NAME = '{s}' \
             AND TRIGGER_NAME = 'jobTrigger' AND CRON_EXPRESSION = '0 0 3 * * ?' \
             AND TIME_ZONE_ID = 'Europe/Rome'"
        )),
        1
    );
    assert_eq!(
        one(format!(
            "SELECT COUNT(*) AS N FROM {p}LOCKS WHERE SCHED_NAME = '{s}' \
             AND LOCK_NAME IN ('TRIGGER_ACCESS', 'STATE_ACCESS')"
        )),
        2,
        "Quartz's lock rows exist"
    );
    let manual = manual_trigger(&job, at(2030, 2, 1, 0, 0, 0));
    assert!(t.store.add_trigger(&manual).await.expect("manual"));
    assert_eq!(
        one(format!(
            "SELECT COUNT(*) AS N FROM {p}SIMPLE_TRIGGERS WHERE SCHED_NAME = '{s}' \
             AND TRIGGER_NAME = '{}' AND REPEAT_COUNT = 0 AND REPEAT_INTERVAL = 0 \
             AND TIMES_TRIGGERED = 0",
            manual.key.name
        )),
        1
    );
}

async fn replace_without_trigger_drops_the_schedule_but_keeps_manual_runs(db: Db) {
    let t = TestStore::open(db).await;
    let job = sample_job("dp", "job");
    let scheduled = daily_at_3(&job);
    replace(&t.store, &job, Some(&scheduled), "create").await;
    let manual = manual_trigger(&job, at(2030, 3, 1, 12, 0, 0));
    assert!(t.store.add_trigger(&manual).await.expect("manual"));
    assert_eq!(
        t.store.triggers_of_job(&job.key).await.expect("list").len(),
        2
    );

    assert_eq!(
        replace(&t.store, &job, None, "unschedule").await,
        ReplaceOutcome::Replaced
    );
    assert_eq!(
        t.store.triggers_of_job(&job.key).await.expect("list"),
        vec![manual.clone()],
        "the pending manual run stays, the schedule goes"
    );
    assert_eq!(
        t.store.get_trigger(&scheduled.key).await.expect("get"),
        None
    );
    assert_eq!(t.rows("CRON_TRIGGERS"), 0);
    assert!(
        job_of(&t.store, &job.key).await.is_some(),
        "durable job stays"
    );
}

async fn failed_replace_leaves_the_old_pair(db: Db) {
    let t = TestStore::open(db).await;
    let a = sample_job("dp", "a");
    let a_trigger = cron_trigger(&a, "0 0 1 * * ?", at(2030, 1, 1, 0, 0, 0));
    replace(&t.store, &a, Some(&a_trigger), "a").await;
    let b = sample_job("dp", "b");
    let b_trigger = cron_trigger(&b, "0 0 2 * * ?", at(2030, 1, 1, 1, 0, 0));
    replace(&t.store, &b, Some(&b_trigger), "b").await;

    // New version of b whose trigger key is a's: the transaction has already
    // updated b's job row and deleted b's trigger when it finds the clash.
    let mut b2 = b.clone();
    b2.spec.args = vec!["v2".into()];
    let mut clash = cron_trigger(&b2, "0 0 5 * * ?", at(2030, 1, 1, 4, 0, 0));
    clash.key = a_trigger.key.clone();
    let e = refused(&t.store, &b2, Some(clash), "trigger key of another job").await;
    assert!(
        matches!(&e, StoreError::Other(m) if m.contains("dp.aTrigger") && m.contains("dp.a")),
        "{e}"
    );
    assert_eq!(job_of(&t.store, &b.key).await, Some(b.clone()), "old job");
    assert_eq!(
        t.store.triggers_of_job(&b.key).await.expect("list"),
        vec![b_trigger],
        "old trigger"
    );
    assert_eq!(
        t.store.triggers_of_job(&a.key).await.expect("list"),
        vec![a_trigger]
    );
    assert_eq!(t.rows("TRIGGERS"), 2);
}

async fn add_trigger_needs_the_job_and_a_free_key(db: Db) {
    let t = TestStore::open(db).await;
    let job = sample_job("dp", "job");
    let manual = manual_trigger(&job, at(2030, 5, 5, 5, 5, 5));
    assert!(
        !t.store.add_trigger(&manual).await.expect("no job"),
        "no job: false"
    );
    assert_eq!(t.rows("TRIGGERS"), 0);

    replace(&t.store, &job, None, "job").await;
    assert!(t.store.add_trigger(&manual).await.expect("added"));
    assert_eq!(
        t.store.get_trigger(&manual.key).await.expect("get"),
        Some(manual.clone())
    );
    let e = t
        .store
        .add_trigger(&manual)
        .await
        .expect_err("same key again");
    assert!(
        matches!(&e, StoreError::Conflict(m) if m.contains(&manual.key.to_string())),
        "{e}"
    );
    assert_eq!(t.rows("TRIGGERS"), 1);
    assert_eq!(t.rows("SIMPLE_TRIGGERS"), 1);
}

fn run(id: &str, job: &JobKey, fired: chrono::DateTime<chrono::Utc>, state: RunState) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        job_key: job.clone(),
        trigger_key: TriggerKey::new(job.group.clone(), format!("{}Trigger", job.name)),
        scheduled_fire_time: fired,
        actual_fire_time: fired + Duration::milliseconds(250),
        application_id: None,
        tracking_url: None,
        state,
        final_status: None,
        created_at: fired,
        updated_at: fired,
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

async fn delete_removes_job_triggers_and_side_rows_but_keeps_runs(db: Db) {
    let t = TestStore::open(db).await;
    let job = sample_job("dp", "job");
    replace(&t.store, &job, Some(&daily_at_3(&job)), "create").await;
    t.store
        .add_trigger(&manual_trigger(&job, at(2030, 1, 2, 0, 0, 0)))
        .await
        .expect("manual");
    let other = sample_job("dp", "other");
    let other_trigger = cron_trigger(&other, "0 0 4 * * ?", at(2030, 1, 1, 3, 0, 0));
    replace(&t.store, &other, Some(&other_trigger), "other").await;
    t.store
        .update_runs(&[run(
            "r1",
            &job.key,
            at(2029, 12, 1, 2, 0, 0),
            RunState::Succeeded,
        )])
        .await
        .expect("run");

    assert!(t.store.delete_job(&job.key).await.expect("delete"));
    assert_eq!(job_of(&t.store, &job.key).await, None);
    assert!(t
        .store
        .triggers_of_job(&job.key)
        .await
        .expect("list")
        .is_empty());
    assert_eq!(t.rows("JOB_DETAILS"), 1, "only the other job");
    assert_eq!(t.rows("TRIGGERS"), 1);
    assert_eq!(t.rows("CRON_TRIGGERS"), 1);
    assert_eq!(t.rows("SIMPLE_TRIGGERS"), 0);
    assert!(
        t.store.get_run("r1").await.expect("run").is_some(),
        "runs are kept"
    );
    assert!(
        !t.store.delete_job(&job.key).await.expect("again"),
        "second delete: false"
    );
}

async fn list_jobs_by_group_in_key_order(db: Db) {
    let t = TestStore::open(db).await;
    for (g, n) in [
        ("dp-b", "z"),
        ("dp-a", "y"),
        ("dp-b", "a"),
        ("dp-a", "B"),
        ("dp-a", "b"),
    ] {
        replace(&t.store, &sample_job(g, n), None, "job").await;
    }
    // A job of another Quartz job class in the same tables is not ours.
    let (p, s) = (&t.config.table_prefix, &t.config.sched_name);
    t.execute(&format!(
        "INSERT INTO {p}JOB_DETAILS (SCHED_NAME, JOB_NAME, JOB_GROUP, DESCRIPTION, JOB_CLASS_NAME, \
         IS_DURABLE, IS_NONCONCURRENT, IS_UPDATE_DATA, REQUESTS_RECOVERY, JOB_DATA) \
         VALUES ('{s}', 'foreign', 'dp-a', NULL, 'org.acme.OtherJob', '1', '0', '0', '0', NULL)"
    ));
    let keys = |jobs: Vec<cdp_spark_domain::model::JobDefinition>| -> Vec<String> {
        jobs.into_iter().map(|j| j.key.to_string()).collect()
    };
    assert_eq!(
        keys(t.store.list_jobs(None).await.expect("all")),
        ["dp-a.B", "dp-a.b", "dp-a.y", "dp-b.a", "dp-b.z"],
        "ordered by group then name, case-sensitively, without the foreign job"
    );
    assert_eq!(
        keys(t.store.list_jobs(Some("dp-b".into())).await.expect("group")),
        ["dp-b.a", "dp-b.z"]
    );
    let e = t
        .store
        .get_job(&JobKey::new("dp-a", "foreign"))
        .await
        .expect_err("foreign job");
    assert!(
        matches!(&e, StoreError::Corrupt(m) if m.contains("org.acme.OtherJob")),
        "{e}"
    );
}

async fn job_data_survives_awkward_text(db: Db) {
    let t = TestStore::open(db).await;
    let mut job = sample_job("urn:dmb:dp:ünïcode:0", "jöb-名前");
    job.description = Some(format!("{} — long ✓", "d".repeat(300)));
    job.spec.args = vec![
        "a=b".into(),
        " leading space".into(),
        "multi\nline\ttab".into(),
        "#!:=\\".into(),
        "emoji 🚀".into(),
        String::new(),
    ];
    job.spec
        .conf
        .insert("spark.driver.extraJavaOptions".into(), "-Dx=\"y z\"".into());
    replace(&t.store, &job, None, "store").await;
    let back = job_of(&t.store, &job.key).await.expect("exists");
    assert_eq!(back.spec, job.spec);
    assert_eq!(back.key, job.key);
    let description = back.description.expect("description");
    assert_eq!(
        description.chars().count(),
        250,
        "cut to DESCRIPTION's 250 characters"
    );
    assert!(description.ends_with('…'));
}

async fn runs_are_saved_updated_filtered_and_paged(db: Db) {
    let t = TestStore::open(db).await;
    let a = JobKey::new("dp", "a");
    let b = JobKey::new("dp", "b");
    let base = at(2030, 1, 1, 0, 0, 0);
    for i in 0..6i64 {
        let job = if i % 2 == 0 { &a } else { &b };
        let state = if i < 4 {
            RunState::Succeeded
        } else {
            RunState::Running
        };
        t.store
            .update_runs(&[run(
                &format!("run-{i}"),
                job,
                base + Duration::hours(i),
                state,
            )])
            .await
            .expect("save");
    }
    let mut r = run("run-4", &a, base + Duration::hours(4), RunState::Failed);
    r.application_id = Some("application_1700000000000_0042".into());
    r.tracking_url = Some("http://rm:8088/proxy/application_1700000000000_0042/".into());
    r.final_status = Some("FAILED".into());
    r.ended_at = Some(base + Duration::hours(5));
    r.updated_at = base + Duration::hours(5);
    r.error = Some("x".repeat(20_000));
    t.store.update_runs(&[r.clone()]).await.expect("update");
    let back = t
        .store
        .get_run("run-4")
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(back.state, RunState::Failed);
    assert_eq!(back.application_id, r.application_id);
    assert_eq!(back.ended_at, r.ended_at);
    assert_eq!(
        back.error.as_ref().map(|e| e.chars().count()),
        Some(16_000),
        "error text cut"
    );
    assert_eq!(t.rows("CDP_RUNS"), 6, "an update, not a new row");

    let ids =
        |runs: Vec<RunRecord>| -> Vec<String> { runs.into_iter().map(|r| r.run_id).collect() };
    assert_eq!(
        ids(t.store.list_runs(&RunFilter::default()).await.expect("all")),
        ["run-5", "run-4", "run-3", "run-2", "run-1", "run-0"],
        "newest first; limit 0 is no limit"
    );
    assert_eq!(
        ids(t
            .store
            .list_runs(&RunFilter {
                job: Some(a.clone()),
                ..RunFilter::default()
            })
            .await
            .expect("a")),
        ["run-4", "run-2", "run-0"]
    );
    assert_eq!(
        ids(t
            .store
            .list_runs(&RunFilter {
                state: Some(RunState::Succeeded),
                offset: 1,
                limit: 2,
                job: None
            })
            .await
            .expect("page")),
        ["run-2", "run-1"]
    );
    assert_eq!(
        ids(t
            .store
            .list_runs(&RunFilter {
                state: Some(RunState::Running),
                job: Some(b.clone()),
                offset: 0,
                limit: 10
            })
            .await
            .expect("both")),
        ["run-5"]
    );
    assert_eq!(t.store.get_run("nope").await.expect("get"), None);
}

async fn operations_survive_and_are_purged(db: Db) {
    let t = TestStore::open(db).await;
    let created = at(2030, 1, 1, 0, 0, 0);
    let mut op = OperationRecord {
        id: "0b9f6c1e-provision".into(),
        kind: OperationKind::Provision,
        component_id: Some("urn:dmb:cmp:dp:0:job".into()),
        status: Status::Running,
        result: None,
        created_at: created,
        updated_at: created,
    };
    t.store.save_operation(&op).await.expect("save");
    // Another store instance on the same database (a restart) sees it.
    let again = DieselJobStore::open(t.config.clone())
        .await
        .expect("reopen");
    assert_eq!(
        again.get_operation(&op.id).await.expect("get"),
        Some(op.clone())
    );

    op.status = Status::Completed;
    op.result = Some(r#"{"status":"COMPLETED","result":"ok"}"#.into());
    op.updated_at = created + Duration::minutes(1);
    again.save_operation(&op).await.expect("update");
    assert_eq!(
        t.store.get_operation(&op.id).await.expect("get"),
        Some(op.clone())
    );

    let old = OperationRecord {
        id: "old".into(),
        kind: OperationKind::Validate,
        component_id: None,
        status: Status::Failed,
        result: None,
        created_at: created - Duration::days(10),
        updated_at: created - Duration::days(10),
    };
    t.store.save_operation(&old).await.expect("old");
    assert_eq!(
        t.store
            .purge_operations(created - Duration::days(1))
            .await
            .expect("purge"),
        1
    );
    assert_eq!(t.store.get_operation("old").await.expect("get"), None);
    assert!(t.store.get_operation(&op.id).await.expect("get").is_some());
}

async fn oversized_values_are_refused_before_writing(db: Db) {
    let t = TestStore::open(db).await;
    let long = sample_job("dp", &"n".repeat(191));
    let e = refused(&t.store, &long, None, "191 characters").await;
    assert!(
        matches!(&e, StoreError::Other(m) if m.contains("JOB_NAME") && m.contains("190") && m.contains("191")),
        "{e}"
    );
    let fits = sample_job("dp", &"é".repeat(190));
    replace(&t.store, &fits, None, "190 characters fit").await;
    assert_eq!(
        job_of(&t.store, &fits.key).await.map(|j| j.key),
        Some(fits.key.clone())
    );

    let job = sample_job("dp", "j");
    let mut trigger = daily_at_3(&job);
    trigger.key.name = "t".repeat(191);
    let e = refused(&t.store, &job, Some(trigger), "trigger name").await;
    assert!(e.to_string().contains("TRIGGER_NAME"), "{e}");
    let mut trigger = cron_trigger(
        &job,
        &format!("0 0 3 * * ? {}", "2030,".repeat(30)),
        at(2030, 1, 1, 2, 0, 0),
    );
    trigger.misfire_instruction = MisfireInstruction::DoNothing;
    let e = refused(&t.store, &job, Some(trigger), "cron length").await;
    assert!(e.to_string().contains("CRON_EXPRESSION"), "{e}");
    let mut big = sample_job("dp", "big");
    big.spec.args = vec!["a".repeat(70_000)];
    let e = refused(&t.store, &big, None, "job data size").await;
    assert!(e.to_string().contains("JOB_DATA"), "{e}");
    let other = sample_job("dp", "other");
    let e = refused(
        &t.store,
        &job,
        Some(daily_at_3(&other)),
        "trigger of another job",
    )
    .await;
    assert!(e.to_string().contains("dp.other"), "{e}");
    assert_eq!(t.rows("JOB_DETAILS"), 1, "only the job that fits");
    assert_eq!(t.rows("TRIGGERS"), 0);
}

async fn schedulers_sharing_tables_do_not_see_each_other(db: Db) {
    let t = TestStore::open(db).await;
    let other = DieselJobStore::open(StoreConfig {
        sched_name: "AnotherScheduler".into(),
        ..t.config.clone()
    })
    .await
    .expect("second scheduler");
    let job = sample_job("dp", "job");
    replace(&t.store, &job, Some(&daily_at_3(&job)), "one").await;
    assert_eq!(job_of(&other, &job.key).await, None);
    assert!(other.list_jobs(None).await.expect("list").is_empty());
    replace(&other, &job, None, "same key, other scheduler").await;
    assert_eq!(
        t.store.triggers_of_job(&job.key).await.expect("list").len(),
        1
    );
    assert!(other.delete_job(&job.key).await.expect("delete"));
    assert!(job_of(&t.store, &job.key).await.is_some());
}

async fn ping_answers(db: Db) {
    let t = TestStore::open(db).await;
    t.store.ping().await.expect("ping");
    let cron = t
        .store
        .get_trigger(&TriggerKey::new("a", "b"))
        .await
        .expect("empty read");
    assert!(cron.is_none());
    // The trigger state and schedule model round trip through every state.
    let job = sample_job("dp", "states");
    replace(&t.store, &job, None, "job").await;
    for (i, state) in [
        TriggerState::Paused,
        TriggerState::Blocked,
        TriggerState::Error,
    ]
    .into_iter()
    .enumerate()
    {
        let mut trig = manual_trigger(&job, at(2030, 1, 1, 0, 0, i as u32));
        trig.state = state;
        trig.next_fire_time = None;
        assert!(t.store.add_trigger(&trig).await.expect("add"));
        let back = t
            .store
            .get_trigger(&trig.key)
            .await
            .expect("get")
            .expect("exists");
        assert_eq!(back, trig);
        assert!(matches!(back.schedule, TriggerSchedule::Once { .. }));
    }
}
