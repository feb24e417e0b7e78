//! `jobConfig.schedule`: the Quartz cron expression, its window and zone,
//! and what happens on overlap and failure.

use std::time::Duration;

use crate::cron::{CronExpression, JavaTimeZone};
use crate::model::{MAX_CRON_EXPRESSION_LEN, MAX_TIME_ZONE_LEN};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use super::check::{join, Checker};
use super::duration::MaxDuration;
use super::types::{ConcurrencyPolicy, InvalidValue, Schedule};
use super::yaml::{shorten, Node};

/// The only timestamp shape accepted for `startDate`/`endDate` (as the
/// existing provisioner: Java `yyyy-MM-dd'T'HH:mm:ss'Z'`).
pub const TIMESTAMP_FORMAT: &str = "yyyy-MM-ddTHH:mm:ssZ";

/// The schedule in `node` (a mapping), or `None` with its issues added.
pub(crate) fn schedule(node: &Node, base: &str, c: &mut Checker) -> Option<Schedule> {
    let cron_field = join(base, "cronExpression");
    let cron = c
        .required_string(
            node,
            "cronExpression",
            &cron_field,
            "set it to a Quartz cron expression (seconds minutes hours day-of-month month \
             day-of-week [year]), e.g. \"0 30 2 ? * MON-FRI\"",
        )
        .and_then(|text| {
            let len = text.chars().count();
            if c.store_limits && len > MAX_CRON_EXPRESSION_LEN {
                c.add(
                    &cron_field,
                    format!(
                        "is {len} characters long; at most {MAX_CRON_EXPRESSION_LEN} are allowed, \
                         because Quartz keeps cron expressions in a \
                         {MAX_CRON_EXPRESSION_LEN}-character column (CRON_EXPRESSION)"
                    ),
                    "shorten the expression: ranges (MON-FRI, 1-5) and steps (0/15) instead of \
                     long lists, single spaces between fields",
                );
                return None;
            }
            cron_expression(&text, &cron_field, c)
        });

    let start_field = join(base, "startDate");
    let start = c.optional(node, "startDate", |c, n| timestamp(n, &start_field, c));
    let end_field = join(base, "endDate");
    let end = c.optional(node, "endDate", |c, n| timestamp(n, &end_field, c));
    if let (Ok(Some(start)), Ok(Some(end))) = (&start, &end) {
        if end <= start {
            c.add(
                &end_field,
                format!(
                    "{} is not after startDate {}",
                    format_timestamp(end),
                    format_timestamp(start)
                ),
                "set endDate after startDate, or leave endDate out",
            );
        }
    }

    let zone_field = join(base, "timeZone");
    let time_zone = c.optional(node, "timeZone", |c, n| zone(n, &zone_field, c));

    let policy_field = join(base, "concurrencyPolicy");
    let concurrency_policy = c.optional(node, "concurrencyPolicy", |c, n| {
        let names: Vec<&str> = ConcurrencyPolicy::ALL.iter().map(|p| p.as_str()).collect();
        let hint = format!(
            "use one of {} ({} is the default: a fire is skipped while a run is going)",
            names.join(", "),
            ConcurrencyPolicy::default()
        );
        let text = c.string_value(n, &policy_field, &hint)?;
        let policy = ConcurrencyPolicy::parse(&text);
        if policy.is_none() {
            c.add(
                &policy_field,
                format!("'{}' is not a concurrency policy", shorten(&text, 80)),
                hint,
            );
        }
        policy
    });

    let retries_field = join(base, "retries");
    let retries = c.optional(node, "retries", |c, n| {
        let hint = "set retries to a whole number of at least 0 (0 means no retry)";
        match n {
            Node::Int(r, _) if *r >= 0 => {
                let r = u32::try_from(*r).ok();
                if r.is_none() {
                    c.add(&retries_field, "is too large", hint);
                }
                r
            }
            Node::Int(_, text) => {
                c.add(
                    &retries_field,
                    format!(
                        "expected a non-negative integer, found {}",
                        shorten(text, 80)
                    ),
                    hint,
                );
                None
            }
            other => {
                c.wrong_type(&retries_field, "a non-negative integer", other, hint);
                None
            }
        }
    });

    let delay_field = join(base, "retryDelay");
    let retry_delay = c.optional(node, "retryDelay", |c, n| {
        let hint = "write a whole number followed by s, m, h or d, e.g. 30s or 5m";
        let text = match n {
            Node::Str(text) => text.clone(),
            other => {
                c.wrong_type(&delay_field, "a duration such as 30s or 5m", other, hint);
                return None;
            }
        };
        parse_duration(&text)
            .map_err(|e| c.invalid(&delay_field, e))
            .ok()
    });

    let deadline_field = join(base, "deadline");
    let deadline = c.optional(node, "deadline", |c, n| {
        let text = match n {
            Node::Str(text) => text.clone(),
            other => {
                c.wrong_type(
                    &deadline_field,
                    "a duration such as 30m or PT2H",
                    other,
                    super::duration::HINT,
                );
                return None;
            }
        };
        parse_deadline(&text)
            .map_err(|e| c.invalid(&deadline_field, e))
            .ok()
    });

    let (Some(cron), Ok(start), Ok(end), Ok(time_zone)) = (cron, start, end, time_zone) else {
        return None;
    };
    let time_zone = time_zone.unwrap_or(JavaTimeZone::UTC);
    if end.zip(start).is_some_and(|(end, start)| end <= start) {
        return None;
    }
    if !fires(&cron, start, end, time_zone) {
        let window = match (start, end) {
            (Some(s), Some(e)) => format!(
                "between startDate {} and endDate {}",
                format_timestamp(&s),
                format_timestamp(&e)
            ),
            (Some(s), None) => format!("after startDate {}", format_timestamp(&s)),
            (None, Some(e)) => format!("before endDate {}", format_timestamp(&e)),
            (None, None) => "at any time".to_string(),
        };
        c.add(
            &cron_field,
            format!(
                "'{}' never fires {window} (in time zone {})",
                cron.as_str(),
                time_zone.name()
            ),
            "check the day-of-month and month combination (e.g. 30 February never comes), the \
             year field and the startDate/endDate window",
        );
        return None;
    }

    Some(Schedule {
        cron,
        start_date: start,
        end_date: end,
        time_zone,
        concurrency_policy: concurrency_policy.ok()?.unwrap_or_default(),
        retries: retries.ok()?.unwrap_or(0),
        retry_delay: retry_delay.ok()?,
        deadline: deadline.ok()?,
    })
}

/// `cronExpression` read as Quartz reads it.
fn cron_expression(text: &str, cron_field: &str, c: &mut Checker) -> Option<CronExpression> {
    match CronExpression::parse(text) {
        Ok(cron) => Some(cron),
        Err(e) => {
            c.add(
                cron_field,
                format!(
                    "'{}' is not a valid Quartz cron expression: {e}",
                    shorten(text, 120)
                ),
                "fix the expression; Quartz expressions have 6 or 7 fields (seconds first) \
                 and need '?' in day-of-month or day-of-week, e.g. \"0 30 2 ? * MON-FRI\"",
            );
            None
        }
    }
}

/// Whether the trigger fires at least once: Quartz's first fire time is the
/// first one at or after the start (here: `startDate`, else the Unix epoch),
/// and it must not be after the end.
fn fires(
    cron: &CronExpression,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    zone: JavaTimeZone,
) -> bool {
    let from = start.unwrap_or(DateTime::UNIX_EPOCH) - TimeDelta::seconds(1);
    match cron.next_after(from, zone) {
        Some(first) => end.is_none_or(|end| first <= end),
        None => false,
    }
}

fn timestamp(node: &Node, field: &str, c: &mut Checker) -> Option<DateTime<Utc>> {
    let hint = format!("write it as {TIMESTAMP_FORMAT} in UTC, e.g. 2026-01-01T00:00:00Z");
    let text = c.string_value(node, field, &hint)?;
    parse_timestamp(&text).map_err(|e| c.invalid(field, e)).ok()
}

/// `startDate`/`endDate`: exactly `yyyy-MM-ddTHH:mm:ssZ`, a real date and
/// time, in UTC.
pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, InvalidValue> {
    let hint = format!("write it as {TIMESTAMP_FORMAT} in UTC, e.g. 2026-01-01T00:00:00Z");
    let b = text.as_bytes();
    let shape_ok = b.len() == 20
        && b.iter().enumerate().all(|(i, ch)| match i {
            4 | 7 => *ch == b'-',
            10 => *ch == b'T',
            13 | 16 => *ch == b':',
            19 => *ch == b'Z',
            _ => ch.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(InvalidValue::new(
            format!(
                "'{}' does not have the form {TIMESTAMP_FORMAT}",
                shorten(text, 60)
            ),
            hint,
        ));
    }
    // The shape check guarantees ASCII digits at these places.
    let num = |from: usize, to: usize| -> u32 {
        text[from..to]
            .bytes()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let year = i32::try_from(num(0, 4)).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, num(5, 7), num(8, 10))
        .and_then(|d| d.and_hms_opt(num(11, 13), num(14, 16), num(17, 19)))
        .map(|t| t.and_utc())
        .ok_or_else(|| InvalidValue::new(format!("'{text}' is not a real date and time"), hint))
}

fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `timeZone`: an id as Quartz's `TimeZone.getTimeZone` resolves it (an
/// IANA id, a custom `GMT+hh:mm`, a JDK id such as `PST` or
/// `SystemV/EST5`); where Java would silently fall back to GMT, an issue.
fn zone(node: &Node, field: &str, c: &mut Checker) -> Option<JavaTimeZone> {
    let hint = "use an IANA time zone id such as UTC, Europe/Rome or America/New_York, or a \
                fixed offset such as GMT+05:30";
    let text = c.string_value(node, field, hint)?;
    match JavaTimeZone::parse(&text) {
        // The zone's id is what Quartz keeps (TIME_ZONE_ID); no id Java
        // resolves is that long today, the rule keeps it so should one ever be.
        Ok(tz) if c.store_limits && tz.name().chars().count() > MAX_TIME_ZONE_LEN => {
            c.add(
                field,
                format!(
                    "'{}' is longer than the {MAX_TIME_ZONE_LEN} characters Quartz keeps for a \
                     time zone id (TIME_ZONE_ID)",
                    shorten(&tz.name(), 120)
                ),
                "use another id of the same zone",
            );
            None
        }
        Ok(tz) => Some(tz),
        Err(unknown) => {
            let wanted = text.trim();
            let suggestion = chrono_tz::TZ_VARIANTS
                .iter()
                .map(|tz| tz.name())
                .find(|name| name.eq_ignore_ascii_case(wanted))
                .map(str::to_string)
                .or_else(|| {
                    JavaTimeZone::parse(&wanted.to_ascii_uppercase())
                        .ok()
                        .filter(|z| z.is_fixed_offset())
                        .map(|z| z.name())
                })
                .map(|name| format!("did you mean '{name}'? "))
                .unwrap_or_default();
            c.add(
                field,
                format!(
                    "'{}' is {unknown}; Quartz would silently run the schedule in GMT, this \
                     provisioner refuses it",
                    shorten(&text, 80)
                ),
                format!("{suggestion}{hint}"),
            );
            None
        }
    }
}

/// `deadline`: the forms and bounds of `maxDuration` ([`MaxDuration`]): a
/// whole number and one unit, `s`, `m`, `h` or `d` (`45s`, `90m`, `2h`), or
/// an ISO-8601 duration (`PT90M`, `PT1H30M`, `P1D`); from 1 s to 7 days.
pub fn parse_deadline(text: &str) -> Result<Duration, InvalidValue> {
    MaxDuration::parse(text).map(|d| Duration::from_secs(d.as_secs()))
}

/// `retryDelay`: a whole number and one unit, `s`, `m`, `h` or `d`.
pub fn parse_duration(text: &str) -> Result<Duration, InvalidValue> {
    let hint = "write a whole number followed by s, m, h or d, e.g. 30s or 5m";
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|ch: char| !ch.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, unit) = trimmed.split_at(digits_end);
    let unit_seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(InvalidValue::new(
                format!("'{}' is not a duration", shorten(text, 60)),
                hint,
            ))
        }
    };
    if digits.is_empty() {
        return Err(InvalidValue::new(
            format!("'{}' is not a duration", shorten(text, 60)),
            hint,
        ));
    }
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_seconds))
        .map(Duration::from_secs)
        .ok_or_else(|| InvalidValue::new(format!("'{trimmed}' is too long"), hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_in_units_and_iso_8601() {
        for (text, secs) in [
            ("45s", 45),
            ("90m", 5400),
            ("2h", 7200),
            (" 30m ", 1800),
            ("PT90M", 5400),
            ("PT2H", 7200),
            ("PT1H30M", 5400),
            ("PT1H30M15S", 5415),
            ("PT45S", 45),
            ("168h", 604_800),
            ("2d", 172_800),
            ("P1D", 86_400),
        ] {
            assert_eq!(
                parse_deadline(text).map(|d| d.as_secs()),
                Ok(secs),
                "{text}"
            );
        }
        for text in [
            "",
            "0s",
            "PT0S",
            "169h",
            "8d",
            "PT",
            "PT1M2H",
            "PT1H1H",
            "h",
            "-5m",
            "5",
            "5 m",
            "PT5",
            "PTxM",
            "99999999999h",
        ] {
            assert!(parse_deadline(text).is_err(), "{text}");
        }
    }

    #[test]
    fn timestamps_must_have_exactly_the_documented_shape() {
        let t = parse_timestamp("2026-01-01T00:00:00Z").expect("valid");
        assert_eq!(format_timestamp(&t), "2026-01-01T00:00:00Z");
        for bad in [
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00+00:00",
            "2026-1-01T00:00:00Z",
            "2026-01-01T00:00:00.000Z",
            "2026-02-30T00:00:00Z",
            "2026-01-01T24:00:00Z",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_iana_zone_id_fits_quartz_time_zone_column() {
        let longest = chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| tz.name().chars().count())
            .max()
            .unwrap_or(0);
        assert!(longest > 0 && longest <= MAX_TIME_ZONE_LEN, "{longest}");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["30", "s", "5 min", "1.5h", "-5s", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
