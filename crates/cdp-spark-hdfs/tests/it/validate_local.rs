//! Validation through the domain's use case on local files, against
//! hostile locations: a jar that turns into a FIFO between its status and
//! its read, symlink loops and overlong names, locations outside the
//! operator's roots, dependencies that are not jars.

use crate::support::validation;

use std::ffi::CString;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cdp_spark_domain::artifact::ArtifactUri;
use cdp_spark_domain::ports::{FileStatus, FsError, HdfsPort, Sink};
use cdp_spark_domain::usecases::UseCaseSettings;
use cdp_spark_hdfs::{ArtifactFs, LocalFs, LocalFsConfig};
use validation::{problem_on, FIXTURE_CLASS};

fn mkfifo(path: &Path) {
    let c = CString::new(path.to_str().expect("utf-8")).expect("no NUL");
    // SAFETY: a valid NUL-terminated path and a mode.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(rc, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

/// Local files, except that a location becomes a FIFO right after its
/// status was read: the race a hostile author (or a bad upload script) can
/// play between the check and the open.
struct TurnsIntoFifo(LocalFs);

#[async_trait]
impl HdfsPort for TurnsIntoFifo {
    async fn status(&self, location: &ArtifactUri) -> Result<Option<FileStatus>, FsError> {
        let status = self.0.status(location).await;
        let path = location.as_str();
        std::fs::remove_file(path).expect("remove the jar");
        mkfifo(Path::new(path));
        status
    }

    async fn read_range(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
    ) -> Result<Vec<u8>, FsError> {
        self.0.read_range(location, offset, len).await
    }

    async fn read_range_chunks<'s>(
        &self,
        location: &ArtifactUri,
        offset: u64,
        len: u64,
        chunk: u64,
        sink: &mut Sink<'s>,
    ) -> Result<(), FsError> {
        self.0
            .read_range_chunks(location, offset, len, chunk, sink)
            .await
    }
}

/// Before: `open()` of the FIFO waited for a writer forever on a thread of
/// the blocking pool (shared with the job store), and the validation never
/// answered. Now 128 such validations at once all answer, promptly, with a
/// problem on `specific.jar`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jar_that_turns_into_a_fifo_after_its_status_is_a_problem_not_a_hang() {
    let dir = tempfile::tempdir().expect("tempdir");
    let provisioner = validation::provisioner(
        Arc::new(TurnsIntoFifo(LocalFs::new())),
        UseCaseSettings::default(),
    );
    let started = Instant::now();
    let validations = (0..128).map(|i| {
        let jar = dir.path().join(format!("job-{i}.jar"));
        std::fs::write(&jar, vec![0u8; 4096]).expect("write the jar");
        let provisioner = provisioner.clone();
        let request = validation::request(&jar.display().to_string(), FIXTURE_CLASS, &[]);
        tokio::spawn(async move { provisioner.validate(&request).await })
    });
    let results = tokio::time::timeout(
        Duration::from_secs(30),
        futures::future::join_all(validations),
    )
    .await
    .expect("every validation answers: none waits on a FIFO");
    for result in results {
        let result = result
            .expect("the task ends")
            .expect("a validation result, not a system error");
        let problem = problem_on(&result, "specific.jar");
        assert!(
            problem.contains("cannot be read as a file") && problem.contains("is a FIFO"),
            "{problem}"
        );
    }
    eprintln!(
        "128 validations of jars turned into FIFOs answered in {:?}",
        started.elapsed()
    );
}

/// ELOOP and ENAMETOOLONG were SystemErrors (HTTP 500); they are problems
/// of the field, for the jar and for a dependency alike.
#[tokio::test]
async fn a_symlink_loop_or_an_overlong_name_is_a_problem_on_the_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = dir.path().join("a.jar");
    let b = dir.path().join("b.jar");
    std::os::unix::fs::symlink(&b, &a).expect("symlink");
    std::os::unix::fs::symlink(&a, &b).expect("symlink");
    let long = dir.path().join(format!("{}.jar", "x".repeat(300)));
    let provisioner = validation::provisioner(
        Arc::new(ArtifactFs::local_only()),
        UseCaseSettings::default(),
    );
    for (path, says) in [
        (&a, "symbolic links"),
        (&long, "longer than the operating system allows"),
    ] {
        let text = path.display().to_string();
        let result = provisioner
            .validate(&validation::request(&text, FIXTURE_CLASS, &[&text]))
            .await
            .expect("a validation result, not a system error");
        for field in ["specific.jar", "specific.jobConfig.dependencies[0]"] {
            let problem = problem_on(&result, field);
            assert!(problem.contains(says), "{field}: {problem}");
        }
    }
}

/// With roots, a location outside them gets one answer, whatever is at
/// it, and the answer says where jars must be.
#[tokio::test]
async fn outside_the_roots_the_jar_and_dependencies_get_one_answer() {
    let base = tempfile::tempdir().expect("tempdir");
    let root = base.path().join("shared");
    std::fs::create_dir_all(&root).expect("root");
    let real = base.path().join("real.jar");
    std::fs::write(&real, b"PK").expect("file");
    let local = LocalFs::with_config(&LocalFsConfig {
        roots: Some(vec![root.clone()]),
        ..LocalFsConfig::default()
    })
    .expect("roots");
    let provisioner = validation::provisioner(
        Arc::new(ArtifactFs::local_only().with_local(local)),
        UseCaseSettings::default(),
    );
    let folder = base.path().join("folder.jar");
    std::fs::create_dir_all(&folder).expect("folder");
    let mut answers = Vec::new();
    for path in [
        folder.display().to_string(),
        format!("/nonexistent/..{}", real.display()),
        "/nonexistent/x.jar".to_string(),
        real.display().to_string(),
        format!("{}/../real.jar", root.display()),
        format!("file://{}", real.display()),
    ] {
        let result = provisioner
            .validate(&validation::request(&path, FIXTURE_CLASS, &[&path]))
            .await
            .expect("a validation result, not a system error");
        for field in ["specific.jar", "specific.jobConfig.dependencies[0]"] {
            let problem = problem_on(&result, field);
            assert!(
                problem.contains("is not on a filesystem every node of the cluster reads")
                    && problem.contains(&root.display().to_string())
                    && problem.contains("hdfs://"),
                "{problem}"
            );
            // The same words, the location aside.
            answers.push(problem.replace(&path, "LOCATION"));
        }
    }
    answers.sort();
    answers.dedup();
    assert_eq!(answers.len(), 2, "one answer per field: {answers:#?}");
}

#[tokio::test]
async fn a_dependency_must_be_a_jar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("lib.jar");
    std::fs::write(&script, b"#!/bin/sh\necho not a jar\n").expect("write");
    let empty = dir.path().join("empty.jar");
    std::fs::write(&empty, b"").expect("write");
    let provisioner = validation::provisioner(
        Arc::new(ArtifactFs::local_only()),
        UseCaseSettings::default(),
    );
    let jar = dir.path().join("missing-app.jar").display().to_string();
    let result = provisioner
        .validate(&validation::request(
            &jar,
            FIXTURE_CLASS,
            &[&script.display().to_string(), &empty.display().to_string()],
        ))
        .await
        .expect("a validation result");
    for (field, says) in [
        (
            "specific.jobConfig.dependencies[0]",
            "is not a jar (zip) file",
        ),
        ("specific.jobConfig.dependencies[1]", "the file is empty"),
    ] {
        let problem = problem_on(&result, field);
        assert!(problem.contains(says), "{field}: {problem}");
    }
}
