//! `tenant_external_entity_mappings` (beyond asset writes).

use super::dialect::{Pool, id, json, opt_ts};
use crate::db::Db;
use crate::errors::DbResultExt as _;
use crate::{rows, storable};
use async_trait::async_trait;
use psa_ingest::TenantId;
use psa_ingest::ports::{EntityMapping, EntityMappingStore, StoreResult};

#[async_trait]
impl EntityMappingStore for Db<Pool> {
    async fn upsert_entity_mapping(
        &self,
        tenant: TenantId,
        mapping: EntityMapping,
    ) -> StoreResult<()> {
        let mapping = storable::entity_mapping(mapping);
        self.execute(
            "upsert entity mapping",
            sqlx::query(
                "INSERT INTO tenant_external_entity_mappings (tenant, integration_type, alga_entity_type, \
                   external_realm_id, external_entity_id, alga_entity_id, sync_status, last_synced_at, metadata) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (tenant, integration_type, alga_entity_type, external_realm_id, external_entity_id) \
                 DO UPDATE SET alga_entity_id = excluded.alga_entity_id, sync_status = excluded.sync_status, \
                   last_synced_at = excluded.last_synced_at, metadata = excluded.metadata",
            )
            .bind(id(tenant))
            .bind(&mapping.integration_type)
            .bind(&mapping.alga_entity_type)
            .bind(&mapping.external_realm_id)
            .bind(&mapping.external_entity_id)
            .bind(id(mapping.alga_entity_id))
            .bind(&mapping.sync_status)
            .bind(opt_ts(mapping.last_synced_at))
            .bind(json(&mapping.metadata)),
        )
        .await?;
        Ok(())
    }

    async fn find_entity_mapping(
        &self,
        tenant: TenantId,
        integration_type: &str,
        alga_entity_type: &str,
        external_realm_id: &str,
        external_entity_id: &str,
    ) -> StoreResult<Option<EntityMapping>> {
        let row = sqlx::query(
            "SELECT * FROM tenant_external_entity_mappings WHERE tenant = $1 AND integration_type = $2 \
               AND alga_entity_type = $3 AND external_realm_id = $4 AND external_entity_id = $5",
        )
        .bind(id(tenant))
        .bind(integration_type)
        .bind(alga_entity_type)
        .bind(external_realm_id)
        .bind(external_entity_id)
        .fetch_optional(&self.pool)
        .await
        .ctx("find entity mapping")?;
        row.as_ref().map(rows::entity_mapping).transpose()
    }
}
