//! The database lost mid-operation: a throw-away `mariadbd` of this test is
//! killed (SIGKILL), or a throw-away PostgreSQL stopped as by a crash
//! (`pg_ctl stop -m immediate`: every backend ended at once, no
//! checkpoint), while provisions run in a loop. Every failed call answers
//! `Unavailable` (no panic, no other error); after a restart the stored job
//! and trigger are a whole pair from one provision, the store recovers by
//! itself, and an unreachable database answers `Unavailable` quickly.

use crate::common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cdp_spark_domain::model::JobKey;
use cdp_spark_domain::ports::{JobStorePort, StoreError};
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use common::{at, cron_trigger, sample_job};
use diesel::connection::SimpleConnection;
use diesel::{Connection, MysqlConnection, PgConnection};

/// A program of the MariaDB server package, in sbin or on PATH.
fn program(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return p;
        }
    }
    if let Some(p) = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
    {
        return p;
    }
    panic!("{name} is not installed: install the Debian package mariadb-server (scripts/install-deps.sh test does)");
}

/// A database server of one test alone, on a free port of 127.0.0.1.
trait OwnServer: Send + 'static {
    /// Starts it (again, on the same data) and waits until it answers.
    fn start(&mut self);
    /// Takes it down at once, as a crash would.
    fn kill(&mut self);
    /// Creates the database `name` and answers its URL.
    fn create_database(&self, name: &str) -> String;
}

/// A MariaDB server of this test alone, on a free port of 127.0.0.1.
struct OwnMariadb {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
}

impl OwnMariadb {
    fn install() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = Command::new(program("mariadb-install-db"))
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.path().join("data").display()))
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db")
            .output()
            .expect("run mariadb-install-db");
        assert!(
            out.status.success(),
            "mariadb-install-db failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        Self {
            dir,
            port,
            child: None,
        }
    }

    fn server_url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }
}

impl OwnServer for OwnMariadb {
    fn create_database(&self, name: &str) -> String {
        MysqlConnection::establish(&self.server_url())
            .expect("connect")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        format!("{}/{name}", self.server_url())
    }

    fn start(&mut self) {
        let d = self.dir.path();
        let log = std::fs::File::create(d.join("server.log")).expect("log file");
        let child = Command::new(program("mariadbd"))
            .arg("--no-defaults")
            .arg(format!("--datadir={}", d.join("data").display()))
            .arg(format!("--socket={}", d.join("sock").display()))
            .arg(format!("--pid-file={}", d.join("pid").display()))
            .arg("--bind-address=127.0.0.1")
            .arg(format!("--port={}", self.port))
            .arg("--user=root")
            .arg("--skip-log-bin")
            .arg("--innodb-buffer-pool-size=64M")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start mariadbd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if MysqlConnection::establish(&self.server_url()).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(d.join("server.log")).unwrap_or_default();
        panic!("mariadbd did not come up on port {}:\n{log}", self.port);
    }

    /// SIGKILL: no shutdown, connections cut mid-statement.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill mariadbd");
            child.wait().expect("reap mariadbd");
        }
    }
}

impl Drop for OwnMariadb {
    fn drop(&mut self) {
        self.kill();
    }
}

fn provision(
    i: u32,
) -> (
    cdp_spark_domain::model::JobDefinition,
    cdp_spark_domain::model::TriggerDefinition,
) {
    let mut job = sample_job("urn:dmb:dp:outage:0", "looped");
    job.spec.args = vec![i.to_string()];
    let mut trigger = cron_trigger(&job, "0 0 3 * * ?", at(2030, 1, 1, 2, 0, 0));
    trigger.priority = i as i32;
    (job, trigger)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_killed_mid_provision_loop() {
    killed_mid_provision_loop(OwnMariadb::install).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_crashed_mid_provision_loop() {
    killed_mid_provision_loop(OwnPostgres::install).await;
}

async fn killed_mid_provision_loop<S: OwnServer>(install: fn() -> S) {
    let (mut server, url) = tokio::task::spawn_blocking(move || {
        let mut s = install();
        s.start();
        let url = s.create_database("outage");
        (s, url)
    })
    .await
    .expect("server");
    let config = StoreConfig {
        connect_timeout: Duration::from_secs(2),
        ..StoreConfig::with_url(url)
    };
    let store = DieselJobStore::open(config.clone()).await.expect("open");

    let stop = Arc::new(AtomicBool::new(false));
    let looping = {
        let store = store.clone();
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            let mut acknowledged = 0u32;
            let mut attempted = 0u32;
            let mut errors = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) && i < 100_000 {
                i += 1;
                attempted = i;
                let (job, trigger) = provision(i);
                match store.replace_job(&job, Some(trigger)).await {
                    Ok(_) if errors.is_empty() => acknowledged = i,
                    Ok(_) => panic!("provision {i} succeeded while the database was down"),
                    Err(e) => errors.push(e),
                }
                if errors.len() >= 3 {
                    break;
                }
            }
            (acknowledged, attempted, errors)
        })
    };
    // Let provisions land, then kill the server under them.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let v = store
            .get_job(&JobKey::new("urn:dmb:dp:outage:0", "looped"))
            .await
            .expect("read while up")
            .map(|j| j.spec.args[0].parse::<u32>().expect("number"))
            .unwrap_or(0);
        if v >= 30 || Instant::now() > deadline {
            break;
        }
    }
    server.kill();
    let result = tokio::time::timeout(Duration::from_secs(60), looping).await;
    stop.store(true, Ordering::SeqCst);
    let (acknowledged, attempted, errors) = result
        .expect("the loop ends: calls fail within the connect timeout")
        .expect("no panic in the provision loop");
    eprintln!("after the kill ({acknowledged} acknowledged, {attempted} attempted): {errors:#?}");
    assert!(
        acknowledged >= 30,
        "provisions landed before the kill: {acknowledged}"
    );
    assert_eq!(errors.len(), 3);
    for e in &errors {
        assert!(
            matches!(e, StoreError::Unavailable(_)),
            "typed as unavailable: {e:?}"
        );
    }
    let e = store.ping().await.expect_err("down");
    assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
    let started = Instant::now();
    let e = store
        .get_job(&provision(1).0.key)
        .await
        .expect_err("reads fail too");
    assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bounded by the connect timeout"
    );

    // Back up on the same data: the pool recovers by itself.
    let server = tokio::task::spawn_blocking(move || {
        server.start();
        server
    })
    .await
    .expect("restart");
    let deadline = Instant::now() + Duration::from_secs(30);
    while store.ping().await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the store did not recover after the restart"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let key = provision(1).0.key;
    let job = store.get_job(&key).await.expect("read").expect("job kept");
    let triggers = store.triggers_of_job(&key).await.expect("triggers");
    assert_eq!(triggers.len(), 1, "one trigger: {triggers:?}");
    let stored: u32 = job.spec.args[0].parse().expect("number");
    assert_eq!(
        triggers[0].priority as u32, stored,
        "job and trigger from the same provision"
    );
    assert!(
        stored >= acknowledged && stored <= attempted,
        "the stored provision {stored} is the last acknowledged ({acknowledged}) or the one in flight (≤ {attempted})"
    );
    let (job, trigger) = provision(attempted + 1);
    store
        .replace_job(&job, Some(trigger))
        .await
        .expect("provisions work again");
    drop(server);

    // Nothing listens there any more: unavailable, quickly.
    let started = Instant::now();
    let e = DieselJobStore::open(config).await.expect_err("server gone");
    assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

/// Debian's PostgreSQL 15 programs (`PG_BIN` overrides).
fn pg_program(name: &str) -> PathBuf {
    let dir = std::env::var_os("PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/lib/postgresql/15/bin"));
    let p = dir.join(name);
    assert!(
        p.is_file(),
        "{} is not installed: install the Debian package postgresql (scripts/install-deps.sh test does)",
        p.display()
    );
    p
}

/// A PostgreSQL server of this test alone, on a free port of 127.0.0.1,
/// run by `pg_ctl`; as root, as the user `postgres` (initdb and postgres
/// refuse root), who then owns its folder.
struct OwnPostgres {
    dir: tempfile::TempDir,
    port: u16,
    running: bool,
}

impl OwnPostgres {
    fn install() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        if Self::as_root() {
            let out = Command::new("chown")
                .arg("postgres:")
                .arg(dir.path())
                .output()
                .expect("chown");
            assert!(
                out.status.success(),
                "chown postgres: failed (is postgresql installed?)"
            );
        }
        let out = Self::command(&pg_program("initdb"))
            .arg("-D")
            .arg(dir.path().join("data"))
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        Self {
            dir,
            port,
            running: false,
        }
    }

    fn as_root() -> bool {
        // SAFETY: getuid has no preconditions and cannot fail.
        unsafe { libc::getuid() == 0 }
    }

    /// `program`, run as `postgres` when this is root.
    fn command(program: &Path) -> Command {
        if Self::as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }

    fn server_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}", self.port)
    }

    fn pg_ctl(&self, args: &[&str]) -> std::process::Output {
        Self::command(&pg_program("pg_ctl"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run pg_ctl")
    }
}

impl OwnServer for OwnPostgres {
    fn create_database(&self, name: &str) -> String {
        PgConnection::establish(&format!("{}/postgres", self.server_url()))
            .expect("connect")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        format!("{}/{name}", self.server_url())
    }

    fn start(&mut self) {
        let d = self.dir.path();
        let options = format!(
            "-h 127.0.0.1 -p {} -k {} -c fsync=off -c lc_messages=C",
            self.port,
            d.display()
        );
        let log = d.join("server.log");
        let out = self.pg_ctl(&[
            "start",
            "-w",
            "-t",
            "60",
            "-l",
            log.to_str().expect("utf-8 path"),
            "-o",
            &options,
        ]);
        let log = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            out.status.success(),
            "PostgreSQL did not come up on port {}: {}\n{log}",
            self.port,
            String::from_utf8_lossy(&out.stderr)
        );
        self.running = true;
    }

    /// Immediate shutdown: every backend ends at once, connections cut
    /// mid-statement, crash recovery at the next start.
    fn kill(&mut self) {
        if std::mem::take(&mut self.running) {
            let out = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
            assert!(
                out.status.success(),
                "pg_ctl stop: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        self.kill();
    }
}
