//! The whole path a use case takes for a local jar: `ArtifactFs` status,
//! then `check_main_class` over a `PortByteSource`.

use cdp_spark_testkit::javajar;

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::jar::{check_main_class, JarError, MainClassCheck, PortByteSource};
use cdp_spark_domain::ports::{FileKind, HdfsPort};
use cdp_spark_hdfs::ArtifactFs;

#[tokio::test]
async fn a_local_jar_is_inspected_through_the_port() {
    let compiled = javajar::compile(
        "hdfs-local-jar",
        &[(
            "com/acme/Main.java",
            "package com.acme;\npublic class Main { public static void main(String[] a) {} }\n",
        )],
    );
    let jar = compiled.jar(javajar::Packing::Deflated);
    let location =
        ArtifactUri::parse(&format!("file:{}", jar.display())).expect("a file: location");
    let fs = ArtifactFs::local_only();
    let status = fs
        .status(&location)
        .await
        .expect("status")
        .expect("the jar exists");
    assert_eq!(status.kind, FileKind::File);
    let source = PortByteSource::new(&fs, &location, status.length);
    assert_eq!(
        check_main_class(&source, "com.acme.Main").await,
        Ok(MainClassCheck::HasMain {
            entry: "com/acme/Main.class".into()
        })
    );
    assert!(matches!(
        check_main_class(&source, "com.acme.Other").await,
        Ok(MainClassCheck::ClassNotFound { .. })
    ));
}

#[tokio::test]
async fn a_file_that_shrank_since_its_status_is_a_read_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("job.jar");
    std::fs::write(&path, b"not much").expect("write");
    let location = ArtifactUri::parse(path.to_str().expect("utf-8")).expect("path");
    let fs = ArtifactFs::local_only();
    // The status said 100 KiB; the file has 8 bytes now.
    let source = PortByteSource::new(&fs, &location, 100 * 1024);
    let err = check_main_class(&source, "com.acme.Main")
        .await
        .expect_err("shrunk");
    assert!(
        matches!(&err, JarError::Fs(cdp_spark_domain::ports::FsError::Read { path, .. }) if path.ends_with("job.jar")),
        "{err:?}"
    );
}
