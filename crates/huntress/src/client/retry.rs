//! When and how long the client waits before trying a request again: two
//! budgets of the shared [`RetryStrategy`], because a 429 is Huntress's
//! account-wide limit speaking, not a failure.

use psa_http::RetryStrategy;
use std::time::Duration;

/// The retry strategy, as plain data (tests use tiny delays).
///
/// 5xx answers, timeouts and network errors are retried per `failures`. A
/// 429 is retried per `rate_limited`, a budget of its own: it waits for the
/// server's `Retry-After` when sent (at most `max_retry_after`), else the
/// strategy's backoff, and pauses every client of the account meanwhile.
/// 401, 403 and other 4xx are never retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// After a 5xx, timeout or network error.
    pub failures: RetryStrategy,
    /// After a 429 (public clients wait 10 to 60 s).
    pub rate_limited: RetryStrategy,
    /// The longest wait after a 429, whatever `Retry-After` says.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            failures: RetryStrategy {
                max_attempts: 4,
                ..RetryStrategy::default()
            },
            rate_limited: RetryStrategy {
                max_attempts: 6,
                initial_delay: Duration::from_secs(15),
                max_delay: Duration::from_secs(120),
                jitter: true,
                max_total_delay: None,
            },
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Never retry: every failure is returned at once.
    pub fn none() -> Self {
        Self {
            failures: RetryStrategy::none(),
            rate_limited: RetryStrategy::none(),
            ..Self::default()
        }
    }

    /// The same number of retries with every wait scaled down to `unit`
    /// (1, 2, 4... units; `Retry-After` capped at 100 units), no jitter.
    /// Meant for tests.
    pub fn fast(unit: Duration) -> Self {
        let defaults = Self::default();
        Self {
            failures: RetryStrategy {
                max_attempts: defaults.failures.max_attempts,
                ..RetryStrategy::fast(unit)
            },
            rate_limited: RetryStrategy {
                max_attempts: defaults.rate_limited.max_attempts,
                ..RetryStrategy::fast(unit)
            },
            max_retry_after: unit * 100,
        }
    }

    /// The rate-limit strategy with its waits capped at `max_retry_after`.
    pub(crate) fn rate_limit_strategy(&self) -> RetryStrategy {
        RetryStrategy {
            max_delay: self.rate_limited.max_delay.min(self.max_retry_after),
            ..self.rate_limited
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_never_waits_longer_than_max_retry_after() {
        let policy = RetryPolicy {
            max_retry_after: Duration::from_secs(30),
            ..RetryPolicy::default()
        };
        assert_eq!(
            policy.rate_limit_strategy().max_delay,
            Duration::from_secs(30)
        );
        assert_eq!(RetryPolicy::none().failures.max_attempts, 1);
        assert!(!RetryPolicy::fast(Duration::from_millis(1)).failures.jitter);
    }
}
