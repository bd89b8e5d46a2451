//! Faults a test injects, and the strict rate window.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// One injected failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and a JSON error body (e.g. 500, 502, 503).
    Status(u16),
    /// Answer with this status and exactly this body.
    StatusWithBody(u16, String),
    /// Answer normally, but only after this delay (for client timeouts).
    Slow(Duration),
    /// Answer 429, with `Retry-After: <seconds>` when given.
    RateLimited {
        /// The `Retry-After` value in seconds, or none.
        retry_after_secs: Option<u64>,
    },
}

/// A fault waiting for matching requests.
#[derive(Debug, Clone)]
pub(crate) struct FaultRule {
    pub(crate) fault: Fault,
    /// Only requests whose path starts with this (e.g. `/v1/incident_reports`).
    pub(crate) path_prefix: Option<String>,
    pub(crate) remaining: u32,
}

/// Takes the first rule that matches `path`, counting it down.
pub(crate) fn take_fault(rules: &mut VecDeque<FaultRule>, path: &str) -> Option<Fault> {
    let index = rules.iter().position(|rule| {
        rule.path_prefix
            .as_deref()
            .is_none_or(|prefix| path.starts_with(prefix))
    })?;
    let rule = &mut rules[index];
    let fault = rule.fault.clone();
    rule.remaining -= 1;
    if rule.remaining == 0 {
        rules.remove(index);
    }
    Some(fault)
}

/// Whether a 429 carries `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfterMode {
    /// No `Retry-After` (as documented: the spec names none).
    Omit,
    /// `Retry-After: <seconds until a slot frees>`, rounded up.
    Seconds,
}

/// The server's limit: at most `max_requests` accepted in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimRateLimit {
    /// Requests accepted per window.
    pub max_requests: u32,
    /// The window.
    pub window: Duration,
    /// Whether 429s carry `Retry-After`.
    pub retry_after: RetryAfterMode,
}

impl SimRateLimit {
    /// Huntress's limit: 60 per 60 s, 429 without `Retry-After`.
    pub fn huntress() -> Self {
        Self {
            max_requests: 60,
            window: Duration::from_secs(60),
            retry_after: RetryAfterMode::Omit,
        }
    }

    /// `max_requests` per `window`, 429 without `Retry-After`.
    pub fn new(max_requests: u32, window: Duration) -> Self {
        Self {
            max_requests,
            window,
            retry_after: RetryAfterMode::Omit,
        }
    }

    /// The same limit, 429s with `Retry-After`.
    pub fn with_retry_after(mut self) -> Self {
        self.retry_after = RetryAfterMode::Seconds;
        self
    }
}

/// A strict sliding window over the arrival times of accepted requests.
/// Refused requests do not count: the 61st request in any window is refused.
#[derive(Debug)]
pub(crate) struct StrictWindow {
    pub(crate) limit: SimRateLimit,
    accepted: VecDeque<Instant>,
}

impl StrictWindow {
    pub(crate) fn new(limit: SimRateLimit) -> Self {
        Self {
            limit,
            accepted: VecDeque::new(),
        }
    }

    /// `Ok` and counted, or `Err(time until a slot frees)`.
    pub(crate) fn admit(&mut self, now: Instant) -> Result<(), Duration> {
        let window = self.limit.window;
        while self.accepted.front().is_some_and(|&at| at + window <= now) {
            self.accepted.pop_front();
        }
        if self.accepted.len() < self.limit.max_requests as usize {
            self.accepted.push_back(now);
            return Ok(());
        }
        let oldest = *self.accepted.front().expect("full, so not empty");
        Err(oldest + window - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_refuses_the_request_over_the_limit() {
        let mut window = StrictWindow::new(SimRateLimit::new(2, Duration::from_secs(10)));
        let start = Instant::now();
        assert!(window.admit(start).is_ok());
        assert!(window.admit(start + Duration::from_secs(1)).is_ok());
        let wait = window.admit(start + Duration::from_secs(2)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(8));
        // Exactly one window after the first, its slot is free again.
        assert!(window.admit(start + Duration::from_secs(10)).is_ok());
        assert!(window.admit(start + Duration::from_secs(10)).is_err());
    }

    #[test]
    fn faults_match_by_path_and_count_down() {
        let mut rules = VecDeque::from([
            FaultRule {
                fault: Fault::Status(502),
                path_prefix: Some("/v1/agents".into()),
                remaining: 1,
            },
            FaultRule {
                fault: Fault::Status(500),
                path_prefix: None,
                remaining: 2,
            },
        ]);
        assert_eq!(
            take_fault(&mut rules, "/v1/account"),
            Some(Fault::Status(500))
        );
        assert_eq!(
            take_fault(&mut rules, "/v1/agents"),
            Some(Fault::Status(502))
        );
        assert_eq!(
            take_fault(&mut rules, "/v1/agents"),
            Some(Fault::Status(500))
        );
        assert_eq!(take_fault(&mut rules, "/v1/agents"), None);
    }
}
