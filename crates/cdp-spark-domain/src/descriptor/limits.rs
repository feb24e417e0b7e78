//! What the job store can hold, as descriptor rules: a descriptor that
//! validates can be provisioned. The sizes are the domain's
//! (`model::MAX_*`); the job store checks them again before writing.
//!
//! Key lengths (`dataProduct.id`, `jobName`) are checked where those fields
//! are read ([`super::rules`]), the cron expression's and the time zone's
//! length with the schedule ([`super::schedule`]); the job's data, which
//! needs the whole job, is checked here once everything else passed.

use crate::issues::{Issue, Issues};
use crate::model::{job_data, MAX_JOB_DATA_BYTES};

use super::types::ComponentDescriptor;

/// Most entries named in the job data message.
const PARTS_NAMED: usize = 3;
/// Entries smaller than this are not named beside the largest.
const PART_WORTH_NAMING: usize = 1024;

/// The job's `JOB_DATA`, as the store writes it, fits Quartz's column; else
/// one issue on the field with the largest share.
pub(crate) fn job_data_fits(descriptor: &ComponentDescriptor) -> Result<(), Issues> {
    let size = descriptor.job_definition().job_data_size();
    if size.fits() {
        return Ok(());
    }
    let total = size.total();
    // The largest entry, and the next ones when they weigh something.
    let parts: Vec<(&'static str, usize)> = size
        .largest_first()
        .into_iter()
        .enumerate()
        .filter(|(i, (_, bytes))| *i == 0 || *bytes >= PART_WORTH_NAMING)
        .map(|(_, part)| part)
        .take(PARTS_NAMED)
        .collect();
    let Some(&(largest, largest_bytes)) = parts.first() else {
        return Ok(());
    };
    let (field, name) = field_of(largest);
    let shares: Vec<String> = parts
        .iter()
        .map(|(key, bytes)| format!("{} {} bytes", field_of(key).1, thousands(*bytes)))
        .collect();
    let others: Vec<&str> = parts
        .iter()
        .skip(1)
        .map(|(key, _)| field_of(key).1)
        .collect();
    Err(Issues::single(Issue::new(
        descriptor.component_field(field),
        format!(
            "the job's data would be {} bytes as the job store writes it, but Quartz's JOB_DATA \
             column holds at most {}: {}",
            thousands(total),
            thousands(MAX_JOB_DATA_BYTES),
            shares.join(", ")
        ),
        format!(
            "shorten {name} ({} bytes){} by at least {} bytes; as stored, '\\', '\"', '=', ':', \
             '#' and '!' take 2 to 3 bytes and every character outside printable ASCII 6 to 12 \
             (a \\uXXXX escape per UTF-16 unit)",
            thousands(largest_bytes),
            if others.is_empty() {
                String::new()
            } else {
                format!(", or {},", others.join(" or "))
            },
            thousands(total - MAX_JOB_DATA_BYTES)
        ),
    )))
}

/// The descriptor field (relative to the component) that fills a job data
/// entry, and its name for messages.
fn field_of(entry: &str) -> (&'static str, &'static str) {
    match entry {
        job_data::COMPONENT_ID => ("id", "the component id"),
        job_data::JAR => ("specific.jar", "jar"),
        job_data::CLASS_NAME => ("specific.className", "className"),
        job_data::QUEUE => ("specific.queue", "queue"),
        job_data::ARGS => ("specific.jobConfig.args", "args"),
        job_data::DEPENDENCIES => ("specific.jobConfig.dependencies", "dependencies"),
        job_data::CONF => ("specific.jobConfig.conf", "conf"),
        job_data::DRIVER_CORES => ("specific.jobConfig.driverCores", "driverCores"),
        job_data::DRIVER_MEMORY => ("specific.jobConfig.driverMemory", "driverMemory"),
        job_data::EXECUTOR_CORES => ("specific.jobConfig.executorCores", "executorCores"),
        job_data::EXECUTOR_MEMORY => ("specific.jobConfig.executorMemory", "executorMemory"),
        job_data::NUM_EXECUTORS => ("specific.jobConfig.numExecutors", "numExecutors"),
        job_data::LOG_LEVEL => ("specific.jobConfig.logLevel", "logLevel"),
        job_data::CONCURRENCY_POLICY => (
            "specific.jobConfig.schedule.concurrencyPolicy",
            "concurrencyPolicy",
        ),
        job_data::RETRIES => ("specific.jobConfig.schedule.retries", "retries"),
        job_data::RETRY_DELAY_SECS => ("specific.jobConfig.schedule.retryDelay", "retryDelay"),
        job_data::DEADLINE_SECS => ("specific.jobConfig.schedule.deadline", "deadline"),
        _ => ("specific", "specific"),
    }
}

/// `70112` → `70,112`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(65_535), "65,535");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
