//! `LocalFs` against hostile locations: FIFOs (opened without blocking and
//! refused), symlink loops and names longer than the OS allows (problems of
//! the location, not faults), and confinement to the operator's roots (one
//! answer outside them, whatever is there; symlinks and `..` resolved by
//! the kernel and checked again).

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{FileKind, FileStatus, FsError, HdfsPort};
use cdp_spark_hdfs::{LocalFs, LocalFsConfig};

fn uri(path: &Path) -> ArtifactUri {
    ArtifactUri::parse(path.to_str().expect("utf-8 temp path")).expect("a local path")
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.to_str().expect("utf-8")).expect("no NUL");
    // SAFETY: a valid NUL-terminated path and a mode.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(
        rc,
        0,
        "mkfifo {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
}

fn confined(roots: &[&Path]) -> LocalFs {
    LocalFs::with_config(&LocalFsConfig {
        roots: Some(roots.iter().map(|r| r.to_path_buf()).collect()),
        ..LocalFsConfig::default()
    })
    .expect("valid roots")
}

/// A path that turned into a FIFO after its status said "file": before,
/// `open` waited for a writer forever on a thread of the blocking pool; now
/// every read answers at once that it is a FIFO, 128 at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_of_a_fifo_answer_at_once_that_it_is_not_a_jar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("job.jar");
    mkfifo(&fifo);
    let fs = LocalFs::new();
    let location = uri(&fifo);
    assert_eq!(
        fs.status(&location).await,
        Ok(Some(FileStatus {
            kind: FileKind::Other,
            length: 0
        }))
    );
    let started = Instant::now();
    let reads = (0..128).map(|i| {
        let (fs, location) = (fs.clone(), location.clone());
        tokio::spawn(async move {
            if i % 2 == 0 {
                fs.read_range(&location, 0, 22).await.map(|_| ())
            } else {
                fs.read_range_chunks(&location, 0, 22, 1024, &mut |_: &[u8]| true)
                    .await
            }
        })
    });
    let answers = tokio::time::timeout(Duration::from_secs(20), futures::future::join_all(reads))
        .await
        .expect("every read of the FIFO answers (none waits for a writer)");
    for answer in answers {
        let answer = answer.expect("the task ends");
        assert!(
            matches!(&answer, Err(FsError::Unusable { detail, .. }) if detail.contains("FIFO")),
            "{answer:?}"
        );
    }
    eprintln!("128 reads of a FIFO answered in {:?}", started.elapsed());
}

#[tokio::test]
async fn a_symlink_loop_and_an_overlong_name_are_problems_of_the_location() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.jar");
    let b = dir.path().join("b.jar");
    std::os::unix::fs::symlink(&b, &a).expect("symlink");
    std::os::unix::fs::symlink(&a, &b).expect("symlink");
    let long = dir.path().join(format!("{}.jar", "x".repeat(300)));
    let through_file = {
        let f = dir.path().join("plain.txt");
        std::fs::write(&f, b"x").expect("write");
        f.join("inside.jar")
    };
    for fs in [LocalFs::new(), confined(&[dir.path()])] {
        for (path, says) in [
            (&a, "symbolic links"),
            (&long, "longer than the operating system allows"),
        ] {
            let location = uri(path);
            let status = fs.status(&location).await;
            assert!(
                matches!(&status, Err(FsError::Unusable { detail, .. }) if detail.contains(says)),
                "status of {}: {status:?}",
                path.display()
            );
            let read = fs.read_range(&location, 0, 1).await;
            assert!(
                matches!(&read, Err(FsError::Unusable { detail, .. }) if detail.contains(says)),
                "read of {}: {read:?}",
                path.display()
            );
        }
        // A path through a file: nothing there.
        assert_eq!(fs.status(&uri(&through_file)).await, Ok(None));
        let read = fs.read_range(&uri(&through_file), 0, 1).await;
        assert!(matches!(read, Err(FsError::Unusable { .. })), "{read:?}");
    }
}

/// Outside the roots the answer is one and the same, whatever is there: a
/// file, a folder, nothing, a `..` escape, a FIFO; and no filesystem call
/// is made for it.
#[tokio::test]
async fn outside_the_roots_every_location_gets_the_same_answer() {
    let base = tempfile::tempdir().expect("tempdir");
    let root = base.path().join("shared");
    let secret = base.path().join("secret");
    std::fs::create_dir_all(&root).expect("root");
    std::fs::create_dir_all(&secret).expect("secret");
    std::fs::write(secret.join("real.jar"), b"PK").expect("file");
    mkfifo(&secret.join("pipe.jar"));
    let fs = confined(&[&root]);
    assert_eq!(fs.roots(), Some(&[root.display().to_string()][..]));

    let outside: Vec<PathBuf> = vec![
        secret.join("real.jar"),
        secret.join("missing.jar"),
        secret.clone(),
        secret.join("pipe.jar"),
        root.join("../secret/real.jar"),
        root.join("nonexistent/../../secret/real.jar"),
        PathBuf::from("/root"),
        PathBuf::from("/etc/passwd"),
        PathBuf::from("/nonexistent/../etc/passwd"),
    ];
    let mut answers = Vec::new();
    for path in &outside {
        let location = uri(path);
        for answer in [
            fs.status(&location).await.map(|_| ()),
            fs.read_range(&location, 0, 2).await.map(|_| ()),
            fs.read_range_chunks(&location, 0, 2, 1, &mut |_: &[u8]| true)
                .await,
        ] {
            match answer {
                Err(FsError::OutsideRoots { path: p, roots }) => {
                    assert_eq!(p, path.to_str().expect("utf-8"));
                    answers.push(roots);
                }
                other => panic!("{}: {other:?}", path.display()),
            }
        }
    }
    answers.dedup();
    assert_eq!(answers, vec![vec![root.display().to_string()]]);
    // A relative path is not under any root either.
    assert!(matches!(
        fs.status(&ArtifactUri::parse("secret/real.jar").expect("path"))
            .await,
        Err(FsError::OutsideRoots { .. })
    ));
}

/// Inside a root the kernel's answer counts: a symlink (or a folder
/// symlink) that leads outside is outside, one that stays inside is read;
/// a missing file under a folder symlinked outside says nothing about the
/// outside either.
#[tokio::test]
async fn symlinks_are_resolved_and_checked_again() {
    let base = tempfile::tempdir().expect("tempdir");
    let root = base.path().join("shared");
    let secret = base.path().join("secret");
    std::fs::create_dir_all(root.join("team")).expect("root");
    std::fs::create_dir_all(&secret).expect("secret");
    std::fs::write(secret.join("real.jar"), b"secret bytes").expect("file");
    std::fs::write(root.join("team/app.jar"), b"app bytes").expect("file");
    std::os::unix::fs::symlink(secret.join("real.jar"), root.join("escape.jar")).expect("ln");
    std::os::unix::fs::symlink(&secret, root.join("escape-dir")).expect("ln");
    std::os::unix::fs::symlink(root.join("team/app.jar"), root.join("alias.jar")).expect("ln");
    let fs = confined(&[&root]);

    for path in [
        root.join("escape.jar"),
        root.join("escape-dir/real.jar"),
        root.join("escape-dir/missing.jar"),
        root.join("escape-dir/deeper/missing.jar"),
    ] {
        let status = fs.status(&uri(&path)).await;
        assert!(
            matches!(status, Err(FsError::OutsideRoots { .. })),
            "{}: {status:?}",
            path.display()
        );
        let read = fs.read_range(&uri(&path), 0, 2).await;
        assert!(
            matches!(read, Err(FsError::OutsideRoots { .. })),
            "{}: {read:?}",
            path.display()
        );
    }
    assert_eq!(
        fs.status(&uri(&root.join("alias.jar"))).await,
        Ok(Some(FileStatus {
            kind: FileKind::File,
            length: 9
        }))
    );
    assert_eq!(
        fs.read_range(&uri(&root.join("alias.jar")), 0, 3).await,
        Ok(b"app".to_vec())
    );
    assert_eq!(
        fs.read_range(&uri(&root.join("team/../team/app.jar")), 4, 5)
            .await,
        Ok(b"bytes".to_vec())
    );
    // Inside, a missing file is not there.
    assert_eq!(
        fs.status(&uri(&root.join("team/missing.jar"))).await,
        Ok(None)
    );
    // The root given through a symlink is the same root.
    let link_to_root = base.path().join("link-to-shared");
    std::os::unix::fs::symlink(&root, &link_to_root).expect("ln");
    let via_link = confined(&[&link_to_root]);
    assert_eq!(
        via_link
            .read_range(&uri(&link_to_root.join("team/app.jar")), 0, 3)
            .await,
        Ok(b"app".to_vec())
    );
    assert_eq!(
        via_link
            .read_range(&uri(&root.join("team/app.jar")), 0, 3)
            .await,
        Ok(b"app".to_vec())
    );
}

/// Symlinks planted inside a root tell nothing about the outside: one to
/// an existing file, to a missing one, into a missing folder, or into a
/// loop out there all get the one answer.
#[tokio::test]
async fn a_symlink_inside_a_root_does_not_probe_the_outside() {
    let base = tempfile::tempdir().expect("tempdir");
    let root = base.path().join("shared");
    let secret = base.path().join("secret");
    std::fs::create_dir_all(&root).expect("root");
    std::fs::create_dir_all(&secret).expect("secret");
    std::fs::write(secret.join("real.jar"), b"x").expect("file");
    std::os::unix::fs::symlink(secret.join("l2"), secret.join("l1")).expect("ln");
    std::os::unix::fs::symlink(secret.join("l1"), secret.join("l2")).expect("ln");
    for (name, target) in [
        ("to-real.jar", secret.join("real.jar")),
        ("to-missing.jar", secret.join("missing.jar")),
        ("to-missing-folder.jar", secret.join("no/such/folder.jar")),
        ("to-loop.jar", secret.join("l1")),
        ("to-parent.jar", PathBuf::from("../secret/real.jar")),
    ] {
        std::os::unix::fs::symlink(&target, root.join(name)).expect("ln");
    }
    let fs = confined(&[&root]);
    for name in [
        "to-real.jar",
        "to-missing.jar",
        "to-missing-folder.jar",
        "to-loop.jar",
        "to-parent.jar",
    ] {
        let location = uri(&root.join(name));
        let status = fs.status(&location).await;
        assert!(
            matches!(status, Err(FsError::OutsideRoots { .. })),
            "{name}: {status:?}"
        );
        let read = fs.read_range(&location, 0, 1).await;
        assert!(
            matches!(read, Err(FsError::OutsideRoots { .. })),
            "{name}: {read:?}"
        );
    }
    // A loop inside the root is the root's own business: said as such.
    std::os::unix::fs::symlink(root.join("in2.jar"), root.join("in1.jar")).expect("ln");
    std::os::unix::fs::symlink(root.join("in1.jar"), root.join("in2.jar")).expect("ln");
    let status = fs.status(&uri(&root.join("in1.jar"))).await;
    assert!(
        matches!(&status, Err(FsError::Unusable { detail, .. }) if detail.contains("symbolic links")),
        "{status:?}"
    );
}

#[tokio::test]
async fn roots_must_be_existing_absolute_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("file");
    std::fs::write(&file, b"x").expect("write");
    for (root, says) in [
        (PathBuf::from("relative/jars"), "absolute"),
        (dir.path().join("missing"), "cannot be resolved"),
        (file, "not a folder"),
    ] {
        let e = LocalFs::with_config(&LocalFsConfig {
            roots: Some(vec![root.clone()]),
            ..LocalFsConfig::default()
        })
        .expect_err("refused");
        assert!(e.to_string().contains(says), "{}: {e}", root.display());
    }
    // No roots at all: every local path is refused.
    let none = LocalFs::with_config(&LocalFsConfig {
        roots: Some(vec![]),
        ..LocalFsConfig::default()
    })
    .expect("valid");
    assert!(matches!(
        none.status(&uri(dir.path())).await,
        Err(FsError::OutsideRoots { roots, .. }) if roots.is_empty()
    ));
    let _ = Arc::new(none);
}
