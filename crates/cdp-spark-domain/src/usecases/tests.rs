//! Unit tests of the use cases with mocked ports.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use mockall::predicate::always;

use super::{Provisioner, UseCaseError, UseCaseSettings};
use crate::api::{DescriptorKind, ProvisioningRequest, Status};
use crate::artifact::ArtifactUri;
use crate::cause;
use crate::clock::FixedClock;
use crate::model::{JobKey, TriggerSchedule, TriggerState};
use crate::ports::{
    FileKind, FileStatus, FsError, MockHdfsPort, MockJobStorePort, ReplaceOutcome, StoreError,
};

pub(super) const JOB_NAME: &str = "finance-cashflow-0-daily-aggregation-development";
pub(super) const GROUP: &str = "urn:dmb:dp:finance:cashflow:0";
const CLASS: &str = "com.acme.finance.cashflow.DailyAggregation";

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
        .single()
        .expect("valid instant")
}

use cdp_spark_testkit::fixtures;
use cdp_spark_testkit::zipjar::crc32;

/// The scheduled-component fixture with its jar on local disk.
pub(super) fn fixture() -> String {
    fixtures::read(fixtures::SCHEDULED_DESCRIPTOR).replace(
        "hdfs://nameservice1/apps/finance/cashflow/0.3.1/cashflow-aggregation-0.3.1.jar",
        "/opt/jobs/cashflow-aggregation.jar",
    )
}

pub(super) fn request(descriptor: String) -> ProvisioningRequest {
    ProvisioningRequest {
        descriptor_kind: DescriptorKind::ComponentDescriptor,
        descriptor,
        remove_data: false,
        latest_enriched_descriptor: None,
    }
}

fn provisioner(fs: MockHdfsPort, store: MockJobStorePort) -> Provisioner {
    Provisioner::new(Arc::new(fs), Arc::new(store), UseCaseSettings::default())
        .with_clock(Arc::new(FixedClock(now())))
}

// ----------------------------------------------------- an in-memory jar ---

/// A minimal class file: `public class <name>` with
/// `public static void main(String[])` when `with_main`.
fn class_file(binary_name: &str, with_main: bool) -> Vec<u8> {
    fn utf8(out: &mut Vec<u8>, s: &str) {
        out.push(1);
        out.extend_from_slice(&(s.len() as u16).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    let internal = binary_name.replace('.', "/");
    let mut c = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 61];
    c.extend_from_slice(&7u16.to_be_bytes()); // constant pool count = 6 entries + 1
    utf8(&mut c, &internal); // #1
    c.extend_from_slice(&[7, 0, 1]); // #2 Class #1
    utf8(&mut c, "java/lang/Object"); // #3
    c.extend_from_slice(&[7, 0, 3]); // #4 Class #3
    utf8(&mut c, if with_main { "main" } else { "run" }); // #5
    utf8(&mut c, "([Ljava/lang/String;)V"); // #6
    c.extend_from_slice(&0x0021u16.to_be_bytes()); // public super
    c.extend_from_slice(&[0, 2, 0, 4, 0, 0, 0, 0]); // this, super, interfaces, fields
    c.extend_from_slice(&[0, 1]); // one method
    c.extend_from_slice(&0x0009u16.to_be_bytes()); // public static
    c.extend_from_slice(&[0, 5, 0, 6, 0, 0]); // name, descriptor, no attributes
    c.extend_from_slice(&[0, 0]); // no class attributes
    c
}

/// A stored (uncompressed) zip holding `entries`.
fn zip_stored(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let header = |sig: u32, central_dir: bool| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            if central_dir {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0x21, 0]); // version, flags, method 0, time, date
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central_dir {
                h.extend_from_slice(&[0; 6]); // comment length, disk, internal attrs
                h.extend_from_slice(&0u32.to_le_bytes()); // external attrs
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

/// A filesystem mock where every path is a file and reads come from `jar`.
pub(super) fn fs_serving(jar: Vec<u8>) -> MockHdfsPort {
    let jar = Arc::new(jar);
    let len = jar.len() as u64;
    let mut fs = MockHdfsPort::new();
    fs.expect_status().returning(move |_| {
        Ok(Some(FileStatus {
            kind: FileKind::File,
            length: len,
        }))
    });
    fs.expect_read_range().returning(move |_, offset, n| {
        let (start, end) = (offset as usize, (offset + n) as usize);
        jar.get(start..end)
            .map(<[u8]>::to_vec)
            .ok_or(FsError::Read {
                path: "jar".into(),
                detail: "past the end".into(),
            })
    });
    fs
}

pub(super) fn good_jar() -> Vec<u8> {
    zip_stored(&[
        (
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\r\n\r\n".to_vec(),
        ),
        (
            "com/acme/finance/cashflow/DailyAggregation.class",
            class_file(CLASS, true),
        ),
    ])
}

// ------------------------------------------------------------- validate ---

#[tokio::test]
async fn validate_of_a_good_descriptor_is_valid() {
    let p = provisioner(fs_serving(good_jar()), MockJobStorePort::new());
    let result = p
        .validate(&request(fixture()))
        .await
        .expect("no system error");
    assert!(result.valid, "{result:?}");
    assert_eq!(result.error, None);
}

#[tokio::test]
async fn validate_of_a_broken_descriptor_reports_the_field_and_never_reads_files() {
    // No expectations: any filesystem or store call panics.
    let p = provisioner(MockHdfsPort::new(), MockJobStorePort::new());
    let descriptor = fixture().replace(
        "jobName: finance-cashflow-0-daily-aggregation-development",
        "jobName: wrong-name",
    );
    let result = p
        .validate(&request(descriptor))
        .await
        .expect("no system error");
    assert!(!result.valid);
    let errors = result.error.expect("errors").errors;
    assert!(
        errors.iter().any(
            |e| e.starts_with("dataProduct.components[1].specific.jobName") && e.contains(JOB_NAME)
        ),
        "{errors:?}"
    );
}

#[tokio::test]
async fn a_missing_jar_and_a_directory_dependency_are_both_reported() {
    let mut fs = MockHdfsPort::new();
    fs.expect_status().returning(|uri| {
        Ok(match uri {
            ArtifactUri::Local { .. } => None,
            ArtifactUri::Hdfs { .. } => Some(FileStatus {
                kind: FileKind::Directory,
                length: 0,
            }),
        })
    });
    let p = provisioner(fs, MockJobStorePort::new());
    let result = p
        .validate(&request(fixture()))
        .await
        .expect("no system error");
    let errors = result.error.expect("invalid").errors;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors
        .iter()
        .any(|e| e.starts_with("dataProduct.components[1].specific.jar:")
            && e.contains("/opt/jobs/cashflow-aggregation.jar does not exist")));
    assert!(errors.iter().any(|e| e
        .starts_with("dataProduct.components[1].specific.jobConfig.dependencies[0]:")
        && e.contains("is a directory")));
}

#[tokio::test]
async fn permission_denied_on_the_jar_or_a_dependency_is_a_problem_on_its_field() {
    // HDFS answers the status of a file whose folders the user may enter,
    // and refuses the read when the file itself is not readable (mode 600
    // of another user); a folder it may not enter refuses the status.
    let denied = |path: String, access: &str| FsError::PermissionDenied {
        path,
        detail: cause!("Permission denied: user=cdpprov, access={access}"),
    };
    let mut fs = MockHdfsPort::new();
    fs.expect_status().returning(move |uri| match uri {
        ArtifactUri::Local { .. } => Ok(Some(FileStatus {
            kind: FileKind::File,
            length: 100,
        })),
        ArtifactUri::Hdfs { .. } => Err(denied(uri.to_string(), "EXECUTE")),
    });
    fs.expect_read_range()
        .returning(move |uri, _, _| Err(denied(uri.to_string(), "READ")));
    let p = provisioner(fs, MockJobStorePort::new());
    let result = p
        .validate(&request(fixture()))
        .await
        .expect("a validation result, not a system error");
    let errors = result.error.expect("invalid").errors;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("dataProduct.components[1].specific.jar:")
                && e.contains("may not read the jar /opt/jobs/cashflow-aggregation.jar")
                && e.contains("permission denied")
                && e.contains("user=cdpprov, access=READ")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e
            .starts_with("dataProduct.components[1].specific.jobConfig.dependencies[0]:")
            && e.contains("may not read the dependency")
            && e.contains("access=EXECUTE")),
        "{errors:?}"
    );
}

/// A filesystem where the jar is `jar` and every dependency is `dep`.
fn fs_serving_jar_and_dependency(jar: Vec<u8>, dep: Vec<u8>) -> MockHdfsPort {
    let bytes = move |uri: &ArtifactUri| -> Vec<u8> {
        match uri {
            ArtifactUri::Local { .. } => jar.clone(),
            ArtifactUri::Hdfs { .. } => dep.clone(),
        }
    };
    let for_status = bytes.clone();
    let mut fs = MockHdfsPort::new();
    fs.expect_status().returning(move |uri| {
        Ok(Some(FileStatus {
            kind: FileKind::File,
            length: for_status(uri).len() as u64,
        }))
    });
    fs.expect_read_range().returning(move |uri, offset, n| {
        let all = bytes(uri);
        all.get(offset as usize..(offset + n) as usize)
            .map(<[u8]>::to_vec)
            .ok_or(FsError::Read {
                path: uri.to_string(),
                detail: "past the end".into(),
            })
    });
    fs
}

#[tokio::test]
async fn a_dependency_that_is_not_a_jar_is_a_problem_on_the_dependency() {
    let not_a_zip = b"#!/bin/sh\necho a script, not a jar\n".to_vec();
    for (dep, says) in [
        (not_a_zip, "is not a jar (zip) file"),
        (
            good_jar()[..good_jar().len() - 10].to_vec(),
            "is a damaged jar",
        ),
    ] {
        let p = provisioner(
            fs_serving_jar_and_dependency(good_jar(), dep),
            MockJobStorePort::new(),
        );
        let result = p
            .validate(&request(fixture()))
            .await
            .expect("no system error");
        let errors = result.error.expect("invalid").errors;
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("dataProduct.components[1].specific.jobConfig.dependencies[0]:")
                && errors[0].contains(
                    "the dependency hdfs://nameservice1/apps/shared/acme-commons-2.1.0.jar"
                )
                && errors[0].contains(says),
            "{errors:?}"
        );
    }
}

#[tokio::test]
async fn a_validation_reads_no_more_than_its_budget() {
    let settings = UseCaseSettings {
        artifacts: super::ArtifactSettings {
            max_read_bytes: 100,
            ..Default::default()
        },
        ..Default::default()
    };
    let p = Provisioner::new(
        Arc::new(fs_serving(good_jar())),
        Arc::new(MockJobStorePort::new()),
        settings,
    )
    .with_clock(Arc::new(FixedClock(now())));
    let result = p
        .validate(&request(fixture()))
        .await
        .expect("no system error");
    let errors = result.error.expect("invalid").errors;
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("dataProduct.components[1].specific.jar:")
                && e.contains("is too large to inspect")
                && e.contains("past the 100 bytes one validation may read")
                && e.contains("artifacts.max_read_bytes")),
        "{errors:?}"
    );
}

/// A port whose jar status takes a while and counts how many validations
/// are inside their artifact check at once.
struct SlowPort {
    jar: Vec<u8>,
    inside: std::sync::atomic::AtomicUsize,
    most: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl crate::ports::HdfsPort for SlowPort {
    async fn status(&self, uri: &ArtifactUri) -> Result<Option<FileStatus>, FsError> {
        use std::sync::atomic::Ordering::SeqCst;
        if !uri.is_hdfs() {
            let now = self.inside.fetch_add(1, SeqCst) + 1;
            self.most.fetch_max(now, SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            self.inside.fetch_sub(1, SeqCst);
        }
        Ok(Some(FileStatus {
            kind: FileKind::File,
            length: self.jar.len() as u64,
        }))
    }

    async fn read_range(&self, _: &ArtifactUri, offset: u64, len: u64) -> Result<Vec<u8>, FsError> {
        Ok(self.jar[offset as usize..(offset + len) as usize].to_vec())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn at_most_max_concurrent_checks_validations_read_jars_at_once() {
    let port = Arc::new(SlowPort {
        jar: good_jar(),
        inside: Default::default(),
        most: Default::default(),
    });
    let settings = UseCaseSettings {
        artifacts: super::ArtifactSettings {
            max_concurrent_checks: 2,
            ..Default::default()
        },
        ..Default::default()
    };
    let p = Provisioner::new(port.clone(), Arc::new(MockJobStorePort::new()), settings)
        .with_clock(Arc::new(FixedClock(now())));
    let validations = (0..16).map(|_| {
        let p = p.clone();
        tokio::spawn(async move { p.validate(&request(fixture())).await })
    });
    for v in futures::future::join_all(validations).await {
        let result = v.expect("the task ends").expect("no system error");
        assert!(result.valid, "{result:?}");
    }
    assert_eq!(port.most.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_jar_without_the_class_names_what_it_holds() {
    let jar = zip_stored(&[(
        "com/acme/finance/cashflow/other/DailyAggregation.class",
        class_file("com.acme.finance.cashflow.other.DailyAggregation", true),
    )]);
    let p = provisioner(fs_serving(jar), MockJobStorePort::new());
    let result = p
        .validate(&request(fixture()))
        .await
        .expect("no system error");
    let errors = result.error.expect("invalid").errors;
    assert!(
        errors.iter().any(
            |e| e.starts_with("dataProduct.components[1].specific.className:")
                && e.contains("not found")
                && e.contains("com/acme/finance/cashflow/other/DailyAggregation.class")
        ),
        "{errors:?}"
    );
}

#[tokio::test]
async fn a_class_without_main_is_invalid() {
    let jar = zip_stored(&[(
        "com/acme/finance/cashflow/DailyAggregation.class",
        class_file(CLASS, false),
    )]);
    let p = provisioner(fs_serving(jar), MockJobStorePort::new());
    let result = p
        .validate(&request(fixture()))
        .await
        .expect("no system error");
    let errors = result.error.expect("invalid").errors;
    assert!(
        errors
            .iter()
            .any(|e| e.contains("has no public static void main")),
        "{errors:?}"
    );
}

#[tokio::test]
async fn an_unreachable_namenode_is_a_system_error_not_a_validation_failure() {
    let mut fs = MockHdfsPort::new();
    fs.expect_status().returning(|_| {
        Err(FsError::Unreachable {
            target: "nameservice1".into(),
            detail: "timed out after 10 s".into(),
        })
    });
    let p = provisioner(fs, MockJobStorePort::new());
    let e = p
        .validate(&request(fixture()))
        .await
        .expect_err("system error");
    assert!(e.error.contains("nameservice1"), "{e:?}");
    assert!(e.user_message.expect("userMessage").contains("unreachable"));
}

#[tokio::test]
async fn a_schedule_that_ended_in_the_past_is_invalid() {
    let descriptor = fixture()
        .replace(
            "startDate: 2026-01-01T00:00:00Z",
            "startDate: 2020-01-01T00:00:00Z",
        )
        .replace(
            "endDate: 2030-12-31T23:59:59Z",
            "endDate: 2021-01-01T00:00:00Z",
        );
    let p = provisioner(fs_serving(good_jar()), MockJobStorePort::new());
    let result = p
        .validate(&request(descriptor))
        .await
        .expect("no system error");
    let errors = result.error.expect("invalid").errors;
    assert!(
        errors.iter().any(|e| e
            .starts_with("dataProduct.components[1].specific.jobConfig.schedule:")
            && e.contains("no fire time after now")),
        "{errors:?}"
    );
}

// ------------------------------------------------------------ provision ---

#[tokio::test]
async fn provision_stores_the_job_and_its_cron_trigger() {
    let mut store = MockJobStorePort::new();
    store
        .expect_replace_job()
        .times(1)
        .withf(|job, trigger| {
            let Some(t) = trigger else { return false };
            job.key == JobKey::new(GROUP, JOB_NAME)
                && job.spec.class_name == CLASS
                && job.spec.args == ["--date", "yesterday", "--output", "/data/finance/cashflow/daily"]
                && job.spec.conf.get("spark.sql.shuffle.partitions").map(String::as_str) == Some("64")
                && t.key.name == format!("{JOB_NAME}Trigger")
                && t.key.group == GROUP
                && t.state == TriggerState::Waiting
                // 2026-11-25 is a Wednesday: the next 02:30 UTC on a weekday.
                && t.next_fire_time
                    == Utc.with_ymd_and_hms(2026, 11, 25, 2, 30, 0).single()
                && matches!(&t.schedule, TriggerSchedule::Cron { cron_expression, time_zone, .. }
                    if cron_expression.as_str() == "0 30 2 ? * MON-FRI" && *time_zone == crate::cron::JavaTimeZone::UTC)
        })
        .returning(|_, _| Ok(ReplaceOutcome::Created));
    let p = Provisioner::new(
        Arc::new(fs_serving(good_jar())),
        Arc::new(store),
        UseCaseSettings {
            public_base_url: Some("https://sp.example.com/".into()),
            ..UseCaseSettings::default()
        },
    )
    .with_clock(Arc::new(FixedClock(now())));
    let status = p.provision(&request(fixture())).await.expect("provisioned");
    assert_eq!(status.status, Status::Completed);
    // The steps, stamped by the clock, in order.
    let logs = status.logs.as_ref().expect("logs");
    let messages: Vec<&str> = logs.iter().map(|l| l.message.as_str()).collect();
    let jar_step = format!("({} bytes); main class {CLASS} found", good_jar().len());
    for (i, needle) in [
        "descriptor checked: component ",
        "schedule checked: 0 30 2 ? * MON-FRI in time zone UTC",
        jar_step.as_str(),
        "dependencies checked: ",
        &format!("job {GROUP}.{JOB_NAME} created; trigger {GROUP}.{JOB_NAME}Trigger written"),
        "next fire time: 2026-11-25T02:30:00+00:00",
    ]
    .iter()
    .enumerate()
    {
        assert!(messages[i].contains(needle), "{i}: {messages:?}");
    }
    assert_eq!(logs.len(), 6, "{messages:?}");
    assert!(logs
        .iter()
        .all(|l| l.timestamp == now() && l.level == crate::api::LogLevel::Info));
    assert_eq!(logs[0].phase.as_deref(), Some("validate"));
    assert_eq!(logs[5].phase.as_deref(), Some("store"));
    let info = status.info.expect("info");
    assert_eq!(info.private_info["jobName"], JOB_NAME);
    assert_eq!(
        info.private_info["triggerName"],
        format!("{JOB_NAME}Trigger")
    );
    // Every entry is {type: "string", label, value, href?}.
    for (key, entry) in &info.public_info {
        assert_eq!(entry["type"], "string", "{key}: {entry}");
        assert!(
            entry["label"].is_string() && entry["value"].is_string(),
            "{key}"
        );
    }
    let encoded_group = "urn%3Admb%3Adp%3Afinance%3Acashflow%3A0";
    assert_eq!(
        info.public_info["jobStatus"]["href"],
        format!("https://sp.example.com/v1/scheduler/jobs/{encoded_group}/{JOB_NAME}")
    );
    assert_eq!(
        info.public_info["console"]["href"],
        format!("https://sp.example.com/ui/jobs/{encoded_group}/{JOB_NAME}")
    );
    assert!(info.public_info["jobName"].get("href").is_none());
    let next = info.public_info["nextRuns"]["value"]
        .as_str()
        .expect("text");
    assert!(
        next.starts_with("2026-11-25T02:30:00+00:00, 2026-11-26T02:30:00+00:00"),
        "{next}"
    );
}

#[tokio::test]
async fn provision_of_an_invalid_descriptor_writes_nothing() {
    let mut store = MockJobStorePort::new();
    store.expect_replace_job().times(0);
    let p = provisioner(MockHdfsPort::new(), store);
    let descriptor = fixture().replace("driverCores: 1", "driverCores: 0");
    match p.provision(&request(descriptor)).await {
        Err(UseCaseError::Invalid(issues)) => {
            let e = issues.to_request_validation_error(None);
            assert_eq!(
                e.input_error_field.as_deref(),
                Some("dataProduct.components[1].specific.jobConfig.driverCores")
            );
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[tokio::test]
async fn provision_with_the_store_down_is_a_system_error() {
    let mut store = MockJobStorePort::new();
    store
        .expect_replace_job()
        .returning(|_, _| Err(StoreError::Unavailable("connection refused".into())));
    let p = provisioner(fs_serving(good_jar()), store);
    match p.provision(&request(fixture())).await {
        Err(UseCaseError::System(e)) => {
            assert!(e.error.contains("connection refused"));
            assert!(e
                .user_message
                .expect("message")
                .contains("nothing was changed"));
        }
        other => panic!("expected a system error, got {other:?}"),
    }
}

// ---------------------------------------------------------- unprovision ---

#[tokio::test]
async fn unprovision_checks_only_the_descriptor_and_is_idempotent() {
    let mut store = MockJobStorePort::new();
    let mut seq = mockall::Sequence::new();
    store
        .expect_delete_job()
        .with(mockall::predicate::eq(JobKey::new(GROUP, JOB_NAME)))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(true));
    store
        .expect_delete_job()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(false));
    // No filesystem expectations: unprovision must not look at the jar.
    let p = provisioner(MockHdfsPort::new(), store);
    let first = p.unprovision(&request(fixture())).await.expect("first");
    assert_eq!(first.status, Status::Completed);
    assert!(first.result.contains("were removed"), "{}", first.result);
    let second = p.unprovision(&request(fixture())).await.expect("second");
    assert_eq!(second.status, Status::Completed);
    assert!(
        second.result.contains("Nothing to remove"),
        "{}",
        second.result
    );
}

// ------------------------------------------------ job status and trigger ---

#[tokio::test]
async fn trigger_now_creates_a_one_shot_trigger_or_says_the_job_is_unknown() {
    let mut store = MockJobStorePort::new();
    store
        .expect_add_trigger()
        .with(always())
        .returning(|t| Ok(t.job_key.name == JOB_NAME));
    let p = provisioner(MockHdfsPort::new(), store);
    let manual = p
        .trigger_now(&JobKey::new(GROUP, JOB_NAME))
        .await
        .expect("stored");
    assert_eq!(
        manual.trigger.schedule,
        TriggerSchedule::Once { start_time: now() }
    );
    assert_eq!(manual.trigger.next_fire_time, Some(now()));
    assert!(manual.trigger.key.name.starts_with("manual-"));
    assert!(manual.trigger.key.name.len() <= crate::model::MAX_KEY_LEN);

    match p.trigger_now(&JobKey::new(GROUP, "nope")).await {
        Err(UseCaseError::NotFound(m)) => assert!(m.contains("nope"), "{m}"),
        other => panic!("expected not found, got {other:?}"),
    }
}

#[tokio::test]
async fn job_view_of_an_unknown_job_is_not_found() {
    let mut store = MockJobStorePort::new();
    store.expect_get_job().returning(|_| Ok(None));
    let p = provisioner(MockHdfsPort::new(), store);
    assert!(matches!(
        p.job_view(&JobKey::new(GROUP, "nope")).await,
        Err(UseCaseError::NotFound(_))
    ));
}
