//! Webhook deliveries: which tenant an integration id belongs to, and the
//! delivery ids seen (a replay is recognised by its id).

use super::dialect::{Pool, id, ts};
use crate::db::Db;
use crate::errors::{DbResultExt as _, check_key};
use crate::rows::RowExt as _;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{DELIVERY_MEMORY, StoreResult, WebhookStore};
use psa_ingest::{IntegrationId, TenantId};

/// Longest delivery id accepted (Svix's are about 30 bytes).
const MAX_DELIVERY_ID: usize = 200;

#[async_trait]
impl WebhookStore for Db<Pool> {
    async fn locate_integration(
        &self,
        integration: IntegrationId,
    ) -> StoreResult<Option<TenantId>> {
        let row = sqlx::query("SELECT tenant FROM rmm_integrations WHERE integration_id = $1")
            .bind(id(integration))
            .fetch_optional(&self.pool)
            .await
            .ctx("locate integration")?;
        row.map(|row| row.uuid("tenant").map(TenantId)).transpose()
    }

    async fn record_delivery(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        delivery_id: &str,
        received_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        check_key("a delivery id", delivery_id, MAX_DELIVERY_ID, false)?;
        let mut tx = self.begin("record webhook delivery").await?;
        sqlx::query(
            "DELETE FROM webhook_deliveries WHERE tenant = $1 AND integration_id = $2 AND received_at < $3",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(ts(received_at - DELIVERY_MEMORY))
        .execute(&mut *tx)
        .await
        .ctx("forget old webhook deliveries")?;
        let inserted = sqlx::query(
            "INSERT INTO webhook_deliveries (tenant, integration_id, delivery_id, received_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(delivery_id)
        .bind(ts(received_at))
        .execute(&mut *tx)
        .await
        .ctx("record webhook delivery")?;
        tx.commit().await.ctx("record webhook delivery")?;
        Ok(inserted.rows_affected() == 1)
    }
}
