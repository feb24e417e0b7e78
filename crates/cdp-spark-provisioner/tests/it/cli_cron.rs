//! The `cron next` command, end to end through the built binary.

use cdp_spark_testkit::fixtures;

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cdp-spark-provisioner"))
}

/// `cron next EXPR --after AFTER --count COUNT --tz TZ`: its stdout, after
/// checking it succeeded.
fn next(expr: &str, after: &str, count: &str, tz: &str) -> String {
    let out = bin()
        .args([
            "cron", "next", expr, "--after", after, "--count", count, "--tz", tz,
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn next_prints_one_utc_instant_per_line() {
    // Friday 27 Nov after noon: next are Mon 30 Nov, Tue 1 Dec, Wed 2 Dec at 02:30 Rome (01:30 UTC).
    assert_eq!(
        next(
            "0 30 2 ? * MON-FRI",
            "2026-11-27T12:00:00Z",
            "3",
            "Europe/Rome"
        ),
        "2026-11-30T01:30:00Z\n2026-12-01T01:30:00Z\n2026-12-02T01:30:00Z\n"
    );
}

#[test]
fn java_custom_zone_ids_are_accepted_as_quartz_reads_them() {
    // Noon at +05:30, as the real Quartz answers it.
    assert_eq!(
        next("0 0 12 * * ?", "2026-01-01T00:00:00Z", "2", "GMT+0530"),
        "2026-01-01T06:30:00Z\n2026-01-02T06:30:00Z\n"
    );
}

#[test]
fn an_invalid_expression_says_why_and_exits_2() {
    let out = bin()
        .args(["cron", "next", "0 0 12 * * MON"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0 0 12 * * MON"), "{err}");
    assert!(err.contains("day-of"), "the message names the field: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_options_exit_2_with_a_message() {
    for args in [
        vec!["cron", "next", "0 0 * * * ?", "--tz", "Mars/Olympus"],
        vec!["cron", "next", "0 0 * * * ?", "--after", "yesterday"],
    ] {
        let out = bin().args(&args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

/// The whole Quartz oracle (`tests/fixtures/`) through `--batch`: every output line must equal
/// the oracle's line (input columns, a TAB, Quartz's answer).
#[test]
fn batch_reproduces_the_quartz_oracle() {
    let oracle = fixtures::read(fixtures::QUARTZ_ORACLE);
    let input: String = oracle
        .lines()
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            format!("{}\n", cols[..4].join("\t"))
        })
        .collect();
    let mut child = bin()
        .args(["cron", "next", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("runs");
    writer.join().expect("writer thread").expect("written");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8_lossy(&out.stdout);
    let got: Vec<&str> = got.lines().collect();
    let want: Vec<&str> = oracle.lines().collect();
    assert_eq!(got.len(), want.len());
    let mismatches: Vec<String> = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| g != w)
        .map(|(g, w)| format!("got  {g}\nwant {w}"))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} lines differ:\n{}",
        mismatches.len(),
        want.len(),
        mismatches
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn batch_reports_a_malformed_line_and_exits_2() {
    let mut child = bin()
        .args(["cron", "next", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"0 0 12 * * ?\t2026-01-01T00:00:00Z\tUTC\t2\nnot a line\n")
        .expect("written");
    let out = child.wait_with_output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "0 0 12 * * ?\t2026-01-01T00:00:00Z\tUTC\t2\t2026-01-01T12:00:00Z 2026-01-02T12:00:00Z\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
}
