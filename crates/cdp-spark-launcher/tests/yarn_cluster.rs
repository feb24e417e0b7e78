//! The launcher against a real YARN: the Hadoop 3.1.1 mini cluster of
//! `tests/hadoop` (`CDP_TEST_MINICLUSTER`, HDFS HA + a ResourceManager and
//! a NodeManager that really runs containers) and real Spark
//! (`SPARK_HOME`, Spark 4; `CDP_TEST_SPARK35_HOME` for one Spark 3.5 run),
//! everything through [`SparkLauncher`], the product's own path: submit and
//! detach, follow through the RM REST API, kill, find by run tag.
//! Spark's jars come from `CDP_TEST_SPARK_ARCHIVE` on the cluster's HDFS
//! (`launcher.yarn_archive`); the test applications' jars are put on HDFS
//! first. `scripts/test.sh` sets all of it; without it each test fails
//! saying what to set.

mod common;
use cdp_spark_testkit::minicluster;
mod real_yarn;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cdp_spark_domain::ports::{ApplicationState, LauncherBackend, SparkLauncherPort};
use cdp_spark_launcher::{yarn_run_tag, YarnRmClient};
use minicluster::MiniCluster;
use real_yarn::*;

/// The test applications on the plain cluster, compiled against Spark 4
/// (once per test binary).
fn plain() -> &'static Deployed {
    static DEPLOYED: OnceLock<Deployed> = OnceLock::new();
    DEPLOYED.get_or_init(|| deploy(MiniCluster::plain(), &common::spark_home(), "spark4"))
}

fn plain_config() -> cdp_spark_launcher::LauncherConfig {
    yarn_config(plain(), Some(spark_archive()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_succeeding_application_ends_succeeded_and_reports_what_the_rm_reports() {
    let d = plain();
    let config = plain_config();
    let launcher = launcher(config.clone());
    let run = run_id("ok");
    let mut request = job(d, "cdptest.spark.Succeed", &["a b", "$(id)"], &run);
    let queue = d.cluster.var("CDP_TEST_YARN_QUEUE").to_string();
    request.spec.queue = Some(queue.parse().expect("queue"));

    let handle = launcher.submit(&request).await.expect("submit");
    assert_eq!(handle.backend, LauncherBackend::Yarn);
    assert!(
        handle.application_id.starts_with("application_"),
        "{handle:?}"
    );
    let id = handle.application_id.clone();

    // While it runs: what status() reports is the RM's own view.
    let running = wait_running(&config, &id).await;
    let rm = d.cluster.rm_url();
    let json = rm_json(rm, &format!("/ws/v1/cluster/apps/{id}")).await;
    let app = &json["app"];
    assert_eq!(field(app, "id"), id);
    assert_eq!(field(app, "queue"), queue, "submitted to the etl queue");
    assert_eq!(running.queue.as_deref(), Some(queue.as_str()));
    let tag = yarn_run_tag(&run).expect("a taggable run id");
    assert!(
        field(app, "applicationTags").split(',').any(|t| t == tag),
        "the RM lists the run's tag {tag}: {app}"
    );
    // The tracking URL spark-submit printed is the RM's proxy URL, which
    // the run records.
    let printed = handle
        .tracking_url
        .clone()
        .expect("spark-submit printed a tracking URL");
    assert_eq!(printed, field(app, "trackingUrl"));
    assert!(printed.ends_with(&format!("/proxy/{id}/")), "{printed}");
    match launcher.status(&handle).await.expect("status") {
        ApplicationState::Running { tracking_url, .. } => {
            assert_eq!(tracking_url.as_deref(), Some(printed.as_str()))
        }
        // It may have finished in between: the next check covers it.
        ApplicationState::Succeeded => {}
        other => panic!("expected Running, got {other:?}"),
    }

    assert_eq!(
        wait_final(&launcher, &handle).await,
        ApplicationState::Succeeded
    );
    // At the end, the launcher's reading of the RM's JSON matches it field
    // by field (the real answer carries what the fixtures did not, e.g.
    // resourceSecondsMap with its key "entry" repeated).
    let json = rm_json(rm, &format!("/ws/v1/cluster/apps/{id}")).await;
    let app = &json["app"];
    let client = YarnRmClient::from_config(&config).expect("client");
    let read = client.application(&id).await.expect("read").expect("known");
    assert_eq!(read.id, field(app, "id"));
    assert_eq!(read.state, field(app, "state"));
    assert_eq!(read.state, "FINISHED");
    assert_eq!(read.final_status, field(app, "finalStatus"));
    assert_eq!(read.final_status, "SUCCEEDED");
    assert_eq!(read.name.as_deref(), Some(field(app, "name")));
    assert_eq!(read.name.as_deref(), Some(request.app_name.as_str()));
    assert_eq!(read.user.as_deref(), Some(field(app, "user")));
    assert_eq!(read.queue.as_deref(), Some(queue.as_str()));
    assert_eq!(
        read.tracking_url.as_deref(),
        Some(field(app, "trackingUrl"))
    );
    assert_eq!(read.diagnostics.as_deref(), Some(field(app, "diagnostics")));
    assert_eq!(
        read.application_tags.as_deref(),
        Some(field(app, "applicationTags"))
    );
    assert!(read.has_tag(&tag) && read.has_ended());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_application_ends_failed_with_its_exception_in_the_diagnostics() {
    let d = plain();
    let launcher = launcher(plain_config());
    let handle = launcher
        .submit(&job(d, "cdptest.spark.Fail", &[], &run_id("fail")))
        .await
        .expect("submit");
    let id = handle.application_id.clone();
    let diagnostics = match wait_final(&launcher, &handle).await {
        ApplicationState::Failed { diagnostics } => diagnostics,
        other => panic!("expected Failed, got {other:?}"),
    };
    // YARN failed the attempt (the gateway's configuration lets the AM
    // expect a second one, so it exits without unregistering): the
    // diagnostics start with the container's exit, and the launcher puts
    // the AM's reason first.
    assert!(
        diagnostics.starts_with(
            "User class threw exception: java.lang.IllegalStateException: cdptest.spark.Fail: failing on purpose\n"
        ),
        "{diagnostics}"
    );
    // Then the RM's own diagnostics, whole.
    let json = rm_json(d.cluster.rm_url(), &format!("/ws/v1/cluster/apps/{id}")).await;
    let rm_diagnostics = field(&json["app"], "diagnostics");
    assert!(
        diagnostics.ends_with(rm_diagnostics.trim()),
        "the run records the RM's diagnostics: {diagnostics}"
    );
    assert_eq!(field(&json["app"], "finalStatus"), "FAILED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_application_is_killed() {
    let d = plain();
    let config = plain_config();
    let launcher = launcher(config.clone());
    let handle = launcher
        .submit(&job(d, "cdptest.spark.Sleep", &["600"], &run_id("kill")))
        .await
        .expect("submit");
    let id = handle.application_id.clone();
    wait_running(&config, &id).await;
    let started = Instant::now();
    launcher.kill(&handle).await.expect("kill");
    let diagnostics = match wait_final(&launcher, &handle).await {
        ApplicationState::Killed { diagnostics } => diagnostics,
        other => panic!("expected Killed, got {other:?}"),
    };
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the kill took {:?}",
        started.elapsed()
    );
    let json = rm_json(d.cluster.rm_url(), &format!("/ws/v1/cluster/apps/{id}")).await;
    let app = &json["app"];
    assert_eq!(field(app, "state"), "KILLED");
    assert_eq!(field(app, "finalStatus"), "KILLED");
    assert_eq!(diagnostics, field(app, "diagnostics").trim());
    assert!(diagnostics.contains("killed by user"), "{diagnostics}");
    // Killing it again is no error: YARN answers with its final state.
    launcher.kill(&handle).await.expect("a second kill");
}

/// The provisioner instance died during spark-submit: the submitting side
/// is killed as soon as the RM lists the run's application, and a new
/// launcher finds the application by the run's tag and can follow and
/// kill it. The run id has capitals: YARN keeps tags (and matches the
/// filter) in lower case.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_by_run_finds_the_application_after_the_submitter_died() {
    let d = plain();
    let config = plain_config();
    let run = run_id("Found-BY-Tag");
    let tag = yarn_run_tag(&run).expect("taggable");
    assert_eq!(tag, format!("cdp-run-{}", run.to_lowercase()));
    let request = job(d, "cdptest.spark.Sleep", &["600"], &run);

    let first = std::sync::Arc::new(launcher(config.clone()));
    let submitting = {
        let first = first.clone();
        tokio::spawn(async move { first.submit(&request).await })
    };
    // Watch the RM for the tag, as the RM's own list answers it.
    let rm = d.cluster.rm_url().to_string();
    let start = Instant::now();
    let listed_id = loop {
        let json = rm_json(&rm, &format!("/ws/v1/cluster/apps?applicationTags={tag}")).await;
        if let Some(app) = json["apps"]["app"].as_array().and_then(|a| a.first()) {
            break field(app, "id").to_string();
        }
        assert!(
            start.elapsed() < LIMIT,
            "no application with tag {tag} after {LIMIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Kill spark-submit's whole process group, and drop the submit.
    let still_submitting = !submitting.is_finished();
    let group = process_group_with_arg(&tag);
    if let Some(pgrp) = group {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pgrp),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    submitting.abort();
    eprintln!(
        "find_by_run: the RM listed {listed_id} after {:?}; spark-submit {}",
        start.elapsed(),
        match (still_submitting, group) {
            (true, Some(g)) => format!("was still running and its group {g} was killed"),
            (true, None) => "was ending (no process left to kill)".to_string(),
            (false, _) => "had already returned".to_string(),
        }
    );
    drop(first);

    // A new launcher (another provisioner instance) knows only the run id.
    let second = launcher(config.clone());
    let found = second
        .find_by_run(&run)
        .await
        .expect("find_by_run")
        .expect("the run's application is found by its tag");
    assert_eq!(found.application_id, listed_id);
    assert_eq!(found.backend, LauncherBackend::Yarn);
    // The RM filters tags in lower case whatever the case asked.
    let upper = rm_json(
        &rm,
        &format!("/ws/v1/cluster/apps?applicationTags={}", tag.to_uppercase()),
    )
    .await;
    assert_eq!(
        upper["apps"]["app"][0]["id"].as_str(),
        Some(listed_id.as_str()),
        "{upper}"
    );
    // Nothing is found for another run.
    assert_eq!(
        second
            .find_by_run(&run_id("never-submitted"))
            .await
            .expect("find"),
        None
    );
    wait_running(&config, &found.application_id).await;
    assert!(matches!(
        second.status(&found).await.expect("status"),
        ApplicationState::Running { .. }
    ));
    second.kill(&found).await.expect("kill");
    assert!(matches!(
        wait_final(&second, &found).await,
        ApplicationState::Killed { .. }
    ));
}

/// A dependency on HDFS in `dependencies` is shipped (`--jars`); without it
/// the application fails on the missing class. This one also tells Spark
/// its attempt is the last (`spark.yarn.maxAppAttempts=1`), so the
/// ApplicationMaster unregisters as FAILED itself (YARN state FINISHED)
/// instead of YARN failing the attempt (state FAILED).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependency_on_hdfs_is_shipped_and_without_it_the_application_fails() {
    let d = plain();
    let launcher = launcher(plain_config());
    let mut with = job(d, "cdptest.spark.NeedsDependency", &[], &run_id("dep"));
    with.spec.dependencies = vec![d.dependency.parse().expect("dependency")];
    let mut without = job(d, "cdptest.spark.NeedsDependency", &[], &run_id("nodep"));
    without.spec.conf = BTreeMap::from([("spark.yarn.maxAppAttempts".into(), "1".into())]);
    let (with, without) = tokio::join!(launcher.submit(&with), launcher.submit(&without));
    let (with, without) = (with.expect("submit"), without.expect("submit"));
    let (with_end, without_end) = tokio::join!(
        wait_final(&launcher, &with),
        wait_final(&launcher, &without)
    );
    assert_eq!(with_end, ApplicationState::Succeeded);
    match without_end {
        ApplicationState::Failed { diagnostics } => assert!(
            diagnostics.starts_with(
                "User class threw exception: java.lang.NoClassDefFoundError: cdptest/dep/Greeting"
            ),
            "{diagnostics}"
        ),
        other => panic!("expected Failed, got {other:?}"),
    }
    let json = rm_json(
        d.cluster.rm_url(),
        &format!("/ws/v1/cluster/apps/{}", without.application_id),
    )
    .await;
    assert_eq!(field(&json["app"], "state"), "FINISHED");
    assert_eq!(field(&json["app"], "finalStatus"), "FAILED");
}

/// The Spark 3.5 client (the line CDP runs; Hadoop 3.3.4 client jars)
/// against the same Hadoop 3.1.1 cluster, its applications compiled
/// against its own jars. Its jars are not on HDFS: they are read from the
/// node's disk (`spark.yarn.jars=local:…`, the NodeManager runs on this
/// host), as CDP's own Spark parcels do, through `launcher.spark_conf`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spark_35_client_submits_and_its_application_succeeds() {
    let home = PathBuf::from(std::env::var("CDP_TEST_SPARK35_HOME").unwrap_or_else(|_| {
        panic!(
            "CDP_TEST_SPARK35_HOME is not set: one real-YARN test submits with a Spark 3.5 \
             client. scripts/test.sh sets it; by hand: export \
             CDP_TEST_SPARK35_HOME=$(CDP_SPARK_VERSION=3.5.7 scripts/install-spark.sh)"
        )
    }));
    let hadoop_client: Vec<String> = std::fs::read_dir(home.join("jars"))
        .expect("the Spark 3.5 jars")
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| n.starts_with("hadoop-client-api-"))
        .collect();
    assert_eq!(hadoop_client.len(), 1, "{hadoop_client:?}");
    eprintln!("Spark 3.5 client: {}", hadoop_client[0]);
    let d = deploy(MiniCluster::plain(), &home, "spark35");
    let mut config = yarn_config(&d, None);
    config.spark_conf = BTreeMap::from([(
        "spark.yarn.jars".to_string(),
        format!("local:{}/jars/*", home.display()),
    )]);
    let launcher = launcher(config);
    let handle = launcher
        .submit(&job(
            &d,
            "cdptest.spark.Succeed",
            &["3.5"],
            &run_id("spark35"),
        ))
        .await
        .expect("submit");
    assert_eq!(
        wait_final(&launcher, &handle).await,
        ApplicationState::Succeeded
    );
}

/// The driver's log while it runs comes from its NodeManager (the AM
/// container of the RM's latest attempt): `stdout` with the application's
/// own lines, `stderr` with Spark's; bounded by the tail asked. After the
/// end the NodeManager no longer serves it once aggregated (the mini
/// cluster aggregates logs to HDFS), and the launcher says it has none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_driver_log_is_read_from_the_nodemanager_while_the_application_runs() {
    let d = plain();
    let config = plain_config();
    let launcher = launcher(config.clone());
    let handle = launcher
        .submit(&job(d, "cdptest.spark.Sleep", &["25"], &run_id("logs")))
        .await
        .expect("submit");
    let id = handle.application_id.clone();
    wait_running(&config, &id).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let live = loop {
        match launcher.logs(&handle, 64 * 1024).await.expect("logs") {
            Some(t) if t.text.contains("cdptest.spark.Sleep 2/25") => break t,
            other => {
                assert!(
                    Instant::now() < deadline,
                    "the driver's log never showed the Sleep lines: {other:?}"
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    };
    assert_eq!(
        live.source,
        cdp_spark_domain::runlog::LogSource::YarnNodeManager
    );
    assert!(live.text.starts_with("==> stdout <==\n"), "{}", live.text);
    assert!(live.text.contains("==> stderr <=="), "{}", live.text);
    println!("driver log while running, {} bytes", live.text.len());
    let small = launcher
        .logs(&handle, 300)
        .await
        .expect("logs")
        .expect("still there");
    assert!(small.text.len() <= 300, "{}", small.text.len());
    assert!(small.truncated);
    assert!(small.text.contains("cdptest.spark.Sleep"), "{}", small.text);

    // A well-formed id the RM does not know: none.
    assert_eq!(
        launcher
            .logs(
                &cdp_spark_domain::ports::ApplicationHandle {
                    application_id: "application_1_9999".into(),
                    ..handle.clone()
                },
                100
            )
            .await
            .expect("no error"),
        None
    );

    let state = wait_final(&launcher, &handle).await;
    assert_eq!(state, ApplicationState::Succeeded, "{state:?}");
    // Just after the end the NodeManager may still serve the container's
    // files (whole), until it has aggregated and dropped them.
    let after = launcher.logs(&handle, 64 * 1024).await.expect("logs");
    println!(
        "after the end the NodeManager answers: {:?}",
        after.as_ref().map(|t| (t.source, t.text.len()))
    );
    if let Some(t) = after {
        assert!(t.text.contains("cdptest.spark.Sleep 24/25"), "{}", t.text);
    }
}
