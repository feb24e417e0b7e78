//! The steps of a provision or unprovision, as `ProvisioningStatus.logs`
//! (the contract's `Log`: timestamp, level, message, phase): what was
//! checked and written, each stamped by the injected [`Clock`]. Bounded
//! ([`MAX_STEPS`]) and redacted (the patterns of [`crate::redact`] and the
//! known secret values) before they leave the use case.

use std::sync::Arc;

use crate::api::{Log, LogLevel};
use crate::clock::Clock;
use crate::redact::Redactor;

/// Most steps one answer carries.
pub const MAX_STEPS: usize = 32;

/// The phases a step belongs to.
pub const PHASE_VALIDATE: &str = "validate";
pub const PHASE_STORE: &str = "store";

/// Steps being recorded.
#[derive(Clone)]
pub struct Steps {
    clock: Arc<dyn Clock>,
    logs: Vec<Log>,
}

impl std::fmt::Debug for Steps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.logs).finish()
    }
}

impl Steps {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            logs: Vec::new(),
        }
    }

    /// Records an `INFO` step of `phase` now (past [`MAX_STEPS`], nothing).
    pub fn info(&mut self, phase: &str, message: impl Into<String>) {
        self.record(LogLevel::Info, phase, message.into());
    }

    /// Records a `WARNING` of `phase` now (past [`MAX_STEPS`], nothing):
    /// what does not stop the provision but its author should see.
    pub fn warn(&mut self, phase: &str, message: impl Into<String>) {
        self.record(LogLevel::Warning, phase, message.into());
    }

    fn record(&mut self, level: LogLevel, phase: &str, message: String) {
        if self.logs.len() < MAX_STEPS {
            self.logs.push(Log {
                timestamp: self.clock.now(),
                level,
                message,
                phase: Some(phase.to_string()),
            });
        }
    }

    /// The steps, each message redacted.
    pub fn into_logs(self, redactor: &Redactor) -> Vec<Log> {
        self.logs
            .into_iter()
            .map(|mut l| {
                l.message = redactor.text(&l.message);
                l
            })
            .collect()
    }
}
