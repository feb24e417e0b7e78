//! `SchedulerStorePort::runs_to_follow` pages: the runs an instance follows
//! (its `EXECUTING` fired rows whose run is `RUNNING`), ordered by run id,
//! a page after the last id of the previous one; every run exactly once
//! over the pages, none of another instance, none still `SUBMITTING`, none
//! ended. On both backends, through the real fire path (acquire, claim,
//! store RUNNING, finish).

use crate::common;

use std::collections::BTreeSet;

use cdp_spark_domain::model::{RunRecord, RunState};
use cdp_spark_domain::ports::{AcquireRequest, JobStorePort, SchedulerStorePort};
use chrono::Utc;
use common::{manual_trigger, sample_job, Db, TestStore};

on_both_backends!(pages_cover_every_followed_run_once);

fn request(instance: &str) -> AcquireRequest {
    AcquireRequest {
        instance_id: instance.into(),
        batch_size: 100,
        look_ahead: chrono::Duration::seconds(5),
        misfire_threshold: chrono::Duration::seconds(60),
    }
}

/// Every page of `instance`'s runs to follow, `size` at a time.
async fn pages(t: &TestStore, instance: &str, size: usize) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    loop {
        let after = out.last().and_then(|p| p.last()).cloned();
        let page = t
            .store
            .runs_to_follow(instance, after, size)
            .await
            .expect("a page of runs to follow");
        if page.is_empty() {
            return out;
        }
        assert!(page.len() <= size, "a page holds at most {size} runs");
        assert!(page.iter().all(|r| r.state == RunState::Running));
        out.push(page.into_iter().map(|r| r.run_id).collect());
    }
}

async fn pages_cover_every_followed_run_once(db: Db) {
    let t = TestStore::open(db).await;
    let now = Utc::now() - chrono::Duration::seconds(1);
    for i in 0..9 {
        let job = sample_job("dp", &format!("job{i}"));
        t.store.replace_job(&job, None).await.expect("job");
        assert!(t
            .store
            .add_trigger(&manual_trigger(&job, now))
            .await
            .expect("trigger"));
    }
    // "me" acquires 7 of the 9 fires, "other" the remaining 2.
    let mine = t
        .store
        .acquire_fires(&AcquireRequest {
            batch_size: 7,
            ..request("me")
        })
        .await
        .expect("acquire");
    let theirs = t
        .store
        .acquire_fires(&request("other"))
        .await
        .expect("acquire");
    assert_eq!((mine.fires.len(), theirs.fires.len()), (7, 2));
    let ids = |fires: &[cdp_spark_domain::ports::Fire]| -> Vec<String> {
        fires.iter().map(|f| f.run.run_id.clone()).collect()
    };
    let running = |fires: &[cdp_spark_domain::ports::Fire]| -> Vec<RunRecord> {
        fires
            .iter()
            .map(|f| RunRecord {
                state: RunState::Running,
                application_id: Some(format!("app-{}", f.run.run_id)),
                ..f.run.clone()
            })
            .collect()
    };
    // Claimed and submitted, except one of mine still SUBMITTING.
    assert_eq!(
        t.store
            .claim_fires("me", &ids(&mine.fires))
            .await
            .expect("claim")
            .len(),
        7
    );
    assert_eq!(
        t.store
            .claim_fires("other", &ids(&theirs.fires))
            .await
            .expect("claim")
            .len(),
        2
    );
    let (submitting, submitted) = mine.fires.split_at(1);
    t.store
        .update_runs(&running(submitted))
        .await
        .expect("running");
    t.store
        .update_runs(&running(&theirs.fires))
        .await
        .expect("running");
    // One of mine ended.
    let mut ended = running(&submitted[..1]);
    ended[0].state = RunState::Succeeded;
    ended[0].ended_at = Some(Utc::now());
    assert_eq!(
        t.store
            .finish_runs("me", &ended)
            .await
            .expect("finish")
            .len(),
        1
    );

    let expected: BTreeSet<String> = ids(&submitted[1..]).into_iter().collect();
    assert_eq!(expected.len(), 5);
    for size in [1, 2, 5, 100] {
        let pages = pages(&t, "me", size).await;
        let all: Vec<String> = pages.iter().flatten().cloned().collect();
        let mut sorted = all.clone();
        sorted.sort();
        assert_eq!(all, sorted, "pages in run id order (page size {size})");
        let unique: BTreeSet<String> = all.iter().cloned().collect();
        assert_eq!(unique.len(), all.len(), "no run twice (page size {size})");
        assert_eq!(
            unique, expected,
            "exactly the followed runs (page size {size})"
        );
        assert_eq!(pages.len(), expected.len().div_ceil(size));
    }
    assert!(!pages(&t, "me", 10)
        .await
        .concat()
        .contains(&submitting[0].run.run_id));
    assert_eq!(pages(&t, "other", 10).await.concat().len(), 2);
    assert!(pages(&t, "nobody", 10).await.is_empty());
}
