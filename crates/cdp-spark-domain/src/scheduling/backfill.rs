//! Backfill: the fire times of a job's schedule in a window, and the runs
//! queued for them. Pure: "now" and the bound are arguments.
//!
//! The fire times are the schedule's own (its cron expression in its time
//! zone, as the trigger fires them: DST gaps and repeated hours included),
//! within `[from, to]` and within the trigger's start and end time, oldest
//! first. A window with more than the operator's bound
//! (`scheduler.backfill_max_runs`) is refused with the count.

use crate::cron::JavaTimeZone;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use crate::cron::CronExpression;
use crate::issues::{Issue, Issues};
use crate::model::{BackfillSlot, JobKey, RunRecord, RunState, TriggerKey, TriggerSchedule};

use super::run_parameters::RunParameters;

/// Most runs of one backfill in flight at once.
pub const MAX_PARALLEL: u32 = 100;

/// Fire times counted at most when a window is refused (a schedule firing
/// every second over years is not walked to its end).
pub const COUNT_LIMIT: usize = 1_000_000;

/// The body of `POST …/jobs/{group}/{name}/backfill`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BackfillRequest {
    /// The window's start (inclusive), RFC 3339.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: DateTime<Utc>,
    /// The window's end (inclusive), RFC 3339; not in the future.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub to: DateTime<Utc>,
    /// List the fire times and create nothing (default `false`).
    #[serde(default)]
    pub dry_run: bool,
    /// Most runs of this backfill in flight at once, 1 to 100 (default 1).
    #[serde(default)]
    pub max_parallel: Option<u32>,
}

impl BackfillRequest {
    /// `maxParallel`, or its default 1.
    pub fn max_parallel(&self) -> u32 {
        self.max_parallel.unwrap_or(1)
    }

    /// The request's own rules: a window in order and not in the future,
    /// `maxParallel` within 1 to [`MAX_PARALLEL`].
    pub fn check(&self, now: DateTime<Utc>) -> Result<(), Issues> {
        let mut issues = Issues::new();
        if self.from > self.to {
            issues.add(
                "from",
                format!("{} is after to ({})", rfc3339(self.from), rfc3339(self.to)),
                "give from no later than to",
            );
        }
        if self.to > now {
            issues.add(
                "to",
                format!(
                    "{} is in the future (now is {})",
                    rfc3339(self.to),
                    rfc3339(now)
                ),
                "backfill past fire times only; future ones are the schedule's",
            );
        }
        let n = self.max_parallel();
        if n == 0 || n > MAX_PARALLEL {
            issues.add(
                "maxParallel",
                format!("{n} is out of range"),
                format!("use 1 to {MAX_PARALLEL}"),
            );
        }
        if issues.is_empty() {
            Ok(())
        } else {
            Err(issues)
        }
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The fire times of `schedule` in `[from, to]`, oldest first, within the
/// trigger's start and end time; more than `max_runs` is refused, naming
/// the count (counted up to [`COUNT_LIMIT`]). A one-shot schedule, or one
/// whose expression or zone cannot be read, is refused.
pub fn fire_times(
    schedule: &TriggerSchedule,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    max_runs: usize,
) -> Result<Vec<DateTime<Utc>>, Issue> {
    let TriggerSchedule::Cron {
        cron_expression,
        time_zone,
        start_time,
        end_time,
    } = schedule
    else {
        return Err(Issue::new(
            "",
            "the job has no cron schedule, so it has no fire times to backfill",
            "start it with POST …/trigger instead",
        ));
    };
    let (cron, zone): (&CronExpression, JavaTimeZone) = (cron_expression, *time_zone);
    let start = from.max(*start_time);
    let end = match end_time {
        Some(e) => to.min(*e),
        None => to,
    };
    let mut out = Vec::new();
    let mut count = 0usize;
    // `next_after` works in whole seconds: start one second early and
    // keep only times within the window.
    let mut t = start - Duration::seconds(1);
    while let Some(next) = cron.next_after(t, zone) {
        if next > end {
            break;
        }
        t = next;
        if next < start {
            continue;
        }
        count += 1;
        if count <= max_runs {
            out.push(next);
        } else if count >= COUNT_LIMIT {
            break;
        }
    }
    if count > max_runs {
        let counted = if count >= COUNT_LIMIT {
            format!("at least {count}")
        } else {
            count.to_string()
        };
        return Err(Issue::new(
            "to",
            format!(
                "the window holds {counted} fire times of the schedule, more than the {max_runs} one backfill may create (scheduler.backfill_max_runs)"
            ),
            "backfill a shorter window, in several requests",
        ));
    }
    Ok(out)
}

/// A run created by the API and started by an acquisition: `QUEUED`, for
/// the nominal time `nominal`, with its parameters and its backfill.
pub fn queued_run(
    run_id: String,
    job: &JobKey,
    trigger: TriggerKey,
    nominal: DateTime<Utc>,
    parameters: Option<RunParameters>,
    backfill: Option<BackfillSlot>,
    now: DateTime<Utc>,
) -> RunRecord {
    RunRecord {
        run_id,
        job_key: job.clone(),
        trigger_key: trigger,
        scheduled_fire_time: nominal,
        actual_fire_time: now,
        application_id: None,
        tracking_url: None,
        state: RunState::Queued,
        final_status: None,
        created_at: now,
        updated_at: now,
        ended_at: None,
        submitted_at: None,
        running_at: None,
        error: None,
        parameters: parameters.filter(|p| !p.is_empty()),
        backfill,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("time")
    }

    fn cron(
        expr: &str,
        zone: &str,
        start: DateTime<Utc>,
        end: Option<DateTime<Utc>>,
    ) -> TriggerSchedule {
        TriggerSchedule::Cron {
            cron_expression: expr.parse().expect("a valid cron expression"),
            time_zone: zone.parse().expect("a known time zone"),
            start_time: start,
            end_time: end,
        }
    }

    #[test]
    fn the_window_is_inclusive_oldest_first_and_within_start_and_end() {
        let s = cron("0 0 2 * * ?", "UTC", utc(2026, 1, 1, 0, 0, 0), None);
        let times =
            fire_times(&s, utc(2026, 3, 1, 2, 0, 0), utc(2026, 3, 3, 2, 0, 0), 10).expect("ok");
        assert_eq!(
            times,
            [
                utc(2026, 3, 1, 2, 0, 0),
                utc(2026, 3, 2, 2, 0, 0),
                utc(2026, 3, 3, 2, 0, 0)
            ]
        );
        // A fractional start after the fire time excludes it.
        let from = utc(2026, 3, 1, 2, 0, 0) + Duration::milliseconds(1);
        let times = fire_times(&s, from, utc(2026, 3, 3, 1, 59, 59), 10).expect("ok");
        assert_eq!(times, [utc(2026, 3, 2, 2, 0, 0)]);
        // The trigger's start and end time bound the window.
        let s = cron(
            "0 0 2 * * ?",
            "UTC",
            utc(2026, 3, 2, 0, 0, 0),
            Some(utc(2026, 3, 4, 0, 0, 0)),
        );
        let times =
            fire_times(&s, utc(2026, 2, 1, 0, 0, 0), utc(2026, 4, 1, 0, 0, 0), 10).expect("ok");
        assert_eq!(times, [utc(2026, 3, 2, 2, 0, 0), utc(2026, 3, 3, 2, 0, 0)]);
        // An empty window is no fire time, not an error.
        let times =
            fire_times(&s, utc(2026, 3, 2, 3, 0, 0), utc(2026, 3, 2, 4, 0, 0), 10).expect("ok");
        assert!(times.is_empty());
    }

    #[test]
    fn zones_and_dst_are_the_schedules() {
        // 02:30 Europe/Berlin: on 2026-03-29 the clocks jump from 02:00 to
        // 03:00, and Quartz fires at the first valid time after the gap.
        let s = cron(
            "0 30 2 * * ?",
            "Europe/Berlin",
            utc(2026, 1, 1, 0, 0, 0),
            None,
        );
        let times =
            fire_times(&s, utc(2026, 3, 27, 0, 0, 0), utc(2026, 3, 31, 0, 0, 0), 10).expect("ok");
        let expected: Vec<DateTime<Utc>> = {
            let cron = CronExpression::parse("0 30 2 * * ?").expect("cron");
            let zone: chrono_tz::Tz = "Europe/Berlin".parse().expect("zone");
            cron.next_times(utc(2026, 3, 27, 0, 0, 0), zone, 10)
                .into_iter()
                .take_while(|t| *t <= utc(2026, 3, 31, 0, 0, 0))
                .collect()
        };
        assert_eq!(times, expected, "the schedule's own fire times");
        assert_eq!(
            times.first(),
            Some(&utc(2026, 3, 27, 1, 30, 0)),
            "CET: UTC+1"
        );
        assert_eq!(
            times.last(),
            Some(&utc(2026, 3, 30, 0, 30, 0)),
            "CEST: UTC+2"
        );
        assert!(
            times.windows(2).all(|w| w[0] < w[1]),
            "oldest first, no repeat"
        );
        // Hourly over the autumn change: the local day of 2026-10-25 has 25
        // hours, but Quartz fires the repeated 02:00 once (the second one,
        // 01:00 UTC, not 00:00 UTC): 24 fires, as the trigger makes them.
        let s = cron(
            "0 0 * * * ?",
            "Europe/Berlin",
            utc(2026, 1, 1, 0, 0, 0),
            None,
        );
        let day = fire_times(
            &s,
            utc(2026, 10, 24, 22, 0, 0),
            utc(2026, 10, 25, 22, 59, 59),
            100,
        )
        .expect("ok");
        assert_eq!(day.len(), 24, "{day:?}");
        assert!(
            !day.contains(&utc(2026, 10, 25, 0, 0, 0)) && day.contains(&utc(2026, 10, 25, 1, 0, 0))
        );
        assert_eq!(day[1] - day[0], Duration::hours(1));
        assert_eq!(
            day[2] - day[1],
            Duration::hours(2),
            "the repeated hour's first 02:00 is not a fire"
        );
        // Another zone, another instant for the same wall time.
        let ny = cron(
            "0 0 9 * * ?",
            "America/New_York",
            utc(2026, 1, 1, 0, 0, 0),
            None,
        );
        let t =
            fire_times(&ny, utc(2026, 7, 1, 0, 0, 0), utc(2026, 7, 1, 23, 0, 0), 5).expect("ok");
        assert_eq!(t, [utc(2026, 7, 1, 13, 0, 0)]);
    }

    #[test]
    fn a_window_beyond_the_bound_is_refused_with_the_count() {
        let s = cron("0 * * * * ?", "UTC", utc(2026, 1, 1, 0, 0, 0), None);
        let ok =
            fire_times(&s, utc(2026, 3, 1, 0, 0, 0), utc(2026, 3, 1, 0, 4, 0), 5).expect("five");
        assert_eq!(ok.len(), 5, "exactly the bound is fine");
        let e =
            fire_times(&s, utc(2026, 3, 1, 0, 0, 0), utc(2026, 3, 1, 0, 5, 0), 5).expect_err("six");
        assert!(
            e.problem.contains("holds 6 fire times") && e.problem.contains("the 5"),
            "{e}"
        );
        let every_second = cron("* * * * * ?", "UTC", utc(2000, 1, 1, 0, 0, 0), None);
        let e = fire_times(
            &every_second,
            utc(2020, 1, 1, 0, 0, 0),
            utc(2026, 1, 1, 0, 0, 0),
            10,
        )
        .expect_err("huge");
        assert!(
            e.problem.contains(&format!("at least {COUNT_LIMIT}")),
            "{e}"
        );
        let once = TriggerSchedule::Once {
            start_time: utc(2026, 1, 1, 0, 0, 0),
        };
        assert!(fire_times(&once, utc(2026, 1, 1, 0, 0, 0), utc(2026, 2, 1, 0, 0, 0), 5).is_err());
    }

    #[test]
    fn requests_are_checked_naming_the_field() {
        let now = utc(2026, 6, 1, 0, 0, 0);
        let req = |from, to, n| BackfillRequest {
            from,
            to,
            dry_run: false,
            max_parallel: n,
        };
        assert_eq!(req(utc(2026, 5, 1, 0, 0, 0), now, None).check(now), Ok(()));
        assert_eq!(
            req(now, now, Some(MAX_PARALLEL)).max_parallel(),
            MAX_PARALLEL
        );
        for (r, field) in [
            (req(now, utc(2026, 5, 1, 0, 0, 0), None), "from: "),
            (req(now, now + Duration::seconds(1), None), "to: "),
            (req(now, now, Some(0)), "maxParallel: "),
            (req(now, now, Some(MAX_PARALLEL + 1)), "maxParallel: "),
        ] {
            let e = r.check(now).expect_err(field);
            assert!(e.to_string().contains(field), "{field}: {e}");
        }
        let parsed: BackfillRequest = serde_json::from_str(
            r#"{"from":"2026-05-01T00:00:00Z","to":"2026-05-02T00:00:00+02:00","dryRun":true,"maxParallel":3}"#,
        )
        .expect("body");
        assert_eq!((parsed.dry_run, parsed.max_parallel()), (true, 3));
        assert_eq!(parsed.to, utc(2026, 5, 1, 22, 0, 0));
        assert!(
            serde_json::from_str::<BackfillRequest>(r#"{"from":"2026-05-01T00:00:00Z"}"#).is_err()
        );
    }
}
