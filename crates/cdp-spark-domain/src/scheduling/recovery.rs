//! What a check-in does with the fires of stopped instances, decided here
//! and written by the job store inside the same transaction.
//!
//! The store records its own check-in, reads every instance's last
//! check-in and every `QRTZ_FIRED_TRIGGERS` row, and asks [`find_orphans`]
//! which rows need a new owner. When there are any, it reads their runs
//! and the jobs of the acquired ones that still exist, and calls
//! [`plan_recovery`], whose plan says what becomes of each row and which
//! check-in rows to forget.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};

use crate::model::{JobDefinition, JobKey, RunRecord, RunState, TriggerKey, TriggerState};
use crate::ports::{Fire, Recovery};

use super::{reasons, FiredState};

/// An instance's row in `QRTZ_SCHEDULER_STATE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceCheckIn {
    pub name: String,
    pub last_check_in: DateTime<Utc>,
}

/// A `QRTZ_FIRED_TRIGGERS` row as read: whose it is and how far it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredEntry {
    /// `ENTRY_ID`: the id of the fire's run.
    pub entry_id: String,
    pub instance: String,
    pub state: FiredState,
}

/// The circumstances of one check-in.
#[derive(Debug, Clone, Copy)]
pub struct RecoveryContext<'a> {
    /// The checking-in instance.
    pub me: &'a str,
    /// The database's clock.
    pub now: DateTime<Utc>,
    /// Another instance whose last check-in is older than this is dead.
    pub dead_after: Duration,
    /// This instance's own fired rows are recovered too (it has just
    /// started, so nothing it acquired before is still being worked on).
    pub recover_self: bool,
}

/// The fired rows that need a new owner, and whose instances they were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Orphans {
    /// Instances whose check-in is overdue: their check-in rows go.
    pub dead: Vec<String>,
    /// The dead instances and every other instance owning an orphaned row
    /// (one without a check-in row), sorted: the instances reported dead.
    pub gone: Vec<String>,
    /// Orphaned rows still `ACQUIRED` (never launched), in the order read.
    pub acquired: Vec<String>,
    /// Orphaned rows launched (`EXECUTING`), in the order read.
    pub executing: Vec<String>,
}

impl Orphans {
    /// Nothing to recover: no instance is gone and no row is orphaned.
    pub fn is_empty(&self) -> bool {
        self.gone.is_empty() && self.acquired.is_empty() && self.executing.is_empty()
    }

    /// The entry ids (= run ids) whose runs [`plan_recovery`] needs: the
    /// acquired ones, then the executing ones.
    pub fn entry_ids(&self) -> impl Iterator<Item = &String> {
        self.acquired.iter().chain(&self.executing)
    }
}

/// Which instances are dead and which fired rows are orphaned. Another
/// instance is dead when its last check-in (to the millisecond) is older
/// than `now - dead_after`; the checking-in instance never is. A row is
/// orphaned when its instance is dead, has no check-in row at all, or is
/// this instance recovering its own (`recover_self`).
pub fn find_orphans(
    instances: &[InstanceCheckIn],
    fired: &[FiredEntry],
    ctx: &RecoveryContext<'_>,
) -> Orphans {
    let me = ctx.me;
    let deadline = (ctx.now - ctx.dead_after).timestamp_millis();
    let mut dead: BTreeSet<&str> = BTreeSet::new();
    let mut live: HashSet<&str> = HashSet::new();
    for i in instances {
        if i.name != me && i.last_check_in.timestamp_millis() < deadline {
            dead.insert(&i.name);
        } else {
            live.insert(&i.name);
        }
    }
    let orphaned = |name: &str| {
        dead.contains(name)
            || (name == me && ctx.recover_self)
            || (name != me && !live.contains(name))
    };
    let mut gone: BTreeSet<&str> = dead.clone();
    let mut out = Orphans::default();
    for f in fired {
        if !orphaned(&f.instance) {
            continue;
        }
        if f.instance != me {
            gone.insert(&f.instance);
        }
        match f.state {
            FiredState::Acquired => out.acquired.push(f.entry_id.clone()),
            FiredState::Executing => out.executing.push(f.entry_id.clone()),
        }
    }
    out.dead = dead.into_iter().map(str::to_string).collect();
    out.gone = gone.into_iter().map(str::to_string).collect();
    out
}

/// Why an orphaned row is deleted without anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Its run does not exist.
    NoRun,
    /// Its run already ended.
    RunEnded,
}

/// What becomes of an orphaned fired row.
// Most orphaned rows are refired or carry a run: boxing would only add an
// allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAction {
    /// Acquired, never launched, its job still there: the row becomes this
    /// instance's (`ACQUIRED`), which claims and launches the fire.
    Refire(Fire),
    /// Launched with an application id: the row becomes this instance's
    /// (`EXECUTING`), which follows the application.
    Reattach,
    /// Launched, still `SUBMITTING` without an application id (its
    /// spark-submit may or may not have reached the cluster manager): the
    /// row becomes this instance's (`EXECUTING`), which looks the run up.
    LookUp(RunRecord),
    /// Given up: the run, ended `LOST` now with the reason in its `error`,
    /// is saved and the row deleted.
    Lost(RunRecord),
    /// The row is deleted.
    Drop(DropReason),
}

/// An orphaned row's [`RowAction`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRecovery {
    pub entry_id: String,
    pub action: RowAction,
}

/// Everything one check-in's recovery writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryPlan {
    /// Instances reported dead ([`Orphans::gone`]).
    pub dead_instances: Vec<String>,
    /// Check-in rows to delete ([`Orphans::dead`]).
    pub forget: Vec<String>,
    /// One action per orphaned row: the acquired rows (in the order of
    /// their runs, then those without one), then the executing rows (the
    /// same way).
    pub rows: Vec<RowRecovery>,
}

impl RecoveryPlan {
    /// Rows that become this instance's in `state`.
    pub fn rows_to_me(&self, state: FiredState) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| {
                matches!(
                    (&r.action, state),
                    (RowAction::Refire(_), FiredState::Acquired)
                        | (
                            RowAction::Reattach | RowAction::LookUp(_),
                            FiredState::Executing
                        )
                )
            })
            .map(|r| r.entry_id.clone())
            .collect()
    }

    /// Runs to save (ended `LOST`).
    pub fn ended_runs(&self) -> Vec<RunRecord> {
        self.rows
            .iter()
            .filter_map(|r| match &r.action {
                RowAction::Lost(run) => Some(run.clone()),
                _ => None,
            })
            .collect()
    }

    /// Rows to delete.
    pub fn rows_to_delete(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| matches!(r.action, RowAction::Lost(_) | RowAction::Drop(_)))
            .map(|r| r.entry_id.clone())
            .collect()
    }

    /// What the scheduler engine is told.
    pub fn into_recovery(self) -> Recovery {
        let mut out = Recovery {
            dead_instances: self.dead_instances,
            ..Recovery::default()
        };
        for r in self.rows {
            match r.action {
                RowAction::Refire(fire) => out.refire.push(fire),
                RowAction::Reattach => out.reattached.push(r.entry_id),
                RowAction::LookUp(run) => out.unresolved.push(run),
                RowAction::Lost(run) => out.lost.push(run.run_id),
                RowAction::Drop(_) => {}
            }
        }
        out
    }
}

/// The plan for the `orphans`, given their `runs` (any of them may be
/// missing; runs of other rows are ignored) and the `jobs` of the acquired
/// ones that still exist.
///
/// - An acquired row whose job still exists is refired by this instance;
///   one whose job was unprovisioned is `LOST`
///   ([`reasons::lost_job_unprovisioned`]).
/// - An executing row whose run ended is dropped; one whose run has an
///   application id is re-attached; one still `SUBMITTING` without an id
///   is looked up; any other is `LOST`
///   ([`reasons::lost_without_application`]).
/// - A row without a run is dropped.
pub fn plan_recovery(
    orphans: &Orphans,
    runs: Vec<RunRecord>,
    jobs: Vec<JobDefinition>,
    now: DateTime<Utc>,
) -> RecoveryPlan {
    let jobs: HashMap<JobKey, JobDefinition> =
        jobs.into_iter().map(|j| (j.key.clone(), j)).collect();
    let acquired: HashSet<&str> = orphans.acquired.iter().map(String::as_str).collect();
    let executing: HashSet<&str> = orphans.executing.iter().map(String::as_str).collect();
    let (mut first, mut then): (Vec<RunRecord>, Vec<RunRecord>) = (Vec::new(), Vec::new());
    for run in runs {
        if acquired.contains(run.run_id.as_str()) {
            first.push(run);
        } else if executing.contains(run.run_id.as_str()) {
            then.push(run);
        }
    }
    let mut rows = Vec::with_capacity(orphans.acquired.len() + orphans.executing.len());
    let mut known: HashSet<String> = HashSet::new();
    for run in first {
        known.insert(run.run_id.clone());
        let entry_id = run.run_id.clone();
        let action = match jobs.get(&run.job_key) {
            Some(job) => RowAction::Refire(Fire {
                run,
                job: job.clone(),
                replace: Vec::new(),
            }),
            None => {
                let reason = reasons::lost_job_unprovisioned(&run.job_key);
                RowAction::Lost(lost(run, reason, now))
            }
        };
        rows.push(RowRecovery { entry_id, action });
    }
    dropped(&orphans.acquired, &known, &mut rows);
    for run in then {
        known.insert(run.run_id.clone());
        let entry_id = run.run_id.clone();
        let action = if run.state.is_final() {
            RowAction::Drop(DropReason::RunEnded)
        } else if run.application_id.is_some() {
            RowAction::Reattach
        } else if run.state == RunState::Submitting {
            RowAction::LookUp(run)
        } else {
            let reason = reasons::lost_without_application(run.state);
            RowAction::Lost(lost(run, reason, now))
        };
        rows.push(RowRecovery { entry_id, action });
    }
    dropped(&orphans.executing, &known, &mut rows);
    RecoveryPlan {
        dead_instances: orphans.gone.clone(),
        forget: orphans.dead.clone(),
        rows,
    }
}

fn lost(mut run: RunRecord, reason: String, now: DateTime<Utc>) -> RunRecord {
    run.end(RunState::Lost, Some(reason), now);
    run
}

/// The rows among `ids` without a run.
fn dropped(ids: &[String], known: &HashSet<String>, rows: &mut Vec<RowRecovery>) {
    rows.extend(
        ids.iter()
            .filter(|id| !known.contains(*id))
            .map(|id| RowRecovery {
                entry_id: id.clone(),
                action: RowAction::Drop(DropReason::NoRun),
            }),
    );
}

// ------------------------------------------------------ stuck triggers ---

/// Trigger states only a firing Quartz instance puts a trigger in, and
/// takes it out of when the fire ends. This engine never leaves a trigger
/// in one (it moves a trigger on in the transaction that fires it), so a
/// trigger found in one that no live instance's fired row names was left by
/// an instance that died mid-fire: nothing would ever fire it again.
pub const STUCK_STATES: [TriggerState; 4] = [
    TriggerState::Acquired,
    TriggerState::Executing,
    TriggerState::Blocked,
    TriggerState::PausedBlocked,
];

/// A trigger read in one of [`STUCK_STATES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StuckTrigger {
    pub key: TriggerKey,
    pub state: TriggerState,
    pub next_fire_time: Option<DateTime<Utc>>,
}

/// A repair recovery made to a stuck trigger: what the store writes (the
/// state) and keeps as the record (the trigger's `DESCRIPTION`, see
/// [`TriggerRepair::note`]; the last repair of a trigger is kept, and a
/// re-provision, which rewrites the trigger, clears it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerRepair {
    pub trigger: TriggerKey,
    pub state_before: TriggerState,
    /// `WAITING`, or `PAUSED` for `PAUSED_BLOCKED`.
    pub state_after: TriggerState,
    /// The fire time it was stuck at (its next fire time when repaired).
    pub stuck_since: DateTime<Utc>,
    pub repaired_at: DateTime<Utc>,
}

const NOTE_TAG: &str = "cdp-repair;v1";

impl TriggerRepair {
    /// The record as the trigger's `DESCRIPTION` holds it (under 250
    /// characters): machine-readable fields, then a sentence for people.
    pub fn note(&self) -> String {
        format!(
            "{NOTE_TAG};before={};since={};at={}; {}",
            self.state_before.as_quartz(),
            self.stuck_since.timestamp_millis(),
            self.repaired_at.timestamp_millis(),
            reasons::trigger_repaired(self.state_before.as_quartz())
        )
    }

    /// The record a `DESCRIPTION` holds, `None` when it holds none.
    pub fn from_note(trigger: TriggerKey, note: &str) -> Option<Self> {
        let rest = note.strip_prefix(NOTE_TAG)?.strip_prefix(';')?;
        let mut fields = rest.splitn(4, ';');
        let before = TriggerState::from_quartz(fields.next()?.strip_prefix("before=")?)?;
        let millis = |f: Option<&str>, name: &str| {
            f?.strip_prefix(name)?
                .parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_millis)
        };
        let stuck_since = millis(fields.next(), "since=")?;
        let repaired_at = millis(fields.next(), "at=")?;
        Some(TriggerRepair {
            trigger,
            state_before: before,
            state_after: repaired_state(before),
            stuck_since,
            repaired_at,
        })
    }
}

fn repaired_state(before: TriggerState) -> TriggerState {
    if before == TriggerState::PausedBlocked {
        TriggerState::Paused
    } else {
        TriggerState::Waiting
    }
}

/// The repairs of the `stuck` triggers that no fired row names (`owned`:
/// the triggers of the fired rows left after this check-in's recovery, all
/// of live instances): each goes back to `WAITING` (`PAUSED` when it was
/// `PAUSED_BLOCKED`), keeping its next fire time, so that the next
/// acquisition fires it, through its misfire instruction when it is late.
pub fn plan_trigger_repairs(
    stuck: Vec<StuckTrigger>,
    owned: &HashSet<TriggerKey>,
    now: DateTime<Utc>,
) -> Vec<TriggerRepair> {
    stuck
        .into_iter()
        .filter(|t| STUCK_STATES.contains(&t.state) && !owned.contains(&t.key))
        .map(|t| TriggerRepair {
            state_after: repaired_state(t.state),
            state_before: t.state,
            stuck_since: t.next_fire_time.unwrap_or(now).min(now),
            repaired_at: now,
            trigger: t.key,
        })
        .collect()
}
