//! `sync_schedules` on PostgreSQL: claims take due rows with
//! `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait on or take
//! each other's rows.

use crate::errors::DbResultExt as _;
use crate::rows;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{Lease, ScheduledJob, StoreResult};
use psa_ingest::{IntegrationId, TenantId};
use sqlx::PgPool;
use uuid::Uuid;

pub(crate) async fn set_due(
    pool: &PgPool,
    tenant: TenantId,
    integration: IntegrationId,
    job: &str,
    due_at: DateTime<Utc>,
    replace: bool,
) -> StoreResult<()> {
    let on_conflict = if replace {
        "DO UPDATE SET next_due_at = EXCLUDED.next_due_at, updated_at = EXCLUDED.updated_at"
    } else {
        "DO NOTHING"
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO sync_schedules (tenant, integration_id, job, next_due_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, integration_id, job) {on_conflict}"
    )))
    .bind(tenant.0)
    .bind(integration.0)
    .bind(job)
    .bind(due_at)
    .bind(Utc::now())
    .execute(pool)
    .await
    .ctx("schedule job")?;
    Ok(())
}

pub(crate) async fn unschedule(
    pool: &PgPool,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<u64> {
    let done = sqlx::query("DELETE FROM sync_schedules WHERE tenant = $1 AND integration_id = $2")
        .bind(tenant.0)
        .bind(integration.0)
        .execute(pool)
        .await
        .ctx("unschedule integration")?;
    Ok(done.rows_affected())
}

pub(crate) async fn list(
    pool: &PgPool,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<Vec<ScheduledJob>> {
    let rows = sqlx::query(
        "SELECT * FROM sync_schedules WHERE tenant = $1 AND integration_id = $2 ORDER BY job",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .fetch_all(pool)
    .await
    .ctx("list scheduled jobs")?;
    rows::all(&rows, rows::scheduled_job)
}

pub(crate) async fn claim(
    pool: &PgPool,
    holder: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Lease>> {
    // `lease_taken_from = s.lease_holder` reads the old holder: set only when
    // the row was still leased, i.e. its lease had expired.
    let rows = sqlx::query(
        "WITH due AS ( \
           SELECT s.tenant, s.integration_id, s.job, i.provider FROM sync_schedules s \
           JOIN rmm_integrations i ON i.tenant = s.tenant AND i.integration_id = s.integration_id \
           WHERE i.is_active AND s.next_due_at <= $1 \
             AND (s.lease_expires_at IS NULL OR s.lease_expires_at <= $1) \
           ORDER BY s.next_due_at LIMIT $2 \
           FOR UPDATE OF s SKIP LOCKED) \
         UPDATE sync_schedules s SET lease_holder = $3, lease_token = $4, lease_expires_at = $5, \
           lease_taken_from = s.lease_holder, updated_at = $1 \
         FROM due WHERE s.tenant = due.tenant AND s.integration_id = due.integration_id \
           AND s.job = due.job \
         RETURNING s.*, due.provider",
    )
    .bind(now)
    .bind(limit)
    .bind(holder)
    .bind(Uuid::now_v7())
    .bind(expires_at)
    .fetch_all(pool)
    .await
    .ctx("claim due jobs")?;
    let mut leases = rows::all(&rows, rows::lease)?;
    leases.sort_by_key(|lease| lease.due_at);
    Ok(leases)
}

pub(crate) async fn renew(
    pool: &PgPool,
    lease: &Lease,
    expires_at: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE sync_schedules SET lease_expires_at = $5, updated_at = $6 \
         WHERE tenant = $1 AND integration_id = $2 AND job = $3 AND lease_token = $4",
    )
    .bind(lease.tenant.0)
    .bind(lease.integration.0)
    .bind(&lease.job)
    .bind(lease.token)
    .bind(expires_at)
    .bind(Utc::now())
    .execute(pool)
    .await
    .ctx("renew lease")?;
    Ok(done.rows_affected() == 1)
}

pub(crate) async fn release(
    pool: &PgPool,
    lease: &Lease,
    next_due_at: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE sync_schedules SET next_due_at = $5, lease_holder = NULL, lease_token = NULL, \
           lease_expires_at = NULL, lease_taken_from = NULL, updated_at = $6 \
         WHERE tenant = $1 AND integration_id = $2 AND job = $3 AND lease_token = $4",
    )
    .bind(lease.tenant.0)
    .bind(lease.integration.0)
    .bind(&lease.job)
    .bind(lease.token)
    .bind(next_due_at)
    .bind(Utc::now())
    .execute(pool)
    .await
    .ctx("release lease")?;
    Ok(done.rows_affected() == 1)
}
