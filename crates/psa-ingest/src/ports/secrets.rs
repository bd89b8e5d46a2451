use super::StoreResult;
use crate::TenantId;
use async_trait::async_trait;
use secrecy::SecretString;

/// Per-tenant secrets, encrypted at rest by the implementation.
#[async_trait]
pub trait SecretStore: Send + Sync {
    /// Stores (or replaces) a secret.
    async fn put_secret(
        &self,
        tenant: TenantId,
        name: &str,
        value: &SecretString,
    ) -> StoreResult<()>;
    /// Reads a secret, or `None` when it does not exist.
    async fn get_secret(&self, tenant: TenantId, name: &str) -> StoreResult<Option<SecretString>>;
    /// Deletes a secret; returns whether it existed.
    async fn delete_secret(&self, tenant: TenantId, name: &str) -> StoreResult<bool>;
}
