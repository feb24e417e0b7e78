//! The run at provision of a job without a schedule
//! (`jobConfig.runAtProvision`, `scheduler.run_unscheduled_at_provision`):
//! started once for a job created or changed, never for the same
//! definition provisioned again; mocked store, a fixed clock.

use std::sync::Arc;

use super::tests::{fixture, fs_serving, good_jar, now, request, GROUP, JOB_NAME};
use super::{Provisioner, UseCaseSettings};
use crate::api::DescriptorKind;
use crate::clock::FixedClock;
use crate::descriptor::{parse_request, DescriptorSettings};
use crate::model::{JobDefinition, JobKey, TriggerSchedule};
use crate::ports::{MockJobStorePort, ReplaceOutcome};

const SCHEDULE: &str = "          schedule:\n            cronExpression: \"0 30 2 ? * MON-FRI\"\n            startDate: 2026-01-01T00:00:00Z\n            endDate: 2030-12-31T23:59:59Z\n";

/// The fixture without its schedule, with `extra` lines in `jobConfig`.
fn unscheduled(extra: &str) -> String {
    let d = fixture();
    assert!(d.contains(SCHEDULE), "the fixture's schedule block moved");
    d.replace(SCHEDULE, extra)
}

fn job_of(descriptor: &str) -> JobDefinition {
    parse_request(
        DescriptorKind::ComponentDescriptor,
        descriptor,
        &DescriptorSettings::default(),
    )
    .expect("a valid descriptor")
    .job_definition()
}

/// A store holding `stored` as the job (or nothing), expecting `adds`
/// one-shot triggers named `provision-…`.
fn store(stored: Option<JobDefinition>, adds: usize) -> MockJobStorePort {
    let mut store = MockJobStorePort::new();
    store
        .expect_get_job()
        .returning(move |_| Ok(stored.clone()));
    store
        .expect_replace_job()
        .times(1)
        .withf(|_, trigger| trigger.is_none())
        .returning(|_, _| Ok(ReplaceOutcome::Created));
    store.expect_get_trigger().returning(|_| Ok(None));
    store
        .expect_add_trigger()
        .times(adds)
        .withf(|t| {
            t.job_key == JobKey::new(GROUP, JOB_NAME)
                && t.key.group == GROUP
                && t.key.name.starts_with("provision-")
                && t.next_fire_time == Some(now())
                && matches!(t.schedule, TriggerSchedule::Once { start_time } if start_time == now())
        })
        .returning(|_| Ok(true));
    store
}

fn provisioner(store: MockJobStorePort, deployment_default: bool) -> Provisioner {
    Provisioner::new(
        Arc::new(fs_serving(good_jar())),
        Arc::new(store),
        UseCaseSettings {
            run_unscheduled_at_provision: deployment_default,
            ..UseCaseSettings::default()
        },
    )
    .with_clock(Arc::new(FixedClock(now())))
}

async fn provision_result(p: &Provisioner, descriptor: String) -> String {
    p.provision(&request(descriptor))
        .await
        .expect("provisioned")
        .result
}

#[tokio::test]
async fn the_job_field_starts_one_run_when_the_job_is_created() {
    let d = unscheduled("          runAtProvision: true\n");
    let result = provision_result(&provisioner(store(None, 1), false), d).await;
    assert!(result.contains("one run started at provision"), "{result}");
}

#[tokio::test]
async fn the_deployment_setting_applies_to_jobs_that_do_not_say() {
    let result = provision_result(&provisioner(store(None, 1), true), unscheduled("")).await;
    assert!(result.contains("one run started at provision"), "{result}");
    // Off by default: the job waits for a manual trigger.
    let result = provision_result(&provisioner(store(None, 0), false), unscheduled("")).await;
    assert!(
        result.contains("start it with a manual trigger"),
        "{result}"
    );
}

#[tokio::test]
async fn the_job_field_wins_over_the_deployment_setting() {
    let d = unscheduled("          runAtProvision: false\n");
    let result = provision_result(&provisioner(store(None, 0), true), d).await;
    assert!(
        result.contains("start it with a manual trigger"),
        "{result}"
    );
}

#[tokio::test]
async fn the_same_definition_provisioned_again_starts_no_second_run() {
    let d = unscheduled("          runAtProvision: true\n");
    let stored = job_of(&d);
    let result = provision_result(&provisioner(store(Some(stored), 0), false), d).await;
    assert!(result.contains("unchanged: no run started"), "{result}");
    // The same definition that had a schedule until now runs: its
    // scheduled trigger is still stored.
    let d = unscheduled("          runAtProvision: true\n");
    let stored = job_of(&d);
    let mut s = MockJobStorePort::new();
    s.expect_get_job()
        .returning(move |_| Ok(Some(stored.clone())));
    s.expect_replace_job()
        .returning(|_, _| Ok(ReplaceOutcome::Replaced));
    s.expect_get_trigger()
        .returning(|key| Ok(key.name.ends_with("Trigger").then(|| stored_trigger(key))));
    s.expect_add_trigger().times(1).returning(|_| Ok(true));
    let result = provision_result(&provisioner(s, false), d).await;
    assert!(result.contains("one run started at provision"), "{result}");
    // A changed definition runs again.
    let before = job_of(
        &unscheduled("          runAtProvision: true\n")
            .replace("driverCores: 1", "driverCores: 2"),
    );
    let d = unscheduled("          runAtProvision: true\n");
    let result = provision_result(&provisioner(store(Some(before), 1), false), d).await;
    assert!(result.contains("one run started at provision"), "{result}");
}

/// A stored trigger under `key` (its kind does not matter here).
fn stored_trigger(key: &crate::model::TriggerKey) -> crate::model::TriggerDefinition {
    crate::model::TriggerDefinition {
        key: key.clone(),
        job_key: JobKey::new(GROUP, JOB_NAME),
        schedule: TriggerSchedule::Once { start_time: now() },
        next_fire_time: Some(now()),
        previous_fire_time: None,
        state: crate::model::TriggerState::Waiting,
        misfire_instruction: crate::model::MisfireInstruction::FireOnceNow,
        priority: 5,
    }
}

#[tokio::test]
async fn a_run_stored_by_a_concurrent_provision_is_not_stored_twice() {
    let d = unscheduled("          runAtProvision: true\n");
    let mut s = MockJobStorePort::new();
    s.expect_get_job().returning(|_| Ok(None));
    s.expect_replace_job()
        .returning(|_, _| Ok(ReplaceOutcome::Replaced));
    s.expect_get_trigger().times(1).returning(|key| {
        assert!(key.name.starts_with("provision-"));
        Ok(Some(stored_trigger(key)))
    });
    s.expect_add_trigger().times(0);
    let result = provision_result(&provisioner(s, false), d).await;
    assert!(result.contains("one run started at provision"), "{result}");
}
