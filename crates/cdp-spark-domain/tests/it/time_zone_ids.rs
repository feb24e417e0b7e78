//! Time zone ids resolve as Quartz's `java.util.TimeZone.getTimeZone` does
//! (`cron::JavaTimeZone`): the table `tests/fixtures/java-time-zones.tsv`,
//! answered by Java 17 through `tests/java/JavaTimeZones.java` (its README
//! says how), checked on every run; the same program run live when a JDK
//! is installed; and cron fire times in such zones as the real Quartz
//! 2.3.2 answered them.

use std::process::Command;

use cdp_spark_domain::cron::{batch, JavaTimeZone};
use cdp_spark_testkit::{fixtures, javajar};
use chrono::DateTime;

/// Ids the tz database of `chrono-tz` has and the JDK's does not (newer
/// zones, links the JDK leaves out): Java falls back to GMT, we use the
/// zone's real rules.
const NEWER_THAN_THE_JDK: &[&str] = &["ROC", "America/Coyhaique"];

/// Where our zone model (`cron/zone.rs`, from chrono-tz's data) is known
/// to answer other offsets than Java's, with why: zones whose tz database
/// source uses negative daylight saving time, which the JDK reads from its
/// "rearguard" form (raw offset 0 and +1 as "daylight" for Morocco; for
/// Namibia a last rule that brings back winter time after 2037).
const KNOWN_MODEL_DIFFERENCES: &[&str] =
    &["Africa/Casablanca", "Africa/El_Aaiun", "Africa/Windhoek"];

/// Every line of `table` (the format `JavaTimeZones.java` prints) checked
/// against `JavaTimeZone`; the mismatches, and how many lines were read.
fn mismatches(table: &str) -> (Vec<String>, usize) {
    let mut bad = Vec::new();
    let mut lines = 0;
    let mut rows = table.lines();
    let instants: Vec<i64> = rows
        .next()
        .and_then(|l| l.strip_prefix("#instants\t"))
        .expect("a first line #instants")
        .split('\t')
        .map(|t| t.parse().expect("an instant in milliseconds"))
        .collect();
    for line in rows {
        let cols: Vec<&str> = line.split('\t').collect();
        lines += 1;
        let id = cols[0];
        let ours = JavaTimeZone::parse(id);
        if cols.get(1) == Some(&"UNKNOWN") {
            match (&ours, NEWER_THAN_THE_JDK.contains(&id)) {
                (Err(_), false) | (Ok(_), true) => {}
                (Ok(z), false) => bad.push(format!("'{id}': Java does not know it, ours: {z}")),
                (Err(_), true) => bad.push(format!("'{id}': a tz database id we refuse")),
            }
            continue;
        }
        let Ok(zone) = ours else {
            bad.push(format!(
                "'{id}': Java resolves it to {}, we refuse it",
                cols[1]
            ));
            continue;
        };
        let num = |i: usize| -> i64 { cols[i].parse().expect("a number in the table") };
        let mut got = vec![
            zone.name(),
            (i64::from(zone.raw_offset_secs()) * 1000).to_string(),
        ];
        let mut want = vec![cols[1].to_string(), num(2).to_string()];
        for (k, ms) in instants.iter().enumerate() {
            let t = DateTime::from_timestamp_millis(*ms).expect("instant");
            got.push((i64::from(zone.offset_at(t).local_minus_utc()) * 1000).to_string());
            want.push(num(3 + k).to_string());
        }
        if got != want && !KNOWN_MODEL_DIFFERENCES.contains(&id) {
            bad.push(format!(
                "'{id}': java {}\n         ours {}",
                want.join(" "),
                got.join(" ")
            ));
        }
    }
    (bad, lines)
}

#[test]
fn every_id_of_the_java_table_resolves_as_java() {
    let (bad, lines) = mismatches(&fixtures::read(fixtures::JAVA_TIME_ZONES));
    assert!(lines > 600, "the table holds only {lines} ids");
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn the_installed_jdk_agrees_too() {
    let java_here = Command::new(javajar::jdk_tool("java"))
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !java_here {
        eprintln!("no JDK here: only the committed table was checked");
        return;
    }
    let source = include_str!("../java/JavaTimeZones.java");
    let compiled = javajar::compile("java-time-zones", &[("JavaTimeZones.java", source)]);
    let table = javajar::run_java(&compiled.classes, "JavaTimeZones", &[]);
    let (bad, lines) = mismatches(&table);
    assert!(lines > 600, "the JDK listed only {lines} ids");
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Answered by the real Quartz 2.3.2 (`scripts/quartz-cron-oracle.sh
/// --cases`): expression, start, zone, count, fire times.
const QUARTZ_IN_JAVA_ZONES: &str = "\
0 0 12 * * ?\t2026-01-01T00:00:00Z\tGMT+05:30\t3\t2026-01-01T06:30:00Z 2026-01-02T06:30:00Z 2026-01-03T06:30:00Z
0 30 2 ? * MON-FRI\t2026-03-06T00:00:00Z\tGMT-8\t3\t2026-03-06T10:30:00Z 2026-03-09T10:30:00Z 2026-03-10T10:30:00Z
0 0 0 L * ?\t2026-01-15T00:00:00Z\tGMT+0545\t2\t2026-01-30T18:15:00Z 2026-02-27T18:15:00Z
0 0 2 * * ?\t2026-03-07T00:00:00Z\tEST\t3\t2026-03-07T07:00:00Z 2026-03-08T07:00:00Z 2026-03-09T07:00:00Z
0 30 2 * * ?\t2026-03-07T00:00:00Z\tSystemV/EST5EDT\t3\t2026-03-07T07:30:00Z 2026-03-08T07:30:00Z 2026-03-09T07:30:00Z
0 30 2 * * ?\t2026-04-25T00:00:00Z\tSystemV/EST5EDT\t3\t2026-04-25T07:30:00Z 2026-04-27T06:30:00Z 2026-04-28T06:30:00Z
0 30 1 * * ?\t2026-10-24T00:00:00Z\tSystemV/PST8PDT\t3\t2026-10-24T08:30:00Z 2026-10-25T09:30:00Z 2026-10-26T09:30:00Z
0 0 12 ? * SUN\t2040-04-20T00:00:00Z\tSystemV/CST6CDT\t3\t2040-04-22T18:00:00Z 2040-04-29T17:00:00Z 2040-05-06T17:00:00Z
0 0 12 * * ?\t2026-03-07T00:00:00Z\tSystemV/AST4ADT\t2\t2026-03-07T16:00:00Z 2026-03-08T16:00:00Z
0 30 2 * * ?\t2026-03-07T00:00:00Z\tPST\t3\t2026-03-07T10:30:00Z 2026-03-09T09:30:00Z 2026-03-10T09:30:00Z
0 0 23 * * ?\t2026-12-30T00:00:00Z\tGMT-23:59\t2\t2026-12-30T22:59:00Z 2026-12-31T22:59:00Z
0 15 10 ? * 6L\t2026-01-01T00:00:00Z\tSystemV/HST10\t2\t2026-01-30T20:15:00Z 2026-02-27T20:15:00Z
0 0 12 * * ?\t2026-01-01T00:00:00Z\tGMT-00:00\t1\t2026-01-01T12:00:00Z
0 0 1 * * ?\t2026-03-28T00:00:00Z\tECT\t3\t2026-03-29T00:00:00Z 2026-03-29T23:00:00Z 2026-03-30T23:00:00Z
";

#[test]
fn cron_fire_times_in_java_zones_match_quartz() {
    for line in QUARTZ_IN_JAVA_ZONES.lines() {
        let (question, expected) = line.rsplit_once('\t').expect("5 columns");
        assert_eq!(
            batch::answer_line(question).as_deref(),
            Ok(expected),
            "{question}"
        );
    }
}
