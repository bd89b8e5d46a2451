//! `quarantined_records`.

use super::dialect::{FOR_UPDATE, Pool, id, in_list, json, text_list, ts};
use crate::db::Db;
use crate::errors::{DbResultExt as _, invalid};
use crate::{rows, storable};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{
    Pipeline, QuarantineEntry, QuarantineFilter, QuarantineStore, QuarantinedRecord, RetryBackoff,
    StoreResult,
};
use psa_ingest::{IntegrationId, TenantId};

#[async_trait]
impl QuarantineStore for Db<Pool> {
    async fn quarantine_record(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        entry: QuarantineEntry,
        backoff: RetryBackoff,
        now: DateTime<Utc>,
    ) -> StoreResult<QuarantinedRecord> {
        if entry.record_id.is_empty() {
            return Err(invalid("a quarantined record needs an id"));
        }
        let entry = QuarantineEntry {
            record_id: storable::text(&entry.record_id).into_owned(),
            payload: storable::json(entry.payload),
            error: storable::text(&entry.error).into_owned(),
            ..entry
        };
        let mut tx = self.begin("quarantine record").await?;
        let attempts: Option<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT attempts FROM quarantined_records \
             WHERE tenant = $1 AND integration_id = $2 AND pipeline = $3 AND record_id = $4{FOR_UPDATE}"
        )))
        .bind(id(tenant))
        .bind(id(integration))
        .bind(entry.pipeline.as_str())
        .bind(&entry.record_id)
        .fetch_optional(&mut *tx)
        .await
        .ctx("read quarantined attempts")?;
        let attempts = attempts.unwrap_or(0).saturating_add(1);
        let next_retry_at = now + backoff.delay(attempts.unsigned_abs());
        let row = sqlx::query(
            "INSERT INTO quarantined_records (tenant, integration_id, pipeline, record_id, payload, \
               error, attempts, first_failed_at, last_failed_at, next_retry_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) \
             ON CONFLICT (tenant, integration_id, pipeline, record_id) DO UPDATE SET \
               payload = excluded.payload, error = excluded.error, attempts = excluded.attempts, \
               last_failed_at = excluded.last_failed_at, next_retry_at = excluded.next_retry_at \
             RETURNING *",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(entry.pipeline.as_str())
        .bind(&entry.record_id)
        .bind(json(&entry.payload))
        .bind(&entry.error)
        .bind(attempts)
        .bind(ts(now))
        .bind(ts(next_retry_at))
        .fetch_one(&mut *tx)
        .await
        .ctx("quarantine record")?;
        tx.commit().await.ctx("commit quarantine record")?;
        rows::quarantined_record(&row)
    }

    async fn list_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        filter: QuarantineFilter,
        limit: i64,
    ) -> StoreResult<Vec<QuarantinedRecord>> {
        if limit < 0 {
            return Err(invalid(format!(
                "quarantine limit must not be negative, got {limit}"
            )));
        }
        let rows = sqlx::query(
            "SELECT * FROM quarantined_records WHERE tenant = $1 AND integration_id = $2 \
               AND ($3 IS NULL OR pipeline = $3) AND ($4 IS NULL OR next_retry_at <= $4) \
             ORDER BY next_retry_at, pipeline, record_id LIMIT $5",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(filter.pipeline.map(Pipeline::as_str))
        .bind(filter.due_at.map(ts))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .ctx("list quarantined records")?;
        rows::all(&rows, rows::quarantined_record)
    }

    async fn quarantined_ids(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Pipeline,
    ) -> StoreResult<Vec<String>> {
        sqlx::query_scalar(
            "SELECT record_id FROM quarantined_records \
             WHERE tenant = $1 AND integration_id = $2 AND pipeline = $3",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(pipeline.as_str())
        .fetch_all(&self.pool)
        .await
        .ctx("list quarantined ids")
    }

    async fn count_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM quarantined_records WHERE tenant = $1 AND integration_id = $2",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .fetch_one(&self.pool)
        .await
        .ctx("count quarantined records")?;
        Ok(count.unsigned_abs())
    }

    async fn release_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Pipeline,
        record_ids: &[String],
    ) -> StoreResult<u64> {
        if record_ids.is_empty() {
            return Ok(0);
        }
        // Kept as storable text: a record refused for a NUL in its id is
        // quarantined under the id without it, and released the same way.
        let ids: Vec<String> = record_ids
            .iter()
            .map(|id| storable::text(id).into_owned())
            .collect();
        self.execute(
            "release quarantined records",
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM quarantined_records WHERE tenant = $1 AND integration_id = $2 \
                   AND pipeline = $3 AND record_id {}",
                in_list(4)
            )))
            .bind(id(tenant))
            .bind(id(integration))
            .bind(pipeline.as_str())
            .bind(text_list(&ids)),
        )
        .await
    }

    async fn requeue_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Option<Pipeline>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.execute(
            "requeue quarantined records",
            sqlx::query(
                "UPDATE quarantined_records SET next_retry_at = $4 \
                 WHERE tenant = $1 AND integration_id = $2 AND ($3 IS NULL OR pipeline = $3)",
            )
            .bind(id(tenant))
            .bind(id(integration))
            .bind(pipeline.map(Pipeline::as_str))
            .bind(ts(now)),
        )
        .await
    }
}
