use chrono::TimeZone;

use super::*;
use crate::model::{JobKey, RunState, TriggerState};

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, h, m, s)
        .single()
        .expect("valid")
}

fn cron(expr: &str, end: Option<DateTime<Utc>>) -> TriggerSchedule {
    decode_cron_schedule(
        &TriggerKey::new("g", "t"),
        expr,
        "Europe/Rome",
        at(0, 0, 0),
        end,
    )
    .expect("valid")
}

fn run(id: &str, trigger: &str, state: RunState) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        job_key: JobKey::new("g", "j"),
        trigger_key: TriggerKey::new("g", trigger),
        scheduled_fire_time: at(1, 0, 0),
        actual_fire_time: at(1, 0, 0),
        application_id: None,
        tracking_url: None,
        state,
        final_status: None,
        created_at: at(1, 0, 0),
        updated_at: at(1, 0, 0),
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

#[test]
fn on_time_fires_at_the_scheduled_time_and_moves_to_the_next() {
    let s = cron("0 */5 * * * ?", None);
    let p = plan_fire(
        &s,
        MisfireInstruction::FireOnceNow,
        at(1, 5, 0),
        at(1, 5, 0) + Duration::milliseconds(300),
        Duration::seconds(60),
    );
    assert_eq!(p.fire_at, Some(at(1, 5, 0)));
    assert_eq!(p.next_fire_time, Some(at(1, 10, 0)));
    assert!(!p.misfired);
}

#[test]
fn misfire_fires_once_now_then_resumes_without_catch_up() {
    let s = cron("0 * * * * ?", None);
    let now = at(3, 0, 30);
    let p = plan_fire(
        &s,
        MisfireInstruction::FireOnceNow,
        at(1, 0, 0),
        now,
        Duration::seconds(60),
    );
    assert_eq!(p.fire_at, Some(now));
    assert_eq!(
        p.next_fire_time,
        Some(at(3, 1, 0)),
        "no burst of catch-up fires"
    );
    assert!(p.misfired);
    let smart = plan_fire(
        &s,
        MisfireInstruction::SmartPolicy,
        at(1, 0, 0),
        now,
        Duration::seconds(60),
    );
    assert_eq!(smart, p);
}

#[test]
fn misfire_do_nothing_skips_to_the_next_time_after_now() {
    let s = cron("0 * * * * ?", None);
    let p = plan_fire(
        &s,
        MisfireInstruction::DoNothing,
        at(1, 0, 0),
        at(3, 0, 30),
        Duration::seconds(60),
    );
    assert_eq!(p.fire_at, None);
    assert_eq!(p.next_fire_time, Some(at(3, 1, 0)));
}

#[test]
fn ignore_misfires_fires_the_missed_time_and_steps_one_by_one() {
    let s = cron("0 0 * * * ?", None);
    let p = plan_fire(
        &s,
        MisfireInstruction::IgnoreMisfires,
        at(1, 0, 0),
        at(3, 0, 30),
        Duration::seconds(60),
    );
    assert_eq!(p.fire_at, Some(at(1, 0, 0)));
    assert_eq!(p.next_fire_time, Some(at(2, 0, 0)));
}

#[test]
fn a_trigger_completes_after_its_end_time_or_its_only_fire() {
    let s = cron("0 0 * * * ?", Some(at(2, 30, 0)));
    let p = plan_fire(
        &s,
        MisfireInstruction::FireOnceNow,
        at(2, 0, 0),
        at(2, 0, 0),
        Duration::seconds(60),
    );
    assert_eq!(p.fire_at, Some(at(2, 0, 0)));
    assert_eq!(p.next_fire_time, None, "03:00 is after the end time");
    let once = plan_fire(
        &TriggerSchedule::Once {
            start_time: at(0, 0, 0),
        },
        MisfireInstruction::DoNothing,
        at(1, 0, 0),
        at(5, 0, 0),
        Duration::seconds(60),
    );
    assert_eq!(
        once.fire_at,
        Some(at(5, 0, 0)),
        "a late one-shot still runs once"
    );
    assert_eq!(once.next_fire_time, None);
}

#[test]
fn unreadable_schedules_name_the_trigger_and_the_fix() {
    let e = decode_cron_schedule(
        &TriggerKey::new("g", "broken"),
        "nonsense",
        "UTC",
        at(0, 0, 0),
        None,
    )
    .expect_err("invalid");
    assert!(e.to_string().contains("g.broken") && e.to_string().contains("re-provision"));
    let e = decode_cron_schedule(
        &TriggerKey::new("g", "tz"),
        "0 0 * * * ?",
        "Mars/Olympus",
        at(0, 0, 0),
        None,
    )
    .expect_err("invalid zone");
    assert!(e.to_string().contains("Mars/Olympus"));
}

#[test]
fn concurrency_policies() {
    let running = run("r1", "jTrigger", RunState::Running);
    assert_eq!(
        concurrency_decision(ConcurrencyPolicy::Forbid, &[]),
        ConcurrencyDecision::Start
    );
    match concurrency_decision(ConcurrencyPolicy::Forbid, &[&running]) {
        ConcurrencyDecision::Skip { reason } => {
            assert!(
                reason.contains("r1") && reason.contains("RUNNING") && reason.contains("Forbid")
            )
        }
        other => panic!("expected a skip, got {other:?}"),
    }
    assert_eq!(
        concurrency_decision(ConcurrencyPolicy::Allow, &[&running]),
        ConcurrencyDecision::Start
    );
    assert_eq!(
        concurrency_decision(ConcurrencyPolicy::Replace, &[&running]),
        ConcurrencyDecision::Replace {
            kill: vec!["r1".into()]
        }
    );
}

#[test]
fn retries_count_up_to_the_policy_and_wait_the_delay() {
    let policy = RunPolicy {
        concurrency: ConcurrencyPolicy::Forbid,
        retries: 2,
        retry_delay_secs: 30,
        max_duration: None,
        deadline_secs: None,
    };
    let now = at(1, 0, 0);
    let failed = run("run-a", "jTrigger", RunState::Failed);
    let first = retry_trigger(&policy, &failed, now).expect("first retry");
    assert_eq!(retry_attempt(&first.key), 1);
    assert_eq!(first.next_fire_time, Some(now + Duration::seconds(30)));
    assert_eq!(first.state, TriggerState::Waiting);
    assert_eq!(first.job_key, failed.job_key);
    let failed_again = run("run-b", &first.key.name, RunState::Failed);
    let second = retry_trigger(&policy, &failed_again, now).expect("second retry");
    assert_eq!(retry_attempt(&second.key), 2);
    let failed_third = run("run-c", &second.key.name, RunState::Failed);
    assert_eq!(
        retry_trigger(&policy, &failed_third, now),
        None,
        "retries exhausted"
    );
    assert_eq!(
        retry_trigger(&RunPolicy::default(), &failed, now),
        None,
        "off by default"
    );
}

#[test]
fn failed_and_timed_out_runs_are_retried_others_not() {
    let retried: Vec<RunState> = RunState::ALL
        .into_iter()
        .filter(|s| is_retried(*s))
        .collect();
    assert_eq!(retried, [RunState::Failed, RunState::TimedOut]);
}
