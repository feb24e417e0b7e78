//! "Why didn't my job run?" through `serve`, local mode, real Spark: a job
//! fires every 2 s while each run takes longer (Forbid skips the fires in
//! between), is started by hand once, then paused; explain over the window
//! answers every fire time with its verdict. Needs `SPARK_HOME` and a JDK,
//! like `spark_local_e2e`.

use crate::support;

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use support::*;

use super::spark_local_e2e::{descriptor, jar, job_name, job_path, spark_home};

fn explain_path(component: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let t = |d: DateTime<Utc>| d.to_rfc3339_opts(SecondsFormat::Millis, true);
    format!(
        "{}/explain?from={}&to={}",
        job_path(component),
        t(from),
        t(to)
    )
}

fn verdicts(answer: &Value) -> Vec<(String, String)> {
    answer["fires"]
        .as_array()
        .unwrap_or_else(|| panic!("no fires: {answer}"))
        .iter()
        .map(|f| {
            (
                f["source"].as_str().unwrap_or_default().to_string(),
                f["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn explain_answers_every_fire_time_of_a_running_job() {
    let _ = spark_home();
    let slow = jar("explain-slow", "Thread.sleep(3000);");
    let place = Place::new(&Db::Sqlite);
    let options = ServerOptions::default().spark_local();
    let mut server = start_in(&place, &options);
    let component = "explain-forbid";
    let provisioned_at = Utc::now();
    let (code, body) = server
        .post(
            "/v1/provision",
            &request(&descriptor(component, &slow, Some("0/2 * * * * ?"))),
        )
        .await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    let (code, manual) = server
        .post(&format!("{}/trigger", job_path(component)), &Value::Null)
        .await;
    assert_eq!(code, 202, "{manual}");

    // Until a run succeeded and a fire was skipped because of it.
    let deadline = Instant::now() + Duration::from_secs(120);
    let runs_path = format!(
        "/v1/scheduler/runs?job={}/{}&limit=500",
        seg(FIXTURE_GROUP),
        job_name(component)
    );
    loop {
        let (_, page) = server.get(&runs_path).await;
        let runs = page["runs"].as_array().cloned().unwrap_or_default();
        // A scheduled run (not the manual one) that succeeded.
        let has = |state: &str| {
            runs.iter().any(|r| {
                r["state"] == state
                    && r["triggerKey"]["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with("Trigger"))
            })
        };
        if has("SUCCEEDED") && has("SKIPPED") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no SUCCEEDED and SKIPPED runs: {page}\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // While it runs: the window ends in the future.
    let from = provisioned_at - chrono::Duration::seconds(6);
    let to = Utc::now() + chrono::Duration::seconds(6);
    let path = explain_path(component, from, to);
    let (code, live) = server.get(&path).await;
    assert_eq!(code, 200, "{live}\n{}", server.log());
    println!(
        "GET {path}\n{}",
        serde_json::to_string_pretty(&live).unwrap_or_default()
    );
    let got = verdicts(&live);
    let schedule: Vec<&(String, String)> = got.iter().filter(|(s, _)| s == "SCHEDULE").collect();
    // Every even second of the window is listed, once.
    let expected = (from.timestamp()..=to.timestamp())
        .filter(|s| s % 2 == 0)
        .filter(|s| DateTime::from_timestamp(*s, 0).is_some_and(|t| t >= from && t <= to))
        .count();
    assert_eq!(schedule.len(), expected, "{live}");
    for verdict in ["BEFORE_START", "RAN", "SKIPPED", "NOT_YET_DUE"] {
        assert!(
            schedule.iter().any(|(_, v)| v == verdict),
            "{verdict} expected: {got:?}\n{live}"
        );
    }
    assert!(got.iter().any(|(s, _)| s == "MANUAL"), "{got:?}");
    assert!(!got.iter().any(|(_, v)| v == "MISSING"), "{live}");
    // A skip names the run that blocked it, a run of this job.
    let fires = live["fires"].as_array().expect("fires");
    let skipped = fires
        .iter()
        .find(|f| f["verdict"] == "SKIPPED")
        .expect("a skip");
    let blocker = skipped["blockedBy"][0].as_str().expect("blocked by a run");
    assert!(
        fires.iter().any(|f| f["runId"] == blocker),
        "the blocking run {blocker} is in the window: {live}"
    );
    let ran = fires.iter().find(|f| f["verdict"] == "RAN").expect("a run");
    let (code, run) = server
        .get(&format!(
            "/v1/scheduler/runs/{}",
            ran["runId"].as_str().expect("run id")
        ))
        .await;
    assert_eq!(code, 200, "{run}");
    assert_eq!(run["state"], ran["runState"], "{run}");
    // Times are in order.
    let times: Vec<&str> = fires
        .iter()
        .map(|f| f["fireTime"].as_str().expect("time"))
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by_key(|t| DateTime::parse_from_rfc3339(t).expect("RFC 3339"));
    assert_eq!(times, sorted);

    // Paused: the times since are PAUSED.
    let (code, body) = server
        .post_empty(&format!("{}/pause", job_path(component)), None)
        .await;
    assert_eq!(code, 200, "{body}");
    let paused_at = Utc::now();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let path = explain_path(
        component,
        paused_at,
        Utc::now() + chrono::Duration::seconds(4),
    );
    let (code, paused) = server.get(&path).await;
    assert_eq!(code, 200, "{paused}");
    assert_eq!(paused["triggerState"], "PAUSED", "{paused}");
    let later: Vec<(String, String)> = verdicts(&paused)
        .into_iter()
        .filter(|(s, _)| s == "SCHEDULE")
        .collect();
    assert!(later.len() >= 3, "{paused}");
    // The first even second after the pause may have been acquired just
    // before it; every one after it is PAUSED.
    assert!(
        later.iter().skip(1).all(|(_, v)| v == "PAUSED"),
        "{later:?}\n{paused}"
    );

    // The window's rules, each naming its parameter.
    let job = job_path(component);
    for (query, code_wanted, needle) in [
        (
            "?to=2030-01-01T00:00:00Z".to_string(),
            400,
            "from is required",
        ),
        (
            "?from=yesterday&to=2030-01-01T00:00:00Z".to_string(),
            400,
            "from 'yesterday'",
        ),
        (
            "?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z".to_string(),
            400,
            "must be before to",
        ),
        (
            "?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z".to_string(),
            400,
            "more than 10000 fire times",
        ),
    ] {
        let (code, body) = server.get(&format!("{job}/explain{query}")).await;
        assert_eq!(code, code_wanted, "{query}: {body}");
        assert!(body.to_string().contains(needle), "{query}: {body}");
    }
    let (code, body) = server
        .get(&format!(
            "/v1/scheduler/jobs/{}/no-such-job/explain?from=2030-01-01T00:00:00Z&to=2030-01-01T00:01:00Z",
            seg(FIXTURE_GROUP)
        ))
        .await;
    assert_eq!(code, 404, "{body}");

    loop {
        let (_, page) = server.get("/v1/scheduler/runs?state=RUNNING").await;
        let (_, submitting) = server.get("/v1/scheduler/runs?state=SUBMITTING").await;
        if page["runs"].as_array().is_some_and(Vec::is_empty)
            && submitting["runs"].as_array().is_some_and(Vec::is_empty)
        {
            break;
        }
        assert!(Instant::now() < deadline, "runs never ended: {page}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let status = server
        .terminate(Duration::from_secs(30))
        .expect("stopped within 30 s");
    assert!(status.success(), "{status:?}\n{}", server.log());
}
