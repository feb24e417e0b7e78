//! A hostile caller at the HTTP edge: invented methods, over-long keys,
//! URLs and headers, JSON of the wrong shape, odd path segments and query
//! strings. Whatever it sends, the answer is a 4xx with a short JSON body
//! that names the problem (never a 500, never an empty body), and nothing it
//! sends makes the server's memory (the metrics) grow.

use crate::support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{json, Value};
use support::{
    assert_mentions, local_descriptor, request, seg, start_in, Place, Server, ServerOptions,
    FIXTURE_GROUP, FIXTURE_JOB,
};

/// The store's key limit (`cdp_spark_domain::model::MAX_KEY_LEN`).
const MAX_KEY_LEN: usize = 190;

/// The method label values `/metrics` may hold.
const METHOD_LABELS: [&str; 10] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "other",
];

/// A raw HTTP/1.1 exchange: the status, the head (lower-cased) and the body.
struct Raw {
    status: u16,
    head: String,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.head
            .lines()
            .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_string()))
    }

    /// The body as JSON; fails the test when it is not.
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "the answer {} is not JSON ({e}):\n{}\n{}",
                self.status, self.head, self.body
            )
        })
    }
}

/// Send `bytes` on a new connection and read the answer until the server
/// closes the connection or the announced body is complete.
fn raw(server: &Server, bytes: &[u8]) -> Raw {
    let addr = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    // The server may answer (and close) before it read everything.
    let _ = stream.write_all(bytes);
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
        if let Some(end) = find(&got, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_some_and(|n| got.len() >= end + 4 + n) {
                break;
            }
        }
    }
    let end = find(&got, b"\r\n\r\n").unwrap_or_else(|| {
        panic!(
            "no complete answer: {:?}",
            String::from_utf8_lossy(&got[..got.len().min(500)])
        )
    });
    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {head}"));
    Raw {
        status,
        head,
        body: String::from_utf8_lossy(&got[end + 4..]).to_string(),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A short JSON `{error, message}` body; its message.
fn problem(answer: &Raw, status: u16, code: &str) -> String {
    assert_eq!(answer.status, status, "{}\n{}", answer.head, answer.body);
    assert!(
        answer
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{}",
        answer.head
    );
    let body = answer.json();
    assert_eq!(body["error"], code, "{body}");
    body["message"].as_str().expect("a message").to_string()
}

async fn metrics(server: &Server) -> String {
    let res = server
        .client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(res.status().as_u16(), 200);
    res.text().await.expect("metrics text")
}

/// Every value of the label `name` in the metrics text.
fn label_values<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let key = format!("{name}=\"");
    text.match_indices(&key)
        .filter_map(|(i, _)| {
            let rest = &text[i + key.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

#[tokio::test]
async fn invented_methods_do_not_grow_the_metrics_or_the_answers() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());

    // Reading /metrics adds its own series once.
    metrics(&server).await;
    let mut sizes = Vec::new();
    for round in 0..2 {
        for i in 0..150 {
            let method = format!("M{round}x{i:04}{}", "X".repeat(4000));
            // A known route: 405, without the method echoed.
            let answer = raw(
                &server,
                format!("{method} /v1/provision HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
            let message = problem(&answer, 405, "METHOD_NOT_ALLOWED");
            assert!(answer.body.len() < 400, "{}", answer.body);
            assert!(!message.contains("XXXX"), "{message}");
            assert_eq!(answer.header("allow").as_deref(), Some("post"));
            // No route: 404, short as well.
            let answer = raw(
                &server,
                format!("{method} /no/such/{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
            let message = problem(&answer, 404, "NOT_FOUND");
            assert!(answer.body.len() < 400, "{}", answer.body);
            assert!(!message.contains("XXXX"), "{message}");
        }
        let text = metrics(&server).await;
        for value in label_values(&text, "method") {
            assert!(
                METHOD_LABELS.contains(&value),
                "method label {:?} is not one of {METHOD_LABELS:?}",
                &value[..value.len().min(40)]
            );
        }
        for value in label_values(&text, "route") {
            assert!(
                value == "unmatched" || value.starts_with('/'),
                "route label {value:?}"
            );
            assert!(!value.starts_with("/no/such"), "a raw path as a label");
        }
        sizes.push(text.len());
    }
    assert!(sizes[0] < 64 * 1024, "/metrics is {} bytes", sizes[0]);
    // The second 300 requests added counts, not series.
    assert!(
        sizes[1] < sizes[0] + 1024,
        "/metrics grew from {} to {} bytes",
        sizes[0],
        sizes[1]
    );
}

#[tokio::test]
async fn oversized_and_malformed_requests_get_a_json_answer() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default().env(
            "CDP_SPARK_PROVISIONER__SERVER__CLIENT_REQUEST_TIMEOUT_MS",
            "700",
        ),
    );

    // A 100,000-character URL: more than actix reads as a request target.
    let target = format!("/{}", "a".repeat(100_000));
    let answer = raw(
        &server,
        format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    );
    let message = problem(&answer, 414, "URI_TOO_LONG");
    assert!(message.contains("request target"), "{message}");
    assert!(answer.header("x-request-id").is_some(), "{}", answer.head);

    // A URL long enough to fill the whole head buffer.
    let target = format!("/{}", "a".repeat(200_000));
    let answer = raw(
        &server,
        format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    );
    problem(&answer, 414, "URI_TOO_LONG");

    // Headers over 128 KiB, and more than 96 of them.
    let answer = raw(
        &server,
        format!(
            "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "b".repeat(140_000)
        )
        .as_bytes(),
    );
    let message = problem(&answer, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE");
    assert!(message.contains("128 KiB"), "{message}");
    let many: String = (0..100).map(|i| format!("X-H{i}: v\r\n")).collect();
    let answer = raw(
        &server,
        format!("GET /health HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes(),
    );
    let message = problem(&answer, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE");
    assert!(message.contains("96 headers"), "{message}");

    // Not HTTP: no Host, a broken request line, a header without a colon.
    for bytes in [
        &b"GET /health HTTP/1.1\r\n\r\n"[..],
        &b"GET /he alth HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        &b"\x00\x01\x02 / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        &b"GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"[..],
        &b"POST /v1/provision HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
    ] {
        let answer = raw(&server, bytes);
        let message = problem(&answer, 400, "BAD_REQUEST");
        assert!(message.contains("HTTP/1.1"), "{message}");
    }

    // A head that does not arrive in time (server.client_request_timeout_ms).
    let answer = raw(&server, b"GET /hea");
    let message = problem(&answer, 408, "REQUEST_TIMEOUT");
    assert!(
        message.contains("server.client_request_timeout_ms"),
        "{message}"
    );

    // An asset the API page does not have.
    let (code, body) = server.get("/docs/no-such-asset.js").await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(body["error"], "NOT_FOUND", "{body}");
    assert_mentions(&body, "/message", "/docs/");

    // The server is still fine, and a keep-alive connection still works
    // after a 404 of the API page.
    let (code, _) = server.get("/health").await;
    assert_eq!(code, 200);
}

/// A job status route with `group`/`name` in the path: the 400's message.
async fn refused_key(server: &Server, method: &str, path: &str) -> String {
    let req = match method {
        "GET" => server.client.get(server.url(path)),
        _ => server.client.post(server.url(path)),
    };
    let (code, body) = support::answer(req.send().await.expect("send")).await;
    assert_eq!(code, 400, "{method} {path}: {body}");
    assert_eq!(body["error"], "BAD_REQUEST", "{body}");
    let message = body["message"].as_str().expect("message").to_string();
    assert!(message.len() < 600, "{message}");
    message
}

#[tokio::test]
async fn keys_longer_than_the_store_holds_are_a_400_naming_the_parameter() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let long = "g".repeat(300);
    // Characters, not bytes: 190 two-byte characters fit.
    let wide = "é".repeat(MAX_KEY_LEN);
    for (method, suffix) in [
        ("GET", ""),
        ("POST", "/trigger"),
        ("POST", "/pause"),
        ("POST", "/resume"),
    ] {
        let path = format!("/v1/scheduler/jobs/{long}/n{suffix}");
        let message = refused_key(&server, method, &path).await;
        assert!(
            message.contains("group") && message.contains("190"),
            "{message}"
        );
        let path = format!("/v1/scheduler/jobs/g/{long}{suffix}");
        let message = refused_key(&server, method, &path).await;
        assert!(
            message.contains("name") && message.contains("190"),
            "{message}"
        );
        // At the limit: not a 400 (404 or 200: no such job).
        let path = format!("/v1/scheduler/jobs/{}/{}{suffix}", seg(&wide), seg(&wide));
        let req = match method {
            "GET" => server.client.get(server.url(&path)),
            _ => server.client.post(server.url(&path)),
        };
        let (code, body) = support::answer(req.send().await.expect("send")).await;
        assert_eq!(code, 404, "{method} {path}: {body}");
    }
    let message = refused_key(&server, "GET", &format!("/v1/scheduler/triggers/{long}/t")).await;
    assert!(message.contains("group"), "{message}");
    let message = refused_key(&server, "GET", &format!("/v1/scheduler/triggers/g/{long}")).await;
    assert!(message.contains("name"), "{message}");
    let message = refused_key(&server, "GET", &format!("/v1/scheduler/runs?job={long}/n")).await;
    assert!(
        message.contains("job") && message.contains("190"),
        "{message}"
    );
    let message = refused_key(&server, "GET", &format!("/v1/scheduler/runs?job=g/{long}")).await;
    assert!(
        message.contains("job") && message.contains("190"),
        "{message}"
    );
    let message = refused_key(&server, "GET", &format!("/v1/scheduler/runs/{long}")).await;
    assert!(message.contains("runId"), "{message}");

    // Numbers a caller can overflow.
    let message = refused_key(
        &server,
        "GET",
        "/v1/scheduler/runs?offset=18446744073709551615",
    )
    .await;
    assert!(message.contains("offset"), "{message}");
    let message = refused_key(&server, "GET", "/v1/scheduler/runs?limit=abc").await;
    assert!(message.contains("limit"), "{message}");
    let message = refused_key(&server, "GET", "/v1/scheduler/runs?offset=-1").await;
    assert!(message.contains("offset"), "{message}");
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_told_apart_from_invalid_json() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let descriptor = local_descriptor();

    for (body, field) in [
        (
            json!({"descriptorKind": null, "descriptor": descriptor, "removeData": false}),
            "descriptorKind",
        ),
        (
            json!({"descriptorKind": "COMPONENT_DESCRIPTOR", "descriptor": 5, "removeData": false}),
            "descriptor",
        ),
        (
            json!({"descriptorKind": "COMPONENT_DESCRIPTOR", "descriptor": descriptor, "removeData": "yes"}),
            "removeData",
        ),
        (json!({"descriptor": descriptor}), "descriptorKind"),
    ] {
        let (code, answer) = server.post("/v1/provision", &body).await;
        assert_eq!(code, 400, "{answer}");
        assert_eq!(answer["inputErrorField"], field, "{answer}");
        let message = answer["userMessage"].as_str().expect("userMessage");
        assert!(!message.contains("not valid JSON"), "{message}");
        assert!(message.contains(field), "{message}");

        let (code, answer) = server.post("/v1/validate", &body).await;
        assert_eq!(code, 200, "{answer}");
        assert_eq!(answer["valid"], false, "{answer}");
        let message = answer["error"]["errors"][0].as_str().expect("errors[0]");
        assert!(!message.contains("not valid JSON"), "{message}");
        assert!(message.contains(field), "{message}");
    }
    let (code, answer) = server
        .post(
            "/v1/updateacl",
            &json!({"refs": ["user:a", 7], "provisionInfo": {"request": "r", "result": "s"}}),
        )
        .await;
    assert_eq!(code, 400, "{answer}");
    assert_eq!(answer["inputErrorField"], "refs[1]", "{answer}");

    // Invalid JSON still says so.
    let res = server
        .client
        .post(server.url("/v1/provision"))
        .header("content-type", "application/json")
        .body("{\"descriptorKind\": nul")
        .send()
        .await
        .expect("send");
    let (code, answer) = support::answer(res).await;
    assert_eq!(code, 400, "{answer}");
    assert_mentions(&answer, "/userMessage", "not valid JSON");
}

/// One request of the sweep: the status and the body text.
async fn sweep_one(
    server: &Server,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> (u16, String, Option<String>) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = server.client.request(method, server.url(path));
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, res.text().await.unwrap_or_default(), ctype)
}

#[tokio::test]
async fn a_sweep_of_hostile_requests_never_gets_a_500_or_an_empty_body() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let (code, _) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200);

    let long = "x".repeat(5000);
    let segments = [
        "a".to_string(),
        seg(FIXTURE_GROUP),
        "%00".into(),
        "%FF%FE".into(),
        "%2F".into(),
        "..".into(),
        "%2E%2E".into(),
        "%E2%80%AE".into(),
        "'%20OR%201=1--".into(),
        "%25".into(),
        long.clone(),
    ];
    let templates = [
        "/v1/scheduler/jobs/{}/{}",
        "/v1/scheduler/jobs/{}/{}/trigger",
        "/v1/scheduler/jobs/{}/{}/pause",
        "/v1/scheduler/jobs/{}/{}/resume",
        "/v1/scheduler/triggers/{}/{}",
        "/v1/scheduler/runs/{}",
        "/v1/provision/{}/status",
        "/v2/validate/{}/status",
        "/v1/reverse-provisioning/{}/status",
        "/docs/{}",
        "/{}",
    ];
    let queries = [
        "",
        "?",
        "?limit=0",
        "?limit=99999999999999999999999",
        "?offset=9223372036854775808",
        "?state=%00",
        "?job=/",
        "?job=a/",
        "?job=%2F%2F",
        "?limit=1&limit=2",
        "?%ZZ=%ZZ",
    ];
    let bodies = [
        None,
        Some("null"),
        Some("[]"),
        Some("7"),
        Some("\"x\""),
        Some("{}"),
        Some("{\"descriptorKind\":{}}"),
        Some("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
        Some("{\"a\":\"\\ud800\"}"),
    ];
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "FOO"];

    let mut requests: Vec<(String, String, Option<&str>)> = Vec::new();
    for t in templates {
        for (i, a) in segments.iter().enumerate() {
            let b = &segments[(i + 3) % segments.len()];
            let path = t.replacen("{}", a, 1).replacen("{}", b, 1);
            for m in methods {
                requests.push((m.to_string(), path.clone(), None));
            }
            requests.push(("POST".into(), path.clone(), Some("{}")));
        }
    }
    for q in queries {
        requests.push(("GET".into(), format!("/v1/scheduler/runs{q}"), None));
        requests.push(("POST".into(), format!("/v1/provision{q}"), Some("{}")));
    }
    for b in bodies {
        for p in [
            "/v1/validate",
            "/v1/provision",
            "/v1/unprovision",
            "/v2/validate",
            "/v1/updateacl",
            "/v1/reverse-provisioning",
        ] {
            requests.push(("POST".into(), p.to_string(), b));
        }
    }
    let mut failures = Vec::new();
    for (method, path, body) in &requests {
        let (status, text, ctype) = sweep_one(&server, method, path, *body).await;
        let short = &path[..path.len().min(80)];
        // The two operations the provisioner does not support answer their
        // documented 500 SystemError to a readable body.
        let unsupported = (path.starts_with("/v1/updateacl")
            || path.starts_with("/v1/reverse-provisioning"))
            && status == 500
            && text.contains("userMessage");
        if status >= 500 && !unsupported {
            failures.push(format!("{method} {short} {body:?}: {status} {text}"));
        }
        let is_head = method == "HEAD";
        let is_page = (200..300).contains(&status) && path.starts_with("/docs/");
        if !is_head && !is_page {
            let json = ctype
                .as_deref()
                .is_some_and(|c| c.starts_with("application/json"));
            if text.is_empty() || !json || serde_json::from_str::<Value>(&text).is_err() {
                failures.push(format!(
                    "{method} {short} {body:?}: {status} {ctype:?} not a JSON body: {:?}",
                    &text[..text.len().min(200)]
                ));
            }
        }
        // A 400 of a Witboost route is the contract's RequestValidationError;
        // of the job status API a Problem.
        let witboost = (path.starts_with("/v1/") || path.starts_with("/v2/"))
            && !path.starts_with("/v1/scheduler");
        if status == 400 {
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let shaped = if witboost {
                body["errors"].is_array() && body["userMessage"].is_string()
            } else {
                body["error"] == "BAD_REQUEST" && body["message"].is_string()
            };
            if !shaped {
                failures.push(format!(
                    "{method} {short}: a 400 of the wrong shape: {body}"
                ));
            }
        }
        if text.len() > 8 * 1024 && status >= 400 {
            failures.push(format!(
                "{method} {short}: a {} byte error body",
                text.len()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} requests:\n{}",
        failures.len(),
        requests.len(),
        failures.join("\n")
    );
    let (code, body) = server
        .get(&format!(
            "/v1/scheduler/jobs/{}/{}",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 200, "{body}");
}
