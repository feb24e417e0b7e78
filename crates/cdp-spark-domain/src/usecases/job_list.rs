//! The jobs listing and a job's schedule, for the web console and the
//! command-line client: every job with its schedule in words, next fire
//! time, pause, latest state, whether it is failing or late, and its last
//! runs as cells with durations.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::errors::UseCaseError;
use super::{Provisioner, NEXT_FIRE_TIMES_SHOWN};
use crate::api::{JobScheduleView, JobSummaryView, JobsPage, RunCellView, ScheduleSummary};
use crate::model::{
    JobKey, JobLatest, JobView, RunRecord, RunState, TriggerDefinition, TriggerSchedule,
    TriggerState,
};

/// Jobs per page unless the filter says otherwise.
pub const DEFAULT_JOBS_PAGE: u64 = 200;
/// Most jobs per page.
pub const MAX_JOBS_PAGE: u64 = 1000;
/// Runs per job in the listing unless asked otherwise.
pub const DEFAULT_RUN_CELLS: u64 = 10;
/// Most runs per job in the listing.
pub const MAX_RUN_CELLS: u64 = 50;

/// How long after a fire time a trigger that has not fired counts as late.
pub const LATE_AFTER: Duration = Duration::seconds(120);

/// Which jobs the listing keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobListState {
    /// The latest run is in this state.
    Run(RunState),
    /// The latest run failed (any failed end: failed, killed, lost, timed out).
    Failing,
    /// A scheduled fire time passed without a run.
    Late,
    /// A trigger of the job is paused.
    Paused,
    /// No run yet.
    NeverRun,
}

impl JobListState {
    /// The names the API accepts besides the run states.
    pub const VIEWS: [&'static str; 4] = ["FAILING", "LATE", "PAUSED", "NEVER_RUN"];

    /// A run state or one of [`Self::VIEWS`], any case.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        if let Some(state) = RunState::parse(t) {
            return Some(Self::Run(state));
        }
        match t.to_ascii_uppercase().as_str() {
            "FAILING" => Some(Self::Failing),
            "LATE" => Some(Self::Late),
            "PAUSED" => Some(Self::Paused),
            "NEVER_RUN" => Some(Self::NeverRun),
            _ => None,
        }
    }

    /// Whether a job with these facts is kept.
    fn keeps(self, status: Option<RunState>, paused: bool, late: bool) -> bool {
        match self {
            Self::Run(state) => status == Some(state),
            Self::Failing => status.is_some_and(is_failure),
            Self::Late => late,
            Self::Paused => paused,
            Self::NeverRun => status.is_none(),
        }
    }
}

/// The listing's filter and page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobListFilter {
    /// Only jobs of this data product (the job group).
    pub data_product: Option<String>,
    pub state: Option<JobListState>,
    pub offset: u64,
    pub limit: u64,
    /// Runs per job.
    pub runs: u64,
}

impl Default for JobListFilter {
    fn default() -> Self {
        Self {
            data_product: None,
            state: None,
            offset: 0,
            limit: DEFAULT_JOBS_PAGE,
            runs: DEFAULT_RUN_CELLS,
        }
    }
}

/// Whether a run in this state ended badly: every final state but
/// succeeded and skipped, so that a final state added later (timed out)
/// counts as failing and an unfinished one (queued) does not.
pub fn is_failure(state: RunState) -> bool {
    state.is_final() && !matches!(state, RunState::Succeeded | RunState::Skipped)
}

/// The run as a cell: a duration that is never negative, to now while it
/// runs.
pub fn run_cell(run: &RunRecord, now: DateTime<Utc>) -> RunCellView {
    let end = match run.ended_at {
        Some(end) => Some(end),
        None if !run.state.is_final() => Some(now),
        None => None,
    };
    RunCellView {
        run_id: run.run_id.clone(),
        state: run.state,
        scheduled_fire_time: run.scheduled_fire_time,
        actual_fire_time: run.actual_fire_time,
        ended_at: run.ended_at,
        duration_ms: end.map(|e| (e - run.actual_fire_time).num_milliseconds().max(0)),
    }
}

fn is_paused(t: &TriggerDefinition) -> bool {
    matches!(t.state, TriggerState::Paused | TriggerState::PausedBlocked)
}

/// The job's scheduled (cron) trigger, in words.
fn schedule_of(triggers: &[TriggerDefinition]) -> Option<(&TriggerDefinition, ScheduleSummary)> {
    triggers.iter().find_map(|t| match &t.schedule {
        TriggerSchedule::Cron {
            cron_expression,
            time_zone,
            ..
        } => Some((
            t,
            ScheduleSummary {
                cron_expression: cron_expression.as_str().to_string(),
                time_zone: time_zone.name().to_string(),
                description: cron_expression.describe(),
            },
        )),
        TriggerSchedule::Once { .. } => None,
    })
}

/// Why the job's scheduled trigger is late, if it is: its next fire time
/// passed more than [`LATE_AFTER`] ago without firing, or it fired more
/// than that ago and `ran(previous fire time)` says no run of that fire
/// time is recorded (`Some(false)`; `None`: not known).
fn late_by(
    trigger: &TriggerDefinition,
    now: DateTime<Utc>,
    ran: impl FnOnce(DateTime<Utc>) -> Option<bool>,
) -> Option<String> {
    if is_paused(trigger) || matches!(trigger.state, TriggerState::Complete) {
        return None;
    }
    if let Some(next) = trigger.next_fire_time.filter(|n| *n + LATE_AFTER < now) {
        return Some(format!(
            "fire time {} passed {} minutes ago and the trigger has not fired (is a scheduler running on this database?)",
            next.to_rfc3339(),
            (now - next).num_minutes()
        ));
    }
    let previous = trigger
        .previous_fire_time
        .filter(|p| *p + LATE_AFTER < now)?;
    (ran(previous) == Some(false)).then(|| {
        format!(
            "the trigger fired at {} but no run of that fire time is recorded",
            previous.to_rfc3339()
        )
    })
}

/// Why the job's scheduled trigger is late, judged from the runs shown
/// (newest first): when the oldest one shown is older than the previous
/// fire time, every run since is shown; otherwise nothing is known.
pub fn late_reason(
    trigger: &TriggerDefinition,
    runs: &[RunRecord],
    now: DateTime<Utc>,
) -> Option<String> {
    late_by(trigger, now, |previous| {
        let ran = runs
            .iter()
            .any(|r| r.trigger_key == trigger.key && r.scheduled_fire_time >= previous);
        let window_covers = runs.last().is_none_or(|r| r.actual_fire_time < previous);
        (ran || window_covers).then_some(ran)
    })
}

/// Why the job's scheduled trigger is late, judged from the store's fact:
/// whether a run of the trigger for its previous fire time (or later) is
/// recorded ([`JobLatest::ran_since_previous`]).
pub fn late_reason_known(
    trigger: &TriggerDefinition,
    ran_since_previous: bool,
    now: DateTime<Utc>,
) -> Option<String> {
    late_by(trigger, now, |_| Some(ran_since_previous))
}

/// The late reason of the job the store describes, if it is late.
fn late_of(job: &JobLatest, now: DateTime<Utc>) -> Option<String> {
    schedule_of(&job.triggers)
        .and_then(|(t, _)| late_reason_known(t, job.ran_since_previous.contains(&t.key), now))
}

/// One job of the listing from its view.
pub fn job_summary(view: &JobView, now: DateTime<Utc>) -> JobSummaryView {
    let scheduled = schedule_of(&view.triggers);
    let late_reason = scheduled
        .as_ref()
        .and_then(|(t, _)| late_reason(t, &view.last_runs, now));
    let status = view.last_runs.first().map(|r| r.state);
    JobSummaryView {
        key: view.job.key.clone(),
        data_product: view.job.key.group.clone(),
        component_id: view.job.component_id.clone(),
        schedule: scheduled.map(|(_, s)| s),
        next_fire_time: view
            .triggers
            .iter()
            .filter(|t| !is_paused(t))
            .filter_map(|t| t.next_fire_time)
            .min(),
        paused: view.triggers.iter().any(is_paused),
        status,
        failing: status.is_some_and(is_failure),
        late: late_reason.is_some(),
        late_reason,
        last_runs: view.last_runs.iter().map(|r| run_cell(r, now)).collect(),
    }
}

impl Provisioner {
    /// The jobs listing: every job of the filter's data product, in key
    /// order, kept by the filter's state, one page of them. The store reads
    /// first what the filter looks at of every job (latest run's state,
    /// triggers, whether the scheduled fire ran: no runs), then the page's
    /// jobs with their last runs only. "Late" is the first read's (exact,
    /// whatever the runs shown).
    pub async fn job_list(&self, filter: &JobListFilter) -> Result<JobsPage, UseCaseError> {
        let now = self.validator().clock().now();
        let runs = filter.runs.clamp(1, MAX_RUN_CELLS);
        let limit = filter.limit.clamp(1, MAX_JOBS_PAGE);
        let latest = self.store().job_latest(filter.data_product.clone()).await?;
        let kept: Vec<(JobKey, Option<String>)> = latest
            .into_iter()
            .filter_map(|job| {
                let late = late_of(&job, now);
                let paused = job.triggers.iter().any(is_paused);
                filter
                    .state
                    .is_none_or(|s| s.keeps(job.latest_state, paused, late.is_some()))
                    .then_some((job.key, late))
            })
            .collect();
        let total = kept.len() as u64;
        let page: Vec<(JobKey, Option<String>)> = kept
            .into_iter()
            .skip(usize::try_from(filter.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        let keys: Vec<JobKey> = page.iter().map(|(k, _)| k.clone()).collect();
        let mut late_of_page: HashMap<JobKey, Option<String>> = page.into_iter().collect();
        let views = self.store().job_views_of(keys, runs).await?;
        let jobs: Vec<JobSummaryView> = views
            .into_iter()
            .map(|mut v| {
                let late = late_of_page.remove(&v.job.key).flatten();
                v.last_runs = v
                    .last_runs
                    .into_iter()
                    .map(|r| self.redactor().run(r))
                    .collect();
                let mut summary = job_summary(&v, now);
                summary.late = late.is_some();
                summary.late_reason = late;
                summary
            })
            .collect();
        let end = filter.offset.saturating_add(jobs.len() as u64);
        Ok(JobsPage {
            jobs,
            total,
            offset: filter.offset,
            limit,
            next_offset: (end < total).then_some(end),
        })
    }

    /// The job's schedule in words and its next fire times after now (at
    /// most [`NEXT_FIRE_TIMES_SHOWN`], none after the trigger's end).
    pub async fn job_schedule(&self, key: &JobKey) -> Result<JobScheduleView, UseCaseError> {
        let now = self.validator().clock().now();
        if self.store().get_job(key).await?.is_none() {
            return Err(UseCaseError::NotFound(format!(
                "no job {key} is provisioned"
            )));
        }
        let triggers = self.store().triggers_of_job(key).await?;
        let scheduled = schedule_of(&triggers);
        let next_fire_times = match scheduled.as_ref().map(|(t, _)| &t.schedule) {
            Some(TriggerSchedule::Cron {
                cron_expression,
                time_zone,
                start_time,
                end_time,
            }) => {
                let after = (*start_time - Duration::seconds(1)).max(now);
                cron_expression
                    .next_times(after, *time_zone, NEXT_FIRE_TIMES_SHOWN)
                    .into_iter()
                    .filter(|t| end_time.is_none_or(|end| *t <= end))
                    .collect()
            }
            _ => Vec::new(),
        };
        Ok(JobScheduleView {
            key: key.clone(),
            schedule: scheduled.map(|(_, s)| s),
            paused: triggers.iter().any(is_paused),
            next_fire_times,
        })
    }
}
