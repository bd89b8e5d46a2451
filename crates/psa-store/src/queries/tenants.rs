//! Tenants, and the demo seed: the rows of a [`SeedPlan`].

use super::dialect::{Conn, Pool, Row, begin_write, id, opt_id, ts};
use crate::Tenant;
use crate::db::Db;
use crate::errors::DbResultExt as _;
use crate::rows::RowExt as _;
use crate::seed::SeedPlan;
use chrono::Utc;
use psa_ingest::TenantId;
use psa_ingest::ports::StoreResult;

async fn insert_tenant(conn: &mut Conn, tenant: TenantId, name: &str) -> StoreResult<()> {
    sqlx::query("INSERT INTO tenants (tenant, tenant_name, created_at) VALUES ($1, $2, $3)")
        .bind(id(tenant))
        .bind(name)
        .bind(ts(Utc::now()))
        .execute(conn)
        .await
        .ctx("create tenant")?;
    Ok(())
}

fn tenant_of(row: &Row) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: TenantId(row.uuid("tenant")?),
        name: row.text("tenant_name")?,
    })
}

impl Db<Pool> {
    /// Every tenant, by name.
    pub(crate) async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let rows = sqlx::query(
            "SELECT tenant, tenant_name FROM tenants ORDER BY tenant_name, created_at, tenant",
        )
        .fetch_all(&self.pool)
        .await
        .ctx("list tenants")?;
        rows.iter().map(tenant_of).collect()
    }

    /// The oldest tenant with exactly this name.
    pub(crate) async fn find_tenant(&self, name: &str) -> StoreResult<Option<Tenant>> {
        let row = sqlx::query(
            "SELECT tenant, tenant_name FROM tenants WHERE tenant_name = $1 ORDER BY created_at, tenant LIMIT 1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .ctx("find tenant")?;
        row.as_ref().map(tenant_of).transpose()
    }

    /// Creates an empty tenant.
    pub(crate) async fn create_tenant(&self, tenant: TenantId, name: &str) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await.ctx("acquire connection")?;
        insert_tenant(&mut conn, tenant, name).await
    }

    /// Inserts every row of `plan` in one transaction.
    pub(crate) async fn seed(&self, plan: &SeedPlan<'_>) -> StoreResult<()> {
        let tenant = plan.tenant;
        let mut tx = begin_write(&self.pool, "begin seed").await?;
        insert_tenant(&mut tx, tenant, plan.tenant_name).await?;
        for (board, name, is_default) in &plan.boards {
            sqlx::query(
                "INSERT INTO boards (tenant, board_id, board_name, is_default) VALUES ($1, $2, $3, $4)",
            )
            .bind(id(tenant))
            .bind(id(*board))
            .bind(name)
            .bind(is_default)
            .execute(&mut *tx)
            .await
            .ctx("seed board")?;
        }
        for s in &plan.statuses {
            sqlx::query(
                "INSERT INTO statuses (tenant, status_id, board_id, name, is_default, is_closed, order_number) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id(tenant))
            .bind(id(s.id))
            .bind(id(s.board))
            .bind(s.name)
            .bind(s.is_default)
            .bind(s.is_closed)
            .bind(s.order)
            .execute(&mut *tx)
            .await
            .ctx("seed status")?;
        }
        for (priority, name, order) in &plan.priorities {
            sqlx::query(
                "INSERT INTO priorities (tenant, priority_id, priority_name, order_number) VALUES ($1, $2, $3, $4)",
            )
            .bind(id(tenant))
            .bind(id(*priority))
            .bind(name)
            .bind(order)
            .execute(&mut *tx)
            .await
            .ctx("seed priority")?;
        }
        for (category, name, parent) in &plan.categories {
            sqlx::query(
                "INSERT INTO categories (tenant, category_id, category_name, parent_category) VALUES ($1, $2, $3, $4)",
            )
            .bind(id(tenant))
            .bind(id(*category))
            .bind(name)
            .bind(opt_id(*parent))
            .execute(&mut *tx)
            .await
            .ctx("seed category")?;
        }
        for (client, name) in &plan.clients {
            sqlx::query(
                "INSERT INTO clients (tenant, client_id, client_name, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id(tenant))
            .bind(id(*client))
            .bind(name)
            .bind(ts(Utc::now()))
            .execute(&mut *tx)
            .await
            .ctx("seed client")?;
        }
        tx.commit().await.ctx("commit seed")
    }
}
