//! Encrypted `secrets` rows on PostgreSQL (sealing happens in the caller).

use super::Writer;
use crate::errors::DbResultExt as _;
use crate::sealing::Sealed;
use chrono::Utc;
use psa_ingest::TenantId;
use psa_ingest::ports::StoreResult;
use sqlx::PgPool;

pub(crate) async fn put(
    db: Writer<'_>,
    tenant: TenantId,
    name: &str,
    sealed: Sealed,
) -> StoreResult<()> {
    let mut tx = db.begin("begin secrets put").await?;
    sqlx::query(
        "INSERT INTO secrets (tenant, name, nonce, ciphertext, key_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) \
         ON CONFLICT (tenant, name) DO UPDATE SET nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext, \
           key_id = EXCLUDED.key_id, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant.0)
    .bind(name)
    .bind(sealed.nonce)
    .bind(sealed.ciphertext)
    .bind(sealed.key_id)
    .bind(Utc::now())
    .execute(&mut *tx)
    .await
    .ctx("store secret")?;
    tx.commit().await.ctx("commit secrets put")?;
    Ok(())
}

pub(crate) async fn get(
    pool: &PgPool,
    tenant: TenantId,
    name: &str,
) -> StoreResult<Option<Sealed>> {
    let row: Option<(Vec<u8>, Vec<u8>, Option<String>)> = sqlx::query_as(
        "SELECT nonce, ciphertext, key_id FROM secrets WHERE tenant = $1 AND name = $2",
    )
    .bind(tenant.0)
    .bind(name)
    .fetch_optional(pool)
    .await
    .ctx("read secret")?;
    Ok(row.map(|(nonce, ciphertext, key_id)| Sealed {
        nonce,
        ciphertext,
        key_id,
    }))
}

pub(crate) async fn delete(db: Writer<'_>, tenant: TenantId, name: &str) -> StoreResult<bool> {
    let mut tx = db.begin("begin secrets delete").await?;
    let done = sqlx::query("DELETE FROM secrets WHERE tenant = $1 AND name = $2")
        .bind(tenant.0)
        .bind(name)
        .execute(&mut *tx)
        .await
        .ctx("delete secret")?;
    tx.commit().await.ctx("commit secrets delete")?;
    Ok(done.rows_affected() > 0)
}

/// A secret row as the rotation reads it: tenant, name, nonce, ciphertext,
/// key id.
type RotationRow = (uuid::Uuid, String, Vec<u8>, Vec<u8>, Option<String>);

/// Secrets not sealed with `key_id` (of one tenant, or of all), at most
/// `limit`, in key order.
pub(crate) async fn pending_rotation(
    pool: &PgPool,
    tenant: Option<TenantId>,
    key_id: &str,
    limit: i64,
) -> StoreResult<Vec<(TenantId, String, Sealed)>> {
    let rows: Vec<RotationRow> = sqlx::query_as(
        "SELECT tenant, name, nonce, ciphertext, key_id FROM secrets \
         WHERE ($1::uuid IS NULL OR tenant = $1) AND key_id IS DISTINCT FROM $2 \
         ORDER BY tenant, name LIMIT $3",
    )
    .bind(tenant.map(|t| t.0))
    .bind(key_id)
    .bind(limit)
    .fetch_all(pool)
    .await
    .ctx("list secrets to rotate")?;
    Ok(rows
        .into_iter()
        .map(|(tenant, name, nonce, ciphertext, key_id)| {
            (
                tenant.into(),
                name,
                Sealed {
                    nonce,
                    ciphertext,
                    key_id,
                },
            )
        })
        .collect())
}

/// Replaces a secret's sealing if it is still the one read (`old_nonce`):
/// a secret written meanwhile is left as it is. Returns whether it was
/// replaced.
pub(crate) async fn reseal(
    db: Writer<'_>,
    tenant: TenantId,
    name: &str,
    old_nonce: &[u8],
    sealed: Sealed,
) -> StoreResult<bool> {
    let mut tx = db.begin("begin secrets reseal").await?;
    let done = sqlx::query(
        "UPDATE secrets SET nonce = $4, ciphertext = $5, key_id = $6, updated_at = $7 \
         WHERE tenant = $1 AND name = $2 AND nonce = $3",
    )
    .bind(tenant.0)
    .bind(name)
    .bind(old_nonce)
    .bind(sealed.nonce)
    .bind(sealed.ciphertext)
    .bind(sealed.key_id)
    .bind(Utc::now())
    .execute(&mut *tx)
    .await
    .ctx("reseal secret")?;
    tx.commit().await.ctx("commit secrets reseal")?;
    Ok(done.rows_affected() > 0)
}
