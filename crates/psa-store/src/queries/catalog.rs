//! Clients, boards, statuses, priorities and categories.

use super::dialect::{Pool, Row, id, opt_id, ts};
use crate::db::Db;
use crate::errors::{DbResultExt as _, invalid};
use crate::{rows, storable};
use async_trait::async_trait;
use chrono::Utc;
use psa_ingest::ports::{
    Board, CatalogStore, Category, Client, NewStatus, Priority, Status, StoreResult,
};
use psa_ingest::{BoardId, CategoryId, ClientId, PriorityId, StatusId, TenantId};

/// A catalog name: not blank, stored without NUL bytes.
fn name_of<'a>(what: &str, name: &'a str) -> StoreResult<std::borrow::Cow<'a, str>> {
    if name.trim().is_empty() {
        return Err(invalid(format!("{what} name must not be empty")));
    }
    Ok(storable::text(name))
}

impl Db<Pool> {
    /// Inserts one catalog row and reads it back.
    async fn create_row<T>(
        &self,
        what: &'static str,
        query: sqlx::query::Query<'_, super::dialect::Database, super::dialect::Args>,
        read: fn(&Row) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut tx = self.begin(what).await?;
        let row = query.fetch_one(&mut *tx).await.ctx(what)?;
        tx.commit().await.ctx(what)?;
        read(&row)
    }

    /// Every row of a tenant's catalog table, in `order`.
    async fn catalog<T>(
        &self,
        what: &'static str,
        sql: &'static str,
        tenant: TenantId,
        read: fn(&Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        let rows = sqlx::query(sql)
            .bind(id(tenant))
            .fetch_all(&self.pool)
            .await
            .ctx(what)?;
        rows::all(&rows, read)
    }
}

#[async_trait]
impl CatalogStore for Db<Pool> {
    async fn create_client(&self, tenant: TenantId, name: &str) -> StoreResult<Client> {
        let name = name_of("client", name)?;
        self.create_row(
            "create client",
            sqlx::query(
                "INSERT INTO clients (tenant, client_id, client_name, created_at) VALUES ($1, $2, $3, $4) RETURNING *",
            )
            .bind(id(tenant))
            .bind(id(ClientId::new()))
            .bind(name)
            .bind(ts(Utc::now())),
            rows::client,
        )
        .await
    }

    async fn create_board(
        &self,
        tenant: TenantId,
        name: &str,
        is_default: bool,
    ) -> StoreResult<Board> {
        let name = name_of("board", name)?;
        self.create_row(
            "create board",
            sqlx::query(
                "INSERT INTO boards (tenant, board_id, board_name, is_default) VALUES ($1, $2, $3, $4) RETURNING *",
            )
            .bind(id(tenant))
            .bind(id(BoardId::new()))
            .bind(name)
            .bind(is_default),
            rows::board,
        )
        .await
    }

    async fn create_status(
        &self,
        tenant: TenantId,
        board: BoardId,
        status: NewStatus,
    ) -> StoreResult<Status> {
        let name = name_of("status", &status.name)?;
        self.create_row(
            "create status",
            sqlx::query(
                "INSERT INTO statuses (tenant, status_id, board_id, name, is_default, is_closed, order_number) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
            )
            .bind(id(tenant))
            .bind(id(StatusId::new()))
            .bind(id(board))
            .bind(name)
            .bind(status.is_default)
            .bind(status.is_closed)
            .bind(status.order_number),
            rows::status,
        )
        .await
    }

    async fn create_priority(
        &self,
        tenant: TenantId,
        name: &str,
        order_number: i32,
    ) -> StoreResult<Priority> {
        let name = name_of("priority", name)?;
        self.create_row(
            "create priority",
            sqlx::query(
                "INSERT INTO priorities (tenant, priority_id, priority_name, order_number) \
                 VALUES ($1, $2, $3, $4) RETURNING *",
            )
            .bind(id(tenant))
            .bind(id(PriorityId::new()))
            .bind(name)
            .bind(order_number),
            rows::priority,
        )
        .await
    }

    async fn create_category(
        &self,
        tenant: TenantId,
        name: &str,
        parent: Option<CategoryId>,
        board: Option<BoardId>,
    ) -> StoreResult<Category> {
        let name = name_of("category", name)?;
        self.create_row(
            "create category",
            sqlx::query(
                "INSERT INTO categories (tenant, category_id, category_name, parent_category, board_id) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING *",
            )
            .bind(id(tenant))
            .bind(id(CategoryId::new()))
            .bind(name)
            .bind(opt_id(parent))
            .bind(opt_id(board)),
            rows::category,
        )
        .await
    }

    async fn list_clients(&self, tenant: TenantId) -> StoreResult<Vec<Client>> {
        self.catalog(
            "list clients",
            "SELECT * FROM clients WHERE tenant = $1 ORDER BY lower(client_name), client_name, client_id",
            tenant,
            rows::client,
        )
        .await
    }

    async fn list_boards(&self, tenant: TenantId) -> StoreResult<Vec<Board>> {
        self.catalog(
            "list boards",
            "SELECT * FROM boards WHERE tenant = $1 ORDER BY lower(board_name), board_name, board_id",
            tenant,
            rows::board,
        )
        .await
    }

    async fn list_statuses(&self, tenant: TenantId) -> StoreResult<Vec<Status>> {
        self.catalog(
            "list statuses",
            "SELECT * FROM statuses WHERE tenant = $1 ORDER BY board_id, order_number, status_id",
            tenant,
            rows::status,
        )
        .await
    }

    async fn list_priorities(&self, tenant: TenantId) -> StoreResult<Vec<Priority>> {
        self.catalog(
            "list priorities",
            "SELECT * FROM priorities WHERE tenant = $1 ORDER BY order_number, priority_id",
            tenant,
            rows::priority,
        )
        .await
    }

    async fn list_categories(&self, tenant: TenantId) -> StoreResult<Vec<Category>> {
        self.catalog(
            "list categories",
            "SELECT * FROM categories WHERE tenant = $1 ORDER BY lower(category_name), category_name, category_id",
            tenant,
            rows::category,
        )
        .await
    }
}
