//! `jobConfig.maxDuration`: how long a run may take before the scheduler
//! kills its application and ends it `TIMED_OUT`.
//!
//! Accepted forms: a whole number and one unit (`45s`, `90m`, `2h`, `1d`),
//! or an ISO-8601 duration of days, hours, minutes and seconds (`PT90M`,
//! `PT1H30M`, `P1DT2H`; whole numbers, upper or lower case). More than 0
//! and at most [`MAX_DURATION_LIMIT_SECS`] (7 days).

use std::fmt;
use std::str::FromStr;

use super::check::Checker;
use super::types::InvalidValue;
use super::yaml::{shorten, Node};

/// The longest `maxDuration` accepted: 7 days, in seconds.
pub const MAX_DURATION_LIMIT_SECS: u64 = 7 * 86_400;

pub const HINT: &str =
    "write a whole number and a unit (45s, 90m, 2h, 1d) or an ISO-8601 duration \
                    (PT90M, PT1H30M, P1DT2H), more than 0 and at most 7d";

/// A run's time limit, in whole seconds (`0 < secs ≤ 7 days`). As text
/// (JSON, `JOB_DATA`, reasons) it is written in the largest of `d`, `h`,
/// `m`, `s` that divides it: `5400` seconds is `90m`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MaxDuration {
    secs: u64,
}

impl MaxDuration {
    /// The limit of `secs` seconds, when within the accepted range.
    pub fn from_secs(secs: u64) -> Option<Self> {
        (1..=MAX_DURATION_LIMIT_SECS)
            .contains(&secs)
            .then_some(Self { secs })
    }

    /// Reads one of the accepted forms.
    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        let trimmed = text.trim();
        let not_one = || {
            InvalidValue::new(
                format!("'{}' is not a duration", shorten(trimmed, 60)),
                HINT,
            )
        };
        let secs = if trimmed.starts_with(['P', 'p']) {
            iso_seconds(&trimmed[1..]).ok_or_else(not_one)?
        } else {
            let digits_end = trimmed
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(trimmed.len());
            let (digits, unit) = trimmed.split_at(digits_end);
            let unit = unit_seconds(unit).ok_or_else(not_one)?;
            if digits.is_empty() {
                return Err(not_one());
            }
            digits.parse::<u64>().ok().and_then(|n| n.checked_mul(unit))
        };
        match secs {
            Some(0) => Err(InvalidValue::new(
                format!("'{}' is no time at all", shorten(trimmed, 60)),
                HINT,
            )),
            Some(s) if s <= MAX_DURATION_LIMIT_SECS => Ok(Self { secs: s }),
            _ => Err(InvalidValue::new(
                format!(
                    "'{}' is longer than the 7d this provisioner accepts",
                    shorten(trimmed, 60)
                ),
                HINT,
            )),
        }
    }

    pub fn as_secs(self) -> u64 {
        self.secs
    }

    /// The limit as a chrono duration (at most 7 days: always fits).
    pub fn as_chrono(self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.secs).unwrap_or(i64::MAX / 1000))
    }

    /// The limit as a std duration.
    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.secs)
    }
}

fn unit_seconds(unit: &str) -> Option<u64> {
    match unit {
        "s" | "S" => Some(1),
        "m" | "M" => Some(60),
        "h" | "H" => Some(3600),
        "d" | "D" => Some(86_400),
        _ => None,
    }
}

/// The seconds of an ISO-8601 duration after its `P`: `[nD][T[nH][nM][nS]]`,
/// at least one part, each unit once and in order; `None` when it is not
/// one; `Some(None)` when it overflows (longer than any limit).
fn iso_seconds(rest: &str) -> Option<Option<u64>> {
    let (date, time) = match rest.split_once(['T', 't']) {
        Some((date, time)) if !time.is_empty() => (date, Some(time)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total: Option<u64> = Some(0);
    let mut parts = 0;
    let mut read = |text: &str, units: &[(char, u64)]| -> Option<()> {
        let mut rest = text;
        let mut next_unit = 0;
        while !rest.is_empty() {
            let digits_end = rest.find(|c: char| !c.is_ascii_digit())?;
            if digits_end == 0 {
                return None;
            }
            let (digits, after) = rest.split_at(digits_end);
            let mut chars = after.chars();
            let unit = chars.next()?.to_ascii_uppercase();
            let at = units[next_unit..].iter().position(|(u, _)| *u == unit)? + next_unit;
            next_unit = at + 1;
            let n = digits.parse::<u64>().ok();
            total = match (total, n) {
                (Some(t), Some(n)) => n.checked_mul(units[at].1).and_then(|s| t.checked_add(s)),
                _ => None,
            };
            parts += 1;
            rest = chars.as_str();
        }
        Some(())
    };
    read(date, &[('D', 86_400)])?;
    if let Some(time) = time {
        read(time, &[('H', 3600), ('M', 60), ('S', 1)])?;
    }
    (parts > 0).then_some(total)
}

impl fmt::Display for MaxDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, unit) = [(86_400, "d"), (3600, "h"), (60, "m")]
            .into_iter()
            .find(|(u, _)| self.secs.is_multiple_of(*u))
            .map_or((self.secs, "s"), |(u, name)| (self.secs / u, name));
        write!(f, "{n}{unit}")
    }
}

impl FromStr for MaxDuration {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for MaxDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for MaxDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The rule of `jobConfig.maxDuration` (a string or, as YAML may read
/// `90m` unquoted, any scalar).
pub(crate) fn max_duration(node: &Node, field: &str, c: &mut Checker) -> Option<MaxDuration> {
    let Some(text) = node.scalar_text() else {
        c.wrong_type(field, "a duration such as 90m or PT90M", node, HINT);
        return None;
    };
    match MaxDuration::parse(&text) {
        Ok(d) => Some(d),
        Err(e) => {
            c.invalid(field, e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms_and_their_text() {
        for (text, secs, shown) in [
            ("45s", 45, "45s"),
            ("90m", 5400, "90m"),
            (" 2h ", 7200, "2h"),
            ("1d", 86_400, "1d"),
            ("120s", 120, "2m"),
            ("3700s", 3700, "3700s"),
            ("7d", 7 * 86_400, "7d"),
            ("168h", 7 * 86_400, "7d"),
            ("PT90M", 5400, "90m"),
            ("pt90m", 5400, "90m"),
            ("PT1H30M", 5400, "90m"),
            ("PT45S", 45, "45s"),
            ("PT1H0M1S", 3601, "3601s"),
            ("P1D", 86_400, "1d"),
            ("P1DT2H", 93_600, "26h"),
            ("P7D", 7 * 86_400, "7d"),
        ] {
            let d = MaxDuration::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                (d.as_secs(), d.to_string().as_str()),
                (secs, shown),
                "{text}"
            );
            assert_eq!(MaxDuration::parse(shown), Ok(d), "{shown} reads back");
            assert_eq!(d.as_chrono().num_seconds(), secs as i64);
        }
    }

    #[test]
    fn refused_forms_say_why() {
        for (text, why) in [
            ("", "not a duration"),
            ("90", "not a duration"),
            ("m", "not a duration"),
            ("1.5h", "not a duration"),
            ("-5m", "not a duration"),
            ("5 m", "not a duration"),
            ("5min", "not a duration"),
            ("1w", "not a duration"),
            ("P", "not a duration"),
            ("PT", "not a duration"),
            ("P1H", "not a duration"),
            ("PT1D", "not a duration"),
            ("PT30M1H", "not a duration"),
            ("PT1H1H", "not a duration"),
            ("PTM", "not a duration"),
            ("P1Y", "not a duration"),
            ("PT1.5H", "not a duration"),
            ("0s", "no time at all"),
            ("PT0S", "no time at all"),
            ("8d", "longer than"),
            ("PT168H1S", "longer than"),
            ("99999999999999999999s", "longer than"),
            ("P99999999999999999DT1H", "longer than"),
        ] {
            let e = MaxDuration::parse(text).expect_err(text);
            assert!(e.problem.contains(why), "{text}: {e}");
            assert!(e.hint.contains("PT90M") && e.hint.contains("7d"), "{e}");
        }
        assert_eq!(MaxDuration::from_secs(0), None);
        assert_eq!(MaxDuration::from_secs(MAX_DURATION_LIMIT_SECS + 1), None);
    }

    #[test]
    fn json_is_the_text() {
        let d = MaxDuration::parse("PT90M").expect("valid");
        assert_eq!(serde_json::to_string(&d).expect("json"), "\"90m\"");
        assert_eq!(
            serde_json::from_str::<MaxDuration>("\"90m\"").expect("back"),
            d
        );
        assert!(serde_json::from_str::<MaxDuration>("\"0s\"").is_err());
    }
}
