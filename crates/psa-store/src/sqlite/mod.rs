//! Embedded SQLite: ids as hyphenated text, timestamps as fixed-width RFC
//! 3339 UTC text (so text order is time order), JSON as text. Bulk writes
//! are multi-row `VALUES` statements chunked under SQLite's bind limit; id
//! lists are bound as one JSON array read with `json_each`. Write
//! transactions start with `BEGIN IMMEDIATE` so they queue on the write lock
//! instead of failing when a read lock would need upgrading.

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

use crate::errors::{DbResultExt as _, corrupt, decode_error, fenced};
use crate::rows::RowExt;
use chrono::{DateTime, SecondsFormat, Utc};
use psa_ingest::ports::{Fence, StoreResult};
use sqlx::query_builder::Separated;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row as _, Sqlite, SqliteConnection, SqlitePool, Transaction};
use uuid::Uuid;

/// The SQLite migrations, embedded at build time.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// SQLite's default maximum number of bound parameters per statement.
const BIND_LIMIT: usize = 32_766;
/// Binds kept free for the fixed part of a bulk statement.
const FIXED_BINDS: usize = 16;

/// Anything stored as a uuid: the typed ids and plain uuids.
pub(crate) trait Key: Copy {
    /// The uuid.
    fn uuid(&self) -> Uuid;
}

impl Key for Uuid {
    fn uuid(&self) -> Uuid {
        *self
    }
}

macro_rules! key_of_id {
    ($($name:ident),+) => {$(
        impl Key for psa_ingest::$name {
            fn uuid(&self) -> Uuid {
                self.0
            }
        }
    )+};
}

key_of_id!(
    TenantId,
    IntegrationId,
    ClientId,
    AssetId,
    TicketId,
    BoardId,
    StatusId,
    PriorityId,
    CategoryId,
    AlertId,
    SyncRunId
);

/// A uuid as stored: hyphenated lowercase text.
pub(crate) fn id(value: impl Key) -> String {
    value.uuid().hyphenated().to_string()
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

/// A list bound as one JSON array, read back with `json_each`.
pub(crate) fn json_list<T: serde::Serialize>(values: &[T]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned())
}

/// Starts a write transaction holding SQLite's write lock from the start.
pub(crate) async fn begin_write(pool: &SqlitePool) -> StoreResult<Transaction<'static, Sqlite>> {
    pool.begin_with("BEGIN IMMEDIATE")
        .await
        .ctx("begin write transaction")
}

/// The pool and, for a job's store, the lease every write is fenced by.
#[derive(Clone, Copy)]
pub(crate) struct Writer<'a> {
    pub(crate) pool: &'a SqlitePool,
    pub(crate) fence: Option<&'a Fence>,
}

impl Writer<'_> {
    /// A write transaction (`BEGIN IMMEDIATE`) that has checked the fence:
    /// holding the write lock, no takeover can commit before this one.
    pub(crate) async fn begin(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        let mut tx = begin_write(self.pool).await?;
        if let Some(fence) = self.fence {
            let held: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM sync_schedules \
                 WHERE tenant = ? AND integration_id = ? AND job = ? AND lease_token = ?",
            )
            .bind(id(fence.tenant))
            .bind(id(fence.integration))
            .bind(&fence.job)
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

/// Runs `head VALUES (..), (..) tail` over `rows`, as many statements as the
/// bind limit needs (one for any ordinary batch). `tail` may bind values too.
/// Returns the rows affected.
pub(crate) async fn bulk<T>(
    conn: &mut SqliteConnection,
    context: &'static str,
    head: &str,
    binds_per_row: usize,
    rows: &[T],
    mut bind_row: impl FnMut(&mut Separated<'_, Sqlite, &'static str>, &T),
    tail: impl Fn(&mut QueryBuilder<Sqlite>),
) -> StoreResult<u64> {
    let rows_per_statement = ((BIND_LIMIT - FIXED_BINDS) / binds_per_row.max(1)).max(1);
    let mut affected = 0;
    for chunk in rows.chunks(rows_per_statement) {
        let mut query = QueryBuilder::<Sqlite>::new(head);
        query.push_values(chunk, |mut row, value| bind_row(&mut row, value));
        tail(&mut query);
        affected += query
            .build()
            .execute(&mut *conn)
            .await
            .ctx(context)?
            .rows_affected();
    }
    Ok(affected)
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
}
