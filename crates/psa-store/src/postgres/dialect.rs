//! How PostgreSQL stores and binds: native `uuid`, `timestamptz` and
//! `jsonb`; id lists bound as one array (`= ANY($n)`); rows locked with
//! `FOR UPDATE`.

use crate::db::AnyId;
use crate::errors::{DbResultExt as _, decode_error};
use crate::rows::RowExt;
use chrono::{DateTime, Utc};
use psa_ingest::ports::StoreResult;
use sqlx::postgres::PgRow;
use sqlx::{Row as _, Transaction};
use uuid::Uuid;

pub(crate) type Database = sqlx::Postgres;
pub(crate) type Pool = sqlx::PgPool;
pub(crate) type Tx = Transaction<'static, Database>;
pub(crate) type Args = <Database as sqlx::Database>::Arguments;
pub(crate) type Conn = sqlx::PgConnection;
pub(crate) type Row = <Database as sqlx::Database>::Row;

/// The PostgreSQL migrations, embedded at build time.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Most parameters one statement may bind.
pub(crate) const BIND_LIMIT: usize = 65_535;

/// Locks the rows a `SELECT` reads until the transaction ends.
pub(crate) const FOR_UPDATE: &str = " FOR UPDATE";
/// Share-locks the rows a `SELECT` reads until the transaction ends.
pub(crate) const FOR_SHARE: &str = " FOR SHARE";

/// A write transaction. Row locks (`FOR UPDATE`, `FOR SHARE`) order
/// concurrent writers.
pub(crate) async fn begin_write(pool: &Pool, what: &'static str) -> StoreResult<Tx> {
    pool.begin().await.ctx(what)
}

/// A uuid as bound.
pub(crate) fn id(value: impl AnyId) -> Uuid {
    value.uuid()
}

/// An optional uuid as bound.
pub(crate) fn opt_id(value: Option<impl AnyId>) -> Option<Uuid> {
    value.map(id)
}

/// A timestamp as bound.
pub(crate) fn ts(value: DateTime<Utc>) -> DateTime<Utc> {
    value
}

/// An optional timestamp as bound.
pub(crate) fn opt_ts(value: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    value
}

/// A JSON document as bound.
pub(crate) fn json(value: &serde_json::Value) -> &serde_json::Value {
    value
}

/// Texts bound as one parameter, for [`in_list`].
pub(crate) fn text_list<T: AsRef<str>>(values: &[T]) -> Vec<String> {
    values
        .iter()
        .map(|value| value.as_ref().to_owned())
        .collect()
}

/// `column IN` the list bound as parameter `n`.
pub(crate) fn in_list(n: usize) -> String {
    format!("= ANY(${n})")
}

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
    fn bytes(&self, col: &str) -> StoreResult<Vec<u8>> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
}

/// Leases due jobs of active integrations (binds: now, limit, holder,
/// token, expiry). `FOR UPDATE SKIP LOCKED`: concurrent workers never wait
/// on or take each other's rows. `lease_taken_from = s.lease_holder` reads
/// the old holder: set only when the row was still leased, i.e. its lease
/// had expired.
pub(crate) const CLAIM_DUE_JOBS: &str = "WITH due AS ( \
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
     RETURNING s.*, due.provider";

/// SQL merging JSON object `new` into `old` (top-level keys of `new` win).
pub(crate) fn json_merge(old: &str, new: &str) -> String {
    format!("{old} || {new}")
}

/// A table `(old_id, new_id)` from the JSON array of pairs bound as
/// parameter `n` (see [`pair_list`]).
pub(crate) fn pairs(n: usize) -> String {
    format!("SELECT value->>0, value->>1 FROM jsonb_array_elements(CAST(${n} AS jsonb))")
}

/// Pairs of texts bound as one parameter (a JSON array), for [`pairs`].
pub(crate) fn pair_list(values: &[[&str; 2]]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned())
}

/// Ids bound as one parameter, for [`in_list`].
pub(crate) fn id_list<T: AnyId>(values: &[T]) -> Vec<Uuid> {
    values.iter().map(|value| value.uuid()).collect()
}
