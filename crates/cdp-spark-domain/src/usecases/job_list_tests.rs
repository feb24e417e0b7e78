//! Unit tests of the jobs listing and a job's schedule: cells and their
//! durations, "failing" and "late", the filter's states and pages, the
//! next five fire times; a mocked store and a fixed clock.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mockall::predicate::eq;

use super::job_list::{
    is_failure, job_summary, late_reason, late_reason_known, run_cell, JobListFilter, JobListState,
    LATE_AFTER,
};
use super::{Provisioner, UseCaseError, UseCaseSettings};
use crate::clock::FixedClock;
use crate::model::{
    JobDefinition, JobKey, JobLatest, JobView, MisfireInstruction, RunRecord, RunState,
    SparkJobSpec, TriggerDefinition, TriggerSchedule, TriggerState,
};
use crate::ports::{MockHdfsPort, MockJobStorePort};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0)
        .single()
        .expect("valid instant")
}

fn key(name: &str) -> JobKey {
    JobKey::new("urn:dmb:dp:finance:cashflow:0", name)
}

fn job(name: &str) -> JobDefinition {
    JobDefinition {
        key: key(name),
        component_id: format!("urn:c:{name}"),
        description: None,
        spec: SparkJobSpec::new(
            "hdfs://ns/a.jar".parse().expect("jar"),
            "a.Main".parse().expect("class name"),
        ),
        non_concurrent: true,
        run_policy: Default::default(),
    }
}

fn cron(name: &str, next: Option<DateTime<Utc>>, state: TriggerState) -> TriggerDefinition {
    TriggerDefinition {
        key: key(name).scheduled_trigger_key(),
        job_key: key(name),
        schedule: TriggerSchedule::Cron {
            cron_expression: "0 0 3 * * ?".parse().expect("cron"),
            time_zone: "Europe/Rome".parse().expect("zone"),
            start_time: now() - Duration::days(30),
            end_time: Some(now() + Duration::days(2) + Duration::hours(6)),
        },
        next_fire_time: next,
        previous_fire_time: None,
        state,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    }
}

fn run(name: &str, id: &str, minutes_ago: i64, state: RunState, took: Option<i64>) -> RunRecord {
    let at = now() - Duration::minutes(minutes_ago);
    RunRecord {
        run_id: id.into(),
        job_key: key(name),
        trigger_key: key(name).scheduled_trigger_key(),
        scheduled_fire_time: at,
        actual_fire_time: at,
        application_id: None,
        tracking_url: None,
        state,
        final_status: None,
        created_at: at,
        updated_at: at,
        ended_at: took.map(|s| at + Duration::seconds(s)),
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

#[test]
fn cells_take_their_duration_from_the_run_and_never_go_negative() {
    let ended = run_cell(&run("a", "r1", 10, RunState::Succeeded, Some(42)), now());
    assert_eq!(ended.duration_ms, Some(42_000));
    let running = run_cell(&run("a", "r2", 2, RunState::Running, None), now());
    assert_eq!(running.duration_ms, Some(120_000), "to now while it runs");
    let lost = run_cell(&run("a", "r3", 2, RunState::Lost, None), now());
    assert_eq!(lost.duration_ms, None, "ended without an end time");
    let skewed = run_cell(&run("a", "r4", 1, RunState::Failed, Some(-30)), now());
    assert_eq!(skewed.duration_ms, Some(0));
    assert!(
        is_failure(RunState::Failed) && is_failure(RunState::Killed) && is_failure(RunState::Lost)
    );
    assert!(
        !is_failure(RunState::Succeeded)
            && !is_failure(RunState::Skipped)
            && !is_failure(RunState::Running)
    );
}

#[test]
fn a_trigger_is_late_when_its_fire_time_passed_without_a_fire_or_a_run() {
    let overdue = cron(
        "a",
        Some(now() - LATE_AFTER - Duration::seconds(1)),
        TriggerState::Waiting,
    );
    let why = late_reason(&overdue, &[], now()).expect("late");
    assert!(why.contains("has not fired"), "{why}");
    let due = cron(
        "a",
        Some(now() - Duration::seconds(30)),
        TriggerState::Waiting,
    );
    assert_eq!(late_reason(&due, &[], now()), None, "within the grace");
    let paused = cron("a", Some(now() - Duration::hours(5)), TriggerState::Paused);
    assert_eq!(late_reason(&paused, &[], now()), None, "paused is not late");

    // Fired an hour ago: late without a run of that fire time, not with one.
    let mut fired = cron(
        "a",
        Some(now() + Duration::hours(23)),
        TriggerState::Waiting,
    );
    fired.previous_fire_time = Some(now() - Duration::minutes(60));
    let older = run("a", "old", 24 * 60 + 60, RunState::Succeeded, Some(5));
    let why = late_reason(&fired, std::slice::from_ref(&older), now()).expect("no run since");
    assert!(why.contains("no run of that fire time"), "{why}");
    let ran = run("a", "new", 60, RunState::Failed, Some(5));
    assert_eq!(late_reason(&fired, &[ran, older], now()), None);
}

#[test]
fn a_summary_says_status_failing_paused_and_the_next_fire_time() {
    let next = now() + Duration::hours(15);
    let view = JobView {
        job: job("a"),
        triggers: vec![cron("a", Some(next), TriggerState::Waiting)],
        last_runs: vec![
            run("a", "r2", 5, RunState::Killed, Some(3)),
            run("a", "r1", 65, RunState::Succeeded, Some(60)),
        ],
    };
    let s = job_summary(&view, now());
    assert_eq!(s.status, Some(RunState::Killed));
    assert!(s.failing && !s.paused && !s.late);
    assert_eq!(s.next_fire_time, Some(next));
    assert_eq!(s.data_product, "urn:dmb:dp:finance:cashflow:0");
    let schedule = s.schedule.expect("scheduled");
    assert_eq!(
        (
            schedule.cron_expression.as_str(),
            schedule.time_zone.as_str()
        ),
        ("0 0 3 * * ?", "Europe/Rome")
    );
    assert!(
        schedule.description.contains("03:00"),
        "{}",
        schedule.description
    );
    assert_eq!(
        s.last_runs
            .iter()
            .map(|c| c.run_id.as_str())
            .collect::<Vec<_>>(),
        ["r2", "r1"]
    );

    let paused = JobView {
        triggers: vec![cron("a", Some(next), TriggerState::Paused)],
        last_runs: Vec::new(),
        ..view
    };
    let s = job_summary(&paused, now());
    assert!(s.paused && !s.failing);
    assert_eq!(
        (s.status, s.next_fire_time),
        (None, None),
        "a paused trigger fires at no time"
    );
}

#[test]
fn states_and_views_parse_in_any_case() {
    assert_eq!(
        JobListState::parse("failed"),
        Some(JobListState::Run(RunState::Failed))
    );
    assert_eq!(
        JobListState::parse(" Failing "),
        Some(JobListState::Failing)
    );
    assert_eq!(JobListState::parse("late"), Some(JobListState::Late));
    assert_eq!(
        JobListState::parse("never_run"),
        Some(JobListState::NeverRun)
    );
    assert_eq!(JobListState::parse("DONE"), None);
}

fn provisioner(store: MockJobStorePort) -> Provisioner {
    Provisioner::new(
        Arc::new(MockHdfsPort::new()),
        Arc::new(store),
        UseCaseSettings::default(),
    )
    .with_clock(Arc::new(FixedClock(now())))
}

/// Five jobs as the store's first read gives them: a, c and e failing;
/// b's scheduled trigger fired an hour ago without a run of that fire time
/// (late), d's with one.
fn latest_five() -> Vec<JobLatest> {
    ["a", "b", "c", "d", "e"]
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut trigger = cron(n, Some(now() + Duration::hours(15)), TriggerState::Waiting);
            trigger.previous_fire_time = Some(now() - Duration::minutes(60));
            JobLatest {
                key: key(n),
                ran_since_previous: if *n == "b" {
                    Vec::new()
                } else {
                    vec![trigger.key.clone()]
                },
                triggers: vec![trigger],
                latest_state: Some(if i % 2 == 0 {
                    RunState::Failed
                } else {
                    RunState::Succeeded
                }),
            }
        })
        .collect()
}

fn views_of(keys: &[JobKey]) -> Vec<JobView> {
    keys.iter()
        .map(|k| JobView {
            job: job(&k.name),
            triggers: Vec::new(),
            // A manual run since the fire: the runs shown alone cannot
            // tell whether the fire ran.
            last_runs: vec![RunRecord {
                trigger_key: crate::model::TriggerKey::new("g", "manual"),
                ..run(
                    &k.name,
                    &format!("r-{}", k.name),
                    5,
                    RunState::Failed,
                    Some(1),
                )
            }],
        })
        .collect()
}

#[tokio::test]
async fn the_listing_filters_by_the_latest_state_then_loads_the_page_only() {
    let mut store = MockJobStorePort::new();
    store
        .expect_job_latest()
        .with(eq(Some("dp".to_string())))
        .returning(|_| Ok(latest_five()));
    // Only the page's jobs are loaded with their runs, in key order.
    for page in [vec!["c"], vec!["e"], vec!["d", "e"], vec!["b"]] {
        let keys: Vec<JobKey> = page.iter().map(|n| key(n)).collect();
        store
            .expect_job_views_of()
            .with(eq(keys), eq(4))
            .times(1)
            .returning(|keys, _| Ok(views_of(&keys)));
    }
    let p = provisioner(store);
    let filter = JobListFilter {
        data_product: Some("dp".into()),
        state: Some(JobListState::Failing),
        offset: 1,
        limit: 1,
        runs: 4,
    };
    let page = p.job_list(&filter).await.expect("listing");
    assert_eq!(page.total, 3, "a, c and e are failing");
    assert_eq!(
        page.jobs
            .iter()
            .map(|j| j.key.name.as_str())
            .collect::<Vec<_>>(),
        ["c"]
    );
    assert_eq!(page.next_offset, Some(2));
    let last = p
        .job_list(&JobListFilter {
            offset: 2,
            ..filter.clone()
        })
        .await
        .expect("last page");
    assert_eq!(last.jobs[0].key.name, "e");
    assert_eq!(last.next_offset, None);
    let unfiltered = p
        .job_list(&JobListFilter {
            state: None,
            offset: 3,
            limit: 2,
            ..filter.clone()
        })
        .await
        .expect("a page");
    assert_eq!((unfiltered.total, unfiltered.next_offset), (5, None));
    assert!(unfiltered.jobs.iter().all(|j| !j.late));
    // Late is the store's fact, whatever the runs shown.
    let late = p
        .job_list(&JobListFilter {
            state: Some(JobListState::Late),
            offset: 0,
            ..filter
        })
        .await
        .expect("late");
    assert_eq!(late.total, 1);
    assert!(late.jobs[0].late, "{:?}", late.jobs[0]);
    let why = late.jobs[0].late_reason.as_deref().unwrap_or_default();
    assert!(why.contains("no run of that fire time"), "{why}");
}

#[test]
fn late_from_the_store_fact_needs_the_fire_to_be_past_the_grace() {
    let mut fired = cron(
        "a",
        Some(now() + Duration::hours(23)),
        TriggerState::Waiting,
    );
    fired.previous_fire_time = Some(now() - Duration::minutes(60));
    assert!(late_reason_known(&fired, false, now()).is_some());
    assert_eq!(late_reason_known(&fired, true, now()), None);
    fired.previous_fire_time = Some(now() - Duration::seconds(30));
    assert_eq!(
        late_reason_known(&fired, false, now()),
        None,
        "within the grace"
    );
    fired.state = TriggerState::Paused;
    fired.next_fire_time = Some(now() - Duration::hours(2));
    assert_eq!(late_reason_known(&fired, false, now()), None, "paused");
}

#[tokio::test]
async fn a_schedule_answers_its_next_five_fire_times_up_to_its_end() {
    let mut store = MockJobStorePort::new();
    store
        .expect_get_job()
        .returning(|k| Ok((k.name == "a").then(|| job("a"))));
    store
        .expect_triggers_of_job()
        .returning(|_| Ok(vec![cron("a", None, TriggerState::Waiting)]));
    let p = provisioner(store);
    let view = p.job_schedule(&key("a")).await.expect("schedule");
    // 03:00 in Rome is 02:00 UTC; the trigger ends in 2 days and 6 hours.
    let expected: Vec<DateTime<Utc>> = [26, 27]
        .iter()
        .map(|d| {
            Utc.with_ymd_and_hms(2026, 11, *d, 2, 0, 0)
                .single()
                .expect("instant")
        })
        .collect();
    assert_eq!(view.next_fire_times, expected);
    assert!(!view.paused);
    assert!(matches!(
        p.job_schedule(&key("zz")).await,
        Err(UseCaseError::NotFound(_))
    ));
}
