//! What every command starts from: the store, the providers, and the
//! tenant, integration and client the operator named (checked before
//! anything is written).

use crate::args::Cli;
use crate::error::CliError;
use psa_integrations::UrlPolicy;
use psa_integrations::ingest::ports::{Client, Integration};
use psa_integrations::prelude::*;
use psa_integrations::store::{OpenOptions, PsaStore, SecretKey};
use psa_integrations::uuid::Uuid;
use std::sync::Arc;

/// The opened store and registry, and the global options.
pub(crate) struct Context {
    pub(crate) store: Arc<PsaStore>,
    pub(crate) registry: Arc<ProviderRegistry>,
    pub(crate) json: bool,
    tenant: Option<String>,
}

impl Context {
    pub(crate) async fn open(cli: &Cli) -> Result<Self, CliError> {
        let key = SecretKey::for_url(&cli.database)
            .map_err(|e| CliError::usage(format!("the secret key for {}: {e}", cli.database)))?;
        let store = PsaStore::open_with(&cli.database, OpenOptions::new().secret_key(key)).await?;
        let urls = if cli.allow_local_urls {
            UrlPolicy {
                allow_loopback: true,
                allow_private: true,
                ..UrlPolicy::default()
            }
        } else {
            UrlPolicy::default()
        };
        let store = Arc::new(store);
        // Every psa process on this database shares each account's budget.
        let registry = psa_integrations::builtin_registry_with_budget(urls, store.clone());
        Ok(Self {
            store,
            registry: Arc::new(registry),
            json: cli.json,
            tenant: cli.tenant.clone(),
        })
    }

    /// The store as the jobs take it.
    pub(crate) fn ports(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The tenant named by `--tenant` or `PSA_TENANT`: an id or an exact name.
    pub(crate) async fn tenant(&self) -> Result<TenantId, CliError> {
        let Some(named) = self.tenant.as_deref() else {
            return Err(CliError::usage(
                "name the tenant with --tenant or PSA_TENANT (an id or exact name; `psa tenant list` lists them)",
            ));
        };
        let tenants = self.store.list_tenants().await?;
        let found = match Uuid::parse_str(named) {
            Ok(id) => tenants.into_iter().find(|t| t.id.0 == id),
            Err(_) => self.store.find_tenant(named).await?,
        };
        found.map(|t| t.id).ok_or_else(|| {
            CliError::usage(format!(
                "no tenant {named:?} (an id or exact name; `psa tenant list` lists them)"
            ))
        })
    }

    /// One of the tenant's integrations, by id.
    pub(crate) async fn integration(
        &self,
        tenant: TenantId,
        named: &str,
    ) -> Result<Integration, CliError> {
        let not_found = || {
            CliError::usage(format!(
                "the tenant has no integration {named:?} (`psa integration list` lists them)"
            ))
        };
        let id = Uuid::parse_str(named).map_err(|_| not_found())?;
        self.store
            .get_integration(tenant, IntegrationId(id))
            .await?
            .ok_or_else(not_found)
    }

    /// The tenant's client names by id.
    pub(crate) async fn client_names(
        &self,
        tenant: TenantId,
    ) -> Result<std::collections::HashMap<ClientId, String>, CliError> {
        Ok(self
            .store
            .list_clients(tenant)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect())
    }

    /// One of the tenant's clients, by id or exact name.
    pub(crate) async fn client(&self, tenant: TenantId, named: &str) -> Result<Client, CliError> {
        let clients = self.store.list_clients(tenant).await?;
        let id = Uuid::parse_str(named).ok().map(ClientId);
        let known = clients
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        clients
            .iter()
            .find(|c| Some(c.id) == id || c.name == named)
            .cloned()
            .ok_or_else(|| {
                CliError::usage(format!(
                    "the tenant has no client {named:?} (its clients: {known})"
                ))
            })
    }
}
