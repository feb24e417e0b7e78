//! The web console over HTTP (no browser): the `publicInfo` console link
//! of a provision answers the console's page with its security headers;
//! the assets are served compiled in; the jobs listing and a job's
//! schedule answer what the pages read, filtered, and refuse bad queries
//! naming the parameter; behind the status token the pages stay open
//! while their data does not.

use crate::support::*;

async fn head(server: &Server, path: &str) -> (u16, String, String, String) {
    let res = server
        .client
        .get(server.url(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = res.status().as_u16();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (kind, csp) = (header("content-type"), header("content-security-policy"));
    (status, kind, csp, res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn the_console_link_opens_the_page_and_the_listing_answers_it() {
    let place = Place::new(&Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default().env(
            "CDP_SPARK_PROVISIONER__SERVER__PUBLIC_BASE_URL",
            "https://spark-sp.example/",
        ),
    );
    let (code, status) = server
        .post("/v1/provision", &request(&local_descriptor()))
        .await;
    assert_eq!(code, 200, "{status}");
    let href = status["info"]["publicInfo"]["console"]["href"]
        .as_str()
        .unwrap_or_else(|| panic!("no console link: {status}"))
        .to_string();
    let path = href
        .strip_prefix("https://spark-sp.example")
        .unwrap_or_else(|| panic!("{href} is not under the public base URL"));
    assert_eq!(
        path,
        format!("/ui/jobs/{}/{}", seg(FIXTURE_GROUP), seg(FIXTURE_JOB))
    );

    let (code, kind, csp, body) = head(&server, path).await;
    assert_eq!(code, 200);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(
        csp.starts_with("default-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert!(
        body.contains(r#"<script src="/ui/assets/app.js" defer></script>"#),
        "{body}"
    );
    for (asset, kind_wanted) in [
        ("/ui/assets/app.js", "text/javascript"),
        ("/ui/assets/app.css", "text/css"),
    ] {
        let (code, kind, csp, body) = head(&server, asset).await;
        assert_eq!(code, 200, "{asset}");
        assert!(kind.starts_with(kind_wanted), "{asset}: {kind}");
        assert!(!csp.is_empty() && !body.is_empty(), "{asset}");
    }
    let (code, _, _, _) = head(&server, "/ui/assets/other.js").await;
    assert_eq!(
        code, 200,
        "any other path under /ui/ is the shell (the script says 'no such page')"
    );

    // The listing: the job, its schedule in words, never run yet.
    let (code, page) = server.get("/v1/scheduler/jobs").await;
    assert_eq!(code, 200, "{page}");
    assert_eq!(page["total"], 1, "{page}");
    let job = &page["jobs"][0];
    assert_eq!(job["key"]["name"], FIXTURE_JOB);
    assert_eq!(job["dataProduct"], FIXTURE_GROUP);
    assert_eq!(
        job["schedule"]["cronExpression"], "0 30 2 ? * MON-FRI",
        "{job}"
    );
    assert!(
        job["schedule"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("02:30")),
        "{job}"
    );
    assert!(job["nextFireTime"].is_string(), "{job}");
    assert_eq!(
        (job["paused"].clone(), job["status"].clone()),
        (false.into(), serde_json::Value::Null)
    );
    assert_eq!(job["lastRuns"], serde_json::json!([]));
    for (query, total) in [
        ("?state=NEVER_RUN", 1),
        ("?state=failing", 0),
        ("?state=SUCCEEDED", 0),
        (&format!("?dataProduct={}", seg(FIXTURE_GROUP)), 1),
        ("?dataProduct=urn:dmb:dp:other:0", 0),
    ] {
        let (code, page) = server.get(&format!("/v1/scheduler/jobs{query}")).await;
        assert_eq!(
            (code, page["total"].as_u64()),
            (200, Some(total)),
            "{query}: {page}"
        );
    }
    let (code, _) = server
        .post_empty(
            &format!(
                "/v1/scheduler/jobs/{}/{}/pause",
                seg(FIXTURE_GROUP),
                FIXTURE_JOB
            ),
            None,
        )
        .await;
    assert_eq!(code, 200);
    let (_, page) = server.get("/v1/scheduler/jobs?state=PAUSED").await;
    assert_eq!(page["total"], 1, "{page}");
    for (query, needle) in [
        ("?state=DONE", "state 'DONE'"),
        ("?limit=0", "limit 0"),
        ("?runs=99", "runs 99"),
    ] {
        let (code, body) = server.get(&format!("/v1/scheduler/jobs{query}")).await;
        assert_eq!(code, 400, "{query}: {body}");
        assert_mentions(&body, "/message", needle);
    }

    // The schedule: the next five fire times, weekdays at 02:30 in its zone.
    let (code, schedule) = server
        .get(&format!(
            "/v1/scheduler/jobs/{}/{}/schedule",
            seg(FIXTURE_GROUP),
            FIXTURE_JOB
        ))
        .await;
    assert_eq!(code, 200, "{schedule}");
    assert_eq!(
        schedule["nextFireTimes"].as_array().map(Vec::len),
        Some(5),
        "{schedule}"
    );
    assert_eq!(schedule["paused"], true);
    let (code, _) = server
        .get(&format!(
            "/v1/scheduler/jobs/{}/nope/schedule",
            seg(FIXTURE_GROUP)
        ))
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn behind_the_status_token_the_pages_open_and_the_data_does_not() {
    let place = Place::new(&Db::Sqlite);
    let server = start_in(
        &place,
        &ServerOptions::default().env("CDP_SPARK_PROVISIONER__AUTH__STATUS_TOKEN", "console-Tok-9"),
    );
    let (code, _, _, _) = head(&server, "/ui/").await;
    assert_eq!(code, 200);
    for path in ["/v1/scheduler/jobs", "/v1/scheduler/jobs/g/n/schedule"] {
        let (code, _) = server.get(path).await;
        assert_eq!(code, 401, "{path}");
        let res = server
            .client
            .get(server.url(path))
            .bearer_auth("console-Tok-9")
            .send()
            .await
            .expect("GET with the token");
        assert_ne!(res.status().as_u16(), 401, "{path}");
    }
}
