//! Online or not, from `eidLastSeen`. The endpoint object has no online
//! flag: treating every endpoint as online (a bug seen elsewhere) hides dead
//! machines, so the last-seen age decides.

use chrono::{DateTime, TimeDelta, Utc};
use psa_ingest::contracts::{AgentStatus, DeviceLifecycle};

/// `Online` when last seen within `threshold` of `now` (or in the future,
/// clock skew), `Offline` when older, `Unknown` when never seen.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use psa_ingest::contracts::AgentStatus;
/// use tanium_gateway::normalize::agent_status;
///
/// let now = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap();
/// let hour = TimeDelta::hours(1);
/// assert_eq!(agent_status(Some(now - TimeDelta::minutes(5)), now, hour), AgentStatus::Online);
/// assert_eq!(agent_status(Some(now - TimeDelta::days(3)), now, hour), AgentStatus::Offline);
/// assert_eq!(agent_status(None, now, hour), AgentStatus::Unknown);
/// ```
pub fn agent_status(
    last_seen: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    threshold: TimeDelta,
) -> AgentStatus {
    match last_seen {
        None => AgentStatus::Unknown,
        Some(seen) if now.signed_duration_since(seen) <= threshold => AgentStatus::Online,
        Some(_) => AgentStatus::Offline,
    }
}

/// The lifecycle that goes with an agent status: offline agents are
/// `Offline`, the rest `Active`.
pub fn lifecycle(status: &AgentStatus) -> DeviceLifecycle {
    match status {
        AgentStatus::Offline | AgentStatus::Overdue => DeviceLifecycle::Offline,
        _ => DeviceLifecycle::Active,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_threshold_decides() {
        let now = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap();
        let threshold = TimeDelta::minutes(30);
        let at =
            |minutes: i64| agent_status(Some(now - TimeDelta::minutes(minutes)), now, threshold);
        assert_eq!(at(0), AgentStatus::Online);
        assert_eq!(at(30), AgentStatus::Online);
        assert_eq!(at(31), AgentStatus::Offline);
        assert_eq!(at(-10), AgentStatus::Online, "clock skew");
        assert_eq!(lifecycle(&at(31)), DeviceLifecycle::Offline);
        assert_eq!(lifecycle(&at(1)), DeviceLifecycle::Active);
    }
}
