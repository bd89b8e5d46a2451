use super::StoreResult;
use crate::{IntegrationId, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// The pipeline a quarantined record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pipeline {
    /// Device snapshots to assets.
    Devices,
    /// Security incidents to tickets.
    Incidents,
    /// Escalations (the SOC's requests for partner action) to tickets.
    Escalations,
}

impl Pipeline {
    /// The stored string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Devices => "devices",
            Self::Incidents => "incidents",
            Self::Escalations => "escalations",
        }
    }

    /// Parses the stored string.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "devices" => Self::Devices,
            "escalations" => Self::Escalations,
            "incidents" => Self::Incidents,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record whose processing failed for a reason of its own (its data, a
/// rule it breaks, a decoding error), kept with what is needed to try it
/// again (`quarantined_records`). One per integration, pipeline and record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantinedRecord {
    /// Integration.
    pub integration_id: IntegrationId,
    /// Pipeline.
    pub pipeline: Pipeline,
    /// The provider's id of the record (or, when it has none that can be
    /// read, `payload:` and a hash of the payload).
    pub record_id: String,
    /// The record as the pipeline received it, to process again: the
    /// vendor's raw JSON for an incident, the normalized snapshot for a
    /// device.
    pub payload: serde_json::Value,
    /// Why its last attempt failed (for a decoding error, with the JSON
    /// path).
    pub error: String,
    /// Attempts so far, the first included.
    pub attempts: u32,
    /// When it first failed.
    pub first_failed_at: DateTime<Utc>,
    /// When it last failed.
    pub last_failed_at: DateTime<Utc>,
    /// When a cycle tries it again.
    pub next_retry_at: DateTime<Utc>,
}

/// A failed record to quarantine.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarantineEntry {
    /// Pipeline.
    pub pipeline: Pipeline,
    /// The record's id (see [`QuarantinedRecord::record_id`]).
    pub record_id: String,
    /// The record, to process again.
    pub payload: serde_json::Value,
    /// Why it failed.
    pub error: String,
}

impl QuarantineEntry {
    /// The id to quarantine a record under when it has none that can be
    /// read: `payload:` and a hash of the record.
    pub fn payload_id(payload: &serde_json::Value) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(payload.to_string().as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("payload:{hex}")
    }
}

/// How long a quarantined record waits before each retry: `first` after
/// the first failure, doubling with each attempt, never more than `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBackoff {
    /// The wait after the first failure.
    pub first: TimeDelta,
    /// The longest wait.
    pub max: TimeDelta,
}

impl Default for RetryBackoff {
    /// 5 minutes, doubling, at most a day.
    fn default() -> Self {
        Self {
            first: TimeDelta::minutes(5),
            max: TimeDelta::days(1),
        }
    }
}

impl RetryBackoff {
    /// The wait after `attempts` failed attempts (1 or more).
    pub fn delay(&self, attempts: u32) -> TimeDelta {
        let doublings = attempts.saturating_sub(1).min(30);
        self.first
            .checked_mul(1 << doublings)
            .map_or(self.max, |delay| delay.min(self.max))
            .max(TimeDelta::zero())
    }
}

/// Which quarantined records to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QuarantineFilter {
    /// Only this pipeline's.
    pub pipeline: Option<Pipeline>,
    /// Only those due for a retry at this time.
    pub due_at: Option<DateTime<Utc>>,
}

/// Quarantined records. Each cycle of a pipeline retries its due records
/// before new ones; one that succeeds is released.
#[async_trait]
pub trait QuarantineStore: Send + Sync {
    /// Quarantines a record, or records one more failed attempt of a
    /// quarantined one (the payload and error replaced, the attempt count
    /// raised, the next retry pushed back by `backoff`).
    async fn quarantine_record(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        entry: QuarantineEntry,
        backoff: RetryBackoff,
        now: DateTime<Utc>,
    ) -> StoreResult<QuarantinedRecord>;

    /// The integration's quarantined records that match `filter`, the
    /// longest due first, at most `limit`.
    async fn list_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        filter: QuarantineFilter,
        limit: i64,
    ) -> StoreResult<Vec<QuarantinedRecord>>;

    /// The ids of the integration's quarantined records of one pipeline
    /// (to tell, as records go by, which ones leave quarantine).
    async fn quarantined_ids(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Pipeline,
    ) -> StoreResult<Vec<String>>;

    /// How many records the integration has in quarantine.
    async fn count_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<u64>;

    /// Takes records out of quarantine (they succeeded). Returns how many
    /// were there.
    async fn release_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Pipeline,
        record_ids: &[String],
    ) -> StoreResult<u64>;

    /// Makes the integration's quarantined records (of one pipeline, or
    /// all) due now, so the next cycle retries them: after a library
    /// upgrade, or once a person fixed the cause. Returns how many.
    async fn requeue_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Option<Pipeline>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let backoff = RetryBackoff::default();
        assert_eq!(backoff.delay(1), TimeDelta::minutes(5));
        assert_eq!(backoff.delay(2), TimeDelta::minutes(10));
        assert_eq!(backoff.delay(4), TimeDelta::minutes(40));
        assert_eq!(backoff.delay(12), TimeDelta::days(1));
        assert_eq!(backoff.delay(u32::MAX), TimeDelta::days(1));
    }
}
