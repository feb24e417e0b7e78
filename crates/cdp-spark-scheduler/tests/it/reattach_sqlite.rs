//! An instance dies while its spark-submits have not printed an application
//! id yet (runs `SUBMITTING`): the instance that recovers it looks each run
//! up on the cluster manager (`SparkLauncherPort::find_by_run`, YARN: by the
//! run's application tag). A run whose application exists is re-attached
//! and followed to its end, never submitted again; a run with no
//! application ends `LOST` with the reason. SQLite store shared by two
//! engine instances in this process.

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{JobKey, RunPolicy, RunRecord, RunState};
use cdp_spark_jobstore::DieselJobStore;
use cdp_spark_scheduler::recording::{RecordedFire, RecordingLauncher};
use cdp_spark_scheduler::SchedulerConfig;
use chrono::Utc;

const JOBS: usize = 6;

fn config(name: &str) -> SchedulerConfig {
    common::config(
        name,
        Duration::from_millis(300),
        Duration::from_millis(400),
        Duration::from_millis(1500),
    )
}

/// Stores `JOBS` jobs, each with a one-shot trigger due now.
async fn provision_due_jobs(store: &DieselJobStore) {
    let now = Utc::now();
    let allow = RunPolicy {
        concurrency: ConcurrencyPolicy::Allow,
        ..RunPolicy::default()
    };
    for i in 0..JOBS {
        let j = common::job(JobKey::new("dp", format!("job{i}")), allow);
        common::provision_one_shot(store, &j, format!("once{i}"), now).await;
    }
}

/// Instance `dying` fires every job with spark-submits that hang after
/// submitting, and is killed; instance `survivor` then recovers it.
/// `shared_cluster`: whether the survivor's launcher sees the applications
/// the dying one submitted (one cluster manager), or not (nothing was
/// submitted, as far as the cluster manager knows). Answers the runs (one
/// per job), what the survivor submitted and its counts of re-attached
/// and lost runs.
async fn kill_during_submit(shared_cluster: bool) -> (Vec<RunRecord>, Vec<RecordedFire>, u64, u64) {
    let (_dir, store) = common::sqlite_store().await;
    provision_due_jobs(&store).await;
    let dying_fires = Arc::new(Mutex::new(Vec::new()));
    let dying = common::start(
        config("dying"),
        &store,
        Arc::new(RecordingLauncher::new("dying", Arc::clone(&dying_fires)).hanging_after_submit()),
    );
    // Every job fired and its spark-submit hangs.
    common::wait_for(
        Duration::from_secs(10),
        Duration::from_millis(50),
        "the dying instance fired every job (runs SUBMITTING, submits recorded)",
        || async {
            let runs = common::runs(&store, None).await;
            let submitting = runs
                .iter()
                .filter(|r| r.state == RunState::Submitting)
                .count();
            (submitting, dying_fires.lock().expect("fires").len())
        },
        |&seen| seen == (JOBS, JOBS),
    )
    .await;
    dying.abort().await;

    let survivor_fires = if shared_cluster {
        Arc::clone(&dying_fires)
    } else {
        Arc::new(Mutex::new(Vec::new()))
    };
    let survivor = common::start(
        config("survivor"),
        &store,
        Arc::new(RecordingLauncher::new(
            "survivor",
            Arc::clone(&survivor_fires),
        )),
    );
    // Dead after 1.5 s, then the lookup, then a follow round.
    common::wait_for_runs(
        &store,
        None,
        Duration::from_secs(15),
        Duration::from_millis(100),
        "the runs of the dead instance ended",
        |runs| runs.len() == JOBS && runs.iter().all(|r| r.state.is_final()),
    )
    .await;
    let reattached = survivor
        .stats()
        .reattached
        .load(std::sync::atomic::Ordering::Relaxed);
    let lost = survivor
        .stats()
        .lost
        .load(std::sync::atomic::Ordering::Relaxed);
    survivor.stop().await;
    let runs = common::runs(&store, None).await;
    assert_eq!(runs.len(), JOBS, "one run per job: {runs:?}");
    let fires = survivor_fires.lock().expect("fires").clone();
    (runs, fires, reattached, lost)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_submitted_by_a_dead_instance_are_found_and_followed_not_resubmitted() {
    let (runs, fires, reattached, lost) = kill_during_submit(true).await;
    for r in &runs {
        assert_eq!(r.state, RunState::Succeeded, "followed to its end: {r:?}");
        assert_eq!(
            r.application_id.as_deref(),
            Some(format!("recorded-{}", r.run_id).as_str()),
            "re-attached to the application submitted for it"
        );
        let submits = fires.iter().filter(|f| f.run_id == r.run_id).count();
        assert_eq!(submits, 1, "submitted once, never again: {r:?}");
    }
    assert_eq!(fires.len(), JOBS, "nothing else was submitted");
    assert_eq!(reattached, JOBS as u64);
    assert_eq!(lost, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_whose_application_does_not_exist_end_lost_with_the_reason() {
    let (runs, fires, reattached, lost) = kill_during_submit(false).await;
    for r in &runs {
        assert_eq!(r.state, RunState::Lost, "{r:?}");
        assert!(r.application_id.is_none());
        let error = r.error.as_deref().unwrap_or_default();
        assert!(
            error.contains("stopped before an application id was known")
                && error.contains("no application for this run"),
            "the reason says what happened: {error}"
        );
        assert!(r.ended_at.is_some());
    }
    assert!(
        fires.is_empty(),
        "the survivor submitted nothing: {fires:?}"
    );
    assert_eq!(reattached, 0);
    assert_eq!(lost, JOBS as u64);
}
