//! Assets and their device mappings, beyond the batch write and device
//! lookup (per backend, in `asset_writes.rs`).

use super::asset_writes;
use super::dialect::{Pool, id, in_list, pair_list, pairs, text_list, ts};
use crate::asset_rules::{self, DELETED};
use crate::db::Db;
use crate::errors::DbResultExt as _;
use crate::rows::RowExt as _;
use crate::storable;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use psa_ingest::contracts::ExternalIdChange;
use psa_ingest::ports::{
    AssetBatch, AssetMatch, AssetStore, KnownDevice, ScopeDevice, StoreResult,
};
use psa_ingest::{AssetId, ClientId, IntegrationId, ProviderId, TenantId};

#[async_trait]
impl AssetStore for Db<Pool> {
    async fn find_known_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        provider: &ProviderId,
        external_ids: &[String],
    ) -> StoreResult<Vec<KnownDevice>> {
        if external_ids.is_empty() {
            return Ok(Vec::new());
        }
        asset_writes::find_known(self, tenant, integration, provider, external_ids).await
    }

    async fn write_assets(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: &AssetBatch,
        synced_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let batch = storable::asset_batch(batch);
        asset_writes::write(self, tenant, integration, &batch, synced_at).await
    }

    async fn retire_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_ids: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        if external_ids.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin("retire devices").await?;
        let mut retired = 0;
        // Assets first: they are found through the mappings not yet retired.
        // `{ids}`: the external ids, bound as $4.
        for (what, statement) in [
            (
                "retire assets",
                "UPDATE assets SET status = 'inactive', agent_status = 'offline', updated_at = $6 \
                 WHERE tenant = $1 AND asset_id IN ( \
                   SELECT m.alga_entity_id FROM tenant_external_entity_mappings m \
                   JOIN rmm_integrations i ON i.tenant = m.tenant AND i.provider = m.integration_type \
                   WHERE i.tenant = $1 AND i.integration_id = $2 AND m.alga_entity_type = 'asset' \
                     AND m.external_realm_id = $3 AND m.sync_status <> $5 AND m.external_entity_id {ids})",
            ),
            (
                "retire device mappings",
                "UPDATE tenant_external_entity_mappings SET sync_status = $5, last_synced_at = $6 \
                 WHERE tenant = $1 \
                   AND integration_type = (SELECT provider FROM rmm_integrations WHERE tenant = $1 AND integration_id = $2) \
                   AND alga_entity_type = 'asset' AND external_realm_id = $3 \
                   AND sync_status <> $5 AND external_entity_id {ids}",
            ),
        ] {
            retired = sqlx::query(sqlx::AssertSqlSafe(statement.replace("{ids}", &in_list(4))))
                .bind(id(tenant))
                .bind(id(integration))
                .bind(integration.to_string())
                .bind(text_list(external_ids))
                .bind(DELETED)
                .bind(ts(at))
                .execute(&mut *tx)
                .await
                .ctx(what)?
                .rows_affected();
        }
        tx.commit().await.ctx("commit retire")?;
        Ok(retired)
    }

    fn scope_devices<'a>(
        &'a self,
        tenant: TenantId,
        integration: IntegrationId,
        scope_id: &'a str,
    ) -> BoxStream<'a, StoreResult<ScopeDevice>> {
        // From the scope's assets, with the provider as a scalar subquery:
        // joined on `rmm_integrations.provider` instead, PostgreSQL's planner
        // expected a few hundred of the tenant's mappings and probed `assets`
        // once for each of them, for every scope (100,000 probes per scope
        // at 100,000 devices).
        sqlx::query(
            "SELECT m.external_entity_id, m.alga_entity_id \
             FROM assets a \
             JOIN tenant_external_entity_mappings m \
               ON m.tenant = a.tenant AND m.alga_entity_type = 'asset' AND m.alga_entity_id = a.asset_id \
             WHERE a.tenant = $1 AND a.rmm_organization_id = $4 \
               AND m.integration_type = (SELECT provider FROM rmm_integrations \
                                         WHERE tenant = $1 AND integration_id = $2) \
               AND m.external_realm_id = $3 AND m.sync_status <> 'deleted'",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(integration.to_string())
        .bind(scope_id)
        .fetch(&self.pool)
        .map(|row| {
            let row = row.ctx("list scope devices")?;
            Ok(ScopeDevice {
                external_id: row.text("external_entity_id")?,
                asset_id: AssetId(row.uuid("alga_entity_id")?),
            })
        })
        .boxed()
    }

    async fn rekey_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        changes: &[ExternalIdChange],
    ) -> StoreResult<u64> {
        let changes = asset_rules::unique_changes(changes);
        if changes.is_empty() {
            return Ok(0);
        }
        let pair_values: Vec<[&str; 2]> = changes
            .iter()
            .map(|c| [c.old_id.as_str(), c.new_id.as_str()])
            .collect();
        // Both statements see the same set of applicable changes: an old id
        // that is mapped, to a new id that is not.
        let applicable = format!(
            "c(old_id, new_id) AS ({}), \
             provider(name) AS (SELECT provider FROM rmm_integrations WHERE tenant = $1 AND integration_id = $2), \
             moves AS ( \
               SELECT m.alga_entity_id, c.old_id, c.new_id FROM c \
               CROSS JOIN provider p \
               JOIN tenant_external_entity_mappings m \
                 ON m.tenant = $1 AND m.integration_type = p.name AND m.alga_entity_type = 'asset' \
                AND m.external_realm_id = $3 AND m.external_entity_id = c.old_id \
               WHERE NOT EXISTS (SELECT 1 FROM tenant_external_entity_mappings n \
                                 WHERE n.tenant = $1 AND n.integration_type = p.name AND n.alga_entity_type = 'asset' \
                                   AND n.external_realm_id = $3 AND n.external_entity_id = c.new_id))",
            pairs(4)
        );
        let mut tx = self.begin("re-key devices").await?;
        let mut moved = 0;
        for (what, statement) in [
            (
                "re-key assets",
                "UPDATE assets SET rmm_device_id = moves.new_id, updated_at = $5 \
                 FROM moves WHERE assets.tenant = $1 AND assets.asset_id = moves.alga_entity_id",
            ),
            (
                "re-key device mappings",
                "UPDATE tenant_external_entity_mappings SET external_entity_id = moves.new_id \
                 FROM moves \
                 WHERE tenant_external_entity_mappings.tenant = $1 \
                   AND tenant_external_entity_mappings.alga_entity_type = 'asset' \
                   AND tenant_external_entity_mappings.external_realm_id = $3 \
                   AND tenant_external_entity_mappings.external_entity_id = moves.old_id \
                   AND tenant_external_entity_mappings.integration_type = (SELECT name FROM provider)",
            ),
        ] {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(format!(
                "WITH {applicable} {statement}"
            )))
            .bind(id(tenant))
            .bind(id(integration))
            .bind(integration.to_string())
            .bind(pair_list(&pair_values));
            if statement.contains("$5") {
                query = query.bind(ts(Utc::now()));
            }
            moved = query.execute(&mut *tx).await.ctx(what)?.rows_affected();
        }
        tx.commit().await.ctx("commit re-key")?;
        Ok(moved)
    }

    async fn refresh_agent_status(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        online_since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.execute(
            "refresh agent status",
            sqlx::query(
                "WITH computed AS ( \
                   SELECT a.asset_id, \
                          CASE WHEN a.last_seen_at IS NULL THEN 'unknown' \
                               WHEN a.last_seen_at >= $4 THEN 'online' ELSE 'offline' END AS status \
                   FROM tenant_external_entity_mappings m \
                   JOIN assets a ON a.tenant = m.tenant AND a.asset_id = m.alga_entity_id \
                   WHERE m.tenant = $1 AND m.alga_entity_type = 'asset' \
                     AND m.integration_type = (SELECT provider FROM rmm_integrations \
                                               WHERE tenant = $1 AND integration_id = $2) \
                     AND m.external_realm_id = $3 AND m.sync_status <> 'deleted' \
                 ) \
                 UPDATE assets SET agent_status = computed.status, updated_at = $5 \
                 FROM computed \
                 WHERE assets.tenant = $1 AND assets.asset_id = computed.asset_id \
                   AND assets.agent_status IS DISTINCT FROM computed.status",
            )
            .bind(id(tenant))
            .bind(id(integration))
            .bind(integration.to_string())
            .bind(ts(online_since))
            .bind(ts(at)),
        )
        .await
    }

    async fn count_scope_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<(String, u64)>> {
        // The joins of `scope_devices`, grouped by scope.
        let rows = sqlx::query(
            "SELECT a.rmm_organization_id AS scope_id, COUNT(*) AS devices \
             FROM assets a \
             JOIN tenant_external_entity_mappings m \
               ON m.tenant = a.tenant AND m.alga_entity_type = 'asset' AND m.alga_entity_id = a.asset_id \
             WHERE a.tenant = $1 AND a.rmm_organization_id IS NOT NULL \
               AND m.integration_type = (SELECT provider FROM rmm_integrations \
                                         WHERE tenant = $1 AND integration_id = $2) \
               AND m.external_realm_id = $3 AND m.sync_status <> 'deleted' \
             GROUP BY a.rmm_organization_id",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(integration.to_string())
        .fetch_all(&self.pool)
        .await
        .ctx("count scope devices")?;
        rows.iter()
            .map(|row| {
                let devices = u64::try_from(row.int64("devices")?).unwrap_or(0);
                Ok((row.text("scope_id")?, devices))
            })
            .collect()
    }

    async fn find_assets_by_hostname(
        &self,
        tenant: TenantId,
        client: ClientId,
        hostname: &str,
    ) -> StoreResult<Vec<AssetMatch>> {
        // Names are stored without NUL bytes: looked up the same way.
        let rows = sqlx::query(
            "SELECT asset_id, name, serial_number FROM assets \
             WHERE tenant = $1 AND client_id = $2 AND lower(name) = lower($3) AND status = 'active' \
             ORDER BY created_at, asset_id",
        )
        .bind(id(tenant))
        .bind(id(client))
        .bind(storable::text(hostname))
        .fetch_all(&self.pool)
        .await
        .ctx("find assets by hostname")?;
        rows.iter()
            .map(|row| {
                Ok(AssetMatch {
                    asset_id: AssetId(row.uuid("asset_id")?),
                    name: row.text("name")?,
                    serial_number: row.opt_text("serial_number")?,
                })
            })
            .collect()
    }
}
