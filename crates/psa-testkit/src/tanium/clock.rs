//! The simulator's clock: it only moves when a test moves it, so cursor
//! expiry and last-seen ages are deterministic.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use std::sync::{Arc, Mutex};

/// A manual clock shared by the simulator and the test. Clones share the time.
#[derive(Debug, Clone)]
pub struct SimClock(Arc<Mutex<DateTime<Utc>>>);

impl SimClock {
    /// A clock stopped at `time`.
    pub fn at(time: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(time)))
    }

    /// A clock stopped at the current time (whole seconds). Generated
    /// last-seen times are then close to the real clock too.
    pub fn starting_now() -> Self {
        Self::at(Utc::now().trunc_subsecs(0))
    }

    /// The clock's time.
    pub fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }

    /// Moves the clock forward (or back, with a negative delta).
    pub fn advance(&self, by: TimeDelta) {
        *self.0.lock().expect("clock lock") += by;
    }

    /// Sets the clock.
    pub fn set(&self, time: DateTime<Utc>) {
        *self.0.lock().expect("clock lock") = time;
    }

    /// The clock as a function, e.g. for a provider's `with_clock`.
    pub fn as_fn(&self) -> Arc<dyn Fn() -> DateTime<Utc> + Send + Sync> {
        let clock = self.clone();
        Arc::new(move || clock.now())
    }
}
