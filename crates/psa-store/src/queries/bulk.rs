//! Multi-row `VALUES` statements, chunked under the backend's bind limit.

use super::dialect::{BIND_LIMIT, Conn, Database};
use crate::errors::DbResultExt as _;
use psa_ingest::ports::StoreResult;
use sqlx::QueryBuilder;
use sqlx::query_builder::Separated;

/// Binds kept free for the fixed part of a bulk statement.
const FIXED_BINDS: usize = 16;

/// Runs `head VALUES (..), (..) tail` over `rows`, as many statements as the
/// bind limit needs (one for any ordinary batch). `tail` may bind values too.
/// Returns the rows affected.
pub(crate) async fn bulk<T>(
    conn: &mut Conn,
    context: &'static str,
    head: &str,
    binds_per_row: usize,
    rows: &[T],
    mut bind_row: impl FnMut(&mut Separated<'_, Database, &'static str>, &T),
    tail: impl Fn(&mut QueryBuilder<Database>),
) -> StoreResult<u64> {
    let rows_per_statement = ((BIND_LIMIT - FIXED_BINDS) / binds_per_row.max(1)).max(1);
    let mut affected = 0;
    for chunk in rows.chunks(rows_per_statement) {
        let mut query = QueryBuilder::<Database>::new(head);
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
