use super::StoreResult;
use crate::TenantId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A link between a PSA entity and an external one
/// (`tenant_external_entity_mappings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityMapping {
    /// The provider, e.g. `huntress`.
    pub integration_type: String,
    /// PSA entity type, e.g. `asset`.
    pub alga_entity_type: String,
    /// PSA entity id.
    pub alga_entity_id: Uuid,
    /// External id.
    pub external_entity_id: String,
    /// Namespace of the external id (the integration id).
    pub external_realm_id: String,
    /// Sync status, e.g. `synced` or `deleted`.
    pub sync_status: String,
    /// Last sync.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Metadata.
    pub metadata: serde_json::Value,
}

/// External entity mappings beyond what the asset engine writes itself.
#[async_trait]
pub trait EntityMappingStore: Send + Sync {
    /// Inserts or replaces the mapping of
    /// `(integration_type, alga_entity_type, external_realm_id, external_entity_id)`.
    async fn upsert_entity_mapping(
        &self,
        tenant: TenantId,
        mapping: EntityMapping,
    ) -> StoreResult<()>;

    /// One mapping by its external key, or `None`.
    async fn find_entity_mapping(
        &self,
        tenant: TenantId,
        integration_type: &str,
        alga_entity_type: &str,
        external_realm_id: &str,
        external_entity_id: &str,
    ) -> StoreResult<Option<EntityMapping>>;
}
