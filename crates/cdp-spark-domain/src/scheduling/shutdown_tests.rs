//! Table cases of the shutdown plan, on a fixed clock.

use chrono::TimeZone;

use super::*;
use crate::model::{JobKey, TriggerKey};

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 1, h, m, s)
        .single()
        .expect("valid")
}

fn run(id: &str, app: Option<&str>) -> RunRecord {
    RunRecord {
        run_id: id.into(),
        job_key: JobKey::new("g", "j"),
        trigger_key: TriggerKey::new("g", "t"),
        scheduled_fire_time: at(1, 0, 0),
        actual_fire_time: at(1, 0, 0),
        application_id: app.map(String::from),
        tracking_url: Some("http://localhost:4040".into()),
        state: RunState::Running,
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

const REASON: &str = "the provisioner instance that ran this local application stopped (local applications are its child processes)";

#[test]
fn only_local_runs_end_at_shutdown() {
    assert!(ends_runs_at_shutdown(LauncherBackend::Local));
    assert!(!ends_runs_at_shutdown(LauncherBackend::Yarn));
    assert!(!ends_runs_at_shutdown(LauncherBackend::Standalone));
}

/// Name, backend, runs in flight, kills (run, application), runs left.
type PlanCase = (
    &'static str,
    LauncherBackend,
    Vec<RunRecord>,
    Vec<(&'static str, &'static str)>,
    Vec<&'static str>,
);

#[test]
fn shutdown_plans_table() {
    let a = || run("a", Some("4101"));
    let b = || run("b", Some("4102"));
    let none = || run("n", None);
    #[rustfmt::skip]
    let cases: Vec<PlanCase> = vec![
        ("local, nothing in flight", LauncherBackend::Local, vec![], vec![], vec![]),
        ("local, one", LauncherBackend::Local, vec![a()], vec![("a", "4101")], vec![]),
        ("local, two in order", LauncherBackend::Local, vec![b(), a()], vec![("b", "4102"), ("a", "4101")], vec![]),
        ("local, without application id", LauncherBackend::Local, vec![none()], vec![], vec!["n"]),
        ("local, mixed", LauncherBackend::Local, vec![a(), none(), b()], vec![("a", "4101"), ("b", "4102")], vec!["n"]),
        ("yarn, nothing in flight", LauncherBackend::Yarn, vec![], vec![], vec![]),
        ("yarn, left for the next instance", LauncherBackend::Yarn, vec![a(), b()], vec![], vec!["a", "b"]),
        ("yarn, mixed", LauncherBackend::Yarn, vec![a(), none()], vec![], vec!["a", "n"]),
        ("standalone, left", LauncherBackend::Standalone, vec![a()], vec![], vec!["a"]),
        ("standalone, mixed", LauncherBackend::Standalone, vec![none(), b()], vec![], vec!["n", "b"]),
    ];
    for (name, backend, runs, kill, left) in cases {
        let plan = shutdown_plan(backend, runs);
        let got: Vec<(&str, &str)> = plan
            .kill
            .iter()
            .map(|k| (k.run.run_id.as_str(), k.handle.application_id.as_str()))
            .collect();
        assert_eq!(got, kill, "{name}: kills");
        assert_eq!(plan.left, left, "{name}: left");
        for k in &plan.kill {
            assert_eq!(k.handle.backend, backend, "{name}");
            assert_eq!(k.handle.tracking_url, None, "{name}");
        }
    }
}

#[test]
fn a_killed_local_run_ends_killed_with_the_reason() {
    let plan = shutdown_plan(LauncherBackend::Local, vec![run("a", Some("4101"))]);
    for now in [at(2, 0, 0), at(23, 59, 59)] {
        let ended = plan.kill[0].ended(now);
        assert_eq!(ended.state, RunState::Killed);
        assert_eq!(ended.final_status.as_deref(), Some("KILLED"));
        assert_eq!(ended.error.as_deref(), Some(REASON));
        assert_eq!(ended.ended_at, Some(now));
        assert_eq!(ended.updated_at, now);
        assert_eq!(ended.application_id.as_deref(), Some("4101"));
        assert_eq!(ended.tracking_url.as_deref(), Some("http://localhost:4040"));
        assert_eq!(ended.created_at, at(1, 0, 0));
    }
    // The plan keeps the run as it is in flight.
    assert_eq!(plan.kill[0].run.state, RunState::Running);
}

#[test]
fn a_previous_error_gives_way_to_the_shutdown_reason() {
    let mut r = run("a", Some("1"));
    r.error = Some("earlier".into());
    r.final_status = Some("UNDEFINED".into());
    let plan = shutdown_plan(LauncherBackend::Local, vec![r]);
    let ended = plan.kill[0].ended(at(3, 0, 0));
    assert_eq!(ended.error.as_deref(), Some(REASON));
    assert_eq!(ended.final_status.as_deref(), Some("KILLED"));
}
