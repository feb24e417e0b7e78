//! `JobStorePort::job_views` on every backend (the jobs listing): every job
//! of the scheduler (or of one group) in key order, with its triggers and
//! exactly its newest N runs, newest first; more jobs than one runs
//! statement takes; another scheduler's jobs and runs stay out; and the
//! answer equals what the port's default (job by job) gives. The
//! listing's first read, `job_latest` (each job's latest run's state, ties
//! by run id, and which triggers ran for their previous fire time), and its
//! page, `job_views_of` (chosen jobs, in the order asked), likewise.

use crate::common;

use chrono::Duration;

use cdp_spark_domain::model::{JobKey, RunRecord, RunState};
use cdp_spark_domain::ports::{JobStorePort, SchedulerStorePort};
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use common::{at, cron_trigger, manual_trigger, sample_job, Db, TestStore};

on_both_backends!(
    every_job_with_its_triggers_and_newest_runs,
    latest_states_then_chosen_jobs
);

fn run(id: &str, job: &JobKey, minute: i64, state: RunState) -> RunRecord {
    let time = at(2030, 1, 1, 0, 0, 0) + Duration::minutes(minute);
    RunRecord {
        run_id: id.into(),
        job_key: job.clone(),
        trigger_key: job.scheduled_trigger_key(),
        scheduled_fire_time: time,
        actual_fire_time: time,
        application_id: Some(format!("local-{id}")),
        tracking_url: None,
        state,
        final_status: None,
        created_at: time,
        updated_at: time,
        ended_at: Some(time + Duration::seconds(30)),
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

/// What the port's default answers (job by job), for comparison.
struct Default<'a>(&'a DieselJobStore);

#[async_trait::async_trait]
impl JobStorePort for Default<'_> {
    async fn replace_job(
        &self,
        _: &cdp_spark_domain::model::JobDefinition,
        _: Option<cdp_spark_domain::model::TriggerDefinition>,
    ) -> Result<cdp_spark_domain::ports::ReplaceOutcome, cdp_spark_domain::ports::StoreError> {
        unreachable!("not used")
    }
    async fn delete_job(&self, _: &JobKey) -> Result<bool, cdp_spark_domain::ports::StoreError> {
        unreachable!("not used")
    }
    async fn get_job(
        &self,
        key: &JobKey,
    ) -> Result<Option<cdp_spark_domain::model::JobDefinition>, cdp_spark_domain::ports::StoreError>
    {
        self.0.get_job(key).await
    }
    async fn list_jobs(
        &self,
        group: Option<String>,
    ) -> Result<Vec<cdp_spark_domain::model::JobDefinition>, cdp_spark_domain::ports::StoreError>
    {
        self.0.list_jobs(group).await
    }
    async fn add_trigger(
        &self,
        _: &cdp_spark_domain::model::TriggerDefinition,
    ) -> Result<bool, cdp_spark_domain::ports::StoreError> {
        unreachable!("not used")
    }
    async fn get_trigger(
        &self,
        key: &cdp_spark_domain::model::TriggerKey,
    ) -> Result<
        Option<cdp_spark_domain::model::TriggerDefinition>,
        cdp_spark_domain::ports::StoreError,
    > {
        self.0.get_trigger(key).await
    }
    async fn triggers_of_job(
        &self,
        key: &JobKey,
    ) -> Result<Vec<cdp_spark_domain::model::TriggerDefinition>, cdp_spark_domain::ports::StoreError>
    {
        self.0.triggers_of_job(key).await
    }
    async fn get_run(
        &self,
        id: &str,
    ) -> Result<Option<RunRecord>, cdp_spark_domain::ports::StoreError> {
        self.0.get_run(id).await
    }
    async fn list_runs(
        &self,
        filter: &cdp_spark_domain::model::RunFilter,
    ) -> Result<Vec<RunRecord>, cdp_spark_domain::ports::StoreError> {
        self.0.list_runs(filter).await
    }
    async fn ping(&self) -> Result<(), cdp_spark_domain::ports::StoreError> {
        self.0.ping().await
    }
}

async fn every_job_with_its_triggers_and_newest_runs(db: Db) {
    let t = TestStore::open(db).await;
    let other = DieselJobStore::open(StoreConfig {
        sched_name: "AnotherScheduler".into(),
        ..t.config.clone()
    })
    .await
    .expect("second scheduler");
    // 120 jobs in two groups (more than one runs statement's 100), job i
    // with i % 7 runs; every third one scheduled, job 0 also started by hand.
    let mut expected_runs = std::collections::BTreeMap::new();
    for i in 0..120 {
        let group = if i % 2 == 0 { "dp-even" } else { "dp-odd" };
        let job = sample_job(group, &format!("job-{i:03}"));
        let trigger =
            (i % 3 == 0).then(|| cron_trigger(&job, "0 0 3 * * ?", at(2030, 1, 2, 3, 0, 0)));
        t.store.replace_job(&job, trigger).await.expect("store job");
        if i == 0 {
            assert!(t
                .store
                .add_trigger(&manual_trigger(&job, at(2030, 1, 1, 5, 0, 0)))
                .await
                .expect("manual trigger"));
        }
        let mut runs = Vec::new();
        for r in 0..(i % 7) {
            let state = if r % 2 == 0 {
                RunState::Succeeded
            } else {
                RunState::Failed
            };
            let record = run(
                &format!("run-{i:03}-{r}"),
                &job.key,
                i64::from(r) * 60,
                state,
            );
            t.store
                .update_runs(std::slice::from_ref(&record))
                .await
                .expect("save run");
            runs.push(record);
        }
        runs.reverse();
        expected_runs.insert(job.key.clone(), runs);
    }
    let foreign = sample_job("dp-even", "job-000");
    other
        .replace_job(&foreign, None)
        .await
        .expect("other's job");
    other
        .update_runs(&[run("foreign-run", &foreign.key, 9999, RunState::Failed)])
        .await
        .expect("other's run");

    let (total, views) = t.store.job_views(None, 3, None).await.expect("job views");
    assert_eq!((total, views.len()), (120, 120));
    let keys: Vec<JobKey> = views.iter().map(|v| v.job.key.clone()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "in key order");
    for v in &views {
        let all = &expected_runs[&v.job.key];
        let newest: Vec<&str> = all.iter().take(3).map(|r| r.run_id.as_str()).collect();
        let got: Vec<&str> = v.last_runs.iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!(got, newest, "{}", v.job.key);
        let i: usize = v.job.key.name[4..].parse().expect("number");
        let triggers = usize::from(i.is_multiple_of(3)) + usize::from(i == 0);
        assert_eq!(v.triggers.len(), triggers, "{}", v.job.key);
        assert!(v.triggers.iter().all(|t| t.job_key == v.job.key));
        assert_eq!(v.job, sample_job(&v.job.key.group, &v.job.key.name));
    }

    // One group; the same answer as the default, job by job.
    let (total, odd) = t
        .store
        .job_views(Some("dp-odd".into()), 5, None)
        .await
        .expect("one group");
    assert_eq!((total, odd.len()), (60, 60));
    assert!(odd.iter().all(|v| v.job.key.group == "dp-odd"));
    let by_default = Default(&t.store)
        .job_views(Some("dp-odd".into()), 5, None)
        .await
        .expect("default");
    assert_eq!((60, odd.clone()), by_default);
    // Pages: the same jobs, a page at a time, with the group's count; one
    // page spans two statements' worth of triggers and runs.
    for (offset, limit) in [(0, 7), (7, 7), (55, 10), (60, 5)] {
        let page = t
            .store
            .job_views(Some("dp-odd".into()), 5, Some((offset, limit)))
            .await
            .expect("a page");
        let end = (offset + limit).min(60) as usize;
        assert_eq!(
            page,
            (60, odd[offset as usize..end].to_vec()),
            "{offset}+{limit}"
        );
        let by_default = Default(&t.store)
            .job_views(Some("dp-odd".into()), 5, Some((offset, limit)))
            .await
            .expect("default page");
        assert_eq!(page, by_default);
    }
    let (total, every) = t
        .store
        .job_views(None, 2, Some((10, 110)))
        .await
        .expect("big page");
    assert_eq!((total, every.len()), (120, 110));
    assert_eq!(
        every,
        views[10..]
            .iter()
            .cloned()
            .map(|mut v| {
                v.last_runs.truncate(2);
                v
            })
            .collect::<Vec<_>>()
    );
    let (_, other_views) = other.job_views(None, 10, None).await.expect("other");
    assert_eq!(other_views.len(), 1);
    assert_eq!(other_views[0].last_runs.len(), 1);
    assert!(t
        .store
        .job_views(Some("dp-none".into()), 3, Some((0, 10)))
        .await
        .expect("none")
        .1
        .is_empty());
}

async fn latest_states_then_chosen_jobs(db: Db) {
    let t = TestStore::open(db).await;
    let other = DieselJobStore::open(StoreConfig {
        sched_name: "AnotherScheduler".into(),
        ..t.config.clone()
    })
    .await
    .expect("second scheduler");
    let minute = |m: i64| at(2030, 1, 1, 0, 0, 0) + Duration::minutes(m);
    let job = |name: &str| sample_job("dp-a", name);
    let scheduled = |name: &str, previous: Option<i64>| {
        let mut t = cron_trigger(&job(name), "0 0 3 * * ?", at(2030, 1, 2, 3, 0, 0));
        t.previous_fire_time = previous.map(minute);
        t
    };
    // a0: its latest run wins; a1: two runs at the same instant, the
    // greater run id wins; a2: never ran, its previous fire has no run;
    // a3: ran for its previous fire; a4: only an older run of its trigger
    // and a newer manual run (another trigger) since its previous fire.
    for (name, previous) in [
        ("a0", None),
        ("a1", None),
        ("a2", Some(10)),
        ("a3", Some(5)),
        ("a4", Some(30)),
    ] {
        let trigger = previous.map(|p| scheduled(name, Some(p)));
        t.store
            .replace_job(&job(name), trigger)
            .await
            .expect("store job");
    }
    let b0 = sample_job("dp-b", "b0");
    t.store.replace_job(&b0, None).await.expect("store b0");
    let manual = manual_trigger(&job("a4"), minute(40));
    assert!(t.store.add_trigger(&manual).await.expect("manual trigger"));
    let runs = [
        run("a0-1", &job("a0").key, 1, RunState::Failed),
        run("a0-2", &job("a0").key, 2, RunState::Succeeded),
        run("a1-x", &job("a1").key, 3, RunState::Failed),
        run("a1-y", &job("a1").key, 3, RunState::Killed),
        run("a3-1", &job("a3").key, 5, RunState::Running),
        run("a4-1", &job("a4").key, 29, RunState::Succeeded),
        RunRecord {
            trigger_key: manual.key.clone(),
            ..run("a4-2", &job("a4").key, 40, RunState::Failed)
        },
        run("b0-1", &b0.key, 7, RunState::Lost),
    ];
    t.store.update_runs(&runs).await.expect("runs");
    other
        .replace_job(&job("a2"), None)
        .await
        .expect("other's job");
    other
        .update_runs(&[run("foreign", &job("a2").key, 99, RunState::Failed)])
        .await
        .expect("other's run");

    let latest = t
        .store
        .job_latest(Some("dp-a".into()))
        .await
        .expect("latest");
    let states: Vec<(&str, Option<RunState>, usize, Vec<String>)> = latest
        .iter()
        .map(|j| {
            (
                j.key.name.as_str(),
                j.latest_state,
                j.triggers.len(),
                j.ran_since_previous
                    .iter()
                    .map(|k| k.name.clone())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("a0", Some(RunState::Succeeded), 0, vec![]),
            ("a1", Some(RunState::Killed), 0, vec![]),
            ("a2", None, 1, vec![]),
            (
                "a3",
                Some(RunState::Running),
                1,
                vec!["a3Trigger".to_string()]
            ),
            ("a4", Some(RunState::Failed), 2, vec![]),
        ]
    );
    assert_eq!(latest[2].triggers[0], scheduled("a2", Some(10)));
    let every = t.store.job_latest(None).await.expect("every group");
    assert_eq!(every.len(), 6);
    assert_eq!(every[5].key, b0.key);
    assert_eq!(every[5].latest_state, Some(RunState::Lost));
    assert_eq!(
        every,
        Default(&t.store).job_latest(None).await.expect("default")
    );
    assert!(t
        .store
        .job_latest(Some("dp-none".into()))
        .await
        .expect("none")
        .is_empty());

    // The page: the jobs asked for, in the order asked, a missing one left
    // out, each with its triggers and newest runs.
    let keys = vec![
        job("a4").key,
        JobKey::new("dp-a", "missing"),
        b0.key.clone(),
        job("a1").key,
    ];
    let page = t
        .store
        .job_views_of(keys.clone(), 1)
        .await
        .expect("chosen jobs");
    let names: Vec<&str> = page.iter().map(|v| v.job.key.name.as_str()).collect();
    assert_eq!(names, ["a4", "b0", "a1"]);
    assert_eq!(page[0].triggers.len(), 2);
    assert_eq!(page[0].last_runs, [runs[6].clone()]);
    assert_eq!(page[2].last_runs, [runs[3].clone()]);
    assert_eq!(page[0].job, job("a4"));
    assert_eq!(
        page,
        Default(&t.store)
            .job_views_of(keys, 1)
            .await
            .expect("default page")
    );
    assert!(t
        .store
        .job_views_of(Vec::new(), 3)
        .await
        .expect("no jobs")
        .is_empty());
}
