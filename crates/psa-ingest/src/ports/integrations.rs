use super::StoreResult;
use crate::{IntegrationId, ProviderId, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an integration's last sync stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    /// Never synced.
    Pending,
    /// A sync is running.
    Syncing,
    /// The last sync finished.
    Completed,
    /// The last sync failed; `sync_error` says why.
    Error,
}

impl SyncStatus {
    /// The stored string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Syncing => "syncing",
            Self::Completed => "completed",
            Self::Error => "error",
        }
    }

    /// Parses the stored string.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "pending" => Self::Pending,
            "syncing" => Self::Syncing,
            "completed" => Self::Completed,
            "error" => Self::Error,
            _ => return None,
        })
    }
}

/// One configured provider instance of a tenant (`rmm_integrations`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// Owning tenant.
    pub tenant: TenantId,
    /// Id.
    pub id: IntegrationId,
    /// Which provider.
    pub provider: ProviderId,
    /// The instance's base URL, when the provider has one per customer.
    pub instance_url: Option<String>,
    /// Connected and allowed to sync.
    pub is_active: bool,
    /// When the connection test last passed.
    pub connected_at: Option<DateTime<Utc>>,
    /// Last sync state.
    pub sync_status: SyncStatus,
    /// Why the last sync failed, in words a person can act on.
    pub sync_error: Option<String>,
    /// Last sync of any kind.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Last complete full walk.
    pub last_full_sync_at: Option<DateTime<Utc>>,
    /// Last incremental sync or poll.
    pub last_incremental_sync_at: Option<DateTime<Utc>>,
    /// Provider settings (JSON), including durable cursors.
    pub settings: serde_json::Value,
    /// Bumped by every settings write; the compare-and-set token.
    pub settings_version: i64,
}

/// What is needed to create an integration.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIntegration {
    /// Which provider.
    pub provider: ProviderId,
    /// The instance's base URL.
    pub instance_url: Option<String>,
    /// Initial settings.
    pub settings: serde_json::Value,
}

/// A change to an integration's sync fields. `None` keeps the stored value,
/// except `sync_error`, which is always written (`None` clears it).
#[derive(Debug, Clone, PartialEq)]
pub struct SyncStateUpdate {
    /// New status.
    pub status: SyncStatus,
    /// Error to show, or `None` to clear.
    pub sync_error: Option<String>,
    /// Set `last_sync_at`.
    pub last_sync_at: Option<DateTime<Utc>>,
    /// Set `last_full_sync_at`.
    pub last_full_sync_at: Option<DateTime<Utc>>,
    /// Set `last_incremental_sync_at`.
    pub last_incremental_sync_at: Option<DateTime<Utc>>,
}

/// Integrations (`rmm_integrations`). Several of one provider per tenant are allowed.
#[async_trait]
pub trait IntegrationStore: Send + Sync {
    /// Creates an integration, inactive and pending.
    async fn create_integration(
        &self,
        tenant: TenantId,
        new: NewIntegration,
    ) -> StoreResult<Integration>;

    /// One integration, or `None` when it does not exist for this tenant.
    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<Integration>>;

    /// The tenant's integrations, oldest first.
    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<Integration>>;

    /// Replaces the settings if `settings_version` still equals
    /// `expected_version`, and returns the new version. A concurrent writer
    /// having moved the version gives [`StoreError::Conflict`](super::StoreError::Conflict).
    async fn update_settings(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        expected_version: i64,
        settings: serde_json::Value,
    ) -> StoreResult<i64>;

    /// Marks the integration connected (`connected_at` set) or disconnected.
    async fn set_connection(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        is_active: bool,
        connected_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;

    /// Writes the sync status fields.
    async fn update_sync_state(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        update: SyncStateUpdate,
    ) -> StoreResult<()>;
}
