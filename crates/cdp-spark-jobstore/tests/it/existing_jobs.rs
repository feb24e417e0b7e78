//! `JobStorePort::existing_jobs` on both backends: exactly the stored keys
//! among those asked (same name in another group, another scheduler's job,
//! deleted jobs and duplicates do not confuse it), also beyond one
//! statement's worth of names.

use crate::common;

use std::collections::BTreeSet;

use cdp_spark_domain::model::JobKey;
use cdp_spark_domain::ports::JobStorePort;
use cdp_spark_jobstore::{DieselJobStore, StoreConfig};
use common::{sample_job, Db, TestStore};

on_both_backends!(answers_exactly_the_stored_keys, many_keys_in_one_call);

async fn answers_exactly_the_stored_keys(db: Db) {
    let t = TestStore::open(db).await;
    let other = DieselJobStore::open(StoreConfig {
        sched_name: "AnotherScheduler".into(),
        ..t.config.clone()
    })
    .await
    .expect("second scheduler");
    for (group, name) in [("dp-a", "ingest"), ("dp-a", "report"), ("dp-b", "report")] {
        t.store
            .replace_job(&sample_job(group, name), None)
            .await
            .expect("store");
    }
    other
        .replace_job(&sample_job("dp-c", "ingest"), None)
        .await
        .expect("other scheduler's job");
    t.store
        .replace_job(&sample_job("dp-b", "gone"), None)
        .await
        .expect("store");
    assert!(t
        .store
        .delete_job(&JobKey::new("dp-b", "gone"))
        .await
        .expect("unprovision"));

    assert_eq!(
        t.store.existing_jobs(&[]).await.expect("empty"),
        BTreeSet::new()
    );
    let asked = [
        JobKey::new("dp-a", "ingest"),
        JobKey::new("dp-b", "ingest"), // the name exists, in another group only
        JobKey::new("dp-b", "report"),
        JobKey::new("dp-b", "report"), // asked twice
        JobKey::new("dp-c", "ingest"), // another scheduler's
        JobKey::new("dp-b", "gone"),   // deleted
        JobKey::new("dp-a", "never"),
    ];
    let found = t.store.existing_jobs(&asked).await.expect("existing");
    assert_eq!(
        found,
        BTreeSet::from([JobKey::new("dp-a", "ingest"), JobKey::new("dp-b", "report")])
    );
    assert_eq!(
        other.existing_jobs(&asked).await.expect("other"),
        BTreeSet::from([JobKey::new("dp-c", "ingest")])
    );
}

/// More names than one statement takes: the stored ones sort last, in the
/// second statement.
async fn many_keys_in_one_call(db: Db) {
    let t = TestStore::open(db).await;
    let stored = [
        JobKey::new("dp", "zz-last-1"),
        JobKey::new("dp", "zz-last-2"),
    ];
    for k in &stored {
        t.store
            .replace_job(&sample_job(&k.group, &k.name), None)
            .await
            .expect("store");
    }
    let mut asked: Vec<JobKey> = (0..6000)
        .map(|i| JobKey::new("dp", format!("missing-{i:05}")))
        .collect();
    asked.extend(stored.iter().cloned());
    let found = t.store.existing_jobs(&asked).await.expect("existing");
    assert_eq!(found, BTreeSet::from(stored));
}
