use chrono::{DateTime, Utc};
use std::time::Duration;

/// The longest `Retry-After` a client waits by default (5 minutes).
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// `Retry-After` as delta-seconds (whole or fractional) or an HTTP date,
/// never more than `max`. A date in the past is zero; a value that is
/// neither (or negative, or not finite) is `None`. Huge values are
/// clamped, never a panic.
pub fn parse_retry_after(value: &str, max: Duration) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds).min(max));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        if !seconds.is_finite() || seconds < 0.0 {
            return None;
        }
        return Some(if seconds >= max.as_secs_f64() {
            max
        } else {
            Duration::from_secs_f64(seconds)
        });
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some(
        (at - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(max),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = DEFAULT_MAX_RETRY_AFTER;

    #[test]
    fn seconds_dates_and_garbage() {
        assert_eq!(parse_retry_after("7", MAX), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(" 0.25 ", MAX),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", MAX),
            Some(Duration::ZERO)
        );
        let later = (Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let wait = parse_retry_after(&later, MAX).unwrap();
        assert!(
            wait > Duration::from_secs(25) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        for garbage in ["soon", "-3", "NaN", "inf", "-1e3", ""] {
            assert_eq!(parse_retry_after(garbage, MAX), None, "{garbage}");
        }
    }

    #[test]
    fn hostile_values_are_clamped_not_a_panic() {
        for huge in [
            "1e20",
            "1e308",
            "18446744073709551615",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_retry_after(huge, MAX), Some(MAX), "{huge}");
        }
        let far = (Utc::now() + chrono::Duration::days(3650)).to_rfc2822();
        assert_eq!(parse_retry_after(&far, MAX), Some(MAX));
    }
}
