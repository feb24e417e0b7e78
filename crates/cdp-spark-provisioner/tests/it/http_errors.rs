//! What the server answers to requests it cannot serve: malformed and
//! oversized bodies, missing or wrong bearer tokens, unsupported
//! operations, unknown routes. Always JSON with a message naming the problem.

use crate::support;

use serde_json::{json, Value};
use support::{
    assert_mentions, local_descriptor, request, seg, start_in, Place, ServerOptions, FIXTURE_GROUP,
    FIXTURE_JOB,
};

/// The problem a refused body was answered with: a 400
/// `RequestValidationError` with a solution, or, on `/v1/validate` (which
/// the contract gives no 400), a 200 `ValidationResult` with `valid: false`.
fn refused(path: &str, code: u16, body: &Value) -> String {
    if path == "/v1/validate" {
        assert_eq!(code, 200, "{path}: {body}");
        assert_eq!(body["valid"], false, "{path}: {body}");
        return body["error"]["errors"][0]
            .as_str()
            .expect("errors[0]")
            .to_string();
    }
    assert_eq!(code, 400, "{path}: {body}");
    assert!(
        body["errors"].as_array().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
    let solution = body["moreInfo"]["solutions"][0]
        .as_str()
        .expect("a solution");
    assert!(!solution.is_empty(), "{body}");
    body["userMessage"]
        .as_str()
        .expect("userMessage")
        .to_string()
}

/// Send `req`: the status and the body.
async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    support::answer(req.send().await.expect("send")).await
}

const BODY_ROUTES: [&str; 4] = [
    "/v1/validate",
    "/v1/provision",
    "/v1/unprovision",
    "/v2/validate",
];

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused_naming_the_problem() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default().env("CDP_SPARK_PROVISIONER__SERVER__BODY_LIMIT_BYTES", "4096"),
    );
    let client = &server.client;

    for path in BODY_ROUTES {
        // Not JSON.
        let (code, body) = send(
            client
                .post(server.url(path))
                .header("content-type", "application/json")
                .body("{\"descriptorKind\": "),
        )
        .await;
        let msg = refused(path, code, &body);
        assert!(
            msg.contains("not valid JSON") && msg.contains("line 1"),
            "{path}: {msg}"
        );

        // JSON, but not a ProvisioningRequest.
        let (code, body) = server.post(path, &json!({"descriptor": "x"})).await;
        let msg = refused(path, code, &body);
        assert!(msg.contains("descriptorKind"), "{path}: {msg}");
        let (code, body) = server
            .post(
                path,
                &json!({"descriptorKind": "SOMETHING", "descriptor": "x", "removeData": false}),
            )
            .await;
        let msg = refused(path, code, &body);
        assert!(msg.contains("SOMETHING"), "{path}: {msg}");

        // Wrong or missing content type (a JSON body sent untyped).
        let untyped = || {
            client
                .post(server.url(path))
                .body(request("a: b").to_string())
        };
        let (code, body) = send(untyped().header("content-type", "text/plain")).await;
        let msg = refused(path, code, &body);
        assert!(msg.contains("text/plain"), "{path}: {msg}");
        let (code, body) = send(untyped()).await;
        let msg = refused(path, code, &body);
        assert!(msg.contains("Content-Type is missing"), "{path}: {msg}");

        // Over the configured limit (4096 bytes), with a Content-Length...
        let (code, body) = server.post(path, &request(&"x".repeat(10_000))).await;
        let msg = refused(path, code, &body);
        assert!(msg.contains("4096 bytes"), "{path}: {msg}");
        // ... and without one (chunked).
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            (0..10).map(|_| Ok(vec![b' '; 1000])).collect();
        let (code, body) = send(
            client
                .post(server.url(path))
                .header("content-type", "application/json")
                .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks))),
        )
        .await;
        let msg = refused(path, code, &body);
        assert!(msg.contains("larger than the 4096 bytes"), "{path}: {msg}");
    }
    let (code, body) = server
        .post("/v1/provision", &request(&"x".repeat(10_000)))
        .await;
    assert_eq!(code, 400);
    assert_mentions(&body, "/moreInfo/solutions/0", "server.body_limit_bytes");

    // The server is still fine.
    let (code, _) = server.get("/health").await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn unsupported_operations_and_unknown_routes_answer_clearly() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());

    let (code, body) = server
        .post(
            "/v1/updateacl",
            &json!({"refs": ["user:alice"], "provisionInfo": {"request": "{}", "result": "ok"}}),
        )
        .await;
    assert_eq!(code, 500, "{body}");
    assert!(body["error"].is_string(), "{body}");
    assert_mentions(&body, "/userMessage", "no access control list");

    let (code, body) = server
        .post(
            "/v1/reverse-provisioning",
            &json!({"useCaseTemplateId": "urn:dmb:utm:x:0.0.0", "environment": "development"}),
        )
        .await;
    assert_eq!(code, 500, "{body}");
    assert_mentions(
        &body,
        "/userMessage",
        "does not support reverse provisioning",
    );

    let (code, body) = server.get("/v1/reverse-provisioning/abc/status").await;
    assert_eq!(code, 400, "{body}");
    assert_mentions(&body, "/userMessage", "abc");

    let (code, body) = server.get("/v1/nothing-here").await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(body["error"], "NOT_FOUND");
    assert_mentions(&body, "/message", "/openapi.json");

    let (code, _) = send(server.client.get(server.url("/v1/provision"))).await;
    assert_eq!(code, 405, "GET on a POST route");
}

#[tokio::test]
async fn bearer_tokens_protect_each_route_group_on_its_own() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default()
            .env(
                "CDP_SPARK_PROVISIONER__AUTH__COORDINATOR_TOKEN",
                "coord-secret",
            )
            .env("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", "status-secret")
            .env(
                "CDP_SPARK_PROVISIONER__AUTH__TRIGGER_TOKEN",
                "trigger-secret",
            ),
    );
    let c = &server.client;
    let descriptor = local_descriptor();
    let job_path = format!("/v1/scheduler/jobs/{}/{}", seg(FIXTURE_GROUP), FIXTURE_JOB);

    // Coordinator routes.
    let res = c
        .post(server.url("/v1/provision"))
        .json(&request(&descriptor))
        .send()
        .await
        .expect("send");
    let www = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap_or_default().to_string());
    let (code, body) = support::answer(res).await;
    assert_eq!(code, 401, "{body}");
    assert_eq!(body["error"], "UNAUTHORIZED");
    assert_mentions(&body, "/message", "auth.coordinator_token");
    assert!(www.is_some_and(|w| w.starts_with("Bearer")));
    for token in [
        "status-secret",
        "trigger-secret",
        "coord-secre",
        "coord-secretX",
    ] {
        let validate = c.post(server.url("/v1/validate")).bearer_auth(token);
        let (code, _) = send(validate.json(&request(&descriptor))).await;
        assert_eq!(code, 401, "token {token}");
    }
    let provision = c
        .post(server.url("/v1/provision"))
        .bearer_auth("coord-secret");
    let (code, body) = send(provision.json(&request(&descriptor))).await;
    assert_eq!(code, 200, "{body}");
    // An unauthenticated caller gets 401 before its body is even read.
    let (code, _) = send(c.post(server.url("/v1/validate")).body("not json")).await;
    assert_eq!(code, 401);

    // Status reads.
    let job = || c.get(server.url(&job_path));
    assert_eq!(send(job()).await.0, 401);
    assert_eq!(
        send(job().bearer_auth("coord-secret")).await.0,
        401,
        "the coordinator's token does not read the job status API"
    );
    assert_eq!(send(job().bearer_auth("status-secret")).await.0, 200);
    let runs = c.get(server.url("/v1/scheduler/runs"));
    let (code, _) = send(runs.header("authorization", "bearer status-secret")).await;
    assert_eq!(code, 200, "the scheme is case-insensitive");

    // The manual trigger, a write, has its own token.
    let trigger = server.url(&format!("{job_path}/trigger"));
    for token in [None, Some("status-secret"), Some("coord-secret")] {
        let mut req = c.post(&trigger);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        assert_eq!(send(req).await.0, 401, "token {token:?}");
    }
    let (code, _) = send(c.post(&trigger).bearer_auth("trigger-secret")).await;
    assert_eq!(code, 202);

    // Service routes stay open.
    for path in ["/health", "/ready", "/metrics", "/openapi.json"] {
        let (code, _) = send(c.get(server.url(path))).await;
        assert_eq!(code, 200, "{path}");
    }
}

/// `path` on the fixture's job (`/v1/scheduler/jobs/GROUP/NAME...`).
fn fixture_job(suffix: &str) -> String {
    format!(
        "/v1/scheduler/jobs/{}/{}{suffix}",
        seg(FIXTURE_GROUP),
        FIXTURE_JOB
    )
}

#[tokio::test]
async fn a_read_token_alone_closes_the_write_routes() {
    // The read token set, the write token not: reads need the read token,
    // writes are closed to everyone (403), whatever token they carry.
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default().env("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", "status-secret"),
    );
    let c = &server.client;
    let (code, body) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200, "{body}");
    let read = || c.get(server.url(&fixture_job("")));
    assert_eq!(send(read()).await.0, 401);
    assert_eq!(send(read().bearer_auth("status-secret")).await.0, 200);
    for action in ["trigger", "pause", "resume"] {
        for token in [Some("status-secret"), None, Some("anything")] {
            let mut req = c.post(server.url(&fixture_job(&format!("/{action}"))));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let (code, body) = send(req).await;
            assert_eq!(code, 403, "{action} with {token:?}: {body}");
            assert_eq!(body["error"], "FORBIDDEN", "{body}");
            assert_mentions(&body, "/message", "auth.trigger_token");
        }
    }

    // The write token alone: reads are open, writes need it.
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default().env("CDP_SPARK_PROVISIONER__AUTH__TRIGGER_TOKEN", "write-secret"),
    );
    let c = &server.client;
    let (code, _) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200);
    assert_eq!(send(c.get(server.url(&fixture_job("")))).await.0, 200);
    let pause = || c.post(server.url(&fixture_job("/pause")));
    let (code, body) = send(pause()).await;
    assert_eq!(code, 401, "{body}");
    assert_mentions(&body, "/message", "auth.trigger_token");
    assert_eq!(send(pause().bearer_auth("write-secret")).await.0, 200);

    // Neither: the development default, open.
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let (code, _) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200);
    let (code, body) = server.post_empty(&fixture_job("/pause"), None).await;
    assert_eq!(code, 200, "{body}");
}

/// GET or POST `path`: the status, the `x-request-id` and the body.
async fn with_request_id(
    server: &support::Server,
    req: reqwest::RequestBuilder,
) -> (u16, String, Value) {
    let res = req.send().await.expect("send");
    let id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let (code, body) = support::answer(res).await;
    assert!(!id.is_empty(), "no x-request-id\n{}", server.log());
    (code, id, body)
}

/// The log line of request `id` at level ERROR that holds `detail`.
fn logged_error(server: &support::Server, id: &str, detail: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let log = server.log();
        if log
            .lines()
            .any(|l| l.contains("ERROR") && l.contains(id) && l.contains(detail))
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no ERROR line with request id {id} and '{detail}' in the log:\n{log}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A 500 body: short, with the request id, without `secrets`.
fn short_system_error(body: &Value, id: &str, secrets: &[&str]) {
    let text = body.to_string();
    assert!(body["error"].is_string(), "{body}");
    assert!(body["userMessage"].is_string(), "{body}");
    assert!(text.contains(id), "the request id {id} is not in {body}");
    for s in secrets {
        assert!(!text.contains(s), "the answer shows '{s}': {body}");
    }
}

#[tokio::test]
async fn system_errors_give_the_caller_a_reason_and_the_log_the_detail() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let (code, _) = server.get("/v1/scheduler/runs").await;
    assert_eq!(code, 200);
    // The store breaks under the running server.
    let file = place.dir.path().join("data").join("jobstore.sqlite3");
    let mut conn = diesel::SqliteConnection::establish(&file.display().to_string())
        .expect("open the SQLite store");
    conn.batch_execute("DROP TABLE QRTZ_CDP_RUNS; DROP TABLE QRTZ_CDP_OPERATIONS;")
        .expect("drop tables");

    let c = &server.client;
    let (code, id, body) = with_request_id(&server, c.get(server.url("/v1/scheduler/runs"))).await;
    assert_eq!(code, 500, "{body}");
    short_system_error(&body, &id, &["no such table", "QRTZ_CDP_RUNS", "sqlite"]);
    logged_error(&server, &id, "QRTZ_CDP_RUNS");

    // A Witboost route: the contract's SystemError, just as short.
    let (code, id, body) = with_request_id(
        &server,
        c.get(server.url("/v1/provision/00000000-0000-0000-0000-000000000000/status")),
    )
    .await;
    assert_eq!(code, 500, "{body}");
    short_system_error(&body, &id, &["no such table", "QRTZ_CDP_OPERATIONS"]);
    logged_error(&server, &id, "QRTZ_CDP_OPERATIONS");
}

/// HDFS on, its default filesystem a NameNode address nothing listens on
/// (port 9), calls bounded to 2 s.
fn hdfs_where_nothing_listens() -> ServerOptions {
    ServerOptions::default()
        .env("CDP_SPARK_PROVISIONER__HDFS__ENABLED", "true")
        .env(
            "CDP_SPARK_PROVISIONER__HDFS__DEFAULT_FS",
            "hdfs://127.0.0.1:9",
        )
        .env("CDP_SPARK_PROVISIONER__HDFS__TIMEOUT_MS", "2000")
}

#[tokio::test]
async fn an_unreachable_namenode_is_not_shown_to_the_caller() {
    // HDFS at an address nothing listens on: the NameNode's address is the
    // operator's business, in the log; the caller learns HDFS is unreachable.
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &hdfs_where_nothing_listens());
    let descriptor =
        support::fixture_descriptor().replace("hdfs://nameservice1/", "hdfs://127.0.0.1:9/");
    let c = &server.client;
    let (code, id, body) = with_request_id(
        &server,
        c.post(server.url("/v1/validate"))
            .json(&request(&descriptor)),
    )
    .await;
    assert_eq!(code, 500, "{body}");
    short_system_error(&body, &id, &["127.0.0.1:9"]);
    assert_mentions(&body, "/userMessage", "unreachable");
    logged_error(&server, &id, "127.0.0.1:9");

    // Asynchronously: the token's result is as short.
    let (code, token) = server.post("/v2/validate", &request(&descriptor)).await;
    assert_eq!(code, 202, "{token}");
    let token = token.as_str().expect("a token").to_string();
    let status = support::poll_until_done(&server, &format!("/v2/validate/{token}/status")).await;
    assert_eq!(status["status"], "FAILED", "{status}");
    let text = status.to_string();
    assert!(!text.contains("127.0.0.1:9"), "{status}");
    assert!(text.contains(&token), "the token as reference: {status}");
    logged_error(&server, &token, "127.0.0.1:9");
}

/// A descriptor cannot make the provisioner connect where it likes: a jar
/// or dependency on a NameNode address the configuration does not name is
/// a problem of its field, answered before any connection and the same
/// whether something listens there (the provisioner's own port) or not.
#[tokio::test]
async fn a_namenode_address_the_configuration_does_not_name_is_a_field_problem() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &hdfs_where_nothing_listens());
    let own = server
        .url("/")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut answers = Vec::new();
    for (authority, field) in [
        (own.as_str(), "specific.jar"),
        ("127.0.0.1:1", "specific.jar"),
        ("metadata.internal.example", "jobConfig.dependencies[0]"),
    ] {
        let descriptor = if field == "specific.jar" {
            support::fixture_descriptor().replacen(
                "hdfs://nameservice1/",
                &format!("hdfs://{authority}/"),
                1,
            )
        } else {
            support::fixture_descriptor().replace(
                "hdfs://nameservice1/apps/shared/",
                &format!("hdfs://{authority}/x/"),
            )
        };
        let (code, body) = server.post("/v1/validate", &request(&descriptor)).await;
        assert_eq!(code, 200, "{authority}: {body}");
        assert_eq!(body["valid"], false, "{authority}: {body}");
        let text = body["error"]["errors"].to_string();
        assert!(
            text.contains(&format!("{field}: the "))
                && text.contains("not on a filesystem this provisioner reads"),
            "{authority}: {text}"
        );
        answers.push(text.replace(authority, "ADDRESS"));
    }
    assert_eq!(answers[0], answers[1], "the same answer, listening or not");
    assert!(
        !server.log().contains("HDFS client created"),
        "no client was built:\n{}",
        server.log()
    );
}
