//! Runs' logs and `removeData`, on mocked ports.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use mockall::predicate::eq;

use super::{Provisioner, RunLogs, UseCaseError, UseCaseSettings};
use crate::api::{DescriptorKind, ProvisioningRequest, Status};
use crate::clock::FixedClock;
use crate::model::{JobKey, RunRecord, RunState, TriggerKey};
use crate::ports::{
    LaunchError, LauncherBackend, MockHdfsPort, MockJobStorePort, MockRunLogStorePort,
    MockSparkLauncherPort,
};
use crate::redact::Redactor;
use crate::runlog::{LogSource, LogTail, RunHistoryRemoved, StoredRunLog, MAX_TAIL_BYTES};

const GROUP: &str = "urn:dmb:dp:finance:cashflow:0";
const JOB_NAME: &str = "finance-cashflow-0-daily-aggregation-development";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
        .single()
        .expect("valid instant")
}

fn run(state: RunState, app: Option<&str>) -> RunRecord {
    RunRecord {
        run_id: "r1".into(),
        job_key: JobKey::new(GROUP, JOB_NAME),
        trigger_key: TriggerKey::new(GROUP, "t"),
        scheduled_fire_time: now(),
        actual_fire_time: now(),
        application_id: app.map(str::to_string),
        tracking_url: None,
        state,
        final_status: None,
        created_at: now(),
        updated_at: now(),
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: None,
        backfill: None,
    }
}

fn provisioner(store: MockJobStorePort) -> Provisioner {
    let mut secrets = Redactor::new();
    secrets.add_secret("hunter2-secret");
    Provisioner::new(
        Arc::new(MockHdfsPort::new()),
        Arc::new(store),
        UseCaseSettings::default(),
    )
    .with_clock(Arc::new(FixedClock(now())))
    .with_redactor(secrets)
}

fn store_with(run: Option<RunRecord>) -> MockJobStorePort {
    let mut store = MockJobStorePort::new();
    store.expect_get_run().returning(move |_| Ok(run.clone()));
    store
}

fn stored(text: &str, seen: u64) -> StoredRunLog {
    StoredRunLog {
        run_id: "r1".into(),
        text: text.into(),
        bytes_seen: seen,
        truncated: seen > text.len() as u64,
        source: LogSource::SparkSubmit,
        updated_at: now(),
    }
}

#[tokio::test]
async fn an_unknown_run_is_not_found_and_nothing_else_is_asked() {
    let logs = RunLogs::new(
        provisioner(store_with(None)),
        Arc::new(MockRunLogStorePort::new()),
        None,
    );
    assert!(matches!(
        logs.run_log("nope", 10).await,
        Err(UseCaseError::NotFound(m)) if m.contains("nope")
    ));
}

#[tokio::test]
async fn the_stored_log_answers_its_tail_redacted() {
    let mut history = MockRunLogStorePort::new();
    history.expect_get_run_log().with(eq("r1")).returning(|_| {
        Ok(Some(stored(
            "first\npassword hunter2-secret\nlast line\n",
            5000,
        )))
    });
    let logs = RunLogs::new(
        provisioner(store_with(Some(run(RunState::Succeeded, Some("local-1"))))),
        Arc::new(history),
        None,
    );
    let answer = logs.run_log("r1", 1000).await.expect("answer");
    let tail = answer.tail.expect("a log");
    assert!(tail.text.ends_with("last line\n"), "{}", tail.text);
    assert!(!tail.text.contains("hunter2-secret"), "{}", tail.text);
    assert!(tail.truncated, "5000 bytes seen, fewer kept");
    assert_eq!(tail.source, LogSource::SparkSubmit);
    let short = logs.run_log("r1", 10).await.expect("answer");
    assert_eq!(short.tail.expect("a log").text, "last line\n");
}

#[tokio::test]
async fn the_launcher_is_asked_first_and_the_store_answers_when_it_fails() {
    let mut launcher = MockSparkLauncherPort::new();
    let mut calls = 0;
    launcher
        .expect_logs()
        .withf(|h, tail| {
            h.application_id == "application_1_2"
                && h.backend == LauncherBackend::Yarn
                && *tail == MAX_TAIL_BYTES
        })
        .returning(move |_, _| {
            calls += 1;
            if calls == 1 {
                Ok(Some(LogTail {
                    text: "driver says hunter2-secret\n".into(),
                    truncated: false,
                    source: LogSource::YarnNodeManager,
                }))
            } else {
                Err(LaunchError::Unreachable("rm down".into()))
            }
        });
    let mut history = MockRunLogStorePort::new();
    history
        .expect_get_run_log()
        .times(1)
        .returning(|_| Ok(Some(stored("submitted\n", 10))));
    let logs = RunLogs::new(
        provisioner(store_with(Some(run(
            RunState::Running,
            Some("application_1_2"),
        )))),
        Arc::new(history),
        Some((Arc::new(launcher), LauncherBackend::Yarn)),
    );
    // A tail over the maximum is bounded.
    let live = logs.run_log("r1", u64::MAX).await.expect("answer");
    let tail = live.tail.expect("a log");
    assert_eq!(tail.source, LogSource::YarnNodeManager);
    assert_eq!(tail.text, "driver says ***\n");
    assert_eq!(live.note, None);
    let fallback = logs.run_log("r1", u64::MAX).await.expect("answer");
    assert_eq!(fallback.tail.expect("a log").text, "submitted\n");
    assert!(
        fallback
            .note
            .as_deref()
            .is_some_and(|n| n.contains("rm down")),
        "{:?}",
        fallback.note
    );
}

#[tokio::test]
async fn nothing_kept_yet_is_said_by_state() {
    for (state, needle) in [
        (RunState::Submitting, "being submitted"),
        (RunState::Running, "try again shortly"),
        (RunState::Skipped, "skipped"),
        (RunState::Failed, "No log was kept"),
    ] {
        let mut history = MockRunLogStorePort::new();
        history.expect_get_run_log().returning(|_| Ok(None));
        let logs = RunLogs::new(
            provisioner(store_with(Some(run(state, None)))),
            Arc::new(history),
            None,
        );
        let answer = logs.run_log("r1", 100).await.expect("answer");
        assert_eq!(answer.tail, None);
        let note = answer.note.expect("a note");
        assert!(note.contains(needle), "{state:?}: {note}");
    }
}

fn unprovision_request(remove_data: bool) -> ProvisioningRequest {
    let descriptor =
        cdp_spark_testkit::fixtures::read(cdp_spark_testkit::fixtures::SCHEDULED_DESCRIPTOR);
    ProvisioningRequest {
        descriptor_kind: DescriptorKind::ComponentDescriptor,
        descriptor,
        remove_data,
        latest_enriched_descriptor: None,
    }
}

#[tokio::test]
async fn remove_data_true_deletes_the_run_history_and_false_keeps_it() {
    let mut store = MockJobStorePort::new();
    store.expect_delete_job().returning(|_| Ok(true));
    let mut history = MockRunLogStorePort::new();
    history
        .expect_delete_run_history()
        .with(eq(JobKey::new(GROUP, JOB_NAME)))
        .times(1)
        .returning(|_| {
            Ok(RunHistoryRemoved {
                runs: 3,
                logs: 2,
                kept_in_flight: 1,
            })
        });
    let p = provisioner(store).with_run_history(Arc::new(history));

    let kept = p
        .unprovision(&unprovision_request(false))
        .await
        .expect("ok");
    assert_eq!(kept.status, Status::Completed);
    assert!(kept.result.contains("kept for audit"), "{}", kept.result);
    let logs = kept.logs.expect("logs");
    assert!(
        logs.iter()
            .any(|l| l.message.contains("removeData: false") && l.phase.as_deref() == Some("store")),
        "{logs:?}"
    );

    let removed = p.unprovision(&unprovision_request(true)).await.expect("ok");
    assert!(
        removed
            .result
            .contains("3 ended run(s) and 2 stored log(s) were deleted"),
        "{}",
        removed.result
    );
    assert!(removed
        .result
        .contains("1 run(s) still in flight were kept"));
    let logs = removed.logs.expect("logs");
    assert!(
        logs.iter()
            .any(|l| l.message.contains("were deleted") && l.phase.as_deref() == Some("store")),
        "{logs:?}"
    );
}

fn aggregated(owner: Option<&str>) -> super::AggregatedLogSource {
    use crate::yarnlog::tests::{container_value, node_file, MemFs};
    let mut fs = MemFs::default();
    fs.add(
        "hdfs://cdpns/tmp/logs/cdpprov/logs/application_1700000000000_0007/nm_8041",
        node_file(
            &[(
                "container_1700000000000_0007_01_000001",
                container_value(&[
                    ("stdout", "result 42\n"),
                    ("stderr", "token hunter2-secret\nINFO done\n"),
                ]),
            )],
            16,
            false,
        ),
    );
    super::AggregatedLogSource {
        fs: Arc::new(fs),
        settings: crate::yarnlog::AggregatedLogSettings::new(
            crate::artifact::ArtifactUri::parse("hdfs://cdpns/tmp/logs").expect("uri"),
        ),
        owner: owner.map(str::to_string),
    }
}

#[tokio::test]
async fn an_ended_yarn_run_answers_its_aggregated_log_under_its_users_folder() {
    let mut launcher = MockSparkLauncherPort::new();
    launcher.expect_logs().returning(|_, _| Ok(None));
    launcher
        .expect_application_owner()
        .returning(|_| Ok(Some("cdpprov".into())));
    let logs = RunLogs::new(
        provisioner(store_with(Some(run(
            RunState::Succeeded,
            Some("application_1700000000000_0007"),
        )))),
        Arc::new(MockRunLogStorePort::new()),
        Some((Arc::new(launcher), LauncherBackend::Yarn)),
    )
    .with_aggregated_logs(aggregated(None));
    let answer = logs.run_log("r1", 10_000).await.expect("answer");
    let tail = answer.tail.expect("a log");
    assert_eq!(tail.source, LogSource::YarnAggregated);
    assert!(tail.text.contains("result 42"), "{}", tail.text);
    assert!(tail.text.ends_with("INFO done\n"), "{}", tail.text);
    assert!(
        !tail.text.contains("hunter2-secret"),
        "redacted: {}",
        tail.text
    );
    assert_eq!(answer.note, None);
}

#[tokio::test]
async fn without_a_known_user_the_stored_log_answers_and_says_which_key_to_set() {
    let mut launcher = MockSparkLauncherPort::new();
    launcher.expect_logs().returning(|_, _| Ok(None));
    launcher.expect_application_owner().returning(|_| Ok(None));
    let mut history = MockRunLogStorePort::new();
    history
        .expect_get_run_log()
        .returning(|_| Ok(Some(stored("Submitted application\n", 22))));
    let logs = RunLogs::new(
        provisioner(store_with(Some(run(
            RunState::Succeeded,
            Some("application_1700000000000_0007"),
        )))),
        Arc::new(history),
        Some((Arc::new(launcher), LauncherBackend::Yarn)),
    )
    .with_aggregated_logs(aggregated(None));
    let answer = logs.run_log("r1", 10_000).await.expect("answer");
    assert_eq!(answer.tail.expect("a log").source, LogSource::SparkSubmit);
    let note = answer.note.expect("a note");
    assert!(note.contains("yarn_logs.owner"), "{note}");
    // With the operator's fallback user the aggregated log is found.
    let mut launcher = MockSparkLauncherPort::new();
    launcher.expect_logs().returning(|_, _| Ok(None));
    launcher.expect_application_owner().returning(|_| Ok(None));
    let logs = RunLogs::new(
        provisioner(store_with(Some(run(
            RunState::Failed,
            Some("application_1700000000000_0007"),
        )))),
        Arc::new(MockRunLogStorePort::new()),
        Some((Arc::new(launcher), LauncherBackend::Yarn)),
    )
    .with_aggregated_logs(aggregated(Some("cdpprov")));
    let answer = logs.run_log("r1", 10_000).await.expect("answer");
    assert_eq!(
        answer.tail.expect("a log").source,
        LogSource::YarnAggregated
    );
}
