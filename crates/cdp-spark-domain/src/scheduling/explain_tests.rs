use chrono::{DateTime, Duration, TimeZone, Utc};

use super::explain::*;
use super::reasons;
use super::recovery::{plan_trigger_repairs, StuckTrigger, TriggerRepair};
use crate::model::{
    JobKey, MisfireInstruction, RunRecord, RunState, TriggerDefinition, TriggerKey,
    TriggerSchedule, TriggerState,
};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, h, m, 0)
        .single()
        .expect("valid")
}

fn job() -> JobKey {
    JobKey::new("g", "j")
}

/// Every 10 minutes in UTC, provisioned at 00:05, next fire as given.
fn trigger(next: Option<DateTime<Utc>>, state: TriggerState) -> TriggerDefinition {
    TriggerDefinition {
        key: job().scheduled_trigger_key(),
        job_key: job(),
        schedule: TriggerSchedule::Cron {
            cron_expression: "0 */10 * * * ?".parse().expect("a valid cron expression"),
            time_zone: "UTC".parse().expect("a known time zone"),
            start_time: at(0, 5),
            end_time: Some(at(3, 0)),
        },
        next_fire_time: next,
        previous_fire_time: None,
        state,
        misfire_instruction: MisfireInstruction::FireOnceNow,
        priority: 5,
    }
}

fn run(id: &str, trigger: &str, time: DateTime<Utc>, state: RunState) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        job_key: job(),
        trigger_key: TriggerKey::new("g", trigger),
        scheduled_fire_time: time,
        actual_fire_time: time,
        application_id: None,
        tracking_url: None,
        state,
        final_status: None,
        created_at: time,
        updated_at: time,
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

fn input<'a>(
    t: Option<&'a TriggerDefinition>,
    runs: &'a [RunRecord],
    repairs: &'a [TriggerRepair],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    key: &'a JobKey,
) -> ExplainInput<'a> {
    ExplainInput {
        job: key,
        trigger: t,
        runs,
        runs_truncated: false,
        repairs,
        from,
        to,
        now,
        misfire_threshold: Duration::seconds(60),
    }
}

fn verdicts(e: &JobExplanation) -> Vec<(String, FireSource, Verdict)> {
    e.fires
        .iter()
        .map(|f| (f.fire_time.format("%H:%M").to_string(), f.source, f.verdict))
        .collect()
}

#[test]
fn every_fire_time_gets_its_verdict() {
    use FireSource::*;
    use Verdict::*;
    let key = job();
    // Now 01:20:30; the trigger's next fire is 01:20, due.
    let t = trigger(Some(at(1, 20)), TriggerState::Waiting);
    let mut skipped = run("r3", "jTrigger", at(0, 30), RunState::Skipped);
    skipped.error = Some(reasons::skipped_forbid(&["r2"], RunState::Running));
    let runs = vec![
        run("r1", "jTrigger", at(0, 10), RunState::Succeeded),
        run("r2", "jTrigger", at(0, 20), RunState::Running),
        skipped,
        // 00:40 and 00:50 missed; the misfire fired once at 00:52.
        run("r4", "jTrigger", at(0, 52), RunState::Succeeded),
        run("r5", "jTrigger", at(1, 0), RunState::Failed),
        run("r6", "retry-1-r5", at(1, 1), RunState::Succeeded),
        run("r7", "manual-abc", at(1, 5), RunState::Succeeded),
        // 01:10 has no run and no explanation; 01:20 is due within the threshold.
    ];
    let e = explain(&input(
        Some(&t),
        &runs,
        &[],
        at(0, 0),
        at(1, 40),
        at(1, 20) + Duration::seconds(30),
        &key,
    ))
    .expect("explained");
    assert_eq!(
        verdicts(&e),
        vec![
            ("00:00".into(), Schedule, BeforeStart),
            ("00:10".into(), Schedule, Ran),
            ("00:20".into(), Schedule, Ran),
            ("00:30".into(), Schedule, Skipped),
            ("00:40".into(), Schedule, Misfired),
            ("00:50".into(), Schedule, Misfired),
            ("00:52".into(), MisfireCatchUp, Ran),
            ("01:00".into(), Schedule, Ran),
            ("01:01".into(), Retry, Ran),
            ("01:05".into(), Manual, Ran),
            ("01:10".into(), Schedule, Misfired),
            ("01:20".into(), Schedule, NotYetDue),
            ("01:30".into(), Schedule, NotYetDue),
            ("01:40".into(), Schedule, NotYetDue),
        ]
    );
    let skipped = &e.fires[3];
    assert_eq!(skipped.blocked_by, vec!["r2".to_string()]);
    assert_eq!(skipped.run_id.as_deref(), Some("r3"));
    let missed = &e.fires[4];
    assert_eq!(missed.misfire_policy, Some(MisfireInstruction::FireOnceNow));
    assert_eq!(missed.fired_as.as_deref(), Some("r4"));
    assert!(
        missed.detail.contains("fired once later as run r4"),
        "{}",
        missed.detail
    );
    // 01:10: passed over, the trigger's next run (01:00's is before) is on
    // schedule, so no catch-up is named.
    assert_eq!(e.fires[10].fired_as, None);
    assert_eq!(e.fires[1].run_state, Some(RunState::Succeeded));
    assert_eq!(e.schedule.as_deref(), Some("0 */10 * * * ? (UTC)"));
}

#[test]
fn do_nothing_names_no_run_and_after_end_and_paused_are_told() {
    let key = job();
    let mut t = trigger(Some(at(3, 10)), TriggerState::Paused);
    t.misfire_instruction = MisfireInstruction::DoNothing;
    // Paused with its next fire at 02:40 (before now): 02:40 and 02:50 are
    // paused; after the end date (03:00) nothing fires.
    t.next_fire_time = Some(at(2, 40));
    let runs = vec![run("r1", "jTrigger", at(2, 30), RunState::Succeeded)];
    let e = explain(&input(
        Some(&t),
        &runs,
        &[],
        at(2, 20),
        at(3, 20),
        at(2, 55),
        &key,
    ))
    .expect("explained");
    let got: Vec<Verdict> = e.fires.iter().map(|f| f.verdict).collect();
    assert_eq!(
        got,
        vec![
            Verdict::Misfired, // 02:20: passed over, DO_NOTHING
            Verdict::Ran,
            Verdict::Paused,
            Verdict::Paused,
            Verdict::Paused, // 03:00, the end date itself, in the future, paused
            Verdict::AfterEnd,
            Verdict::AfterEnd,
        ]
    );
    assert_eq!(
        e.fires[0].misfire_policy,
        Some(MisfireInstruction::DoNothing)
    );
    assert!(
        e.fires[0].detail.contains("no run was made"),
        "{}",
        e.fires[0].detail
    );
    assert_eq!(e.trigger_state, Some(TriggerState::Paused));
}

#[test]
fn a_cron_in_a_zone_with_dst_lists_the_local_times_once() {
    let key = job();
    let mut t = trigger(None, TriggerState::Waiting);
    // 02:30 Rome every day: on 2030-03-31 that time does not exist, and
    // Quartz (so the schedule) has no fire that day.
    t.schedule = TriggerSchedule::Cron {
        cron_expression: "0 30 2 * * ?".parse().expect("a valid cron expression"),
        time_zone: "Europe/Rome".parse().expect("a known time zone"),
        start_time: Utc
            .with_ymd_and_hms(2030, 1, 1, 0, 0, 0)
            .single()
            .expect("t"),
        end_time: None,
    };
    let from = Utc
        .with_ymd_and_hms(2030, 3, 30, 0, 0, 0)
        .single()
        .expect("t");
    let to = Utc
        .with_ymd_and_hms(2030, 4, 1, 12, 0, 0)
        .single()
        .expect("t");
    let e = explain(&input(Some(&t), &[], &[], from, to, to, &key)).expect("explained");
    let times: Vec<String> = e.fires.iter().map(|f| f.fire_time.to_rfc3339()).collect();
    assert_eq!(
        times,
        vec![
            "2030-03-30T01:30:00+00:00", // 02:30 CET
            "2030-04-01T00:30:00+00:00", // 02:30 CEST
        ]
    );
    // The trigger has no next fire time: it went past all of them.
    assert!(e.fires.iter().all(|f| f.verdict == Verdict::Misfired));
}

#[test]
fn repaired_times_and_the_window_rules() {
    let key = job();
    let mut t = trigger(Some(at(1, 0)), TriggerState::Waiting);
    // It fired at 00:20 (a trigger that never fired was written later than
    // its past times: see `a_trigger_written_after_its_past_times_…`).
    t.previous_fire_time = Some(at(0, 20));
    let repairs = plan_trigger_repairs(
        vec![StuckTrigger {
            key: t.key.clone(),
            state: TriggerState::Acquired,
            next_fire_time: Some(at(0, 40)),
        }],
        &Default::default(),
        at(0, 55),
    );
    assert_eq!(repairs[0].state_after, TriggerState::Waiting);
    // The record survives its trip through the trigger's description.
    let note = repairs[0].note();
    assert!(note.len() < 250, "{note}");
    assert_eq!(
        TriggerRepair::from_note(t.key.clone(), &note),
        Some(repairs[0].clone())
    );
    assert_eq!(
        TriggerRepair::from_note(t.key.clone(), "a description"),
        None
    );
    let e = explain(&input(
        Some(&t),
        &[],
        &repairs,
        at(0, 30),
        at(1, 0),
        at(1, 0),
        &key,
    ))
    .expect("explained");
    let got: Vec<Verdict> = e.fires.iter().map(|f| f.verdict).collect();
    // 00:30 passed over before it got stuck: a misfire; 00:40, 00:50 stuck.
    assert_eq!(
        got,
        vec![
            Verdict::Misfired,
            Verdict::Repaired,
            Verdict::Repaired,
            Verdict::NotYetDue
        ]
    );
    assert!(
        e.fires[1].detail.contains("ACQUIRED"),
        "{}",
        e.fires[1].detail
    );

    let err = explain(&input(
        Some(&t),
        &[],
        &[],
        at(1, 0),
        at(1, 0),
        at(1, 0),
        &key,
    ))
    .expect_err("empty window");
    assert!(err.to_string().contains("from"), "{err}");
    // Every second over a day: 86,401 fire times, refused with "more than".
    let mut every_second = t.clone();
    every_second.schedule = TriggerSchedule::Cron {
        cron_expression: "* * * * * ?".parse().expect("a valid cron expression"),
        time_zone: "UTC".parse().expect("a known time zone"),
        start_time: at(0, 0),
        end_time: None,
    };
    let err = explain(&input(
        Some(&every_second),
        &[],
        &[],
        at(0, 0),
        at(23, 0),
        at(0, 0),
        &key,
    ))
    .expect_err("too many");
    assert!(err.to_string().contains("more than 10000"), "{err}");
    // 1,201 in 20 minutes: counted exactly.
    let err = explain(&input(
        Some(&every_second),
        &[],
        &[],
        at(0, 0),
        at(0, 20),
        at(0, 0),
        &key,
    ))
    .expect_err("too many");
    assert!(err.to_string().contains("holds 1201 fire times"), "{err}");
}

#[test]
fn a_job_without_a_schedule_lists_its_runs_and_says_why() {
    let key = job();
    let runs = vec![run("m1", "manual-x", at(1, 0), RunState::Lost)];
    let e = explain(&input(None, &runs, &[], at(0, 0), at(2, 0), at(2, 0), &key)).expect("ok");
    assert_eq!(e.fires.len(), 1);
    assert_eq!(e.fires[0].source, FireSource::Manual);
    assert_eq!(e.fires[0].run_state, Some(RunState::Lost));
    assert!(e.notes[0].contains("no scheduled trigger"), "{:?}", e.notes);
    assert_eq!(e.schedule, None);
}

#[test]
fn owned_or_healthy_triggers_are_not_repaired() {
    let k = TriggerKey::new("g", "a");
    let owned: std::collections::HashSet<TriggerKey> = [k.clone()].into_iter().collect();
    let stuck = |key: &TriggerKey, state| StuckTrigger {
        key: key.clone(),
        state,
        next_fire_time: None,
    };
    let other = TriggerKey::new("g", "b");
    let repairs = plan_trigger_repairs(
        vec![
            stuck(&k, TriggerState::Blocked),
            stuck(&other, TriggerState::Waiting),
            stuck(&other, TriggerState::PausedBlocked),
        ],
        &owned,
        at(1, 0),
    );
    assert_eq!(repairs.len(), 1);
    assert_eq!(repairs[0].trigger, other);
    assert_eq!(repairs[0].state_after, TriggerState::Paused);
    assert_eq!(repairs[0].stuck_since, at(1, 0));
}

#[test]
fn a_trigger_written_after_its_past_times_did_not_miss_them_and_backfills_and_reruns_are_told() {
    let key = job();
    // Provisioned at 01:12 with a start date in the past: its first fire
    // is 01:20 and it has never fired.
    let mut t = trigger(Some(at(1, 20)), TriggerState::Waiting);
    if let TriggerSchedule::Cron { start_time, .. } = &mut t.schedule {
        *start_time = at(0, 0);
    }
    let mut b1 = run("b1", "backfill-x", at(0, 30), RunState::Succeeded);
    b1.backfill = None;
    let b2 = run("b2", "backfill-x", at(0, 40), RunState::Running);
    let rerun = run("rr", "rerun-y", at(0, 30), RunState::Failed);
    let runs = vec![b1, b2, rerun];
    let e = explain(&input(
        Some(&t),
        &runs,
        &[],
        at(0, 20),
        at(1, 30),
        at(1, 15),
        &key,
    ))
    .expect("explained");
    let got: Vec<(String, FireSource, Verdict)> = e
        .fires
        .iter()
        .map(|f| (f.fire_time.format("%H:%M").to_string(), f.source, f.verdict))
        .collect();
    assert_eq!(
        got,
        vec![
            ("00:20".into(), FireSource::Schedule, Verdict::BeforeStart),
            ("00:30".into(), FireSource::Backfill, Verdict::Ran),
            ("00:30".into(), FireSource::Rerun, Verdict::Ran),
            ("00:40".into(), FireSource::Backfill, Verdict::Ran),
            ("00:50".into(), FireSource::Schedule, Verdict::BeforeStart),
            ("01:00".into(), FireSource::Schedule, Verdict::BeforeStart),
            ("01:10".into(), FireSource::Schedule, Verdict::BeforeStart),
            ("01:20".into(), FireSource::Schedule, Verdict::NotYetDue),
            ("01:30".into(), FireSource::Schedule, Verdict::NotYetDue),
        ]
    );
    assert!(
        e.fires[0].detail.contains("first fire time"),
        "{}",
        e.fires[0].detail
    );
}
