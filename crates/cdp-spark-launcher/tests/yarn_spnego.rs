//! SPNEGO towards the ResourceManagers, on real parts: a real MIT KDC
//! (`krb5kdc`) started on 127.0.0.1 with its own realm `CDP.TEST` in a
//! temporary directory, real keytabs from `kadmin.local`, the launcher's
//! GSSAPI initiator, and a fake RM on 127.0.0.1 that demands `Negotiate`,
//! verifies each token with `gss_accept_sec_context` against its
//! `HTTP/<host>` keytab and sets a `hadoop.auth` cookie, as Hadoop's
//! `AuthenticationFilter` does. The RM's answers are the documented JSON
//! kept in `tests/data/rm`.
//!
//! One KDC serves the whole test binary; `KRB5_CONFIG` (and `KRB5CCNAME`
//! for the kinit test) are set for the process before the first GSSAPI
//! call. Each test logs in as its own principal, so the KDC's log tells
//! each test's Kerberos round trips apart.
//!
//! Needs `krb5kdc`, `kdb5_util`, `kadmin.local` and `kinit`:
//! `scripts/install-deps.sh test`. Figures: `cargo test -p
//! cdp-spark-launcher --test yarn_spnego -- --nocapture`.

mod common;

use std::collections::HashSet;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use cdp_spark_domain::ports::ApplicationState;
use cdp_spark_launcher::gssapi::{Acceptor, ClientContext, InitiatorCredentials};
use cdp_spark_launcher::{
    ClusterMode, KerberosConfig, KillOutcome, LauncherConfig, YarnConfig, YarnRmClient,
};
use common::*;

const REALM: &str = "CDP.TEST";
const APP: &str = "application_1700000000000_0042";
/// DER of the SPNEGO mechanism OID 1.3.6.1.5.5.2, as it opens an
/// `InitialContextToken` (RFC 2743 3.1, RFC 4178).
const SPNEGO_OID_DER: &[u8] = &[0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02];

// ------------------------------------------------------------- the KDC ---

/// Client principals: one per test (so KDC log lines are per test).
const CLIENTS: &[&str] = &[
    "provisioner",
    "renewer",
    "concurrent",
    "killer",
    "hauser",
    "kinituser",
    "other",
    "ghost",
    "nohost",
    "mutual",
];

struct Kdc {
    dir: PathBuf,
    log: PathBuf,
    started_in: Duration,
}

impl Kdc {
    fn keytab(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{}.keytab", name.replace('/', "_")))
    }

    fn http_keytab(&self) -> PathBuf {
        self.keytab("HTTP")
    }

    /// AS and TGS requests the KDC logged for a client principal.
    fn requests_of(&self, client: &str) -> (usize, usize) {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let needle = format!(" {client}@{REALM} for ");
        let mine = log.lines().filter(|l| l.contains(&needle));
        let (mut as_req, mut tgs_req) = (0, 0);
        for line in mine {
            if line.contains("AS_REQ") {
                as_req += 1;
            } else if line.contains("TGS_REQ") {
                tgs_req += 1;
            }
        }
        (as_req, tgs_req)
    }
}

fn sbin(name: &str) -> PathBuf {
    let path = Path::new("/usr/sbin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: these tests start a real MIT Kerberos KDC; run scripts/install-deps.sh test (packages krb5-kdc, krb5-admin-server, krb5-user)",
        path.display()
    );
    path
}

fn run(cmd: &mut Command, stdin: Option<&str>) {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The KDC of this test binary, started on first use.
fn kdc() -> &'static Kdc {
    static KDC: OnceLock<Kdc> = OnceLock::new();
    KDC.get_or_init(start_kdc)
}

fn start_kdc() -> Kdc {
    let started = Instant::now();
    let (krb5kdc, kdb5_util, kadmin) = (sbin("krb5kdc"), sbin("kdb5_util"), sbin("kadmin.local"));
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    remove_stale_kdc_dirs(&root);
    let dir = root.join(format!("spnego-kdc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the KDC directory");
    let port = free_port();
    let d = dir.display();
    let krb5_conf = dir.join("krb5.conf");
    std::fs::write(
        &krb5_conf,
        format!(
            "[libdefaults]
  default_realm = {REALM}
  dns_lookup_kdc = false
  dns_lookup_realm = false
  dns_canonicalize_hostname = false
  rdns = false
  udp_preference_limit = 1
  ticket_lifetime = 1h
[realms]
  {REALM} = {{
    kdc = 127.0.0.1:{port}
  }}
[domain_realm]
  localhost = {REALM}
  127.0.0.1 = {REALM}
"
        ),
    )
    .expect("write krb5.conf");
    let kdc_conf = dir.join("kdc.conf");
    std::fs::write(
        &kdc_conf,
        format!(
            "[kdcdefaults]
  kdc_listen = 127.0.0.1:{port}
  kdc_tcp_listen = 127.0.0.1:{port}
[realms]
  {REALM} = {{
    database_name = {d}/principal
    key_stash_file = {d}/stash
    acl_file = {d}/kadm5.acl
    max_life = 1h
  }}
[logging]
  kdc = FILE:{d}/kdc.log
  admin_server = FILE:{d}/kadmin.log
  default = FILE:{d}/krb5.log
"
        ),
    )
    .expect("write kdc.conf");
    let env = [
        ("KRB5_CONFIG", krb5_conf.clone()),
        ("KRB5_KDC_PROFILE", kdc_conf.clone()),
    ];
    run(
        Command::new(&kdb5_util)
            .args(["create", "-s", "-P", "cdp-test-master", "-r", REALM])
            .envs(env.clone()),
        None,
    );
    let keytab = |name: &str| dir.join(format!("{}.keytab", name.replace('/', "_")));
    let mut script = String::new();
    for host in ["localhost", "127.0.0.1"] {
        script.push_str(&format!("addprinc -randkey HTTP/{host}\n"));
        script.push_str(&format!(
            "ktadd -k {} HTTP/{host}\n",
            keytab("HTTP").display()
        ));
    }
    for client in CLIENTS {
        script.push_str(&format!("addprinc -randkey {client}\n"));
        script.push_str(&format!("ktadd -k {} {client}\n", keytab(client).display()));
    }
    // A principal whose keytab exists but whom the KDC no longer knows.
    script.push_str("delprinc -force ghost\n");
    run(Command::new(&kadmin).envs(env.clone()), Some(&script));

    // The process's Kerberos environment, before any GSSAPI call: every
    // test calls kdc() first, so no other thread reads it meanwhile.
    std::env::set_var("KRB5_CONFIG", &krb5_conf);
    std::env::set_var("KRB5CCNAME", format!("FILE:{d}/default.ccache"));
    std::env::set_var("KRB5RCACHEDIR", &dir);

    // krb5kdc in the foreground, killed when this process ends: the parent
    // death signal belongs to the thread that forks, so a thread that lives
    // as long as the KDC forks it.
    let log = dir.join("kdc.log");
    let stderr = std::fs::File::create(dir.join("krb5kdc.stderr")).expect("stderr file");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut cmd = Command::new(krb5kdc);
        cmd.arg("-n")
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        // SAFETY: prctl is async-signal-safe; nothing else runs in the child
        // before exec.
        unsafe {
            cmd.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
                    .map_err(std::io::Error::from)
            });
        }
        match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(child.id()));
                let _ = child.wait();
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        }
    });
    let pid = rx
        .recv()
        .expect("KDC thread")
        .unwrap_or_else(|e| panic!("cannot start krb5kdc: {e}"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            process_alive(pid),
            "krb5kdc exited: {}",
            std::fs::read_to_string(dir.join("krb5kdc.stderr")).unwrap_or_default()
        );
        assert!(
            Instant::now() < deadline,
            "krb5kdc did not listen on 127.0.0.1:{port}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let kdc = Kdc {
        dir,
        log,
        started_in: started.elapsed(),
    };
    eprintln!(
        "spnego: MIT KDC for {REALM} on 127.0.0.1:{port} ready in {} ms (database, {} principals, keytabs, krb5kdc)",
        kdc.started_in.as_millis(),
        CLIENTS.len() + 2
    );
    kdc
}

/// KDC directories of earlier test runs whose process is gone.
fn remove_stale_kdc_dirs(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name
            .strip_prefix("spnego-kdc-")
            .and_then(|p| p.parse::<u32>().ok())
        {
            if pid != std::process::id() && !process_alive(pid) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

// ------------------------------------------------------- the fake RM ---

const CLEAR_COOKIE: &str = "hadoop.auth=; Path=/; Expires=Thu, 01-Jan-1970 00:00:00 GMT; HttpOnly";

/// A ResourceManager behind Hadoop's `AuthenticationFilter` with the
/// Kerberos handler: `401 Negotiate` without a valid cookie, the token
/// verified in one leg, a signed-looking `hadoop.auth` cookie on success.
#[derive(Clone)]
struct SpnegoRm {
    acceptor: Arc<Mutex<Acceptor>>,
    /// Standby: after authenticating, redirect here (307, as RMWebAppFilter).
    redirect_to: Option<String>,
    /// The applications, answered once authenticated.
    apps: FakeRm,
    cookies: Arc<Mutex<HashSet<String>>>,
    /// Client principals of the tokens accepted, in order.
    accepted: Arc<Mutex<Vec<String>>>,
    tokens: Arc<Mutex<Vec<Vec<u8>>>>,
    serial: Arc<AtomicU64>,
    /// Answer with a reply token that is not the acceptor's (an impostor).
    forge_reply: bool,
}

impl SpnegoRm {
    /// An RM whose web principal is `HTTP/<host>`.
    fn new(host: &str, redirect_to: Option<String>) -> Self {
        let acceptor = Acceptor::new("HTTP", host, &kdc().http_keytab())
            .unwrap_or_else(|e| panic!("acceptor for HTTP/{host}: {e}"));
        Self {
            acceptor: Arc::new(Mutex::new(acceptor)),
            redirect_to,
            apps: FakeRm::new(&[(APP, "app-running.json")]),
            cookies: Arc::default(),
            accepted: Arc::default(),
            tokens: Arc::default(),
            serial: Arc::default(),
            forge_reply: false,
        }
    }

    async fn start(&self) -> FakeHttp {
        let rm = self.clone();
        FakeHttp::start(move |req| rm.handle(req)).await
    }

    fn accepted(&self) -> Vec<String> {
        self.accepted.lock().expect("lock").clone()
    }

    /// Forgets every cookie it issued (expiry, or an RM restart with a new
    /// signature secret).
    fn expire_cookies(&self) {
        self.cookies.lock().expect("lock").clear();
    }

    fn handle(&self, req: &Received) -> Reply {
        let presented = req.header("cookie").and_then(|c| {
            c.split(';')
                .map(str::trim)
                .find_map(|kv| kv.strip_prefix("hadoop.auth="))
                .map(str::to_string)
        });
        let cookie_ok = presented.is_some_and(|c| self.cookies.lock().expect("lock").contains(&c));
        if cookie_ok {
            return self.answer(req);
        }
        let Some(b64) = req
            .header("authorization")
            .and_then(|a| a.strip_prefix("Negotiate "))
        else {
            return Reply::text(401, "Authentication required")
                .with_header("WWW-Authenticate", "Negotiate")
                .with_header("Set-Cookie", CLEAR_COOKIE);
        };
        let token = match BASE64.decode(b64.trim()) {
            Ok(t) => t,
            Err(e) => return Reply::text(403, format!("bad base64: {e}")),
        };
        self.tokens.lock().expect("lock").push(token.clone());
        let accepted = self.acceptor.lock().expect("lock").accept(&token);
        match accepted {
            Ok(accepted) => {
                let short = accepted.client.split('@').next().unwrap_or_default();
                let cookie = format!(
                    "\"u={short}&p={}&t=kerberos&e=4102444800000&s={}\"",
                    accepted.client,
                    self.serial.fetch_add(1, Ordering::Relaxed)
                );
                self.cookies.lock().expect("lock").insert(cookie.clone());
                self.accepted.lock().expect("lock").push(accepted.client);
                let mut reply = self.answer(req).with_header(
                    "Set-Cookie",
                    &format!("hadoop.auth={cookie}; Path=/; HttpOnly"),
                );
                let mut output = accepted.output;
                if self.forge_reply {
                    // Same length, different bytes: not made with the key.
                    output.iter_mut().rev().take(16).for_each(|b| *b ^= 0x5a);
                }
                if !output.is_empty() {
                    reply = reply.with_header(
                        "WWW-Authenticate",
                        &format!("Negotiate {}", BASE64.encode(&output)),
                    );
                }
                reply
            }
            // Hadoop answers a token it cannot accept with 403.
            Err(e) => Reply::text(403, format!("GSSException: {e}"))
                .with_header("Set-Cookie", CLEAR_COOKIE),
        }
    }

    fn answer(&self, req: &Received) -> Reply {
        match &self.redirect_to {
            Some(active) => standby_redirect(active, req),
            None => self.apps.answer(req),
        }
    }
}

/// `http://localhost:<port>` for a fake server: the RM's principal is
/// `HTTP/localhost` (the server listens on 127.0.0.1).
fn as_localhost(server: &FakeHttp) -> String {
    server.base_url.replace("127.0.0.1", "localhost")
}

fn keytab_client(rms: &[String], principal: &str, keytab: &Path) -> YarnRmClient {
    YarnRmClient::from_config(&LauncherConfig {
        mode: ClusterMode::Yarn,
        kerberos: Some(KerberosConfig {
            principal: principal.to_string(),
            keytab: keytab.to_path_buf(),
        }),
        http_timeout_secs: 5,
        yarn: YarnConfig {
            resource_managers: rms.to_vec(),
            spnego: true,
            // Simple authentication's user: not sent with SPNEGO.
            user_name: Some("etl".into()),
        },
        ..LauncherConfig::default()
    })
    .expect("client")
}

/// An RM for `HTTP/localhost`, started, and a client logging in to it as
/// `principal` from its keytab.
async fn localhost_rm_and_client(principal: &str) -> (SpnegoRm, FakeHttp, YarnRmClient) {
    let rm = SpnegoRm::new("localhost", None);
    let server = rm.start().await;
    let c = keytab_client(
        &[as_localhost(&server)],
        principal,
        &kdc().keytab(principal),
    );
    (rm, server, c)
}

fn assert_spnego_token(token: &[u8]) {
    // [APPLICATION 0] { thisMech OID, innerToken }: 0x60, a DER length,
    // then the mechanism OID.
    assert_eq!(token.first(), Some(&0x60), "not an InitialContextToken");
    let oid_at = if token[1] & 0x80 == 0 {
        2
    } else {
        2 + usize::from(token[1] & 0x7f)
    };
    assert_eq!(
        token.get(oid_at..oid_at + SPNEGO_OID_DER.len()),
        Some(SPNEGO_OID_DER),
        "the token's mechanism is not SPNEGO"
    );
}

// --------------------------------------------------------------- tests ---

#[tokio::test]
async fn twenty_status_calls_cost_one_negotiation_and_one_kdc_round_trip() {
    let kdc = kdc();
    let (rm, server, c) = localhost_rm_and_client("provisioner").await;

    let first = Instant::now();
    assert_running(c.status(APP).await);
    let first = first.elapsed();
    let rest = Instant::now();
    for _ in 1..20 {
        assert_running(c.status(APP).await);
    }
    let rest = rest.elapsed();

    assert_eq!(rm.accepted(), [format!("provisioner@{REALM}")]);
    assert_eq!(c.spnego_negotiations(), 1);
    let tokens = rm.tokens.lock().expect("lock").clone();
    assert_eq!(tokens.len(), 1);
    assert_spnego_token(&tokens[0]);
    let requests = server.requests();
    // One 401, the negotiated request, 19 with the cookie.
    assert_eq!(requests.len(), 21);
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.header("authorization").is_some())
            .count(),
        1
    );
    assert!(requests[2..].iter().all(|r| r
        .header("cookie")
        .is_some_and(|c| c.starts_with("hadoop.auth=\"u=provisioner&"))));
    assert!(
        requests.iter().all(|r| !r.target.contains("user.name")),
        "user.name is simple authentication's, not sent with SPNEGO"
    );
    // Kerberos: one AS (TGT from the keytab) and one TGS (HTTP/localhost).
    let (as_req, tgs_req) = kdc.requests_of("provisioner");
    assert_eq!((as_req, tgs_req), (1, 1), "KDC requests (AS, TGS)");
    eprintln!(
        "spnego: 20 status calls -> {} negotiation, {} HTTP requests, KDC AS_REQ={as_req} TGS_REQ={tgs_req}; first call (401 + KDC + token) {:.1} ms, next 19 calls {:.2} ms each",
        c.spnego_negotiations(),
        requests.len(),
        first.as_secs_f64() * 1e3,
        rest.as_secs_f64() * 1e3 / 19.0
    );
}

#[tokio::test]
async fn an_expired_cookie_negotiates_again_without_the_kdc() {
    let kdc = kdc();
    let (rm, server, c) = localhost_rm_and_client("renewer").await;
    for _ in 0..3 {
        c.status(APP).await.expect("status");
    }
    assert_eq!(c.spnego_negotiations(), 1);

    rm.expire_cookies();
    for _ in 0..3 {
        assert_running(c.status(APP).await);
    }
    assert_eq!(c.spnego_negotiations(), 2, "one new negotiation");
    assert_eq!(rm.accepted().len(), 2);
    // The service ticket is still in the client's credential cache.
    assert_eq!(kdc.requests_of("renewer"), (1, 1));
    let requests = server.requests();
    let negotiated: Vec<usize> = requests
        .iter()
        .enumerate()
        .filter(|(_, r)| r.header("authorization").is_some())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(negotiated.len(), 2);
    assert!(
        requests[negotiated[1] - 1].header("cookie").is_some(),
        "the stale cookie was sent, refused, and only then a token"
    );
}

#[tokio::test]
async fn concurrent_calls_meeting_a_401_negotiate_once() {
    kdc();
    let (rm, _server, c) = localhost_rm_and_client("concurrent").await;
    let c = Arc::new(c);
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.status(APP).await })
        })
        .collect();
    for call in calls {
        assert_running(call.await.expect("task"));
    }
    assert_eq!(c.spnego_negotiations(), 1);
    assert_eq!(rm.accepted().len(), 1);
}

#[tokio::test]
async fn kill_works_with_spnego() {
    kdc();
    let (rm, server, c) = localhost_rm_and_client("killer").await;
    assert_eq!(c.kill(APP).await.expect("kill"), KillOutcome::InProgress);
    let puts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2, "the 401, then the negotiated PUT");
    let put = &puts[1];
    assert!(put
        .header("authorization")
        .is_some_and(|a| a.starts_with("Negotiate ")));
    assert_eq!(put.target, format!("/ws/v1/cluster/apps/{APP}/state"));
    let body: serde_json::Value = serde_json::from_str(&put.body).expect("JSON body");
    assert_eq!(body, serde_json::json!({"state": "KILLED"}));
    assert_eq!(rm.accepted(), [format!("killer@{REALM}")]);
    assert_eq!(
        c.status(APP).await.expect("status"),
        ApplicationState::Killed {
            diagnostics: "Application killed by user.".into()
        }
    );
    assert_eq!(
        c.spnego_negotiations(),
        1,
        "the status call used the cookie"
    );
}

#[tokio::test]
async fn ha_skips_a_dead_rm_and_authenticates_to_each_host_it_asks() {
    let kdc = kdc();
    // The active RM is HTTP/localhost; the standby that redirects to it is
    // HTTP/127.0.0.1: each accepts only a token for its own principal.
    let active_rm = SpnegoRm::new("localhost", None);
    let active = active_rm.start().await;
    let standby_rm = SpnegoRm::new("127.0.0.1", Some(as_localhost(&active)));
    let standby = standby_rm.start().await;
    let dead = format!("http://localhost:{}", free_port());
    let c = keytab_client(
        &[dead, standby.base_url.clone(), as_localhost(&active)],
        "hauser",
        &kdc.keytab("hauser"),
    );
    assert_running(c.status(APP).await);
    assert_eq!(standby_rm.accepted(), [format!("hauser@{REALM}")]);
    assert_eq!(active_rm.accepted(), [format!("hauser@{REALM}")]);
    assert_eq!(c.spnego_negotiations(), 2, "one per host asked");
    // One TGT, one service ticket per RM principal.
    assert_eq!(kdc.requests_of("hauser"), (1, 2));

    // The active RM is remembered and its cookie kept.
    let standby_before = standby.requests().len();
    c.status(APP).await.expect("status");
    assert_eq!(standby.requests().len(), standby_before);
    assert_eq!(c.spnego_negotiations(), 2);
}

#[tokio::test]
async fn a_reply_token_not_made_with_the_rms_key_is_refused() {
    let kdc = kdc();
    let mut rm = SpnegoRm::new("localhost", None);
    rm.forge_reply = true;
    let server = rm.start().await;
    let c = keytab_client(&[as_localhost(&server)], "mutual", &kdc.keytab("mutual"));
    let msg = error_message!(c.status(APP).await, Other);
    assert!(msg.contains("does not prove it is HTTP/localhost"), "{msg}");
    assert!(msg.contains("gss_init_sec_context failed"), "{msg}");
    assert_eq!(
        rm.accepted(),
        [format!("mutual@{REALM}")],
        "the RM took the token"
    );
}

#[tokio::test]
async fn without_a_keytab_the_default_credential_cache_from_kinit_is_used() {
    let kdc = kdc();
    let ccache = std::env::var("KRB5CCNAME").expect("KRB5CCNAME set by kdc()");
    let kinit = Path::new("/usr/bin/kinit");
    assert!(
        kinit.is_file(),
        "kinit is missing: run scripts/install-deps.sh test (package krb5-user)"
    );
    run(
        Command::new(kinit)
            .args(["-k", "-t"])
            .arg(kdc.keytab("kinituser"))
            .args(["-c", &ccache, "kinituser"]),
        None,
    );
    let rm = SpnegoRm::new("localhost", None);
    let server = rm.start().await;
    let c = YarnRmClient::new(&[as_localhost(&server)], None, Duration::from_secs(5))
        .expect("client")
        .with_spnego(None)
        .expect("spnego");
    assert_running(c.status(APP).await);
    assert_eq!(rm.accepted(), [format!("kinituser@{REALM}")]);
}

#[tokio::test]
async fn a_keytab_without_the_principal_fails_naming_the_settings() {
    let kdc = kdc();
    let rm = SpnegoRm::new("localhost", None);
    let server = rm.start().await;
    // The keytab holds other@CDP.TEST's keys, not provisioner's.
    let c = keytab_client(
        &[as_localhost(&server)],
        "provisioner",
        &kdc.keytab("other"),
    );
    let msg = error_message!(c.status(APP).await, Other);
    for needle in [
        "launcher.kerberos_principal",
        "launcher.kerberos_keytab",
        "provisioner (keytab",
        "gss_acquire_cred_from failed",
        "GSS major",
    ] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }
    assert!(rm.accepted().is_empty());
    eprintln!("spnego: wrong keytab -> {msg}");
}

#[tokio::test]
async fn a_principal_the_kdc_does_not_know_fails_with_the_kdcs_reason() {
    kdc();
    let (rm, _server, c) = localhost_rm_and_client("ghost").await;
    let msg = error_message!(c.status(APP).await, Other);
    assert!(
        msg.contains(&format!(
            "Client 'ghost@{REALM}' not found in Kerberos database"
        )),
        "MIT's own minor status text missing: {msg}"
    );
    assert!(msg.contains("launcher.kerberos_principal"), "{msg}");
    assert!(rm.accepted().is_empty());
    eprintln!("spnego: unknown principal -> {msg}");
}

#[test]
fn a_host_without_an_http_principal_is_told_apart() {
    // GSSAPI asks only the KDC, never the host: any name will do. (The
    // client's message for this case, naming launcher.resource_managers,
    // is checked by the spnego module's unit tests.)
    let kdc = kdc();
    let credentials = InitiatorCredentials::Keytab {
        principal: "nohost".into(),
        keytab: kdc.keytab("nohost"),
        ccache: "MEMORY:cdp-spnego-test-nohost".into(),
    };
    match ClientContext::initiate("HTTP", "rm-unknown.cdp.test", &credentials) {
        Err(e) => {
            assert!(e.is_unknown_service(), "{e}");
            let text = e.to_string();
            assert!(text.contains("gss_init_sec_context failed"), "{text}");
            assert!(
                text.contains(&format!(
                    "Server HTTP/rm-unknown.cdp.test@{REALM} not found in Kerberos database"
                )),
                "{text}"
            );
        }
        Ok(_) => panic!("a token for a principal the KDC does not know"),
    }
    // The client got its TGT, then asked for the unknown service (MIT asks
    // twice: with and without name canonicalisation).
    let (as_req, tgs_req) = kdc.requests_of("nohost");
    assert_eq!(as_req, 1);
    assert!(tgs_req >= 1, "no TGS request for the unknown service");
}

#[tokio::test]
async fn a_missing_keytab_is_refused_when_the_client_is_built() {
    kdc();
    let missing = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-such.keytab");
    let err = YarnRmClient::new(
        &["http://localhost:1".to_string()],
        None,
        Duration::from_secs(1),
    )
    .expect("client")
    .with_spnego(Some(&KerberosConfig {
        principal: "provisioner".into(),
        keytab: missing,
    }))
    .expect_err("no keytab");
    let msg = err.to_string();
    assert!(
        msg.starts_with("launcher.kerberos_keytab: cannot read"),
        "{msg}"
    );
}

#[tokio::test]
async fn an_rm_demanding_spnego_without_it_configured_says_which_setting() {
    kdc();
    let rm = SpnegoRm::new("localhost", None);
    let server = rm.start().await;
    let c =
        YarnRmClient::new(&[as_localhost(&server)], None, Duration::from_secs(5)).expect("client");
    let msg = error_message!(c.status(APP).await, Other);
    assert!(msg.contains("launcher.yarn_spnego = true"), "{msg}");
    assert_eq!(c.spnego_negotiations(), 0);
}

#[test]
fn the_kdc_starts_fast() {
    let kdc = kdc();
    assert!(
        kdc.started_in < Duration::from_secs(5),
        "the KDC took {:?} to start",
        kdc.started_in
    );
    assert!(kdc.log.is_file(), "krb5kdc writes its log");
}
