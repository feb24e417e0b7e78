//! Table tests of the notification decisions.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{TimeZone, Utc};

use super::*;
use crate::model::{RunState, TriggerKey};

const FINAL: [RunState; 6] = [
    RunState::Succeeded,
    RunState::Failed,
    RunState::Killed,
    RunState::Skipped,
    RunState::Lost,
    RunState::TimedOut,
];

#[test]
fn events_at_end_for_every_state_and_previous_state() {
    let previous: Vec<Option<RunState>> = std::iter::once(None)
        .chain(FINAL.into_iter().map(Some))
        .collect();
    let mut checked = 0;
    for state in RunState::ALL {
        for prev in &previous {
            let got = events_at_end(state, *prev);
            let want: Vec<EventKind> = match state {
                RunState::Failed | RunState::Killed | RunState::Lost | RunState::TimedOut => {
                    vec![EventKind::RunFailed]
                }
                RunState::Succeeded
                    if matches!(
                        prev,
                        Some(
                            RunState::Failed
                                | RunState::Killed
                                | RunState::Lost
                                | RunState::TimedOut
                        )
                    ) =>
                {
                    vec![EventKind::RunRecovered]
                }
                _ => vec![],
            };
            assert_eq!(got, want, "{state:?} after {prev:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, RunState::ALL.len() * (FINAL.len() + 1));
}

#[test]
fn failure_states_are_listed_by_text() {
    let failing: Vec<&str> = RunState::ALL
        .into_iter()
        .filter(|s| is_failure(*s))
        .map(RunState::as_str)
        .collect();
    assert_eq!(failing, ["FAILED", "KILLED", "LOST", "TIMED_OUT"]);
}

#[test]
fn deadline_decisions() {
    let nominal = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
    let at = deadline_at(nominal, Some(1800)).unwrap();
    assert_eq!(at, Utc.with_ymd_and_hms(2026, 1, 1, 10, 30, 0).unwrap());
    assert_eq!(deadline_at(nominal, None), None);
    assert_eq!(deadline_at(nominal, Some(u64::MAX)), None);
    let m = chrono::Duration::minutes;
    // (ended, now, missed)
    let table = [
        (Some(nominal + m(29)), nominal + m(40), false),
        (Some(nominal + m(30)), nominal + m(40), false),
        (Some(nominal + m(31)), nominal + m(40), true),
        (None, nominal + m(29), false),
        (None, nominal + m(30), true),
        (None, nominal + m(90), true),
    ];
    for (ended, now, missed) in table {
        assert_eq!(deadline_missed(at, ended, now), missed, "{ended:?} {now}");
    }
}

#[test]
fn routes_filter_by_data_product() {
    let routes = Routes(vec![
        Route {
            name: "all".into(),
            data_products: None,
        },
        Route {
            name: "sales".into(),
            data_products: Some(BTreeSet::from(["dp.sales".to_string()])),
        },
    ]);
    assert_eq!(
        routes.targets("dp.sales").collect::<Vec<_>>(),
        ["all", "sales"]
    );
    assert_eq!(routes.targets("dp.hr").collect::<Vec<_>>(), ["all"]);
    assert!(Routes::default().targets("x").next().is_none());
}

#[test]
fn retries_back_off_exponentially_then_give_up() {
    let policy = RetryPolicy {
        max_attempts: 5,
        initial_backoff: Duration::from_secs(2),
        max_backoff: Duration::from_secs(10),
    };
    let waits: Vec<Delivery> = (1..=5)
        .map(|n| after_attempt(&AttemptResult::Status(503), n, &policy))
        .collect();
    let secs: Vec<Option<u64>> = waits
        .iter()
        .map(|d| match d {
            Delivery::Retry { after, .. } => Some(after.as_secs()),
            _ => None,
        })
        .collect();
    assert_eq!(secs, [Some(2), Some(4), Some(8), Some(10), None]);
    assert!(matches!(&waits[4], Delivery::Failed { error } if error.contains("attempt 5 of 5")));
    assert_eq!(
        after_attempt(&AttemptResult::Status(204), 1, &policy),
        Delivery::Sent
    );
    // Statuses another try cannot change are final at once.
    for s in [400, 401, 403, 404, 410, 422] {
        assert!(
            matches!(
                after_attempt(&AttemptResult::Status(s), 1, &policy),
                Delivery::Failed { .. }
            ),
            "{s}"
        );
    }
    for s in [408, 425, 429, 500, 502] {
        assert!(
            matches!(
                after_attempt(&AttemptResult::Status(s), 1, &policy),
                Delivery::Retry { .. }
            ),
            "{s}"
        );
    }
    assert!(matches!(
        after_attempt(&AttemptResult::Transport("refused".into()), 1, &policy),
        Delivery::Retry { .. }
    ));
    assert_eq!(backoff(u32::MAX, &policy), Duration::from_secs(10));
}

#[test]
fn payload_carries_the_run_and_redacts_the_error() {
    let t = Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap();
    let run = RunRecord {
        run_id: "r1".into(),
        job_key: JobKey::new("dp.sales", "daily"),
        trigger_key: TriggerKey::new("dp.sales", "dailyTrigger"),
        scheduled_fire_time: t,
        actual_fire_time: t,
        application_id: None,
        tracking_url: None,
        state: RunState::Failed,
        final_status: None,
        created_at: t,
        updated_at: t,
        ended_at: Some(t + chrono::Duration::seconds(5)),
        submitted_at: None,
        running_at: None,
        error: Some(format!("boom password=hunter2 {}", "x".repeat(5000))),
        parameters: None,
        backfill: None,
    };
    let v = Event::of_run(EventKind::RunFailed, &run, "urn:c").payload("e1");
    assert_eq!(v["eventId"], "e1");
    assert_eq!(v["kind"], "RUN_FAILED");
    assert_eq!(v["job"], "dp.sales.daily");
    assert_eq!(v["dataProduct"], "dp.sales");
    assert_eq!(v["component"], "urn:c");
    assert_eq!(v["state"], "FAILED");
    assert_eq!(v["nominalTime"], "2026-01-01T10:00:00.000Z");
    assert_eq!(v["endedAt"], "2026-01-01T10:00:05.000Z");
    assert_eq!(v["links"]["run"], "/v1/scheduler/runs/r1");
    let error = v["error"].as_str().unwrap();
    assert!(!error.contains("hunter2"), "{error}");
    assert!(error.chars().count() <= MAX_ERROR_CHARS + 1);
    let d = Event::of_run(EventKind::DeadlineMissed, &run, "urn:c").payload("e2");
    assert!(d["state"].is_null());
}

#[test]
fn webhooks_are_http_or_https_with_a_plain_name() {
    assert!(check_webhook("ops", "https://hooks.example.com/x").is_ok());
    assert!(check_webhook("ops-1.b_c", "http://127.0.0.1:9/x").is_ok());
    for (name, url) in [
        ("", "https://a"),
        ("a b", "https://a"),
        (&"n".repeat(65)[..], "https://a"),
        ("ops", "ftp://a"),
        ("ops", "file:///etc/passwd"),
        ("ops", "https://"),
        ("ops", "https:///path"),
    ] {
        assert!(check_webhook(name, url).is_err(), "{name} {url}");
    }
}
