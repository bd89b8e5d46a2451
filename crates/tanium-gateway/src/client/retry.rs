//! The retry strategy: the shared one of `psa-http`. On top of it, a page
//! that times out is asked again at half the page size (each such retry
//! counts as an attempt).

/// How transient failures (5xx, timeouts, network errors, HTTP 429) are
/// retried: [`psa_http::RetryStrategy`], the strategy every client shares.
///
/// ```
/// use std::time::Duration;
/// use tanium_gateway::RetryPolicy;
///
/// let policy = RetryPolicy {
///     max_attempts: 4,
///     initial_delay: Duration::from_millis(100),
///     max_delay: Duration::from_millis(250),
///     ..RetryPolicy::default()
/// };
/// assert_eq!(policy.delay_before_retry(3), Duration::from_millis(250));
/// ```
pub type RetryPolicy = psa_http::RetryStrategy;
