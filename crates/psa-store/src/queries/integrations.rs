//! `rmm_integrations`.

use super::dialect::{Pool, id, json, opt_ts, ts};
use crate::db::Db;
use crate::errors::{DbResultExt as _, not_found};
use crate::{rows, storable};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{
    Integration, IntegrationStore, NewIntegration, StoreError, StoreResult, SyncStateUpdate,
};
use psa_ingest::{IntegrationId, TenantId};

#[async_trait]
impl IntegrationStore for Db<Pool> {
    async fn create_integration(
        &self,
        tenant: TenantId,
        new: NewIntegration,
    ) -> StoreResult<Integration> {
        let mut tx = self.begin("create integration").await?;
        let row = sqlx::query(
            "INSERT INTO rmm_integrations \
               (tenant, integration_id, provider, instance_url, settings, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING *",
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

    async fn get_integration(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<Integration>> {
        let row =
            sqlx::query("SELECT * FROM rmm_integrations WHERE tenant = $1 AND integration_id = $2")
                .bind(id(tenant))
                .bind(id(integration))
                .fetch_optional(&self.pool)
                .await
                .ctx("get integration")?;
        row.as_ref().map(rows::integration).transpose()
    }

    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<Integration>> {
        let rows = sqlx::query(
            "SELECT * FROM rmm_integrations WHERE tenant = $1 ORDER BY created_at, integration_id",
        )
        .bind(id(tenant))
        .fetch_all(&self.pool)
        .await
        .ctx("list integrations")?;
        rows::all(&rows, rows::integration)
    }

    async fn update_settings(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        expected_version: i64,
        settings: serde_json::Value,
    ) -> StoreResult<i64> {
        let settings = storable::json(settings);
        let mut tx = self.begin("update integration settings").await?;
        // Compare-and-set in one statement.
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE rmm_integrations \
             SET settings = $4, settings_version = settings_version + 1, updated_at = $5 \
             WHERE tenant = $1 AND integration_id = $2 AND settings_version = $3 \
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
            None => Err(match self.get_integration(tenant, integration).await? {
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

    async fn set_connection(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        is_active: bool,
        connected_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let changed = self
            .execute(
                "set integration connection",
                sqlx::query(
                    "UPDATE rmm_integrations SET is_active = $3, connected_at = $4, updated_at = $5 \
                     WHERE tenant = $1 AND integration_id = $2",
                )
                .bind(id(tenant))
                .bind(id(integration))
                .bind(is_active)
                .bind(opt_ts(connected_at))
                .bind(ts(Utc::now())),
            )
            .await?;
        found(changed, integration)
    }

    async fn update_sync_state(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        update: SyncStateUpdate,
    ) -> StoreResult<()> {
        let changed = self
            .execute(
                "update integration sync state",
                sqlx::query(
                    "UPDATE rmm_integrations SET sync_status = $3, sync_error = $4, \
                       last_sync_at = COALESCE($5, last_sync_at), \
                       last_full_sync_at = COALESCE($6, last_full_sync_at), \
                       last_incremental_sync_at = COALESCE($7, last_incremental_sync_at), \
                       updated_at = $8 \
                     WHERE tenant = $1 AND integration_id = $2",
                )
                .bind(id(tenant))
                .bind(id(integration))
                .bind(update.status.as_str())
                .bind(storable::opt_text(update.sync_error))
                .bind(opt_ts(update.last_sync_at))
                .bind(opt_ts(update.last_full_sync_at))
                .bind(opt_ts(update.last_incremental_sync_at))
                .bind(ts(Utc::now())),
            )
            .await?;
        found(changed, integration)
    }
}

fn found(changed: u64, integration: IntegrationId) -> StoreResult<()> {
    if changed == 0 {
        Err(not_found("integration", integration))
    } else {
        Ok(())
    }
}
