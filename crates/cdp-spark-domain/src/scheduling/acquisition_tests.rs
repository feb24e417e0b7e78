//! The acquisition plan, case by case with a fixed clock: every combination
//! of concurrency policy, runs in flight, misfire instruction, lateness and
//! schedule, each checked against the whole plan it must give.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::acquisition::*;
use super::{decode_cron_schedule, FiredState};
use crate::descriptor::ConcurrencyPolicy;
use crate::model::{
    JobDefinition, JobKey, MisfireInstruction, RunPolicy, RunRecord, RunState, SparkJobSpec,
    TriggerDefinition, TriggerKey, TriggerSchedule, TriggerState,
};
use crate::ports::Fire;

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, h, m, s)
        .single()
        .expect("valid")
}

const ME: &str = "instance-a";
const FORBID_OLD: &str = "skipped: run old of this job is still RUNNING and concurrencyPolicy is Forbid; set concurrencyPolicy to Allow or Replace to start runs while one is going";

fn job_key() -> JobKey {
    JobKey::new("dp", "job")
}

fn job(policy: ConcurrencyPolicy) -> JobDefinition {
    JobDefinition {
        key: job_key(),
        component_id: "urn:dmb:cmp:dp:0:job".into(),
        description: None,
        spec: SparkJobSpec::new(
            "hdfs:///jars/job.jar".parse().expect("jar"),
            "com.example.Main".parse().expect("class name"),
        ),
        non_concurrent: policy == ConcurrencyPolicy::Forbid,
        run_policy: RunPolicy {
            concurrency: policy,
            retries: 0,
            retry_delay_secs: 0,
            max_duration: None,
            deadline_secs: None,
        },
    }
}

fn trigger(name: &str, schedule: TriggerSchedule, due: DateTime<Utc>) -> TriggerDefinition {
    TriggerDefinition {
        key: TriggerKey::new("dp", name),
        job_key: job_key(),
        schedule,
        next_fire_time: Some(due),
        previous_fire_time: Some(at(9, 0, 0)),
        state: TriggerState::Waiting,
        misfire_instruction: MisfireInstruction::SmartPolicy,
        priority: 7,
    }
}

fn cron(expr: &str, end: Option<DateTime<Utc>>) -> TriggerSchedule {
    TriggerSchedule::Cron {
        cron_expression: expr.parse().expect("a valid cron expression"),
        time_zone: "Europe/Rome".parse().expect("a known time zone"),
        start_time: at(0, 0, 0),
        end_time: end,
    }
}

fn old_run(id: &str, state: RunState) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        job_key: job_key(),
        trigger_key: TriggerKey::new("dp", "jobTrigger"),
        scheduled_fire_time: at(9, 0, 0),
        actual_fire_time: at(9, 0, 0),
        application_id: Some("application_1_0001".into()),
        tracking_url: None,
        state,
        final_status: None,
        created_at: at(9, 0, 0),
        updated_at: at(9, 0, 0),
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

/// Ids `id-1`, `id-2`, … in order.
fn ids() -> impl FnMut() -> String {
    let mut n = 0;
    move || {
        n += 1;
        format!("id-{n}")
    }
}

fn plan(
    due: Vec<DueTrigger>,
    in_flight: Vec<RunRecord>,
    now: DateTime<Utc>,
    threshold: Duration,
) -> AcquisitionPlan {
    let ctx = AcquisitionContext {
        now,
        misfire_threshold: threshold,
        instance_id: ME,
    };
    plan_acquisition(due, in_flight, &ctx, &mut ids())
}

fn read(t: TriggerDefinition, j: JobDefinition) -> DueTrigger {
    DueTrigger::Read { trigger: t, job: j }
}

/// The run a started fire gets.
fn new_run(
    id: &str,
    trigger: &TriggerKey,
    fire_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        job_key: job_key(),
        trigger_key: trigger.clone(),
        scheduled_fire_time: fire_at,
        actual_fire_time: fire_at.max(now),
        application_id: None,
        tracking_url: None,
        state: RunState::Submitting,
        final_status: None,
        created_at: now,
        updated_at: now,
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

fn skipped(mut run: RunRecord, reason: &str, now: DateTime<Utc>) -> RunRecord {
    run.state = RunState::Skipped;
    run.error = Some(reason.into());
    run.updated_at = now;
    run.ended_at = Some(now);
    run
}

fn fired_row(
    run: &RunRecord,
    priority: i32,
    non_concurrent: bool,
    now: DateTime<Utc>,
) -> NewFiredRow {
    NewFiredRow {
        entry_id: run.run_id.clone(),
        trigger: run.trigger_key.clone(),
        job: run.job_key.clone(),
        instance: ME.into(),
        fired_at: now,
        scheduled_at: run.scheduled_fire_time,
        priority,
        state: FiredState::Acquired,
        non_concurrent,
        requests_recovery: false,
    }
}

// ------------------------------------------------- the generated table ---

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lateness {
    /// Due 2 s after now (acquired within the look-ahead).
    Early,
    /// 30 s late, under the 60 s threshold.
    LateWithin,
    /// 2.5 h late: misfired.
    LateBeyond,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sched {
    /// A one-shot trigger.
    Once,
    /// Hourly at :00, no end.
    Cron,
    /// Hourly, ended at 10:30: no fire after the due one.
    CronPastEnd,
    /// Hourly, ending at 12:45: 11:00 is left after the due time, nothing
    /// after the late now.
    CronEndsSoon,
}

const DUE_H: u32 = 10;
const INSTRUCTIONS: [MisfireInstruction; 4] = [
    MisfireInstruction::SmartPolicy,
    MisfireInstruction::FireOnceNow,
    MisfireInstruction::DoNothing,
    MisfireInstruction::IgnoreMisfires,
];

fn now_of(l: Lateness) -> DateTime<Utc> {
    match l {
        Lateness::Early => at(9, 59, 58),
        Lateness::LateWithin => at(10, 0, 30),
        Lateness::LateBeyond => at(12, 30, 0),
    }
}

fn schedule_of(s: Sched) -> TriggerSchedule {
    match s {
        Sched::Once => TriggerSchedule::Once {
            start_time: at(DUE_H, 0, 0),
        },
        Sched::Cron => cron("0 0 * * * ?", None),
        Sched::CronPastEnd => cron("0 0 * * * ?", Some(at(10, 30, 0))),
        Sched::CronEndsSoon => cron("0 0 * * * ?", Some(at(12, 45, 0))),
    }
}

/// The schedule's next fire time after the due time (10:00) or after the
/// late now (12:30), written out.
fn next_of(s: Sched, after_due: bool) -> Option<DateTime<Utc>> {
    match (s, after_due) {
        (Sched::Once, _) | (Sched::CronPastEnd, _) => None,
        (Sched::Cron, true) | (Sched::CronEndsSoon, true) => Some(at(11, 0, 0)),
        (Sched::Cron, false) => Some(at(13, 0, 0)),
        (Sched::CronEndsSoon, false) => None,
    }
}

struct Case {
    policy: ConcurrencyPolicy,
    in_flight: bool,
    instruction: MisfireInstruction,
    lateness: Lateness,
    sched: Sched,
}

/// The rules, stated plainly: on time (or ignoring misfires) the due time
/// fires and the schedule continues after it; misfired, "do nothing" skips
/// a cron trigger to its next time after now (a one-shot still runs once,
/// now), anything else fires once now and continues after now. A fire of a
/// Forbid job with a run in flight is skipped; of a Replace job it replaces
/// the run; Allow starts.
fn expected(c: &Case) -> AcquisitionPlan {
    let now = now_of(c.lateness);
    let due = at(DUE_H, 0, 0);
    let misfired = c.lateness == Lateness::LateBeyond;
    let (fire_at, next) = if !misfired || c.instruction == MisfireInstruction::IgnoreMisfires {
        (Some(due), next_of(c.sched, true))
    } else if c.instruction == MisfireInstruction::DoNothing {
        match c.sched {
            Sched::Once => (Some(now), None),
            _ => (None, next_of(c.sched, false)),
        }
    } else {
        (Some(now), next_of(c.sched, false))
    };
    let key = TriggerKey::new("dp", "jobTrigger");
    let mut out = AcquisitionPlan {
        misfired: usize::from(misfired),
        triggers: vec![TriggerMove {
            key: key.clone(),
            change: match next {
                Some(next) => TriggerChange::Next {
                    next_fire_time: next,
                    previous_fire_time: fire_at.or(Some(at(9, 0, 0))),
                },
                None => TriggerChange::Delete,
            },
        }],
        ..AcquisitionPlan::default()
    };
    let Some(fire_at) = fire_at else {
        return out;
    };
    let run = new_run("id-1", &key, fire_at, now);
    match (c.policy, c.in_flight) {
        (ConcurrencyPolicy::Forbid, true) => out.skipped.push(skipped(run, FORBID_OLD, now)),
        (policy, in_flight) => {
            let j = job(policy);
            out.fired_rows
                .push(fired_row(&run, 7, policy == ConcurrencyPolicy::Forbid, now));
            let replace = if policy == ConcurrencyPolicy::Replace && in_flight {
                vec![old_run("old", RunState::Running)]
            } else {
                Vec::new()
            };
            out.fires.push(Fire {
                run,
                job: j,
                replace,
            });
        }
    }
    out
}

#[test]
fn every_policy_flight_instruction_lateness_and_schedule() {
    let mut cases = 0;
    for policy in ConcurrencyPolicy::ALL {
        for in_flight in [false, true] {
            for instruction in INSTRUCTIONS {
                for lateness in [Lateness::Early, Lateness::LateWithin, Lateness::LateBeyond] {
                    for sched in [
                        Sched::Once,
                        Sched::Cron,
                        Sched::CronPastEnd,
                        Sched::CronEndsSoon,
                    ] {
                        let c = Case {
                            policy,
                            in_flight,
                            instruction,
                            lateness,
                            sched,
                        };
                        let mut t = trigger("jobTrigger", schedule_of(sched), at(DUE_H, 0, 0));
                        t.misfire_instruction = instruction;
                        let flying = if in_flight {
                            vec![old_run("old", RunState::Running)]
                        } else {
                            Vec::new()
                        };
                        let got = plan(
                            vec![read(t, job(policy))],
                            flying,
                            now_of(lateness),
                            Duration::seconds(60),
                        );
                        let want = expected(&c);
                        assert_eq!(
                            got, want,
                            "{policy:?}, in flight {in_flight}, {instruction:?}, {lateness:?}, {sched:?}"
                        );
                        assert_eq!(
                            got.completed(),
                            usize::from(matches!(want.triggers[0].change, TriggerChange::Delete))
                        );
                        cases += 1;
                    }
                }
            }
        }
    }
    assert_eq!(cases, 288);
}

/// Several fires of one job in a batch (a cron trigger and manual
/// one-shots, all due), with 0, 1 or 2 runs in flight: what each fire sees.
#[test]
fn fires_of_one_job_in_a_batch_see_the_earlier_ones() {
    let now = at(10, 0, 1);
    let mut cases = 0;
    for policy in ConcurrencyPolicy::ALL {
        for flying_n in 0..=2usize {
            for fires_n in 1..=4usize {
                let flying: Vec<RunRecord> = (0..flying_n)
                    .map(|i| {
                        old_run(
                            &format!("old{i}"),
                            if i == 0 {
                                RunState::Running
                            } else {
                                RunState::Submitting
                            },
                        )
                    })
                    .collect();
                let due: Vec<DueTrigger> = (0..fires_n)
                    .map(|i| {
                        read(
                            trigger(
                                &format!("t{i}"),
                                TriggerSchedule::Once {
                                    start_time: at(10, 0, 0),
                                },
                                at(10, 0, 0),
                            ),
                            job(policy),
                        )
                    })
                    .collect();
                let got = plan(due, flying.clone(), now, Duration::seconds(60));

                let mut want = AcquisitionPlan::default();
                let mut seen = flying.clone();
                for i in 0..fires_n {
                    let key = TriggerKey::new("dp", format!("t{i}"));
                    want.triggers.push(TriggerMove {
                        key: key.clone(),
                        change: TriggerChange::Delete,
                    });
                    let run = new_run(&format!("id-{}", i + 1), &key, at(10, 0, 0), now);
                    match policy {
                        ConcurrencyPolicy::Forbid if !seen.is_empty() => {
                            let ids: Vec<&str> = seen.iter().map(|r| r.run_id.as_str()).collect();
                            let reason = format!(
                                "skipped: run {} of this job is still {} and concurrencyPolicy is Forbid; set concurrencyPolicy to Allow or Replace to start runs while one is going",
                                ids.join(", "),
                                seen[0].state.as_str()
                            );
                            want.skipped.push(skipped(run, &reason, now));
                        }
                        ConcurrencyPolicy::Allow => {
                            want.fired_rows.push(fired_row(&run, 7, false, now));
                            want.fires.push(Fire {
                                run,
                                job: job(policy),
                                replace: Vec::new(),
                            });
                        }
                        _ => {
                            let replace = if policy == ConcurrencyPolicy::Replace {
                                std::mem::take(&mut seen)
                            } else {
                                Vec::new()
                            };
                            seen.push(run.clone());
                            want.fired_rows.push(fired_row(
                                &run,
                                7,
                                policy == ConcurrencyPolicy::Forbid,
                                now,
                            ));
                            want.fires.push(Fire {
                                run,
                                job: job(policy),
                                replace,
                            });
                        }
                    }
                }
                assert_eq!(
                    got, want,
                    "{policy:?}, {flying_n} in flight, {fires_n} fires"
                );
                assert_eq!(got.new_runs().count(), fires_n);
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 36);
}

// ------------------------------------------------------ single rules ---

#[test]
fn forbid_skips_a_second_fire_naming_the_first_run_of_the_batch() {
    let now = at(10, 0, 0);
    let due = vec![
        read(
            trigger("a", cron("0 0 * * * ?", None), now),
            job(ConcurrencyPolicy::Forbid),
        ),
        read(
            trigger("b", TriggerSchedule::Once { start_time: now }, now),
            job(ConcurrencyPolicy::Forbid),
        ),
    ];
    let p = plan(due, Vec::new(), now, Duration::seconds(60));
    assert_eq!(p.fires.len(), 1);
    assert_eq!(p.fires[0].run.run_id, "id-1");
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(
        p.skipped[0].run_id, "id-2",
        "a skipped fire has a run id too"
    );
    assert_eq!(p.skipped[0].state, RunState::Skipped);
    assert_eq!(
        p.skipped[0].error.as_deref(),
        Some("skipped: run id-1 of this job is still SUBMITTING and concurrencyPolicy is Forbid; set concurrencyPolicy to Allow or Replace to start runs while one is going")
    );
    assert_eq!(
        p.new_runs().map(|r| r.run_id.as_str()).collect::<Vec<_>>(),
        ["id-1", "id-2"],
        "started runs first, then skipped ones"
    );
}

#[test]
fn runs_in_flight_of_another_job_do_not_matter() {
    let now = at(10, 0, 0);
    let mut other = old_run("other", RunState::Running);
    other.job_key = JobKey::new("dp", "other");
    let p = plan(
        vec![read(
            trigger("a", cron("0 0 * * * ?", None), now),
            job(ConcurrencyPolicy::Forbid),
        )],
        vec![other],
        now,
        Duration::seconds(60),
    );
    assert_eq!(p.fires.len(), 1);
    assert!(p.fires[0].replace.is_empty());
    assert!(p.skipped.is_empty());
}

#[test]
fn unreadable_triggers_and_schedules_go_to_error_with_the_reason() {
    let now = at(10, 0, 0);
    let bad = |name: &str, expr: &str, zone: &str| DueTrigger::BadSchedule {
        key: TriggerKey::new("dp", name),
        error: decode_cron_schedule(&TriggerKey::new("dp", name), expr, zone, at(0, 0, 0), None)
            .expect_err("unreadable"),
    };
    let due = vec![
        DueTrigger::Unreadable {
            key: TriggerKey::new("dp", "rows"),
            error: "MISFIRE_INSTR holds 42".into(),
        },
        bad("cron", "nonsense", "Europe/Rome"),
        bad("zone", "0 0 * * * ?", "Mars/Olympus"),
        read(
            trigger("fine", cron("0 0 * * * ?", None), now),
            job(ConcurrencyPolicy::Allow),
        ),
    ];
    let p = plan(due, Vec::new(), now, Duration::seconds(60));
    let error = |name: &str| {
        p.triggers
            .iter()
            .find(|m| m.key.name == name)
            .map(|m| m.change.clone())
    };
    assert_eq!(
        error("rows"),
        Some(TriggerChange::Error {
            reason: "the stored trigger or its job cannot be read (MISFIRE_INSTR holds 42); re-provision the job".into()
        })
    );
    match error("cron") {
        Some(TriggerChange::Error { reason }) => assert!(
            reason.starts_with("the stored cron expression 'nonsense' is invalid (")
                && reason.ends_with("); re-provision the job with a valid cronExpression"),
            "{reason}"
        ),
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(
        error("zone"),
        Some(TriggerChange::Error {
            reason: "the stored time zone 'Mars/Olympus' is not a time zone id Java resolves; re-provision the job with a valid timeZone".into()
        })
    );
    assert_eq!(
        p.triggers.len(),
        4,
        "one move per trigger, in the order read"
    );
    assert_eq!(p.triggers[0].key.name, "rows");
    assert_eq!(p.triggers[3].key.name, "fine");
    assert_eq!(p.fires.len(), 1, "the readable trigger still fires");
    assert_eq!(
        p.fires[0].run.run_id, "id-1",
        "no id spent on broken triggers"
    );
}

#[test]
fn a_trigger_without_a_next_fire_time_does_nothing() {
    let now = at(10, 0, 0);
    let mut t = trigger("a", cron("0 0 * * * ?", None), now);
    t.next_fire_time = None;
    let p = plan(
        vec![read(t, job(ConcurrencyPolicy::Allow))],
        Vec::new(),
        now,
        Duration::seconds(60),
    );
    assert_eq!(p, AcquisitionPlan::default());
}

#[test]
fn do_nothing_without_a_previous_fire_keeps_none() {
    let now = at(12, 30, 0);
    let mut t = trigger("a", cron("0 0 * * * ?", None), at(10, 0, 0));
    t.previous_fire_time = None;
    t.misfire_instruction = MisfireInstruction::DoNothing;
    let p = plan(
        vec![read(t, job(ConcurrencyPolicy::Allow))],
        Vec::new(),
        now,
        Duration::seconds(60),
    );
    assert_eq!(
        p.triggers[0].change,
        TriggerChange::Next {
            next_fire_time: at(13, 0, 0),
            previous_fire_time: None
        }
    );
    assert_eq!(p.misfired, 1);
    assert!(p.fires.is_empty() && p.skipped.is_empty() && p.fired_rows.is_empty());
}

#[test]
fn lateness_exactly_at_the_threshold_is_on_time() {
    let due = at(10, 0, 0);
    for (late_ms, misfired) in [(59_999, false), (60_000, false), (60_001, true)] {
        let now = due + Duration::milliseconds(late_ms);
        let p = plan(
            vec![read(
                trigger("a", cron("0 0 * * * ?", None), due),
                job(ConcurrencyPolicy::Allow),
            )],
            Vec::new(),
            now,
            Duration::seconds(60),
        );
        assert_eq!(p.misfired, usize::from(misfired), "{late_ms} ms late");
        let scheduled = if misfired { now } else { due };
        assert_eq!(p.fires[0].run.scheduled_fire_time, scheduled);
        assert_eq!(p.fires[0].run.actual_fire_time, now);
        assert_eq!(p.fired_rows[0].scheduled_at, scheduled);
        assert_eq!(p.fired_rows[0].fired_at, now);
    }
}

#[test]
fn guarded_jobs_are_the_non_allow_ones_once_each_sorted() {
    let now = at(10, 0, 0);
    let mut b = job(ConcurrencyPolicy::Replace);
    b.key = JobKey::new("dp", "b");
    let mut a = job(ConcurrencyPolicy::Forbid);
    a.key = JobKey::new("dp", "a");
    let mut c = job(ConcurrencyPolicy::Allow);
    c.key = JobKey::new("dp", "c");
    let t = |n: &str| trigger(n, cron("0 0 * * * ?", None), now);
    let due = vec![
        read(t("1"), b.clone()),
        read(t("2"), c),
        read(t("3"), a.clone()),
        read(t("4"), b.clone()),
        DueTrigger::Unreadable {
            key: TriggerKey::new("dp", "x"),
            error: "broken".into(),
        },
    ];
    assert_eq!(guarded_jobs(&due), vec![a.key, b.key]);
    assert!(is_guarded(ConcurrencyPolicy::Forbid));
    assert!(is_guarded(ConcurrencyPolicy::Replace));
    assert!(!is_guarded(ConcurrencyPolicy::Allow));
}

#[test]
fn each_trigger_keeps_its_own_end_time() {
    let now = at(10, 0, 0);
    let open = cron("0 0 * * * ?", None);
    let ended = cron("0 0 * * * ?", Some(at(10, 30, 0)));
    assert_eq!(open.next_after(now), Some(at(11, 0, 0)));
    assert_eq!(
        ended.next_after(now),
        None,
        "same expression, its own end time"
    );
    assert_eq!(
        TriggerSchedule::Once { start_time: now }.next_after(now),
        None
    );
}

#[test]
fn fired_states_read_as_quartz_writes_them() {
    assert_eq!(FiredState::from_quartz("ACQUIRED"), FiredState::Acquired);
    assert_eq!(FiredState::from_quartz("EXECUTING"), FiredState::Executing);
    assert_eq!(
        FiredState::from_quartz("BLOCKED"),
        FiredState::Executing,
        "Quartz's other states count as launched"
    );
    for s in [FiredState::Acquired, FiredState::Executing] {
        assert_eq!(FiredState::from_quartz(s.as_quartz()), s);
    }
}

#[test]
fn a_retry_runs_with_its_origins_nominal_time_and_parameters_at_its_own_fire_time() {
    use super::run_parameters::RunParameters;
    use super::{retried_run_id, RunOrigin};
    let retry_key = TriggerKey::new("dp", "retry-1-r-7");
    assert_eq!(retried_run_id(&retry_key), Some("r-7"));
    assert_eq!(retried_run_id(&TriggerKey::new("dp", "retry-x-r-7")), None);
    assert_eq!(retried_run_id(&TriggerKey::new("dp", "jobTrigger")), None);
    let fire_at = at(10, 0, 5);
    let retry = trigger(
        "retry-1-r-7",
        TriggerSchedule::Once {
            start_time: fire_at,
        },
        fire_at,
    );
    let other = trigger(
        "retry-1-r-8",
        TriggerSchedule::Once {
            start_time: fire_at,
        },
        fire_at,
    );
    let mut origin = old_run("r-7", RunState::Failed);
    origin.scheduled_fire_time = at(2, 0, 0);
    origin.parameters = Some(RunParameters {
        args: Some(vec!["--day".into(), "${nominalDate}".into()]),
        conf: None,
    });
    let origins = std::collections::HashMap::from([(retry.key.clone(), RunOrigin::of(&origin))]);
    let ctx = AcquisitionContext {
        now: at(10, 0, 0),
        misfire_threshold: Duration::seconds(60),
        instance_id: ME,
    };
    let plan = plan_acquisition_with_origins(
        vec![
            read(retry, job(ConcurrencyPolicy::Allow)),
            read(other, job(ConcurrencyPolicy::Allow)),
        ],
        Vec::new(),
        &origins,
        &ctx,
        &mut ids(),
    );
    assert_eq!(plan.fires.len(), 2, "{plan:#?}");
    let (with, without) = (&plan.fires[0].run, &plan.fires[1].run);
    assert_eq!(
        with.scheduled_fire_time,
        at(2, 0, 0),
        "the origin's nominal time"
    );
    assert_eq!(
        with.parameters, origin.parameters,
        "the origin's parameters"
    );
    assert_eq!(
        with.actual_fire_time, fire_at,
        "launched at the retry's own time"
    );
    // A retry whose run is gone fires as a plain one-shot trigger.
    assert_eq!(without.scheduled_fire_time, fire_at);
    assert_eq!(without.parameters, None);
}
