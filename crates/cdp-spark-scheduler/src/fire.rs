//! The fire loop: acquires due triggers and starts a launch task per fire
//! time, at that time.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use cdp_spark_domain::ports::{AcquireRequest, Fire};
use chrono::{DateTime, Utc};
use tokio::time::Instant;
use tracing::{info, warn};

use crate::launch::launch_group;
use crate::{chrono_of, Engine};

/// Acquires due triggers (a batch under the store's lock, on the
/// database's clock) until stopped; waits for the first check-in.
pub(crate) async fn fire_loop(engine: Arc<Engine>) {
    let c = engine.config.clone();
    let request = AcquireRequest {
        instance_id: c.instance_id.clone(),
        batch_size: c.batch_size,
        look_ahead: chrono_of(c.look_ahead),
        misfire_threshold: chrono_of(c.misfire_threshold),
    };
    let mut checked_in = engine.checked_in.subscribe();
    tokio::select! {
        r = checked_in.wait_for(|done| *done) => {
            if r.is_err() {
                return;
            }
        }
        _ = engine.stop.cancelled() => return,
    }
    loop {
        if engine.stop.is_cancelled() {
            return;
        }
        let acquired = match engine.store.acquire_fires(&request).await {
            Ok(a) => a,
            Err(e) => {
                warn!(instance = %c.instance_id, error = %e, "acquiring due triggers failed; trying again");
                if !engine.pause(c.idle_wait).await {
                    return;
                }
                continue;
            }
        };
        // `db_now_at_end` is read just before the acquisition commits: the
        // local instant that matches it best.
        let taken_at = Instant::now();
        if !acquired.fires.is_empty() || !acquired.skipped.is_empty() {
            engine.stored_runs();
        }
        let db_anchor = acquired.db_now_at_end;
        let stats = &engine.stats;
        stats.acquisitions.fetch_add(1, Ordering::Relaxed);
        stats
            .fires
            .fetch_add(acquired.fires.len() as u64, Ordering::Relaxed);
        stats
            .skipped
            .fetch_add(acquired.skipped.len() as u64, Ordering::Relaxed);
        stats
            .misfires
            .fetch_add(acquired.misfired as u64, Ordering::Relaxed);
        engine
            .observer
            .acquired(acquired.misfired, acquired.skipped.len());
        for s in &acquired.skipped {
            info!(run = %s.run_id, job = %s.job_key, reason = s.error.as_deref().unwrap_or(""), "fire skipped");
        }
        let full = acquired.fires.len() + acquired.skipped.len() >= c.batch_size;
        // One launch task per fire time, started at that time: the
        // trigger's fire time as the plan set it (`actual_fire_time`; the
        // nominal time of a retry is its retried run's, long past).
        let mut groups: BTreeMap<DateTime<Utc>, Vec<Fire>> = BTreeMap::new();
        for f in acquired.fires {
            groups.entry(f.run.actual_fire_time).or_default().push(f);
        }
        for (at, fires) in groups {
            let wait = (at - db_anchor).to_std().unwrap_or(Duration::ZERO);
            let e = Arc::clone(&engine);
            engine.spawn(async move {
                tokio::time::sleep_until(taken_at + wait).await;
                launch_group(e, fires).await;
            });
        }
        if full {
            continue;
        }
        // Sleep until the next trigger enters the look-ahead window, measured
        // on the database's clock.
        let sleep = acquired
            .next_due
            .map(|next| {
                (next - db_anchor - chrono_of(c.look_ahead))
                    .to_std()
                    .unwrap_or(Duration::ZERO)
            })
            .unwrap_or(c.idle_wait)
            .min(c.idle_wait);
        let deadline = taken_at + sleep;
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {}
            _ = engine.wake.notified() => {}
            _ = engine.stop.cancelled() => return,
        }
    }
}
