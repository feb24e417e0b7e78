//! `LocalFs` and `ArtifactFs` on real files in temporary folders.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{FileKind, FileStatus, FsError, HdfsPort, MockHdfsPort};
use cdp_spark_hdfs::{ArtifactFs, LocalFs, HDFS_NOT_CONFIGURED};

fn uri(path: &Path) -> ArtifactUri {
    ArtifactUri::parse(path.to_str().expect("utf-8 temp path")).expect("a local path")
}

fn file_with(dir: &Path, name: &str, bytes: &[u8]) -> ArtifactUri {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the test file");
    uri(&path)
}

#[tokio::test]
async fn a_file_has_its_length_and_reads_exact_ranges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let file = file_with(dir.path(), "job.jar", &bytes);
    let fs = LocalFs::new();
    assert_eq!(
        fs.status(&file).await,
        Ok(Some(FileStatus {
            kind: FileKind::File,
            length: 10_000
        }))
    );
    assert_eq!(fs.read_range(&file, 0, 10).await, Ok(bytes[..10].to_vec()));
    assert_eq!(
        fs.read_range(&file, 9_000, 1_000).await,
        Ok(bytes[9_000..].to_vec())
    );
    assert_eq!(fs.read_range(&file, 10_000, 0).await, Ok(vec![]));

    // The same file as a file: URI.
    let as_uri = ArtifactUri::parse(&format!("file://{}", dir.path().join("job.jar").display()))
        .expect("a file: URI");
    assert_eq!(fs.read_range(&as_uri, 255, 2).await, Ok(vec![255, 0]));
}

#[tokio::test]
async fn a_read_past_the_end_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = file_with(dir.path(), "short.jar", b"0123456789");
    let fs = LocalFs::new();
    for (offset, len) in [(5, 6), (11, 0), (u64::MAX, 2), (0, u64::MAX)] {
        match fs.read_range(&file, offset, len).await {
            Err(FsError::Read { path, detail }) => {
                assert!(path.ends_with("short.jar"), "{path}");
                assert!(detail.contains("the file has 10 bytes"), "{detail}");
            }
            other => panic!("read of {len} at {offset}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_directory_is_a_directory_and_cannot_be_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fs = LocalFs::new();
    let location = uri(dir.path());
    assert_eq!(
        fs.status(&location).await,
        Ok(Some(FileStatus {
            kind: FileKind::Directory,
            length: 0
        }))
    );
    let err = fs
        .read_range(&location, 0, 1)
        .await
        .expect_err("a directory");
    assert!(
        matches!(&err, FsError::Unusable { detail, .. } if detail.contains("is a directory")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_device_is_other() {
    let fs = LocalFs::new();
    let status = fs
        .status(&ArtifactUri::parse("/dev/null").expect("path"))
        .await;
    assert!(
        matches!(
            status,
            Ok(Some(FileStatus {
                kind: FileKind::Other,
                ..
            }))
        ),
        "{status:?}"
    );
}

#[tokio::test]
async fn nothing_there_is_none_and_reading_it_names_the_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fs = LocalFs::new();
    let missing = uri(&dir.path().join("missing.jar"));
    assert_eq!(fs.status(&missing).await, Ok(None));
    // A path through a file is not there either.
    let file = file_with(dir.path(), "plain.txt", b"x");
    let through = ArtifactUri::parse(&format!("{file}/inside.jar")).expect("path");
    assert_eq!(fs.status(&through).await, Ok(None));
    // A dangling symlink.
    let link = dir.path().join("dangling.jar");
    std::os::unix::fs::symlink(dir.path().join("gone.jar"), &link).expect("symlink");
    assert_eq!(fs.status(&uri(&link)).await, Ok(None));

    // Gone between the status and the read: a problem of the location.
    match fs.read_range(&missing, 0, 1).await {
        Err(FsError::Unusable { path, detail }) => {
            assert!(path.ends_with("missing.jar"), "{path}");
            assert!(detail.contains("does not exist"), "{detail}");
        }
        other => panic!("{other:?}"),
    }
}

/// Root (and CAP_DAC_OVERRIDE) reads files whatever their mode: then the
/// test can only check that LocalFs reads it too, as the OS allows; the
/// mapping of EACCES itself is unit-tested in `local.rs`.
#[tokio::test]
async fn an_unreadable_file_is_permission_denied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = file_with(dir.path(), "secret.jar", b"0123456789");
    let path = dir.path().join("secret.jar");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let fs = LocalFs::new();
    // Status needs only the folder's permissions.
    assert_eq!(
        fs.status(&file).await,
        Ok(Some(FileStatus {
            kind: FileKind::File,
            length: 10
        }))
    );
    let result = fs.read_range(&file, 0, 4).await;
    if std::fs::File::open(&path).is_ok() {
        eprintln!("running with permission to read mode-000 files (root?): cannot observe EACCES");
        assert_eq!(result, Ok(b"0123".to_vec()));
    } else {
        match result {
            Err(FsError::PermissionDenied { path, detail }) => {
                assert!(path.ends_with("secret.jar"), "{path}");
                assert!(detail.contains("readable"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn local_fs_refuses_hdfs_locations() {
    let hdfs = ArtifactUri::parse("hdfs://ns1/apps/job.jar").expect("hdfs");
    let err = LocalFs::new().status(&hdfs).await.expect_err("not local");
    assert!(
        matches!(&err, FsError::NotConfigured { scheme, .. } if scheme == "hdfs://"),
        "{err:?}"
    );
}

#[tokio::test]
async fn artifact_fs_without_hdfs_says_how_to_configure_it() {
    let fs = ArtifactFs::local_only();
    assert!(!fs.has_hdfs());
    let hdfs = ArtifactUri::parse("hdfs:///apps/job.jar").expect("hdfs");
    let expected = FsError::NotConfigured {
        scheme: "hdfs://".into(),
        detail: HDFS_NOT_CONFIGURED.into(),
    };
    assert_eq!(fs.status(&hdfs).await, Err(expected.clone()));
    assert_eq!(fs.read_range(&hdfs, 0, 1).await, Err(expected.clone()));
    let message = expected.to_string();
    assert!(
        message.contains("HADOOP_CONF_DIR") && message.contains("hdfs.default_fs"),
        "{message}"
    );
}

#[tokio::test]
async fn artifact_fs_routes_hdfs_to_its_client_and_local_files_to_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let local = file_with(dir.path(), "local.jar", b"local bytes");
    let hdfs = ArtifactUri::parse("hdfs://ns1/apps/job.jar").expect("hdfs");

    let mut client = MockHdfsPort::new();
    let expected = hdfs.clone();
    client
        .expect_status()
        .withf(move |l| l == &expected)
        .times(1)
        .returning(|_| {
            Ok(Some(FileStatus {
                kind: FileKind::File,
                length: 42,
            }))
        });
    client
        .expect_read_range()
        .times(1)
        .returning(|_, offset, len| Ok(vec![7; (len - offset) as usize]));
    let fs = ArtifactFs::new(LocalFs::new(), Some(Arc::new(client)));
    assert!(fs.has_hdfs());

    assert_eq!(
        fs.status(&hdfs).await,
        Ok(Some(FileStatus {
            kind: FileKind::File,
            length: 42
        }))
    );
    assert_eq!(fs.read_range(&hdfs, 1, 3).await, Ok(vec![7, 7]));
    // Local locations never reach the HDFS client (its mock would panic).
    assert_eq!(
        fs.status(&local).await,
        Ok(Some(FileStatus {
            kind: FileKind::File,
            length: 11
        }))
    );
    assert_eq!(fs.read_range(&local, 6, 5).await, Ok(b"bytes".to_vec()));
}
