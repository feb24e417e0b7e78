//! A small asynchronous semaphore, runtime-agnostic (the domain has no
//! async runtime): bounds how many artifact checks run at once. Waiters are
//! served in arrival order; a waiter that gives up (its future dropped)
//! leaves the queue and passes a wake-up it got on to the next.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// At most `permits` holders of a [`Permit`] at once.
#[derive(Debug)]
pub(crate) struct Gate {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    free: usize,
    next_ticket: u64,
    /// Waiting acquisitions, oldest first: ticket and the waker to call.
    queue: VecDeque<(u64, Waker)>,
}

impl Gate {
    /// A gate letting `permits` through at once (at least one).
    pub(crate) fn new(permits: usize) -> Self {
        Gate {
            state: Mutex::new(State {
                free: permits.max(1),
                next_ticket: 0,
                queue: VecDeque::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wait for a permit; it is given back when the [`Permit`] is dropped.
    pub(crate) fn enter(&self) -> Enter<'_> {
        Enter {
            gate: self,
            ticket: None,
        }
    }

    /// Permits free now.
    #[cfg(test)]
    pub(crate) fn free(&self) -> usize {
        self.lock().free
    }
}

impl State {
    fn wake_first(&self) {
        if self.free > 0 {
            if let Some((_, waker)) = self.queue.front() {
                waker.wake_by_ref();
            }
        }
    }
}

/// The future of [`Gate::enter`].
pub(crate) struct Enter<'g> {
    gate: &'g Gate,
    ticket: Option<u64>,
}

impl<'g> Future for Enter<'g> {
    type Output = Permit<'g>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit<'g>> {
        let gate = self.gate;
        let mut state = gate.lock();
        let first = match self.ticket {
            None => state.queue.is_empty(),
            Some(t) => state.queue.front().is_some_and(|(f, _)| *f == t),
        };
        if first && state.free > 0 {
            state.free -= 1;
            if self.ticket.take().is_some() {
                state.queue.pop_front();
            }
            // Another permit may be free for the next in line.
            state.wake_first();
            return Poll::Ready(Permit { gate });
        }
        match self.ticket {
            Some(t) => {
                if let Some(entry) = state.queue.iter_mut().find(|(f, _)| *f == t) {
                    entry.1.clone_from(cx.waker());
                }
            }
            None => {
                let t = state.next_ticket;
                state.next_ticket += 1;
                state.queue.push_back((t, cx.waker().clone()));
                drop(state);
                self.ticket = Some(t);
            }
        }
        Poll::Pending
    }
}

impl Drop for Enter<'_> {
    fn drop(&mut self) {
        if let Some(t) = self.ticket {
            let mut state = self.gate.lock();
            state.queue.retain(|(f, _)| *f != t);
            state.wake_first();
        }
    }
}

/// A permit of a [`Gate`], given back on drop.
#[derive(Debug)]
pub(crate) struct Permit<'g> {
    gate: &'g Gate,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.gate.lock();
        state.free += 1;
        state.wake_first();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn never_more_than_the_permits_hold_it_at_once_and_all_get_through() {
        let gate = Arc::new(Gate::new(3));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (gate, inside, most) = (gate.clone(), inside.clone(), most.clone());
                tokio::spawn(async move {
                    let _permit = gate.enter().await;
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.expect("the task ends");
        }
        assert_eq!(most.load(Ordering::SeqCst), 3);
        assert_eq!(gate.free(), 3);
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_leaves_the_queue_and_passes_its_turn_on() {
        let gate = Gate::new(1);
        let held = gate.enter().await;
        // A waiter that times out while the permit is held.
        let gave_up =
            tokio::time::timeout(std::time::Duration::from_millis(20), gate.enter()).await;
        assert!(gave_up.is_err(), "the permit is held");
        let next = gate.enter();
        drop(held);
        let _second = tokio::time::timeout(std::time::Duration::from_secs(5), next)
            .await
            .expect("the next waiter gets the permit");
        assert_eq!(gate.free(), 0);
    }
}
