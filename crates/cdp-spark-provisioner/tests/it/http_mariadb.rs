//! The same scenarios as `http_api.rs`, on MariaDB (`CDP_TEST_MYSQL_URL`,
//! set by scripts/test.sh; the tests fail without it).

use crate::support;

use support::flows;

#[tokio::test]
async fn provisioning_lifecycle_on_mariadb() {
    flows::provisioning_lifecycle(support::Db::Mariadb).await;
}

#[tokio::test]
async fn async_tokens_survive_a_restart_on_mariadb() {
    flows::async_tokens_survive_restart(support::Db::Mariadb).await;
}

#[tokio::test]
async fn a_failing_database_is_not_shown_to_the_caller_on_mariadb() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let place = support::Place::new(&support::Db::Mariadb);
    let server = support::start_in(&place, &support::ServerOptions::default().mariadb());
    let (code, _) = server.get("/v1/scheduler/runs").await;
    assert_eq!(code, 200);
    let db = place.mysql.as_ref().expect("a MariaDB database");
    let name = db
        .url
        .rsplit('/')
        .next()
        .expect("database name")
        .to_string();
    let server_url = support::mysql_server_url();
    let port = server_url.rsplit(':').next().expect("port").to_string();
    // The database goes away under the running server.
    let mut conn = diesel::MysqlConnection::establish(&server_url).expect("connect");
    conn.batch_execute(&format!("DROP DATABASE `{name}`"))
        .expect("drop the database");

    for path in [
        "/v1/scheduler/runs",
        "/v1/provision/00000000-0000-0000-0000-000000000000/status",
    ] {
        let res = server
            .client
            .get(server.url(path))
            .send()
            .await
            .expect("send");
        let id = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let (code, body) = support::answer(res).await;
        assert_eq!(code, 500, "{path}: {body}");
        let text = body.to_string();
        for secret in [name.as_str(), port.as_str(), "root@", "127.0.0.1"] {
            assert!(!text.contains(secret), "{path} shows '{secret}': {body}");
        }
        assert!(text.contains(&id), "{path}: no request id {id} in {body}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !server
            .log()
            .lines()
            .any(|l| l.contains("ERROR") && l.contains(&id) && l.contains(&name))
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the log has no ERROR line for {id} naming {name}:\n{}",
                server.log()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}
