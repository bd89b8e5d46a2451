//! The one way a write starts: a write transaction that has checked the
//! store's fence. On PostgreSQL the check share-locks the job's schedule
//! row, so a takeover (which updates that row) cannot commit between the
//! check and this transaction's commit; on SQLite the transaction holds
//! the write lock, so no takeover can commit before it.

use super::dialect::{Args, Database, FOR_SHARE, Pool, Tx, begin_write, id};
use crate::db::Db;
use crate::errors::{DbResultExt as _, fenced};
use psa_ingest::ports::StoreResult;

impl Db<Pool> {
    /// A write transaction for `what`, fenced when the store is a job's.
    pub(crate) async fn begin(&self, what: &'static str) -> StoreResult<Tx> {
        let mut tx = begin_write(&self.pool, what).await?;
        if let Some(fence) = self.fence.as_deref() {
            let held = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT 1 FROM sync_schedules \
                 WHERE tenant = $1 AND integration_id = $2 AND job = $3 AND lease_token = $4{FOR_SHARE}"
            )))
            .bind(id(fence.tenant))
            .bind(id(fence.integration))
            .bind(fence.job.as_str())
            .bind(id(fence.token))
            .fetch_optional(&mut *tx)
            .await
            .ctx("check the job's lease")?;
            if held.is_none() {
                return Err(fenced(fence));
            }
        }
        Ok(tx)
    }
}

impl Db<Pool> {
    /// Runs one statement in a fenced write transaction and commits; the
    /// rows it changed.
    pub(crate) async fn execute(
        &self,
        what: &'static str,
        query: sqlx::query::Query<'_, Database, Args>,
    ) -> StoreResult<u64> {
        let mut tx = self.begin(what).await?;
        let done = query.execute(&mut *tx).await.ctx(what)?;
        tx.commit().await.ctx(what)?;
        Ok(done.rows_affected())
    }
}
