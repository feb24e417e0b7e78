//! What the server answers to requests it cannot serve: malformed and
//! oversized bodies, missing or wrong bearer tokens, unsupported
//! operations, unknown routes. Always JSON with a message naming the problem.

mod support;

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
