//! `sync_runs` on PostgreSQL.

use super::Writer;
use crate::errors::{DbResultExt as _, not_found};
use crate::rows;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{RunFinish, RunOutcome, StoreResult, SyncRun};
use psa_ingest::{IntegrationId, SyncRunId, TenantId};
use sqlx::PgPool;

pub(crate) async fn start(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    kind: &str,
    started_at: DateTime<Utc>,
) -> StoreResult<SyncRunId> {
    let mut tx = db.begin("begin sync_runs start").await?;
    let id = SyncRunId::new();
    sqlx::query(
        "INSERT INTO sync_runs (tenant, run_id, integration_id, kind, started_at, outcome) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.0)
    .bind(id.0)
    .bind(integration.0)
    .bind(kind)
    .bind(started_at)
    .bind(RunOutcome::Running.as_str())
    .execute(&mut *tx)
    .await
    .ctx("start sync run")?;
    tx.commit().await.ctx("commit sync_runs start")?;
    Ok(id)
}

pub(crate) async fn finish(
    db: Writer<'_>,
    tenant: TenantId,
    run: SyncRunId,
    finish: RunFinish,
) -> StoreResult<()> {
    let mut tx = db.begin("begin sync_runs finish").await?;
    let done = sqlx::query(
        "UPDATE sync_runs SET finished_at = $3, outcome = $4, counts = $5, requests_made = $6, error = $7 \
         WHERE tenant = $1 AND run_id = $2",
    )
    .bind(tenant.0)
    .bind(run.0)
    .bind(Utc::now())
    .bind(finish.outcome.as_str())
    .bind(&finish.counts)
    .bind(finish.requests_made)
    .bind(&finish.error)
    .execute(&mut *tx)
    .await
    .ctx("finish sync run")?;
    tx.commit().await.ctx("commit sync_runs finish")?;
    if done.rows_affected() == 0 {
        Err(not_found("sync run", run))
    } else {
        Ok(())
    }
}

pub(crate) async fn list(
    pool: &PgPool,
    tenant: TenantId,
    integration: IntegrationId,
    limit: i64,
) -> StoreResult<Vec<SyncRun>> {
    let rows = sqlx::query(
        "SELECT * FROM sync_runs WHERE tenant = $1 AND integration_id = $2 \
         ORDER BY started_at DESC, run_id DESC LIMIT $3",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .bind(limit)
    .fetch_all(pool)
    .await
    .ctx("list sync runs")?;
    rows::all(&rows, rows::sync_run)
}

pub(crate) async fn abandon(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    kinds: &[&str],
    outcome: RunOutcome,
    error: &str,
) -> StoreResult<u64> {
    let mut tx = db.begin("begin sync_runs abandon").await?;
    let kinds: Vec<String> = kinds.iter().map(|k| (*k).to_owned()).collect();
    let done = sqlx::query(
        "UPDATE sync_runs SET finished_at = $4, outcome = $5, error = $6 \
         WHERE tenant = $1 AND integration_id = $2 AND kind = ANY($3) AND outcome = $7",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .bind(kinds)
    .bind(Utc::now())
    .bind(outcome.as_str())
    .bind(error)
    .bind(RunOutcome::Running.as_str())
    .execute(&mut *tx)
    .await
    .ctx("abandon sync runs")?;
    tx.commit().await.ctx("commit sync_runs abandon")?;
    Ok(done.rows_affected())
}
