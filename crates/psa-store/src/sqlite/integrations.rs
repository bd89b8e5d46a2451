//! `rmm_integrations` on SQLite.

use super::Writer;
use super::{id, json, opt_ts, ts};
use crate::errors::{DbResultExt as _, not_found};
use crate::rows;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{Integration, NewIntegration, StoreError, StoreResult, SyncStateUpdate};
use psa_ingest::{IntegrationId, TenantId};
use sqlx::SqlitePool;

pub(crate) async fn create(
    db: Writer<'_>,
    tenant: TenantId,
    new: NewIntegration,
) -> StoreResult<Integration> {
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "INSERT INTO rmm_integrations \
           (tenant, integration_id, provider, instance_url, settings, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING *",
    )
    .bind(id(tenant))
    .bind(id(IntegrationId::new()))
    .bind(new.provider.as_str())
    .bind(new.instance_url)
    .bind(json(&new.settings))
    .bind(ts(Utc::now()))
    .fetch_one(&mut *tx)
    .await
    .ctx("create integration")?;
    tx.commit().await.ctx("commit integrations create")?;
    rows::integration(&row)
}

pub(crate) async fn get(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<Option<Integration>> {
    let row =
        sqlx::query("SELECT * FROM rmm_integrations WHERE tenant = ?1 AND integration_id = ?2")
            .bind(id(tenant))
            .bind(id(integration))
            .fetch_optional(pool)
            .await
            .ctx("get integration")?;
    row.as_ref().map(rows::integration).transpose()
}

pub(crate) async fn list(pool: &SqlitePool, tenant: TenantId) -> StoreResult<Vec<Integration>> {
    let rows = sqlx::query(
        "SELECT * FROM rmm_integrations WHERE tenant = ?1 ORDER BY created_at, integration_id",
    )
    .bind(id(tenant))
    .fetch_all(pool)
    .await
    .ctx("list integrations")?;
    rows::all(&rows, rows::integration)
}

pub(crate) async fn update_settings(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    expected_version: i64,
    settings: serde_json::Value,
) -> StoreResult<i64> {
    let mut tx = db.begin().await?;
    // Compare-and-set in one statement; SQLite runs it under the write lock.
    let version: Option<i64> = sqlx::query_scalar(
        "UPDATE rmm_integrations \
         SET settings = ?4, settings_version = settings_version + 1, updated_at = ?5 \
         WHERE tenant = ?1 AND integration_id = ?2 AND settings_version = ?3 \
         RETURNING settings_version",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .bind(expected_version)
    .bind(json(&settings))
    .bind(ts(Utc::now()))
    .fetch_optional(&mut *tx)
    .await
    .ctx("update integration settings")?;
    tx.commit()
        .await
        .ctx("commit integrations update_settings")?;
    match version {
        Some(version) => Ok(version),
        None => Err(match get(db.pool, tenant, integration).await? {
            Some(current) => StoreError::Conflict {
                message: format!(
                    "integration {integration} settings are at version {}, not the expected {expected_version}",
                    current.settings_version
                ),
            },
            None => not_found("integration", integration),
        }),
    }
}

pub(crate) async fn set_connection(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    is_active: bool,
    connected_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE rmm_integrations SET is_active = ?3, connected_at = ?4, updated_at = ?5 \
         WHERE tenant = ?1 AND integration_id = ?2",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .bind(is_active)
    .bind(opt_ts(connected_at))
    .bind(ts(Utc::now()))
    .execute(&mut *tx)
    .await
    .ctx("set integration connection")?;
    tx.commit()
        .await
        .ctx("commit integrations set_connection")?;
    if done.rows_affected() == 0 {
        Err(not_found("integration", integration))
    } else {
        Ok(())
    }
}

pub(crate) async fn update_sync_state(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    update: SyncStateUpdate,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE rmm_integrations SET sync_status = ?3, sync_error = ?4, \
           last_sync_at = COALESCE(?5, last_sync_at), \
           last_full_sync_at = COALESCE(?6, last_full_sync_at), \
           last_incremental_sync_at = COALESCE(?7, last_incremental_sync_at), \
           updated_at = ?8 \
         WHERE tenant = ?1 AND integration_id = ?2",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .bind(update.status.as_str())
    .bind(update.sync_error)
    .bind(opt_ts(update.last_sync_at))
    .bind(opt_ts(update.last_full_sync_at))
    .bind(opt_ts(update.last_incremental_sync_at))
    .bind(ts(Utc::now()))
    .execute(&mut *tx)
    .await
    .ctx("update integration sync state")?;
    tx.commit()
        .await
        .ctx("commit integrations update_sync_state")?;
    if done.rows_affected() == 0 {
        Err(not_found("integration", integration))
    } else {
        Ok(())
    }
}
