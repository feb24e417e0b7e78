//! Rows read back into the domain model, and the domain's values as column
//! values. Times are epoch milliseconds, as Quartz keeps them; Quartz writes
//! `-1` for "no next/previous fire time" and `0` for "no end time".

use cdp_spark_domain::api::Status;
use cdp_spark_domain::model::{
    BackfillSlot, JobDefinition, JobKey, MisfireInstruction, OperationKind, OperationRecord,
    RunRecord, RunState, TriggerDefinition, TriggerKey, TriggerSchedule, TriggerState,
};
use cdp_spark_domain::scheduling::decode_cron_schedule;
use cdp_spark_domain::scheduling::run_parameters::RunParameters;
use chrono::{DateTime, Utc};
use tracing::warn;

use crate::error::DbError;
use crate::job_data::{decode_job_data_with_policy, JOB_CLASS_NAME};
use crate::sql::{JobRow, OperationRow, RunRow, TriggerRow};

/// Quartz `TRIGGER_TYPE` of cron triggers.
pub const TYPE_CRON: &str = "CRON";
/// Quartz `TRIGGER_TYPE` of simple triggers (our one-shots).
pub const TYPE_SIMPLE: &str = "SIMPLE";

pub(crate) fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// Quartz's encoding of an optional fire time: `-1` for none.
pub(crate) fn fire_millis(t: Option<DateTime<Utc>>) -> i64 {
    t.map(millis).unwrap_or(-1)
}

fn instant(ms: i64, what: impl FnOnce() -> String) -> Result<DateTime<Utc>, DbError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| DbError::corrupt(format!("{} holds {ms}, not a time", what())))
}

/// A stored optional time: `NULL` or a value ≤ 0 is none (Quartz's reading).
fn optional_instant(
    ms: Option<i64>,
    what: impl FnOnce() -> String,
) -> Result<Option<DateTime<Utc>>, DbError> {
    match ms {
        Some(ms) if ms > 0 => instant(ms, what).map(Some),
        _ => Ok(None),
    }
}

/// Quartz's boolean columns (`VARCHAR(1)`): JDBC `setBoolean` stores `1`/`0`.
pub(crate) fn bool_text(value: bool) -> &'static str {
    if value {
        "1"
    } else {
        "0"
    }
}

fn parse_bool(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "1" | "y" | "t" | "true" | "yes"
    )
}

pub(crate) fn job_from_row(row: JobRow) -> Result<JobDefinition, DbError> {
    let key = JobKey::new(row.job_group, row.job_name);
    if row.job_class_name != JOB_CLASS_NAME {
        return Err(DbError::corrupt(format!(
            "job {key} has JOB_CLASS_NAME {}, not {JOB_CLASS_NAME}: it was not provisioned by this provisioner",
            row.job_class_name
        )));
    }
    let (component_id, spec, run_policy) =
        decode_job_data_with_policy(&key, row.job_data.as_deref())
            .map_err(|e| DbError::corrupt(e.to_string()))?;
    Ok(JobDefinition {
        key,
        component_id,
        description: row.description,
        spec,
        non_concurrent: parse_bool(&row.is_nonconcurrent),
        run_policy,
    })
}

pub(crate) fn trigger_from_row(row: TriggerRow) -> Result<TriggerDefinition, DbError> {
    let key = TriggerKey::new(row.trigger_group, row.trigger_name);
    let job_key = JobKey::new(row.job_group, row.job_name);
    let start_time = instant(row.start_time, || format!("START_TIME of trigger {key}"))?;
    let schedule = match row.trigger_type.as_str() {
        TYPE_CRON => {
            let cron_expression = row.cron_expression.ok_or_else(|| {
                DbError::corrupt(format!(
                    "cron trigger {key} has no row in the CRON_TRIGGERS table"
                ))
            })?;
            let time_zone = row.time_zone_id.ok_or_else(|| {
                DbError::corrupt(format!("cron trigger {key} has no TIME_ZONE_ID"))
            })?;
            decode_cron_schedule(
                &key,
                &cron_expression,
                &time_zone,
                start_time,
                optional_instant(row.end_time, || format!("END_TIME of trigger {key}"))?,
            )
            .map_err(DbError::Schedule)?
        }
        TYPE_SIMPLE => match row.repeat_count {
            Some(0) => TriggerSchedule::Once { start_time },
            Some(n) => {
                return Err(DbError::corrupt(format!(
                    "simple trigger {key} repeats {n} times; this provisioner only reads one-shot simple triggers (REPEAT_COUNT 0)"
                )))
            }
            None => {
                return Err(DbError::corrupt(format!(
                    "simple trigger {key} has no row in the SIMPLE_TRIGGERS table"
                )))
            }
        },
        other => {
            return Err(DbError::corrupt(format!(
                "trigger {key} is of Quartz type {other}; this provisioner reads CRON and SIMPLE triggers only"
            )))
        }
    };
    let state = TriggerState::from_quartz(&row.trigger_state).ok_or_else(|| {
        DbError::corrupt(format!(
            "trigger {key} has the unknown TRIGGER_STATE '{}'",
            row.trigger_state
        ))
    })?;
    let code = row.misfire_instr.map(i32::from).unwrap_or(0);
    let misfire_instruction = MisfireInstruction::from_quartz_code(code).unwrap_or_else(|| {
        warn!(trigger = %key, code, "misfire instruction not modelled; read as the smart policy");
        MisfireInstruction::SmartPolicy
    });
    Ok(TriggerDefinition {
        next_fire_time: optional_instant(row.next_fire_time, || {
            format!("NEXT_FIRE_TIME of trigger {key}")
        })?,
        previous_fire_time: optional_instant(row.prev_fire_time, || {
            format!("PREV_FIRE_TIME of trigger {key}")
        })?,
        key,
        job_key,
        schedule,
        state,
        misfire_instruction,
        priority: row.priority.unwrap_or(5),
    })
}

pub(crate) fn run_from_row(row: RunRow) -> Result<RunRecord, DbError> {
    let id = row.run_id;
    let state = RunState::parse(&row.state).ok_or_else(|| {
        DbError::corrupt(format!("run {id} has the unknown state '{}'", row.state))
    })?;
    Ok(RunRecord {
        job_key: JobKey::new(row.job_group, row.job_name),
        trigger_key: TriggerKey::new(row.trigger_group, row.trigger_name),
        scheduled_fire_time: instant(row.scheduled_fire_time, || {
            format!("SCHEDULED_FIRE_TIME of run {id}")
        })?,
        actual_fire_time: instant(row.actual_fire_time, || {
            format!("ACTUAL_FIRE_TIME of run {id}")
        })?,
        application_id: row.application_id,
        tracking_url: row.tracking_url,
        state,
        final_status: row.final_status,
        created_at: instant(row.created_at, || format!("CREATED_AT of run {id}"))?,
        updated_at: instant(row.updated_at, || format!("UPDATED_AT of run {id}"))?,
        ended_at: match row.ended_at {
            Some(ms) => Some(instant(ms, || format!("ENDED_AT of run {id}"))?),
            None => None,
        },
        submitted_at: optional_instant(row.submitted_at, || format!("SUBMITTED_AT of run {id}"))?,
        running_at: optional_instant(row.running_at, || format!("RUNNING_AT of run {id}"))?,
        error: row.error_text,
        parameters: match row.parameters {
            Some(text) => Some(
                RunParameters::from_stored(&text)
                    .map_err(|e| DbError::corrupt(format!("PARAMETERS of run {id}: {e}")))?,
            ),
            None => None,
        },
        backfill: match (row.backfill_id, row.backfill_max_parallel) {
            (Some(bid), Some(n)) => Some(BackfillSlot {
                id: bid,
                max_parallel: u32::try_from(n).map_err(|_| {
                    DbError::corrupt(format!("BACKFILL_MAX_PARALLEL of run {id} is {n}"))
                })?,
            }),
            (None, None) => None,
            _ => {
                return Err(DbError::corrupt(format!(
                    "run {id} has only one of BACKFILL_ID and BACKFILL_MAX_PARALLEL"
                )))
            }
        },
        run_id: id,
    })
}

pub(crate) fn status_text(status: Status) -> &'static str {
    match status {
        Status::Running => "RUNNING",
        Status::Completed => "COMPLETED",
        Status::Failed => "FAILED",
    }
}

fn parse_status(text: &str) -> Option<Status> {
    [Status::Running, Status::Completed, Status::Failed]
        .into_iter()
        .find(|s| status_text(*s) == text)
}

pub(crate) fn operation_from_row(row: OperationRow) -> Result<OperationRecord, DbError> {
    let id = row.operation_id;
    let kind = OperationKind::parse(&row.kind).ok_or_else(|| {
        DbError::corrupt(format!(
            "operation {id} has the unknown kind '{}'",
            row.kind
        ))
    })?;
    let status = parse_status(&row.status).ok_or_else(|| {
        DbError::corrupt(format!(
            "operation {id} has the unknown status '{}'",
            row.status
        ))
    })?;
    Ok(OperationRecord {
        kind,
        component_id: row.component_id,
        status,
        result: row.result,
        created_at: instant(row.created_at, || format!("CREATED_AT of operation {id}"))?,
        updated_at: instant(row.updated_at, || format!("UPDATED_AT of operation {id}"))?,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cron_row() -> TriggerRow {
        TriggerRow {
            trigger_name: "jTrigger".into(),
            trigger_group: "g".into(),
            job_name: "j".into(),
            job_group: "g".into(),
            next_fire_time: Some(1_900_000_000_000),
            prev_fire_time: Some(-1),
            priority: Some(5),
            trigger_state: "WAITING".into(),
            trigger_type: TYPE_CRON.into(),
            start_time: 1_800_000_000_000,
            end_time: Some(0),
            misfire_instr: Some(2),
            cron_expression: Some("0 0 3 * * ?".into()),
            time_zone_id: Some("Europe/Rome".into()),
            repeat_count: None,
        }
    }

    #[test]
    fn quartz_sentinels_read_as_none() {
        let t = trigger_from_row(cron_row()).expect("valid");
        assert_eq!(t.previous_fire_time, None);
        assert!(matches!(
            t.schedule,
            TriggerSchedule::Cron { end_time: None, .. }
        ));
        assert_eq!(t.misfire_instruction, MisfireInstruction::DoNothing);
        assert_eq!(fire_millis(None), -1);
    }

    #[test]
    fn unreadable_triggers_are_corrupt_with_the_key() {
        let mut row = cron_row();
        row.trigger_state = "WEIRD".into();
        let e = trigger_from_row(row)
            .expect_err("bad state")
            .into_store_error();
        assert!(
            matches!(e, cdp_spark_domain::ports::StoreError::Corrupt(ref m) if m.contains("g.jTrigger") && m.contains("WEIRD")),
            "{e}"
        );
        let mut row = cron_row();
        row.trigger_type = "SIMPLE".into();
        row.repeat_count = Some(3);
        assert!(trigger_from_row(row).is_err());
        let mut row = cron_row();
        row.trigger_type = "CAL_INT".into();
        assert!(trigger_from_row(row).is_err());
    }

    #[test]
    fn cron_schedules_are_decoded_once_with_the_reason_when_unreadable() {
        let t = trigger_from_row(cron_row()).expect("valid");
        match &t.schedule {
            TriggerSchedule::Cron {
                cron_expression,
                time_zone,
                ..
            } => {
                assert_eq!(cron_expression.as_str(), "0 0 3 * * ?");
                assert_eq!(time_zone.name(), "Europe/Rome");
            }
            other => panic!("expected a cron schedule, got {other:?}"),
        }
        let mut row = cron_row();
        row.cron_expression = Some("0 0 3 * *".into());
        match trigger_from_row(row) {
            Err(DbError::Schedule(e)) => assert!(
                e.trigger == "g.jTrigger" && e.problem.contains("'0 0 3 * *'"),
                "{e}"
            ),
            other => panic!("expected a schedule error, got {other:?}"),
        }
        let mut row = cron_row();
        row.time_zone_id = Some("Mars/Olympus".into());
        let e = trigger_from_row(row)
            .expect_err("unknown zone")
            .into_store_error();
        assert!(
            matches!(e, cdp_spark_domain::ports::StoreError::Corrupt(ref m) if m.contains("Mars/Olympus")),
            "{e}"
        );
    }

    #[test]
    fn booleans_read_like_jdbc_getboolean() {
        assert!(parse_bool("1") && parse_bool("Y") && parse_bool("true"));
        assert!(!parse_bool("0") && !parse_bool("N") && !parse_bool(""));
        assert_eq!(bool_text(true), "1");
    }
}
