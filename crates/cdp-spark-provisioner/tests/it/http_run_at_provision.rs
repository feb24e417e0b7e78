//! The run at provision, black box (`scheduler.run_unscheduled_at_provision`
//! and `jobConfig.runAtProvision`): provisioning a job without a schedule
//! starts one run through the manual trigger's path (a one-shot trigger the
//! engine fires); provisioning the same descriptor again starts no second
//! one; a changed one runs again. No Spark here: the runs fail, but they
//! exist. And a schedule in a Java custom zone id (`GMT+0530`), stored
//! under Java's id, the migration's other change.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

const SCHEDULE: &str = "          schedule:\n            cronExpression: \"0 30 2 ? * MON-FRI\"\n            startDate: 2026-01-01T00:00:00Z\n            endDate: 2030-12-31T23:59:59Z\n";

fn unscheduled(extra: &str) -> String {
    let d = local_descriptor();
    assert!(d.contains(SCHEDULE), "the fixture's schedule block moved");
    d.replace(SCHEDULE, extra)
}

async fn runs(server: &Server) -> Vec<Value> {
    let (code, page) = server
        .get(&format!(
            "/v1/scheduler/runs?job={}/{}",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 200, "{page}");
    page["runs"].as_array().cloned().unwrap_or_default()
}

/// Waits until the job has `count` runs (at most 20 s), then answers them.
async fn runs_reaching(server: &Server, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let runs = runs(server).await;
        if runs.len() >= count || Instant::now() > deadline {
            return runs;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn provision(server: &Server, descriptor: &str) -> String {
    let (code, body) = server.post("/v1/provision", &request(descriptor)).await;
    assert_eq!(code, 200, "{body}");
    body["result"].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn provision_starts_one_run_of_a_job_without_schedule_and_not_again() {
    let place = Place::new(&Db::Sqlite);
    let empty = tempfile::tempdir().expect("empty folder");
    let options = ServerOptions::default()
        .scheduler()
        .env_remove("SPARK_HOME")
        .env("PATH", &empty.path().display().to_string())
        .env("CDP_SPARK_PROVISIONER__SCHEDULER__IDLE_WAIT_MS", "200")
        .env(
            "CDP_SPARK_PROVISIONER__SCHEDULER__RUN_UNSCHEDULED_AT_PROVISION",
            "true",
        );
    let server = start_in(&place, &options);

    let result = provision(&server, &unscheduled("")).await;
    assert!(result.contains("one run started at provision"), "{result}");
    let first = runs_reaching(&server, 1).await;
    assert_eq!(first.len(), 1, "{first:?}\n{}", server.log());
    let trigger = first[0]["triggerKey"].to_string();
    assert!(trigger.contains("provision-"), "{}", first[0]);

    // The Coordinator provisions the same descriptor again: no second run.
    let result = provision(&server, &unscheduled("")).await;
    assert!(result.contains("unchanged: no run started"), "{result}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(runs(&server).await.len(), 1, "{}", server.log());

    // The job says false: nothing runs, whatever the deployment's default.
    let changed = unscheduled("          runAtProvision: false\n")
        .replace("driverCores: 1", "driverCores: 2");
    let result = provision(&server, &changed).await;
    assert!(
        result.contains("start it with a manual trigger"),
        "{result}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(runs(&server).await.len(), 1, "{}", server.log());

    // A changed definition runs once more.
    let result = provision(&server, &unscheduled("")).await;
    assert!(result.contains("one run started at provision"), "{result}");
    let second = runs_reaching(&server, 2).await;
    assert_eq!(second.len(), 2, "{second:?}\n{}", server.log());
}

#[tokio::test]
async fn by_default_a_job_without_schedule_waits_for_a_manual_trigger() {
    let place = Place::new(&Db::Sqlite);
    let empty = tempfile::tempdir().expect("empty folder");
    let options = ServerOptions::default()
        .scheduler()
        .env_remove("SPARK_HOME")
        .env("PATH", &empty.path().display().to_string())
        .env("CDP_SPARK_PROVISIONER__SCHEDULER__IDLE_WAIT_MS", "200");
    let server = start_in(&place, &options);
    let result = provision(&server, &unscheduled("")).await;
    assert!(
        result.contains("start it with a manual trigger"),
        "{result}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(runs(&server).await.is_empty(), "{}", server.log());
    // The job's own field turns it on.
    let result = provision(
        &server,
        &unscheduled("          runAtProvision: true\n")
            .replace("driverCores: 1", "driverCores: 3"),
    )
    .await;
    assert!(result.contains("one run started at provision"), "{result}");
    assert_eq!(runs_reaching(&server, 1).await.len(), 1, "{}", server.log());
}

/// A schedule in a zone id Quartz resolves but the tz database does not
/// name: stored under Java's id, its fire times at that offset.
#[tokio::test]
async fn a_schedule_in_a_java_custom_zone_is_stored_under_javas_id() {
    let place = Place::new(&Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let end = "            endDate: 2030-12-31T23:59:59Z\n";
    let descriptor =
        local_descriptor().replace(end, &format!("{end}            timeZone: \"GMT+0530\"\n"));
    provision(&server, &descriptor).await;
    let (code, job) = server
        .get(&format!(
            "/v1/scheduler/jobs/{}/{}",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 200, "{job}");
    let trigger = &job["triggers"][0];
    assert_eq!(trigger["schedule"]["timeZone"], "GMT+05:30", "{job}");
    // "0 30 2 ? * MON-FRI" at +05:30 fires at 21:00 UTC the day before.
    let next = trigger["nextFireTime"].as_str().unwrap_or_default();
    assert!(next.contains("T21:00:00"), "{job}");

    // An id Java does not know is refused, naming the field.
    let bad = local_descriptor().replace(end, &format!("{end}            timeZone: \"GMT+24\"\n"));
    let (code, body) = server.post("/v1/validate", &request(&bad)).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["valid"], false, "{body}");
    let text = body.to_string();
    assert!(
        text.contains("schedule.timeZone") && text.contains("silently run the schedule in GMT"),
        "{body}"
    );
}
