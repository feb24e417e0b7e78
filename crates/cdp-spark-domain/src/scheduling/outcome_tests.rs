//! Table cases of the run outcomes, on a fixed clock.

use chrono::{Duration, TimeZone};

use super::*;
use crate::model::{JobKey, TriggerKey};
use crate::ports::LauncherBackend;

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, h, m, s)
        .single()
        .expect("valid")
}

/// The fixed "now" of every case.
fn now() -> DateTime<Utc> {
    at(2, 0, 0)
}

const APP: &str = "application_1700000000000_0042";

fn running(app: Option<&str>) -> RunRecord {
    RunRecord {
        run_id: "run-1".into(),
        job_key: JobKey::new("dp.sales", "daily"),
        trigger_key: TriggerKey::new("dp.sales", "dailyTrigger"),
        scheduled_fire_time: at(1, 0, 0),
        actual_fire_time: at(1, 0, 1),
        application_id: app.map(String::from),
        tracking_url: Some("http://rm:8088/proxy/x".into()),
        state: RunState::Running,
        final_status: None,
        created_at: at(1, 0, 0),
        updated_at: at(1, 0, 2),
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

fn app_running() -> ApplicationState {
    ApplicationState::Running {
        tracking_url: None,
        started: true,
    }
}
fn app_running_at(url: &str) -> ApplicationState {
    ApplicationState::Running {
        tracking_url: Some(url.into()),
        started: true,
    }
}
fn failed(d: &str) -> ApplicationState {
    ApplicationState::Failed {
        diagnostics: d.into(),
    }
}
fn killed(d: &str) -> ApplicationState {
    ApplicationState::Killed {
        diagnostics: d.into(),
    }
}
fn unknown(d: &str) -> ApplicationState {
    ApplicationState::Unknown { detail: d.into() }
}

const UNPROVISIONED: &str = "killed because its job dp.sales.daily was unprovisioned while the run was in flight (scheduler.kill_on_unprovision = true)";

/// What a case expects.
#[derive(Debug)]
enum Expect {
    Still,
    Kill,
    Awaiting(u32),
    Ended {
        state: RunState,
        final_status: &'static str,
        error: Option<String>,
    },
    Unconfirmed {
        rounds: u32,
        error: String,
    },
}

fn ended_as(state: RunState, final_status: &'static str, error: Option<&str>) -> Expect {
    Expect::Ended {
        state,
        final_status,
        error: error.map(String::from),
    }
}

fn unprovisioned_with(report: &str) -> String {
    format!("{UNPROVISIONED}; the cluster manager reports: {report}")
}

fn unconfirmed(app: &str, rounds: u32) -> String {
    format!("{UNPROVISIONED}; the cluster manager still reported application {app} running {rounds} follow rounds after the kill, so it is no longer followed")
}

fn check(case: &str, before: &RunRecord, got: Outcome, expect: &Expect) {
    let ended_fields = |run: &RunRecord| {
        assert_eq!(run.run_id, before.run_id, "{case}: run id");
        assert_eq!(run.job_key, before.job_key, "{case}: job");
        assert_eq!(run.application_id, before.application_id, "{case}: app");
        assert_eq!(
            run.tracking_url, before.tracking_url,
            "{case}: tracking url"
        );
        assert_eq!(run.created_at, before.created_at, "{case}: created");
        assert_eq!(run.actual_fire_time, before.actual_fire_time, "{case}");
        assert_eq!(run.updated_at, now(), "{case}: updated at now");
        assert_eq!(run.ended_at, Some(now()), "{case}: ended at now");
    };
    match (got, expect) {
        (Outcome::StillRunning, Expect::Still) | (Outcome::Kill, Expect::Kill) => {}
        (Outcome::AwaitingKill { rounds }, Expect::Awaiting(want)) => {
            assert_eq!(rounds, *want, "{case}: rounds")
        }
        (
            Outcome::Ended(run),
            Expect::Ended {
                state,
                final_status,
                error,
            },
        ) => {
            ended_fields(&run);
            assert_eq!(run.state, *state, "{case}: state");
            assert_eq!(run.final_status.as_deref(), Some(*final_status), "{case}");
            assert_eq!(&run.error, error, "{case}: error");
        }
        (Outcome::KillUnconfirmed { run, rounds }, Expect::Unconfirmed { rounds: r, error }) => {
            ended_fields(&run);
            assert_eq!(rounds, *r, "{case}: rounds");
            assert_eq!(run.state, RunState::Killed, "{case}: state");
            assert_eq!(run.final_status, None, "{case}: no final status");
            assert_eq!(run.error.as_deref(), Some(error.as_str()), "{case}: error");
        }
        (got, expect) => panic!("{case}: got {got:?}, expected {expect:?}"),
    }
}

const PROVISIONED: JobPresence = JobPresence::Provisioned;
const NOT_KILLED: JobPresence = JobPresence::Unprovisioned {
    killed_rounds: None,
};
fn killed_ago(rounds: u32) -> JobPresence {
    JobPresence::Unprovisioned {
        killed_rounds: Some(rounds),
    }
}

/// Name, application id, the state reported (`None`: unavailable), the job, what follows.
type FollowCase = (
    &'static str,
    Option<&'static str>,
    Option<ApplicationState>,
    JobPresence,
    Expect,
);

#[test]
fn follow_outcomes_table() {
    let lost = "the cluster manager no longer knows application application_1700000000000_0042: purged by the RM";
    let lost_no_app = "the cluster manager no longer knows application ?: purged by the RM";
    #[rustfmt::skip]
    let cases: Vec<FollowCase> = vec![
        // The job exists: followed to the end the cluster manager reports.
        ("provisioned, running", Some(APP), Some(app_running()), PROVISIONED, Expect::Still),
        ("provisioned, running with url", Some(APP), Some(app_running_at("http://x")), PROVISIONED, Expect::Still),
        ("provisioned, unavailable", Some(APP), None, PROVISIONED, Expect::Still),
        ("provisioned, succeeded", Some(APP), Some(ApplicationState::Succeeded), PROVISIONED, ended_as(RunState::Succeeded, "SUCCEEDED", None)),
        ("provisioned, failed", Some(APP), Some(failed("OOM in stage 3")), PROVISIONED, ended_as(RunState::Failed, "FAILED", Some("OOM in stage 3"))),
        ("provisioned, failed silently", Some(APP), Some(failed("")), PROVISIONED, ended_as(RunState::Failed, "FAILED", None)),
        ("provisioned, killed", Some(APP), Some(killed("killed by user alice")), PROVISIONED, ended_as(RunState::Killed, "KILLED", Some("killed by user alice"))),
        ("provisioned, killed silently", Some(APP), Some(killed("")), PROVISIONED, ended_as(RunState::Killed, "KILLED", None)),
        ("provisioned, forgotten", Some(APP), Some(unknown("purged by the RM")), PROVISIONED, ended_as(RunState::Lost, "UNKNOWN", Some(lost))),
        ("provisioned, forgotten, no app id", None, Some(unknown("purged by the RM")), PROVISIONED, ended_as(RunState::Lost, "UNKNOWN", Some(lost_no_app))),
        ("provisioned, forgotten, empty detail", Some(APP), Some(unknown("")), PROVISIONED, ended_as(RunState::Lost, "UNKNOWN", Some("the cluster manager no longer knows application application_1700000000000_0042: "))),
        ("provisioned, succeeded, no app id", None, Some(ApplicationState::Succeeded), PROVISIONED, ended_as(RunState::Succeeded, "SUCCEEDED", None)),
        // Unprovisioned, not killed yet: kill a running one; an ended one
        // ended on its own and keeps the cluster manager's word.
        ("unprovisioned, running", Some(APP), Some(app_running()), NOT_KILLED, Expect::Kill),
        ("unprovisioned, running with url", Some(APP), Some(app_running_at("http://x")), NOT_KILLED, Expect::Kill),
        ("unprovisioned, unavailable", Some(APP), None, NOT_KILLED, Expect::Kill),
        ("unprovisioned, succeeded on its own", Some(APP), Some(ApplicationState::Succeeded), NOT_KILLED, ended_as(RunState::Succeeded, "SUCCEEDED", None)),
        ("unprovisioned, failed on its own", Some(APP), Some(failed("boom")), NOT_KILLED, ended_as(RunState::Failed, "FAILED", Some("boom"))),
        ("unprovisioned, killed by someone else", Some(APP), Some(killed("by bob")), NOT_KILLED, ended_as(RunState::Killed, "KILLED", Some("by bob"))),
        ("unprovisioned, forgotten on its own", Some(APP), Some(unknown("purged by the RM")), NOT_KILLED, ended_as(RunState::Lost, "UNKNOWN", Some(lost))),
        // Killed by this follower, the end reported: KILLED with the reason
        // first, SUCCEEDED when it won the race.
        ("killed 0, succeeded before the kill", Some(APP), Some(ApplicationState::Succeeded), killed_ago(0), ended_as(RunState::Succeeded, "SUCCEEDED", None)),
        ("killed 0, killed", Some(APP), Some(killed("Application killed by user.")), killed_ago(0), Expect::Ended { state: RunState::Killed, final_status: "KILLED", error: Some(unprovisioned_with("Application killed by user.")) }),
        ("killed 0, killed silently", Some(APP), Some(killed("")), killed_ago(0), ended_as(RunState::Killed, "KILLED", Some(UNPROVISIONED))),
        ("killed 1, reported failed", Some(APP), Some(failed("SIGTERM")), killed_ago(1), Expect::Ended { state: RunState::Killed, final_status: "FAILED", error: Some(unprovisioned_with("SIGTERM")) }),
        ("killed 1, reported failed silently", Some(APP), Some(failed("")), killed_ago(1), ended_as(RunState::Killed, "FAILED", Some(UNPROVISIONED))),
        ("killed 2, forgotten", Some(APP), Some(unknown("purged by the RM")), killed_ago(2), Expect::Ended { state: RunState::Killed, final_status: "UNKNOWN", error: Some(unprovisioned_with(lost)) }),
        ("killed 2, succeeded", Some(APP), Some(ApplicationState::Succeeded), killed_ago(2), ended_as(RunState::Succeeded, "SUCCEEDED", None)),
        ("killed 7, killed", Some(APP), Some(killed("x")), killed_ago(7), Expect::Ended { state: RunState::Killed, final_status: "KILLED", error: Some(unprovisioned_with("x")) }),
        // Killed, still running: awaited for KILL_CONFIRM_ROUNDS rounds.
        ("killed 0, running", Some(APP), Some(app_running()), killed_ago(0), Expect::Awaiting(1)),
        ("killed 0, unavailable", Some(APP), None, killed_ago(0), Expect::Awaiting(1)),
        ("killed 1, running", Some(APP), Some(app_running()), killed_ago(1), Expect::Awaiting(2)),
        ("killed 1, unavailable", Some(APP), None, killed_ago(1), Expect::Awaiting(2)),
        ("killed 2, running", Some(APP), Some(app_running()), killed_ago(2), Expect::Unconfirmed { rounds: 3, error: unconfirmed(APP, 3) }),
        ("killed 2, unavailable", Some(APP), None, killed_ago(2), Expect::Unconfirmed { rounds: 3, error: unconfirmed(APP, 3) }),
        ("killed 2, running, no app id", None, Some(app_running()), killed_ago(2), Expect::Unconfirmed { rounds: 3, error: unconfirmed("?", 3) }),
        ("killed 5, running", Some(APP), Some(app_running_at("http://x")), killed_ago(5), Expect::Unconfirmed { rounds: 6, error: unconfirmed(APP, 6) }),
        ("killed max, running", Some(APP), None, killed_ago(u32::MAX), Expect::Unconfirmed { rounds: u32::MAX, error: unconfirmed(APP, u32::MAX) }),
    ];
    for (name, app, state, job, expect) in &cases {
        let run = running(*app);
        let got = follow_outcome(&run, state.as_ref(), *job, now());
        check(name, &run, got, expect);
    }
    assert_eq!(cases.len(), 36);
}

#[test]
fn after_kill_table() {
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<ApplicationState>, Expect)> = vec![
        ("still running", Some(app_running()), Expect::Awaiting(0)),
        ("still running with url", Some(app_running_at("http://x")), Expect::Awaiting(0)),
        ("unavailable", None, Expect::Awaiting(0)),
        ("killed", Some(killed("Application killed by user.")), Expect::Ended { state: RunState::Killed, final_status: "KILLED", error: Some(unprovisioned_with("Application killed by user.")) }),
        ("killed silently", Some(killed("")), ended_as(RunState::Killed, "KILLED", Some(UNPROVISIONED))),
        ("failed", Some(failed("exit 143")), Expect::Ended { state: RunState::Killed, final_status: "FAILED", error: Some(unprovisioned_with("exit 143")) }),
        ("succeeded first", Some(ApplicationState::Succeeded), ended_as(RunState::Succeeded, "SUCCEEDED", None)),
        ("forgotten", Some(unknown("gone")), Expect::Ended { state: RunState::Killed, final_status: "UNKNOWN", error: Some(unprovisioned_with("the cluster manager no longer knows application application_1700000000000_0042: gone")) }),
    ];
    for (name, state, expect) in &cases {
        let run = running(Some(APP));
        check(name, &run, after_kill(&run, state.as_ref(), now()), expect);
    }
}

/// Every state against every presence: the invariants hold (an ended run
/// is ended at now, keeps its identity; nothing ends while the job exists
/// and the application runs).
#[test]
fn every_state_and_presence_keeps_the_invariants() {
    let states = [
        None,
        Some(app_running()),
        Some(app_running_at("http://x")),
        Some(ApplicationState::Succeeded),
        Some(failed("f")),
        Some(failed("")),
        Some(killed("k")),
        Some(killed("")),
        Some(unknown("u")),
    ];
    let presences = [
        PROVISIONED,
        NOT_KILLED,
        killed_ago(0),
        killed_ago(1),
        killed_ago(2),
        killed_ago(3),
        killed_ago(100),
    ];
    let mut seen = 0;
    for app in [Some(APP), None] {
        for state in &states {
            for job in presences {
                let run = running(app);
                let done = state
                    .as_ref()
                    .is_some_and(|s| !matches!(s, ApplicationState::Running { .. }));
                let got = follow_outcome(&run, state.as_ref(), job, now());
                match (&got, job) {
                    (Outcome::StillRunning, PROVISIONED) => assert!(!done),
                    (Outcome::StillRunning, _) => {
                        panic!("an unprovisioned run is never just followed")
                    }
                    (Outcome::Kill, NOT_KILLED) => assert!(!done),
                    (Outcome::Kill, _) => panic!("killed at most once"),
                    (
                        Outcome::AwaitingKill { rounds },
                        JobPresence::Unprovisioned {
                            killed_rounds: Some(r),
                        },
                    ) => {
                        assert!(!done);
                        assert_eq!(*rounds, r + 1);
                        assert!(*rounds < KILL_CONFIRM_ROUNDS);
                    }
                    (Outcome::AwaitingKill { .. }, _) => panic!("awaiting only a kill made"),
                    (Outcome::Ended(r), _) => {
                        assert!(done);
                        assert_eq!(r.ended_at, Some(now()));
                        assert_eq!(r.run_id, run.run_id);
                        assert!(r.state != RunState::Running);
                        assert!(r.final_status.is_some());
                        if r.state != RunState::Succeeded {
                            if let JobPresence::Unprovisioned {
                                killed_rounds: Some(_),
                            } = job
                            {
                                assert_eq!(r.state, RunState::Killed);
                                assert!(r
                                    .error
                                    .as_deref()
                                    .unwrap_or("")
                                    .starts_with(UNPROVISIONED));
                            }
                        }
                    }
                    (
                        Outcome::KillUnconfirmed { run: r, rounds },
                        JobPresence::Unprovisioned {
                            killed_rounds: Some(k),
                        },
                    ) => {
                        assert!(!done);
                        assert_eq!(*rounds, k + 1);
                        assert!(*rounds >= KILL_CONFIRM_ROUNDS);
                        assert_eq!(r.state, RunState::Killed);
                        assert_eq!(r.ended_at, Some(now()));
                    }
                    (Outcome::KillUnconfirmed { .. }, _) => panic!("unconfirmed only after a kill"),
                }
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 2 * 9 * 7);
}

#[test]
fn ended_maps_each_state() {
    let run = running(Some(APP));
    assert_eq!(ended(&run, &app_running(), now()), None);
    assert_eq!(ended(&run, &app_running_at("http://y"), now()), None);
    let cases = [
        (
            ApplicationState::Succeeded,
            RunState::Succeeded,
            "SUCCEEDED",
            None,
        ),
        (failed("d"), RunState::Failed, "FAILED", Some("d")),
        (killed("d"), RunState::Killed, "KILLED", Some("d")),
    ];
    for (state, want, status, error) in cases {
        let r = ended(&run, &state, now()).expect("ended");
        assert_eq!(r.state, want);
        assert_eq!(r.final_status.as_deref(), Some(status));
        assert_eq!(r.error.as_deref(), error);
        // The tracking URL of the run is kept: the ended state carries none.
        assert_eq!(r.tracking_url, run.tracking_url);
    }
}

#[test]
fn a_previous_error_is_replaced_by_the_end() {
    let mut run = running(Some(APP));
    run.error = Some("old".into());
    let r = ended(&run, &ApplicationState::Succeeded, now()).expect("ended");
    assert_eq!(r.error, None);
    let r = killed_for_unprovision(&run, &ApplicationState::Succeeded, now()).expect("ended");
    assert_eq!(r.error, None);
}

#[test]
fn killed_for_unprovision_does_not_end_a_running_application() {
    let run = running(Some(APP));
    assert_eq!(killed_for_unprovision(&run, &app_running(), now()), None);
}

#[test]
fn an_unconfirmed_kill_drops_the_final_status() {
    let mut run = running(Some(APP));
    run.final_status = Some("UNDEFINED".into());
    let r = killed_unconfirmed(&run, KILL_CONFIRM_ROUNDS, now());
    assert_eq!(r.final_status, None);
    assert_eq!(r.state, RunState::Killed);
    assert_eq!(r.error.as_deref(), Some(unconfirmed(APP, 3).as_str()));
    assert_eq!(r.ended_at, Some(now()));
}

fn handle(id: &str, url: Option<&str>) -> ApplicationHandle {
    ApplicationHandle {
        backend: LauncherBackend::Yarn,
        application_id: id.into(),
        tracking_url: url.map(String::from),
    }
}

fn submitting() -> RunRecord {
    let mut run = running(None);
    run.state = RunState::Submitting;
    run.tracking_url = None;
    run
}

#[test]
fn submits_table() {
    let run = submitting();
    let later = now() + Duration::seconds(12);
    #[rustfmt::skip]
    let cases: Vec<(ApplicationHandle, Option<&str>)> = vec![
        (handle(APP, Some("http://rm:8088/proxy/a")), Some("http://rm:8088/proxy/a")),
        (handle("driver-20300101020000-0001", None), None),
        (handle("4242", None), None),
    ];
    for (h, url) in cases {
        let id = h.application_id.clone();
        let r = submitted(&run, h, later);
        assert_eq!(r.state, RunState::Running);
        assert_eq!(r.application_id.as_deref(), Some(id.as_str()));
        assert_eq!(r.tracking_url.as_deref(), url);
        assert_eq!(r.updated_at, later);
        assert_eq!(r.ended_at, None, "a submitted run has not ended");
        assert_eq!(r.error, None);
        assert_eq!(r.actual_fire_time, run.actual_fire_time);
    }
    for (error, stored) in [
        (
            "spark-submit failed: exit 1",
            Some("spark-submit failed: exit 1"),
        ),
        (
            "spark-submit did not finish within 300 s and was killed",
            Some("spark-submit did not finish within 300 s and was killed"),
        ),
        ("", None),
    ] {
        let r = submit_failed(&run, error, later);
        assert_eq!(r.state, RunState::Failed);
        assert_eq!(r.error.as_deref(), stored);
        assert_eq!(r.ended_at, Some(later));
        assert_eq!(r.updated_at, later);
        assert_eq!(r.application_id, None);
        assert_eq!(r.final_status, None);
    }
}

/// Name, lookup, the run it leaves (state, application id, error) or none.
type LookupCase = (
    &'static str,
    Lookup,
    Option<(RunState, Option<&'static str>, Option<&'static str>)>,
);

#[test]
fn lookups_table() {
    let run = submitting();
    let not_found = "the provisioner instance running spark-submit for this run stopped before an application id was known, and the cluster manager has no application for this run (YARN: none tagged with it; standalone and local cannot be searched)";
    let unsearchable = "the provisioner instance running spark-submit for this run stopped before an application id was known, and the cluster manager could not be searched for it: the cluster manager is unreachable: rm down";
    #[rustfmt::skip]
    let cases: Vec<LookupCase> = vec![
        ("found", Lookup::Found(handle(APP, Some("http://t"))), Some((RunState::Running, Some(APP), None))),
        ("found without url", Lookup::Found(handle(APP, None)), Some((RunState::Running, Some(APP), None))),
        ("not found", Lookup::NotFound, Some((RunState::Lost, None, Some(not_found)))),
        ("failed, more attempts", Lookup::Failed { error: "x".into(), last: false }, None),
        ("failed, last attempt", Lookup::Failed { error: "the cluster manager is unreachable: rm down".into(), last: true }, Some((RunState::Lost, None, Some(unsearchable)))),
    ];
    for (name, lookup, want) in cases {
        let got = lookup_outcome(&run, lookup, now());
        match (got, want) {
            (None, None) => {}
            (Some(r), Some((state, app, error))) => {
                assert_eq!(r.state, state, "{name}");
                assert_eq!(r.application_id.as_deref(), app, "{name}");
                assert_eq!(r.error.as_deref(), error, "{name}");
                assert_eq!(r.updated_at, now(), "{name}");
                assert_eq!(r.ended_at.is_some(), state == RunState::Lost, "{name}");
            }
            (got, want) => panic!("{name}: got {got:?}, expected {want:?}"),
        }
    }
}

#[test]
fn reasons_start_with_what_happened() {
    let job = JobKey::new("g", "j");
    assert!(reason::unprovisioned_reported(&job, "r").starts_with(&reason::unprovisioned(&job)));
    assert!(
        reason::unprovisioned_unconfirmed(&job, "a", 3).starts_with(&reason::unprovisioned(&job))
    );
    assert!(reason::cut_short_not_found().starts_with(reason::CUT_SHORT));
    assert!(reason::cut_short_unsearchable("e").starts_with(reason::CUT_SHORT));
    assert_eq!(
        reason::forgotten("a", "d"),
        "the cluster manager no longer knows application a: d"
    );
}

fn limited(max: &str, killed: Option<(u32, DateTime<Utc>)>) -> JobPresence {
    JobPresence::Limited {
        max: max.parse().expect("a valid maxDuration"),
        killed: killed.map(|(rounds, at)| KillMark { rounds, at }),
    }
}

/// The run started at 01:00:01 and it is 02:00:00: 59m59s in.
#[test]
fn limited_follow_outcomes_table() {
    let reason = |max: &str, killed: &str| {
        format!("ran longer than its maxDuration {max} (started 2030-01-01T01:00:01Z, killed at 2030-01-01T{killed}Z); raise jobConfig.maxDuration if the job needs longer")
    };
    let killed_at = at(1, 59, 30);
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<ApplicationState>, JobPresence, Expect)> = vec![
        ("within the limit, running", Some(app_running()), limited("1h", None), Expect::Still),
        ("within the limit, unavailable", None, limited("1h", None), Expect::Still),
        ("within the limit, succeeded", Some(ApplicationState::Succeeded), limited("1h", None), ended_as(RunState::Succeeded, "SUCCEEDED", None)),
        ("past the limit, running", Some(app_running()), limited("59m", None), Expect::Kill),
        ("at the deadline, running", Some(app_running()), limited("PT59M59S", None), Expect::Kill),
        ("past the limit, unavailable", None, limited("59m", None), Expect::Kill),
        ("past the limit, failed on its own", Some(failed("boom")), limited("59m", None), ended_as(RunState::Failed, "FAILED", Some("boom"))),
        ("past the limit, succeeded on its own", Some(ApplicationState::Succeeded), limited("59m", None), ended_as(RunState::Succeeded, "SUCCEEDED", None)),
        ("killed, reported killed", Some(killed("Application killed by user.")), limited("59m", Some((0, killed_at))), Expect::Ended { state: RunState::TimedOut, final_status: "KILLED", error: Some(format!("{}; the cluster manager reports: Application killed by user.", reason("59m", "01:59:30"))) }),
        ("killed, reported failed silently", Some(failed("")), limited("59m", Some((1, killed_at))), Expect::Ended { state: RunState::TimedOut, final_status: "FAILED", error: Some(reason("59m", "01:59:30")) }),
        ("killed, won the race", Some(ApplicationState::Succeeded), limited("59m", Some((0, killed_at))), ended_as(RunState::Succeeded, "SUCCEEDED", None)),
        ("killed, still running", Some(app_running()), limited("59m", Some((0, killed_at))), Expect::Awaiting(1)),
        ("killed 1, unavailable", None, limited("59m", Some((1, killed_at))), Expect::Awaiting(2)),
    ];
    for (name, state, job, expect) in &cases {
        let run = running(Some(APP));
        check(
            name,
            &run,
            follow_outcome(&run, state.as_ref(), *job, now()),
            expect,
        );
    }
    // Unconfirmed after KILL_CONFIRM_ROUNDS: TIMED_OUT, no final status.
    let run = running(Some(APP));
    match follow_outcome(&run, None, limited("59m", Some((2, killed_at))), now()) {
        Outcome::KillUnconfirmed { run: r, rounds } => {
            assert_eq!(
                (rounds, r.state, r.final_status),
                (3, RunState::TimedOut, None)
            );
            assert_eq!(r.ended_at, Some(now()));
            assert_eq!(
                r.error.as_deref(),
                Some(format!("{}; the cluster manager still reported application {APP} running 3 follow rounds after the kill, so it is no longer followed", reason("59m", "01:59:30")).as_str())
            );
        }
        other => panic!("expected unconfirmed, got {other:?}"),
    }
}

#[test]
fn after_a_timeout_kill() {
    let run = running(Some(APP));
    let job = limited("59m", None);
    let reason = "ran longer than its maxDuration 59m (started 2030-01-01T01:00:01Z, killed at 2030-01-01T02:00:00Z); raise jobConfig.maxDuration if the job needs longer";
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<ApplicationState>, Expect)> = vec![
        ("still running", Some(app_running()), Expect::Awaiting(0)),
        ("unavailable", None, Expect::Awaiting(0)),
        ("killed", Some(killed("")), ended_as(RunState::TimedOut, "KILLED", Some(reason))),
        ("succeeded first", Some(ApplicationState::Succeeded), ended_as(RunState::Succeeded, "SUCCEEDED", None)),
    ];
    for (name, state, expect) in &cases {
        check(
            name,
            &run,
            after_kill_for(&run, state.as_ref(), job, now()),
            expect,
        );
    }
    // For an unprovisioned job it is the unprovision kill.
    let got = after_kill_for(&run, Some(&killed("")), NOT_KILLED, now());
    check(
        "unprovisioned",
        &run,
        got,
        &ended_as(RunState::Killed, "KILLED", Some(UNPROVISIONED)),
    );
}

#[test]
fn a_run_keeps_its_timeline_in_order() {
    // Fired at 01:00:01 (the fixture), submitted 10 s later, first seen
    // running 20 s later, ended at 02:00:00.
    let submitted_at = at(1, 0, 11);
    let running_at = at(1, 0, 31);
    let run = submitted(&submitting(), handle(APP, None), submitted_at);
    assert_eq!(run.submitted_at, Some(submitted_at));
    assert_eq!(run.running_at, None, "submitted is not running yet");
    // Only a running application sets the running time (accepted, still
    // queued, does not).
    for state in [
        None,
        Some(ApplicationState::Running {
            tracking_url: None,
            started: false,
        }),
        Some(ApplicationState::Succeeded),
        Some(failed("boom")),
        Some(killed("k")),
        Some(unknown("gone")),
    ] {
        assert_eq!(
            first_seen_running(&run, state.as_ref(), running_at),
            None,
            "{state:?}"
        );
    }
    let seen =
        first_seen_running(&run, Some(&app_running()), running_at).expect("first seen running");
    assert_eq!(seen.running_at, Some(running_at));
    assert_eq!(seen.submitted_at, Some(submitted_at));
    assert_eq!(seen.state, RunState::Running);
    // Seen running again later: the first time is kept, nothing to store.
    assert_eq!(
        first_seen_running(&seen, Some(&app_running_at("http://t")), now()),
        None
    );
    // The end keeps both, and the four instants are in order.
    let Outcome::Ended(ended) = follow_outcome(
        &seen,
        Some(&ApplicationState::Succeeded),
        JobPresence::Provisioned,
        now(),
    ) else {
        panic!("a succeeded application ends the run");
    };
    assert_eq!(
        (ended.submitted_at, ended.running_at, ended.ended_at),
        (Some(submitted_at), Some(running_at), Some(now()))
    );
    let times = [
        Some(ended.actual_fire_time),
        ended.submitted_at,
        ended.running_at,
        ended.ended_at,
    ];
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn a_reattached_run_keeps_its_submit_time() {
    // Submitted before (a re-attach by lookup of a run that had one) keeps
    // it; one cut short before its id was known is submitted when found.
    let mut before = submitting();
    before.submitted_at = Some(at(1, 0, 5));
    let found = lookup_outcome(&before, Lookup::Found(handle(APP, None)), now()).expect("found");
    assert_eq!(found.submitted_at, Some(at(1, 0, 5)));
    let found =
        lookup_outcome(&submitting(), Lookup::Found(handle(APP, None)), now()).expect("found");
    assert_eq!(found.submitted_at, Some(now()));
    let lost = lookup_outcome(&submitting(), Lookup::NotFound, now()).expect("lost");
    assert_eq!((lost.submitted_at, lost.running_at), (None, None));
}
