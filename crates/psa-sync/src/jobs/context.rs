//! What every job of one integration works with.

use crate::events::{Observer, SyncSubscriber};
use crate::{SyncError, secrets};
use psa_ingest::ports::{Integration, Store};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::{Connection, Provider, ProviderRegistry};
use std::sync::Arc;

/// One integration's jobs: the store they write through, the registry
/// their provider comes from, the integration, and who hears their events.
///
/// ```no_run
/// # async fn demo(
/// #     store: &dyn psa_ingest::ports::Store,
/// #     registry: &psa_registry::ProviderRegistry,
/// #     tenant: psa_ingest::TenantId,
/// #     integration: psa_ingest::IntegrationId,
/// # ) -> Result<(), psa_sync::SyncError> {
/// use psa_sync::jobs::JobContext;
/// let job = JobContext::new(store, registry, tenant, integration);
/// let scopes = job.sync_scopes().await?;
/// println!("{} scopes, {} unmapped", scopes.discovered, scopes.unmapped.len());
/// # Ok(()) }
/// ```
pub struct JobContext<'a, S: ?Sized> {
    /// The store every write goes through (a job's fenced store in the
    /// worker).
    pub store: &'a S,
    /// Where the integration's provider comes from.
    pub registry: &'a ProviderRegistry,
    /// The tenant.
    pub tenant: TenantId,
    /// The integration.
    pub integration: IntegrationId,
    pub(crate) observer: Observer,
}

impl<'a, S: Store + ?Sized> JobContext<'a, S> {
    /// The jobs of `integration`, with no one listening to their events.
    pub fn new(
        store: &'a S,
        registry: &'a ProviderRegistry,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> Self {
        Self {
            store,
            registry,
            tenant,
            integration,
            observer: Observer::default(),
        }
    }

    /// The same jobs, their runs and progress told to `subscriber`.
    pub fn observed_by(mut self, subscriber: Option<Arc<dyn SyncSubscriber>>) -> Self {
        self.observer = Observer::new(subscriber);
        self
    }

    /// The integration and the provider it names.
    pub(crate) async fn load(&self) -> Result<(Integration, &'a dyn Provider), SyncError> {
        let record = self
            .store
            .get_integration(self.tenant, self.integration)
            .await?
            .ok_or_else(|| SyncError::IntegrationNotFound(self.integration.to_string()))?;
        let provider = self.registry.get(&record.provider)?;
        Ok((record, provider))
    }

    /// Opens the connected integration with its stored secrets (no request).
    pub async fn open(&self) -> Result<(Integration, Connection), SyncError> {
        let (record, provider) = self.load().await?;
        if !record.is_active {
            return Err(SyncError::NotConnected(self.integration.to_string()));
        }
        let secrets = secrets::load(
            self.store,
            self.tenant,
            self.integration,
            provider.secret_names(),
        )
        .await?;
        let connection = provider.open_for(self.tenant, &record.settings, &secrets)?;
        Ok((record, connection))
    }
}
