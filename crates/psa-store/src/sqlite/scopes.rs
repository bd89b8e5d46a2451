//! `rmm_organization_mappings` on SQLite.

use super::{Writer, bulk, id, json, json_list, opt_ts, ts};
use crate::errors::{DbResultExt as _, invalid, not_found};
use crate::rows;
use crate::scope_rules;
use chrono::Utc;
use psa_ingest::contracts::NormalizedScope;
use psa_ingest::ports::{ScopeLinkBy, ScopeMapping, ScopeUpsertOutcome, ScopeWalk, StoreResult};
use psa_ingest::{ClientId, IntegrationId, TenantId};
use sqlx::SqlitePool;
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
    let (tenant_id, integration_id, now) = (id(tenant), id(integration), ts(Utc::now()));

    let mut tx = db.begin().await?;
    let before: Vec<(String, String)> = sqlx::query_as(
        "SELECT external_organization_id, name FROM rmm_organization_mappings \
         WHERE tenant = ?1 AND integration_id = ?2 \
           AND external_organization_id IN (SELECT value FROM json_each(?3))",
    )
    .bind(&tenant_id)
    .bind(&integration_id)
    .bind(json_list(&ids))
    .fetch_all(&mut *tx)
    .await
    .ctx("read scopes")?;
    bulk(
        &mut tx,
        "upsert scopes",
        "INSERT INTO rmm_organization_mappings \
           (tenant, integration_id, external_organization_id, name, metadata, created_at, updated_at) ",
        7,
        &scopes,
        |row, scope| {
            row.push_bind(&tenant_id)
                .push_bind(&integration_id)
                .push_bind(&scope.external_id)
                .push_bind(&scope.name)
                .push_bind(json(&scope_rules::facts(scope)))
                .push_bind(&now)
                .push_bind(&now);
        },
        |q| {
            q.push(
                " ON CONFLICT (tenant, integration_id, external_organization_id) DO UPDATE \
                  SET name = excluded.name, \
                      metadata = json_patch(rmm_organization_mappings.metadata, excluded.metadata), \
                      updated_at = excluded.updated_at",
            );
        },
    )
    .await?;
    tx.commit().await.ctx("commit scope upsert")?;
    Ok(scope_rules::outcome(
        &scopes,
        &before.into_iter().collect::<HashMap<_, _>>(),
    ))
}

pub(crate) async fn list(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<Vec<ScopeMapping>> {
    let rows = sqlx::query(
        "SELECT * FROM rmm_organization_mappings WHERE tenant = ?1 AND integration_id = ?2 \
         ORDER BY lower(name), name, external_organization_id",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .fetch_all(pool)
    .await
    .ctx("list scopes")?;
    rows::all(&rows, rows::scope_mapping)
}

pub(crate) async fn get(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
    external_id: &str,
) -> StoreResult<Option<ScopeMapping>> {
    let row = sqlx::query(
        "SELECT * FROM rmm_organization_mappings \
         WHERE tenant = ?1 AND integration_id = ?2 AND external_organization_id = ?3",
    )
    .bind(id(tenant))
    .bind(id(integration))
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
    let mut tx = db.begin().await?;
    // A link to another client moves `mapped_at`: the scope is walked in
    // full at the next device sync.
    let query = match (by, client) {
        (ScopeLinkBy::User, _) => sqlx::query(
            "UPDATE rmm_organization_mappings \
             SET client_id = ?4, decided_by = 'person', updated_at = ?5, \
                 mapped_at = CASE WHEN ?4 IS NOT NULL AND client_id IS NOT ?4 \
                                  THEN ?5 ELSE mapped_at END \
             WHERE tenant = ?1 AND integration_id = ?2 AND external_organization_id = ?3 \
               AND (client_id IS NOT ?4 OR decided_by <> 'person')",
        ),
        (ScopeLinkBy::AutoMatch, Some(_)) => sqlx::query(
            "UPDATE rmm_organization_mappings \
             SET client_id = ?4, decided_by = 'auto_match', mapped_at = ?5, updated_at = ?5 \
             WHERE tenant = ?1 AND integration_id = ?2 AND external_organization_id = ?3 \
               AND client_id IS NULL AND decided_by = 'nobody'",
        ),
        (ScopeLinkBy::AutoMatch, None) => return Err(invalid("an auto-match must name a client")),
    };
    let done = query
        .bind(id(tenant))
        .bind(id(integration))
        .bind(external_id)
        .bind(client.map(id))
        .bind(ts(Utc::now()))
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
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE rmm_organization_mappings \
         SET mapped_at = CASE WHEN ?4 AND NOT auto_sync_assets THEN ?6 ELSE mapped_at END, \
             auto_sync_assets = ?4, auto_create_tickets = ?5, updated_at = ?6 \
         WHERE tenant = ?1 AND integration_id = ?2 AND external_organization_id = ?3",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .bind(external_id)
    .bind(auto_sync_assets)
    .bind(auto_create_tickets)
    .bind(ts(Utc::now()))
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
    let mut tx = db.begin().await?;
    let (full_walk_at, watermark) = scope_rules::walk_moves(walk);
    sqlx::query(
        "UPDATE rmm_organization_mappings \
         SET last_walk_outcome = ?4, last_walk_error = ?5, \
             full_walk_at = COALESCE(?6, full_walk_at), \
             device_watermark = COALESCE(?7, device_watermark) \
         WHERE tenant = ?1 AND integration_id = ?2 AND external_organization_id = ?3",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .bind(external_id)
    .bind(walk.outcome.as_str())
    .bind(walk.error.as_deref())
    .bind(opt_ts(full_walk_at))
    .bind(opt_ts(watermark))
    .execute(&mut *tx)
    .await
    .ctx("record scope walk")?;
    tx.commit().await.ctx("commit scopes record_walk")?;
    Ok(())
}
