//! PostgreSQL: native uuid, timestamptz and jsonb columns; bulk writes bind
//! one array per column and `UNNEST` them, one statement per table.

pub(crate) mod alerts;
pub(crate) mod assets;
pub(crate) mod catalog;
pub(crate) mod entity_mappings;
pub(crate) mod integrations;
pub(crate) mod quarantine;
pub(crate) mod schedules;
pub(crate) mod scopes;
pub(crate) mod secrets;
pub(crate) mod seed;
pub(crate) mod sync_runs;
pub(crate) mod tickets;

use crate::errors::{DbResultExt as _, decode_error, fenced};
use crate::rows::RowExt;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{Fence, StoreResult};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, Row as _, Transaction};
use uuid::Uuid;

/// The pool and, for a job's store, the lease every write is fenced by.
#[derive(Clone, Copy)]
pub(crate) struct Writer<'a> {
    pub(crate) pool: &'a PgPool,
    pub(crate) fence: Option<&'a Fence>,
}

impl Writer<'_> {
    /// A transaction that has checked the fence. The check share-locks the
    /// job's schedule row, so a takeover (which updates that row) cannot
    /// commit between the check and this transaction's commit.
    pub(crate) async fn begin(
        &self,
        what: &'static str,
    ) -> StoreResult<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await.ctx(what)?;
        if let Some(fence) = self.fence {
            let held: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM sync_schedules \
                 WHERE tenant = $1 AND integration_id = $2 AND job = $3 AND lease_token = $4 \
                 FOR SHARE",
            )
            .bind(fence.tenant.0)
            .bind(fence.integration.0)
            .bind(&fence.job)
            .bind(fence.token)
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

/// The PostgreSQL migrations, embedded at build time.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl RowExt for PgRow {
    fn uuid(&self, col: &str) -> StoreResult<Uuid> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
    fn opt_uuid(&self, col: &str) -> StoreResult<Option<Uuid>> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
    fn text(&self, col: &str) -> StoreResult<String> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
    fn boolean(&self, col: &str) -> StoreResult<bool> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
    fn int32(&self, col: &str) -> StoreResult<i32> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
    fn int64(&self, col: &str) -> StoreResult<i64> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
    fn time(&self, col: &str) -> StoreResult<DateTime<Utc>> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
    fn opt_time(&self, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
    fn json(&self, col: &str) -> StoreResult<serde_json::Value> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
}
