//! How SQLite stores and binds: ids as hyphenated text, timestamps as
//! fixed-width RFC 3339 UTC text (so text order is time order), JSON as
//! text; id lists bound as one JSON array read with `json_each`. Write
//! transactions start with `BEGIN IMMEDIATE`: they queue on the write lock
//! instead of failing when a read lock would need upgrading, and hold it,
//! so no row lock is needed.

use crate::db::AnyId;
use crate::errors::{DbResultExt as _, corrupt, decode_error};
use crate::rows::RowExt;
use chrono::{DateTime, SecondsFormat, Utc};
use psa_ingest::ports::StoreResult;
use sqlx::sqlite::SqliteRow;
use sqlx::{Row as _, Transaction};
use uuid::Uuid;

pub(crate) type Database = sqlx::Sqlite;
pub(crate) type Pool = sqlx::SqlitePool;
pub(crate) type Tx = Transaction<'static, Database>;
pub(crate) type Args = <Database as sqlx::Database>::Arguments;
pub(crate) type Conn = sqlx::SqliteConnection;
pub(crate) type Row = <Database as sqlx::Database>::Row;

/// The SQLite migrations, embedded at build time.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// SQLite's default maximum number of bound parameters per statement.
pub(crate) const BIND_LIMIT: usize = 32_766;

/// Nothing: the write transaction holds the database's write lock.
pub(crate) const FOR_UPDATE: &str = "";
/// Nothing: the write transaction holds the database's write lock.
pub(crate) const FOR_SHARE: &str = "";

/// A write transaction holding SQLite's write lock from the start.
pub(crate) async fn begin_write(pool: &Pool, what: &'static str) -> StoreResult<Tx> {
    pool.begin_with("BEGIN IMMEDIATE").await.ctx(what)
}

/// A uuid as stored: hyphenated lowercase text.
pub(crate) fn id(value: impl AnyId) -> String {
    value.uuid().hyphenated().to_string()
}

/// An optional uuid as stored.
pub(crate) fn opt_id(value: Option<impl AnyId>) -> Option<String> {
    value.map(id)
}

/// A timestamp as stored: `2024-01-02T03:04:05.000000Z`.
pub(crate) fn ts(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// An optional timestamp as stored.
pub(crate) fn opt_ts(value: Option<DateTime<Utc>>) -> Option<String> {
    value.map(ts)
}

/// A JSON document as stored.
pub(crate) fn json(value: &serde_json::Value) -> String {
    value.to_string()
}

/// Ids bound as one parameter (a JSON array), for [`in_list`].
pub(crate) fn id_list<T: AnyId>(values: &[T]) -> String {
    json_array(values.iter().map(|value| id(*value)))
}

/// Texts bound as one parameter (a JSON array), for [`in_list`].
pub(crate) fn text_list<T: AsRef<str>>(values: &[T]) -> String {
    json_array(values.iter().map(|value| value.as_ref()))
}

fn json_array<T: serde::Serialize>(values: impl Iterator<Item = T>) -> String {
    serde_json::to_string(&values.collect::<Vec<_>>()).unwrap_or_else(|_| "[]".to_owned())
}

/// `column IN` the list bound as parameter `n`.
pub(crate) fn in_list(n: usize) -> String {
    format!("IN (SELECT value FROM json_each(${n}))")
}

fn parse_uuid(col: &str, text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| corrupt(format!("column {col} holds {text:?}, not a uuid")))
}

fn parse_time(col: &str, text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            corrupt(format!(
                "column {col} holds {text:?}, not an RFC 3339 timestamp"
            ))
        })
}

impl RowExt for SqliteRow {
    fn uuid(&self, col: &str) -> StoreResult<Uuid> {
        parse_uuid(col, &self.text(col)?)
    }
    fn opt_uuid(&self, col: &str) -> StoreResult<Option<Uuid>> {
        self.opt_text(col)?.map(|t| parse_uuid(col, &t)).transpose()
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
        parse_time(col, &self.text(col)?)
    }
    fn opt_time(&self, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
        self.opt_text(col)?.map(|t| parse_time(col, &t)).transpose()
    }
    fn json(&self, col: &str) -> StoreResult<serde_json::Value> {
        let text = self.text(col)?;
        serde_json::from_str(&text)
            .map_err(|err| corrupt(format!("column {col} is not JSON: {err}")))
    }
    fn bytes(&self, col: &str) -> StoreResult<Vec<u8>> {
        self.try_get(col).map_err(|e| decode_error(col, e))
    }
}

/// Leases due jobs of active integrations (binds: now, limit, holder,
/// token, expiry). One `UPDATE ... RETURNING`: SQLite runs one writer at a
/// time, so concurrent claims never take the same row. SET expressions
/// read the old row, so `lease_taken_from` gets the previous holder (set
/// only when its lease had expired).
pub(crate) const CLAIM_DUE_JOBS: &str = "UPDATE sync_schedules SET lease_holder = $3, lease_token = $4, lease_expires_at = $5, \
       lease_taken_from = lease_holder, updated_at = $1 \
     WHERE (tenant, integration_id, job) IN ( \
       SELECT s.tenant, s.integration_id, s.job FROM sync_schedules s \
       JOIN rmm_integrations i ON i.tenant = s.tenant AND i.integration_id = s.integration_id \
       WHERE i.is_active AND s.next_due_at <= $1 \
         AND (s.lease_expires_at IS NULL OR s.lease_expires_at <= $1) \
       ORDER BY s.next_due_at LIMIT $2) \
     RETURNING *, (SELECT provider FROM rmm_integrations i \
       WHERE i.tenant = sync_schedules.tenant \
         AND i.integration_id = sync_schedules.integration_id) AS provider";

/// SQL merging JSON object `new` into `old` (keys of `new` win).
pub(crate) fn json_merge(old: &str, new: &str) -> String {
    format!("json_patch({old}, {new})")
}

/// A table `(old_id, new_id)` from the JSON array of pairs bound as
/// parameter `n` (see [`pair_list`]).
pub(crate) fn pairs(n: usize) -> String {
    format!("SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${n})")
}

/// Pairs of texts bound as one parameter (a JSON array), for [`pairs`].
pub(crate) fn pair_list(values: &[[&str; 2]]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned())
}
