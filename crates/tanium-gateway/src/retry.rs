//! The retry strategy, as data.

use std::time::Duration;

/// How transient failures (5xx, timeouts, network errors, HTTP 429) are
/// retried: up to `max_attempts` tries per request, waiting
/// `initial_delay`, then twice as long each time, never more than
/// `max_delay`.
///
/// A page that times out is retried at half the page size; each such retry
/// counts as an attempt.
///
/// ```
/// use std::time::Duration;
/// use tanium_gateway::RetryPolicy;
///
/// let policy = RetryPolicy {
///     max_attempts: 4,
///     initial_delay: Duration::from_millis(100),
///     max_delay: Duration::from_millis(250),
/// };
/// assert_eq!(policy.delay_before_retry(1), Duration::from_millis(100));
/// assert_eq!(policy.delay_before_retry(2), Duration::from_millis(200));
/// assert_eq!(policy.delay_before_retry(3), Duration::from_millis(250));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries per request, the first included. `1` means no retry.
    pub max_attempts: u32,
    /// Wait before the first retry.
    pub initial_delay: Duration,
    /// Longest wait between two tries.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Five tries, waiting 500 ms, 1 s, 2 s, 4 s.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One try, no retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            initial_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        }
    }

    /// `max_attempts` tries with a fixed, tiny wait: for tests.
    pub fn immediate(max_attempts: u32) -> Self {
        Self {
            max_attempts,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        }
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub fn delay_before_retry(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        self.initial_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// Whether another try is allowed after `attempts` tries.
    pub(crate) fn allows_another(&self, attempts: u32) -> bool {
        attempts < self.max_attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay_before_retry(1), Duration::from_millis(500));
        assert_eq!(policy.delay_before_retry(4), Duration::from_secs(4));
        assert_eq!(policy.delay_before_retry(40), Duration::from_secs(30));
    }

    #[test]
    fn none_allows_a_single_try() {
        assert!(!RetryPolicy::none().allows_another(1));
        assert!(RetryPolicy::immediate(2).allows_another(1));
        assert!(!RetryPolicy::immediate(2).allows_another(2));
    }
}
