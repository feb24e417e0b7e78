//! `migrate` end to end: creates the schema once; re-running is a no-op.

use std::process::Command;

fn migrate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"))
        .arg("migrate")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn migrate_creates_the_sqlite_schema_then_does_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data = data.to_str().expect("utf-8 path");
    let (code, out, err) = migrate(&["--data-dir", data]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("applied 1 quartz-2.3-tables"), "{out}");
    assert!(dir.path().join("data/jobstore.sqlite3").is_file());
    let (code, out, err) = migrate(&["--data-dir", data]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("nothing to do"), "{out}");
}

#[test]
fn migrate_against_an_unreachable_database_fails_with_a_clear_message() {
    // Port 1 on loopback: nothing listens there.
    let (code, _, err) = migrate(&["--database-url", "mysql://root@127.0.0.1:1/none"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unavailable") && err.contains("127.0.0.1:1"),
        "{err}"
    );
}
