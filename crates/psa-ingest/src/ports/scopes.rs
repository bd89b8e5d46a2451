use super::StoreResult;
use crate::contracts::NormalizedScope;
use crate::{ClientId, IntegrationId, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// One provider scope and the client it maps to (`rmm_organization_mappings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeMapping {
    /// Integration it belongs to.
    pub integration_id: IntegrationId,
    /// The provider's scope id.
    pub external_id: String,
    /// The provider's current name for it.
    pub name: String,
    /// Mapped client; `None` is unmapped.
    pub client_id: Option<ClientId>,
    /// Devices of this scope become assets.
    pub auto_sync_assets: bool,
    /// Incidents of this scope become tickets.
    pub auto_create_tickets: bool,
    /// Who decided the current link (or unlink).
    pub decided_by: MappingDecision,
    /// The scope's own device-sync state.
    pub device_sync: ScopeSyncState,
    /// Free-form metadata (the scope's kind and parent, as last listed).
    pub metadata: serde_json::Value,
}

impl ScopeMapping {
    /// Devices of this scope become assets: it is mapped to a client and
    /// asset sync is on.
    pub fn syncs_assets(&self) -> bool {
        self.client_id.is_some() && self.auto_sync_assets
    }
}

/// Who decided a scope's mapping. Automation never overrides a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingDecision {
    /// Nobody yet: the auto-matcher may link it.
    Nobody,
    /// The auto-matcher linked it by name.
    AutoMatch,
    /// A person linked or unlinked it; only a person changes it again.
    Person,
}

impl MappingDecision {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nobody => "nobody",
            Self::AutoMatch => "auto_match",
            Self::Person => "person",
        }
    }

    /// Parses a stored value; `None` for an unknown one.
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Nobody, Self::AutoMatch, Self::Person]
            .into_iter()
            .find(|d| d.as_str() == value)
    }
}

/// The device-sync state of one scope. Only a walk of the scope that
/// completed moves it; a failed walk leaves it, so the next one starts from
/// the same place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScopeSyncState {
    /// When the scope was last (re)mapped to a client or had asset sync
    /// switched on. A full walk that started before it does not count.
    pub mapped_at: Option<DateTime<Utc>>,
    /// Start of the last complete full walk.
    pub full_walk_at: Option<DateTime<Utc>>,
    /// Start of the last completed walk (full or incremental): the next
    /// incremental walk reads changes from here.
    pub watermark: Option<DateTime<Utc>>,
    /// How the last walk ended.
    pub last_outcome: Option<WalkOutcome>,
    /// Why the last walk did not complete.
    pub last_error: Option<String>,
}

impl ScopeSyncState {
    /// Whether the scope needs a full walk: it never completed one since it
    /// was (re)mapped or switched on, or its last one is older than `every`.
    pub fn needs_full_walk(&self, now: DateTime<Utc>, every: Option<TimeDelta>) -> bool {
        match self.full_walk_at {
            None => true,
            Some(at) => {
                self.mapped_at.is_some_and(|mapped| at < mapped)
                    || every.is_some_and(|every| now - at >= every)
            }
        }
    }
}

/// Which walk of a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WalkKind {
    /// Every device of the scope.
    Full,
    /// The devices changed since the scope's watermark.
    Incremental,
}

/// How a scope's walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WalkOutcome {
    /// The walk completed: the scope's state moves to its start.
    Completed,
    /// The walk stopped on an error: the state stays.
    Failed,
    /// The walk completed but would have retired too much of the scope:
    /// nothing was retired and the state stays until a person confirms.
    Guarded,
}

impl WalkOutcome {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Guarded => "guarded",
        }
    }

    /// Parses a stored value; `None` for an unknown one.
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Completed, Self::Failed, Self::Guarded]
            .into_iter()
            .find(|o| o.as_str() == value)
    }
}

/// One finished walk of a scope, to record in its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeWalk {
    /// Full or incremental.
    pub kind: WalkKind,
    /// When the walk started.
    pub started_at: DateTime<Utc>,
    /// How it ended.
    pub outcome: WalkOutcome,
    /// Why it did not complete, for a person to read.
    pub error: Option<String>,
}

/// What an upsert of scopes changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeUpsertOutcome {
    /// External ids of rows that did not exist before.
    pub created: Vec<String>,
    /// Rows whose name changed: (external id, old name, new name).
    pub renamed: Vec<(String, String, String)>,
}

/// Who links a scope to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeLinkBy {
    /// A person chose: always applied; the mapping is then
    /// [`MappingDecision::Person`]'s, a link or an unlink alike.
    User,
    /// The auto-matcher: applied only while nobody decided the row
    /// ([`MappingDecision::Nobody`]); marks it [`MappingDecision::AutoMatch`].
    AutoMatch,
}

/// Scope to client mappings.
#[async_trait]
pub trait ScopeMappingStore: Send + Sync {
    /// Inserts new scopes (unmapped, `auto_sync_assets` and `auto_create_tickets`
    /// on) and refreshes the names of known ones. Never touches the client or
    /// the flags of an existing row.
    async fn upsert_scopes(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        scopes: &[NormalizedScope],
    ) -> StoreResult<ScopeUpsertOutcome>;

    /// Every scope of the integration, by name.
    async fn list_scope_mappings(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<ScopeMapping>>;

    /// One scope, or `None`.
    async fn get_scope_mapping(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
    ) -> StoreResult<Option<ScopeMapping>>;

    /// Links (or with `None` unlinks) a scope. Returns whether the row changed;
    /// an [`ScopeLinkBy::AutoMatch`] on a row somebody decided changes
    /// nothing. A link to another client moves `mapped_at`, so the scope is
    /// walked in full at the next device sync.
    async fn link_scope(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        client: Option<ClientId>,
        by: ScopeLinkBy,
    ) -> StoreResult<bool>;

    /// Sets the two per-scope switches. Turning asset sync on moves
    /// `mapped_at`, so the scope is walked in full at the next device sync.
    async fn set_scope_flags(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        auto_sync_assets: bool,
        auto_create_tickets: bool,
    ) -> StoreResult<()>;

    /// Records a finished walk of one scope: a completed full walk moves
    /// `full_walk_at` and the watermark to its start, a completed incremental
    /// walk the watermark; any other outcome only its outcome and error.
    async fn record_scope_walk(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        walk: &ScopeWalk,
    ) -> StoreResult<()>;
}
