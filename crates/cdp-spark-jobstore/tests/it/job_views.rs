//! `JobStorePort::job_views` on both backends (the jobs listing): every job
//! of the scheduler (or of one group) in key order, with its triggers and
//! exactly its newest N runs, newest first; more jobs than one runs
//! statement takes; another scheduler's jobs and runs stay out; and the
//! answer equals what the port's default (job by job) gives.

use crate::common;

use chrono::Duration;

use cdp_spark_domain::model::{JobKey, RunRecord, RunState};
use cdp_spark_domain::ports::{JobStorePort, SchedulerStorePort};
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use common::{at, cron_trigger, manual_trigger, sample_job, Db, TestStore};

on_both_backends!(every_job_with_its_triggers_and_newest_runs);

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
