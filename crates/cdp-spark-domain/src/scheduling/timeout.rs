//! A run's time limit (`jobConfig.maxDuration`), pure: whether a run is
//! past its deadline, and the run it leaves once its application was
//! killed for it (`TIMED_OUT`). The deadline is measured from the start of
//! the run's spark-submit (`actual_fire_time`), so that a run waiting for
//! a free submit slot is not charged for the wait, and a run still in
//! spark-submit at its deadline counts too (it is killed as soon as its
//! application id is known). The engine decides with these functions and
//! the launcher kills; the reason is [`super::reasons::timed_out`].

use chrono::{DateTime, Utc};

use crate::descriptor::MaxDuration;
use crate::model::{RunRecord, RunState};
use crate::ports::ApplicationState;

use super::reasons;

/// When a run limited to `max` must have ended: its start plus `max`.
pub fn deadline(run: &RunRecord, max: MaxDuration) -> DateTime<Utc> {
    run.actual_fire_time + max.as_chrono()
}

/// Whether the run, still going at `now`, ran past its limit (`None`: the
/// job has no limit). At the deadline itself it is overdue.
pub fn is_overdue(run: &RunRecord, max: Option<MaxDuration>, now: DateTime<Utc>) -> bool {
    max.is_some_and(|max| now >= deadline(run, max))
}

/// How long until the run is overdue, zero when it is (`None`: no limit).
pub fn remaining(
    run: &RunRecord,
    max: Option<MaxDuration>,
    now: DateTime<Utc>,
) -> Option<std::time::Duration> {
    let max = max?;
    Some((deadline(run, max) - now).to_std().unwrap_or_default())
}

/// The run whose application the scheduler killed at `killed_at` because
/// it ran past `max`, as the cluster manager reports its end (`None`: not
/// reported): `TIMED_OUT` at `now` with the reason, followed by the
/// cluster manager's report when it has one; `final_status` keeps its
/// word. An application that succeeded before the kill landed stays
/// `SUCCEEDED`: its work is done.
pub fn timed_out(
    run: &RunRecord,
    max: MaxDuration,
    killed_at: DateTime<Utc>,
    report: Option<&ApplicationState>,
    now: DateTime<Utc>,
) -> RunRecord {
    let reason = reasons::timed_out(max, run.actual_fire_time, killed_at);
    let ended = report.and_then(|state| super::outcome::ended(run, state, now));
    match ended {
        Some(r) if r.state == RunState::Succeeded => r,
        Some(mut r) => {
            let text = match r.error.take() {
                Some(report) => format!("{reason}; the cluster manager reports: {report}"),
                None => reason,
            };
            r.state = RunState::TimedOut;
            r.error = Some(text);
            r
        }
        None => {
            let mut r = run.clone();
            r.final_status = None;
            r.end(RunState::TimedOut, Some(reason), now);
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{JobKey, TriggerKey};

    fn at(m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 7, m, s)
            .single()
            .expect("valid")
    }

    fn run() -> RunRecord {
        RunRecord {
            run_id: "r1".into(),
            job_key: JobKey::new("dp", "job"),
            trigger_key: TriggerKey::new("dp", "jobTrigger"),
            scheduled_fire_time: at(0, 0),
            actual_fire_time: at(0, 10),
            application_id: Some("application_1_0001".into()),
            tracking_url: None,
            state: RunState::Running,
            final_status: None,
            created_at: at(0, 0),
            updated_at: at(0, 10),
            ended_at: None,
            submitted_at: None,
            running_at: None,
            error: None,
            parameters: None,
            backfill: None,
        }
    }

    fn max(text: &str) -> MaxDuration {
        MaxDuration::parse(text).expect("valid")
    }

    #[test]
    fn the_deadline_is_the_start_plus_the_limit() {
        let r = run();
        assert_eq!(
            deadline(&r, max("90m")),
            at(0, 10) + chrono::Duration::minutes(90)
        );
        #[rustfmt::skip]
        let cases = [
            (None, at(59, 59), false, None),
            (Some(max("5m")), at(5, 9), false, Some(1)),
            (Some(max("5m")), at(5, 10), true, Some(0)),
            (Some(max("5m")), at(5, 11), true, Some(0)),
            (Some(max("PT5M")), at(59, 0), true, Some(0)),
            (Some(max("1h")), at(59, 59), false, Some(11)),
            // A clock behind the start: the whole limit is left.
            (Some(max("45s")), at(0, 0), false, Some(55)),
        ];
        for (limit, now, overdue, left) in cases {
            assert_eq!(is_overdue(&r, limit, now), overdue, "{limit:?} at {now}");
            assert_eq!(
                remaining(&r, limit, now).map(|d| d.as_secs()),
                left,
                "{limit:?} at {now}"
            );
        }
    }

    #[test]
    fn a_killed_run_ends_timed_out_with_the_reason() {
        let r = run();
        let reason = "ran longer than its maxDuration 5m (started 2026-12-02T07:00:10Z, killed at 2026-12-02T07:05:12Z); raise jobConfig.maxDuration if the job needs longer";
        let now = at(5, 20);
        let killed = ApplicationState::Killed {
            diagnostics: "Application killed by user.".into(),
        };
        let failed = ApplicationState::Failed {
            diagnostics: String::new(),
        };
        #[rustfmt::skip]
        let cases: Vec<(Option<ApplicationState>, RunState, Option<&str>, String)> = vec![
            (None, RunState::TimedOut, None, reason.to_string()),
            (Some(ApplicationState::Running { tracking_url: None, started: true }), RunState::TimedOut, None, reason.to_string()),
            (Some(killed), RunState::TimedOut, Some("KILLED"), format!("{reason}; the cluster manager reports: Application killed by user.")),
            (Some(failed), RunState::TimedOut, Some("FAILED"), reason.to_string()),
            (Some(ApplicationState::Unknown { detail: "gone".into() }), RunState::TimedOut, Some("UNKNOWN"), format!("{reason}; the cluster manager reports: the cluster manager no longer knows application application_1_0001: gone")),
        ];
        for (report, state, status, error) in cases {
            let got = timed_out(&r, max("5m"), at(5, 12), report.as_ref(), now);
            assert_eq!(got.state, state, "{report:?}");
            assert_eq!(got.final_status.as_deref(), status, "{report:?}");
            assert_eq!(got.error.as_deref(), Some(error.as_str()), "{report:?}");
            assert_eq!(got.ended_at, Some(now));
            assert!(got.state.is_final());
        }
        let won = timed_out(
            &r,
            max("5m"),
            at(5, 12),
            Some(&ApplicationState::Succeeded),
            now,
        );
        assert_eq!((won.state, won.error), (RunState::Succeeded, None));
    }
}
