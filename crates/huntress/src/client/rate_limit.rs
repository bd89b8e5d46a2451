//! A client-side sliding-window limiter, shared by every clone of a client.
//!
//! Huntress allows 60 requests in any 60 s span per account and answers 429
//! to the 61st. The limiter keeps the client under that without a single 429:
//! a slot is taken before a request is sent and given back one window after
//! its answer arrived. The server saw the request somewhere between sending
//! and answering, so counting from the answer is the safe side: request
//! `n + limit` cannot reach the server less than one window after request `n`.

use crate::HuntressError;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;

/// How many requests may start within one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window (Huntress: 60).
    pub max_requests: u32,
    /// The window length (Huntress: 60 s).
    pub window: Duration,
}

impl RateLimit {
    /// Huntress's documented limit: 60 requests in any 60 seconds.
    pub const HUNTRESS: Self = Self {
        max_requests: 60,
        window: Duration::from_secs(60),
    };

    /// A limit of `max_requests` per `window`.
    pub fn new(max_requests: u32, window: Duration) -> Self {
        Self {
            max_requests,
            window,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), HuntressError> {
        if self.max_requests == 0 {
            return Err(HuntressError::Config {
                field: "rate_limit",
                message: "max_requests must be at least 1".into(),
            });
        }
        if self.window.is_zero() {
            return Err(HuntressError::Config {
                field: "rate_limit",
                message: "window must be longer than zero".into(),
            });
        }
        Ok(())
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::HUNTRESS
    }
}

#[derive(Debug)]
struct Slot {
    id: u64,
    /// When the answer arrived; `None` while the request is in flight.
    finished: Option<Instant>,
}

#[derive(Debug, Default)]
struct WindowState {
    next_id: u64,
    slots: VecDeque<Slot>,
    /// Set after a 429: nobody sends before this instant.
    paused_until: Option<Instant>,
}

/// A rate limiter that several clients of one account can share (e.g. the
/// clients of concurrent jobs), so together they stay under the account's
/// limit. Cheap to clone; clones are the same limiter.
#[derive(Debug, Clone)]
pub struct SharedLimiter(pub(crate) Arc<SlidingWindow>);

impl SharedLimiter {
    /// A limiter allowing `limit`.
    pub fn new(limit: RateLimit) -> Self {
        Self(Arc::new(SlidingWindow::new(limit)))
    }

    /// The limit it enforces.
    pub fn limit(&self) -> RateLimit {
        self.0.limit
    }
}

/// The limiter. One per client unless shared, behind an `Arc`.
#[derive(Debug)]
pub(crate) struct SlidingWindow {
    limit: RateLimit,
    state: Mutex<WindowState>,
    released: Notify,
}

/// A taken slot. Dropping it marks the request finished (now), which starts
/// the slot's one-window cool-down.
#[derive(Debug)]
pub(crate) struct Permit<'a> {
    limiter: &'a SlidingWindow,
    id: u64,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.limiter.finish(self.id);
    }
}

enum Next {
    Wait(Option<Instant>),
    Go(u64),
}

impl SlidingWindow {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            state: Mutex::new(WindowState::default()),
            released: Notify::new(),
        }
    }

    /// Waits until a request may start, and takes a slot for it.
    pub(crate) async fn acquire(&self) -> Permit<'_> {
        loop {
            // Register for wake-ups before looking, so a release between the
            // look and the wait is not missed.
            let notified = self.released.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.try_take(Instant::now()) {
                Next::Go(id) => return Permit { limiter: self, id },
                Next::Wait(Some(until)) => {
                    // Woken by a released permit, or at the window's end.
                    let _ = tokio::time::timeout_at(until, &mut notified).await;
                }
                Next::Wait(None) => notified.await,
            }
        }
    }

    /// Holds every request back for `wait` (after a 429), across clones.
    pub(crate) fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state.paused_until.is_none_or(|current| current < until) {
            state.paused_until = Some(until);
        }
    }

    fn try_take(&self, now: Instant) -> Next {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = state.paused_until {
            if until > now {
                return Next::Wait(Some(until));
            }
            state.paused_until = None;
        }
        let window = self.limit.window;
        state
            .slots
            .retain(|slot| slot.finished.is_none_or(|done| done + window > now));
        if state.slots.len() < self.limit.max_requests as usize {
            let id = state.next_id;
            state.next_id += 1;
            state.slots.push_back(Slot { id, finished: None });
            return Next::Go(id);
        }
        // Full: the earliest finished slot frees first; if every slot is in
        // flight, wait for an answer to arrive.
        Next::Wait(
            state
                .slots
                .iter()
                .filter_map(|slot| slot.finished)
                .min()
                .map(|done| done + window),
        )
    }

    fn finish(&self, id: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = state.slots.iter_mut().find(|slot| slot.id == id) {
            slot.finished = Some(Instant::now());
        }
        drop(state);
        self.released.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_burst_is_spread_over_windows() {
        let limiter = SlidingWindow::new(RateLimit::new(3, Duration::from_millis(60)));
        let start = Instant::now();
        for _ in 0..7 {
            drop(limiter.acquire().await);
        }
        // 7 requests at 3 per window need at least two full windows.
        assert!(
            start.elapsed() >= Duration::from_millis(120),
            "took {:?}",
            start.elapsed()
        );
    }

    #[tokio::test]
    async fn in_flight_slots_block_until_released() {
        let limiter = Arc::new(SlidingWindow::new(RateLimit::new(
            1,
            Duration::from_millis(20),
        )));
        let permit = limiter.acquire().await;
        let waiter = {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move {
                let started = Instant::now();
                drop(limiter.acquire().await);
                started.elapsed()
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(permit);
        let waited = waiter.await.expect("waiter runs");
        // Held 50 ms in flight, then one 20 ms window after the answer.
        assert!(
            waited >= Duration::from_millis(65),
            "waited only {waited:?}"
        );
    }

    #[tokio::test]
    async fn a_pause_holds_every_request_back() {
        let limiter = SlidingWindow::new(RateLimit::new(100, Duration::from_millis(10)));
        limiter.pause_for(Duration::from_millis(40));
        let start = Instant::now();
        drop(limiter.acquire().await);
        assert!(start.elapsed() >= Duration::from_millis(40));
    }

    #[test]
    fn zero_limits_are_refused() {
        assert!(
            RateLimit::new(0, Duration::from_secs(1))
                .validate()
                .is_err()
        );
        assert!(RateLimit::new(1, Duration::ZERO).validate().is_err());
        assert!(RateLimit::HUNTRESS.validate().is_ok());
    }
}
