//! The launcher against a real Kerberized YARN: the mini cluster of
//! `tests/hadoop` started with `--kerberos` (`CDP_TEST_MINICLUSTER_KERBEROS`:
//! a MiniKdc, HDFS with Kerberos RPC, a ResourceManager whose web services
//! demand SPNEGO). As the provisioner would be set up there:
//! spark-submit logs in with `--principal`/`--keytab` (the provisioner's
//! principal `cdpprov` and its keytab), its JVM finds the KDC through
//! `launcher.krb5_conf`, the driver and executors through
//! `launcher.spark_conf` (`spark.*.defaultJavaOptions`), and the launcher
//! follows and kills over SPNEGO (`yarn.spnego`) from the same keytab.
//!
//! The cluster's host has no `/etc/krb5.conf`: the RM's SPNEGO client (MIT
//! Kerberos in this process) reads `KRB5_CONFIG` of the process
//! environment, so this binary sets it once, before any Kerberos call, as
//! the provisioner's service environment would.

mod common;
use cdp_spark_testkit::minicluster;
mod real_yarn;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use cdp_spark_domain::ports::{ApplicationState, SparkLauncherPort};
use cdp_spark_launcher::{KerberosConfig, LauncherConfig, YarnRmClient};
use minicluster::MiniCluster;
use real_yarn::*;

/// The test applications on the Kerberos cluster, and the process's
/// `KRB5_CONFIG` set to its krb5.conf (once, first thing of every test).
fn kerberos() -> &'static Deployed {
    static DEPLOYED: OnceLock<Deployed> = OnceLock::new();
    DEPLOYED.get_or_init(|| {
        let cluster = MiniCluster::kerberos();
        // Before any GSSAPI call of this process; every test comes here
        // first, so no other thread of ours reads the environment now.
        std::env::set_var("KRB5_CONFIG", cluster.var("KRB5_CONFIG"));
        deploy(cluster, &common::spark_home(), "kerberos")
    })
}

fn kerberos_config(d: &Deployed) -> LauncherConfig {
    let krb5 = d.cluster.var("KRB5_CONFIG").to_string();
    let java_krb5 = format!("-Djava.security.krb5.conf={krb5}");
    let mut config = yarn_config(d, Some(spark_archive()));
    config.kerberos = Some(KerberosConfig {
        principal: d.cluster.var("CDP_TEST_KERBEROS_PRINCIPAL").to_string(),
        keytab: PathBuf::from(d.cluster.var("CDP_TEST_KERBEROS_KEYTAB")),
    });
    config.yarn.spnego = true;
    config.krb5_conf = Some(PathBuf::from(&krb5));
    config.spark_conf = BTreeMap::from([
        (
            "spark.driver.defaultJavaOptions".to_string(),
            java_krb5.clone(),
        ),
        ("spark.executor.defaultJavaOptions".to_string(), java_krb5),
    ]);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kerberos_submit_and_follow_over_spnego_to_succeeded() {
    let d = kerberos();
    let config = kerberos_config(d);
    let launcher = launcher(config.clone());
    let run = run_id("krb-ok");
    let handle = launcher
        .submit(&job(d, "cdptest.spark.Succeed", &[], &run))
        .await
        .expect("submit with --principal/--keytab");
    assert_eq!(
        wait_final(&launcher, &handle).await,
        ApplicationState::Succeeded
    );
    // Through SPNEGO, as the provisioner's principal: its own application,
    // tagged with the run, found by the tag.
    let client = YarnRmClient::from_config(&config).expect("client");
    let app = client
        .application(&handle.application_id)
        .await
        .expect("read over SPNEGO")
        .expect("known");
    let principal = d.cluster.var("CDP_TEST_KERBEROS_PRINCIPAL");
    let short = principal.split('@').next().unwrap_or(principal);
    assert_eq!(
        app.user.as_deref(),
        Some(short),
        "submitted as the keytab's principal"
    );
    assert_eq!(
        (app.state.as_str(), app.final_status.as_str()),
        ("FINISHED", "SUCCEEDED")
    );
    let found = launcher
        .find_by_run(&run)
        .await
        .expect("find over SPNEGO")
        .expect("found by tag");
    assert_eq!(found.application_id, handle.application_id);
    assert!(
        client.spnego_negotiations() >= 1,
        "the RM was reached through SPNEGO"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kerberos_kill_over_spnego() {
    let d = kerberos();
    let config = kerberos_config(d);
    let launcher = launcher(config.clone());
    let handle = launcher
        .submit(&job(
            d,
            "cdptest.spark.Sleep",
            &["600"],
            &run_id("krb-kill"),
        ))
        .await
        .expect("submit");
    wait_running(&config, &handle.application_id).await;
    launcher.kill(&handle).await.expect("kill over SPNEGO");
    match wait_final(&launcher, &handle).await {
        ApplicationState::Killed { diagnostics } => {
            assert!(diagnostics.contains("killed by user"), "{diagnostics}")
        }
        other => panic!("expected Killed, got {other:?}"),
    }
}
