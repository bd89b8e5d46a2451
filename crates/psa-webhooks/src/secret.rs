//! The signing secret of an integration's webhook endpoint, sealed in the
//! secret store beside its API credentials.

use psa_ingest::ports::{SecretStore, StoreError};
use psa_ingest::{IntegrationId, TenantId};
use psa_sync::{WEBHOOK_SECRET, secret_name};
use secrecy::{ExposeSecret as _, SecretString};

/// Why a signing secret was not set.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Not a `whsec_…` secret (base64 after the prefix).
    #[error(
        "not a webhook signing secret: expected whsec_ followed by base64, as the portal shows it"
    )]
    NotASecret,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Stores the signing secret the vendor's portal shows for the endpoint
/// (`whsec_…`), checked before it is written. Replaces an earlier one;
/// disconnecting the integration keeps it (see [`WEBHOOK_SECRET`]).
pub async fn set_signing_secret<S: SecretStore + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    secret: &SecretString,
) -> Result<(), SecretError> {
    let text = secret.expose_secret().trim();
    if !text.starts_with("whsec_") || standardwebhooks::Webhook::new(text).is_err() {
        return Err(SecretError::NotASecret);
    }
    store
        .put_secret(
            tenant,
            &secret_name(integration, WEBHOOK_SECRET),
            &SecretString::from(text.to_owned()),
        )
        .await?;
    Ok(())
}
