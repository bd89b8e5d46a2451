//! Tickets, comments and asset associations on PostgreSQL.

use super::Writer;
use crate::errors::{DbResultExt as _, invalid, not_found};
use crate::rows;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{Comment, NewComment, NewTicket, StoreResult, Ticket};
use psa_ingest::{AssetId, BoardId, StatusId, TenantId, TicketId};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// The status a new ticket gets and whether it is a closed one.
async fn resolve_status(
    conn: &mut PgConnection,
    tenant: TenantId,
    board: BoardId,
    status: Option<StatusId>,
) -> StoreResult<(Uuid, bool)> {
    let found: Option<(Uuid, bool)> = match status {
        Some(status) => sqlx::query_as(
            "SELECT status_id, is_closed FROM statuses WHERE tenant = $1 AND board_id = $2 AND status_id = $3",
        )
        .bind(tenant.0)
        .bind(board.0)
        .bind(status.0)
        .fetch_optional(&mut *conn)
        .await
        .ctx("read ticket status")?,
        None => sqlx::query_as(
            "SELECT status_id, is_closed FROM statuses WHERE tenant = $1 AND board_id = $2 AND is_default \
             ORDER BY order_number, status_id LIMIT 1",
        )
        .bind(tenant.0)
        .bind(board.0)
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
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: TicketId,
    comments: &[NewComment],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    if comments.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = comments.iter().map(|_| Uuid::now_v7()).collect();
    let notes: Vec<&str> = comments.iter().map(|c| c.note.as_str()).collect();
    let internal: Vec<bool> = comments.iter().map(|c| c.is_internal).collect();
    let system: Vec<bool> = comments.iter().map(|c| c.is_system_generated).collect();
    sqlx::query(
        "INSERT INTO comments (tenant, comment_id, ticket_id, note, is_internal, is_system_generated, created_at) \
         SELECT $1, u.id, $2, u.note, u.internal, u.system, $7 \
         FROM UNNEST($3::uuid[], $4::text[], $5::bool[], $6::bool[]) AS u(id, note, internal, system)",
    )
    .bind(tenant.0)
    .bind(ticket.0)
    .bind(ids)
    .bind(notes)
    .bind(internal)
    .bind(system)
    .bind(at)
    .execute(&mut *conn)
    .await
    .ctx("add comments")?;
    Ok(())
}

/// Creates a ticket inside the caller's transaction. The number comes from
/// the tenant's counter row, whose lock is held until the transaction ends:
/// concurrent creators queue on it, and a rollback gives the number back.
pub(crate) async fn insert_ticket(
    conn: &mut PgConnection,
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
    .bind(tenant.0)
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
    .bind(tenant.0)
    .bind(TicketId::new().0)
    .bind(number)
    .bind(&ticket.title)
    .bind(&ticket.description)
    .bind(ticket.client_id.0)
    .bind(ticket.board_id.0)
    .bind(status_id)
    .bind(ticket.priority_id.map(|p| p.0))
    .bind(ticket.category_id.map(|c| c.0))
    .bind(ticket.subcategory_id.map(|c| c.0))
    .bind(&ticket.source)
    .bind(&ticket.source_reference)
    .bind(&ticket.attributes)
    .bind(now)
    .bind(is_closed.then_some(now))
    .fetch_one(&mut *conn)
    .await
    .ctx("create ticket")?;
    let created = rows::ticket(&row)?;
    insert_comments(conn, tenant, created.id, comments, now).await?;
    Ok(created)
}

pub(crate) async fn create(
    db: Writer<'_>,
    tenant: TenantId,
    ticket: NewTicket,
    comments: &[NewComment],
) -> StoreResult<Ticket> {
    let mut tx = db.begin("begin ticket").await?;
    let created = insert_ticket(&mut tx, tenant, &ticket, comments).await?;
    tx.commit().await.ctx("commit ticket")?;
    Ok(created)
}

pub(crate) async fn get(
    pool: &PgPool,
    tenant: TenantId,
    id: TicketId,
) -> StoreResult<Option<Ticket>> {
    let row = sqlx::query("SELECT * FROM tickets WHERE tenant = $1 AND ticket_id = $2")
        .bind(tenant.0)
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .ctx("get ticket")?;
    row.as_ref().map(rows::ticket).transpose()
}

pub(crate) async fn list(pool: &PgPool, tenant: TenantId) -> StoreResult<Vec<Ticket>> {
    let rows = sqlx::query("SELECT * FROM tickets WHERE tenant = $1 ORDER BY ticket_number")
        .bind(tenant.0)
        .fetch_all(pool)
        .await
        .ctx("list tickets")?;
    rows::all(&rows, rows::ticket)
}

async fn ticket_exists(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: TicketId,
) -> StoreResult<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tickets WHERE tenant = $1 AND ticket_id = $2)")
        .bind(tenant.0)
        .bind(ticket.0)
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
    let mut tx = db.begin("begin comment").await?;
    add_comment_in(&mut tx, tenant, ticket, &comment).await?;
    tx.commit().await.ctx("commit comment")
}

/// Adds a comment inside the caller's transaction.
pub(crate) async fn add_comment_in(
    conn: &mut PgConnection,
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

pub(crate) async fn list_comments(
    pool: &PgPool,
    tenant: TenantId,
    ticket: TicketId,
) -> StoreResult<Vec<Comment>> {
    let rows = sqlx::query(
        "SELECT * FROM comments WHERE tenant = $1 AND ticket_id = $2 ORDER BY created_at, comment_id",
    )
    .bind(tenant.0)
    .bind(ticket.0)
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
    let mut tx = db.begin("begin tickets set_status").await?;
    set_status_in(&mut tx, tenant, ticket, status).await?;
    tx.commit().await.ctx("commit ticket status")
}

/// Sets a ticket's status inside the caller's transaction.
pub(crate) async fn set_status_in(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: TicketId,
    status: StatusId,
) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE tickets t SET status_id = s.status_id, updated_at = $4, \
           closed_at = CASE WHEN s.is_closed THEN COALESCE(t.closed_at, $4) END \
         FROM statuses s \
         WHERE t.tenant = $1 AND t.ticket_id = $2 \
           AND s.tenant = $1 AND s.status_id = $3 AND s.board_id = t.board_id",
    )
    .bind(tenant.0)
    .bind(ticket.0)
    .bind(status.0)
    .bind(Utc::now())
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
    let mut tx = db.begin("begin asset association").await?;
    if !ticket_exists(&mut tx, tenant, ticket).await? {
        return Err(not_found("ticket", ticket));
    }
    let done = sqlx::query(
        "INSERT INTO asset_associations (tenant, asset_id, entity_id, entity_type, relationship_type, created_at) \
         SELECT $1, asset_id, $3, 'ticket', 'affected', $4 FROM assets WHERE tenant = $1 AND asset_id = $2 \
         ON CONFLICT (tenant, asset_id, entity_type, entity_id) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(asset.0)
    .bind(ticket.0)
    .bind(Utc::now())
    .execute(&mut *tx)
    .await
    .ctx("associate asset")?;
    if done.rows_affected() > 0 {
        return tx.commit().await.ctx("commit asset association");
    }
    let asset_exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM assets WHERE tenant = $1 AND asset_id = $2)",
    )
    .bind(tenant.0)
    .bind(asset.0)
    .fetch_one(&mut *tx)
    .await
    .ctx("find asset")?;
    if asset_exists {
        Ok(())
    } else {
        Err(not_found("asset", asset))
    }
}

pub(crate) async fn ticket_assets(
    pool: &PgPool,
    tenant: TenantId,
    ticket: TicketId,
) -> StoreResult<Vec<AssetId>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT asset_id FROM asset_associations WHERE tenant = $1 AND entity_type = 'ticket' AND entity_id = $2 \
         ORDER BY created_at, asset_id",
    )
    .bind(tenant.0)
    .bind(ticket.0)
    .fetch_all(pool)
    .await
    .ctx("list ticket assets")?;
    Ok(ids.into_iter().map(AssetId).collect())
}
