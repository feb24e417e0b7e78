//! Column sizes of the Quartz tables (and ours), checked before anything is
//! written: a value that does not fit is refused with a clear message instead
//! of being truncated or rejected half-way by the database. The sizes of what
//! a descriptor sets are the domain's (`cdp_spark_domain::model::MAX_*`),
//! whose descriptor rules refuse an oversized value at validate time; these
//! checks are the last line of defence.

use cdp_spark_domain::cause;
use cdp_spark_domain::model::{
    JobDefinition, JobKey, OperationRecord, RunRecord, TriggerDefinition, TriggerKey,
    TriggerSchedule, MAX_CRON_EXPRESSION_LEN, MAX_DESCRIPTION_LEN, MAX_JOB_DATA_BYTES, MAX_KEY_LEN,
    MAX_TIME_ZONE_LEN,
};
use cdp_spark_domain::ports::StoreError;

/// `JOB_NAME`, `JOB_GROUP`, `TRIGGER_NAME`, `TRIGGER_GROUP`: `VARCHAR(190)`.
pub const KEY_LEN: usize = MAX_KEY_LEN;
/// `QRTZ_JOB_DETAILS.DESCRIPTION`: `VARCHAR(250)`; longer descriptions are shortened.
pub const DESCRIPTION_LEN: usize = MAX_DESCRIPTION_LEN;
/// `QRTZ_CRON_TRIGGERS.CRON_EXPRESSION`: `VARCHAR(120)`.
pub const CRON_EXPRESSION_LEN: usize = MAX_CRON_EXPRESSION_LEN;
/// `QRTZ_CRON_TRIGGERS.TIME_ZONE_ID`: `VARCHAR(80)`.
pub const TIME_ZONE_LEN: usize = MAX_TIME_ZONE_LEN;
/// `JOB_DATA` is a MySQL `BLOB`: at most 65,535 bytes.
pub const JOB_DATA_BYTES: usize = MAX_JOB_DATA_BYTES;
/// Our run table: `RUN_ID`, `APPLICATION_ID` `VARCHAR(190)`.
pub const RUN_ID_LEN: usize = 190;
pub const APPLICATION_ID_LEN: usize = 190;
/// Our run table: `TRACKING_URL` `VARCHAR(2048)`, `FINAL_STATUS` `VARCHAR(64)`.
pub const TRACKING_URL_LEN: usize = 2048;
pub const FINAL_STATUS_LEN: usize = 64;
/// Our run table: `ERROR_TEXT` (MySQL `TEXT`): longer text is shortened.
pub const ERROR_TEXT_LEN: usize = 16_000;
/// `CDP_RUNS.PARAMETERS` (MySQL `TEXT`), in bytes of its JSON text.
pub const PARAMETERS_BYTES: usize =
    cdp_spark_domain::scheduling::run_parameters::MAX_PARAMETERS_BYTES;
/// `CDP_RUNS.BACKFILL_ID` (`VARCHAR(64)`).
pub const BACKFILL_ID_LEN: usize = 64;
/// Our operations table: `OPERATION_ID` `VARCHAR(190)`, `COMPONENT_ID` `VARCHAR(512)`.
pub const OPERATION_ID_LEN: usize = 190;
pub const COMPONENT_ID_LEN: usize = 512;
/// Our operations table: `RESULT` (MySQL `MEDIUMTEXT`, 16 MiB) in bytes.
pub const OPERATION_RESULT_BYTES: usize = 16 * 1024 * 1024 - 1;

/// A value that does not fit its column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    #[error("{what} is {actual} characters long, but Quartz's {column} column holds at most {max}: {hint}")]
    TooLong {
        what: String,
        column: &'static str,
        max: usize,
        actual: usize,
        hint: &'static str,
    },
    #[error("{what} is empty: {hint}")]
    Empty { what: String, hint: &'static str },
    #[error("the job data of {job} is {actual} bytes, but Quartz's JOB_DATA column holds at most {max}: shorten args, dependencies or conf")]
    JobDataTooLarge {
        job: String,
        actual: usize,
        max: usize,
    },
    #[error("{0}")]
    Inconsistent(String),
}

impl From<RowError> for StoreError {
    fn from(e: RowError) -> Self {
        StoreError::Other(cause!("refused before writing: {e}"))
    }
}

fn text(
    what: impl FnOnce() -> String,
    value: &str,
    column: &'static str,
    max: usize,
    hint: &'static str,
) -> Result<(), RowError> {
    if value.is_empty() {
        return Err(RowError::Empty { what: what(), hint });
    }
    let actual = value.chars().count();
    if actual > max {
        return Err(RowError::TooLong {
            what: what(),
            column,
            max,
            actual,
            hint,
        });
    }
    Ok(())
}

fn optional_text(
    what: impl FnOnce() -> String,
    value: Option<&str>,
    column: &'static str,
    max: usize,
    hint: &'static str,
) -> Result<(), RowError> {
    match value {
        Some(v) if v.chars().count() > max => text(what, v, column, max, hint),
        _ => Ok(()),
    }
}

pub fn check_job_key(key: &JobKey) -> Result<(), RowError> {
    text(
        || format!("the job group (data product id) '{}'", key.group),
        &key.group,
        "JOB_GROUP",
        KEY_LEN,
        "use a data product id of at most 190 characters",
    )?;
    text(
        || format!("the job name (jobName) '{}'", key.name),
        &key.name,
        "JOB_NAME",
        KEY_LEN,
        "shorten jobName to at most 190 characters",
    )
}

pub fn check_trigger_key(key: &TriggerKey) -> Result<(), RowError> {
    text(
        || format!("the trigger group '{}'", key.group),
        &key.group,
        "TRIGGER_GROUP",
        KEY_LEN,
        "use a data product id of at most 190 characters",
    )?;
    text(
        || format!("the trigger name '{}'", key.name),
        &key.name,
        "TRIGGER_NAME",
        KEY_LEN,
        "shorten jobName so that the trigger name (jobName + \"Trigger\") has at most 190 characters",
    )
}

/// Checks a job and the size of its `JOB_DATA` bytes.
pub fn check_job(job: &JobDefinition, job_data: &[u8]) -> Result<(), RowError> {
    check_job_key(&job.key)?;
    if job_data.len() > JOB_DATA_BYTES {
        return Err(RowError::JobDataTooLarge {
            job: job.key.to_string(),
            actual: job_data.len(),
            max: JOB_DATA_BYTES,
        });
    }
    Ok(())
}

pub fn check_trigger(trigger: &TriggerDefinition) -> Result<(), RowError> {
    check_trigger_key(&trigger.key)?;
    check_job_key(&trigger.job_key)?;
    if let TriggerSchedule::Cron {
        cron_expression,
        time_zone,
        ..
    } = &trigger.schedule
    {
        text(
            || {
                format!(
                    "the cron expression '{cron_expression}' of trigger {}",
                    trigger.key
                )
            },
            cron_expression.as_str(),
            "CRON_EXPRESSION",
            CRON_EXPRESSION_LEN,
            "write the expression with at most 120 characters (e.g. use ranges and lists)",
        )?;
        text(
            || format!("the time zone '{time_zone}' of trigger {}", trigger.key),
            &time_zone.name(),
            "TIME_ZONE_ID",
            TIME_ZONE_LEN,
            "use a shorter zone id, e.g. Europe/Rome",
        )?;
    }
    Ok(())
}

pub fn check_run(run: &RunRecord) -> Result<(), RowError> {
    text(
        || format!("the run id '{}'", run.run_id),
        &run.run_id,
        "RUN_ID",
        RUN_ID_LEN,
        "use run ids of at most 190 characters",
    )?;
    check_job_key(&run.job_key)?;
    check_trigger_key(&run.trigger_key)?;
    optional_text(
        || format!("the application id of run {}", run.run_id),
        run.application_id.as_deref(),
        "APPLICATION_ID",
        APPLICATION_ID_LEN,
        "application ids longer than 190 characters are not expected from YARN or Spark",
    )?;
    optional_text(
        || format!("the tracking URL of run {}", run.run_id),
        run.tracking_url.as_deref(),
        "TRACKING_URL",
        TRACKING_URL_LEN,
        "tracking URLs longer than 2048 characters are not stored",
    )?;
    optional_text(
        || format!("the final status of run {}", run.run_id),
        run.final_status.as_deref(),
        "FINAL_STATUS",
        FINAL_STATUS_LEN,
        "final statuses are short words such as SUCCEEDED",
    )?;
    optional_text(
        || format!("the backfill id of run {}", run.run_id),
        run.backfill.as_ref().map(|b| b.id.as_str()),
        "BACKFILL_ID",
        BACKFILL_ID_LEN,
        "backfill ids are the provisioner's own, 32 characters",
    )?;
    if let Some(p) = &run.parameters {
        let n = p.to_stored().len();
        if n > PARAMETERS_BYTES {
            return Err(RowError::Inconsistent(format!(
                "the parameters of run {} are {n} bytes; at most {PARAMETERS_BYTES} are stored",
                run.run_id
            )));
        }
    }
    Ok(())
}

pub fn check_operation(op: &OperationRecord) -> Result<(), RowError> {
    text(
        || format!("the operation id '{}'", op.id),
        &op.id,
        "OPERATION_ID",
        OPERATION_ID_LEN,
        "use operation tokens of at most 190 characters",
    )?;
    optional_text(
        || format!("the component id of operation {}", op.id),
        op.component_id.as_deref(),
        "COMPONENT_ID",
        COMPONENT_ID_LEN,
        "component ids longer than 512 characters are not stored",
    )?;
    if let Some(r) = &op.result {
        if r.len() > OPERATION_RESULT_BYTES {
            return Err(RowError::Inconsistent(format!(
                "the result of operation {} is {} bytes; at most {OPERATION_RESULT_BYTES} are stored",
                op.id,
                r.len()
            )));
        }
    }
    Ok(())
}

/// `text` cut to `max` characters, marking the cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_over_190_characters_are_refused_with_column_and_hint() {
        let ok = "n".repeat(190);
        check_job_key(&JobKey::new("g", ok.as_str())).expect("190 fits");
        // Characters, not bytes: 190 multi-byte characters fit VARCHAR(190).
        check_job_key(&JobKey::new("g", "é".repeat(190))).expect("190 chars fit");
        let e = check_job_key(&JobKey::new("g", "n".repeat(191))).expect_err("191");
        let msg = e.to_string();
        assert!(
            msg.contains("JOB_NAME") && msg.contains("191") && msg.contains("190"),
            "{msg}"
        );
        assert!(matches!(
            e,
            RowError::TooLong {
                column: "JOB_NAME",
                actual: 191,
                max: 190,
                ..
            }
        ));
        let e = check_job_key(&JobKey::new("", "n")).expect_err("empty group");
        assert!(matches!(e, RowError::Empty { .. }));
        let store: StoreError = e.into();
        assert!(matches!(store, StoreError::Other(ref m) if m.contains("refused before writing")));
    }

    #[test]
    fn shorten_marks_the_cut() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "ab…");
        assert_eq!(shorten("ééééé", 4).chars().count(), 4);
    }
}
