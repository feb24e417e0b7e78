//! Against a real NameNode, when `CDP_TEST_HDFS_URL` names one
//! (`hdfs://127.0.0.1:9000` for the single-node HDFS of docker-compose.yml):
//! writes jars with hdfs-native, then validates them through the port and
//! the jar inspection, counting the reads.
//!
//! - `CDP_TEST_HDFS_URL`: the NameNode (`hdfs://host:port`); unset, the
//!   test says it is skipped and passes (no Hadoop can run on the CI host).
//! - `CDP_TEST_HDFS_USE_DATANODE_HOSTNAME` (default `true`): connect to
//!   DataNodes by host name, as the DataNode of docker-compose advertises
//!   `localhost` with its ports published; `false` for a cluster whose
//!   DataNode IPs the test host reaches.
//! - `HADOOP_USER_NAME` (default: the OS user) must be allowed to write
//!   under `/tmp` on that HDFS.
//!
//! Everything is written under `/tmp/cdp-spark-provisioner-it/<unique>/`
//! and removed afterwards.

#[path = "../../cdp-spark-domain/tests/support/javajar.rs"]
mod javajar;
#[path = "../../cdp-spark-domain/tests/support/zipjar.rs"]
mod zipjar;

use std::time::{SystemTime, UNIX_EPOCH};

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::jar::{check_main_class, MainClassCheck, PortByteSource};
use cdp_spark_domain::ports::{FileKind, HdfsPort};
use cdp_spark_hdfs::hdfs_native::WriteOptions;
use cdp_spark_hdfs::{CountingPort, HdfsConfig, HdfsNativeFs};

const URL_VAR: &str = "CDP_TEST_HDFS_URL";

fn sources() -> javajar::Compiled {
    javajar::compile(
        "hdfs-it",
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

/// A jar bigger than the 1 MiB blocks it is written with: 5,000 entries and
/// a 3 MiB stored blob, the main class in the middle.
fn multi_block_jar(main_class: &[u8]) -> Vec<u8> {
    let mut w = zipjar::JarWriter::in_memory();
    for i in 0..5_000 {
        if i == 2_500 {
            w.add("com/acme/app/Main.class", zipjar::deflated(), main_class);
            w.add(
                "data/blob.bin",
                zipjar::stored(),
                &zipjar::random_bytes(7, 3 << 20),
            );
        }
        w.add(
            &format!("com/acme/gen/Gen{i:05}.class"),
            zipjar::stored(),
            b"x",
        );
    }
    w.finish_bytes()
}

#[tokio::test]
#[ignore = "needs a real NameNode: set CDP_TEST_HDFS_URL (scripts/test.sh then runs it)"]
async fn jars_written_to_a_real_namenode_are_validated_through_the_port() {
    let Some(url) = std::env::var(URL_VAR).ok().filter(|u| !u.trim().is_empty()) else {
        panic!(
            "{URL_VAR} is not set. Start the single-node HDFS (docker compose up -d \
             namenode datanode) and run with {URL_VAR}=hdfs://127.0.0.1:9000 to run this test \
             against a real NameNode."
        );
    };
    let url = url.trim().trim_end_matches('/').to_string();
    let by_hostname = std::env::var("CDP_TEST_HDFS_USE_DATANODE_HOSTNAME")
        .map(|v| v.trim() != "false")
        .unwrap_or(true);
    let mut config = HdfsConfig {
        default_fs: Some(url.clone()),
        timeout_ms: 20_000,
        ..HdfsConfig::enabled()
    };
    config.extra.insert(
        "dfs.client.use.datanode.hostname".into(),
        by_hostname.to_string(),
    );
    let fs = CountingPort::new(
        HdfsNativeFs::new(&config)
            .unwrap_or_else(|e| panic!("{URL_VAR}={url}: the configuration is refused: {e}")),
    );

    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = format!(
        "/tmp/cdp-spark-provisioner-it/{}-{nanos}",
        std::process::id()
    );
    let location = |name: &str| {
        ArtifactUri::parse(&format!("{url}{dir}/{name}")).expect("a valid hdfs:// location")
    };

    // Reachable at all? (Bounded by the port's timeout, with its message.)
    let tmp = ArtifactUri::parse(&format!("{url}/tmp")).expect("a valid hdfs:// location");
    if let Err(e) = fs.status(&tmp).await {
        panic!("{URL_VAR}={url}: the NameNode does not answer: {e}");
    }

    let compiled = sources();
    let small = std::fs::read(compiled.jar(javajar::Packing::Deflated)).expect("read the jar");
    let big = multi_block_jar(&compiled.class_bytes("com/acme/app/Main"));
    let (client, _) = fs.inner().client(&location("app.jar")).expect("a client");
    let write_all = async {
        for (name, bytes) in [("app.jar", &small), ("big.jar", &big)] {
            let (_, path) = fs.inner().client(&location(name)).expect("a client");
            let options = WriteOptions::default()
                .overwrite(true)
                .block_size(1 << 20)
                .replication(1);
            let mut writer = client
                .create(&path, options)
                .await
                .unwrap_or_else(|e| panic!("create {path} on {url}: {e}"));
            writer
                .write_bytes(bytes::Bytes::from(bytes.clone()))
                .await
                .unwrap_or_else(|e| panic!("write {path}: {e}"));
            writer
                .close()
                .await
                .unwrap_or_else(|e| panic!("close {path}: {e}"));
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(120), write_all)
        .await
        .unwrap_or_else(|_| panic!("writing the test jars to {url} took more than 120 s"));

    let result = async {
        for (name, bytes) in [("app.jar", &small), ("big.jar", &big)] {
            let jar = location(name);
            let status = fs
                .status(&jar)
                .await
                .expect("status")
                .expect("the jar just written");
            assert_eq!(status.kind, FileKind::File, "{jar}");
            assert_eq!(status.length, bytes.len() as u64, "{jar}");
            fs.take();
            let source = PortByteSource::new(&fs, &jar, status.length);
            assert_eq!(
                check_main_class(&source, "com.acme.app.Main").await,
                Ok(MainClassCheck::HasMain {
                    entry: "com/acme/app/Main.class".into()
                }),
                "{jar}"
            );
            let counts = fs.take();
            eprintln!(
                "{jar}: {} bytes, {} range reads, {} bytes read ({:?})",
                status.length, counts.range_reads, counts.bytes_read, counts.ranges
            );
            assert!(counts.range_reads <= 3, "{counts:?}");
            if name == "big.jar" {
                assert!(
                    counts.bytes_read * 10 < status.length,
                    "read {} of {} bytes",
                    counts.bytes_read,
                    status.length
                );
            }
        }
        let jar = location("app.jar");
        let source = PortByteSource::new(&fs, &jar, small.len() as u64);
        assert!(matches!(
            check_main_class(&source, "com.acme.Main").await,
            Ok(MainClassCheck::ClassNotFound { similar, .. })
                if similar == vec!["com/acme/app/Main.class".to_string()]
        ));
        assert!(matches!(
            check_main_class(&source, "com.acme.app.Helper").await,
            Ok(MainClassCheck::NoMainMethod { .. })
        ));
        assert_eq!(fs.status(&location("missing.jar")).await, Ok(None));
        let folder = ArtifactUri::parse(&format!("{url}{dir}")).expect("valid");
        assert_eq!(
            fs.status(&folder).await.map(|s| s.map(|s| s.kind)),
            Ok(Some(FileKind::Directory))
        );
        // hdfs:///… is the same NameNode, through the same client.
        let default_fs = ArtifactUri::parse(&format!("hdfs://{dir}/app.jar")).expect("valid");
        assert!(fs.status(&default_fs).await.expect("status").is_some());
        assert_eq!(fs.inner().clients_built(), 1);
    };
    // Clean up whatever the checks say.
    let outcome = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(result)).await;
    let (_, path) = fs.inner().client(&location("app.jar")).expect("client");
    let parent = path
        .rsplit_once('/')
        .map(|(p, _)| p.to_string())
        .unwrap_or(path);
    if let Err(e) = client.delete(&parent, true).await {
        eprintln!("could not remove {parent}: {e}");
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
