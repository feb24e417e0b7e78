//! The queued-run plan: a backfill's cap, the concurrency policy of other
//! queued runs, jobs gone, and the fired rows of started runs.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::backfill::queued_run;
use super::queued::*;
use super::FiredState;
use crate::descriptor::ConcurrencyPolicy;
use crate::model::{
    BackfillSlot, JobDefinition, JobKey, RunPolicy, RunRecord, RunState, SparkJobSpec, TriggerKey,
};

const ME: &str = "instance-a";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0)
        .single()
        .expect("valid")
}

fn job(name: &str, policy: ConcurrencyPolicy) -> JobDefinition {
    JobDefinition {
        key: JobKey::new("dp", name),
        component_id: format!("urn:dmb:cmp:dp:0:{name}"),
        description: None,
        spec: SparkJobSpec::new(
            "hdfs:///jars/job.jar".parse().expect("jar"),
            "com.example.Main".parse().expect("class name"),
        ),
        non_concurrent: policy == ConcurrencyPolicy::Forbid,
        run_policy: RunPolicy {
            concurrency: policy,
            ..RunPolicy::default()
        },
    }
}

fn queued(
    id: &str,
    job: &JobDefinition,
    hours_ago: i64,
    backfill: Option<(&str, u32)>,
) -> QueuedRun {
    QueuedRun {
        run: queued_run(
            id.into(),
            &job.key,
            TriggerKey::new("dp", format!("q-{id}")),
            now() - Duration::hours(hours_ago),
            None,
            backfill.map(|(b, n)| BackfillSlot {
                id: b.into(),
                max_parallel: n,
            }),
            now() - Duration::minutes(1),
        ),
        job: Some(job.clone()),
    }
}

fn running(id: &str, job: &JobDefinition) -> RunRecord {
    let mut r = queued(id, job, 0, None).run;
    r.state = RunState::Running;
    r
}

fn started(plan: &QueuedPlan) -> Vec<&str> {
    plan.fires.iter().map(|f| f.run.run_id.as_str()).collect()
}

#[test]
fn a_backfill_starts_oldest_first_up_to_its_cap_whatever_the_policy() {
    for policy in ConcurrencyPolicy::ALL {
        let j = job("a", policy);
        let runs = vec![
            queued("b1", &j, 3, Some(("bf", 2))),
            queued("b2", &j, 2, Some(("bf", 2))),
            queued("b3", &j, 1, Some(("bf", 2))),
        ];
        // Nothing in flight: two of three start, the oldest.
        let plan = plan_queued(runs.clone(), vec![], BTreeMap::new(), now(), ME);
        assert_eq!(started(&plan), ["b1", "b2"], "{policy:?}");
        assert!(plan.ended.is_empty());
        // One of the backfill in flight (another instance's): one starts.
        let inflight = BTreeMap::from([("bf".to_string(), 1)]);
        let plan = plan_queued(runs.clone(), vec![running("x", &j)], inflight, now(), ME);
        assert_eq!(
            started(&plan),
            ["b1"],
            "{policy:?}: the job's run does not block it"
        );
        // At the cap: none.
        let full = BTreeMap::from([("bf".to_string(), 2)]);
        let plan = plan_queued(runs, vec![], full, now(), ME);
        assert!(plan.fires.is_empty() && plan.ended.is_empty(), "{policy:?}");
    }
}

#[test]
fn backfills_are_capped_each_on_its_own() {
    let j = job("a", ConcurrencyPolicy::Allow);
    let runs = vec![
        queued("a1", &j, 5, Some(("A", 1))),
        queued("b1", &j, 4, Some(("B", 1))),
        queued("a2", &j, 3, Some(("A", 1))),
        queued("b2", &j, 2, Some(("B", 1))),
    ];
    assert_eq!(backfills_of(&runs), ["A", "B"]);
    let plan = plan_queued(runs, vec![], BTreeMap::new(), now(), ME);
    assert_eq!(started(&plan), ["a1", "b1"]);
}

#[test]
fn other_queued_runs_follow_the_jobs_policy_like_a_manual_fire() {
    let cases = [
        (
            ConcurrencyPolicy::Forbid,
            true,
            None,
            Some(RunState::Skipped),
        ),
        (ConcurrencyPolicy::Forbid, false, Some(0), None),
        (ConcurrencyPolicy::Allow, true, Some(0), None),
        (ConcurrencyPolicy::Replace, true, Some(1), None),
    ];
    for (policy, busy, replaced, ended) in cases {
        let j = job("a", policy);
        let runs = vec![queued("m", &j, 0, None)];
        let in_flight = if busy {
            vec![running("old", &j)]
        } else {
            vec![]
        };
        let expected_jobs: Vec<JobKey> = if policy == ConcurrencyPolicy::Allow {
            vec![]
        } else {
            vec![j.key.clone()]
        };
        assert_eq!(guarded_jobs_of(&runs), expected_jobs, "{policy:?}");
        let plan = plan_queued(runs, in_flight, BTreeMap::new(), now(), ME);
        assert_eq!(
            plan.fires.first().map(|f| f.replace.len()),
            replaced,
            "{policy:?}"
        );
        assert_eq!(plan.ended.first().map(|r| r.state), ended, "{policy:?}");
        if let Some(r) = plan.ended.first() {
            assert!(
                r.error.as_deref().is_some_and(|e| e.contains("Forbid")),
                "{r:?}"
            );
            assert_eq!(r.ended_at, Some(now()));
        }
    }
    // Two manual runs of a Forbid job in one acquisition: the second sees the first.
    let j = job("a", ConcurrencyPolicy::Forbid);
    let plan = plan_queued(
        vec![queued("m1", &j, 1, None), queued("m2", &j, 0, None)],
        vec![],
        BTreeMap::new(),
        now(),
        ME,
    );
    assert_eq!(started(&plan), ["m1"]);
    assert_eq!(
        plan.ended
            .iter()
            .map(|r| r.run_id.as_str())
            .collect::<Vec<_>>(),
        ["m2"]
    );
}

#[test]
fn started_runs_get_an_acquired_fired_row_and_gone_jobs_end_skipped() {
    let j = job("a", ConcurrencyPolicy::Allow);
    let mut gone = queued("g", &j, 2, Some(("bf", 1)));
    gone.job = None;
    let mut params = queued("p", &j, 1, None);
    params.run.parameters = Some(super::run_parameters::RunParameters {
        args: Some(vec!["--x".into()]),
        conf: None,
    });
    let plan = plan_queued(vec![gone, params], vec![], BTreeMap::new(), now(), ME);
    assert_eq!(plan.ended.len(), 1);
    assert_eq!(plan.ended[0].state, RunState::Skipped);
    assert_eq!(plan.ended[0].error.as_deref(), Some(JOB_GONE));
    let fire = &plan.fires[0];
    assert_eq!(fire.run.state, RunState::Submitting);
    assert_eq!(fire.run.actual_fire_time, now());
    assert_eq!(
        fire.run.scheduled_fire_time,
        now() - Duration::hours(1),
        "nominal time kept"
    );
    assert!(fire.run.parameters.is_some(), "parameters kept");
    let row = &plan.fired_rows[0];
    assert_eq!(
        (
            row.entry_id.as_str(),
            row.instance.as_str(),
            row.state,
            row.scheduled_at
        ),
        ("p", ME, FiredState::Acquired, fire.run.scheduled_fire_time)
    );
    assert_eq!(row.trigger, fire.run.trigger_key);
    assert_eq!(plan.changed_runs().count(), 2);
    // A run no longer QUEUED (read twice) is left alone.
    let mut done = queued("d", &j, 0, None);
    done.run.state = RunState::Running;
    assert_eq!(
        plan_queued(vec![done], vec![], BTreeMap::new(), now(), ME),
        QueuedPlan::default()
    );
}
