//! Quartz cron expressions, exactly as Quartz 2.3.2 reads and evaluates them.
//!
//! PLACEHOLDER API — being implemented. The public surface below is fixed:
//! `CronExpression::parse`, `as_str`, `next_after`, `next_times`, and
//! `CronError` with the field it concerns.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The seven fields of a Quartz expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// A valid Quartz cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronExpression {
    text: String,
}

impl CronExpression {
    pub fn parse(text: &str) -> Result<Self, CronError> {
        Ok(Self {
            text: text.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first fire time strictly after `after`, evaluated in `tz`, as
    /// Quartz's `getNextValidTimeAfter`; `None` when there is none.
    pub fn next_after(&self, _after: DateTime<Utc>, _tz: Tz) -> Option<DateTime<Utc>> {
        None
    }

    /// The next `count` fire times after `after`.
    pub fn next_times(&self, after: DateTime<Utc>, tz: Tz, count: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(count);
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
}
