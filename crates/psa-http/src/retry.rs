use backon::{ExponentialBuilder, Retryable};
use std::future::Future;
use std::time::Duration;

/// How a client retries a request, as data: up to `max_attempts` tries,
/// waiting `initial_delay`, then twice as long each time, never more than
/// `max_delay` between two tries nor `max_total_delay` in all, with jitter
/// when `jitter` is on (so many workers that failed together do not retry
/// together). The waits come from `backon`.
///
/// ```
/// use psa_http::RetryStrategy;
/// use std::time::Duration;
///
/// let strategy = RetryStrategy {
///     max_attempts: 4,
///     initial_delay: Duration::from_millis(100),
///     max_delay: Duration::from_millis(250),
///     ..RetryStrategy::default()
/// };
/// assert_eq!(strategy.delay_before_retry(1), Duration::from_millis(100));
/// assert_eq!(strategy.delay_before_retry(2), Duration::from_millis(200));
/// assert_eq!(strategy.delay_before_retry(3), Duration::from_millis(250));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryStrategy {
    /// Tries per request, the first included. `1` means no retry.
    pub max_attempts: u32,
    /// Wait before the first retry.
    pub initial_delay: Duration,
    /// Longest wait between two tries.
    pub max_delay: Duration,
    /// Adds a random part (up to the wait itself) to each wait.
    pub jitter: bool,
    /// Longest time spent waiting over all retries of one request.
    pub max_total_delay: Option<Duration>,
}

impl Default for RetryStrategy {
    /// Five tries, waiting about 500 ms, 1 s, 2 s, 4 s (with jitter), at
    /// most 30 s between two and 5 minutes in all.
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            jitter: true,
            max_total_delay: Some(Duration::from_secs(300)),
        }
    }
}

impl RetryStrategy {
    /// One try, no retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::fast(Duration::ZERO)
        }
    }

    /// `max_attempts` tries with a fixed, tiny wait and no jitter: for
    /// tests.
    pub fn immediate(max_attempts: u32) -> Self {
        Self {
            max_attempts,
            initial_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            jitter: false,
            max_total_delay: None,
        }
    }

    /// The default number of tries with waits of 1, 2, 4... `unit` (at
    /// most 16), no jitter: for tests.
    pub fn fast(unit: Duration) -> Self {
        Self {
            initial_delay: unit,
            max_delay: unit * 16,
            jitter: false,
            max_total_delay: None,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first), jitter
    /// aside.
    pub fn delay_before_retry(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(31);
        self.initial_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// The `backon` backoff of this strategy.
    pub fn backoff(&self) -> ExponentialBuilder {
        let builder = ExponentialBuilder::default()
            .with_min_delay(self.initial_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_total_delay(self.max_total_delay);
        if self.jitter {
            builder.with_jitter()
        } else {
            builder
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Return the error.
    Stop,
    /// Try again after the strategy's next wait.
    Retry,
    /// Try again after this wait (a server's `Retry-After`, already
    /// clamped), if the strategy allows another try.
    RetryAfter(Duration),
}

/// Runs `attempt` until it succeeds, `verdict` says stop, or `strategy`
/// runs out; `on_retry` sees each error that is retried and the wait
/// before the next try (a provider's quirk goes there, e.g. a smaller
/// page after a timeout). The one retry loop of every client.
pub async fn retry<T, E, F, Fut>(
    strategy: &RetryStrategy,
    attempt: F,
    verdict: impl Fn(&E) -> Verdict,
    mut on_retry: impl FnMut(&E, Duration),
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    attempt
        .retry(strategy.backoff())
        .sleep(tokio::time::sleep)
        .when(|error| verdict(error) != Verdict::Stop)
        .adjust(|error, next| match (verdict(error), next) {
            (Verdict::RetryAfter(wait), Some(_)) => Some(wait),
            (_, next) => next,
        })
        .notify(|error, wait| on_retry(error, wait))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn waits_double_up_to_the_cap() {
        let strategy = RetryStrategy::default();
        assert_eq!(strategy.delay_before_retry(1), Duration::from_millis(500));
        assert_eq!(strategy.delay_before_retry(4), Duration::from_secs(4));
        assert_eq!(strategy.delay_before_retry(40), Duration::from_secs(30));
    }

    async fn run(
        strategy: RetryStrategy,
        fail_first: u32,
        verdict: Verdict,
    ) -> (Result<u32, u32>, u32, Vec<Duration>) {
        let calls = AtomicU32::new(0);
        let mut waits = Vec::new();
        let result = retry(
            &strategy,
            || async {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                if n <= fail_first { Err(n) } else { Ok(n) }
            },
            |_| verdict,
            |_, wait| waits.push(wait),
        )
        .await;
        (result, calls.load(Ordering::SeqCst), waits)
    }

    #[tokio::test]
    async fn retries_until_success_within_the_attempts() {
        let (result, calls, waits) = run(RetryStrategy::immediate(3), 2, Verdict::Retry).await;
        assert_eq!((result, calls), (Ok(3), 3));
        assert_eq!(waits, [Duration::from_millis(1); 2]);
    }

    #[tokio::test]
    async fn gives_up_after_the_last_attempt_or_at_stop() {
        let (result, calls, _) = run(RetryStrategy::immediate(3), 10, Verdict::Retry).await;
        assert_eq!((result, calls), (Err(3), 3));
        let (result, calls, waits) = run(RetryStrategy::immediate(3), 10, Verdict::Stop).await;
        assert_eq!((result, calls, waits.len()), (Err(1), 1, 0));
        let (result, calls, _) = run(RetryStrategy::none(), 10, Verdict::Retry).await;
        assert_eq!((result, calls), (Err(1), 1));
    }

    #[tokio::test]
    async fn a_server_wait_replaces_the_backoff() {
        let wait = Duration::from_millis(7);
        let (result, _, waits) =
            run(RetryStrategy::immediate(2), 1, Verdict::RetryAfter(wait)).await;
        assert_eq!(result, Ok(2));
        assert_eq!(waits, [wait]);
    }
}
