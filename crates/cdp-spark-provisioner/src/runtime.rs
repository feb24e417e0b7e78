//! The tokio adapters of the domain's waiting ports: [`TokioTimer`] for
//! `TimerPort` (retry backoff) and [`EngineWatch`] for `EnginePort` (this
//! instance's scheduler engine: wake it, and wait for runs to change).

use std::time::Duration;

use async_trait::async_trait;

use cdp_spark_domain::ports::{EnginePort, TimerPort};
use cdp_spark_scheduler::SchedulerWaker;

/// Sleeps on tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioTimer;

#[async_trait]
impl TimerPort for TokioTimer {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// The longest [`EngineWatch`] waits for this engine's signal before its
/// caller looks at the runs again: runs stored by another instance of a
/// cluster are not signalled here.
pub const RUNS_LOOK_AGAIN: Duration = Duration::from_millis(500);

/// This instance's engine: wakes it, and waits for it to store runs
/// ([`SchedulerWaker::runs_changed`]), at most [`RUNS_LOOK_AGAIN`] (or the
/// caller's limit), after which the use case reads the runs again.
#[derive(Debug, Clone)]
pub struct EngineWatch {
    waker: SchedulerWaker,
}

impl EngineWatch {
    pub fn new(waker: SchedulerWaker) -> Self {
        Self { waker }
    }
}

#[async_trait]
impl EnginePort for EngineWatch {
    fn wake(&self) {
        self.waker.wake();
    }

    async fn runs_changed(&self, at_most: Duration) {
        self.waker.runs_changed(RUNS_LOOK_AGAIN.min(at_most)).await;
    }
}
