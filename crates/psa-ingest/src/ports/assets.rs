use super::StoreResult;
use crate::contracts::{DeviceType, ExternalIdChange, NormalizedDevice};
use crate::{AssetId, ClientId, IntegrationId, ProviderId, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

/// The largest CPU core count a store keeps; a larger one is stored as null
/// (the column is a 32-bit integer on every backend).
pub const MAX_STORED_CPU_CORES: u32 = i32::MAX.unsigned_abs();
/// The largest memory size in bytes a store keeps; a larger one is stored
/// as null (the column is a 64-bit signed integer).
pub const MAX_STORED_RAM_BYTES: u64 = i64::MAX.unsigned_abs();

/// What the store knows about a device that already has an asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDevice {
    /// The provider's device id.
    pub external_id: String,
    /// The asset it maps to.
    pub asset_id: AssetId,
    /// The asset's client.
    pub client_id: ClientId,
    /// The asset's current type (decides the extension table).
    pub device_type: DeviceType,
    /// Hash of the snapshot last written; `None` when the asset was found
    /// through `rmm_provider + rmm_device_id` without a mapping row.
    pub content_hash: Option<String>,
    /// The mapping is marked deleted (the asset was retired).
    pub retired: bool,
    /// The scope the asset was last written from (`rmm_organization_id`):
    /// its owner among the scopes a device may sit in.
    pub scope_id: Option<String>,
}

/// One asset to create or update from a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetWrite {
    /// The asset id (new for a create).
    pub asset_id: AssetId,
    /// The client the asset belongs to.
    pub client_id: ClientId,
    /// The snapshot. `None` or empty fields keep the stored values.
    pub device: NormalizedDevice,
    /// The snapshot's content hash, kept with the mapping.
    pub content_hash: String,
}

/// A batch of asset writes, applied in one transaction with a few statements
/// per table, whatever its size.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetBatch {
    /// New assets: asset row, extension row and mapping row.
    pub creates: Vec<AssetWrite>,
    /// Existing assets to bring up to date (and to re-activate if retired).
    pub updates: Vec<AssetWrite>,
}

impl AssetBatch {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.creates.is_empty() && self.updates.is_empty()
    }
}

/// A device known under one scope, as listed for retiring unseen devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeDevice {
    /// The provider's device id.
    pub external_id: String,
    /// The asset.
    pub asset_id: AssetId,
}

/// A tenant asset found by host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetMatch {
    /// The asset.
    pub asset_id: AssetId,
    /// Its name.
    pub name: String,
    /// Its serial number.
    pub serial_number: Option<String>,
}

/// Assets, their extension rows and their provider mappings. Device ids are
/// scoped by `(provider, integration)`: two integrations of one provider never
/// share mappings.
#[async_trait]
pub trait AssetStore: Send + Sync {
    /// The devices among `external_ids` that already have an asset: through
    /// `tenant_external_entity_mappings` first, then `rmm_provider + rmm_device_id`.
    async fn find_known_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        provider: &ProviderId,
        external_ids: &[String],
    ) -> StoreResult<Vec<KnownDevice>>;

    /// Writes a batch in one transaction: assets, extension rows (moving them
    /// when the type changed) and mappings with their content hashes.
    async fn write_assets(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: &AssetBatch,
        synced_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Retires devices: assets inactive and offline, mappings marked deleted.
    /// Returns how many were retired now (already retired ones do not count).
    async fn retire_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_ids: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// How many live (not retired) devices each scope of the integration
    /// has, in one query; scopes without any are left out.
    async fn count_scope_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<(String, u64)>>;

    /// Every live (not retired) device mapped under one scope, streamed.
    fn scope_devices<'a>(
        &'a self,
        tenant: TenantId,
        integration: IntegrationId,
        scope_id: &'a str,
    ) -> BoxStream<'a, StoreResult<ScopeDevice>>;

    /// Moves mappings (and `rmm_device_id`) from old ids to new ones. A change
    /// whose old id is unknown is ignored. Returns how many were moved.
    async fn rekey_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        changes: &[ExternalIdChange],
    ) -> StoreResult<u64>;

    /// Recomputes the agent status of every live asset of the integration
    /// from its stored last-seen time: `online` when seen at or after
    /// `online_since`, else `offline`; `unknown` without a last-seen time.
    /// One set-based statement that writes only the rows whose status
    /// changes; returns how many did.
    async fn refresh_agent_status(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        online_since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Active assets of one client whose name equals `hostname` ignoring case.
    async fn find_assets_by_hostname(
        &self,
        tenant: TenantId,
        client: ClientId,
        hostname: &str,
    ) -> StoreResult<Vec<AssetMatch>>;
}
