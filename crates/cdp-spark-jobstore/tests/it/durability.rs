//! A SQLite store whose file is removed, moved or replaced while it is
//! open refuses to write (SQLite itself would go on committing into a file
//! no path names, lost at the next start) and fails its readiness ping;
//! it never creates a new, empty database in place of the removed one.

use crate::common;

use cdp_spark_domain::ports::{JobStorePort, StoreError};
use cdp_spark_jobstore::{is_database_file_gone, DieselJobStore};
use common::{sample_job, Db, TestStore};

/// The store's data directory (the parent of its SQLite file).
fn data_dir(t: &TestStore) -> std::path::PathBuf {
    std::path::Path::new(&t.sqlite_path())
        .parent()
        .expect("the file is in a directory")
        .to_path_buf()
}

async fn write(store: &DieselJobStore, name: &str) -> Result<(), StoreError> {
    store
        .replace_job(&sample_job("urn:dmb:dp:durability:0", name), None)
        .await
        .map(|_| ())
}

fn assert_gone(e: &StoreError, path: &str, what: &str) {
    assert!(is_database_file_gone(e), "{what}: {e}");
    assert!(matches!(e, StoreError::Unavailable(_)), "{what}: {e:?}");
    assert!(
        e.to_string().contains(path),
        "{what}: the error names the file: {e}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_data_directory_fails_writes_and_the_ping() {
    let t = TestStore::open(Db::Sqlite).await;
    let path = t.sqlite_path();
    write(&t.store, "before")
        .await
        .expect("a write while the file is there");
    t.store.ping().await.expect("ready while the file is there");

    std::fs::remove_dir_all(data_dir(&t)).expect("rm -rf the data directory");

    let e = write(&t.store, "after")
        .await
        .expect_err("a write into a deleted file");
    assert_gone(&e, &path, "write");
    let e = t.store.ping().await.expect_err("not ready");
    assert_gone(&e, &path, "ping");
    // Still refused later, and no new empty database appears at the path.
    for n in 0..3 {
        let e = write(&t.store, &format!("again-{n}"))
            .await
            .expect_err("still refused");
        assert_gone(&e, &path, "later write");
    }
    assert!(
        !data_dir(&t).exists(),
        "the store recreated the data directory (and a new, empty database in it)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_file_or_a_deleted_wal_fails_writes() {
    // Replaced: a copy put at the path (as a restore would) is not the open file.
    let t = TestStore::open(Db::Sqlite).await;
    let path = t.sqlite_path();
    write(&t.store, "before").await.expect("write");
    let copy = format!("{path}.copy");
    std::fs::copy(&path, &copy).expect("copy");
    std::fs::rename(&copy, &path).expect("replace the file");
    let e = write(&t.store, "after")
        .await
        .expect_err("a write into the replaced file");
    assert_gone(&e, &path, "replaced");
    assert!(e.to_string().contains("another file"), "{e}");
    assert_gone(&t.store.ping().await.expect_err("not ready"), &path, "ping");

    // The write-ahead log alone deleted.
    let t = TestStore::open(Db::Sqlite).await;
    write(&t.store, "before").await.expect("write");
    let wal = format!("{}-wal", t.sqlite_path());
    std::fs::remove_file(&wal).expect("the WAL exists while the store is open");
    let e = write(&t.store, "after")
        .await
        .expect_err("a write with its WAL deleted");
    assert!(
        is_database_file_gone(&e) && e.to_string().contains("write-ahead log"),
        "{e}"
    );
    assert!(t.store.ping().await.is_err(), "not ready without its WAL");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_opens_again_on_a_restored_file() {
    let t = TestStore::open(Db::Sqlite).await;
    write(&t.store, "kept").await.expect("write");
    // A clean close copies the WAL into the file: a new store sees the job.
    let config = t.config.clone();
    drop(t.store);
    let store = DieselJobStore::open(config).await.expect("reopen");
    assert!(store
        .get_job(&sample_job("urn:dmb:dp:durability:0", "kept").key)
        .await
        .expect("read")
        .is_some());
    write(&store, "more")
        .await
        .expect("writes on the reopened store");
    store.ping().await.expect("ready");
}
