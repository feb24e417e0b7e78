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

/// How often [`EngineWatch`] lets its caller look at the runs again.
pub const RUNS_POLL: Duration = Duration::from_millis(100);

/// This instance's engine. The engine signals no stored run today, so
/// [`EnginePort::runs_changed`] is a poll: it returns after [`RUNS_POLL`]
/// (or sooner, at the caller's limit), and the use case reads the runs
/// again.
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
        tokio::time::sleep(RUNS_POLL.min(at_most)).await;
    }
}
