//! The placeholders of a run's `args` and `conf` values: `${nominalTime}`
//! (the run's nominal time, RFC 3339 in UTC to the second, e.g.
//! `2026-12-02T07:00:00Z`), `${nominalDate}` (its date in UTC,
//! `2026-12-02`) and `${runId}`, replaced in each value when the run is
//! launched: plain text substitution into one argv element or one conf
//! value, never through a shell.
//!
//! `$${` is a literal `${` (so `$${x}` passes `${x}` on, e.g. for Spark
//! SQL's own variables); a `$` not followed by `{` is literal. The
//! descriptor rules refuse `${…}` that is not one of the three names
//! ([`check`]); at launch such text (stored before the rules existed) is
//! passed on as written.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::descriptor::InvalidValue;

/// The names a `${…}` may hold.
pub const NAMES: [&str; 3] = ["nominalTime", "nominalDate", "runId"];

/// The most bytes the expanded `args` and `conf` values of one run may
/// take together: a guard, four times what `JOB_DATA` holds (a run id of
/// the store's, 32 characters, is four times its `${runId}`, the longest
/// expansion per byte of placeholder).
pub const MAX_EXPANDED_BYTES: usize = 4 * crate::model::MAX_JOB_DATA_BYTES;

/// One piece of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'t> {
    /// Text passed on as it is.
    Literal(&'t str),
    /// `${name}` with a well-formed name (known or not).
    Placeholder { name: &'t str, text: &'t str },
    /// `${` not starting a well-formed `${name}`: passed on as written.
    Malformed(&'t str),
}

/// Splits `text` into its pieces (`$${` gives the literal `${`).
fn pieces(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        if at > 0 && rest[..at].ends_with('$') {
            // `$${`: the escape, a literal `${`.
            out.push(Piece::Literal(&rest[..at - 1]));
            out.push(Piece::Literal("${"));
            rest = &rest[at + 2..];
            continue;
        }
        out.push(Piece::Literal(&rest[..at]));
        let after = &rest[at + 2..];
        let name_end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..name_end];
        let well_formed = after[name_end..].starts_with('}')
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
        if well_formed {
            out.push(Piece::Placeholder {
                name,
                text: &rest[at..at + 3 + name_end],
            });
            rest = &after[name_end + 1..];
        } else {
            out.push(Piece::Malformed("${"));
            rest = after;
        }
    }
    out.push(Piece::Literal(rest));
    out
}

/// The descriptor rule for one `args` element or `conf` value: every `${`
/// starts one of the known placeholders (or is escaped as `$${`).
pub fn check(text: &str) -> Result<(), InvalidValue> {
    let hint = "use ${nominalTime}, ${nominalDate} or ${runId}, or write $${ for a literal ${";
    for piece in pieces(text) {
        match piece {
            Piece::Placeholder { name, .. } if !NAMES.contains(&name) => {
                let known = NAMES.map(|n| format!("${{{n}}}")).join(", ");
                return Err(InvalidValue::new(
                    format!(
                        "'${{{}}}' is not a placeholder this provisioner knows ({known})",
                        name.chars().take(60).collect::<String>()
                    ),
                    hint,
                ));
            }
            Piece::Malformed(_) => {
                return Err(InvalidValue::new(
                    "'${' does not start a placeholder of the form ${name}",
                    hint,
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

/// What the placeholders stand for in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunValues {
    /// `${nominalTime}`.
    pub nominal_time: String,
    /// `${nominalDate}`.
    pub nominal_date: String,
    /// `${runId}`.
    pub run_id: String,
}

impl RunValues {
    /// The values of the run `run_id` whose nominal time is `nominal`.
    pub fn new(nominal: DateTime<Utc>, run_id: &str) -> Self {
        Self {
            nominal_time: nominal.to_rfc3339_opts(SecondsFormat::Secs, true),
            nominal_date: nominal.format("%Y-%m-%d").to_string(),
            run_id: run_id.to_string(),
        }
    }

    fn value(&self, name: &str) -> Option<&str> {
        match name {
            "nominalTime" => Some(&self.nominal_time),
            "nominalDate" => Some(&self.nominal_date),
            "runId" => Some(&self.run_id),
            _ => None,
        }
    }

    /// `text` with its placeholders replaced; unknown and malformed ones
    /// are passed on as written, `$${` becomes `${`.
    pub fn expand(&self, text: &str) -> String {
        if !text.contains("${") {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        for piece in pieces(text) {
            match piece {
                Piece::Literal(t) | Piece::Malformed(t) => out.push_str(t),
                Piece::Placeholder { name, text } => out.push_str(self.value(name).unwrap_or(text)),
            }
        }
        out
    }
}

/// The expanded values are larger than [`MAX_EXPANDED_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the job's args and conf values take {bytes} bytes once their placeholders are replaced, more than the {MAX_EXPANDED_BYTES} bytes a run may pass")]
pub struct TooLarge {
    pub bytes: usize,
}

/// The `args` and `conf` of a run with the placeholders of each argument
/// and each conf value replaced (conf keys are left as they are): the run
/// `run_id`, whose nominal time is `nominal_time` (its scheduled fire
/// time; for a manual run, when it was asked for).
pub fn expand_run(
    args: &[String],
    conf: &BTreeMap<String, String>,
    nominal_time: DateTime<Utc>,
    run_id: &str,
) -> Result<(Vec<String>, BTreeMap<String, String>), TooLarge> {
    let values = RunValues::new(nominal_time, run_id);
    let args: Vec<String> = args.iter().map(|a| values.expand(a)).collect();
    let conf: BTreeMap<String, String> = conf
        .iter()
        .map(|(k, v)| (k.clone(), values.expand(v)))
        .collect();
    let bytes = args.iter().map(String::len).sum::<usize>()
        + conf.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    if bytes > MAX_EXPANDED_BYTES {
        return Err(TooLarge { bytes });
    }
    Ok((args, conf))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn nominal() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 7, 0, 0)
            .single()
            .expect("valid")
            + chrono::Duration::milliseconds(250)
    }

    #[test]
    fn expansion_table() {
        let v = RunValues::new(nominal(), "0f3a");
        for (text, expanded) in [
            ("plain", "plain"),
            ("", ""),
            ("${nominalTime}", "2026-12-02T07:00:00Z"),
            ("${nominalDate}", "2026-12-02"),
            ("${runId}", "0f3a"),
            (
                "--date=${nominalDate}/${runId}.out",
                "--date=2026-12-02/0f3a.out",
            ),
            ("${runId}${runId}", "0f3a0f3a"),
            ("$${runId}", "${runId}"),
            ("$$${runId}", "$${runId}"),
            ("$$$${runId}", "$$${runId}"),
            ("$${x} and ${runId}", "${x} and 0f3a"),
            ("cost: $5 $x $", "cost: $5 $x $"),
            ("${unknown}", "${unknown}"),
            ("${", "${"),
            ("${runId", "${runId"),
            ("${ runId}", "${ runId}"),
            ("${1a}", "${1a}"),
            ("${}", "${}"),
            ("{runId}", "{runId}"),
            ("città ${runId} €", "città 0f3a €"),
            ("$(rm -rf /) `x` ${runId};", "$(rm -rf /) `x` 0f3a;"),
        ] {
            assert_eq!(v.expand(text), expanded, "{text}");
        }
    }

    #[test]
    fn check_table() {
        for ok in [
            "plain",
            "${nominalTime}",
            "a${nominalDate}b${runId}",
            "$${anything}",
            "$${",
            "$5 and $x",
            "",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for (bad, says) in [
            ("${runid}", "'${runid}' is not a placeholder"),
            ("--d=${nominal_date}", "'${nominal_date}'"),
            ("${date}", "${nominalTime}, ${nominalDate}, ${runId}"),
            ("${", "does not start a placeholder"),
            ("${runId", "does not start a placeholder"),
            ("${ runId }", "does not start a placeholder"),
            ("${}", "does not start a placeholder"),
            ("${1x}", "does not start a placeholder"),
        ] {
            let e = check(bad).expect_err(bad);
            assert!(e.problem.contains(says), "{bad}: {e}");
            assert!(e.hint.contains("$${"), "{e}");
        }
    }

    #[test]
    fn a_run_expands_each_arg_and_conf_value_not_the_keys() {
        let args = vec!["${runId}".to_string(), "${nominalDate}".to_string()];
        let conf = BTreeMap::from([
            (
                "spark.app.tag.${runId}".to_string(),
                "${nominalTime}".to_string(),
            ),
            ("spark.x".to_string(), "$${runId}".to_string()),
        ]);
        let (a, c) = expand_run(&args, &conf, nominal(), "r-1").expect("small");
        assert_eq!(a, ["r-1", "2026-12-02"]);
        assert_eq!(c["spark.app.tag.${runId}"], "2026-12-02T07:00:00Z");
        assert_eq!(c["spark.x"], "${runId}");
        // UTC, whatever the zone the trigger fires in: 00:30 in Rome on the
        // 3rd is the 2nd in UTC.
        let rome = chrono_tz::Europe::Rome
            .with_ymd_and_hms(2026, 12, 3, 0, 30, 0)
            .single()
            .expect("valid")
            .with_timezone(&Utc);
        let (a, _) = expand_run(&args, &conf, rome, "r").expect("small");
        assert_eq!(a[1], "2026-12-02");
    }

    #[test]
    fn the_expansion_is_bounded() {
        // 64 KiB of `${runId}` with a 32-character run id is exactly four
        // times as long: within the bound. A longer id is refused.
        let arg = "${runId}".repeat(crate::model::MAX_JOB_DATA_BYTES / 8);
        let id = "0".repeat(32);
        let (a, _) =
            expand_run(std::slice::from_ref(&arg), &BTreeMap::new(), nominal(), &id).expect("4x");
        assert_eq!(a[0].len(), 4 * arg.len());
        let e = expand_run(&[arg], &BTreeMap::new(), nominal(), &"0".repeat(33))
            .expect_err("over the bound");
        assert!(e.bytes > MAX_EXPANDED_BYTES, "{e}");
    }
}
