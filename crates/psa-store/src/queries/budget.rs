//! Shared request budgets: a window of request slots per tenant and vendor
//! account, taken under a lock on the account's budget row (PostgreSQL:
//! `FOR UPDATE`; SQLite: the write transaction), so processes that share
//! the store share the budget.

use super::dialect::{FOR_UPDATE, Pool, Tx, id, opt_ts, ts};
use crate::db::Db;
use crate::errors::{DbResultExt as _, check_key, invalid};
use crate::rows::RowExt as _;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use psa_ingest::TenantId;
use psa_ingest::ports::{
    BudgetLimit, BudgetSlot, RequestBudgetStore, SlotRequest, StoreResult, UNFINISHED_SLOT_GRACE,
};

/// Longest account key accepted.
const MAX_ACCOUNT: usize = 200;

fn check_account(account: &str) -> StoreResult<()> {
    check_key("an account key", account, MAX_ACCOUNT, false)
}

/// The account's budget row, made on first use.
async fn ensure_budget(tx: &mut Tx, tenant: TenantId, account: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO request_budgets (tenant, account, paused_until) VALUES ($1, $2, NULL) \
         ON CONFLICT (tenant, account) DO NOTHING",
    )
    .bind(id(tenant))
    .bind(account)
    .execute(&mut **tx)
    .await
    .ctx("make the account's request budget")?;
    Ok(())
}

#[async_trait]
impl RequestBudgetStore for Db<Pool> {
    async fn take_request_slot(
        &self,
        tenant: TenantId,
        account: &str,
        limit: BudgetLimit,
        now: DateTime<Utc>,
    ) -> StoreResult<SlotRequest> {
        check_account(account)?;
        if limit.max_requests == 0 {
            return Err(invalid("a budget allows at least one request per window"));
        }
        let mut tx = self.begin("take a request slot").await?;
        ensure_budget(&mut tx, tenant, account).await?;
        let budget = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT paused_until FROM request_budgets WHERE tenant = $1 AND account = $2{FOR_UPDATE}"
        )))
        .bind(id(tenant))
        .bind(account)
        .fetch_one(&mut *tx)
        .await
        .ctx("take a request slot")?;
        let paused_until = budget.opt_time("paused_until")?;
        // Slots that no longer count are forgotten.
        sqlx::query(
            "DELETE FROM request_slots WHERE tenant = $1 AND account = $2 AND \
             ((finished_at IS NOT NULL AND finished_at <= $3) OR (finished_at IS NULL AND started_at <= $4))",
        )
        .bind(id(tenant))
        .bind(account)
        .bind(ts(now - limit.window))
        .bind(ts(now - limit.window - UNFINISHED_SLOT_GRACE))
        .execute(&mut *tx)
        .await
        .ctx("take a request slot")?;
        let counting = sqlx::query(
            "SELECT started_at, finished_at FROM request_slots WHERE tenant = $1 AND account = $2",
        )
        .bind(id(tenant))
        .bind(account)
        .fetch_all(&mut *tx)
        .await
        .ctx("take a request slot")?;
        let answer = if let Some(until) = paused_until.filter(|until| *until > now) {
            SlotRequest::FullUntil(until)
        } else if counting.len() < limit.max_requests as usize {
            let slot = BudgetSlot(uuid::Uuid::now_v7());
            sqlx::query(
                "INSERT INTO request_slots (tenant, account, slot_id, started_at, finished_at) \
                 VALUES ($1, $2, $3, $4, NULL)",
            )
            .bind(id(tenant))
            .bind(account)
            .bind(id(slot.0))
            .bind(ts(now))
            .execute(&mut *tx)
            .await
            .ctx("take a request slot")?;
            SlotRequest::Taken(slot)
        } else {
            // Full until the first counting slot stops counting.
            let mut frees = Vec::with_capacity(counting.len());
            for row in &counting {
                frees.push(match row.opt_time("finished_at")? {
                    Some(finished) => finished + limit.window,
                    None => row.time("started_at")? + limit.window + UNFINISHED_SLOT_GRACE,
                });
            }
            SlotRequest::FullUntil(frees.into_iter().min().unwrap_or(now))
        };
        tx.commit().await.ctx("take a request slot")?;
        Ok(answer)
    }

    async fn finish_request_slot(
        &self,
        tenant: TenantId,
        account: &str,
        slot: BudgetSlot,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        check_account(account)?;
        self.execute(
            "finish a request slot",
            sqlx::query(
                "UPDATE request_slots SET finished_at = $4 \
                 WHERE tenant = $1 AND account = $2 AND slot_id = $3 AND finished_at IS NULL",
            )
            .bind(id(tenant))
            .bind(account)
            .bind(id(slot.0))
            .bind(ts(at)),
        )
        .await?;
        Ok(())
    }

    async fn pause_requests(
        &self,
        tenant: TenantId,
        account: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<()> {
        check_account(account)?;
        let mut tx = self.begin("pause requests").await?;
        ensure_budget(&mut tx, tenant, account).await?;
        sqlx::query(
            "UPDATE request_budgets SET paused_until = $3 WHERE tenant = $1 AND account = $2 \
             AND (paused_until IS NULL OR paused_until < $3)",
        )
        .bind(id(tenant))
        .bind(account)
        .bind(opt_ts(Some(until)))
        .execute(&mut *tx)
        .await
        .ctx("pause requests")?;
        tx.commit().await.ctx("pause requests")?;
        Ok(())
    }
}
