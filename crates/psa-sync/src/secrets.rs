//! Where an integration's secrets live in the store: one row per secret,
//! named after the integration, so disconnecting removes exactly its own.

use psa_ingest::ports::{SecretStore, StoreResult};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::ProviderSecrets;

/// The name of an integration's webhook signing secret (Huntress's
/// `whsec_…`), kept beside its provider secrets. Disconnecting keeps it:
/// deliveries that still arrive verify, are answered and dropped, and the
/// sender does not retry them for days.
pub const WEBHOOK_SECRET: &str = "webhook_secret";

/// The store name of one secret of one integration.
pub fn secret_name(integration: IntegrationId, name: &str) -> String {
    format!("integration/{integration}/{name}")
}

/// Stores the secrets a provider needs.
pub(crate) async fn save<S: SecretStore + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    names: &[&str],
    secrets: &ProviderSecrets,
) -> StoreResult<()> {
    for name in names {
        if let Some(value) = secrets.get(name) {
            store
                .put_secret(tenant, &secret_name(integration, name), value)
                .await?;
        }
    }
    Ok(())
}

/// Loads the secrets a provider needs; missing ones are left out (the
/// provider names them when it connects).
pub(crate) async fn load<S: SecretStore + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    names: &[&str],
) -> StoreResult<ProviderSecrets> {
    let mut secrets = ProviderSecrets::new();
    for name in names {
        if let Some(value) = store
            .get_secret(tenant, &secret_name(integration, name))
            .await?
        {
            secrets = secrets.with(*name, value);
        }
    }
    Ok(secrets)
}

/// Deletes the secrets a provider uses; returns how many existed.
pub(crate) async fn delete<S: SecretStore + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    names: &[&str],
) -> StoreResult<usize> {
    let mut deleted = 0;
    for name in names {
        deleted += usize::from(
            store
                .delete_secret(tenant, &secret_name(integration, name))
                .await?,
        );
    }
    Ok(deleted)
}
