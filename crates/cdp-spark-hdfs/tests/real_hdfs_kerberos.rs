//! The HDFS adapter against a real secure HDFS: the Hadoop 3.1.1 mini
//! cluster with Kerberos (`CDP_TEST_MINICLUSTER_KERBEROS`, started by
//! `scripts/test.sh`; by hand: `scripts/hadoop-minicluster.sh start DIR
//! --kerberos`): a MiniKdc, Kerberos RPC, SASL on the DataNode's data
//! transfer. The provisioner logs in from its keytab (`hdfs.principal`,
//! `hdfs.keytab`, no `kinit`); files are written by the superuser
//! `hdfs/localhost` from its keytab.
//!
//! The GSSAPI library reads `KRB5_CONFIG` (and `KRB5CCNAME`) from the
//! process environment: [`cluster`] sets them once, before any client is
//! built, and every test starts with it, so none races on them.

use cdp_spark_testkit::fixtures;
#[path = "support/jars.rs"]
mod jars;
use cdp_spark_testkit::javajar;
use cdp_spark_testkit::minicluster;
use cdp_spark_testkit::real_cluster;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use cdp_spark_domain::api::ValidationResult;
use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::jar::{check_main_class, MainClassCheck, PortByteSource};
use cdp_spark_domain::ports::{FileKind, FsError, HdfsPort};
use cdp_spark_hdfs::{ArtifactFs, CountingPort, HdfsConfig, HdfsNativeFs};
use minicluster::MiniCluster;
use real_cluster::{
    descriptor, mkdir, provisioner, put, remove, request, single_problem, superuser_client,
    test_dir,
};

/// A login that cannot work must fail this fast, not wait for the timeout.
const LOGIN_FAILS_WITHIN: Duration = Duration::from_secs(5);
const MAIN: &str = "com.acme.app.Main";

/// The Kerberos cluster, with the process environment pointed at its KDC
/// (set once, before anything reads it) and at an empty ticket cache, so
/// nothing of this machine's own Kerberos set-up is used.
fn cluster() -> MiniCluster {
    static CLUSTER: OnceLock<(MiniCluster, tempfile::TempDir)> = OnceLock::new();
    let (cluster, _) = CLUSTER.get_or_init(|| {
        let cluster = MiniCluster::kerberos();
        let scratch = tempfile::tempdir().expect("a scratch folder");
        std::env::set_var("KRB5_CONFIG", cluster.var("KRB5_CONFIG"));
        std::env::set_var(
            "KRB5CCNAME",
            format!("FILE:{}", scratch.path().join("no-tickets").display()),
        );
        std::env::remove_var("HADOOP_TOKEN_FILE_LOCATION");
        (cluster, scratch)
    });
    cluster.clone()
}

/// The `[hdfs]` section of an operator: the gateway's configuration and
/// the provisioner's principal and keytab.
fn keytab_config(cluster: &MiniCluster, principal: &str, keytab: &str) -> HdfsConfig {
    HdfsConfig {
        enabled: true,
        hadoop_conf_dir: Some(cluster.conf_dir()),
        principal: Some(principal.to_string()),
        keytab: Some(PathBuf::from(keytab)),
        timeout_ms: 15_000,
        ..HdfsConfig::default()
    }
}

fn provisioner_config(cluster: &MiniCluster) -> HdfsConfig {
    keytab_config(
        cluster,
        cluster.var("CDP_TEST_KERBEROS_PRINCIPAL"),
        cluster.var("CDP_TEST_KERBEROS_KEYTAB"),
    )
}

fn classes() -> javajar::Compiled {
    javajar::compile(
        "real-hdfs-kerberos",
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

/// `FsError::NotConfigured`'s detail: a login fault.
fn login_fault<T: std::fmt::Debug>(result: Result<T, FsError>, what: &str) -> String {
    match result {
        Err(FsError::NotConfigured { scheme, detail }) => {
            assert_eq!(scheme, "hdfs://");
            detail.into()
        }
        other => panic!("{what}: expected a login fault, got {other:?}"),
    }
}

#[tokio::test]
async fn the_provisioners_keytab_reads_the_secure_hdfs_and_validates() {
    let cluster = cluster();
    let client = superuser_client(&cluster);
    let dir = test_dir(&client, "kerberos").await;
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
    let alice = cluster.var("CDP_TEST_HDFS_OTHER_USER");
    put(&client, &format!("{dir}/app.jar"), &app, 0o644, None).await;
    put(&client, &format!("{dir}/multi.jar"), &multi, 0o644, None).await;
    put(
        &client,
        &format!("{dir}/alice-600.jar"),
        &app,
        0o600,
        Some(alice),
    )
    .await;
    mkdir(&client, &format!("{dir}/folder.jar"), 0o755, None).await;

    let config = provisioner_config(&cluster);
    let fs = CountingPort::new(
        HdfsNativeFs::new(&config).unwrap_or_else(|e| panic!("the configuration: {e}")),
    );
    let summary = fs.inner().summary();
    assert!(
        summary.contains("Kerberos as cdpprov@") && summary.contains("keytab"),
        "{summary}"
    );
    let uri = |name: &str| {
        ArtifactUri::parse(&format!("{}{dir}/{name}", cluster.hdfs_url())).expect("valid")
    };

    // Status over Kerberos RPC.
    let status = fs
        .status(&uri("multi.jar"))
        .await
        .expect("status")
        .expect("just written");
    assert_eq!(status.kind, FileKind::File);
    assert_eq!(status.length, multi.len() as u64);
    assert_eq!(
        fs.status(&uri("folder.jar"))
            .await
            .map(|s| s.map(|s| s.kind)),
        Ok(Some(FileKind::Directory))
    );
    assert_eq!(fs.status(&uri("missing.jar")).await, Ok(None));

    // Blocks over SASL data transfer, and the jar inspection on them.
    fs.take();
    let multi_jar = uri("multi.jar");
    let source = PortByteSource::new(&fs, &multi_jar, status.length);
    assert_eq!(
        check_main_class(&source, MAIN).await,
        Ok(MainClassCheck::HasMain {
            entry: "com/acme/app/Main.class".into()
        })
    );
    let counts = fs.take();
    assert!(counts.range_reads <= 3, "{counts:?}");
    let app_jar = uri("app.jar");
    let source = PortByteSource::new(&fs, &app_jar, app.len() as u64);
    assert!(matches!(
        check_main_class(&source, "com.acme.app.Helper").await,
        Ok(MainClassCheck::NoMainMethod { .. })
    ));

    // The principal is the HDFS user cdpprov: alice's file is refused to it.
    match fs.read_range(&uri("alice-600.jar"), 0, 4).await {
        Err(FsError::PermissionDenied { detail, .. }) => {
            assert!(
                detail.contains("user=cdpprov") && detail.contains("access=READ"),
                "{detail}"
            );
        }
        other => panic!("alice's 600 file read as cdpprov: {other:?}"),
    }

    // Through the use case, wired as the application wires it.
    let provisioner = provisioner(Arc::new(
        ArtifactFs::from_config(&config).unwrap_or_else(|e| panic!("the configuration: {e}")),
    ));
    let fixture = fixtures::read(fixtures::SCHEDULED_DESCRIPTOR);
    let validate = |jar: &str, class: &str| {
        let text = descriptor(
            &fixture,
            &format!("hdfs://{dir}/{jar}"),
            class,
            &[&format!("hdfs://{dir}/app.jar")],
        );
        let provisioner = provisioner.clone();
        async move { provisioner.validate(&request(text)).await }
    };
    assert_eq!(
        validate("multi.jar", MAIN).await,
        Ok(ValidationResult::valid())
    );
    let p = single_problem(
        &validate("app.jar", "com.acme.Nope").await,
        "specific.className",
    );
    assert!(p.contains("class com.acme.Nope not found"), "{p}");
    let p = single_problem(&validate("alice-600.jar", MAIN).await, "specific.jar");
    assert!(
        p.contains("permission denied") && p.contains("user=cdpprov"),
        "{p}"
    );
    remove(&client, &dir).await;
}

#[tokio::test]
async fn a_stale_keytab_is_a_login_error_naming_the_principal_and_the_keytab() {
    let cluster = cluster();
    let principal = cluster.var("CDP_TEST_KERBEROS_STALE_PRINCIPAL");
    let keytab = cluster.var("CDP_TEST_KERBEROS_STALE_KEYTAB");
    let config = keytab_config(&cluster, principal, keytab);
    let fs = HdfsNativeFs::new(&config).unwrap_or_else(|e| panic!("the configuration: {e}"));
    let location =
        ArtifactUri::parse(&format!("{}/apps", cluster.hdfs_url())).expect("valid location");
    let started = Instant::now();
    let detail = login_fault(fs.status(&location).await, "a stale keytab");
    let took = started.elapsed();
    eprintln!("stale keytab ({took:?}): {detail}");
    assert!(
        detail.contains("could not log in")
            && detail.contains(&format!("Kerberos as {principal}"))
            && detail.contains(keytab)
            && detail.contains("Decrypt integrity check failed")
            && detail.contains(&format!(
                "the KDC refuses the key the keytab {keytab} holds for {principal}"
            )),
        "{detail}"
    );
    assert!(took < LOGIN_FAILS_WITHIN, "{took:?}");

    // Through the use case: a system fault saying what to fix.
    let provisioner = provisioner(Arc::new(
        ArtifactFs::from_config(&config).unwrap_or_else(|e| panic!("the configuration: {e}")),
    ));
    let fixture = fixtures::read(fixtures::SCHEDULED_DESCRIPTOR);
    let text = descriptor(&fixture, "hdfs:///apps/any.jar", MAIN, &[]);
    let e = provisioner
        .validate(&request(text))
        .await
        .expect_err("a login fault is a SystemError");
    assert!(
        e.error.contains(principal) && e.error.contains(keytab),
        "{e:?}"
    );
    assert!(
        e.user_message
            .as_deref()
            .unwrap_or("")
            .contains("not configured"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_principal_missing_from_the_keytab_is_a_login_error_naming_both() {
    let cluster = cluster();
    // alice's principal with the provisioner's keytab.
    let principal = cluster.var("CDP_TEST_KERBEROS_OTHER_PRINCIPAL");
    let keytab = cluster.var("CDP_TEST_KERBEROS_KEYTAB");
    let fs = HdfsNativeFs::new(&keytab_config(&cluster, principal, keytab))
        .unwrap_or_else(|e| panic!("the configuration: {e}"));
    let location =
        ArtifactUri::parse(&format!("{}/apps", cluster.hdfs_url())).expect("valid location");
    let started = Instant::now();
    let detail = login_fault(fs.status(&location).await, "a principal not in the keytab");
    let took = started.elapsed();
    eprintln!("principal not in the keytab ({took:?}): {detail}");
    assert!(
        detail.contains("could not log in")
            && detail.contains(&format!("Kerberos as {principal}"))
            && detail.contains(&format!(
                "the keytab {keytab} holds no key for {principal} (klist -kt: keys for {} only)",
                cluster.var("CDP_TEST_KERBEROS_PRINCIPAL")
            )),
        "{detail}"
    );
    assert!(took < LOGIN_FAILS_WITHIN, "{took:?}");
}

#[tokio::test]
async fn kerberos_from_the_xml_without_a_ticket_says_to_kinit_or_set_a_keytab() {
    let cluster = cluster();
    // No principal: core-site.xml asks for Kerberos, the ticket cache is
    // empty.
    let config = HdfsConfig {
        enabled: true,
        hadoop_conf_dir: Some(cluster.conf_dir()),
        timeout_ms: 15_000,
        ..HdfsConfig::default()
    };
    let fs = HdfsNativeFs::new(&config).unwrap_or_else(|e| panic!("the configuration: {e}"));
    let location =
        ArtifactUri::parse(&format!("{}/apps", cluster.hdfs_url())).expect("valid location");
    let started = Instant::now();
    let detail = login_fault(fs.status(&location).await, "no ticket");
    let took = started.elapsed();
    eprintln!("no ticket ({took:?}): {detail}");
    assert!(
        detail.contains("kinit") && detail.contains("hdfs.keytab"),
        "{detail}"
    );
    assert!(took < LOGIN_FAILS_WITHIN, "{took:?}");
}
