//! The job store under faults of its disk and database, through the real
//! binary: a data directory removed while serving, a file size limit
//! reached, a database that stops accepting the provisioner's login. Writes
//! fail loudly (answered as errors, logged at error level) instead of being
//! lost or killing the process, and `/ready` says DOWN with a short reason
//! that gives nothing of the database away.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{local_descriptor, request, start_in, Place, Server, ServerOptions};

/// The SQLite file of a server started in `place`.
fn sqlite_file(place: &Place) -> std::path::PathBuf {
    place.dir.path().join("data").join("jobstore.sqlite3")
}

fn assert_system_error(code: u16, body: &Value, what: &str, server: &Server) {
    assert_eq!(code, 500, "{what}: {body}\n{}", server.log());
    assert!(
        body["error"].is_string() && body["userMessage"].is_string(),
        "{what}: a SystemError: {body}"
    );
}

/// The server's log gets `part` within a few seconds.
async fn log_mentions(server: &Server, part: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let log = server.log();
        if log.contains(part) || Instant::now() >= deadline {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The process is still running.
fn alive(server: &Server) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists.
    unsafe { libc::kill(server.pid() as libc::pid_t, 0) == 0 }
}

#[tokio::test]
async fn a_removed_data_directory_fails_provisions_and_readiness_loudly() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let descriptor = local_descriptor();
    let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}");
    let (code, _) = server.get("/ready").await;
    assert_eq!(code, 200);

    std::fs::remove_dir_all(place.dir.path().join("data")).expect("rm -rf the data directory");

    // Before: 200, into a file that no path names, gone at the next start.
    let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_system_error(
        code,
        &body,
        "a provision after the data directory was removed",
        &server,
    );
    let (code, body) = server.get("/ready").await;
    assert_eq!(
        (code, body),
        (
            503,
            json!({"status": "DOWN", "reason": "the job store's database file was removed or replaced while open"})
        )
    );
    let path = sqlite_file(&place).display().to_string();
    let log = log_mentions(&server, &path).await;
    assert!(
        log.lines().any(|l| l.contains("ERROR")
            && l.contains(&path)
            && l.contains(cdp_spark_jobstore::DATABASE_FILE_GONE)),
        "an error line names the file: {log}"
    );
    let (code, _) = server.get("/health").await;
    assert_eq!(code, 200, "the process lives on");
    assert!(
        !place.dir.path().join("data").exists(),
        "no new, empty store was created in place of the removed one"
    );
}

/// Sets the soft file size limit of process `pid` (`None`: unlimited).
fn set_file_size_limit(pid: u32, bytes: Option<u64>) {
    let mut old = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: prlimit reads and writes the two structs it is given.
    let rc = unsafe {
        libc::prlimit(
            pid as libc::pid_t,
            libc::RLIMIT_FSIZE,
            std::ptr::null(),
            &mut old,
        )
    };
    assert_eq!(rc, 0, "read the limit: {}", std::io::Error::last_os_error());
    let new = libc::rlimit {
        rlim_cur: bytes.unwrap_or(libc::RLIM_INFINITY).min(old.rlim_max),
        rlim_max: old.rlim_max,
    };
    // SAFETY: as above.
    let rc = unsafe {
        libc::prlimit(
            pid as libc::pid_t,
            libc::RLIMIT_FSIZE,
            &new,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(rc, 0, "set the limit: {}", std::io::Error::last_os_error());
}

#[tokio::test]
async fn a_file_size_limit_fails_writes_with_an_answer_and_a_log_line() {
    let place = Place::new(&support::Db::Sqlite);
    let server = start_in(&place, &ServerOptions::default());
    let descriptor = local_descriptor();
    let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}");

    // 4 KiB: every commit appends a WAL frame (24 bytes and a 4 KiB page)
    // past it (before: SIGXFSZ ended the process without a word).
    let file = sqlite_file(&place);
    let limit = 4096;
    set_file_size_limit(server.pid(), Some(limit));
    for n in 0..3 {
        let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
        assert_system_error(
            code,
            &body,
            &format!("provision {n} past the limit"),
            &server,
        );
    }
    assert!(alive(&server), "the process lives on");
    let (code, _) = server.get("/health").await;
    assert_eq!(code, 200);
    let log = log_mentions(&server, "RLIMIT_FSIZE").await;
    assert!(
        log.lines().any(|l| l.contains("ERROR")
            && l.contains("RLIMIT_FSIZE")
            && l.contains(&limit.to_string())
            && l.contains(&file.display().to_string())),
        "an error line names the file and the limit: {log}"
    );

    // Raised again, without a restart: writes succeed.
    set_file_size_limit(server.pid(), None);
    let (code, body) = server.post("/v1/provision", &request(&descriptor)).await;
    assert_eq!(code, 200, "{body}\n{}", server.log());
}

/// Runs statements as root on the test MariaDB.
fn mariadb_root(sql: &str) {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let server = support::mysql_server_url();
    let mut conn = diesel::MysqlConnection::establish(&server)
        .unwrap_or_else(|e| panic!("cannot connect to the test MariaDB at {server}: {e}"));
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The connection ids of MariaDB user `user`.
fn connections_of(user: &str) -> Vec<u64> {
    use diesel::sql_types::{BigInt, Text};
    use diesel::{Connection, QueryableByName, RunQueryDsl};
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt, column_name = "ID")]
        id: i64,
    }
    let server = support::mysql_server_url();
    let mut conn = diesel::MysqlConnection::establish(&server).expect("connect");
    let ids: Vec<Id> = diesel::sql_query(
        "SELECT CAST(ID AS SIGNED) AS ID FROM information_schema.PROCESSLIST WHERE USER = ?",
    )
    .bind::<Text, _>(user)
    .load(&mut conn)
    .expect("processlist");
    ids.into_iter().map(|i| i.id as u64).collect()
}

#[tokio::test]
async fn ready_says_down_without_naming_the_database() {
    let place = Place::new(&support::Db::Mariadb);
    let root_url = place.mysql.as_ref().expect("mariadb").url.clone();
    let (server_url, database) = root_url.rsplit_once('/').expect("URL/DB");
    let host_port = server_url
        .rsplit_once('@')
        .map(|(_, h)| h.to_string())
        .expect("user@host:port");
    let (host, port) = host_port.rsplit_once(':').expect("host:port");
    let user = format!("cdp_ready_{}", std::process::id());
    let password = "Pw-ready-7e3f9b";
    mariadb_root(&format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'; \
         CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}'; \
         GRANT ALL ON `{database}`.* TO '{user}'@'%'; \
         GRANT ALL ON `{database}`.* TO '{user}'@'localhost';"
    ));
    struct DropUser(String);
    impl Drop for DropUser {
        fn drop(&mut self) {
            let u = &self.0;
            mariadb_root(&format!(
                "DROP USER IF EXISTS '{u}'@'%'; DROP USER IF EXISTS '{u}'@'localhost';"
            ));
        }
    }
    let _cleanup = DropUser(user.clone());
    let options = ServerOptions::default()
        .mariadb()
        .env(
            "CDP_SPARK_PROVISIONER__STORE__URL",
            &format!("mysql://{user}:{password}@{host_port}/{database}"),
        )
        .env("CDP_SPARK_PROVISIONER__STORE__CONNECT_TIMEOUT_SECS", "1");
    let server = start_in(&place, &options);
    let (code, body) = server.get("/ready").await;
    assert_eq!(code, 200, "{body}\n{}", server.log());

    // The provisioner's login stops working, and its connections are cut.
    mariadb_root(&format!(
        "ALTER USER '{user}'@'%' IDENTIFIED BY 'another-one'; \
         ALTER USER '{user}'@'localhost' IDENTIFIED BY 'another-one';"
    ));
    for id in connections_of(&user) {
        mariadb_root(&format!("KILL {id}"));
    }
    let (code, body) = server.get("/ready").await;
    assert_eq!(
        (code, &body),
        (
            503,
            &json!({"status": "DOWN", "reason": "the job store does not answer"})
        ),
        "{}",
        server.log()
    );
    let text = body.to_string();
    for secret in [
        user.as_str(),
        password,
        host,
        port,
        database,
        "Access denied",
    ] {
        assert!(!text.contains(secret), "/ready shows '{secret}': {text}");
    }
    // The operator's log has the detail, without the password.
    let log = log_mentions(&server, "Access denied").await;
    assert!(
        log.lines().any(|l| l.contains("not ready")
            && l.contains("Access denied")
            && l.contains(&user)
            && l.contains(database)),
        "the log says why: {log}"
    );
    assert!(!log.contains(password), "the log shows the password: {log}");
    let (code, _) = server.get("/health").await;
    assert_eq!(code, 200);
}
