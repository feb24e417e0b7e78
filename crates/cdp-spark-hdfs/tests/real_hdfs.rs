//! The HDFS adapter against a real HDFS: the Hadoop 3.1.1 mini cluster with
//! an HA name service (`CDP_TEST_MINICLUSTER`, started by `scripts/test.sh`;
//! by hand: `scripts/hadoop-minicluster.sh start DIR --ha`), simple
//! authentication, permissions on. The provisioner is configured as an
//! operator would: the gateway's `core-site.xml`/`hdfs-site.xml` (the name
//! service `cdpns` and its two NameNodes come from the XML) and the user
//! `cdpprov`. Files are written by the HDFS superuser with hdfs-native.
//!
//! The failover, all-NameNodes-down and RPC-count tests move or count the
//! whole cluster: they hold [`CLUSTER`] for writing, every other test holds
//! it for reading, so no test disturbs a neighbour running beside it.
//!
//! `cargo test -p cdp-spark-hdfs --test real_hdfs -- --nocapture` shows the
//! timings and the figures.

use cdp_spark_testkit::fixtures;
#[path = "support/jars.rs"]
mod jars;
use cdp_spark_testkit::javajar;
use cdp_spark_testkit::minicluster;
use cdp_spark_testkit::real_cluster;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cdp_spark_domain::api::{SystemError, ValidationResult};
use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::jar::{check_main_class, MainClassCheck, PortByteSource};
use cdp_spark_domain::ports::{FileKind, FsError, HdfsPort};
use cdp_spark_hdfs::hdfs_native::Client;
use cdp_spark_hdfs::{ArtifactFs, CountingPort, HdfsConfig, HdfsNativeFs};
use minicluster::MiniCluster;
use real_cluster::{
    descriptor, mkdir, plain_config, problems, provisioner, put, remove, request, single_problem,
    superuser_client, test_dir, BLOCK_SIZE,
};
use tokio::sync::RwLock;

/// Read: a test that only reads. Write: a test that moves NameNodes or
/// counts the cluster's RPCs.
static CLUSTER: RwLock<()> = RwLock::const_new(());

const MAIN: &str = "com.acme.app.Main";
const HELPER: &str = "com.acme.app.Helper";

fn classes() -> javajar::Compiled {
    javajar::compile(
        "real-hdfs",
        &[
            (
                "com/acme/app/Main.java",
                "package com.acme.app;\npublic class Main { public static void main(String[] a) {} }\n",
            ),
            (
                "com/acme/app/Helper.java",
                "package com.acme.app;\npublic class Helper { public void main(String[] a) {} }\n",
            ),
        ],
    )
}

/// What [`write_files`] put on the cluster, under `dir`.
struct Files {
    dir: String,
    /// The javac-built jar (Main has main, Helper has none).
    app: Vec<u8>,
    /// 5,000 entries and about 3.5 MB: four 1 MiB blocks.
    multi: Vec<u8>,
}

impl Files {
    /// `hdfs:///dir/name` (the default filesystem of core-site.xml).
    fn default_fs(&self, name: &str) -> String {
        format!("hdfs://{}/{name}", self.dir)
    }

    /// `hdfs://cdpns/dir/name`.
    fn named(&self, name: &str) -> String {
        format!("hdfs://cdpns{}/{name}", self.dir)
    }

    fn uri(&self, name: &str) -> ArtifactUri {
        ArtifactUri::parse(&self.named(name)).expect("a valid location")
    }
}

/// `app.jar`, `multi.jar`, `lib/dep.jar` (mode 644, the superuser's);
/// `folder.jar/` (a directory); `alice-600.jar` (alice's, mode 600, in a
/// folder everyone may enter); `alice-700/app.jar` (mode 644 but in
/// alice's folder of mode 700).
async fn write_files(cluster: &MiniCluster, client: &Client, label: &str) -> Files {
    let alice = cluster.var("CDP_TEST_HDFS_OTHER_USER");
    let dir = test_dir(client, label).await;
    let compiled = classes();
    let app = std::fs::read(compiled.jar(javajar::Packing::Deflated)).expect("read the jar");
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let multi_path = scratch.path().join("multi.jar");
    jars::write_jar(
        &multi_path,
        5_000,
        3_500_000,
        &compiled.class_bytes("com/acme/app/Main"),
    );
    let multi = std::fs::read(&multi_path).expect("read the multi-block jar");
    put(client, &format!("{dir}/app.jar"), &app, 0o644, None).await;
    put(client, &format!("{dir}/multi.jar"), &multi, 0o644, None).await;
    put(client, &format!("{dir}/lib/dep.jar"), &app, 0o644, None).await;
    put(
        client,
        &format!("{dir}/lib/not-a-zip.jar"),
        b"#!/bin/sh\necho a script, not a jar\n",
        0o644,
        None,
    )
    .await;
    mkdir(client, &format!("{dir}/folder.jar"), 0o755, None).await;
    put(
        client,
        &format!("{dir}/alice-600.jar"),
        &app,
        0o600,
        Some(alice),
    )
    .await;
    mkdir(client, &format!("{dir}/alice-700"), 0o700, Some(alice)).await;
    put(
        client,
        &format!("{dir}/alice-700/app.jar"),
        &app,
        0o644,
        Some(alice),
    )
    .await;
    Files { dir, app, multi }
}

fn native(config: &HdfsConfig) -> HdfsNativeFs {
    HdfsNativeFs::new(config).unwrap_or_else(|e| panic!("the configuration is refused: {e}"))
}

fn artifact_fs(config: &HdfsConfig) -> ArtifactFs {
    ArtifactFs::from_config(config).unwrap_or_else(|e| panic!("the configuration is refused: {e}"))
}

fn permission_denied<T: std::fmt::Debug>(result: Result<T, FsError>, what: &str) -> String {
    match result {
        Err(FsError::PermissionDenied { detail, .. }) => detail.into(),
        other => panic!("{what}: expected permission denied, got {other:?}"),
    }
}

// --------------------------------------------------------------- reads ---

#[tokio::test]
async fn status_and_range_reads_of_real_files() {
    let cluster = MiniCluster::plain();
    let _shared = CLUSTER.read().await;
    let client = superuser_client(&cluster);
    let files = write_files(&cluster, &client, "reads").await;
    let fs = CountingPort::new(native(&plain_config(&cluster)));
    let summary = fs.inner().summary();
    assert!(summary.contains("name service cdpns"), "{summary}");

    // Status: files (both spellings of the filesystem), a directory,
    // nothing, and alice's files.
    for (uri, len) in [
        (files.default_fs("app.jar"), files.app.len()),
        (files.named("app.jar"), files.app.len()),
        (files.named("multi.jar"), files.multi.len()),
        // Only its folders need to be enterable.
        (files.named("alice-600.jar"), files.app.len()),
    ] {
        let location = ArtifactUri::parse(&uri).expect("valid");
        let status = fs.status(&location).await.expect("status");
        let status = status.unwrap_or_else(|| panic!("{uri} was just written"));
        assert_eq!(status.kind, FileKind::File, "{uri}");
        assert_eq!(status.length, len as u64, "{uri}");
    }
    assert_eq!(
        fs.status(&files.uri("folder.jar")).await,
        Ok(Some(cdp_spark_domain::ports::FileStatus {
            kind: FileKind::Directory,
            length: 0
        }))
    );
    assert_eq!(fs.status(&files.uri("missing.jar")).await, Ok(None));
    assert_eq!(fs.status(&files.uri("lib/missing/dep.jar")).await, Ok(None));
    let detail = permission_denied(
        fs.status(&files.uri("alice-700/app.jar")).await,
        "status of a file in alice's 700 folder",
    );
    eprintln!("status in alice's 700 folder: {detail}");
    assert!(
        detail.contains("user=cdpprov") && detail.contains("access=EXECUTE"),
        "{detail}"
    );
    assert!(
        detail.contains("simple authentication as cdpprov"),
        "{detail}"
    );

    // Range reads: the start, across a block boundary, the end, past the end.
    let multi = files.uri("multi.jar");
    let app = files.uri("app.jar");
    assert_eq!(
        fs.read_range(&app, 0, 4).await.expect("read"),
        b"PK\x03\x04".to_vec()
    );
    let b = BLOCK_SIZE;
    for (offset, len) in [(b - 10, 20), (2 * b - 1, 2), (0, 3 * b + 5)] {
        let bytes = fs.read_range(&multi, offset, len).await.expect("read");
        assert!(
            bytes == files.multi[offset as usize..(offset + len) as usize],
            "bytes {offset}+{len} of multi.jar differ"
        );
    }
    let end = files.multi.len() as u64;
    assert_eq!(
        fs.read_range(&multi, end - 22, 22)
            .await
            .expect("read")
            .len(),
        22
    );
    match fs.read_range(&multi, end - 2, 10).await {
        Err(FsError::Read { detail, .. }) => {
            assert!(
                detail.contains(&format!("the file has {end} bytes")),
                "{detail}"
            )
        }
        other => panic!("a read past the end: {other:?}"),
    }
    let detail = permission_denied(
        fs.read_range(&files.uri("alice-600.jar"), 0, 4).await,
        "read of alice's 600 file",
    );
    eprintln!("read of alice's 600 file: {detail}");
    assert!(
        detail.contains("user=cdpprov") && detail.contains("access=READ"),
        "{detail}"
    );

    // The jar inspection on real reads.
    let check = |location: &ArtifactUri, len: usize, class: &str| {
        let fs = &fs;
        let location = location.clone();
        let class = class.to_string();
        async move {
            let source = PortByteSource::new(fs, &location, len as u64);
            check_main_class(&source, &class).await
        }
    };
    assert_eq!(
        check(&app, files.app.len(), MAIN).await,
        Ok(MainClassCheck::HasMain {
            entry: "com/acme/app/Main.class".into()
        })
    );
    assert!(matches!(
        check(&app, files.app.len(), HELPER).await,
        Ok(MainClassCheck::NoMainMethod { .. })
    ));
    assert!(matches!(
        check(&app, files.app.len(), "com.acme.Main").await,
        Ok(MainClassCheck::ClassNotFound { similar, .. })
            if similar == vec!["com/acme/app/Main.class".to_string()]
    ));
    fs.take();
    assert_eq!(
        check(&multi, files.multi.len(), MAIN).await,
        Ok(MainClassCheck::HasMain {
            entry: "com/acme/app/Main.class".into()
        })
    );
    let counts = fs.take();
    eprintln!(
        "multi.jar ({} bytes, {} blocks): {} range reads, {} bytes: {:?}",
        files.multi.len(),
        files.multi.len().div_ceil(BLOCK_SIZE as usize),
        counts.range_reads,
        counts.bytes_read,
        counts.ranges
    );
    assert!(counts.range_reads <= 3, "{counts:?}");
    assert!(
        counts.bytes_read * 5 < files.multi.len() as u64,
        "{counts:?}"
    );

    // hdfs:/// and hdfs://cdpns are one filesystem, one client.
    assert_eq!(fs.inner().cached_filesystems(), vec!["hdfs://cdpns"]);
    assert_eq!(fs.inner().clients_built(), 1);
    remove(&client, &files.dir).await;
}

// ----------------------------------------------------------- validation ---

#[tokio::test]
async fn validation_reports_each_problem_on_its_field() {
    let cluster = MiniCluster::plain();
    let _shared = CLUSTER.read().await;
    let client = superuser_client(&cluster);
    let files = write_files(&cluster, &client, "fields").await;
    let provisioner = provisioner(Arc::new(artifact_fs(&plain_config(&cluster))));
    let fixture = fixtures::read(fixtures::SCHEDULED_DESCRIPTOR);
    let validate = |jar: String, class: &str, deps: Vec<String>| {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        let text = descriptor(&fixture, &jar, class, &deps);
        let provisioner = provisioner.clone();
        async move { provisioner.validate(&request(text)).await }
    };

    let good = validate(
        files.default_fs("app.jar"),
        MAIN,
        vec![files.named("lib/dep.jar")],
    )
    .await;
    assert_eq!(good, Ok(ValidationResult::valid()));
    let good = validate(files.named("multi.jar"), MAIN, vec![]).await;
    assert_eq!(good, Ok(ValidationResult::valid()));

    let p = single_problem(
        &validate(files.named("app.jar"), "com.acme.Nope", vec![]).await,
        "specific.className",
    );
    assert!(
        p.contains("class com.acme.Nope not found") && p.contains("com/acme/Nope.class"),
        "{p}"
    );
    let p = single_problem(
        &validate(files.named("app.jar"), HELPER, vec![]).await,
        "specific.className",
    );
    assert!(
        p.contains("has no public static void main(String[])"),
        "{p}"
    );
    let p = single_problem(
        &validate(files.named("folder.jar"), MAIN, vec![]).await,
        "specific.jar",
    );
    assert!(p.contains("is a directory, not a file"), "{p}");
    let p = single_problem(
        &validate(files.named("missing.jar"), MAIN, vec![]).await,
        "specific.jar",
    );
    assert!(p.contains("missing.jar does not exist"), "{p}");
    let p = single_problem(
        &validate(
            files.named("app.jar"),
            MAIN,
            vec![files.default_fs("lib/missing.jar")],
        )
        .await,
        "specific.jobConfig.dependencies[0]",
    );
    assert!(
        p.contains("the dependency") && p.contains("lib/missing.jar does not exist"),
        "{p}"
    );

    // What the provisioner's user may not read: a problem on the field,
    // saying permission denied and for whom (not "does not exist", not a
    // system fault).
    for (jar, access) in [
        ("alice-600.jar", "access=READ"),
        ("alice-700/app.jar", "access=EXECUTE"),
    ] {
        let result = validate(files.named(jar), MAIN, vec![]).await;
        let p = single_problem(&result, "specific.jar");
        eprintln!("{jar}: {p}");
        assert!(
            p.contains("permission denied")
                && p.contains("user=cdpprov")
                && p.contains(access)
                && p.contains(jar),
            "{p}"
        );
    }
    let p = single_problem(
        &validate(
            files.named("app.jar"),
            MAIN,
            vec![files.named("alice-700/app.jar")],
        )
        .await,
        "specific.jobConfig.dependencies[0]",
    );
    assert!(
        p.contains("permission denied") && p.contains("user=cdpprov"),
        "{p}"
    );
    // A dependency is read too (its end record): one the provisioner may
    // not read (its status answers, its read is refused) and one that is
    // not a jar are problems on the dependency, not "valid".
    let p = single_problem(
        &validate(
            files.named("app.jar"),
            MAIN,
            vec![files.named("alice-600.jar")],
        )
        .await,
        "specific.jobConfig.dependencies[0]",
    );
    assert!(
        p.contains("may not read the dependency")
            && p.contains("permission denied")
            && p.contains("user=cdpprov")
            && p.contains("access=READ"),
        "{p}"
    );
    let p = single_problem(
        &validate(
            files.named("app.jar"),
            MAIN,
            vec![files.named("lib/not-a-zip.jar")],
        )
        .await,
        "specific.jobConfig.dependencies[0]",
    );
    assert!(p.contains("is not a jar (zip) file"), "{p}");
    remove(&client, &files.dir).await;
}

// ------------------------------------------------------------ failover ---

/// NameNode 0 active and the others standby, how the other tests expect
/// the cluster (every NameNode running: [`NameNodes`] starts what it
/// stopped).
fn settle(cluster: &MiniCluster) {
    for (index, _, state) in cluster.namenodes() {
        if index != 0 && state == "active" {
            cluster.namenode(index, "standby");
        }
    }
    if !cluster
        .namenodes()
        .iter()
        .any(|(index, _, state)| *index == 0 && state == "active")
    {
        cluster.namenode(0, "active");
    }
}

/// A disruptive test's hold on the NameNodes: stops and starts them,
/// remembering which are stopped, and however the test ends starts them
/// again and [`settle`]s the cluster.
struct NameNodes {
    cluster: MiniCluster,
    stopped: std::sync::Mutex<BTreeSet<usize>>,
}

impl NameNodes {
    fn take(cluster: &MiniCluster) -> NameNodes {
        settle(cluster);
        NameNodes {
            cluster: cluster.clone(),
            stopped: Default::default(),
        }
    }

    fn stop(&self, index: usize) {
        self.stopped.lock().expect("lock").insert(index);
        self.cluster.namenode(index, "stop");
    }

    fn start(&self, index: usize) {
        self.cluster.namenode(index, "start");
        self.stopped.lock().expect("lock").remove(&index);
    }
}

impl Drop for NameNodes {
    fn drop(&mut self) {
        let stopped: Vec<usize> = self
            .stopped
            .lock()
            .map(|s| s.iter().copied().collect())
            .unwrap_or_default();
        let restored = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for index in stopped {
                self.cluster.namenode(index, "start");
            }
            settle(&self.cluster);
        }));
        if restored.is_err() {
            eprintln!("the NameNodes could not be restored: later tests may fail");
        }
    }
}

/// What a validation must answer.
#[derive(Clone)]
enum Expect {
    Valid,
    Problem { field: &'static str, text: String },
}

fn check_answer(
    result: &Result<ValidationResult, SystemError>,
    expect: &Expect,
) -> Result<(), String> {
    match (expect, result) {
        (Expect::Valid, Ok(r)) if r.valid => Ok(()),
        (Expect::Problem { field, text }, Ok(r)) if !r.valid => {
            let p = problems(r);
            let prefix = format!("{}.{field}: ", real_cluster::COMPONENT);
            if p.len() == 1 && p[0].starts_with(&prefix) && p[0].contains(text.as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "expected one problem on {field} with '{text}', got {p:?}"
                ))
            }
        }
        (_, other) => Err(format!("unexpected answer {other:?}")),
    }
}

/// 200 validations (and more until the NameNodes have changed roles at
/// least 6 times), 4 at a time, while the active NameNode is moved to
/// standby and the other one made active, back and forth.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn validations_answer_correctly_while_the_namenodes_fail_over() {
    const VALIDATIONS: usize = 200;
    const MIN_FLIPS: usize = 6;
    let cluster = MiniCluster::plain();
    let _exclusive = CLUSTER.write().await;
    let _namenodes = NameNodes::take(&cluster);
    let client = superuser_client(&cluster);
    let files = write_files(&cluster, &client, "failover").await;
    let config = plain_config(&cluster);
    let provisioner = provisioner(Arc::new(artifact_fs(&config)));
    let fixture = fixtures::read(fixtures::SCHEDULED_DESCRIPTOR);
    let cases: Vec<(cdp_spark_domain::api::ProvisioningRequest, Expect)> = vec![
        (
            request(descriptor(
                &fixture,
                &files.default_fs("app.jar"),
                MAIN,
                &[&files.named("lib/dep.jar")],
            )),
            Expect::Valid,
        ),
        (
            request(descriptor(&fixture, &files.named("multi.jar"), MAIN, &[])),
            Expect::Valid,
        ),
        (
            request(descriptor(
                &fixture,
                &files.named("app.jar"),
                "com.acme.Nope",
                &[],
            )),
            Expect::Problem {
                field: "specific.className",
                text: "class com.acme.Nope not found".into(),
            },
        ),
        (
            request(descriptor(&fixture, &files.named("missing.jar"), MAIN, &[])),
            Expect::Problem {
                field: "specific.jar",
                text: "missing.jar does not exist".into(),
            },
        ),
        (
            request(descriptor(
                &fixture,
                &files.named("alice-600.jar"),
                MAIN,
                &[],
            )),
            Expect::Problem {
                field: "specific.jar",
                text: "user=cdpprov, access=READ".into(),
            },
        ),
    ];
    // Warm: the client exists and knows the active NameNode.
    for (request, expect) in &cases {
        let answer = provisioner.validate(request).await;
        check_answer(&answer, expect).unwrap_or_else(|e| panic!("before any failover: {e}"));
    }

    let done = Arc::new(AtomicBool::new(false));
    let flips = Arc::new(AtomicUsize::new(0));
    let flipper = {
        let (cluster, done, flips) = (cluster.clone(), done.clone(), flips.clone());
        tokio::task::spawn_blocking(move || {
            let mut active = 0;
            let mut log = Vec::new();
            while !done.load(Ordering::SeqCst) {
                let started = Instant::now();
                cluster.namenode(active, "standby");
                cluster.namenode(1 - active, "active");
                active = 1 - active;
                log.push(started.elapsed());
                flips.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(150));
            }
            log
        })
    };
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let worker = |_| {
        let (cases, provisioner, next, flips) = (&cases, &provisioner, &next, &flips);
        async move {
            let mut times = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= VALIDATIONS && flips.load(Ordering::SeqCst) >= MIN_FLIPS {
                    return times;
                }
                if i >= 50 * VALIDATIONS {
                    panic!(
                        "{i} validations and the NameNodes changed roles only {} times",
                        flips.load(Ordering::SeqCst)
                    );
                }
                let (request, expect) = &cases[i % cases.len()];
                let t = Instant::now();
                let answer = provisioner.validate(request).await;
                let took = t.elapsed();
                if let Err(e) = check_answer(&answer, expect) {
                    panic!(
                        "validation {i} (case {}) after {} role changes, {took:?}: {e}",
                        i % cases.len(),
                        flips.load(Ordering::SeqCst)
                    );
                }
                times.push(took);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    let per_worker: Vec<Vec<Duration>> = futures::future::join_all((0..4).map(worker)).await;
    let elapsed = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let transitions = flipper.await.expect("the failover thread");
    let mut times: Vec<Duration> = per_worker.into_iter().flatten().collect();
    times.sort();
    let slowest = times.last().copied().unwrap_or_default();
    let p50 = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    let longest_transition = transitions.iter().max().copied().unwrap_or_default();
    let over = |limit: u64| {
        times
            .iter()
            .filter(|t| **t > Duration::from_millis(limit))
            .count()
    };
    eprintln!(
        "failover: {} validations in {elapsed:?}, all answered correctly, during {} role changes \
         (longest change {longest_transition:?}); validation p50 {p50:?}, p99 {p99:?}, slowest \
         {slowest:?}; over 100 ms: {}, over 1 s: {}",
        times.len(),
        transitions.len(),
        over(100),
        over(1000)
    );
    assert!(times.len() >= VALIDATIONS);
    assert!(transitions.len() >= MIN_FLIPS);
    assert!(
        slowest < config.timeout(),
        "the slowest validation took {slowest:?}, more than hdfs.timeout_ms"
    );
    remove(&client, &files.dir).await;
}

// --------------------------------------------------- all NameNodes down ---

/// Both NameNodes stopped: validation is a `SystemError` naming the name
/// service, within `hdfs.timeout_ms` (3 s here) plus a little; the port's
/// error says which NameNodes were tried and what they did. Restarted,
/// the same client validates again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_namenode_down_validation_fails_in_time_naming_the_name_service_then_recovers() {
    const TIMEOUT_MS: u64 = 3_000;
    let margin = Duration::from_millis(1_500);
    let cluster = MiniCluster::plain();
    let _exclusive = CLUSTER.write().await;
    let namenodes = NameNodes::take(&cluster);
    let ports: Vec<u16> = cluster
        .namenodes()
        .iter()
        .map(|(_, port, _)| *port)
        .collect();
    let client = superuser_client(&cluster);
    let files = write_files(&cluster, &client, "all-down").await;
    let config = HdfsConfig {
        timeout_ms: TIMEOUT_MS,
        ..plain_config(&cluster)
    };
    let fs = Arc::new(artifact_fs(&config));
    let provisioner = provisioner(fs.clone());
    let fixture = fixtures::read(fixtures::SCHEDULED_DESCRIPTOR);
    let good = request(descriptor(
        &fixture,
        &files.named("app.jar"),
        MAIN,
        &[&files.default_fs("lib/dep.jar")],
    ));
    assert_eq!(
        provisioner.validate(&good).await,
        Ok(ValidationResult::valid()),
        "with the NameNodes up"
    );

    let stopping = Instant::now();
    namenodes.stop(0);
    namenodes.stop(1);
    eprintln!(
        "all down: both NameNodes stopped in {:?}",
        stopping.elapsed()
    );

    // Through the use case, on the client that was connected.
    let started = Instant::now();
    let answer = provisioner.validate(&good).await;
    let took = started.elapsed();
    let e = answer.expect_err("no NameNode: a SystemError, not a validation result");
    eprintln!("all down: validate answered in {took:?}: {}", e.error);
    assert!(
        e.error.contains("unreachable") && e.error.contains("name service cdpns"),
        "{e:?}"
    );
    assert!(
        e.user_message
            .as_deref()
            .unwrap_or("")
            .contains("unreachable"),
        "{e:?}"
    );
    assert!(
        took < Duration::from_millis(TIMEOUT_MS) + margin,
        "validate took {took:?} with hdfs.timeout_ms = {TIMEOUT_MS}"
    );

    // Through the port, on a client that never connected.
    let fresh = native(&config);
    let started = Instant::now();
    let status = fresh.status(&files.uri("app.jar")).await;
    let took = started.elapsed();
    match &status {
        Err(FsError::Unreachable { target, detail }) => {
            eprintln!("all down: a new client's status answered in {took:?}: {target}: {detail}");
            assert!(
                target.starts_with("name service cdpns (NameNodes "),
                "{target}"
            );
            for port in &ports {
                assert!(
                    detail.contains(&format!("localhost:{port} refuses connections")),
                    "{detail}"
                );
            }
            assert!(detail.contains("hdfs.timeout_ms = 3000"), "{detail}");
        }
        other => panic!("all NameNodes down: expected unreachable, got {other:?}"),
    }
    assert!(
        took < Duration::from_millis(TIMEOUT_MS) + margin,
        "status took {took:?} with hdfs.timeout_ms = {TIMEOUT_MS}"
    );

    // Back up: the same provisioner (and client) validates again.
    let restarting = Instant::now();
    namenodes.start(0);
    namenodes.start(1);
    cluster.namenode(0, "active");
    let restarted = restarting.elapsed();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut attempts = 0;
    let last = loop {
        attempts += 1;
        let answer = provisioner.validate(&good).await;
        if answer == Ok(ValidationResult::valid()) || Instant::now() > deadline {
            break answer;
        }
        // While the DataNode reports its blocks to the new NameNodes a
        // validation may fail, but only as a fault, never as a problem of
        // the descriptor.
        match &answer {
            Err(e) => eprintln!("all down: while coming back: {}", e.error),
            Ok(result) => panic!("while coming back, a wrong answer: {result:?}"),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    eprintln!(
        "all down: NameNodes restarted in {restarted:?}, then valid again after {:?} ({attempts} \
         attempts)",
        restarting.elapsed() - restarted
    );
    assert_eq!(
        last,
        Ok(ValidationResult::valid()),
        "120 s after the NameNodes came back"
    );
    remove(&client, &files.dir).await;
}

// ---------------------------------------------------------------- cost ---

/// The NameNode's RPC counters (`RpcDetailedActivityForPort<port>`: calls
/// per method; `RpcActivityForPort<port>`: all calls) and the DataNode's
/// (`DataNodeActivity-*`), from the daemons' JMX.
///
/// Two things of Hadoop's JMX to know: a NameNode restarted in the same JVM
/// (the mini cluster's `start`) registers its beans again with a suffix
/// (`RpcDetailedActivityForPort41093-3`) and the old ones stay, frozen: the
/// highest suffix is the running NameNode. And the values are a cache
/// refreshed at most every 10 s (the metrics period), so a reading is only
/// known to include a call once the cache has been refreshed after it:
/// [`Jmx::refreshed`] waits for that, seeing it by the heartbeat counters,
/// which move every 3 s.
struct Jmx {
    http: Vec<String>,
    datanode: String,
    port: u16,
}

/// One reading of both daemons.
#[derive(Clone, PartialEq)]
struct Reading {
    namenode: BTreeMap<String, u64>,
    datanode: BTreeMap<String, u64>,
}

/// Calls the cluster's own daemons make to the NameNode, not a client's:
/// the DataNode's (`DatanodeProtocol`: heartbeats, block reports), the
/// standby NameNode's (`NamenodeProtocol`: it asks the active one to roll
/// its edit log every 2 minutes) and HA's (`HAServiceProtocol`).
const SERVER_METHODS: [&str; 26] = [
    "RegisterDatanode",
    "SendHeartbeat",
    "SendLifeline",
    "BlockReport",
    "CacheReport",
    "BlockReceivedAndDeleted",
    "ErrorReport",
    "VersionRequest",
    "ReportBadBlocks",
    "CommitBlockSynchronization",
    "GetBlocks",
    "GetBlockKeys",
    "GetTransactionId",
    "GetMostRecentCheckpointTxId",
    "RollEditLog",
    "RegisterSubordinateNamenode",
    "StartCheckpoint",
    "EndCheckpoint",
    "GetEditLogManifest",
    "IsUpgradeFinalized",
    "IsRollingUpgrade",
    "GetNextSPSPath",
    "MonitorHealth",
    "GetServiceStatus",
    "TransitionToActive",
    "TransitionToStandby",
];

/// `GetFileInfoNumOps` → `Some("GetFileInfo")`.
fn method(counter: &str) -> Option<&str> {
    counter
        .strip_suffix("NumOps")
        .filter(|m| *m != "RpcProcessingTime")
}

impl Jmx {
    fn of(cluster: &MiniCluster) -> Jmx {
        let port = cluster
            .namenodes()
            .into_iter()
            .find(|(_, _, state)| state == "active")
            .map(|(_, port, _)| port)
            .expect("an active NameNode");
        Jmx {
            http: cluster
                .var("CDP_TEST_WEBHDFS_ALL")
                .split(',')
                .map(String::from)
                .collect(),
            datanode: cluster.var("CDP_TEST_DATANODE_HTTP").to_string(),
            port,
        }
    }

    /// The running NameNode's bean `NAME` `ForPort<port>` (highest suffix).
    fn namenode_bean(&self, name: &str) -> BTreeMap<String, u64> {
        let plain = format!("Hadoop:service=NameNode,name={name}ForPort{}", self.port);
        let suffix = |bean: &str| -> u64 {
            bean.strip_prefix(&plain)
                .and_then(|rest| rest.strip_prefix('-'))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        for http in &self.http {
            if let Some(beans) = real_cluster::jmx(http, &format!("{plain}*")) {
                let (_, bean) = beans
                    .iter()
                    .max_by_key(|(name, _)| suffix(name))
                    .unwrap_or_else(|| panic!("{http}/jmx has no {plain}"));
                return real_cluster::counters(bean);
            }
        }
        panic!("no NameNode answers /jmx ({:?})", self.http)
    }

    fn read(&self) -> Reading {
        let mut namenode: BTreeMap<String, u64> = self
            .namenode_bean("RpcDetailedActivity")
            .into_iter()
            .filter(|(k, _)| k.ends_with("NumOps"))
            .collect();
        let all = self.namenode_bean("RpcActivity");
        namenode.insert(
            "RpcProcessingTimeNumOps".into(),
            all.get("RpcProcessingTimeNumOps").copied().unwrap_or(0),
        );
        let beans = real_cluster::jmx(
            &self.datanode,
            "Hadoop:service=DataNode,name=DataNodeActivity-*",
        )
        .unwrap_or_else(|| panic!("the DataNode's {}/jmx does not answer", self.datanode));
        assert_eq!(beans.len(), 1, "one DataNode: {:?}", beans.keys());
        let datanode = real_cluster::counters(beans.values().next().expect("one bean"));
        Reading { namenode, datanode }
    }

    /// A reading taken after both daemons' caches were refreshed once
    /// after this call began (after a short pause for the counters the
    /// daemons update once the client has its answer).
    async fn refreshed(&self) -> Reading {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let heartbeats = |r: &Reading| {
            (
                r.namenode.get("SendHeartbeatNumOps").copied(),
                r.datanode.get("HeartbeatsNumOps").copied(),
            )
        };
        let first = self.read();
        let (mut namenode_moved, mut datanode_moved) = (false, false);
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let now = self.read();
            let (nn, dn) = heartbeats(&now);
            namenode_moved |= nn != heartbeats(&first).0;
            datanode_moved |= dn != heartbeats(&first).1;
            if namenode_moved && datanode_moved {
                return now;
            }
            assert!(
                Instant::now() < deadline,
                "the daemons' JMX did not move in 40 s (heartbeats {:?})",
                heartbeats(&now)
            );
        }
    }
}

/// One validation (a jar, no dependency) of a small jar (the client's
/// first) and of a 30 MB jar of 5,000 entries in 1 MiB blocks, counted by
/// the NameNode, the DataNode and our `CountingPort`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_one_validation_costs_the_namenode_and_the_datanode() {
    let cluster = MiniCluster::plain();
    let _exclusive = CLUSTER.write().await;
    let _namenodes = NameNodes::take(&cluster);
    let client = superuser_client(&cluster);
    let dir = test_dir(&client, "cost").await;
    let compiled = classes();
    let small = std::fs::read(compiled.jar(javajar::Packing::Deflated)).expect("read the jar");
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let big_path = scratch.path().join("big.jar");
    jars::write_jar(
        &big_path,
        5_000,
        30_000_000,
        &compiled.class_bytes("com/acme/app/Main"),
    );
    let big = std::fs::read(&big_path).expect("read the big jar");
    put(&client, &format!("{dir}/small.jar"), &small, 0o644, None).await;
    put(&client, &format!("{dir}/big.jar"), &big, 0o644, None).await;

    let fs = Arc::new(CountingPort::new(artifact_fs(&plain_config(&cluster))));
    let provisioner = provisioner(fs.clone());
    let fixture = fixtures::read(fixtures::SCHEDULED_DESCRIPTOR);
    let jmx = Jmx::of(&cluster);
    let mut rows = Vec::new();
    let mut before = jmx.refreshed().await;
    for (label, len) in [("small.jar", small.len()), ("big.jar", big.len())] {
        let request = request(descriptor(
            &fixture,
            &format!("hdfs://{dir}/{label}"),
            MAIN,
            &[],
        ));
        fs.take();
        let answer = provisioner.validate(&request).await;
        assert_eq!(answer, Ok(ValidationResult::valid()), "{label}");
        let ours = fs.take();
        let after = jmx.refreshed().await;
        let nn = real_cluster::delta(&before.namenode, &after.namenode);
        let dn = real_cluster::delta(&before.datanode, &after.datanode);
        before = after;
        let mut client_methods: BTreeMap<&str, u64> = BTreeMap::new();
        let mut server_calls = 0;
        for (counter, n) in &nn {
            match method(counter) {
                Some(m) if SERVER_METHODS.contains(&m) => server_calls += n,
                Some(m) => {
                    client_methods.insert(m, *n);
                }
                None => {}
            }
        }
        let client_calls: u64 = client_methods.values().sum();
        let processed = nn.get("RpcProcessingTimeNumOps").copied().unwrap_or(0);
        let read_ops = dn.get("ReadBlockOpNumOps").copied().unwrap_or(0);
        let bytes_read = dn.get("BytesRead").copied().unwrap_or(0);
        let blocks = len.div_ceil(BLOCK_SIZE as usize);
        let row = format!(
            "| {label} | {len} B, {blocks} block(s) | {client_methods:?}; all calls {processed}, of \
             which {server_calls} the daemons' own | {read_ops} | {bytes_read} | {} status, {} \
             range reads, {} B {:?} |",
            ours.status_calls, ours.range_reads, ours.bytes_read, ours.ranges
        );
        rows.push(row);

        // One status, then one block-location lookup per range read.
        assert_eq!(ours.status_calls, 1, "{label}: {ours:?}");
        assert!(ours.range_reads <= 3, "{label}: {ours:?}");
        assert_eq!(
            client_methods.get("GetFileInfo"),
            Some(&1),
            "{label}: {nn:?}"
        );
        assert_eq!(
            client_methods
                .get("GetBlockLocations")
                .copied()
                .unwrap_or(0),
            ours.range_reads,
            "{label}: {nn:?}"
        );
        // hdfs-native asks for the server defaults (checksum, encryption)
        // once per client, at its first block read.
        let first = label == "small.jar";
        assert_eq!(
            client_methods
                .get("GetServerDefaults")
                .copied()
                .unwrap_or(0),
            u64::from(first),
            "{label}: {nn:?}"
        );
        assert_eq!(
            client_calls,
            1 + ours.range_reads + u64::from(first),
            "{label}: no other NameNode call: {nn:?} (the test expects no other HDFS client \
             at work on the cluster meanwhile)"
        );
        assert!(
            processed >= client_calls && processed <= client_calls + server_calls,
            "{label}: {nn:?}"
        );
        // Each range read is one block read, or two when it crosses a block
        // boundary. The DataNode counts whole 512-byte checksum chunks and
        // their 4-byte CRCs.
        assert!(
            read_ops >= ours.range_reads && read_ops <= 2 * ours.range_reads,
            "{label}: {read_ops} DataNode reads for {} range reads",
            ours.range_reads
        );
        let chunked = ours.bytes_read + 1_024 * read_ops;
        assert!(
            bytes_read >= ours.bytes_read && bytes_read <= chunked + chunked.div_ceil(512) * 4,
            "{label}: the DataNode sent {bytes_read} B for {} B read",
            ours.bytes_read
        );
        assert!(
            bytes_read * 20 < len as u64 || len < 100_000,
            "{label}: {bytes_read} B read of {len}"
        );
    }
    eprintln!(
        "| jar | size | NameNode RPCs by method | DataNode read ops | DataNode bytes read | our \
         port |\n|---|---|---|---|---|---|\n{}",
        rows.join("\n")
    );
    remove(&client, &dir).await;
}
