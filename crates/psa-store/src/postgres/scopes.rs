//! `rmm_organization_mappings` on PostgreSQL.

use super::Writer;
use crate::errors::{DbResultExt as _, invalid, not_found};
use crate::rows;
use crate::scope_rules;
use chrono::Utc;
use psa_ingest::contracts::NormalizedScope;
use psa_ingest::ports::{ScopeLinkBy, ScopeMapping, ScopeUpsertOutcome, ScopeWalk, StoreResult};
use psa_ingest::{ClientId, IntegrationId, TenantId};
use sqlx::PgPool;
use std::collections::HashMap;

pub(crate) async fn upsert(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    scopes: &[NormalizedScope],
) -> StoreResult<ScopeUpsertOutcome> {
    let scopes = scope_rules::dedupe(scopes);
    if scopes.is_empty() {
        return Ok(ScopeUpsertOutcome::default());
    }
    let ids: Vec<&str> = scopes.iter().map(|s| s.external_id.as_str()).collect();
    let names: Vec<&str> = scopes.iter().map(|s| s.name.as_str()).collect();
    let facts: Vec<serde_json::Value> = scopes.iter().map(|s| scope_rules::facts(s)).collect();

    let mut tx = db.begin("begin scope upsert").await?;
    // Locked so the reported renames are exactly what this upsert changed.
    let before: Vec<(String, String)> = sqlx::query_as(
        "SELECT external_organization_id, name FROM rmm_organization_mappings \
         WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = ANY($3) FOR UPDATE",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await
    .ctx("read scopes")?;
    sqlx::query(
        "INSERT INTO rmm_organization_mappings \
           (tenant, integration_id, external_organization_id, name, metadata, created_at, updated_at) \
         SELECT $1, $2, u.external_id, u.name, u.facts, $6, $6 \
         FROM UNNEST($3::text[], $4::text[], $5::jsonb[]) AS u(external_id, name, facts) \
         ON CONFLICT (tenant, integration_id, external_organization_id) DO UPDATE \
         SET name = EXCLUDED.name, \
             metadata = rmm_organization_mappings.metadata || EXCLUDED.metadata, \
             updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .bind(&ids)
    .bind(&names)
    .bind(&facts)
    .bind(Utc::now())
    .execute(&mut *tx)
    .await
    .ctx("upsert scopes")?;
    tx.commit().await.ctx("commit scope upsert")?;
    Ok(scope_rules::outcome(
        &scopes,
        &before.into_iter().collect::<HashMap<_, _>>(),
    ))
}

pub(crate) async fn list(
    pool: &PgPool,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<Vec<ScopeMapping>> {
    let rows = sqlx::query(
        "SELECT * FROM rmm_organization_mappings WHERE tenant = $1 AND integration_id = $2 \
         ORDER BY lower(name), name, external_organization_id",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .fetch_all(pool)
    .await
    .ctx("list scopes")?;
    rows::all(&rows, rows::scope_mapping)
}

pub(crate) async fn get(
    pool: &PgPool,
    tenant: TenantId,
    integration: IntegrationId,
    external_id: &str,
) -> StoreResult<Option<ScopeMapping>> {
    let row = sqlx::query(
        "SELECT * FROM rmm_organization_mappings \
         WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .bind(external_id)
    .fetch_optional(pool)
    .await
    .ctx("get scope")?;
    row.as_ref().map(rows::scope_mapping).transpose()
}

pub(crate) async fn link(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    external_id: &str,
    client: Option<ClientId>,
    by: ScopeLinkBy,
) -> StoreResult<bool> {
    let mut tx = db.begin("begin scopes link").await?;
    // A link to another client moves `mapped_at`: the scope is walked in
    // full at the next device sync.
    let query = match (by, client) {
        (ScopeLinkBy::User, _) => sqlx::query(
            "UPDATE rmm_organization_mappings \
             SET client_id = $4, decided_by = 'person', updated_at = $5, \
                 mapped_at = CASE WHEN $4::uuid IS NOT NULL AND client_id IS DISTINCT FROM $4 \
                                  THEN $5 ELSE mapped_at END \
             WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3 \
               AND (client_id IS DISTINCT FROM $4 OR decided_by <> 'person')",
        ),
        (ScopeLinkBy::AutoMatch, Some(_)) => sqlx::query(
            "UPDATE rmm_organization_mappings \
             SET client_id = $4, decided_by = 'auto_match', mapped_at = $5, updated_at = $5 \
             WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3 \
               AND client_id IS NULL AND decided_by = 'nobody'",
        ),
        (ScopeLinkBy::AutoMatch, None) => return Err(invalid("an auto-match must name a client")),
    };
    let done = query
        .bind(tenant.0)
        .bind(integration.0)
        .bind(external_id)
        .bind(client.map(|c| c.0))
        .bind(Utc::now())
        .execute(&mut *tx)
        .await
        .ctx("link scope")?;
    tx.commit().await.ctx("commit scopes link")?;
    if done.rows_affected() > 0 {
        return Ok(true);
    }
    match get(db.pool, tenant, integration, external_id).await? {
        Some(_) => Ok(false),
        None => Err(not_found("scope", external_id)),
    }
}

pub(crate) async fn set_flags(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    external_id: &str,
    auto_sync_assets: bool,
    auto_create_tickets: bool,
) -> StoreResult<()> {
    let mut tx = db.begin("begin scopes set_flags").await?;
    let done = sqlx::query(
        "UPDATE rmm_organization_mappings \
         SET mapped_at = CASE WHEN $4 AND NOT auto_sync_assets THEN $6 ELSE mapped_at END, \
             auto_sync_assets = $4, auto_create_tickets = $5, updated_at = $6 \
         WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .bind(external_id)
    .bind(auto_sync_assets)
    .bind(auto_create_tickets)
    .bind(Utc::now())
    .execute(&mut *tx)
    .await
    .ctx("set scope flags")?;
    tx.commit().await.ctx("commit scopes set_flags")?;
    if done.rows_affected() == 0 {
        Err(not_found("scope", external_id))
    } else {
        Ok(())
    }
}

pub(crate) async fn record_walk(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    external_id: &str,
    walk: &ScopeWalk,
) -> StoreResult<()> {
    let mut tx = db.begin("begin scopes record_walk").await?;
    let (full_walk_at, watermark) = scope_rules::walk_moves(walk);
    sqlx::query(
        "UPDATE rmm_organization_mappings \
         SET last_walk_outcome = $4, last_walk_error = $5, \
             full_walk_at = COALESCE($6, full_walk_at), \
             device_watermark = COALESCE($7, device_watermark) \
         WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .bind(external_id)
    .bind(walk.outcome.as_str())
    .bind(walk.error.as_deref())
    .bind(full_walk_at)
    .bind(watermark)
    .execute(&mut *tx)
    .await
    .ctx("record scope walk")?;
    tx.commit().await.ctx("commit scopes record_walk")?;
    Ok(())
}
