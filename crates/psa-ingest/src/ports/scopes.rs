use super::StoreResult;
use crate::contracts::NormalizedScope;
use crate::{ClientId, IntegrationId, TenantId};
use async_trait::async_trait;
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
    /// Free-form metadata; `auto_matched: true` marks an engine-made link.
    pub metadata: serde_json::Value,
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
    /// A person chose: always applied; clears `auto_matched`.
    User,
    /// The auto-matcher: applied only while the row is still unmapped; sets
    /// `auto_matched: true` in the metadata.
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
    /// an [`ScopeLinkBy::AutoMatch`] on a mapped row changes nothing.
    async fn link_scope(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        client: Option<ClientId>,
        by: ScopeLinkBy,
    ) -> StoreResult<bool>;

    /// Sets the two per-scope switches.
    async fn set_scope_flags(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        auto_sync_assets: bool,
        auto_create_tickets: bool,
    ) -> StoreResult<()>;
}
