//! The engine on a SQLite store: misfire handling (one fire, no burst),
//! Forbid skips while a run is in flight, pause and resume, a one-shot
//! trigger fires once and is deleted (its run keeps its key).

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use cdp_spark_domain::descriptor::ConcurrencyPolicy;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, RunPolicy, RunRecord, RunState, TriggerState,
};
use cdp_spark_domain::ports::{JobStorePort, SchedulerStorePort};
use cdp_spark_scheduler::recording::RecordingLauncher;
use chrono::Utc;

fn job(name: &str, policy: ConcurrencyPolicy) -> JobDefinition {
    common::job(
        JobKey::new("dp", name),
        RunPolicy {
            concurrency: policy,
            ..RunPolicy::default()
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misfire_forbid_pause_and_one_shot() {
    let (_dir, store) = common::sqlite_store().await;
    let now = Utc::now();
    // Misfired two hours ago, every minute: one fire now, not 120.
    let late = job("late", ConcurrencyPolicy::Allow);
    // Every second, Forbid, applications never end: one run, then skips.
    let busy = job("busy", ConcurrencyPolicy::Forbid);
    // Paused before it is due.
    let paused = job("paused", ConcurrencyPolicy::Allow);
    let schedules = [
        (&late, "0 * * * * ?", now - chrono::Duration::hours(2)),
        (&busy, "* * * * * ?", now),
        (&paused, "* * * * * ?", now),
    ];
    for (j, expression, next) in schedules {
        let trigger = common::cron(&j.key, expression, next - chrono::Duration::days(1), next);
        store
            .replace_job(j, Some(trigger))
            .await
            .expect("provision");
    }
    assert_eq!(
        store
            .set_job_paused(&paused.key, true)
            .await
            .expect("pause"),
        Some(1)
    );
    assert_eq!(
        store
            .set_job_paused(&JobKey::new("dp", "missing"), true)
            .await
            .expect("pause missing"),
        None
    );
    // A manual one-shot of a job without schedule.
    let manual = job("manual", ConcurrencyPolicy::Forbid);
    let once = common::provision_one_shot(&store, &manual, "manual-1", now).await;

    // Its applications never end.
    let launcher =
        RecordingLauncher::new("solo", Arc::new(Mutex::new(Vec::new()))).never_finishing();
    let config = common::config(
        "solo",
        Duration::from_millis(300),
        Duration::from_millis(500),
        Duration::from_secs(3),
    );
    let handle = common::start(config, &store, Arc::new(launcher));
    tokio::time::sleep(Duration::from_millis(3500)).await;
    handle.stop().await;

    let late_runs = common::runs(&store, Some(&late.key)).await;
    // The schedule's own fires fall on whole minutes; when the test runs
    // just before one, that fire is made too, after the misfire's.
    let on_schedule = |r: &&RunRecord| {
        r.scheduled_fire_time.timestamp_millis() % 60_000 == 0
            && r.scheduled_fire_time > now + chrono::Duration::milliseconds(50)
    };
    let (regular, misfired): (Vec<_>, Vec<_>) = late_runs.iter().partition(on_schedule);
    assert_eq!(misfired.len(), 1, "a misfire fires once: {late_runs:?}");
    assert!(
        regular.len() <= 1,
        "then the schedule resumes: {late_runs:?}"
    );
    assert_eq!(misfired[0].state, RunState::Running);
    assert!(
        misfired[0].scheduled_fire_time > now,
        "fired now, not at the missed time"
    );
    let t = store
        .get_trigger(&late.key.scheduled_trigger_key())
        .await
        .expect("t")
        .expect("t");
    assert!(t.next_fire_time.expect("next") > Utc::now() - chrono::Duration::seconds(5));

    let busy_runs = common::runs(&store, Some(&busy.key)).await;
    let started: Vec<_> = busy_runs
        .iter()
        .filter(|r| r.state == RunState::Running)
        .collect();
    let skipped: Vec<_> = busy_runs
        .iter()
        .filter(|r| r.state == RunState::Skipped)
        .collect();
    assert_eq!(started.len(), 1, "Forbid: one run at a time: {busy_runs:?}");
    assert!(skipped.len() >= 2, "later fires skipped: {busy_runs:?}");
    assert!(skipped.iter().all(|r| r
        .error
        .as_deref()
        .is_some_and(|e| e.contains(&started[0].run_id) && e.contains("Forbid"))));

    assert!(
        common::runs(&store, Some(&paused.key)).await.is_empty(),
        "a paused job does not fire"
    );
    let t = store
        .get_trigger(&paused.key.scheduled_trigger_key())
        .await
        .expect("t")
        .expect("t");
    assert_eq!(t.state, TriggerState::Paused);
    assert_eq!(
        store
            .set_job_paused(&paused.key, false)
            .await
            .expect("resume"),
        Some(1)
    );
    let t = store
        .get_trigger(&paused.key.scheduled_trigger_key())
        .await
        .expect("t")
        .expect("t");
    assert_eq!(t.state, TriggerState::Waiting);

    let manual_runs = common::runs(&store, Some(&manual.key)).await;
    assert_eq!(manual_runs.len(), 1);
    assert_eq!(manual_runs[0].trigger_key, once.key);
    assert_eq!(
        store.get_trigger(&once.key).await.expect("t"),
        None,
        "a one-shot trigger that fired is deleted, as Quartz does; its run keeps its key"
    );
    assert!(store.get_job(&manual.key).await.expect("job").is_some());
}

/// A run's timeline: fired, submitted, first seen running (kept, not moved
/// by the later rounds that see it running again), ended, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_records_when_it_was_submitted_and_first_seen_running() {
    let (_dir, store) = common::sqlite_store().await;
    let timed = job("timed", ConcurrencyPolicy::Allow);
    common::provision_one_shot(&store, &timed, "timed-1", Utc::now()).await;
    // Running for three follow rounds, then succeeded.
    let launcher = RecordingLauncher::new("solo", Arc::new(Mutex::new(Vec::new()))).running_for(3);
    let follow = Duration::from_millis(300);
    let config = common::config(
        "solo",
        follow,
        Duration::from_millis(500),
        Duration::from_secs(3),
    );
    let handle = common::start(config, &store, Arc::new(launcher));
    // Seen running: stored while the run goes on.
    let running = common::wait_for_runs(
        &store,
        Some(&timed.key),
        Duration::from_secs(10),
        Duration::from_millis(50),
        "the run seen running",
        |r| r.len() == 1 && r[0].running_at.is_some(),
    )
    .await;
    assert_eq!(running[0].state, RunState::Running, "{running:?}");
    assert_eq!(running[0].ended_at, None);
    let runs = common::wait_for_runs(
        &store,
        Some(&timed.key),
        Duration::from_secs(10),
        Duration::from_millis(50),
        "the run ended",
        |r| r.len() == 1 && r[0].state.is_final(),
    )
    .await;
    handle.stop().await;
    let run = &runs[0];
    assert_eq!(run.state, RunState::Succeeded, "{run:?}");
    let (Some(submitted), Some(seen_running), Some(ended)) =
        (run.submitted_at, run.running_at, run.ended_at)
    else {
        panic!("the timeline is recorded: {run:?}");
    };
    assert_eq!(
        seen_running,
        running[0].running_at.expect("seen"),
        "the first time is kept"
    );
    assert!(
        run.actual_fire_time <= submitted && submitted <= seen_running && seen_running <= ended,
        "in order: {run:?}"
    );
    // Seen running at the first round, ended at the fourth: the later
    // rounds that saw it running did not move its running time.
    let run_time = (ended - seen_running).to_std().expect("positive");
    assert!(run_time >= follow * 2, "ran {run_time:?}: {run:?}");
}
