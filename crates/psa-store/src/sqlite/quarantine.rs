//! `quarantined_records` on SQLite.

use super::Writer;
use super::{id, json, ts};
use crate::errors::DbResultExt as _;
use crate::rows;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{
    Pipeline, QuarantineEntry, QuarantineFilter, QuarantinedRecord, RetryBackoff, StoreResult,
};
use psa_ingest::{IntegrationId, TenantId};
use sqlx::SqlitePool;

pub(crate) async fn quarantine(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    entry: QuarantineEntry,
    backoff: RetryBackoff,
    now: DateTime<Utc>,
) -> StoreResult<QuarantinedRecord> {
    let mut tx = db.begin().await?;
    let attempts: Option<i32> = sqlx::query_scalar(
        "SELECT attempts FROM quarantined_records \
         WHERE tenant = ?1 AND integration_id = ?2 AND pipeline = ?3 AND record_id = ?4",
    )
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) \
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

pub(crate) async fn list(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
    filter: QuarantineFilter,
    limit: i64,
) -> StoreResult<Vec<QuarantinedRecord>> {
    let rows = sqlx::query(
        "SELECT * FROM quarantined_records WHERE tenant = ?1 AND integration_id = ?2 \
           AND (?3 IS NULL OR pipeline = ?3) AND (?4 IS NULL OR next_retry_at <= ?4) \
         ORDER BY next_retry_at, pipeline, record_id LIMIT ?5",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .bind(filter.pipeline.map(Pipeline::as_str))
    .bind(filter.due_at.map(ts))
    .bind(limit)
    .fetch_all(pool)
    .await
    .ctx("list quarantined records")?;
    rows::all(&rows, rows::quarantined_record)
}

pub(crate) async fn ids(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
    pipeline: Pipeline,
) -> StoreResult<Vec<String>> {
    sqlx::query_scalar(
        "SELECT record_id FROM quarantined_records \
         WHERE tenant = ?1 AND integration_id = ?2 AND pipeline = ?3",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .bind(pipeline.as_str())
    .fetch_all(pool)
    .await
    .ctx("list quarantined ids")
}

pub(crate) async fn count(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<u64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM quarantined_records WHERE tenant = ?1 AND integration_id = ?2",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .fetch_one(pool)
    .await
    .ctx("count quarantined records")?;
    Ok(count.unsigned_abs())
}

pub(crate) async fn release(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    pipeline: Pipeline,
    record_ids: &[String],
) -> StoreResult<u64> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "DELETE FROM quarantined_records WHERE tenant = ?1 AND integration_id = ?2 \
           AND pipeline = ?3 AND record_id IN (SELECT value FROM json_each(?4))",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .bind(pipeline.as_str())
    .bind(super::json_list(record_ids))
    .execute(&mut *tx)
    .await
    .ctx("release quarantined records")?;
    tx.commit().await.ctx("commit release quarantined")?;
    Ok(done.rows_affected())
}

pub(crate) async fn requeue(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    pipeline: Option<Pipeline>,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE quarantined_records SET next_retry_at = ?4 \
         WHERE tenant = ?1 AND integration_id = ?2 AND (?3 IS NULL OR pipeline = ?3)",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .bind(pipeline.map(Pipeline::as_str))
    .bind(ts(now))
    .execute(&mut *tx)
    .await
    .ctx("requeue quarantined records")?;
    tx.commit().await.ctx("commit requeue quarantined")?;
    Ok(done.rows_affected())
}
