//! Clients, boards, statuses, priorities and categories on PostgreSQL.

use super::Writer;
use crate::errors::DbResultExt as _;
use crate::rows;
use chrono::Utc;
use psa_ingest::ports::{Board, Category, Client, Priority, Status, StoreResult};
use psa_ingest::{ClientId, TenantId};
use sqlx::PgPool;

pub(crate) async fn create_client(
    db: Writer<'_>,
    tenant: TenantId,
    name: &str,
) -> StoreResult<Client> {
    let mut tx = db.begin("begin catalog create_client").await?;
    let row = sqlx::query(
        "INSERT INTO clients (tenant, client_id, client_name, created_at) VALUES ($1, $2, $3, $4) RETURNING *",
    )
    .bind(tenant.0)
    .bind(ClientId::new().0)
    .bind(name)
    .bind(Utc::now())
    .fetch_one(&mut *tx)
    .await
    .ctx("create client")?;
    tx.commit().await.ctx("commit catalog create_client")?;
    rows::client(&row)
}

pub(crate) async fn list_clients(pool: &PgPool, tenant: TenantId) -> StoreResult<Vec<Client>> {
    let rows = sqlx::query("SELECT * FROM clients WHERE tenant = $1 ORDER BY lower(client_name), client_name, client_id")
        .bind(tenant.0)
        .fetch_all(pool)
        .await
        .ctx("list clients")?;
    rows::all(&rows, rows::client)
}

pub(crate) async fn list_boards(pool: &PgPool, tenant: TenantId) -> StoreResult<Vec<Board>> {
    let rows = sqlx::query(
        "SELECT * FROM boards WHERE tenant = $1 ORDER BY lower(board_name), board_name, board_id",
    )
    .bind(tenant.0)
    .fetch_all(pool)
    .await
    .ctx("list boards")?;
    rows::all(&rows, rows::board)
}

pub(crate) async fn list_statuses(pool: &PgPool, tenant: TenantId) -> StoreResult<Vec<Status>> {
    let rows = sqlx::query(
        "SELECT * FROM statuses WHERE tenant = $1 ORDER BY board_id, order_number, status_id",
    )
    .bind(tenant.0)
    .fetch_all(pool)
    .await
    .ctx("list statuses")?;
    rows::all(&rows, rows::status)
}

pub(crate) async fn list_priorities(pool: &PgPool, tenant: TenantId) -> StoreResult<Vec<Priority>> {
    let rows = sqlx::query(
        "SELECT * FROM priorities WHERE tenant = $1 ORDER BY order_number, priority_id",
    )
    .bind(tenant.0)
    .fetch_all(pool)
    .await
    .ctx("list priorities")?;
    rows::all(&rows, rows::priority)
}

pub(crate) async fn list_categories(pool: &PgPool, tenant: TenantId) -> StoreResult<Vec<Category>> {
    let rows = sqlx::query(
        "SELECT * FROM categories WHERE tenant = $1 ORDER BY lower(category_name), category_name, category_id",
    )
    .bind(tenant.0)
    .fetch_all(pool)
    .await
    .ctx("list categories")?;
    rows::all(&rows, rows::category)
}
