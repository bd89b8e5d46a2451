//! Tickets, comments and asset associations. Ticket numbers come from a
//! per-tenant counter row bumped inside the creating transaction: no gaps
//! after a rollback, no duplicates under concurrency.

use super::bulk::bulk;
use super::dialect::{Conn, Pool, id, json, opt_id, ts};
use crate::db::Db;
use crate::errors::{DbResultExt as _, invalid, not_found};
use crate::rows::{self, RowExt as _};
use crate::storable;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{Comment, NewComment, NewTicket, StoreResult, Ticket, TicketStore};
use psa_ingest::{AssetId, BoardId, StatusId, TenantId, TicketId};
use uuid::Uuid;

/// The status a new ticket gets and whether it is a closed one.
async fn resolve_status(
    conn: &mut Conn,
    tenant: TenantId,
    board: BoardId,
    status: Option<StatusId>,
) -> StoreResult<(Uuid, bool)> {
    let found = match status {
        Some(status) => sqlx::query(
            "SELECT status_id, is_closed FROM statuses WHERE tenant = $1 AND board_id = $2 AND status_id = $3",
        )
        .bind(id(tenant))
        .bind(id(board))
        .bind(id(status))
        .fetch_optional(&mut *conn)
        .await
        .ctx("read ticket status")?,
        None => sqlx::query(
            "SELECT status_id, is_closed FROM statuses WHERE tenant = $1 AND board_id = $2 AND is_default \
             ORDER BY order_number, status_id LIMIT 1",
        )
        .bind(id(tenant))
        .bind(id(board))
        .fetch_optional(&mut *conn)
        .await
        .ctx("read default status")?,
    };
    match found {
        Some(row) => Ok((row.uuid("status_id")?, row.boolean("is_closed")?)),
        None => Err(match status {
            Some(status) => invalid(format!("status {status} is not a status of board {board}")),
            None => invalid(format!(
                "board {board} does not exist or has no default status"
            )),
        }),
    }
}

async fn insert_comments(
    conn: &mut Conn,
    tenant: TenantId,
    ticket: TicketId,
    comments: &[NewComment],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    bulk(
        conn,
        "add comments",
        "INSERT INTO comments (tenant, comment_id, ticket_id, note, is_internal, is_system_generated, created_at) ",
        7,
        comments,
        |row, comment| {
            row.push_bind(id(tenant))
                .push_bind(id(Uuid::now_v7()))
                .push_bind(id(ticket))
                .push_bind(&comment.note)
                .push_bind(comment.is_internal)
                .push_bind(comment.is_system_generated)
                .push_bind(ts(at));
        },
        |_| {},
    )
    .await?;
    Ok(())
}

/// Creates a ticket inside the caller's write transaction, taking the next
/// number from the tenant's counter (a rollback gives it back).
pub(crate) async fn insert_ticket(
    conn: &mut Conn,
    tenant: TenantId,
    ticket: &NewTicket,
    comments: &[NewComment],
) -> StoreResult<Ticket> {
    let (status_id, is_closed) =
        resolve_status(conn, tenant, ticket.board_id, ticket.status_id).await?;
    let number: i64 = sqlx::query_scalar(
        "INSERT INTO ticket_number_counters (tenant, last_number) VALUES ($1, 1) \
         ON CONFLICT (tenant) DO UPDATE SET last_number = ticket_number_counters.last_number + 1 \
         RETURNING last_number",
    )
    .bind(id(tenant))
    .fetch_one(&mut *conn)
    .await
    .ctx("take a ticket number")?;
    let now = Utc::now();
    let row = sqlx::query(
        "INSERT INTO tickets (tenant, ticket_id, ticket_number, title, description, client_id, board_id, \
           status_id, priority_id, category_id, subcategory_id, source, source_reference, attributes, \
           entered_at, updated_at, closed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16) RETURNING *",
    )
    .bind(id(tenant))
    .bind(id(TicketId::new()))
    .bind(number)
    .bind(&ticket.title)
    .bind(&ticket.description)
    .bind(id(ticket.client_id))
    .bind(id(ticket.board_id))
    .bind(id(status_id))
    .bind(opt_id(ticket.priority_id))
    .bind(opt_id(ticket.category_id))
    .bind(opt_id(ticket.subcategory_id))
    .bind(&ticket.source)
    .bind(&ticket.source_reference)
    .bind(json(&ticket.attributes))
    .bind(ts(now))
    .bind(is_closed.then(|| ts(now)))
    .fetch_one(&mut *conn)
    .await
    .ctx("create ticket")?;
    let created = rows::ticket(&row)?;
    insert_comments(conn, tenant, created.id, comments, now).await?;
    Ok(created)
}

async fn ticket_exists(conn: &mut Conn, tenant: TenantId, ticket: TicketId) -> StoreResult<bool> {
    exists(conn, "find ticket", "tickets", "ticket_id", tenant, ticket).await
}

/// Whether `table` has the row `key = value` for the tenant.
async fn exists(
    conn: &mut Conn,
    what: &'static str,
    table: &'static str,
    key: &'static str,
    tenant: TenantId,
    value: impl crate::db::AnyId,
) -> StoreResult<bool> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant = $1 AND {key} = $2)"
    )))
    .bind(id(tenant))
    .bind(id(value))
    .fetch_one(conn)
    .await
    .ctx(what)
}

/// Adds a comment inside the caller's transaction.
pub(crate) async fn add_comment_in(
    conn: &mut Conn,
    tenant: TenantId,
    ticket: TicketId,
    comment: &NewComment,
) -> StoreResult<()> {
    if !ticket_exists(conn, tenant, ticket).await? {
        return Err(not_found("ticket", ticket));
    }
    insert_comments(
        conn,
        tenant,
        ticket,
        std::slice::from_ref(comment),
        Utc::now(),
    )
    .await
}

/// Sets a ticket's status inside the caller's transaction.
pub(crate) async fn set_status_in(
    conn: &mut Conn,
    tenant: TenantId,
    ticket: TicketId,
    status: StatusId,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE tickets SET status_id = s.status_id, updated_at = $4, \
           closed_at = CASE WHEN s.is_closed THEN COALESCE(tickets.closed_at, $4) END \
         FROM statuses s \
         WHERE tickets.tenant = $1 AND tickets.ticket_id = $2 \
           AND s.tenant = $1 AND s.status_id = $3 AND s.board_id = tickets.board_id",
    )
    .bind(id(tenant))
    .bind(id(ticket))
    .bind(id(status))
    .bind(ts(Utc::now()))
    .execute(&mut *conn)
    .await
    .ctx("set ticket status")?;
    if done.rows_affected() > 0 {
        return Ok(());
    }
    if ticket_exists(conn, tenant, ticket).await? {
        Err(invalid(format!(
            "status {status} is not a status of ticket {ticket}'s board"
        )))
    } else {
        Err(not_found("ticket", ticket))
    }
}

#[async_trait]
impl TicketStore for Db<Pool> {
    async fn create_ticket(
        &self,
        tenant: TenantId,
        ticket: NewTicket,
        comments: &[NewComment],
    ) -> StoreResult<Ticket> {
        let comments = storable::comments(comments);
        let mut tx = self.begin("create ticket").await?;
        let created = insert_ticket(&mut tx, tenant, &storable::ticket(ticket), &comments).await?;
        tx.commit().await.ctx("commit ticket")?;
        Ok(created)
    }

    async fn get_ticket(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Option<Ticket>> {
        let row = sqlx::query("SELECT * FROM tickets WHERE tenant = $1 AND ticket_id = $2")
            .bind(id(tenant))
            .bind(id(ticket))
            .fetch_optional(&self.pool)
            .await
            .ctx("get ticket")?;
        row.as_ref().map(rows::ticket).transpose()
    }

    async fn list_tickets(&self, tenant: TenantId) -> StoreResult<Vec<Ticket>> {
        let rows = sqlx::query("SELECT * FROM tickets WHERE tenant = $1 ORDER BY ticket_number")
            .bind(id(tenant))
            .fetch_all(&self.pool)
            .await
            .ctx("list tickets")?;
        rows::all(&rows, rows::ticket)
    }

    async fn add_comment(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        comment: NewComment,
    ) -> StoreResult<()> {
        let mut tx = self.begin("add comment").await?;
        add_comment_in(&mut tx, tenant, ticket, &storable::comment(comment)).await?;
        tx.commit().await.ctx("commit comment")
    }

    async fn list_comments(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<Comment>> {
        let rows = sqlx::query(
            "SELECT * FROM comments WHERE tenant = $1 AND ticket_id = $2 ORDER BY created_at, comment_id",
        )
        .bind(id(tenant))
        .bind(id(ticket))
        .fetch_all(&self.pool)
        .await
        .ctx("list comments")?;
        rows::all(&rows, rows::comment)
    }

    async fn set_ticket_status(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        status: StatusId,
    ) -> StoreResult<()> {
        let mut tx = self.begin("set ticket status").await?;
        set_status_in(&mut tx, tenant, ticket, status).await?;
        tx.commit().await.ctx("commit ticket status")
    }

    async fn associate_asset(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        asset: AssetId,
    ) -> StoreResult<()> {
        let mut tx = self.begin("associate asset").await?;
        if !ticket_exists(&mut tx, tenant, ticket).await? {
            return Err(not_found("ticket", ticket));
        }
        if !exists(&mut tx, "find asset", "assets", "asset_id", tenant, asset).await? {
            return Err(not_found("asset", asset));
        }
        sqlx::query(
            "INSERT INTO asset_associations (tenant, asset_id, entity_id, entity_type, relationship_type, created_at) \
             VALUES ($1, $2, $3, 'ticket', 'affected', $4) \
             ON CONFLICT (tenant, asset_id, entity_type, entity_id) DO NOTHING",
        )
        .bind(id(tenant))
        .bind(id(asset))
        .bind(id(ticket))
        .bind(ts(Utc::now()))
        .execute(&mut *tx)
        .await
        .ctx("associate asset")?;
        tx.commit().await.ctx("commit asset association")
    }

    async fn ticket_assets(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<AssetId>> {
        let rows = sqlx::query(
            "SELECT asset_id FROM asset_associations WHERE tenant = $1 AND entity_type = 'ticket' AND entity_id = $2 \
             ORDER BY created_at, asset_id",
        )
        .bind(id(tenant))
        .bind(id(ticket))
        .fetch_all(&self.pool)
        .await
        .ctx("list ticket assets")?;
        rows.iter()
            .map(|row| row.uuid("asset_id").map(AssetId))
            .collect()
    }
}
