//! `tenant_external_entity_mappings` (beyond asset writes) on PostgreSQL.

use super::Writer;
use crate::errors::DbResultExt as _;
use crate::rows;
use psa_ingest::TenantId;
use psa_ingest::ports::{EntityMapping, StoreResult};
use sqlx::PgPool;

pub(crate) async fn upsert(
    db: Writer<'_>,
    tenant: TenantId,
    mapping: EntityMapping,
) -> StoreResult<()> {
    let mut tx = db.begin("begin entity_mappings upsert").await?;
    sqlx::query(
        "INSERT INTO tenant_external_entity_mappings (tenant, integration_type, alga_entity_type, \
           external_realm_id, external_entity_id, alga_entity_id, sync_status, last_synced_at, metadata) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (tenant, integration_type, alga_entity_type, external_realm_id, external_entity_id) \
         DO UPDATE SET alga_entity_id = EXCLUDED.alga_entity_id, sync_status = EXCLUDED.sync_status, \
           last_synced_at = EXCLUDED.last_synced_at, metadata = EXCLUDED.metadata",
    )
    .bind(tenant.0)
    .bind(&mapping.integration_type)
    .bind(&mapping.alga_entity_type)
    .bind(&mapping.external_realm_id)
    .bind(&mapping.external_entity_id)
    .bind(mapping.alga_entity_id)
    .bind(&mapping.sync_status)
    .bind(mapping.last_synced_at)
    .bind(&mapping.metadata)
    .execute(&mut *tx)
    .await
    .ctx("upsert entity mapping")?;
    tx.commit().await.ctx("commit entity_mappings upsert")?;
    Ok(())
}

pub(crate) async fn find(
    pool: &PgPool,
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
    .bind(tenant.0)
    .bind(integration_type)
    .bind(alga_entity_type)
    .bind(external_realm_id)
    .bind(external_entity_id)
    .fetch_optional(pool)
    .await
    .ctx("find entity mapping")?;
    row.as_ref().map(rows::entity_mapping).transpose()
}
