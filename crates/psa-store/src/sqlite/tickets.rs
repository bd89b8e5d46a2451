//! Tickets, comments and asset associations on SQLite.

use super::{Writer, bulk, id, json, ts};
use crate::errors::{DbResultExt as _, invalid, not_found};
use crate::rows;
use chrono::Utc;
use psa_ingest::ports::{Comment, NewComment, NewTicket, StoreResult, Ticket};
use psa_ingest::{AssetId, BoardId, StatusId, TenantId, TicketId};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

/// The status a new ticket gets and whether it is a closed one.
async fn resolve_status(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    board: BoardId,
    status: Option<StatusId>,
) -> StoreResult<(String, bool)> {
    let found: Option<(String, bool)> = match status {
        Some(status) => sqlx::query_as(
            "SELECT status_id, is_closed FROM statuses WHERE tenant = ?1 AND board_id = ?2 AND status_id = ?3",
        )
        .bind(id(tenant))
        .bind(id(board))
        .bind(id(status))
        .fetch_optional(&mut *conn)
        .await
        .ctx("read ticket status")?,
        None => sqlx::query_as(
            "SELECT status_id, is_closed FROM statuses WHERE tenant = ?1 AND board_id = ?2 AND is_default = 1 \
             ORDER BY order_number, status_id LIMIT 1",
        )
        .bind(id(tenant))
        .bind(id(board))
        .fetch_optional(&mut *conn)
        .await
        .ctx("read default status")?,
    };
    found.ok_or_else(|| match status {
        Some(status) => invalid(format!("status {status} is not a status of board {board}")),
        None => invalid(format!(
            "board {board} does not exist or has no default status"
        )),
    })
}

async fn insert_comments(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    ticket: TicketId,
    comments: &[NewComment],
    at: &str,
) -> StoreResult<()> {
    if comments.is_empty() {
        return Ok(());
    }
    let (tenant, ticket) = (id(tenant), id(ticket));
    bulk(
        conn,
        "add comments",
        "INSERT INTO comments (tenant, comment_id, ticket_id, note, is_internal, is_system_generated, created_at) ",
        7,
        comments,
        |row, comment| {
            row.push_bind(&tenant)
                .push_bind(id(Uuid::now_v7()))
                .push_bind(&ticket)
                .push_bind(&comment.note)
                .push_bind(comment.is_internal)
                .push_bind(comment.is_system_generated)
                .push_bind(at);
        },
        |_| {},
    )
    .await?;
    Ok(())
}

/// Creates a ticket inside the caller's write transaction, taking the next
/// number from the tenant's counter (a rollback gives it back).
pub(crate) async fn insert_ticket(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    ticket: &NewTicket,
    comments: &[NewComment],
) -> StoreResult<Ticket> {
    let (status_id, is_closed) =
        resolve_status(conn, tenant, ticket.board_id, ticket.status_id).await?;
    let number: i64 = sqlx::query_scalar(
        "INSERT INTO ticket_number_counters (tenant, last_number) VALUES (?1, 1) \
         ON CONFLICT (tenant) DO UPDATE SET last_number = last_number + 1 \
         RETURNING last_number",
    )
    .bind(id(tenant))
    .fetch_one(&mut *conn)
    .await
    .ctx("take a ticket number")?;
    let now = ts(Utc::now());
    let row = sqlx::query(
        "INSERT INTO tickets (tenant, ticket_id, ticket_number, title, description, client_id, board_id, \
           status_id, priority_id, category_id, subcategory_id, source, source_reference, attributes, \
           entered_at, updated_at, closed_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?15, ?16) RETURNING *",
    )
    .bind(id(tenant))
    .bind(id(TicketId::new()))
    .bind(number)
    .bind(&ticket.title)
    .bind(&ticket.description)
    .bind(id(ticket.client_id))
    .bind(id(ticket.board_id))
    .bind(status_id)
    .bind(ticket.priority_id.map(id))
    .bind(ticket.category_id.map(id))
    .bind(ticket.subcategory_id.map(id))
    .bind(&ticket.source)
    .bind(&ticket.source_reference)
    .bind(json(&ticket.attributes))
    .bind(&now)
    .bind(is_closed.then_some(&now))
    .fetch_one(&mut *conn)
    .await
    .ctx("create ticket")?;
    let created = rows::ticket(&row)?;
    insert_comments(conn, tenant, created.id, comments, &now).await?;
    Ok(created)
}

pub(crate) async fn create(
    db: Writer<'_>,
    tenant: TenantId,
    ticket: NewTicket,
    comments: &[NewComment],
) -> StoreResult<Ticket> {
    let mut tx = db.begin().await?;
    let created = insert_ticket(&mut tx, tenant, &ticket, comments).await?;
    tx.commit().await.ctx("commit ticket")?;
    Ok(created)
}

pub(crate) async fn get(
    pool: &SqlitePool,
    tenant: TenantId,
    ticket: TicketId,
) -> StoreResult<Option<Ticket>> {
    let row = sqlx::query("SELECT * FROM tickets WHERE tenant = ?1 AND ticket_id = ?2")
        .bind(id(tenant))
        .bind(id(ticket))
        .fetch_optional(pool)
        .await
        .ctx("get ticket")?;
    row.as_ref().map(rows::ticket).transpose()
}

pub(crate) async fn list(pool: &SqlitePool, tenant: TenantId) -> StoreResult<Vec<Ticket>> {
    let rows = sqlx::query("SELECT * FROM tickets WHERE tenant = ?1 ORDER BY ticket_number")
        .bind(id(tenant))
        .fetch_all(pool)
        .await
        .ctx("list tickets")?;
    rows::all(&rows, rows::ticket)
}

async fn ticket_exists(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    ticket: TicketId,
) -> StoreResult<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tickets WHERE tenant = ?1 AND ticket_id = ?2)")
        .bind(id(tenant))
        .bind(id(ticket))
        .fetch_one(conn)
        .await
        .ctx("find ticket")
}

pub(crate) async fn add_comment(
    db: Writer<'_>,
    tenant: TenantId,
    ticket: TicketId,
    comment: NewComment,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    add_comment_in(&mut tx, tenant, ticket, &comment).await?;
    tx.commit().await.ctx("commit comment")
}

/// Adds a comment inside the caller's transaction.
pub(crate) async fn add_comment_in(
    conn: &mut SqliteConnection,
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
        &ts(Utc::now()),
    )
    .await
}

pub(crate) async fn list_comments(
    pool: &SqlitePool,
    tenant: TenantId,
    ticket: TicketId,
) -> StoreResult<Vec<Comment>> {
    let rows = sqlx::query(
        "SELECT * FROM comments WHERE tenant = ?1 AND ticket_id = ?2 ORDER BY created_at, comment_id",
    )
    .bind(id(tenant))
    .bind(id(ticket))
    .fetch_all(pool)
    .await
    .ctx("list comments")?;
    rows::all(&rows, rows::comment)
}

pub(crate) async fn set_status(
    db: Writer<'_>,
    tenant: TenantId,
    ticket: TicketId,
    status: StatusId,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    set_status_in(&mut tx, tenant, ticket, status).await?;
    tx.commit().await.ctx("commit ticket status")
}

/// Sets a ticket's status inside the caller's transaction.
pub(crate) async fn set_status_in(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    ticket: TicketId,
    status: StatusId,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE tickets SET status_id = s.status_id, updated_at = ?4, \
           closed_at = CASE WHEN s.is_closed = 1 THEN COALESCE(tickets.closed_at, ?4) END \
         FROM statuses s \
         WHERE tickets.tenant = ?1 AND tickets.ticket_id = ?2 \
           AND s.tenant = ?1 AND s.status_id = ?3 AND s.board_id = tickets.board_id",
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

pub(crate) async fn associate_asset(
    db: Writer<'_>,
    tenant: TenantId,
    ticket: TicketId,
    asset: AssetId,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    if !ticket_exists(&mut tx, tenant, ticket).await? {
        return Err(not_found("ticket", ticket));
    }
    let asset_exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM assets WHERE tenant = ?1 AND asset_id = ?2)",
    )
    .bind(id(tenant))
    .bind(id(asset))
    .fetch_one(&mut *tx)
    .await
    .ctx("find asset")?;
    if !asset_exists {
        return Err(not_found("asset", asset));
    }
    sqlx::query(
        "INSERT INTO asset_associations (tenant, asset_id, entity_id, entity_type, relationship_type, created_at) \
         VALUES (?1, ?2, ?3, 'ticket', 'affected', ?4) \
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

pub(crate) async fn ticket_assets(
    pool: &SqlitePool,
    tenant: TenantId,
    ticket: TicketId,
) -> StoreResult<Vec<AssetId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT asset_id FROM asset_associations WHERE tenant = ?1 AND entity_type = 'ticket' AND entity_id = ?2 \
         ORDER BY created_at, asset_id",
    )
    .bind(id(tenant))
    .bind(id(ticket))
    .fetch_all(pool)
    .await
    .ctx("list ticket assets")?;
    ids.iter()
        .map(|text| {
            Uuid::parse_str(text).map(AssetId).map_err(|_| {
                crate::errors::corrupt(format!("asset_associations.asset_id {text:?}"))
            })
        })
        .collect()
}
