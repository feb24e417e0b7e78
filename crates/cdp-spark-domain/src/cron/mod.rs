//! Quartz cron expressions, exactly as Quartz 2.3.2 reads and evaluates them.
//!
//! [`CronExpression::parse`] accepts and rejects the same texts as
//! `new org.quartz.CronExpression(text)`, and [`CronExpression::next_after`]
//! answers what `getNextValidTimeAfter` answers in a time zone, daylight
//! saving time and Quartz's own corners included. Both are checked against
//! the real Quartz jar (`tests/it/cron_oracle.rs`, `tests/it/cron_differential.rs`).
//!
//! Inside:
//! - `parser`: Quartz's grammar, field by field, with our error messages;
//! - `eval`: Quartz's search, step for step, on
//! - `calendar`: the lenient `java.util.GregorianCalendar` it runs on, and
//! - `zone`: time zones as Java resolves wall-clock times;
//! - `zone_id`: which zone ids Java resolves, and to what ([`JavaTimeZone`]);
//! - [`batch`]: the oracle's line format, for the CLI;
//! - `describe`: a short English reading of an expression.

pub mod batch;
mod calendar;
mod describe;
mod eval;
mod parser;
mod value_set;
mod zone;
mod zone_id;

pub use zone_id::{JavaTimeZone, UnknownTimeZone};

use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, Utc};

/// The seven fields of a Quartz expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CronField {
    Seconds,
    Minutes,
    Hours,
    DayOfMonth,
    Month,
    DayOfWeek,
    Year,
}

impl CronField {
    pub fn name(self) -> &'static str {
        match self {
            CronField::Seconds => "seconds",
            CronField::Minutes => "minutes",
            CronField::Hours => "hours",
            CronField::DayOfMonth => "day-of-month",
            CronField::Month => "month",
            CronField::DayOfWeek => "day-of-week",
            CronField::Year => "year",
        }
    }
}

/// Why an expression is not a valid Quartz expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronError {
    /// The field at fault, when one is.
    pub field: Option<CronField>,
    pub message: String,
}

impl fmt::Display for CronError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Some(field) => write!(f, "{} field: {}", field.name(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CronError {}

/// The largest year Quartz searches: `CronExpression.MAX_YEAR`, the current
/// year plus 100 when Quartz's class is loaded (here: on first use).
pub(crate) fn max_year() -> i32 {
    static MAX_YEAR: OnceLock<i32> = OnceLock::new();
    *MAX_YEAR.get_or_init(|| Utc::now().year() + 100)
}

/// A valid Quartz cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpression {
    /// Shared: a trigger's schedule is cloned with the trigger, and the
    /// parsed fields stay one allocation however many copies there are.
    inner: std::sync::Arc<Parsed>,
}

#[derive(Debug, PartialEq, Eq)]
struct Parsed {
    text: String,
    spec: parser::Spec,
}

/// The outcome of a search, for the batch format.
pub(crate) use eval::Next;

impl CronExpression {
    /// Reads `text` as Quartz 2.3.2's `CronExpression` does: the same texts
    /// are accepted, and an error names the field at fault.
    pub fn parse(text: &str) -> Result<Self, CronError> {
        let spec = parser::parse(text)?;
        Ok(Self {
            inner: std::sync::Arc::new(Parsed {
                text: text.to_string(),
                spec,
            }),
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.inner.text
    }

    /// The first fire time strictly after `after`, evaluated in `tz`, as
    /// Quartz's `getNextValidTimeAfter`; `None` when there is none.
    /// Quartz works in whole seconds: the fraction of `after` is dropped.
    ///
    /// Also `None` for the few expressions Quartz accepts but cannot
    /// evaluate: it throws for a field that lists no value (such as `L` in
    /// the seconds field) and never returns for some (such as `0W`).
    pub fn next_after(
        &self,
        after: DateTime<Utc>,
        tz: impl Into<JavaTimeZone>,
    ) -> Option<DateTime<Utc>> {
        match self.search(after.timestamp(), tz.into()) {
            Next::At(t) => DateTime::from_timestamp(t, 0),
            Next::Never | Next::Fails | Next::Hangs => None,
        }
    }

    pub(crate) fn search(&self, after: i64, tz: JavaTimeZone) -> Next {
        eval::time_after(&self.inner.spec, after, tz.model())
    }

    /// The next `count` fire times after `after`.
    pub fn next_times(
        &self,
        after: DateTime<Utc>,
        tz: impl Into<JavaTimeZone>,
        count: usize,
    ) -> Vec<DateTime<Utc>> {
        let tz = tz.into();
        let mut out = Vec::with_capacity(count.min(1024));
        let mut t = after;
        while out.len() < count {
            match self.next_after(t, tz) {
                Some(n) => {
                    out.push(n);
                    t = n;
                }
                None => break,
            }
        }
        out
    }

    /// A short English reading, e.g. "at 02:30:00, Monday to Friday".
    /// Best effort, for display only.
    pub fn describe(&self) -> String {
        describe::describe(&self.inner.spec.texts)
    }
}

impl std::str::FromStr for CronExpression {
    type Err = CronError;

    fn from_str(text: &str) -> Result<Self, CronError> {
        Self::parse(text)
    }
}

impl fmt::Display for CronExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.text)
    }
}

#[cfg(test)]
mod tests;
