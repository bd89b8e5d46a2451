//! Tenant creation and the demo seed on PostgreSQL.

use crate::errors::DbResultExt as _;
use crate::seed::SeedPlan;
use chrono::Utc;
use psa_ingest::TenantId;
use psa_ingest::ports::StoreResult;
use sqlx::{PgConnection, PgPool};

async fn insert_tenant(conn: &mut PgConnection, tenant: TenantId, name: &str) -> StoreResult<()> {
    sqlx::query("INSERT INTO tenants (tenant, tenant_name, created_at) VALUES ($1, $2, $3)")
        .bind(tenant.0)
        .bind(name)
        .bind(Utc::now())
        .execute(conn)
        .await
        .ctx("create tenant")?;
    Ok(())
}

pub(crate) async fn create_tenant(pool: &PgPool, tenant: TenantId, name: &str) -> StoreResult<()> {
    let mut conn = pool.acquire().await.ctx("acquire connection")?;
    insert_tenant(&mut conn, tenant, name).await
}

pub(crate) async fn apply(pool: &PgPool, plan: &SeedPlan<'_>) -> StoreResult<()> {
    let tenant = plan.tenant.0;
    let now = Utc::now();
    let mut tx = pool.begin().await.ctx("begin seed")?;
    insert_tenant(&mut tx, plan.tenant, plan.tenant_name).await?;
    for (id, name, is_default) in &plan.boards {
        sqlx::query(
            "INSERT INTO boards (tenant, board_id, board_name, is_default) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant)
        .bind(id.0)
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
        .bind(tenant)
        .bind(s.id.0)
        .bind(s.board.0)
        .bind(s.name)
        .bind(s.is_default)
        .bind(s.is_closed)
        .bind(s.order)
        .execute(&mut *tx)
        .await
        .ctx("seed status")?;
    }
    for (id, name, order) in &plan.priorities {
        sqlx::query("INSERT INTO priorities (tenant, priority_id, priority_name, order_number) VALUES ($1, $2, $3, $4)")
            .bind(tenant)
            .bind(id.0)
            .bind(name)
            .bind(order)
            .execute(&mut *tx)
            .await
            .ctx("seed priority")?;
    }
    for (id, name, parent) in &plan.categories {
        sqlx::query(
            "INSERT INTO categories (tenant, category_id, category_name, parent_category) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant)
        .bind(id.0)
        .bind(name)
        .bind(parent.map(|p| p.0))
        .execute(&mut *tx)
        .await
        .ctx("seed category")?;
    }
    for (id, name) in &plan.clients {
        sqlx::query("INSERT INTO clients (tenant, client_id, client_name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(tenant)
            .bind(id.0)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await
            .ctx("seed client")?;
    }
    tx.commit().await.ctx("commit seed")
}
