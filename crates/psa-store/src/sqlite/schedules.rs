//! `sync_schedules` on SQLite. A claim is one `UPDATE ... RETURNING`; SQLite
//! runs one writer at a time, so concurrent claims never take the same row.

use super::{id, ts};
use crate::errors::DbResultExt as _;
use crate::rows;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{Lease, ScheduledJob, StoreResult};
use psa_ingest::{IntegrationId, TenantId};
use sqlx::SqlitePool;
use uuid::Uuid;

pub(crate) async fn set_due(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
    job: &str,
    due_at: DateTime<Utc>,
    replace: bool,
) -> StoreResult<()> {
    let on_conflict = if replace {
        "DO UPDATE SET next_due_at = excluded.next_due_at, updated_at = excluded.updated_at"
    } else {
        "DO NOTHING"
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO sync_schedules (tenant, integration_id, job, next_due_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (tenant, integration_id, job) {on_conflict}"
    )))
    .bind(id(tenant))
    .bind(id(integration))
    .bind(job)
    .bind(ts(due_at))
    .bind(ts(Utc::now()))
    .execute(pool)
    .await
    .ctx("schedule job")?;
    Ok(())
}

pub(crate) async fn unschedule(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM sync_schedules WHERE tenant = ?1 AND integration_id = ?2")
        .bind(id(tenant))
        .bind(id(integration))
        .execute(pool)
        .await
        .ctx("unschedule integration")?;
    Ok(done.rows_affected())
}

pub(crate) async fn list(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<Vec<ScheduledJob>> {
    let rows = sqlx::query(
        "SELECT * FROM sync_schedules WHERE tenant = ?1 AND integration_id = ?2 ORDER BY job",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .fetch_all(pool)
    .await
    .ctx("list scheduled jobs")?;
    rows::all(&rows, rows::scheduled_job)
}

pub(crate) async fn claim(
    pool: &SqlitePool,
    holder: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Lease>> {
    // SET expressions read the old row, so `lease_taken_from` gets the
    // previous holder (set only when its lease had expired).
    let rows = sqlx::query(
        "UPDATE sync_schedules SET lease_holder = ?3, lease_token = ?4, lease_expires_at = ?5, \
           lease_taken_from = lease_holder, updated_at = ?1 \
         WHERE (tenant, integration_id, job) IN ( \
           SELECT s.tenant, s.integration_id, s.job FROM sync_schedules s \
           JOIN rmm_integrations i ON i.tenant = s.tenant AND i.integration_id = s.integration_id \
           WHERE i.is_active AND s.next_due_at <= ?1 \
             AND (s.lease_expires_at IS NULL OR s.lease_expires_at <= ?1) \
           ORDER BY s.next_due_at LIMIT ?2) \
         RETURNING *, (SELECT provider FROM rmm_integrations i \
           WHERE i.tenant = sync_schedules.tenant \
             AND i.integration_id = sync_schedules.integration_id) AS provider",
    )
    .bind(ts(now))
    .bind(limit)
    .bind(holder)
    .bind(id(Uuid::now_v7()))
    .bind(ts(expires_at))
    .fetch_all(pool)
    .await
    .ctx("claim due jobs")?;
    let mut leases = rows::all(&rows, rows::lease)?;
    leases.sort_by_key(|lease| lease.due_at);
    Ok(leases)
}

pub(crate) async fn renew(
    pool: &SqlitePool,
    lease: &Lease,
    expires_at: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE sync_schedules SET lease_expires_at = ?5, updated_at = ?6 \
         WHERE tenant = ?1 AND integration_id = ?2 AND job = ?3 AND lease_token = ?4",
    )
    .bind(id(lease.tenant))
    .bind(id(lease.integration))
    .bind(&lease.job)
    .bind(id(lease.token))
    .bind(ts(expires_at))
    .bind(ts(Utc::now()))
    .execute(pool)
    .await
    .ctx("renew lease")?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn release(
    pool: &SqlitePool,
    lease: &Lease,
    next_due_at: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE sync_schedules SET next_due_at = ?5, lease_holder = NULL, lease_token = NULL, \
           lease_expires_at = NULL, lease_taken_from = NULL, updated_at = ?6 \
         WHERE tenant = ?1 AND integration_id = ?2 AND job = ?3 AND lease_token = ?4",
    )
    .bind(id(lease.tenant))
    .bind(id(lease.integration))
    .bind(&lease.job)
    .bind(id(lease.token))
    .bind(ts(next_due_at))
    .bind(ts(Utc::now()))
    .execute(pool)
    .await
    .ctx("release lease")?;
    Ok(done.rows_affected() == 1)
}
