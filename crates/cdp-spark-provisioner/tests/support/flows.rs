//! Scenarios run on each database (SQLite and MariaDB).
#![allow(dead_code)]

use std::time::Duration;

use serde_json::Value;

use super::*;

/// Validate, provision, provision again, query, trigger, unprovision twice.
pub async fn provisioning_lifecycle(db: Db) {
    let place = Place::new(&db);
    let options = ServerOptions {
        db,
        ..ServerOptions::default()
    }
    .env(
        "CDP_SPARK_PROVISIONER__SERVER__PUBLIC_BASE_URL",
        "https://spark-sp.example.com/",
    );
    let server = start_in(&place, &options);
    let descriptor = local_descriptor();

    // Validate: good.
    let (code, body) = server.post("/v1/validate", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    assert_eq!(body["valid"], true, "{body}");
    assert!(body.get("error").is_none(), "{body}");

    // Validate: bad (missing jar, wrong class, broken cron) → 200 valid=false, every problem.
    let bad = descriptor
        .replace(MAIN_CLASS, "com.acme.Missing")
        .replace("0 30 2 ? * MON-FRI", "0 30 25 ? * MON-FRI");
    let (code, body) = server.post("/v1/validate", &request(&bad)).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["valid"], false, "{body}");
    let errors = body["error"]["errors"].as_array().expect("errors");
    let joined = errors
        .iter()
        .map(|e| e.as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(joined.contains("cronExpression"), "{joined}");

    // Provision: bad → 400 RequestValidationError with the field path.
    let (code, body) = server.post("/v1/provision", &request(&bad)).await;
    assert_eq!(code, 400, "{body}");
    let field = body["inputErrorField"].as_str().expect("inputErrorField");
    assert!(field.contains("specific"), "{field}");
    assert!(
        !body["moreInfo"]["problems"]
            .as_array()
            .expect("problems")
            .is_empty(),
        "{body}"
    );
    assert!(
        !body["moreInfo"]["solutions"]
            .as_array()
            .expect("solutions")
            .is_empty(),
        "{body}"
    );
    assert!(
        body["userMessage"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let (code, _) = server
        .get(&format!(
            "/v1/scheduler/jobs/{}/{}",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 404, "a refused provision stores nothing");

    // Provision: good → 200 COMPLETED with publicInfo and privateInfo.
    let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
    assert_eq!(body["status"], "COMPLETED", "{body}");
    assert!(
        body["result"]
            .as_str()
            .is_some_and(|r| r.contains("created")),
        "{body}"
    );
    // Every publicInfo entry is one the marketplace renders:
    // {type: "string", label, value, href?}.
    let public = body["info"]["publicInfo"].as_object().expect("publicInfo");
    for (key, entry) in public {
        let fields = entry
            .as_object()
            .unwrap_or_else(|| panic!("{key}: {entry}"));
        assert_eq!(entry["type"], "string", "{key}: {entry}");
        assert!(
            entry["label"].is_string() && entry["value"].is_string(),
            "{key}: {entry}"
        );
        assert!(
            fields
                .keys()
                .all(|k| ["type", "label", "value", "href"].contains(&k.as_str())),
            "{key}: {entry}"
        );
        assert!(
            entry.get("href").is_none_or(|h| h.is_string()),
            "{key}: {entry}"
        );
    }
    // The steps of the operation, stamped and in order.
    let logs = body["logs"].as_array().expect("logs");
    let messages: Vec<&str> = logs
        .iter()
        .map(|l| l["message"].as_str().expect("message"))
        .collect();
    for (step, needle) in [
        (0, "descriptor checked"),
        (1, "schedule checked"),
        (2, "jar found"),
        (2, "bytes); main class"),
        (3, "dependencies checked"),
        (4, "created; trigger"),
        (5, "next fire time: "),
    ] {
        assert!(
            messages.get(step).is_some_and(|m| m.contains(needle)),
            "step {step} {needle}: {messages:?}"
        );
    }
    assert!(
        logs.iter().all(|l| l["level"] == "INFO"
            && l["timestamp"]
                .as_str()
                .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())),
        "{logs:?}"
    );
    assert_eq!(public["jobName"]["value"], FIXTURE_JOB);
    assert_eq!(public["queue"]["value"], "root.finance");
    let next = public["nextRuns"]["value"].as_str().expect("next runs");
    assert_eq!(next.split(", ").count(), 5, "five next fire times: {next}");
    // Links to the job status API, under the public base URL, that work.
    for key in ["jobStatus", "triggerStatus"] {
        let href = public[key]["href"]
            .as_str()
            .unwrap_or_else(|| panic!("{key} link: {public:?}"));
        let path = href
            .strip_prefix("https://spark-sp.example.com")
            .unwrap_or_else(|| panic!("{key}: {href} is not under the public base URL"));
        let (code, linked) = server.get(path).await;
        assert_eq!(code, 200, "{href}: {linked}");
    }
    // The console page (served by the web console, when there is one).
    assert_eq!(
        public["console"]["href"],
        format!(
            "https://spark-sp.example.com/ui/jobs/{}/{FIXTURE_JOB}",
            seg(FIXTURE_GROUP)
        )
    );
    let private = &body["info"]["privateInfo"];
    assert_eq!(private["jobGroup"], FIXTURE_GROUP);
    assert_eq!(private["jobName"], FIXTURE_JOB);
    let trigger_name = private["triggerName"]
        .as_str()
        .expect("trigger name")
        .to_string();

    // Provision again: replaced, still one scheduled trigger.
    let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}");
    assert!(
        body["result"]
            .as_str()
            .is_some_and(|r| r.contains("replaced")),
        "{body}"
    );

    // Job and trigger.
    let job_path = format!("/v1/scheduler/jobs/{}/{}", seg(FIXTURE_GROUP), FIXTURE_JOB);
    let (code, job) = server.get(&job_path).await;
    assert_eq!(code, 200, "{job}");
    assert_eq!(job["job"]["key"]["group"], FIXTURE_GROUP);
    assert_eq!(job["job"]["componentId"], FIXTURE_COMPONENT);
    assert_eq!(job["job"]["spec"]["className"], MAIN_CLASS);
    assert_eq!(job["job"]["spec"]["queue"], "root.finance");
    assert_eq!(job["triggers"].as_array().map(Vec::len), Some(1), "{job}");
    assert_eq!(job["triggers"][0]["schedule"]["type"], "CRON");
    assert!(job["triggers"][0]["nextFireTime"].is_string(), "{job}");
    let trigger_path = format!(
        "/v1/scheduler/triggers/{}/{}",
        seg(FIXTURE_GROUP),
        trigger_name
    );
    let (code, trigger) = server.get(&trigger_path).await;
    assert_eq!(code, 200, "{trigger}");
    assert_eq!(trigger["schedule"]["cronExpression"], "0 30 2 ? * MON-FRI");
    assert_eq!(trigger["state"], "WAITING");

    // Manual trigger: 202, stored and visible, and honest about the
    // scheduler (disabled in this instance by the harness).
    let (code, manual) = server
        .post(&format!("{job_path}/trigger"), &Value::Null)
        .await;
    assert_eq!(code, 202, "{manual}");
    assert!(
        manual["message"]
            .as_str()
            .is_some_and(|m| m.contains("does not run the scheduler")
                && m.contains("/v1/scheduler/runs?job=")),
        "{manual}"
    );
    assert!(manual["runId"].is_null(), "{manual}");
    let manual_name = manual["triggerKey"]["name"].as_str().expect("trigger name");
    let (code, once) = server
        .get(&format!(
            "/v1/scheduler/triggers/{}/{}",
            seg(FIXTURE_GROUP),
            manual_name
        ))
        .await;
    assert_eq!(code, 200, "{once}");
    assert_eq!(once["schedule"]["type"], "ONCE");
    let (_, job) = server.get(&job_path).await;
    assert_eq!(job["triggers"].as_array().map(Vec::len), Some(2), "{job}");
    assert!(job["status"].is_null(), "no run yet, no status: {job}");

    // Unknown job: 404 with a clear body.
    let (code, body) = server
        .post(
            &format!("/v1/scheduler/jobs/{}/nope/trigger", seg(FIXTURE_GROUP)),
            &Value::Null,
        )
        .await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(body["error"], "NOT_FOUND");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("nope")),
        "{body}"
    );

    // Runs: nothing fires yet, so none; filters and paging are checked.
    let (code, page) = server.get("/v1/scheduler/runs?state=RUNNING").await;
    assert_eq!(code, 200, "{page}");
    assert_eq!(page["runs"], Value::Array(vec![]));
    assert_eq!(page["limit"], 50);
    assert!(page["nextOffset"].is_null());
    let (code, page) = server
        .get(&format!(
            "/v1/scheduler/runs?job={}/{}&limit=5&offset=0",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 200, "{page}");
    let (code, body) = server.get("/v1/scheduler/runs?state=DONE").await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("SUCCEEDED")),
        "{body}"
    );
    let (code, body) = server.get("/v1/scheduler/runs/no-such-run").await;
    assert_eq!(code, 404, "{body}");

    // Unprovision twice: both succeed; the job is gone.
    let (code, body) = server.post("/v1/unprovision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["status"], "COMPLETED");
    assert!(
        body["result"]
            .as_str()
            .is_some_and(|r| r.contains("removed")),
        "{body}"
    );
    let (code, body) = server.post("/v1/unprovision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}");
    assert!(
        body["result"]
            .as_str()
            .is_some_and(|r| r.contains("Nothing to remove")),
        "{body}"
    );
    let (code, _) = server.get(&job_path).await;
    assert_eq!(code, 404);
    let (code, _) = server.get(&trigger_path).await;
    assert_eq!(code, 404);

    // Ready: the store answers.
    let (code, body) = server.get("/ready").await;
    assert_eq!(code, 200, "{body}");
}

/// Asynchronous provision and unprovision, async validation, and tokens
/// that survive a restart.
pub async fn async_tokens_survive_restart(db: Db) {
    let place = Place::new(&db);
    let options = ServerOptions {
        db,
        ..ServerOptions::default()
    }
    .env("CDP_SPARK_PROVISIONER__ASYNC__PROVISION", "true")
    .env("CDP_SPARK_PROVISIONER__ASYNC__UNPROVISION", "true");
    let mut server = start_in(&place, &options);
    let descriptor = local_descriptor();

    let (code, token) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 202, "{token}\n{}", server.log());
    let token = token
        .as_str()
        .expect("the 202 body is the token, a JSON string")
        .to_string();
    let status_path = format!("/v1/provision/{token}/status");
    let done = poll_until_done(&server, &status_path).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["info"]["privateInfo"]["jobName"], FIXTURE_JOB);
    // The stored answer keeps the steps.
    let steps: Vec<&str> = done["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .filter_map(|l| l["message"].as_str())
        .collect();
    assert!(
        steps
            .first()
            .is_some_and(|m| m.contains("descriptor checked"))
            && steps.iter().any(|m| m.contains("jar found"))
            && steps.iter().any(|m| m.starts_with("next fire time: ")),
        "{steps:?}"
    );

    // A descriptor that breaks its rules is refused at once, even in async mode.
    let (code, body) = server
        .post("/v1/provision", &request("dataProduct: [unclosed"))
        .await;
    assert_eq!(code, 400, "{body}");

    // A jar that is missing is found in the background: FAILED with the problems in logs.
    let missing = descriptor.replace(".jar\n", ".missing.jar\n");
    let (code, t2) = server.post("/v1/provision", &request(&missing)).await;
    assert_eq!(code, 202, "{t2}");
    let failed = poll_until_done(
        &server,
        &format!("/v1/provision/{}/status", t2.as_str().expect("token")),
    )
    .await;
    assert_eq!(failed["status"], "FAILED", "{failed}");
    assert!(
        failed["logs"].as_array().is_some_and(|l| !l.is_empty()),
        "{failed}"
    );

    // Async validation.
    let (code, vt) = server.post("/v2/validate", &request(&descriptor)).await;
    assert_eq!(code, 202, "{vt}");
    let vstatus_path = format!("/v2/validate/{}/status", vt.as_str().expect("token"));
    let vdone = poll_until_done(&server, &vstatus_path).await;
    assert_eq!(vdone["status"], "COMPLETED", "{vdone}");
    assert_eq!(vdone["info"]["publicInfo"]["valid"], true, "{vdone}");

    // Unknown tokens, and tokens of the other kind, are a 400 that says so.
    let (code, body) = server.get("/v1/provision/not-a-token/status").await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["userMessage"]
            .as_str()
            .is_some_and(|m| m.contains("not-a-token")),
        "{body}"
    );
    let (code, _) = server.get(&format!("/v2/validate/{token}/status")).await;
    assert_eq!(code, 400, "a provision token is not a validation token");

    // Unprovision asynchronously.
    let (code, ut) = server.post("/v1/unprovision", &request(&descriptor)).await;
    assert_eq!(code, 202, "{ut}");
    let udone = poll_until_done(
        &server,
        &format!("/v1/provision/{}/status", ut.as_str().expect("token")),
    )
    .await;
    assert_eq!(udone["status"], "COMPLETED", "{udone}");
    assert!(
        udone["logs"][1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("removed")),
        "{udone}"
    );

    // Restart on the same store: the tokens still answer.
    let status = server
        .terminate(Duration::from_secs(20))
        .expect("stops on SIGTERM");
    assert!(status.success(), "exit {status:?}");
    let server = start_in(&place, &options);
    let again = server.get(&status_path).await;
    assert_eq!(again.0, 200, "{}", again.1);
    assert_eq!(again.1, done, "the same final status after a restart");
    let vagain = server.get(&vstatus_path).await;
    assert_eq!(vagain.1, vdone);
}
