//! PostgreSQL: native uuid, timestamptz and jsonb columns; bulk writes bind
//! one array per column and `UNNEST` them, one statement per table.

pub(crate) mod alerts;
pub(crate) mod assets;
pub(crate) mod catalog;
pub(crate) mod entity_mappings;
pub(crate) mod integrations;
pub(crate) mod schedules;
pub(crate) mod scopes;
pub(crate) mod secrets;
pub(crate) mod seed;
pub(crate) mod sync_runs;
pub(crate) mod tickets;

use crate::errors::decode_error;
use crate::rows::RowExt;
use chrono::{DateTime, Utc};
use psa_ingest::ports::StoreResult;
use sqlx::Row as _;
use sqlx::postgres::PgRow;
use uuid::Uuid;

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
