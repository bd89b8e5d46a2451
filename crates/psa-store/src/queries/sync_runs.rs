//! `sync_runs`.

use super::dialect::{Pool, id, in_list, json, text_list, ts};
use crate::db::Db;
use crate::errors::{DbResultExt as _, invalid, not_found};
use crate::{rows, storable};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{RunFinish, RunKind, RunOutcome, StoreResult, SyncRun, SyncRunStore};
use psa_ingest::{IntegrationId, SyncRunId, TenantId};

#[async_trait]
impl SyncRunStore for Db<Pool> {
    async fn start_sync_run(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kind: &RunKind,
        started_at: DateTime<Utc>,
    ) -> StoreResult<SyncRunId> {
        let run = SyncRunId::new();
        self.execute(
            "start sync run",
            sqlx::query(
                "INSERT INTO sync_runs (tenant, run_id, integration_id, kind, started_at, outcome) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id(tenant))
            .bind(id(run))
            .bind(id(integration))
            .bind(kind.as_str())
            .bind(ts(started_at))
            .bind(RunOutcome::Running.as_str()),
        )
        .await?;
        Ok(run)
    }

    async fn finish_sync_run(
        &self,
        tenant: TenantId,
        run: SyncRunId,
        finish: RunFinish,
    ) -> StoreResult<()> {
        let changed = self
            .execute(
                "finish sync run",
                sqlx::query(
                    "UPDATE sync_runs SET finished_at = $3, outcome = $4, counts = $5, requests_made = $6, error = $7 \
                     WHERE tenant = $1 AND run_id = $2",
                )
                .bind(id(tenant))
                .bind(id(run))
                .bind(ts(Utc::now()))
                .bind(finish.outcome.as_str())
                .bind(json(&storable::json(finish.counts)))
                .bind(finish.requests_made)
                .bind(storable::opt_text(finish.error)),
            )
            .await?;
        if changed == 0 {
            Err(not_found("sync run", run))
        } else {
            Ok(())
        }
    }

    async fn list_sync_runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRun>> {
        if limit < 0 {
            return Err(invalid(format!(
                "sync run limit must not be negative, got {limit}"
            )));
        }
        let rows = sqlx::query(
            "SELECT * FROM sync_runs WHERE tenant = $1 AND integration_id = $2 \
             ORDER BY started_at DESC, run_id DESC LIMIT $3",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .ctx("list sync runs")?;
        rows::all(&rows, rows::sync_run)
    }

    async fn abandon_sync_runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kinds: &[RunKind],
        outcome: RunOutcome,
        error: &str,
    ) -> StoreResult<u64> {
        self.execute(
            "abandon sync runs",
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE sync_runs SET finished_at = $4, outcome = $5, error = $6 \
                 WHERE tenant = $1 AND integration_id = $2 AND outcome = $7 AND kind {}",
                in_list(3)
            )))
            .bind(id(tenant))
            .bind(id(integration))
            .bind(text_list(
                &kinds.iter().map(RunKind::as_str).collect::<Vec<_>>(),
            ))
            .bind(ts(Utc::now()))
            .bind(outcome.as_str())
            .bind(storable::text(error))
            .bind(RunOutcome::Running.as_str()),
        )
        .await
    }
}
