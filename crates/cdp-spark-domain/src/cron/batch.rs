//! The oracle's line format: `EXPR<TAB>FROM<TAB>TZ<TAB>COUNT` in, the next
//! `COUNT` fire times out (UTC, `%Y-%m-%dT%H:%M:%SZ`, one space apart),
//! `INVALID` when Quartz rejects the expression, `NONE` when it has no fire
//! time after `FROM`. When fewer than `COUNT` exist, those found are
//! printed (Quartz's loop stops at the first `null`).
//!
//! Two more answers exist for expressions Quartz accepts but cannot
//! evaluate: `ERROR` when it throws (a field listing no value, such as `L`
//! in the seconds field) and `HANGS` when its search never ends (such as
//! `0W` in day-of-month).

use std::fmt::Write as _;

use super::{CronExpression, JavaTimeZone, Next};
use chrono::{DateTime, Utc};

/// The most fire times one line may ask for.
pub const MAX_COUNT: usize = 10_000;

const FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// The result column for `expression` after `after` in `tz`.
pub fn answer(
    expression: &str,
    after: DateTime<Utc>,
    tz: impl Into<JavaTimeZone>,
    count: usize,
) -> String {
    let tz = tz.into();
    let Ok(cron) = CronExpression::parse(expression) else {
        return "INVALID".to_string();
    };
    let mut out = String::new();
    let mut t = after.timestamp();
    for _ in 0..count {
        match cron.search(t, tz) {
            Next::At(next) => {
                let Some(at) = DateTime::<Utc>::from_timestamp(next, 0) else {
                    break;
                };
                if !out.is_empty() {
                    out.push(' ');
                }
                // Writing to a String cannot fail.
                let _ = write!(out, "{}", at.format(FORMAT));
                t = next;
            }
            Next::Never => break,
            Next::Fails => return "ERROR".to_string(),
            Next::Hangs => return "HANGS".to_string(),
        }
    }
    if out.is_empty() {
        "NONE".to_string()
    } else {
        out
    }
}

/// Answers one `EXPR<TAB>FROM<TAB>TZ<TAB>COUNT` line; `Err` says which
/// column is malformed and how to write it.
pub fn answer_line(line: &str) -> Result<String, String> {
    let columns: Vec<&str> = line.split('\t').collect();
    let [expression, from, zone, count] = columns[..] else {
        return Err(format!(
            "expected 4 tab-separated columns (expression, start instant, time zone, count), \
             found {}",
            columns.len()
        ));
    };
    let after = DateTime::parse_from_rfc3339(from)
        .map_err(|e| {
            format!(
                "start instant '{from}' is not an RFC 3339 instant ({e}); write it like \
                 2026-01-01T00:00:00Z"
            )
        })?
        .with_timezone(&Utc);
    let tz = JavaTimeZone::parse(zone).map_err(|e| {
        format!("time zone '{zone}' is {e}; write e.g. UTC, Europe/Rome or GMT+05:30")
    })?;
    let count = count
        .parse::<usize>()
        .ok()
        .filter(|c| (1..=MAX_COUNT).contains(c))
        .ok_or_else(|| {
            format!("count '{count}' is not a whole number from 1 to {MAX_COUNT}; write e.g. 5")
        })?;
    Ok(answer(expression, after, tz, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_times_invalid_and_none() {
        let line = "0 30 2 ? * MON-FRI\t2026-01-02T00:00:00Z\tUTC\t3";
        assert_eq!(
            answer_line(line),
            Ok("2026-01-02T02:30:00Z 2026-01-05T02:30:00Z 2026-01-06T02:30:00Z".to_string())
        );
        assert_eq!(
            answer_line("0 0 12 * * MON\t2026-01-01T00:00:00Z\tUTC\t5"),
            Ok("INVALID".to_string())
        );
        assert_eq!(
            answer_line("0 0 12 * * ? 2020\t2026-01-01T00:00:00Z\tUTC\t5"),
            Ok("NONE".to_string())
        );
    }

    #[test]
    fn prints_what_exists_when_fewer_than_asked() {
        // The last two seconds of 2026 in the year 2026 only.
        let line = "58,59 59 23 31 12 ? 2026\t2026-06-01T00:00:00Z\tUTC\t5";
        assert_eq!(
            answer_line(line),
            Ok("2026-12-31T23:59:58Z 2026-12-31T23:59:59Z".to_string())
        );
    }

    #[test]
    fn accepted_but_unevaluable_is_an_error_or_a_hang() {
        assert_eq!(
            answer("L * * ? * *", DateTime::UNIX_EPOCH, JavaTimeZone::UTC, 1),
            "ERROR"
        );
        assert_eq!(
            answer("0 0 12 0W * ?", DateTime::UNIX_EPOCH, JavaTimeZone::UTC, 1),
            "HANGS"
        );
    }

    #[test]
    fn malformed_lines_name_the_column() {
        let e = answer_line("0 0 12 * * ?\t2026-13-01T00:00:00Z\tUTC\t5").unwrap_err();
        assert!(e.contains("start instant '2026-13-01T00:00:00Z'"), "{e}");
        let e = answer_line("0 0 12 * * ?\t2026-01-01T00:00:00Z\tMars/Olympus\t5").unwrap_err();
        assert!(e.contains("time zone 'Mars/Olympus'"), "{e}");
        let e = answer_line("0 0 12 * * ?\t2026-01-01T00:00:00Z\tUTC\tfive").unwrap_err();
        assert!(e.contains("count 'five'"), "{e}");
        let e = answer_line("0 0 12 * * ?\t2026-01-01T00:00:00Z\tUTC\t0").unwrap_err();
        assert!(e.contains("count '0'"), "{e}");
        let e = answer_line("0 0 12 * * ?\t2026-01-01T00:00:00Z").unwrap_err();
        assert!(e.contains("found 2"), "{e}");
    }
}
