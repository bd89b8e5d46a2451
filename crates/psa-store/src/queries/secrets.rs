//! Encrypted `secrets` rows, and key rotation.

use super::dialect::{Pool, id, ts};
use crate::SecretRotation;
use crate::db::Db;
use crate::errors::{DbResultExt as _, check_key};
use crate::rows::RowExt as _;
use crate::sealing::{self, Sealed};
use async_trait::async_trait;
use chrono::Utc;
use psa_ingest::TenantId;
use psa_ingest::ports::{SecretStore, StoreResult};
use secrecy::SecretString;

/// Longest secret name accepted.
const MAX_SECRET_NAME: usize = 200;

fn check_secret_name(name: &str) -> StoreResult<()> {
    check_key("secret name", name, MAX_SECRET_NAME, true)
}

#[async_trait]
impl SecretStore for Db<Pool> {
    async fn put_secret(
        &self,
        tenant: TenantId,
        name: &str,
        value: &SecretString,
    ) -> StoreResult<()> {
        check_secret_name(name)?;
        let sealed = sealing::seal(self.keys.current()?, tenant, name, value)?;
        self.execute(
            "store secret",
            sqlx::query(
                "INSERT INTO secrets (tenant, name, nonce, ciphertext, key_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (tenant, name) DO UPDATE SET nonce = excluded.nonce, ciphertext = excluded.ciphertext, \
                   key_id = excluded.key_id, updated_at = excluded.updated_at",
            )
            .bind(id(tenant))
            .bind(name)
            .bind(sealed.nonce)
            .bind(sealed.ciphertext)
            .bind(sealed.key_id)
            .bind(ts(Utc::now())),
        )
        .await?;
        Ok(())
    }

    async fn get_secret(&self, tenant: TenantId, name: &str) -> StoreResult<Option<SecretString>> {
        check_secret_name(name)?;
        let keys = self.keys.readers()?;
        let row: Option<(Vec<u8>, Vec<u8>, Option<String>)> = sqlx::query_as(
            "SELECT nonce, ciphertext, key_id FROM secrets WHERE tenant = $1 AND name = $2",
        )
        .bind(id(tenant))
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .ctx("read secret")?;
        row.map(|(nonce, ciphertext, key_id)| {
            let sealed = Sealed {
                nonce,
                ciphertext,
                key_id,
            };
            sealing::open_with_any(&keys, tenant, name, &sealed)
        })
        .transpose()
    }

    async fn delete_secret(&self, tenant: TenantId, name: &str) -> StoreResult<bool> {
        check_secret_name(name)?;
        let deleted = self
            .execute(
                "delete secret",
                sqlx::query("DELETE FROM secrets WHERE tenant = $1 AND name = $2")
                    .bind(id(tenant))
                    .bind(name),
            )
            .await?;
        Ok(deleted > 0)
    }
}

impl Db<Pool> {
    /// See [`PsaStore::rotate_secrets`](crate::PsaStore::rotate_secrets).
    pub(crate) async fn rotate_secrets(
        &self,
        tenant: Option<TenantId>,
        batch_size: usize,
    ) -> StoreResult<SecretRotation> {
        let key = self.keys.current()?;
        let keys = self.keys.readers()?;
        let limit = i64::try_from(batch_size.max(1)).unwrap_or(i64::MAX);
        let mut rotation = SecretRotation::default();
        loop {
            // Secrets not sealed with the current key, in key order.
            let rows = sqlx::query(
                "SELECT tenant, name, nonce, ciphertext, key_id FROM secrets \
                 WHERE ($1 IS NULL OR tenant = $1) AND key_id IS DISTINCT FROM $2 \
                 ORDER BY tenant, name LIMIT $3",
            )
            .bind(tenant.map(id))
            .bind(key.id())
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .ctx("list secrets to rotate")?;
            if rows.is_empty() {
                return Ok(rotation);
            }
            for row in rows {
                let tenant = TenantId(row.uuid("tenant")?);
                let name = row.text("name")?;
                let sealed = Sealed {
                    nonce: row.bytes("nonce")?,
                    ciphertext: row.bytes("ciphertext")?,
                    key_id: row.opt_text("key_id")?,
                };
                let value = sealing::open_with_any(&keys, tenant, &name, &sealed)?;
                let resealed = sealing::seal(key, tenant, &name, &value)?;
                // Only if it is still the one read: a secret written
                // meanwhile is left as it is.
                let replaced = self
                    .execute(
                        "reseal secret",
                        sqlx::query(
                            "UPDATE secrets SET nonce = $4, ciphertext = $5, key_id = $6, updated_at = $7 \
                             WHERE tenant = $1 AND name = $2 AND nonce = $3",
                        )
                        .bind(id(tenant))
                        .bind(&name)
                        .bind(sealed.nonce)
                        .bind(resealed.nonce)
                        .bind(resealed.ciphertext)
                        .bind(resealed.key_id)
                        .bind(ts(Utc::now())),
                    )
                    .await?;
                rotation.resealed += replaced;
            }
            rotation.batches += 1;
        }
    }
}
