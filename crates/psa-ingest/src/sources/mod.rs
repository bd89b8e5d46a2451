//! What a provider hands the engines: streams of normalized records.
//!
//! Sources only fetch and normalize; they never write to the database.
//! Streams keep memory bounded: a consumer holds one page at a time.

mod error;

pub use error::SourceError;

use crate::contracts::{ExternalIdChange, NormalizedDevice, NormalizedIncident, NormalizedScope};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};

/// A stream of results from a source.
pub type SourceStream<'a, T> = BoxStream<'a, Result<T, SourceError>>;

/// Lists a provider's scopes (organizations, sites, groups).
#[async_trait]
pub trait ScopeSource: Send + Sync {
    /// Every scope the credentials can see.
    fn scopes(&self) -> SourceStream<'_, NormalizedScope>;
}

/// Streams a provider's devices, one page at a time.
#[async_trait]
pub trait DeviceSource: Send + Sync {
    /// A full walk of one scope. The stream ending without an error means the
    /// walk was complete (devices not seen may then be retired).
    fn devices<'a>(&'a self, scope_id: &'a str) -> SourceStream<'a, Vec<NormalizedDevice>>;

    /// Devices of one scope changed since `since`. Never complete: nothing is
    /// retired from an incremental walk.
    fn devices_changed_since<'a>(
        &'a self,
        scope_id: &'a str,
        since: DateTime<Utc>,
    ) -> SourceStream<'a, Vec<NormalizedDevice>>;

    /// Device ids the provider changed since `since`, oldest first. Providers
    /// whose ids never change keep the default.
    async fn id_changes(
        &self,
        _since: DateTime<Utc>,
    ) -> Result<Vec<ExternalIdChange>, SourceError> {
        Ok(Vec::new())
    }

    /// How agent status follows from a device's last-seen time, when the
    /// provider derives it that way (Tanium: seen within the online
    /// threshold). The engine then recomputes it for every stored asset at
    /// each sync, so a device that went silent reads offline without being
    /// in any walk. The default: the provider reports status itself.
    fn agent_status_rule(&self) -> Option<AgentStatusRule> {
        None
    }

    /// Whether a full walk of a scope may hold devices the provider cannot
    /// tie to that scope (Tanium's Asset API fallback reads rows that carry
    /// no group). The engine then refuses to sync when more than one scope
    /// is mapped, since it could file devices under the wrong client.
    fn unscoped_fallback(&self) -> Option<UnscopedFallback> {
        None
    }
}

/// Agent status from the last-seen time: online when seen within
/// `online_within` of `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentStatusRule {
    /// The provider's threshold.
    pub online_within: TimeDelta,
    /// The provider's clock at the time of asking.
    pub now: DateTime<Utc>,
}

impl AgentStatusRule {
    /// Devices last seen at or after this time are online.
    pub fn online_since(&self) -> DateTime<Utc> {
        self.now - self.online_within
    }
}

/// A fallback listing that cannot be filtered by scope, named for the
/// person who must fix the setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnscopedFallback {
    /// The setting that turns it on (e.g. `asset_api_fallback`).
    pub setting: String,
    /// What the fallback reads (e.g. "the Asset API").
    pub what: String,
}

/// An opaque, durable position in a provider's incident feed. The engine
/// stores it after each processed incident and hands it back next time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FeedCursor(pub String);

/// One entry of an incident feed: an incident, or a record of the feed the
/// source could not decode (the engine quarantines it and the feed goes
/// on).
// Nearly every entry is an incident: boxing it would allocate for each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum FeedItem {
    /// An incident, and the cursor that points just past it.
    Incident {
        /// The incident.
        incident: NormalizedIncident,
        /// Where the feed resumes once this incident is processed.
        cursor: FeedCursor,
    },
    /// A record that could not be decoded.
    Undecodable {
        /// The record as sent, the error and where it is.
        record: UndecodableIncident,
        /// Where the feed resumes once it is quarantined; `None` when it
        /// cannot be placed in the feed (the cursor stays where it is).
        cursor: Option<FeedCursor>,
    },
}

impl FeedItem {
    /// The incident, when this is one.
    pub fn incident(&self) -> Option<&NormalizedIncident> {
        match self {
            Self::Incident { incident, .. } => Some(incident),
            Self::Undecodable { .. } => None,
        }
    }

    /// Where the feed resumes once this entry is handled.
    pub fn cursor(&self) -> Option<&FeedCursor> {
        match self {
            Self::Incident { cursor, .. } => Some(cursor),
            Self::Undecodable { cursor, .. } => cursor.as_ref(),
        }
    }
}

/// A vendor record that could not be decoded into an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndecodableIncident {
    /// The record's id, when it could be read.
    pub id: Option<String>,
    /// Where in the record decoding failed (e.g. `closed_at`; `.` for the
    /// record itself).
    pub json_path: String,
    /// What was wrong there.
    pub message: String,
    /// The record as the vendor sent it.
    pub payload: serde_json::Value,
}

impl std::fmt::Display for UndecodableIncident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "could not decode the record at {}: {}",
            self.json_path, self.message
        )
    }
}

/// A provider's security incidents, oldest change first.
#[async_trait]
pub trait IncidentSource: Send + Sync {
    /// Incidents changed since `cursor` (or since `backfill_from` on the
    /// first run), in ascending order of change. An incident may repeat
    /// across calls (overlap); the engine is idempotent.
    fn incidents_since<'a>(
        &'a self,
        cursor: Option<&'a FeedCursor>,
        backfill_from: DateTime<Utc>,
    ) -> SourceStream<'a, FeedItem>;

    /// One scope by id, for an incident whose scope is not mapped yet (so
    /// it can be added to the mappings). The default knows none.
    async fn scope(&self, _scope_id: &str) -> Result<Option<NormalizedScope>, SourceError> {
        Ok(None)
    }

    /// Reads a quarantined record again, to retry it with the code running
    /// now: `stored` is the raw JSON its feed entry carried
    /// ([`NormalizedIncident::raw`] or [`UndecodableIncident::payload`]).
    /// A source that can fetches the record's current version by the id in
    /// it (so a record the vendor fixed succeeds); else it decodes `stored`
    /// again. The inner error is a record that still cannot be decoded; the
    /// outer one a source failure (which stops the cycle if transient). The
    /// default cannot read records again.
    async fn reread_incident(
        &self,
        stored: &serde_json::Value,
    ) -> Result<Result<NormalizedIncident, UndecodableIncident>, SourceError> {
        Ok(Err(UndecodableIncident {
            id: None,
            json_path: ".".to_owned(),
            message: "this source cannot read a stored record again".to_owned(),
            payload: stored.clone(),
        }))
    }

    /// The domain of the provider's portal (e.g. `huntress.io`): a ticket
    /// links an incident's `portal_url` only when it is an https URL on it
    /// or a subdomain. The default, none, puts no link in tickets.
    fn portal_domain(&self) -> Option<&str> {
        None
    }

    /// How many requests this source has made so far (for sync-run records).
    fn requests_made(&self) -> u64 {
        0
    }
}
