//! What callers make the job store keep stays bounded, through the real
//! binary: manual starts of a job leave their runs, not a trigger each (a
//! one-shot trigger is deleted once it fired, as Quartz does), and a
//! `/v2/validate` of a descriptor with huge ids stores a bounded result.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::{
    local_descriptor, poll_until_done, request, seg, start_in, Place, ServerOptions, FIXTURE_GROUP,
    FIXTURE_JOB,
};

fn job_path() -> String {
    format!("/v1/scheduler/jobs/{}/{FIXTURE_JOB}", seg(FIXTURE_GROUP))
}

/// Every run of the fixture's job, page by page.
async fn all_runs(server: &support::Server) -> Vec<Value> {
    let mut runs = Vec::new();
    let mut offset = 0u64;
    loop {
        let (code, page) = server
            .get(&format!(
                "/v1/scheduler/runs?job={}/{FIXTURE_JOB}&limit=100&offset={offset}",
                seg(FIXTURE_GROUP)
            ))
            .await;
        assert_eq!(code, 200, "{page}");
        runs.extend(page["runs"].as_array().cloned().unwrap_or_default());
        match page["nextOffset"].as_u64() {
            Some(next) => offset = next,
            None => return runs,
        }
    }
}

#[tokio::test]
async fn three_hundred_manual_starts_leave_runs_not_triggers() {
    let place = Place::new(&support::Db::Sqlite);
    // No Spark: every run fails at once, which is all this test needs.
    let empty = tempfile::tempdir().expect("empty folder");
    let options = ServerOptions::default()
        .scheduler()
        .env_remove("SPARK_HOME")
        .env("PATH", &empty.path().display().to_string())
        .env("CDP_SPARK_PROVISIONER__SCHEDULER__IDLE_WAIT_MS", "200");
    let server = start_in(&place, &options);
    let (code, body) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200, "{body}");

    let trigger = format!("{}/trigger", job_path());
    for _ in 0..15 {
        let answers =
            futures::future::join_all((0..20).map(|_| server.post(&trigger, &Value::Null))).await;
        for (code, manual) in answers {
            assert_eq!(code, 202, "{manual}");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    let runs = loop {
        let runs = all_runs(&server).await;
        let ended = runs
            .iter()
            .filter(|r| !["SUBMITTING", "RUNNING"].contains(&r["state"].as_str().unwrap_or("")))
            .count();
        if ended == 300 {
            break runs;
        }
        assert!(
            Instant::now() < deadline,
            "{} runs, {ended} ended after 60 s\n{}",
            runs.len(),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(runs.len(), 300, "the runs keep the history");

    let res = server
        .client
        .get(server.url(&job_path()))
        .send()
        .await
        .expect("job view");
    assert_eq!(res.status().as_u16(), 200);
    let text = res.text().await.expect("text");
    let job: Value = serde_json::from_str(&text).expect("JSON");
    let triggers = job["triggers"].as_array().expect("triggers");
    assert_eq!(
        triggers.len(),
        1,
        "only the schedule is left, no manual trigger: {}",
        triggers.len()
    );
    assert_eq!(triggers[0]["schedule"]["type"], "CRON");
    assert!(
        text.len() < 32 * 1024,
        "the job view is {} bytes (it was ~132 KB with 300 dead triggers)",
        text.len()
    );
}

#[tokio::test]
async fn a_validation_of_huge_ids_stores_a_bounded_result() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    // A 900 KB component id: its problem quotes it.
    let huge = format!("urn:dmb:cmp:{}", "x".repeat(900_000));
    let descriptor = local_descriptor();
    let line = descriptor
        .lines()
        .find(|l| l.starts_with("componentIdToProvision:"))
        .expect("the fixture names its component")
        .to_string();
    let descriptor = descriptor.replace(&line, &format!("componentIdToProvision: {huge}"));
    let (code, token) = server.post("/v2/validate", &request(&descriptor)).await;
    assert_eq!(code, 202, "{token}\n{}", server.log());
    let token = token.as_str().expect("a token").to_string();
    let status = poll_until_done(&server, &format!("/v2/validate/{token}/status")).await;
    assert_eq!(status["info"]["publicInfo"]["valid"], false, "{status}");
    assert!(
        status.to_string().len() <= 64 * 1024,
        "{} bytes",
        status.to_string().len()
    );

    // The row kept for async.retention_hours.
    use diesel::sql_types::BigInt;
    use diesel::{Connection, QueryableByName, RunQueryDsl};
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = BigInt, column_name = "N")]
        n: i64,
    }
    let file = place.dir.path().join("data").join("jobstore.sqlite3");
    let mut conn = diesel::SqliteConnection::establish(file.to_str().expect("utf-8"))
        .expect("open the store's file");
    let sizes: Vec<Size> = diesel::sql_query(
        "SELECT COALESCE(MAX(LENGTH(CAST(RESULT AS BLOB))), 0) AS N FROM QRTZ_CDP_OPERATIONS",
    )
    .load(&mut conn)
    .expect("sizes");
    let stored = sizes.first().map(|s| s.n).unwrap_or(-1);
    assert!(
        (0..=64 * 1024).contains(&stored),
        "a {stored}-byte result stored for a week"
    );
}
