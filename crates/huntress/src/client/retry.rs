//! When and how long the client waits before trying a request again.

use std::time::Duration;

/// The retry strategy, as plain data (tests use tiny delays).
///
/// 5xx answers, timeouts and network errors are retried with exponential
/// backoff (`initial_backoff`, doubled each time, capped at `max_backoff`).
/// A 429 waits for the server's `Retry-After` when sent (capped at
/// `max_retry_after`), else `rate_limit_backoff`, doubled each time and
/// capped at `max_retry_after`. 401, 403 and other 4xx are never retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after a 5xx, timeout or network error (0 = try once).
    pub max_retries: u32,
    /// The first wait after a 5xx, timeout or network error.
    pub initial_backoff: Duration,
    /// The longest wait after a 5xx, timeout or network error.
    pub max_backoff: Duration,
    /// Retries after a 429.
    pub max_rate_limit_retries: u32,
    /// The first wait after a 429 without `Retry-After` (public clients wait
    /// 10 to 60 s).
    pub rate_limit_backoff: Duration,
    /// The longest wait after a 429, whatever `Retry-After` says.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_rate_limit_retries: 5,
            rate_limit_backoff: Duration::from_secs(15),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Never retry: every failure is returned at once.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            max_rate_limit_retries: 0,
            ..Self::default()
        }
    }

    /// The same number of retries with every wait scaled down to `unit`
    /// (1, 2, 4... units; 429 waits of 1, 2, 4... units, `Retry-After`
    /// capped at 100 units). Meant for tests.
    pub fn fast(unit: Duration) -> Self {
        Self {
            initial_backoff: unit,
            max_backoff: unit * 16,
            rate_limit_backoff: unit,
            max_retry_after: unit * 100,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0-based) after a 5xx, timeout
    /// or network error.
    pub fn backoff(&self, retry: u32) -> Duration {
        exponential(self.initial_backoff, retry).min(self.max_backoff)
    }

    /// The wait before retry number `retry` (0-based) after a 429 that sent
    /// `retry_after` (or none).
    pub fn rate_limit_wait(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        retry_after
            .unwrap_or_else(|| exponential(self.rate_limit_backoff, retry))
            .min(self.max_retry_after)
    }
}

fn exponential(base: Duration, retry: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(retry.min(16)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff(0), Duration::from_millis(100));
        assert_eq!(policy.backoff(1), Duration::from_millis(200));
        assert_eq!(policy.backoff(2), Duration::from_millis(350));
        assert_eq!(policy.backoff(40), Duration::from_millis(350));
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        let policy = RetryPolicy {
            max_retry_after: Duration::from_secs(30),
            ..RetryPolicy::default()
        };
        assert_eq!(
            policy.rate_limit_wait(0, Some(Duration::from_secs(7))),
            Duration::from_secs(7)
        );
        assert_eq!(
            policy.rate_limit_wait(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(30)
        );
        assert_eq!(policy.rate_limit_wait(0, None), Duration::from_secs(15));
        assert_eq!(policy.rate_limit_wait(1, None), Duration::from_secs(30));
    }
}
