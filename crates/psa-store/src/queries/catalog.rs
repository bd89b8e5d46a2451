//! Clients, boards, statuses, priorities and categories.

use super::dialect::{Pool, Row, id, ts};
use crate::db::Db;
use crate::errors::{DbResultExt as _, invalid};
use crate::{rows, storable};
use async_trait::async_trait;
use chrono::Utc;
use psa_ingest::ports::{Board, CatalogStore, Category, Client, Priority, Status, StoreResult};
use psa_ingest::{ClientId, TenantId};

impl Db<Pool> {
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
        if name.trim().is_empty() {
            return Err(invalid("client name must not be empty"));
        }
        let mut tx = self.begin("create client").await?;
        let row = sqlx::query(
            "INSERT INTO clients (tenant, client_id, client_name, created_at) VALUES ($1, $2, $3, $4) RETURNING *",
        )
        .bind(id(tenant))
        .bind(id(ClientId::new()))
        .bind(storable::text(name))
        .bind(ts(Utc::now()))
        .fetch_one(&mut *tx)
        .await
        .ctx("create client")?;
        tx.commit().await.ctx("commit catalog create_client")?;
        rows::client(&row)
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
