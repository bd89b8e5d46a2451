//! Daily usage counts per scope and metric.

use super::dialect::{Pool, id, opt_id};
use crate::db::Db;
use crate::errors::{DbResultExt as _, invalid};
use crate::rows::RowExt as _;
use async_trait::async_trait;
use chrono::NaiveDate;
use psa_ingest::ports::{StoreResult, UsageCount, UsageStore};
use psa_ingest::{ClientId, IntegrationId, TenantId};

/// Days are stored as `YYYY-MM-DD` text on both backends (it sorts).
const DAY: &str = "%Y-%m-%d";

#[async_trait]
impl UsageStore for Db<Pool> {
    async fn record_usage(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        counts: &[UsageCount],
    ) -> StoreResult<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin("record usage").await?;
        for count in counts {
            sqlx::query(
                "INSERT INTO usage_snapshots \
                   (tenant, integration_id, day, scope_id, metric, scope_name, client_id, value) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (tenant, integration_id, day, scope_id, metric) DO UPDATE SET \
                   scope_name = excluded.scope_name, client_id = excluded.client_id, value = excluded.value",
            )
            .bind(id(tenant))
            .bind(id(integration))
            .bind(count.day.format(DAY).to_string())
            .bind(&count.scope)
            .bind(&count.metric)
            .bind(&count.scope_name)
            .bind(opt_id(count.client_id))
            // A count past i64 is stored as the largest one.
            .bind(i64::try_from(count.value).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await
            .ctx("record usage")?;
        }
        tx.commit().await.ctx("record usage")?;
        Ok(())
    }

    async fn list_usage(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        since: NaiveDate,
    ) -> StoreResult<Vec<UsageCount>> {
        let rows = sqlx::query(
            "SELECT day, scope_id, metric, scope_name, client_id, value FROM usage_snapshots \
             WHERE tenant = $1 AND integration_id = $2 AND day >= $3 \
             ORDER BY day, scope_id, metric",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(since.format(DAY).to_string())
        .fetch_all(&self.pool)
        .await
        .ctx("list usage")?;
        rows.iter()
            .map(|row| {
                let day = row.text("day")?;
                Ok(UsageCount {
                    day: NaiveDate::parse_from_str(&day, DAY)
                        .map_err(|_| invalid(format!("stored usage day {day:?} is not a date")))?,
                    scope: row.text("scope_id")?,
                    scope_name: row.text("scope_name")?,
                    client_id: row.opt_uuid("client_id")?.map(ClientId),
                    metric: row.text("metric")?,
                    value: u64::try_from(row.int64("value")?).unwrap_or(0),
                })
            })
            .collect()
    }
}
