//! Local mode on a real Spark 4 (`SPARK_HOME` or spark-submit on PATH):
//! spark-submit runs the test jar as a child process.

use crate::common;

use std::path::PathBuf;
use std::time::Duration;

use cdp_spark_domain::ports::{
    ApplicationHandle, ApplicationState, LaunchError, LauncherBackend, SparkLauncherPort,
};
use cdp_spark_launcher::{LauncherConfig, SparkLauncher};
use common::*;

fn launcher() -> SparkLauncher {
    let config = LauncherConfig {
        spark_home: Some(spark_home()),
        extra_env: [("SPARK_LOCAL_IP".to_string(), "127.0.0.1".to_string())].into(),
        kill_grace_secs: 5,
        ..LauncherConfig::default()
    };
    SparkLauncher::new(config).expect("valid config")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn args_with_shell_metacharacters_arrive_verbatim_and_exit_0_is_succeeded() {
    let launcher = launcher();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("args.txt");
    let mut args = vec![out.to_string_lossy().into_owned()];
    args.extend(nasty_args());
    let handle = launcher
        .submit(&request("cdptest.WriteArgs", args))
        .await
        .expect("submit");
    assert_eq!(handle.backend, LauncherBackend::Local);
    assert!(
        handle.application_id.starts_with("local-"),
        "{}",
        handle.application_id
    );
    let state = wait_final(&launcher, &handle, Duration::from_secs(90)).await;
    assert_eq!(state, ApplicationState::Succeeded);
    assert_eq!(written_args(&out), nasty_args());
    // Asking again gives the same answer.
    assert_eq!(
        launcher.status(&handle).await.expect("status"),
        ApplicationState::Succeeded
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_main_that_throws_is_failed_with_the_exception_in_the_diagnostics() {
    let launcher = launcher();
    let handle = launcher
        .submit(&request("cdptest.Fail", vec![]))
        .await
        .expect("submit");
    match wait_final(&launcher, &handle, Duration::from_secs(90)).await {
        ApplicationState::Failed { diagnostics } => {
            assert!(diagnostics.contains("exited with code"), "{diagnostics}");
            assert!(
                diagnostics.contains("cdptest.Fail: failing on purpose"),
                "{diagnostics}"
            );
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_terminates_a_sleeping_application_and_its_process() {
    let launcher = launcher();
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("started");
    let handle = launcher
        .submit(&request(
            "cdptest.Sleep",
            vec!["600".into(), marker.to_string_lossy().into_owned()],
        ))
        .await
        .expect("submit");
    let pid = launcher
        .local_pid(&handle)
        .expect("pid of the local application");
    wait_for_file(&marker, Duration::from_secs(90)).await;
    assert!(matches!(
        launcher.status(&handle).await.expect("status"),
        ApplicationState::Running { .. }
    ));
    assert!(process_alive(pid), "spark-submit {pid} should be running");

    let started = std::time::Instant::now();
    launcher.kill(&handle).await.expect("kill");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "kill took {:?}",
        started.elapsed()
    );
    match launcher.status(&handle).await.expect("status") {
        ApplicationState::Killed { diagnostics } => {
            assert!(diagnostics.contains("killed on request"), "{diagnostics}")
        }
        other => panic!("expected Killed, got {other:?}"),
    }
    assert!(!process_alive(pid), "process {pid} survived the kill");
    // Killing again is harmless.
    launcher.kill(&handle).await.expect("second kill");
}

#[tokio::test]
async fn an_unknown_local_application_is_unknown() {
    let launcher = SparkLauncher::new(LauncherConfig::default()).expect("valid");
    let handle = ApplicationHandle {
        backend: LauncherBackend::Local,
        application_id: "local-0000".into(),
        tracking_url: None,
    };
    assert!(matches!(
        launcher.status(&handle).await.expect("status"),
        ApplicationState::Unknown { detail } if detail.contains("local-0000")
    ));
    assert!(launcher.kill(&handle).await.is_err());
}

#[tokio::test]
async fn a_missing_spark_submit_says_how_to_fix_it() {
    let config = LauncherConfig {
        spark_home: Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-such-spark-home")),
        ..LauncherConfig::default()
    };
    let launcher = SparkLauncher::new(config).expect("valid");
    let mut req = request("cdptest.WriteArgs", vec![]);
    req.spec.jar = "/opt/none.jar".parse().expect("jar");
    match launcher.submit(&req).await {
        Err(LaunchError::Submit(msg)) => assert!(
            msg.contains("spark_home") && msg.contains("not found"),
            "{msg}"
        ),
        other => panic!("expected a submit error, got {other:?}"),
    }
}
