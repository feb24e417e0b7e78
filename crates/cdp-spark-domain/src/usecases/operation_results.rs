//! Bounded results of asynchronous operations: what of an operation's
//! result is kept.
//!
//! An operation's result (the `ValidationStatus` or `ProvisioningStatus` a
//! token answers) is kept for `async.retention_hours` (a week by default),
//! and its text comes in good part from the caller: problems quote the
//! descriptor's values, and a descriptor may be as large as the request
//! body limit. So the store keeps at most [`MAX_RESULT_BYTES`] of a result,
//! in the same shape the token's route reads: the outcome (status, valid or
//! not) always, each message cut to [`MAX_MESSAGE_BYTES`], and as many
//! problems or log lines as fit, followed by one that says how many were
//! left out.
//!
//! The operations use case ([`super::operations`]) applies it before it
//! stores a result; the job store applies it again before writing, so that
//! no row outgrows its column whoever calls.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::api::{
    Log, LogLevel, ProvisioningStatus, Status, ValidationInfo, ValidationResult, ValidationStatus,
};
use crate::model::OperationKind;

/// Most bytes of one stored result.
pub const MAX_RESULT_BYTES: usize = 64 * 1024;
/// Most bytes of one message (a problem, a log line, a summary) in it.
pub const MAX_MESSAGE_BYTES: usize = 4 * 1024;
/// Kept free for the result's frame and the note on what was left out.
const FRAME_BYTES: usize = 1024;

/// `result` as stored: unchanged when it fits in [`MAX_RESULT_BYTES`],
/// otherwise shortened as the module says (`None` when it already fits).
/// `at` dates the notes on what was left out (the time the result is
/// stored).
pub fn bounded_result(
    kind: OperationKind,
    status: Status,
    result: &str,
    at: DateTime<Utc>,
) -> Option<String> {
    if result.len() <= MAX_RESULT_BYTES {
        return None;
    }
    let shortened = match kind {
        OperationKind::Validate => serde_json::from_str::<ValidationStatus>(result)
            .ok()
            .map(bounded_validation)
            .and_then(|v| serde_json::to_string(&v).ok()),
        OperationKind::Provision | OperationKind::Unprovision | OperationKind::ReverseProvision => {
            serde_json::from_str::<ProvisioningStatus>(result)
                .ok()
                .map(|p| bounded_provisioning(p, at))
                .and_then(|p| serde_json::to_string(&p).ok())
        }
    };
    Some(
        shortened
            .filter(|s| s.len() <= MAX_RESULT_BYTES)
            .unwrap_or_else(|| summary_only(kind, status, result.len())),
    )
}

/// `text` cut to at most `max` bytes (on a character boundary), saying how
/// much was left out.
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max.saturating_sub(64);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let left = text[end..].chars().count();
    format!("{}… [{left} more characters left out]", &text[..end])
}

/// Bytes `value` takes in JSON.
/// Most warnings an asynchronous validation's result keeps, and the bytes
/// of each (at most 8 KiB in all: the problems come first).
const MAX_KEPT_WARNINGS: usize = 16;
const MAX_WARNING_BYTES: usize = 512;

fn json_len<T: serde::Serialize>(value: &T) -> usize {
    serde_json::to_string(value)
        .map(|s| s.len())
        .unwrap_or(usize::MAX)
}

fn bounded_validation(mut v: ValidationStatus) -> ValidationStatus {
    // Warnings are few (the rules bound them); each is cut, and what they
    // take is not left to the problems.
    let mut budget = MAX_RESULT_BYTES - FRAME_BYTES;
    if let Some(info) = &mut v.info {
        let warnings = &mut info.public_info.warnings;
        warnings.truncate(MAX_KEPT_WARNINGS);
        for w in warnings.iter_mut() {
            *w = cut(w, MAX_WARNING_BYTES);
        }
        budget = budget.saturating_sub(json_len(warnings));
    }
    if let Some(ValidationInfo {
        public_info: ValidationResult {
            error: Some(error), ..
        },
    }) = &mut v.info
    {
        let problems = std::mem::take(&mut error.errors);
        let total = problems.len();
        let mut used = 0usize;
        for problem in problems {
            let problem = cut(&problem, MAX_MESSAGE_BYTES);
            let size = json_len(&problem) + 1;
            if used + size > budget {
                break;
            }
            used += size;
            error.errors.push(problem);
        }
        let left = total - error.errors.len();
        if left > 0 {
            error.errors.push(format!(
                "… and {left} more problem{} left out: the result of an asynchronous validation is kept up to {} KiB; POST /v1/validate answers every problem",
                if left == 1 { " was" } else { "s were" },
                MAX_RESULT_BYTES / 1024
            ));
        }
    }
    v
}

/// Every string in `value` cut to [`MAX_MESSAGE_BYTES`].
fn cut_strings(value: &mut Value) {
    match value {
        Value::String(s) if s.len() > MAX_MESSAGE_BYTES => *s = cut(s, MAX_MESSAGE_BYTES),
        Value::Array(items) => items.iter_mut().for_each(cut_strings),
        Value::Object(map) => map.values_mut().for_each(cut_strings),
        _ => {}
    }
}

fn bounded_provisioning(mut p: ProvisioningStatus, at: DateTime<Utc>) -> ProvisioningStatus {
    let mut budget = MAX_RESULT_BYTES - FRAME_BYTES;
    p.result = cut(&p.result, MAX_MESSAGE_BYTES);
    budget = budget.saturating_sub(json_len(&p.result));
    let mut notes: Vec<String> = Vec::new();
    if let Some(info) = &mut p.info {
        info.public_info.values_mut().for_each(cut_strings);
        info.private_info.values_mut().for_each(cut_strings);
        let size = json_len(info);
        if size > budget / 2 {
            notes.push(format!(
                "info ({size} bytes) left out: the result of an asynchronous operation is kept up to {} KiB",
                MAX_RESULT_BYTES / 1024
            ));
            p.info = None;
        } else {
            budget -= size;
        }
    }
    if let Some(logs) = &mut p.logs {
        let all = std::mem::take(logs);
        let total = all.len();
        let mut used = 0usize;
        for mut log in all {
            log.message = cut(&log.message, MAX_MESSAGE_BYTES);
            let size = json_len(&log) + 1;
            if used + size > budget {
                break;
            }
            used += size;
            logs.push(log);
        }
        let left = total - logs.len();
        if left > 0 {
            notes.push(format!(
                "{left} more log line{} left out: the result of an asynchronous operation is kept up to {} KiB",
                if left == 1 { " was" } else { "s were" },
                MAX_RESULT_BYTES / 1024
            ));
        }
    }
    if !notes.is_empty() {
        p.logs
            .get_or_insert_with(Vec::new)
            .extend(notes.into_iter().map(|message| Log {
                timestamp: at,
                level: LogLevel::Warning,
                message,
                phase: None,
            }));
    }
    p
}

/// The outcome alone, when nothing of the result could be kept.
fn summary_only(kind: OperationKind, status: Status, bytes: usize) -> String {
    let message = format!(
        "the result was {bytes} bytes, more than the {} KiB kept for an asynchronous operation; send the request again to see it",
        MAX_RESULT_BYTES / 1024
    );
    let text = match kind {
        OperationKind::Validate => serde_json::to_string(&ValidationStatus {
            status,
            info: Some(ValidationInfo {
                public_info: ValidationResult::invalid(vec![message]),
            }),
        }),
        OperationKind::Provision | OperationKind::Unprovision | OperationKind::ReverseProvision => {
            serde_json::to_string(&ProvisioningStatus {
                status,
                result: message,
                info: None,
                logs: None,
            })
        }
    };
    text.unwrap_or_else(|_| "{\"status\":\"FAILED\"}".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Info;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
            .single()
            .expect("valid instant")
    }

    #[test]
    fn small_results_are_kept_as_they_are() {
        let v = serde_json::to_string(&ValidationStatus {
            status: Status::Completed,
            info: Some(ValidationInfo {
                public_info: ValidationResult::invalid(vec!["x".repeat(1000)]),
            }),
        })
        .expect("json");
        assert_eq!(
            bounded_result(OperationKind::Validate, Status::Completed, &v, at()),
            None
        );
    }

    #[test]
    fn long_problems_are_cut_and_extra_ones_counted() {
        // Two 1 MB problems quoting a huge id, and 200 ordinary ones.
        let huge = format!(
            "componentIdToProvision '{}' is not a component",
            "é".repeat(500_000)
        );
        let mut problems = vec![huge.clone(), huge];
        problems.extend((0..200).map(|i| format!("problem {i}: {}", "p".repeat(600))));
        let v = ValidationStatus {
            status: Status::Completed,
            info: Some(ValidationInfo {
                public_info: ValidationResult::invalid(problems),
            }),
        };
        let text = serde_json::to_string(&v).expect("json");
        let stored = bounded_result(OperationKind::Validate, Status::Completed, &text, at())
            .expect("shortened");
        assert!(stored.len() <= MAX_RESULT_BYTES, "{}", stored.len());
        let back: ValidationStatus = serde_json::from_str(&stored).expect("the route reads it");
        assert_eq!(back.status, Status::Completed);
        let result = back.info.expect("info").public_info;
        assert!(!result.valid);
        let errors = result.error.expect("errors").errors;
        assert!(
            errors[0].starts_with("componentIdToProvision '")
                && errors[0].contains("more characters left out")
        );
        assert!(errors[0].len() <= MAX_MESSAGE_BYTES);
        let note = errors.last().expect("note");
        let kept = errors.len() - 1;
        assert!(
            note.contains(&format!("{} more problems were left out", 202 - kept)),
            "{note}"
        );
    }

    #[test]
    fn warnings_are_kept_few_and_cut_beside_the_problems() {
        let warnings: Vec<String> = (0..40)
            .map(|i| format!("warning {i}: {}", "w".repeat(100_000)))
            .collect();
        let problems: Vec<String> = (0..200)
            .map(|i| format!("problem {i}: {}", "p".repeat(600)))
            .collect();
        let v = ValidationStatus {
            status: Status::Completed,
            info: Some(ValidationInfo {
                public_info: ValidationResult::invalid(problems).with_warnings(warnings),
            }),
        };
        let text = serde_json::to_string(&v).expect("json");
        let stored = bounded_result(OperationKind::Validate, Status::Completed, &text, at())
            .expect("shortened");
        assert!(stored.len() <= MAX_RESULT_BYTES, "{}", stored.len());
        let back: ValidationStatus = serde_json::from_str(&stored).expect("the route reads it");
        let result = back.info.expect("info").public_info;
        assert_eq!(result.warnings.len(), MAX_KEPT_WARNINGS);
        assert!(result.warnings[0].starts_with("warning 0: ww"));
        assert!(result.warnings.iter().all(|w| w.len() <= MAX_WARNING_BYTES));
        assert!(result.error.expect("errors").errors.len() > 1);
    }

    #[test]
    fn provisioning_results_keep_status_summary_and_what_fits() {
        let now = at();
        let mut info = Info::default();
        info.public_info
            .insert("jobName".into(), Value::String("j".repeat(100_000)));
        let p = ProvisioningStatus {
            status: Status::Failed,
            result: "r".repeat(200_000),
            info: Some(info),
            logs: Some(
                (0..100)
                    .map(|i| Log {
                        timestamp: now,
                        level: LogLevel::Error,
                        message: format!("line {i} {}", "m".repeat(5_000)),
                        phase: None,
                    })
                    .collect(),
            ),
        };
        let text = serde_json::to_string(&p).expect("json");
        let stored = bounded_result(OperationKind::Provision, Status::Failed, &text, now)
            .expect("shortened");
        assert!(stored.len() <= MAX_RESULT_BYTES, "{}", stored.len());
        let back: ProvisioningStatus = serde_json::from_str(&stored).expect("the route reads it");
        assert_eq!(back.status, Status::Failed);
        assert!(back.result.starts_with("rrr") && back.result.len() <= MAX_MESSAGE_BYTES);
        let logs = back.logs.expect("logs");
        let note = logs.last().expect("a note");
        assert!(note.message.contains("more log lines were left out"));
        assert_eq!(note.timestamp, now, "dated when stored");
        let info = back.info.expect("info kept, its long value cut");
        assert!(info.public_info["jobName"]
            .as_str()
            .is_some_and(|s| s.len() <= MAX_MESSAGE_BYTES));
    }

    #[test]
    fn unreadable_results_keep_the_outcome() {
        let text = "x".repeat(MAX_RESULT_BYTES + 1);
        let stored =
            bounded_result(OperationKind::Validate, Status::Failed, &text, at()).expect("cut");
        let back: ValidationStatus = serde_json::from_str(&stored).expect("valid JSON");
        assert_eq!(back.status, Status::Failed);
        let stored = bounded_result(OperationKind::Unprovision, Status::Completed, &text, at())
            .expect("cut");
        let back: ProvisioningStatus = serde_json::from_str(&stored).expect("valid JSON");
        assert_eq!(back.status, Status::Completed);
        assert!(back.result.contains("more than the 64 KiB"));
    }

    #[test]
    fn cut_keeps_whole_characters() {
        assert_eq!(cut("abc", 10), "abc");
        let long = "é".repeat(10_000);
        let c = cut(&long, 1000);
        assert!(c.len() <= 1000 && c.contains("left out"), "{c}");
    }
}
