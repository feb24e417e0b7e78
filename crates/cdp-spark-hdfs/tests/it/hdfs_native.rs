//! The hdfs-native adapter against fake NameNodes on 127.0.0.1 (see
//! `support/fake_namenode.rs`): statuses, permission denied, HA failover
//! from a standby, the client cache, and the timeout and refused-port paths.

use crate::support::fake_namenode;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{FileKind, FileStatus, FsError, HdfsPort};
use cdp_spark_hdfs::{ArtifactFs, HadoopConf, HdfsConfig, HdfsNativeFs};
use fake_namenode::{FakeNameNode, Reply};

const ACCESS_CONTROL: &str = "org.apache.hadoop.security.AccessControlException";

fn uri(text: &str) -> ArtifactUri {
    ArtifactUri::parse(text).expect("a valid location")
}

fn config(timeout_ms: u64, extra: &[(&str, &str)]) -> HdfsConfig {
    HdfsConfig {
        timeout_ms,
        extra: extra
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        ..HdfsConfig::enabled()
    }
}

/// `config` with `address` among the NameNodes a location may name.
fn allowing(config: HdfsConfig, address: &str) -> HdfsConfig {
    HdfsConfig {
        allowed_namenodes: vec![address.to_string()],
        ..config
    }
}

/// An adapter whose settings are exactly `values` plus `config`'s.
fn adapter(config: &HdfsConfig, values: &[(&str, &str)]) -> HdfsNativeFs {
    let conf = HadoopConf::from_values(
        values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain(config.extra.clone()),
    );
    HdfsNativeFs::with_conf(config, conf).expect("a valid configuration")
}

fn file(length: u64) -> Option<FileStatus> {
    Some(FileStatus {
        kind: FileKind::File,
        length,
    })
}

fn namenode_behaviour(method: &str, path: &str) -> Reply {
    match (method, path) {
        ("getFileInfo", "/apps/job.jar") => Reply::File { length: 1234 },
        ("getFileInfo", "/apps") => Reply::Dir,
        (_, p) if p.starts_with("/secure/") => Reply::error(
            ACCESS_CONTROL,
            "Permission denied: user=provisioner, access=EXECUTE, inode=\"/secure\":hdfs:hdfs:drwx------\n\tat org.apache.hadoop.hdfs.server.namenode.FSPermissionChecker.check",
        ),
        ("getBlockLocations", _) => Reply::NoLocations,
        _ => Reply::Missing,
    }
}

#[tokio::test]
async fn statuses_come_from_the_namenode_through_one_cached_client() {
    let nn = FakeNameNode::start(namenode_behaviour).await;
    let base = format!("hdfs://{}", nn.address());
    let fs = adapter(&config(5_000, &[]), &[("fs.defaultFS", &base)]);

    assert_eq!(
        fs.status(&uri(&format!("{base}/apps/job.jar"))).await,
        Ok(file(1234))
    );
    assert_eq!(
        fs.status(&uri("hdfs:///apps")).await,
        Ok(Some(FileStatus {
            kind: FileKind::Directory,
            length: 0
        }))
    );
    assert_eq!(
        fs.status(&uri(&format!("{base}/apps/none.jar"))).await,
        Ok(None)
    );
    match fs.status(&uri("hdfs:///secure/job.jar")).await {
        Err(FsError::PermissionDenied { path, detail }) => {
            assert_eq!(path, "hdfs:///secure/job.jar");
            assert!(
                detail.contains("user=provisioner, access=EXECUTE"),
                "{detail}"
            );
            assert!(!detail.contains("FSPermissionChecker"), "{detail}");
        }
        other => panic!("expected permission denied, got {other:?}"),
    }

    // hdfs:///… and hdfs://127.0.0.1:port/… are one filesystem: one client,
    // one NameNode connection for all the calls.
    assert_eq!(fs.clients_built(), 1);
    assert_eq!(fs.cached_filesystems(), vec![base.clone()]);
    assert_eq!(nn.connections(), 1, "{:?}", nn.calls());
    assert_eq!(
        nn.calls(),
        [
            "/apps/job.jar",
            "/apps",
            "/apps/none.jar",
            "/secure/job.jar"
        ]
        .map(|p| ("getFileInfo".to_string(), p.to_string()))
    );
}

#[tokio::test]
async fn a_file_gone_between_status_and_read_is_a_read_error_naming_it() {
    let nn = FakeNameNode::start(namenode_behaviour).await;
    let fs = adapter(&allowing(config(5_000, &[]), &nn.address()), &[]);
    let location = uri(&format!("hdfs://{}/apps/job.jar", nn.address()));
    match fs.read_range(&location, 0, 22).await {
        Err(FsError::Read { path, detail }) => {
            assert_eq!(path, location.to_string());
            assert!(detail.contains("does not exist"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        nn.calls(),
        vec![("getBlockLocations".to_string(), "/apps/job.jar".to_string())]
    );
}

#[tokio::test]
async fn artifact_fs_from_config_routes_hdfs_to_the_namenode_of_the_conf_dir() {
    let nn = FakeNameNode::start(namenode_behaviour).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("core-site.xml"),
        format!(
            "<?xml version=\"1.0\"?>\n<configuration>\n  <property><name>fs.defaultFS</name>\
             <value>hdfs://{}</value></property>\n</configuration>\n",
            nn.address()
        ),
    )
    .expect("write core-site.xml");
    let settings = HdfsConfig {
        hadoop_conf_dir: Some(dir.path().to_path_buf()),
        ..config(5_000, &[])
    };
    let fs = ArtifactFs::from_config(&settings).expect("valid");
    assert!(fs.has_hdfs());
    let described = fs.describe();
    assert!(
        described.contains(&format!("the NameNode at {}", nn.address()))
            && described.contains("simple authentication")
            && described.contains("timeout 5 s"),
        "{described}"
    );
    assert_eq!(
        fs.status(&uri("hdfs:///apps/job.jar")).await,
        Ok(file(1234))
    );

    // Off: hdfs:// is refused without touching anything.
    let off = ArtifactFs::from_config(&HdfsConfig::default()).expect("valid");
    assert!(!off.has_hdfs());
    assert!(matches!(
        off.status(&uri("hdfs:///apps/job.jar")).await,
        Err(FsError::NotConfigured { .. })
    ));
}

#[tokio::test]
async fn a_standby_namenode_is_failed_over_and_the_active_one_remembered() {
    let standby = FakeNameNode::start(|_, _| Reply::standby()).await;
    let active = FakeNameNode::start(namenode_behaviour).await;
    let fs = adapter(
        &config(5_000, &[]),
        &[
            ("dfs.nameservices", "ns1"),
            ("dfs.ha.namenodes.ns1", "nn1,nn2"),
            ("dfs.namenode.rpc-address.ns1.nn1", &standby.address()),
            ("dfs.namenode.rpc-address.ns1.nn2", &active.address()),
        ],
    );
    for _ in 0..3 {
        assert_eq!(
            fs.status(&uri("hdfs://ns1/apps/job.jar")).await,
            Ok(file(1234))
        );
    }
    assert_eq!(standby.calls().len(), 1, "asked once, then skipped");
    assert_eq!(active.calls().len(), 3);
    assert_eq!(fs.cached_filesystems(), vec!["hdfs://ns1".to_string()]);
}

#[tokio::test]
async fn only_standby_namenodes_is_unreachable_after_the_failover_attempts() {
    let nn1 = FakeNameNode::start(|_, _| Reply::standby()).await;
    let nn2 = FakeNameNode::start(|_, _| Reply::standby()).await;
    let settings = config(
        5_000,
        &[
            ("dfs.client.failover.max.attempts", "3"),
            ("dfs.client.failover.sleep.base.millis", "1"),
            ("dfs.client.failover.sleep.max.millis", "5"),
        ],
    );
    let fs = adapter(
        &settings,
        &[
            ("dfs.ha.namenodes.ns1", "nn1,nn2"),
            ("dfs.namenode.rpc-address.ns1.nn1", &nn1.address()),
            ("dfs.namenode.rpc-address.ns1.nn2", &nn2.address()),
        ],
    );
    match fs.status(&uri("hdfs://ns1/apps/job.jar")).await {
        Err(FsError::Unreachable { target, detail }) => {
            assert!(
                target.starts_with("name service ns1 (NameNodes "),
                "{target}"
            );
            assert!(
                detail.contains("no active NameNode") && detail.contains("StandbyException"),
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }
    // The first try plus 3 failovers, alternating.
    assert_eq!(nn1.calls().len() + nn2.calls().len(), 4);
}

/// A listener that accepts connections and never reads or writes.
async fn silent_listener() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    (address, task)
}

#[tokio::test]
async fn a_namenode_that_never_answers_is_unreachable_within_the_timeout() {
    let (address, _task) = silent_listener().await;
    let fs = adapter(&allowing(config(400, &[]), &address), &[]);
    let location = uri(&format!("hdfs://{address}/apps/job.jar"));

    let started = Instant::now();
    let status = fs.status(&location).await;
    let elapsed = started.elapsed();
    match status {
        Err(FsError::Unreachable { target, detail }) => {
            assert_eq!(target, format!("the NameNode at {address}"));
            assert!(detail.contains("no answer within 400 ms"), "{detail}");
            assert!(detail.contains("hdfs.timeout_ms = 400"), "{detail}");
            assert!(
                detail.contains(&format!(
                    "{address} accepts TCP connections but did not answer"
                )),
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        elapsed >= Duration::from_millis(400) && elapsed < Duration::from_millis(3_000),
        "took {elapsed:?}"
    );

    let started = Instant::now();
    let read = fs.read_range(&location, 0, 22).await;
    assert!(
        matches!(&read, Err(FsError::Unreachable { detail, .. })
            if detail.contains("read 22 bytes at offset 0 of")),
        "{read:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(3_000));
    // The client survives the timeouts.
    assert_eq!(fs.clients_built(), 1);
}

async fn refused_address() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address").to_string();
    drop(listener);
    address
}

#[tokio::test]
async fn a_refused_port_is_unreachable_and_says_so() {
    let address = refused_address().await;
    let location = uri(&format!("hdfs://{address}/apps/job.jar"));

    // Hadoop's default is to retry with back-off: the timeout ends it, and
    // the probe tells why.
    let fs = adapter(&allowing(config(600, &[]), &address), &[]);
    let started = Instant::now();
    match fs.status(&location).await {
        Err(FsError::Unreachable { detail, .. }) => {
            assert!(
                detail.contains(&format!("{address} refuses connections")),
                "{detail}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_millis(3_500));

    // Without retries the client's own error comes back at once.
    let fs = adapter(
        &allowing(
            config(10_000, &[("dfs.client.failover.max.attempts", "0")]),
            &address,
        ),
        &[],
    );
    let started = Instant::now();
    match fs.status(&location).await {
        Err(FsError::Unreachable { target, detail }) => {
            assert_eq!(target, format!("the NameNode at {address}"));
            assert!(detail.contains("connection refused"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn locations_the_configuration_cannot_place_are_not_configured() {
    let fs = adapter(&config(1_000, &[]), &[("dfs.nameservices", "ns9")]);
    match fs.status(&uri("hdfs:///apps/job.jar")).await {
        Err(FsError::NotConfigured { scheme, detail }) => {
            assert_eq!(scheme, "hdfs://");
            assert!(
                detail.contains("hdfs.default_fs") && detail.contains("fs.defaultFS"),
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }
    match fs.status(&uri("hdfs://ns9/apps/job.jar")).await {
        Err(FsError::NotConfigured { detail, .. }) => {
            assert!(detail.contains("dfs.ha.namenodes.ns9"), "{detail}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fs.clients_built(), 0);
}

#[tokio::test]
async fn a_namenode_in_safe_mode_is_asked_again_within_the_timeout() {
    // A NameNode just restarted answers RetriableException (safe mode, no
    // block locations yet) until the DataNodes have reported: found on the
    // real mini cluster, where hdfs-native returned it at once.
    const RETRIABLE: &str = "org.apache.hadoop.ipc.RetriableException";
    let safe_mode = || {
        Reply::error(
            RETRIABLE,
            "org.apache.hadoop.hdfs.server.namenode.SafeModeException: Zero blocklocations for \
             /apps/job.jar. Name node is in safe mode.",
        )
    };
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let nn = FakeNameNode::start(move |method, path| match (method, path) {
        ("getFileInfo", "/apps/job.jar")
            if counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3 =>
        {
            safe_mode()
        }
        ("getFileInfo", "/apps/job.jar") => Reply::File { length: 1234 },
        _ => safe_mode(),
    })
    .await;
    let fs = adapter(&allowing(config(5_000, &[]), &nn.address()), &[]);
    let started = Instant::now();
    assert_eq!(
        fs.status(&uri(&format!("hdfs://{}/apps/job.jar", nn.address())))
            .await,
        Ok(file(1234))
    );
    // Pauses of 100, 200 and 400 ms.
    let took = started.elapsed();
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 4);
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_millis(3_000),
        "{took:?}"
    );

    // Still in safe mode when the time is up: unreachable, with the
    // NameNode's reason, within the timeout.
    let fs = adapter(&allowing(config(1_500, &[]), &nn.address()), &[]);
    let started = Instant::now();
    match fs
        .status(&uri(&format!("hdfs://{}/apps/other.jar", nn.address())))
        .await
    {
        Err(FsError::Unreachable { detail, .. }) => {
            assert!(
                detail.contains(RETRIABLE) && detail.contains("Name node is in safe mode"),
                "{detail}"
            );
        }
        other => panic!("{other:?}"),
    }
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1_600), "{took:?}");
}

/// A location names its filesystem; the provisioner connects only to the
/// NameNodes its configuration names (or `hdfs.allowed_namenodes`), never
/// to an address a descriptor makes up: such a location is refused before
/// any connection, the same way whether anything listens there or not.
#[tokio::test]
async fn namenode_addresses_outside_the_configuration_are_refused_without_a_connection() {
    let nn = FakeNameNode::start(namenode_behaviour).await;
    let listening = nn.address();
    let closed = refused_address().await;
    let fs = adapter(
        &config(2_000, &[]),
        &[
            ("fs.defaultFS", "hdfs://ns1"),
            ("dfs.nameservices", "ns1"),
            ("dfs.ha.namenodes.ns1", "nn1"),
            ("dfs.namenode.rpc-address.ns1.nn1", &listening),
        ],
    );
    let answer = |e: &Result<Option<FileStatus>, FsError>| match e {
        Err(FsError::UnknownFilesystem { known, .. }) => known.clone(),
        other => panic!("{other:?}"),
    };
    let mut answers = Vec::new();
    for location in [
        format!("hdfs://{closed}/apps/job.jar"),
        "hdfs://169.254.169.254:80/latest/meta-data".to_string(),
        "hdfs://[::1]:22/x.jar".to_string(),
        // No port: Hadoop's 8020 on a host the configuration does not name.
        "hdfs://namenode.elsewhere.example/apps/job.jar".to_string(),
    ] {
        let status = fs.status(&uri(&location)).await;
        answers.push(answer(&status));
        let read = fs.read_range(&uri(&location), 0, 22).await;
        assert!(
            matches!(read, Err(FsError::UnknownFilesystem { .. })),
            "{location}: {read:?}"
        );
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    assert!(
        answers[0].contains(&"hdfs://ns1".to_string()),
        "{answers:?}"
    );
    assert_eq!(fs.clients_built(), 0, "no client for an unknown address");
    assert!(nn.calls().is_empty());

    // The configured NameNode by its address (in any case, with or without
    // the name service) and through the name service are read.
    assert_eq!(
        fs.status(&uri(&format!("hdfs://{listening}/apps/job.jar")))
            .await,
        Ok(file(1234))
    );
    assert_eq!(
        fs.status(&uri("hdfs://ns1/apps/job.jar")).await,
        Ok(file(1234))
    );

    // The operator can allow another cluster's NameNode.
    let other = FakeNameNode::start(namenode_behaviour).await;
    let fs = adapter(
        &allowing(config(2_000, &[]), &format!("hdfs://{}", other.address())),
        &[],
    );
    assert_eq!(
        fs.status(&uri(&format!("hdfs://{}/apps/job.jar", other.address())))
            .await,
        Ok(file(1234))
    );
}

#[test]
fn allowed_namenodes_are_checked_naming_the_entry() {
    for bad in [
        "",
        "hdfs://",
        "host:0",
        "host:99999",
        "host:8020/path",
        "user@host:8020",
        "a b:1",
    ] {
        let config = allowing(config(1_000, &[]), bad);
        match config.check() {
            Err(e) => assert!(
                e.to_string().contains("hdfs.allowed_namenodes[0]"),
                "{bad:?}: {e}"
            ),
            Ok(()) => panic!("{bad:?} accepted"),
        }
    }
    for good in [
        "nn2.example.com:8020",
        "HDFS://NN2.example.com:8020/",
        "10.0.0.7",
        "[::1]:8020",
    ] {
        assert!(allowing(config(1_000, &[]), good).check().is_ok(), "{good}");
    }
    assert_eq!(
        cdp_spark_hdfs::normalise_namenode("HDFS://NN2.Example.com/").as_deref(),
        Some("nn2.example.com:8020")
    );
}
