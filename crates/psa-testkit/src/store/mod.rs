//! A store wrapper for crash-consistency and fencing tests.
//!
//! [`FaultyStore`](crate::store::FaultyStore) wraps any
//! [`Store`](psa_ingest::ports::Store) and numbers every write call of its
//! ports (and of the fenced views made from it) from 1. It can fail the
//! Nth write before it reaches the store, or after the store committed it
//! (a crash between a commit and its acknowledgement), and it can pause at
//! the Nth write as if the process stopped there (every call waits) until
//! the test resumes it.
//!
//! ```no_run
//! # async fn demo(store: std::sync::Arc<dyn psa_ingest::ports::Store>) {
//! use psa_testkit::store::{FaultPoint, FaultyStore};
//!
//! let faulty = FaultyStore::new(store);
//! faulty.faults().fail_write(3, FaultPoint::AfterCommit);
//! // ... run a job on `faulty`: its third write commits, then fails.
//! assert!(faulty.faults().writes() >= 3);
//! # }
//! ```

mod forward;

use psa_ingest::ports::{StoreError, StoreResult};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// A store whose writes are counted and can fail or pause on demand.
/// Cheap to clone; clones and fenced views share one [`StoreFaults`].
pub struct FaultyStore<S: ?Sized> {
    inner: Arc<S>,
    faults: Arc<StoreFaults>,
}

impl<S: ?Sized> Clone for FaultyStore<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            faults: Arc::clone(&self.faults),
        }
    }
}

/// When an injected write failure strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// The write fails before it reaches the store: nothing of it lands.
    Before,
    /// The write reaches the store and commits, then the caller is told it
    /// failed (a crash between the commit and its acknowledgement).
    AfterCommit,
}

/// How one write call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The store accepted it.
    Landed,
    /// The store refused it because the job's lease is no longer held.
    Fenced,
    /// The store failed it (the message).
    Failed(String),
    /// An injected failure (after the commit, for [`FaultPoint::AfterCommit`]).
    Injected(FaultPoint),
}

/// One write call, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRecord {
    /// Its number, from 1.
    pub number: u64,
    /// The port method.
    pub method: &'static str,
    /// How it ended.
    pub outcome: WriteOutcome,
}

/// The shared controls and record of a [`FaultyStore`].
pub struct StoreFaults {
    state: Mutex<FaultState>,
    paused: watch::Sender<bool>,
}

#[derive(Default)]
struct FaultState {
    writes: u64,
    fail: Option<(u64, FaultPoint)>,
    pause_at: Option<u64>,
    pause_at_method: Option<&'static str>,
    hold_renewals: bool,
    fail_renewals: bool,
    log: Vec<WriteRecord>,
}

impl StoreFaults {
    fn state(&self) -> std::sync::MutexGuard<'_, FaultState> {
        self.state.lock().expect("not poisoned")
    }

    /// Write calls made so far.
    pub fn writes(&self) -> u64 {
        self.state().writes
    }

    /// Every write call so far, in order.
    pub fn log(&self) -> Vec<WriteRecord> {
        self.state().log.clone()
    }

    /// Fails write number `n` (counted from the first write ever made
    /// through this store) at `point`. One failure at a time; it fires once.
    pub fn fail_write(&self, n: u64, point: FaultPoint) {
        self.state().fail = Some((n, point));
    }

    /// Pauses at write number `n`: that write and every later call (reads,
    /// writes, lease renewals) wait until [`resume`](Self::resume), as if
    /// the process had stopped.
    pub fn pause_at_write(&self, n: u64) {
        self.state().pause_at = Some(n);
    }

    /// Pauses at the first write of `method` (a port method's name, e.g.
    /// `write_assets`), like [`pause_at_write`](Self::pause_at_write).
    pub fn pause_at_first(&self, method: &'static str) {
        self.state().pause_at_method = Some(method);
    }

    /// Makes every lease renewal fail (the store unreachable for them).
    pub fn fail_renewals(&self) {
        self.state().fail_renewals = true;
    }

    /// Waits until a pause set with [`pause_at_write`](Self::pause_at_write)
    /// has engaged.
    pub async fn paused(&self) {
        let mut paused = self.paused.subscribe();
        // The sender lives as long as `self`: waiting cannot fail.
        let _ = paused.wait_for(|paused| *paused).await;
    }

    /// Resumes a paused caller. Its lease renewals stay stopped: the
    /// resumed job's writes run before it could notice its lease is gone,
    /// the order in which only fencing keeps them out.
    pub fn resume(&self) {
        self.state().hold_renewals = true;
        self.paused.send_replace(false);
    }

    async fn gate(&self) {
        let mut paused = self.paused.subscribe();
        let _ = paused.wait_for(|paused| !*paused).await;
    }
}

impl<S: ?Sized> FaultyStore<S> {
    /// Wraps `inner`; nothing fails or pauses until asked.
    pub fn new(inner: Arc<S>) -> Self {
        Self {
            inner,
            faults: Arc::new(StoreFaults {
                state: Mutex::new(FaultState::default()),
                paused: watch::Sender::new(false),
            }),
        }
    }

    /// The controls and the record of writes.
    pub fn faults(&self) -> &Arc<StoreFaults> {
        &self.faults
    }

    /// Every call that is not a write: waits while paused.
    async fn enter(&self) {
        self.faults.gate().await;
    }

    /// A lease renewal: waits while paused, and forever once resumed;
    /// fails when renewals are set to fail.
    async fn renewal(&self) -> StoreResult<()> {
        self.faults.gate().await;
        let (hold, fail) = {
            let state = self.faults.state();
            (state.hold_renewals, state.fail_renewals)
        };
        if hold {
            std::future::pending::<()>().await;
        }
        if fail {
            return Err(injected(0, "renew_lease"));
        }
        Ok(())
    }

    /// One write: numbered, then paused, failed or passed on as set.
    async fn write<T>(
        &self,
        method: &'static str,
        call: impl Future<Output = StoreResult<T>>,
    ) -> StoreResult<T> {
        let (number, fault) = {
            let mut state = self.faults.state();
            state.writes += 1;
            let number = state.writes;
            if state.pause_at == Some(number) || state.pause_at_method == Some(method) {
                state.pause_at = None;
                state.pause_at_method = None;
                self.faults.paused.send_replace(true);
            }
            let fault = match state.fail {
                Some((n, point)) if n == number => {
                    state.fail = None;
                    Some(point)
                }
                _ => None,
            };
            (number, fault)
        };
        self.faults.gate().await;
        let result = match fault {
            Some(FaultPoint::Before) => Err(injected(number, method)),
            Some(FaultPoint::AfterCommit) => call.await.and_then(|_| Err(injected(number, method))),
            None => call.await,
        };
        let outcome = match (&result, fault) {
            (Err(_), Some(point)) => WriteOutcome::Injected(point),
            (Ok(_), _) => WriteOutcome::Landed,
            (Err(StoreError::Fenced { .. }), _) => WriteOutcome::Fenced,
            (Err(error), _) => WriteOutcome::Failed(error.to_string()),
        };
        self.faults.state().log.push(WriteRecord {
            number,
            method,
            outcome,
        });
        result
    }
}

fn injected(number: u64, method: &str) -> StoreError {
    StoreError::Backend {
        message: format!("injected fault at write {number} ({method})"),
        source: None,
    }
}
