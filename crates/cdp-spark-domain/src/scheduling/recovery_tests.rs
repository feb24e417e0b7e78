//! The recovery plan, case by case with a fixed clock: every combination of
//! the owner of a fired row (this instance, alive, dead, unknown), recover
//! self, the row's state, its run's state (or no run), an application id
//! and whether the job still exists, each checked against the whole plan.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::recovery::*;
use super::FiredState;
use crate::model::{
    JobDefinition, JobKey, RunPolicy, RunRecord, RunState, SparkJobSpec, TriggerKey,
};
use crate::ports::{Fire, Recovery};

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, h, m, s)
        .single()
        .expect("valid")
}

const ME: &str = "me";

fn now() -> DateTime<Utc> {
    at(10, 0, 0)
}

fn ctx(recover_self: bool) -> RecoveryContext<'static> {
    RecoveryContext {
        me: ME,
        now: now(),
        dead_after: Duration::seconds(60),
        recover_self,
    }
}

fn job_key() -> JobKey {
    JobKey::new("dp", "job")
}

fn job() -> JobDefinition {
    JobDefinition {
        key: job_key(),
        component_id: "urn:dmb:cmp:dp:0:job".into(),
        description: None,
        spec: SparkJobSpec::new(
            "hdfs:///jars/job.jar".parse().expect("jar"),
            "com.example.Main".parse().expect("class name"),
        ),
        non_concurrent: true,
        run_policy: RunPolicy::default(),
    }
}

fn run(id: &str, state: RunState, app: bool) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        job_key: job_key(),
        trigger_key: TriggerKey::new("dp", "jobTrigger"),
        scheduled_fire_time: at(9, 0, 0),
        actual_fire_time: at(9, 0, 0),
        application_id: app.then(|| "application_1_0001".to_string()),
        tracking_url: None,
        state,
        final_status: None,
        created_at: at(9, 0, 0),
        updated_at: at(9, 0, 0),
        ended_at: state.is_final().then(|| at(9, 30, 0)),
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

fn check_in(name: &str, last: DateTime<Utc>) -> InstanceCheckIn {
    InstanceCheckIn {
        name: name.into(),
        last_check_in: last,
    }
}

fn entry(id: &str, instance: &str, state: FiredState) -> FiredEntry {
    FiredEntry {
        entry_id: id.into(),
        instance: instance.into(),
        state,
    }
}

/// The whole check-in: orphans, then the plan (empty when nothing is
/// orphaned, as the store then stops).
fn recover(
    instances: &[InstanceCheckIn],
    fired: &[FiredEntry],
    runs: Vec<RunRecord>,
    jobs: Vec<JobDefinition>,
    recover_self: bool,
) -> RecoveryPlan {
    let c = ctx(recover_self);
    let orphans = find_orphans(instances, fired, &c);
    if orphans.is_empty() {
        return RecoveryPlan::default();
    }
    plan_recovery(&orphans, runs, jobs, c.now)
}

// ------------------------------------------------- the generated table ---

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    /// This instance.
    Me,
    /// Another instance, checked in 10 s ago.
    Alive,
    /// Another instance, checked in 10 min ago.
    Dead,
    /// An instance without a check-in row.
    Unknown,
}

impl Owner {
    fn name(self) -> &'static str {
        match self {
            Owner::Me => ME,
            Owner::Alive => "alive",
            Owner::Dead => "dead",
            Owner::Unknown => "unknown",
        }
    }
}

fn lost(mut r: RunRecord, reason: &str) -> RunRecord {
    r.state = RunState::Lost;
    r.error = Some(reason.into());
    r.updated_at = now();
    r.ended_at = Some(now());
    r
}

/// The rules, stated plainly.
fn expected(
    owner: Owner,
    recover_self: bool,
    fired: FiredState,
    run_state: Option<RunState>,
    app: bool,
    job_exists: bool,
) -> RecoveryPlan {
    let orphaned = match owner {
        Owner::Me => recover_self,
        Owner::Alive => false,
        Owner::Dead | Owner::Unknown => true,
    };
    let mut want = RecoveryPlan {
        dead_instances: match owner {
            Owner::Dead | Owner::Unknown => vec![owner.name().to_string()],
            _ => Vec::new(),
        },
        forget: match owner {
            Owner::Dead => vec!["dead".to_string()],
            _ => Vec::new(),
        },
        rows: Vec::new(),
    };
    if !orphaned {
        return want;
    }
    let action = match (fired, run_state) {
        (_, None) => RowAction::Drop(DropReason::NoRun),
        (FiredState::Acquired, Some(s)) if job_exists => RowAction::Refire(Fire {
            run: run("r1", s, app),
            job: job(),
            replace: Vec::new(),
        }),
        (FiredState::Acquired, Some(s)) => RowAction::Lost(lost(
            run("r1", s, app),
            "the instance that acquired this fire stopped before launching it, and job dp.job was unprovisioned meanwhile, so it was not launched",
        )),
        (FiredState::Executing, Some(s)) if s.is_final() => {
            RowAction::Drop(DropReason::RunEnded)
        }
        (FiredState::Executing, Some(_)) if app => RowAction::Reattach,
        (FiredState::Executing, Some(RunState::Submitting)) => {
            RowAction::LookUp(run("r1", RunState::Submitting, false))
        }
        (FiredState::Executing, Some(s)) => RowAction::Lost(lost(
            run("r1", s, false),
            &format!(
                "run in state {} without an application id on a stopped provisioner instance: cannot be followed",
                s.as_str()
            ),
        )),
    };
    want.rows.push(RowRecovery {
        entry_id: "r1".into(),
        action,
    });
    want
}

#[test]
fn every_owner_row_state_run_state_and_job() {
    let mut cases = 0;
    let run_states: Vec<Option<RunState>> = std::iter::once(None)
        // A QUEUED run has no fired row: an acquisition gives it one as it
        // starts it (SUBMITTING).
        .chain(
            RunState::ALL
                .into_iter()
                .filter(|s| *s != RunState::Queued)
                .map(Some),
        )
        .collect();
    for owner in [Owner::Me, Owner::Alive, Owner::Dead, Owner::Unknown] {
        for recover_self in [false, true] {
            for fired in [FiredState::Acquired, FiredState::Executing] {
                for &run_state in &run_states {
                    for app in [false, true] {
                        for job_exists in [false, true] {
                            let mut instances = vec![check_in(ME, now())];
                            match owner {
                                Owner::Alive => {
                                    instances.push(check_in("alive", now() - Duration::seconds(10)))
                                }
                                Owner::Dead => {
                                    instances.push(check_in("dead", now() - Duration::minutes(10)))
                                }
                                Owner::Me | Owner::Unknown => {}
                            }
                            let rows = [entry("r1", owner.name(), fired)];
                            let runs: Vec<RunRecord> =
                                run_state.map(|s| run("r1", s, app)).into_iter().collect();
                            let jobs = if job_exists { vec![job()] } else { Vec::new() };
                            let got = recover(&instances, &rows, runs, jobs, recover_self);
                            let want =
                                expected(owner, recover_self, fired, run_state, app, job_exists);
                            let label = format!(
                                "{owner:?}, recover_self {recover_self}, {fired:?}, run {run_state:?}, app {app}, job {job_exists}"
                            );
                            assert_eq!(got, want, "{label}");
                            check_views(&got, &label);
                            cases += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(cases, 576);
}

/// The store's and the engine's views of a plan agree with its rows.
fn check_views(plan: &RecoveryPlan, label: &str) {
    let to_acquired = plan.rows_to_me(FiredState::Acquired);
    let to_executing = plan.rows_to_me(FiredState::Executing);
    let deleted = plan.rows_to_delete();
    let ended = plan.ended_runs();
    assert_eq!(
        to_acquired.len() + to_executing.len() + deleted.len(),
        plan.rows.len(),
        "every row is moved or deleted once: {label}"
    );
    assert!(ended
        .iter()
        .all(|r| r.state == RunState::Lost && r.error.is_some()));
    let r = plan.clone().into_recovery();
    assert_eq!(r.dead_instances, plan.dead_instances);
    assert_eq!(
        r.refire
            .iter()
            .map(|f| f.run.run_id.clone())
            .collect::<Vec<_>>(),
        to_acquired,
        "{label}"
    );
    let mut followed: Vec<String> = r.reattached.clone();
    followed.extend(r.unresolved.iter().map(|u| u.run_id.clone()));
    followed.sort();
    let mut to_executing = to_executing;
    to_executing.sort();
    assert_eq!(followed, to_executing, "{label}");
    assert_eq!(
        r.lost,
        ended.iter().map(|r| r.run_id.clone()).collect::<Vec<_>>(),
        "{label}"
    );
}

/// Another instance is dead when its last check-in is older than
/// now - dead_after, to the millisecond; this instance never is.
#[test]
fn the_dead_line_is_exact_to_the_millisecond() {
    let mut cases = 0;
    for dead_after_ms in [1_000i64, 60_000, 7_500, 3_600_000] {
        for offset_ms in [-1_000i64, -1, 0, 1, 1_000] {
            for name in [ME, "other"] {
                let c = RecoveryContext {
                    me: ME,
                    now: now(),
                    dead_after: Duration::milliseconds(dead_after_ms),
                    recover_self: false,
                };
                let last = now() - Duration::milliseconds(dead_after_ms)
                    + Duration::milliseconds(offset_ms);
                let o = find_orphans(&[check_in(name, last)], &[], &c);
                let dead = name != ME && offset_ms < 0;
                assert_eq!(
                    o.dead,
                    if dead {
                        vec![name.to_string()]
                    } else {
                        Vec::new()
                    },
                    "{name}, dead after {dead_after_ms} ms, {offset_ms} ms"
                );
                assert_eq!(o.gone, o.dead);
                assert_eq!(o.is_empty(), !dead);
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 40);
}

#[test]
fn nothing_orphaned_is_empty() {
    let instances = [
        check_in(ME, now()),
        check_in("b", now() - Duration::seconds(5)),
    ];
    let rows = [
        entry("1", ME, FiredState::Acquired),
        entry("2", "b", FiredState::Executing),
    ];
    let o = find_orphans(&instances, &rows, &ctx(false));
    assert!(o.is_empty());
    assert_eq!(o, Orphans::default());
    let o = find_orphans(&instances, &rows, &ctx(true));
    assert!(!o.is_empty());
    assert_eq!(o.acquired, ["1"]);
    assert!(o.gone.is_empty(), "this instance is never reported dead");
    assert_eq!(o.entry_ids().collect::<Vec<_>>(), ["1"]);
}

/// A batch of rows of several instances: the order of the outcome follows
/// the acquired rows, then the executing rows, each in the order of their
/// runs, the rows without a run after them.
#[test]
fn many_rows_keep_the_stores_order() {
    let instances = [
        check_in(ME, now()),
        check_in("dead-b", now() - Duration::minutes(5)),
        check_in("dead-a", now() - Duration::minutes(5)),
        check_in("alive", now()),
    ];
    let rows = [
        entry("x1", "dead-b", FiredState::Executing),
        entry("a1", "dead-b", FiredState::Acquired),
        entry("a2", "ghost", FiredState::Acquired),
        entry("a3", "dead-a", FiredState::Acquired),
        entry("x2", "dead-a", FiredState::Executing),
        entry("x3", "dead-a", FiredState::Executing),
        entry("x4", "dead-a", FiredState::Executing),
        entry("keep", "alive", FiredState::Acquired),
        entry("mine", ME, FiredState::Executing),
    ];
    let orphans = find_orphans(&instances, &rows, &ctx(false));
    assert_eq!(orphans.dead, ["dead-a", "dead-b"]);
    assert_eq!(orphans.gone, ["dead-a", "dead-b", "ghost"]);
    assert_eq!(orphans.acquired, ["a1", "a2", "a3"]);
    assert_eq!(orphans.executing, ["x1", "x2", "x3", "x4"]);
    let mut gone_job = run("a3", RunState::Submitting, false);
    gone_job.job_key = JobKey::new("dp", "gone");
    // The runs as the store read them (x4 has none; "keep" is not orphaned).
    let runs = vec![
        run("a2", RunState::Submitting, false),
        gone_job.clone(),
        run("x3", RunState::Running, true),
        run("x2", RunState::Submitting, false),
        run("x1", RunState::Running, false),
        run("keep", RunState::Submitting, false),
    ];
    let plan = plan_recovery(&orphans, runs, vec![job()], now());
    let ids: Vec<&str> = plan.rows.iter().map(|r| r.entry_id.as_str()).collect();
    assert_eq!(ids, ["a2", "a3", "a1", "x3", "x2", "x1", "x4"]);
    assert_eq!(plan.forget, ["dead-a", "dead-b"]);
    assert_eq!(plan.rows_to_me(FiredState::Acquired), ["a2"]);
    assert_eq!(plan.rows_to_me(FiredState::Executing), ["x3", "x2"]);
    assert_eq!(plan.rows_to_delete(), ["a3", "a1", "x1", "x4"]);
    let recovery = plan.into_recovery();
    assert_eq!(
        recovery,
        Recovery {
            dead_instances: vec!["dead-a".into(), "dead-b".into(), "ghost".into()],
            refire: vec![Fire {
                run: run("a2", RunState::Submitting, false),
                job: job(),
                replace: Vec::new(),
            }],
            reattached: vec!["x3".into()],
            unresolved: vec![run("x2", RunState::Submitting, false)],
            lost: vec!["a3".into(), "x1".into()],
        }
    );
}

#[test]
fn lost_runs_keep_everything_but_state_reason_and_times() {
    let instances = [check_in(ME, now())];
    let rows = [entry("r", "gone", FiredState::Executing)];
    let mut r = run("r", RunState::Running, false);
    r.tracking_url = Some("http://rm/app".into());
    let plan = recover(&instances, &rows, vec![r.clone()], Vec::new(), false);
    let ended = plan.ended_runs();
    assert_eq!(ended.len(), 1);
    let l = &ended[0];
    assert_eq!(l.state, RunState::Lost);
    assert_eq!(l.ended_at, Some(now()));
    assert_eq!(l.updated_at, now());
    assert_eq!(l.created_at, r.created_at);
    assert_eq!(l.tracking_url, r.tracking_url);
    assert_eq!(
        l.error.as_deref(),
        Some("run in state RUNNING without an application id on a stopped provisioner instance: cannot be followed")
    );
}
