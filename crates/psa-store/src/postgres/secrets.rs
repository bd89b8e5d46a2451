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
        "INSERT INTO secrets (tenant, name, nonce, ciphertext, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (tenant, name) DO UPDATE SET nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext, \
           updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant.0)
    .bind(name)
    .bind(sealed.nonce)
    .bind(sealed.ciphertext)
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
    let row: Option<(Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT nonce, ciphertext FROM secrets WHERE tenant = $1 AND name = $2")
            .bind(tenant.0)
            .bind(name)
            .fetch_optional(pool)
            .await
            .ctx("read secret")?;
    Ok(row.map(|(nonce, ciphertext)| Sealed { nonce, ciphertext }))
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
