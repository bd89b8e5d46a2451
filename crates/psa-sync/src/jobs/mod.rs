//! The jobs of one integration: connect, disconnect, scope sync, device sync
//! and incident poll. Each sync job records a `sync_runs` row and the
//! integration's sync status; the providers come from the registry and the
//! work from the shared engines.

mod connection;
mod context;
mod counts;
mod dispatch;
mod mapping;
mod run;
mod settings;
mod sync;

pub use context::JobContext;
pub use counts::RunCounts;
pub use dispatch::{JobRequest, run_job};
pub use mapping::{map_scope, run_now, set_scope_switches};
pub use run::JobKind;
pub use settings::{update_section, update_settings};
pub use sync::JobReport;

use crate::SyncError;
use psa_ingest::engine::assets::{AssetEngineOptions, AssetSyncReport};
use psa_ingest::engine::incidents::IncidentPollReport;
use psa_ingest::engine::scopes::ScopeSyncReport;
use psa_ingest::ports::{Integration, Store};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::{Connection, ConnectionInfo, ProviderRegistry, ProviderSecrets};

// Shorthands for one job of an integration, without a subscriber: each is
// `JobContext::new(store, registry, tenant, integration).<job>`.

/// [`JobContext::connect`].
pub async fn connect<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
    secrets: &ProviderSecrets,
) -> Result<(ConnectionInfo, Option<ScopeSyncReport>), SyncError> {
    JobContext::new(store, registry, tenant, integration)
        .connect(secrets)
        .await
}

/// [`JobContext::disconnect`].
pub async fn disconnect<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<(), SyncError> {
    JobContext::new(store, registry, tenant, integration)
        .disconnect()
        .await
}

/// [`JobContext::open`].
pub async fn open<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<(Integration, Connection), SyncError> {
    JobContext::new(store, registry, tenant, integration)
        .open()
        .await
}

/// [`JobContext::sync_scopes`].
pub async fn sync_scopes<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<ScopeSyncReport, SyncError> {
    JobContext::new(store, registry, tenant, integration)
        .sync_scopes()
        .await
}

/// [`JobContext::sync_devices`].
pub async fn sync_devices<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
    full: bool,
    options: AssetEngineOptions,
) -> Result<AssetSyncReport, SyncError> {
    JobContext::new(store, registry, tenant, integration)
        .sync_devices(full, options)
        .await
}

/// [`JobContext::poll_incidents`].
pub async fn poll_incidents<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<IncidentPollReport, SyncError> {
    JobContext::new(store, registry, tenant, integration)
        .poll_incidents()
        .await
}
