//! Parser corners, error messages and a few evaluation cases worked out by
//! hand from Quartz 2.3.2's source. The oracle and differential tests in
//! `tests/` check the rest against the real Quartz.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{CronExpression, CronField};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn next(expr: &str, after: &str, tz: Tz, n: usize) -> Vec<String> {
    CronExpression::parse(expr)
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .next_times(at(after), tz, n)
        .iter()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .collect()
}

fn error(expr: &str) -> super::CronError {
    match CronExpression::parse(expr) {
        Ok(_) => panic!("'{expr}' should be rejected"),
        Err(e) => e,
    }
}

fn valid(expr: &str) -> bool {
    CronExpression::parse(expr).is_ok()
}

#[test]
fn accepts_the_usual_forms() {
    for expr in [
        "0 30 2 ? * MON-FRI",
        "0 0/5 * * * ?",
        "0 15 10 L * ?",
        "0 15 10 L-3 * ?",
        "0 15 10 LW * ?",
        "0 15 10 15W * ?",
        "0 0 12 ? * 6#3",
        "0 0 12 ? * FRI#3",
        "0 0 12 ? * 6L",
        "0 0 12 ? * FRIL",
        "*/7 * * * * ?",
        "0 0 22-2 * * ?",
        "0 0 0 ? NOV-FEB SAT-MON",
        "0 0 0 1 JAN,MAR,may ? 2026-2030",
        "0 0 0 1 1 ? 2026/2",
        "  0\t0 12 * * ?  ",
        "0 0 12 * * ? * extra fields are ignored",
    ] {
        assert!(valid(expr), "{expr}: {:?}", CronExpression::parse(expr));
    }
}

#[test]
fn accepts_quartz_quirks() {
    // Text after a complete value is ignored.
    assert!(valid("5X 0 12 * * ?"));
    assert!(valid("0 0 12 ? * MONDAY"));
    assert!(valid("0 0 12 ? JANUARY *"));
    assert!(valid("0 0 12 5-10X * ?"));
    // '?' may carry one stray character, not two.
    assert!(valid("0 0 12 ?X * MON"));
    assert!(!valid("0 0 12 ?XY * MON"));
    // 99 is Quartz's marker for '*'; 98 its marker for '?'.
    assert!(valid("99 0 12 * * ?"));
    assert!(valid("0 0 12 98 * MON"));
    // A step of 0 is a single value; a range's step is not range-checked.
    assert!(valid("0 5-10/0 12 * * ?"));
    assert!(valid("0 0-59/100 12 * * ?"));
    // Years are not range-checked.
    assert!(valid("0 0 12 * * ? 1900"));
    assert!(valid("0 0 12 * * ? 2500"));
    // 'L' in the seconds field stores nothing, and Quartz accepts it.
    assert!(valid("L 0 12 * * ?"));
    // L-W is read as LW.
    assert!(valid("0 0 12 L-W * ?"));
    // '*/+5' and '*/-5' parse as Java's Integer.parseInt reads them.
    assert!(valid("*/+5 * * * * ?"));
    assert!(valid("*/-5 * * * * ?"));
}

#[test]
fn rejects_what_quartz_rejects_naming_the_field() {
    let cases: &[(&str, CronField, &str)] = &[
        (
            "43 18 16-20 ? * TUE-6",
            CronField::DayOfWeek,
            "'TUE-6' mixes a day name and a number in a range",
        ),
        (
            "0 0 12 ? * 2-FRI",
            CronField::DayOfWeek,
            "'2-FRI' mixes a number and a day name",
        ),
        (
            "0 0 12 1 JAN-3 ?",
            CronField::Month,
            "'JAN-3' mixes a month name and a number",
        ),
        (
            "60 * * * * ?",
            CronField::Seconds,
            "60 is not allowed, seconds are 0-59",
        ),
        ("0 60 * * * ?", CronField::Minutes, "minutes are 0-59"),
        (
            "0 0 24 * * ?",
            CronField::Hours,
            "24 is not allowed, hours are 0-23",
        ),
        ("0 0 0 32 * ?", CronField::DayOfMonth, "32 is not allowed"),
        ("0 0 0 0 * ?", CronField::DayOfMonth, "0 is not allowed"),
        ("0 0 0 1 13 ?", CronField::Month, "13 is not allowed"),
        ("0 0 0 ? * 0", CronField::DayOfWeek, "0 is not allowed"),
        ("0 0 0 ? * 8", CronField::DayOfWeek, "8 is not allowed"),
        (
            "0 0 0 ? * FOO",
            CronField::DayOfWeek,
            "'FOO', which is not a day name",
        ),
        (
            "0 0 0 1 FOO ?",
            CronField::Month,
            "'FOO', which is not a month name",
        ),
        (
            "0 0 MON * * ?",
            CronField::Hours,
            "names are only allowed in the month",
        ),
        ("*/61 * * * * ?", CronField::Seconds, "increment 61"),
        ("0 0 */24 * * ?", CronField::Hours, "increment 24"),
        ("0 0 0 1/32 * ?", CronField::DayOfMonth, "increment 32"),
        ("0 0 0 ? * 1/8", CronField::DayOfWeek, "increment 8"),
        ("0 0 0 1 1/13 ?", CronField::Month, "increment 13"),
        (
            "0 0 0 ? * 6#6",
            CronField::DayOfWeek,
            "number from 1 to 5 after '#'",
        ),
        (
            "0 0 0 ? * 6#",
            CronField::DayOfWeek,
            "number from 1 to 5 after '#'",
        ),
        (
            "0 0 0 ? * 1#1,2#2",
            CronField::DayOfWeek,
            "more than one '#'",
        ),
        (
            "0 0 0 L,5 * ?",
            CronField::DayOfMonth,
            "lists 'L' with other days",
        ),
        (
            "0 0 0 ? * 5L,2",
            CronField::DayOfWeek,
            "lists a last-weekday 'L'",
        ),
        ("0 0 0 ? * 8L", CronField::DayOfWeek, "last day 8"),
        (
            "0 0 0 5L * ?",
            CronField::DayOfMonth,
            "only day-of-week accepts",
        ),
        (
            "0 0 0 ? * 5W",
            CronField::DayOfWeek,
            "only day-of-month accepts",
        ),
        ("0 0 0 32W * ?", CronField::DayOfMonth, "nearest day 32"),
        (
            "0 0 0 5#2 * ?",
            CronField::DayOfMonth,
            "only day-of-week accepts",
        ),
        ("0 0 0 L-31 * ?", CronField::DayOfMonth, "at most 30"),
        (
            "0 0 0 L- * ?",
            CronField::DayOfMonth,
            "needs a number after 'L-'",
        ),
        (
            "0 0 0 LX * ?",
            CronField::DayOfMonth,
            "not a valid 'L' form",
        ),
        (
            "? 0 0 * * ?",
            CronField::Seconds,
            "only allowed in the day-of-month and day-of-week",
        ),
        (
            "0 0 0 ? * ?",
            CronField::DayOfWeek,
            "cannot be used in both",
        ),
        ("0 0 0 * * MON", CronField::DayOfWeek, "are both set"),
        ("0 0 0 5 * 2", CronField::DayOfWeek, "are both set"),
        ("0 0 0 * *", CronField::DayOfWeek, "missing"),
        ("", CronField::Seconds, "missing"),
        (
            "0 0 0 1-5/ * ?",
            CronField::DayOfMonth,
            "needs a number after '/'",
        ),
        ("0/ 0 0 * * ?", CronField::Seconds, "no increment"),
        ("/ 0 0 * * ?", CronField::Seconds, "no increment"),
        ("*/ 0 0 * * ?", CronField::Seconds, "no increment"),
        (
            "*/5X 0 0 * * ?",
            CronField::Seconds,
            "whole number after '/'",
        ),
        (
            "0/5X 0 0 * * ?",
            CronField::Seconds,
            "unexpected character 'X' after the increment",
        ),
        ("0- 0 0 * * ?", CronField::Seconds, "no end after '-'"),
        (
            "-5 0 0 * * ?",
            CronField::Seconds,
            "unexpected character '-'",
        ),
        ("0 0 0 1 1 ? 2030-2020", CronField::Year, "runs backwards"),
        ("99999999999 0 0 * * ?", CronField::Seconds, "too large"),
        (
            "0 0 0 W * ?",
            CronField::DayOfMonth,
            "needs a day before 'W'",
        ),
    ];
    for (expr, field, text) in cases {
        let e = error(expr);
        assert_eq!(e.field, Some(*field), "{expr}: {e}");
        assert!(
            e.message.contains(text),
            "{expr}: '{e}' should contain '{text}'"
        );
        assert!(
            e.to_string()
                .starts_with(&format!("{} field: ", field.name())),
            "{expr}: {e}"
        );
    }
}

#[test]
fn the_brief_example_reads_as_written() {
    assert_eq!(
        error("43 18 16-20 ? * TUE-6").to_string(),
        "day-of-week field: 'TUE-6' mixes a day name and a number in a range; use names on \
         both sides (MON-FRI) or numbers on both sides (2-6)"
    );
}

#[test]
fn weekdays_and_times() {
    assert_eq!(
        next("0 30 2 ? * MON-FRI", "2026-01-02T02:30:00Z", Tz::UTC, 3),
        [
            "2026-01-05T02:30:00Z",
            "2026-01-06T02:30:00Z",
            "2026-01-07T02:30:00Z"
        ]
    );
    assert_eq!(
        next("*/7 * * * * ?", "2026-01-01T00:00:55Z", Tz::UTC, 3),
        [
            "2026-01-01T00:00:56Z",
            "2026-01-01T00:01:00Z",
            "2026-01-01T00:01:07Z"
        ]
    );
}

#[test]
fn last_nearest_and_nth_days() {
    // 2026-02-28 is a Saturday: LW is Friday the 27th.
    assert_eq!(
        next("0 0 12 LW * ?", "2026-02-01T00:00:00Z", Tz::UTC, 1),
        ["2026-02-27T12:00:00Z"]
    );
    // 2026-02-01 is a Sunday: 1W is Monday the 2nd (never the previous month).
    assert_eq!(
        next("0 0 12 1W * ?", "2026-01-31T00:00:00Z", Tz::UTC, 1),
        ["2026-02-02T12:00:00Z"]
    );
    // Third Friday of January 2026: the 16th.
    assert_eq!(
        next("0 0 12 ? * 6#3", "2026-01-01T00:00:00Z", Tz::UTC, 1),
        ["2026-01-16T12:00:00Z"]
    );
    // Last Thursday of January 2026: the 29th.
    assert_eq!(
        next("0 0 12 ? * 5L", "2026-01-01T00:00:00Z", Tz::UTC, 1),
        ["2026-01-29T12:00:00Z"]
    );
    assert_eq!(
        next("0 15 10 L-2 * ?", "2026-02-01T00:00:00Z", Tz::UTC, 2),
        ["2026-02-26T10:15:00Z", "2026-03-29T10:15:00Z"]
    );
}

#[test]
fn wrapping_ranges() {
    assert_eq!(
        next("0 0 22-1 * * ?", "2026-01-01T20:00:00Z", Tz::UTC, 4),
        [
            "2026-01-01T22:00:00Z",
            "2026-01-01T23:00:00Z",
            "2026-01-02T00:00:00Z",
            "2026-01-02T01:00:00Z"
        ]
    );
}

#[test]
fn daylight_saving_time_in_rome() {
    // 2026-03-29: 02:00-03:00 does not exist. Quartz's setCalendarHour
    // moves "02:00" to 03:00, finds no hour 2 left that day and skips the
    // day altogether.
    assert_eq!(
        next("0 30 2 * * ?", "2026-03-28T12:00:00Z", Tz::Europe__Rome, 3),
        [
            "2026-03-30T00:30:00Z",
            "2026-03-31T00:30:00Z",
            "2026-04-01T00:30:00Z"
        ]
    );
    // Every 30 minutes through the gap: 01:30 CET, then 03:00 CEST.
    assert_eq!(
        next(
            "0 0/30 * * * ?",
            "2026-03-29T00:15:00Z",
            Tz::Europe__Rome,
            3
        ),
        [
            "2026-03-29T00:30:00Z",
            "2026-03-29T01:00:00Z",
            "2026-03-29T01:30:00Z"
        ]
    );
    // 2026-10-25: 02:00-03:00 happens twice; Quartz fires once, on the
    // second (CET) 02:30.
    assert_eq!(
        next("0 30 2 * * ?", "2026-10-24T12:00:00Z", Tz::Europe__Rome, 2),
        ["2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z"]
    );
}

#[test]
fn no_fire_time() {
    assert!(next("0 0 0 30 2 ?", "2026-01-01T00:00:00Z", Tz::UTC, 1).is_empty());
    assert!(next("0 0 0 * * ? 2020", "2026-01-01T00:00:00Z", Tz::UTC, 1).is_empty());
    // Accepted by Quartz, but it throws when evaluating; no fire time here.
    assert!(next("L 0 0 * * ?", "2026-01-01T00:00:00Z", Tz::UTC, 1).is_empty());
}

#[test]
fn quirks_evaluate_like_quartz() {
    // "99" in the seconds field is '*'.
    assert_eq!(
        next("99 0 0 * * ?", "2026-01-01T00:00:00Z", Tz::UTC, 2),
        ["2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z"]
    );
    // "5-10/0" is the single value 5.
    assert_eq!(
        next("0 5-10/0 0 * * ?", "2026-01-01T00:00:00Z", Tz::UTC, 2),
        ["2026-01-01T00:05:00Z", "2026-01-02T00:05:00Z"]
    );
    // "L" in day-of-week is Saturday.
    assert_eq!(
        next("0 0 0 ? * L", "2026-01-01T00:00:00Z", Tz::UTC, 1),
        ["2026-01-03T00:00:00Z"]
    );
}

#[test]
fn milliseconds_are_dropped() {
    let e = CronExpression::parse("* * * * * ?").unwrap();
    let t = at("2026-01-01T00:00:00.900Z");
    assert_eq!(e.next_after(t, Tz::UTC), Some(at("2026-01-01T00:00:01Z")));
}

#[test]
fn as_str_and_describe() {
    let e = CronExpression::parse("0 30 2 ? * MON-FRI").unwrap();
    assert_eq!(e.as_str(), "0 30 2 ? * MON-FRI");
    assert_eq!(e.describe(), "at 02:30:00, Monday to Friday");
    let d = |s: &str| CronExpression::parse(s).unwrap().describe();
    assert_eq!(d("0 0/5 * * * ?"), "every 5 minutes starting at 0");
    assert_eq!(
        d("0 15 10 L * ?"),
        "at 10:15:00, on the last day of the month"
    );
    assert_eq!(
        d("0 0 12 ? * 6#3"),
        "at 12:00:00, on the third Friday of the month"
    );
    assert_eq!(d("*/7 * * * * ?"), "every 7 seconds");
    assert_eq!(
        d("0 0 9 1,15 JAN-MAR ? 2027"),
        "at 09:00:00, on day 1 of the month and day 15 of the month, in January to March, in 2027"
    );
}
