//! A real YARN cluster, when one is named in the environment:
//!
//! - `CDP_TEST_YARN_RM`: the ResourceManager web addresses, comma-separated
//!   (e.g. `http://rm1:8088,http://rm2:8088`);
//! - `HADOOP_CONF_DIR`: the cluster's client configuration;
//! - optional `CDP_TEST_YARN_QUEUE`, `CDP_TEST_YARN_USER` (simple-auth
//!   `user.name`), `CDP_TEST_KERBEROS_PRINCIPAL` + `CDP_TEST_KERBEROS_KEYTAB`.
//!
//! The test is `#[ignore]`d: `scripts/test.sh` runs it (`-- --ignored`)
//! when `CDP_TEST_YARN_RM` is set; run by hand without it, it fails saying
//! what to set.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use cdp_spark_domain::ports::{ApplicationState, LauncherBackend, SparkLauncherPort};
use cdp_spark_launcher::{ClusterMode, KerberosConfig, LauncherConfig, SparkLauncher, YarnConfig};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a real YARN cluster: set CDP_TEST_YARN_RM and HADOOP_CONF_DIR (scripts/test.sh then runs it)"]
async fn yarn_cluster_submit_follow_fail_and_kill_when_configured() {
    let Some(rms) = std::env::var("CDP_TEST_YARN_RM")
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        panic!("set CDP_TEST_YARN_RM (and HADOOP_CONF_DIR) to run this test against a real ResourceManager");
    };
    let hadoop_conf_dir = std::env::var_os("HADOOP_CONF_DIR")
        .map(PathBuf::from)
        .expect(
        "CDP_TEST_YARN_RM is set, so HADOOP_CONF_DIR must name the cluster's client configuration",
    );
    let kerberos = match (
        std::env::var("CDP_TEST_KERBEROS_PRINCIPAL"),
        std::env::var("CDP_TEST_KERBEROS_KEYTAB"),
    ) {
        (Ok(principal), Ok(keytab)) => Some(KerberosConfig {
            principal,
            keytab: PathBuf::from(keytab),
        }),
        _ => None,
    };
    let launcher = SparkLauncher::new(LauncherConfig {
        mode: ClusterMode::Yarn,
        spark_home: Some(spark_home()),
        hadoop_conf_dir: Some(hadoop_conf_dir),
        kerberos,
        submit_timeout_secs: 300,
        yarn: YarnConfig {
            resource_managers: rms.split(',').map(|s| s.trim().to_string()).collect(),
            user_name: std::env::var("CDP_TEST_YARN_USER").ok(),
            spnego: false,
        },
        ..LauncherConfig::default()
    })
    .expect("valid config");
    let queue = std::env::var("CDP_TEST_YARN_QUEUE").ok();
    let with_queue = |mut r: cdp_spark_domain::ports::LaunchRequest| {
        r.spec.queue = queue.clone();
        r
    };
    let limit = Duration::from_secs(600);

    let ok = launcher
        .submit(&with_queue(request("cdptest.Sleep", vec!["1".into()])))
        .await
        .expect("submit");
    assert_eq!(ok.backend, LauncherBackend::Yarn);
    assert!(
        ok.application_id.starts_with("application_"),
        "{}",
        ok.application_id
    );
    assert_eq!(
        wait_final(&launcher, &ok, limit).await,
        ApplicationState::Succeeded
    );

    let fail = launcher
        .submit(&with_queue(request("cdptest.Fail", vec![])))
        .await
        .expect("submit");
    match wait_final(&launcher, &fail, limit).await {
        ApplicationState::Failed { diagnostics } => {
            assert!(diagnostics.contains("failing on purpose"), "{diagnostics}")
        }
        other => panic!("expected Failed, got {other:?}"),
    }

    let sleep = launcher
        .submit(&with_queue(request("cdptest.Sleep", vec!["600".into()])))
        .await
        .expect("submit");
    launcher.kill(&sleep).await.expect("kill");
    assert!(matches!(
        wait_final(&launcher, &sleep, limit).await,
        ApplicationState::Killed { .. }
    ));
}
