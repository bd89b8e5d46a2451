//! `rmm_organization_mappings`: scopes, their client links and walk state.

use super::bulk::bulk;
use super::dialect::{
    FOR_UPDATE, Pool, id, in_list, json, json_merge, opt_id, opt_ts, text_list, ts,
};
use crate::db::Db;
use crate::errors::{DbResultExt as _, invalid, not_found};
use crate::rows::{self, RowExt as _};
use crate::{scope_rules, storable};
use async_trait::async_trait;
use chrono::Utc;
use psa_ingest::contracts::NormalizedScope;
use psa_ingest::ports::{
    ScopeLinkBy, ScopeMapping, ScopeMappingStore, ScopeUpsertOutcome, ScopeWalk, StoreResult,
};
use psa_ingest::{ClientId, IntegrationId, TenantId};
use std::collections::HashMap;

#[async_trait]
impl ScopeMappingStore for Db<Pool> {
    async fn upsert_scopes(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        scopes: &[NormalizedScope],
    ) -> StoreResult<ScopeUpsertOutcome> {
        let scopes = storable::scopes(scopes);
        let scopes = scope_rules::dedupe(&scopes);
        if scopes.is_empty() {
            return Ok(ScopeUpsertOutcome::default());
        }
        let ids: Vec<&str> = scopes.iter().map(|s| s.external_id.as_str()).collect();
        let now = Utc::now();
        let mut tx = self.begin("upsert scopes").await?;
        let before = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT external_organization_id, name FROM rmm_organization_mappings \
             WHERE tenant = $1 AND integration_id = $2 AND external_organization_id {}{FOR_UPDATE}",
            in_list(3)
        )))
        .bind(id(tenant))
        .bind(id(integration))
        .bind(text_list(&ids))
        .fetch_all(&mut *tx)
        .await
        .ctx("read scopes")?;
        let before = before
            .iter()
            .map(|row| Ok((row.text("external_organization_id")?, row.text("name")?)))
            .collect::<StoreResult<HashMap<_, _>>>()?;
        let on_conflict = format!(
            " ON CONFLICT (tenant, integration_id, external_organization_id) DO UPDATE \
              SET name = excluded.name, metadata = {}, updated_at = excluded.updated_at",
            json_merge("rmm_organization_mappings.metadata", "excluded.metadata")
        );
        bulk(
            &mut tx,
            "upsert scopes",
            "INSERT INTO rmm_organization_mappings \
               (tenant, integration_id, external_organization_id, name, metadata, created_at, updated_at) ",
            7,
            &scopes,
            |row, scope| {
                row.push_bind(id(tenant))
                    .push_bind(id(integration))
                    .push_bind(&scope.external_id)
                    .push_bind(&scope.name)
                    .push_bind(json(&scope_rules::facts(scope)))
                    .push_bind(ts(now))
                    .push_bind(ts(now));
            },
            |q| {
                q.push(on_conflict.as_str());
            },
        )
        .await?;
        tx.commit().await.ctx("commit scope upsert")?;
        Ok(scope_rules::outcome(&scopes, &before))
    }

    async fn list_scope_mappings(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<ScopeMapping>> {
        let rows = sqlx::query(
            "SELECT * FROM rmm_organization_mappings WHERE tenant = $1 AND integration_id = $2 \
             ORDER BY lower(name), name, external_organization_id",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .fetch_all(&self.pool)
        .await
        .ctx("list scopes")?;
        rows::all(&rows, rows::scope_mapping)
    }

    async fn get_scope_mapping(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
    ) -> StoreResult<Option<ScopeMapping>> {
        let row = sqlx::query(
            "SELECT * FROM rmm_organization_mappings \
             WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(external_id)
        .fetch_optional(&self.pool)
        .await
        .ctx("get scope")?;
        row.as_ref().map(rows::scope_mapping).transpose()
    }

    async fn link_scope(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        client: Option<ClientId>,
        by: ScopeLinkBy,
    ) -> StoreResult<bool> {
        // A link to another client moves `mapped_at`: the scope is walked in
        // full at the next device sync.
        let sql = match (by, client) {
            (ScopeLinkBy::User, _) => {
                "UPDATE rmm_organization_mappings \
                 SET client_id = $4, decided_by = 'person', updated_at = $5, \
                     mapped_at = CASE WHEN $4 IS NOT NULL AND client_id IS DISTINCT FROM $4 \
                                      THEN $5 ELSE mapped_at END \
                 WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3 \
                   AND (client_id IS DISTINCT FROM $4 OR decided_by <> 'person')"
            }
            (ScopeLinkBy::AutoMatch, Some(_)) => {
                "UPDATE rmm_organization_mappings \
                 SET client_id = $4, decided_by = 'auto_match', mapped_at = $5, updated_at = $5 \
                 WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3 \
                   AND client_id IS NULL AND decided_by = 'nobody'"
            }
            (ScopeLinkBy::AutoMatch, None) => {
                return Err(invalid("an auto-match must name a client"));
            }
        };
        let changed = self
            .execute(
                "link scope",
                sqlx::query(sql)
                    .bind(id(tenant))
                    .bind(id(integration))
                    .bind(external_id)
                    .bind(opt_id(client))
                    .bind(ts(Utc::now())),
            )
            .await?;
        if changed > 0 {
            return Ok(true);
        }
        match self
            .get_scope_mapping(tenant, integration, external_id)
            .await?
        {
            Some(_) => Ok(false),
            None => Err(not_found("scope", external_id)),
        }
    }

    async fn set_scope_flags(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        auto_sync_assets: bool,
        auto_create_tickets: bool,
    ) -> StoreResult<()> {
        let changed = self
            .execute(
                "set scope flags",
                sqlx::query(
                    "UPDATE rmm_organization_mappings \
                     SET mapped_at = CASE WHEN $4 AND NOT auto_sync_assets THEN $6 ELSE mapped_at END, \
                         auto_sync_assets = $4, auto_create_tickets = $5, updated_at = $6 \
                     WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3",
                )
                .bind(id(tenant))
                .bind(id(integration))
                .bind(external_id)
                .bind(auto_sync_assets)
                .bind(auto_create_tickets)
                .bind(ts(Utc::now())),
            )
            .await?;
        if changed == 0 {
            Err(not_found("scope", external_id))
        } else {
            Ok(())
        }
    }

    async fn record_scope_walk(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        walk: &ScopeWalk,
    ) -> StoreResult<()> {
        let (full_walk_at, watermark) = scope_rules::walk_moves(walk);
        self.execute(
            "record scope walk",
            sqlx::query(
                "UPDATE rmm_organization_mappings \
                 SET last_walk_outcome = $4, last_walk_error = $5, \
                     full_walk_at = COALESCE($6, full_walk_at), \
                     device_watermark = COALESCE($7, device_watermark) \
                 WHERE tenant = $1 AND integration_id = $2 AND external_organization_id = $3",
            )
            .bind(id(tenant))
            .bind(id(integration))
            .bind(external_id)
            .bind(walk.outcome.as_str())
            .bind(storable::opt_text(walk.error.clone()))
            .bind(opt_ts(full_walk_at))
            .bind(opt_ts(watermark)),
        )
        .await?;
        Ok(())
    }
}
