//! `sync_schedules`: due jobs and their leases. Lease writes are not
//! fenced: they are how fencing is decided.

use super::dialect::{CLAIM_DUE_JOBS, Pool, id, ts};
use crate::db::Db;
use crate::errors::{DbResultExt as _, invalid};
use crate::rows;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{Fence, JobName, Lease, ScheduleStore, ScheduledJob, Store, StoreResult};
use psa_ingest::{IntegrationId, TenantId};
use std::sync::Arc;
use uuid::Uuid;

/// Longest job name accepted.
const MAX_JOB_NAME: usize = 100;

fn check_job(job: &str) -> StoreResult<()> {
    if job.trim().is_empty() || job.len() > MAX_JOB_NAME {
        return Err(invalid(format!(
            "job name must be 1 to {MAX_JOB_NAME} bytes and not blank, got {job:?}"
        )));
    }
    Ok(())
}

impl Db<Pool> {
    async fn set_due(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        job: &JobName,
        due_at: DateTime<Utc>,
        replace: bool,
    ) -> StoreResult<()> {
        check_job(job.as_str())?;
        let on_conflict = if replace {
            "DO UPDATE SET next_due_at = excluded.next_due_at, updated_at = excluded.updated_at"
        } else {
            "DO NOTHING"
        };
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO sync_schedules (tenant, integration_id, job, next_due_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, integration_id, job) {on_conflict}"
        )))
        .bind(id(tenant))
        .bind(id(integration))
        .bind(job.as_str())
        .bind(ts(due_at))
        .bind(ts(Utc::now()))
        .execute(&self.pool)
        .await
        .ctx("schedule job")?;
        Ok(())
    }

    /// Runs a lease update; whether the lease was still held.
    async fn update_lease(
        &self,
        what: &'static str,
        sql: &'static str,
        lease: &Lease,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(sql)
            .bind(id(lease.tenant))
            .bind(id(lease.integration))
            .bind(lease.job.as_str())
            .bind(id(lease.token))
            .bind(ts(at))
            .bind(ts(Utc::now()))
            .execute(&self.pool)
            .await
            .ctx(what)?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait]
impl ScheduleStore for Db<Pool> {
    async fn ensure_job(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        job: &JobName,
        due_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.set_due(tenant, integration, job, due_at, false).await
    }

    async fn set_job_due(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        job: &JobName,
        due_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.set_due(tenant, integration, job, due_at, true).await
    }

    async fn unschedule_integration(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<u64> {
        let done =
            sqlx::query("DELETE FROM sync_schedules WHERE tenant = $1 AND integration_id = $2")
                .bind(id(tenant))
                .bind(id(integration))
                .execute(&self.pool)
                .await
                .ctx("unschedule integration")?;
        Ok(done.rows_affected())
    }

    async fn list_scheduled_jobs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<ScheduledJob>> {
        let rows = sqlx::query(
            "SELECT * FROM sync_schedules WHERE tenant = $1 AND integration_id = $2 ORDER BY job",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .fetch_all(&self.pool)
        .await
        .ctx("list scheduled jobs")?;
        rows::all(&rows, rows::scheduled_job)
    }

    async fn claim_due_jobs(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Lease>> {
        if holder.trim().is_empty() {
            return Err(invalid("lease holder must not be blank"));
        }
        if limit < 0 {
            return Err(invalid(format!(
                "claim limit must not be negative, got {limit}"
            )));
        }
        if expires_at <= now {
            return Err(invalid(format!(
                "lease must end after it starts: {expires_at} is not after {now}"
            )));
        }
        let rows = sqlx::query(CLAIM_DUE_JOBS)
            .bind(ts(now))
            .bind(limit)
            .bind(holder)
            .bind(id(Uuid::now_v7()))
            .bind(ts(expires_at))
            .fetch_all(&self.pool)
            .await
            .ctx("claim due jobs")?;
        let mut leases = rows::all(&rows, rows::lease)?;
        leases.sort_by_key(|lease| lease.due_at);
        Ok(leases)
    }

    async fn renew_lease(&self, lease: &Lease, expires_at: DateTime<Utc>) -> StoreResult<bool> {
        self.update_lease(
            "renew lease",
            "UPDATE sync_schedules SET lease_expires_at = $5, updated_at = $6 \
             WHERE tenant = $1 AND integration_id = $2 AND job = $3 AND lease_token = $4",
            lease,
            expires_at,
        )
        .await
    }

    async fn release_lease(&self, lease: &Lease, next_due_at: DateTime<Utc>) -> StoreResult<bool> {
        self.update_lease(
            "release lease",
            "UPDATE sync_schedules SET next_due_at = $5, lease_holder = NULL, lease_token = NULL, \
               lease_expires_at = NULL, lease_taken_from = NULL, updated_at = $6 \
             WHERE tenant = $1 AND integration_id = $2 AND job = $3 AND lease_token = $4",
            lease,
            next_due_at,
        )
        .await
    }

    fn fenced(&self, fence: Fence) -> Arc<dyn Store> {
        Arc::new(Self {
            fence: Some(Arc::new(fence)),
            ..self.clone()
        })
    }
}
