//! Assets, extension rows and device mappings on PostgreSQL.
//!
//! Every bulk statement binds one array per column and reads them back with
//! `UNNEST`, so a batch costs the same handful of statements at any size.

use super::dialect::Pool;
use crate::asset_rules::{
    ASSET_ENTITY, AssetColumns, ExtensionColumns, ExtensionTable, SYNCED, WritePlan,
    check_provider, check_updated,
};
use crate::db::Db;
use crate::errors::{DbResultExt as _, not_found};
use crate::rows;
use chrono::{DateTime, Utc};
use psa_ingest::ports::{AssetBatch, AssetWrite, KnownDevice, StoreResult};
use psa_ingest::{IntegrationId, ProviderId, TenantId};
use serde_json::Value;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

pub(crate) async fn find_known(
    db: &Db<Pool>,
    tenant: TenantId,
    integration: IntegrationId,
    provider: &ProviderId,
    external_ids: &[String],
) -> StoreResult<Vec<KnownDevice>> {
    // One query, one index lookup per device (LIMIT 1 keeps the lateral
    // subquery a per-device probe): the mapping first; else an asset
    // carrying the provider's device id that no mapping of this provider
    // claims (so another integration's assets are never taken), oldest first.
    let rows = sqlx::query(
        "SELECT w.external_id, k.asset_id, k.client_id, k.asset_type, k.content_hash, k.retired, k.scope_id \
         FROM (SELECT DISTINCT unnest($4::text[]) AS external_id) w \
         CROSS JOIN LATERAL ( \
           (SELECT a.asset_id, a.client_id, a.asset_type, m.content_hash, m.sync_status = 'deleted' AS retired, \
                   a.rmm_organization_id AS scope_id \
            FROM tenant_external_entity_mappings m \
            JOIN assets a ON a.tenant = m.tenant AND a.asset_id = m.alga_entity_id \
            WHERE m.tenant = $1 AND m.integration_type = $3 AND m.alga_entity_type = 'asset' \
              AND m.external_realm_id = $2 AND m.external_entity_id = w.external_id) \
           UNION ALL \
           (SELECT a.asset_id, a.client_id, a.asset_type, NULL, false, a.rmm_organization_id \
            FROM assets a \
            WHERE a.tenant = $1 AND a.rmm_provider = $3 AND a.rmm_device_id = w.external_id \
              AND NOT EXISTS (SELECT 1 FROM tenant_external_entity_mappings o \
                              WHERE o.tenant = a.tenant AND o.alga_entity_type = 'asset' \
                                AND o.alga_entity_id = a.asset_id AND o.integration_type = $3) \
            ORDER BY a.created_at, a.asset_id) \
           LIMIT 1 \
         ) k",
    )
    .bind(tenant.0)
    .bind(integration.to_string())
    .bind(provider.as_str())
    .bind(external_ids)
    .fetch_all(&db.pool)
    .await
    .ctx("find known devices")?;
    rows::all(&rows, rows::known_device)
}

/// Column arrays of `assets` rows, bound as `$3..$14` of `assets_unnest!`.
struct AssetArrays {
    asset_id: Vec<Uuid>,
    client_id: Vec<Uuid>,
    asset_type: Vec<String>,
    asset_tag: Vec<Option<String>>,
    name: Vec<Option<String>>,
    serial_number: Vec<Option<String>>,
    agent_status: Vec<String>,
    last_seen_at: Vec<Option<DateTime<Utc>>>,
    rmm_provider: Vec<String>,
    rmm_device_id: Vec<String>,
    rmm_organization_id: Vec<String>,
    attributes: Vec<Option<Value>>,
}

impl AssetArrays {
    fn new(writes: &[&AssetWrite], creating: bool) -> Self {
        let n = writes.len();
        let mut arrays = Self {
            asset_id: Vec::with_capacity(n),
            client_id: Vec::with_capacity(n),
            asset_type: Vec::with_capacity(n),
            asset_tag: Vec::with_capacity(n),
            name: Vec::with_capacity(n),
            serial_number: Vec::with_capacity(n),
            agent_status: Vec::with_capacity(n),
            last_seen_at: Vec::with_capacity(n),
            rmm_provider: Vec::with_capacity(n),
            rmm_device_id: Vec::with_capacity(n),
            rmm_organization_id: Vec::with_capacity(n),
            attributes: Vec::with_capacity(n),
        };
        for write in writes {
            let c = AssetColumns::of(write);
            arrays.name.push(if creating {
                Some(c.name_for_create())
            } else {
                c.name
            });
            arrays.asset_id.push(c.asset_id);
            arrays.client_id.push(c.client_id);
            arrays.asset_type.push(c.asset_type);
            arrays.asset_tag.push(c.asset_tag);
            arrays.serial_number.push(c.serial_number);
            arrays.agent_status.push(c.agent_status);
            arrays.last_seen_at.push(c.last_seen_at);
            arrays.rmm_provider.push(c.rmm_provider);
            arrays.rmm_device_id.push(c.rmm_device_id);
            arrays.rmm_organization_id.push(c.rmm_organization_id);
            arrays.attributes.push(c.attributes);
        }
        arrays
    }

    async fn execute(
        self,
        conn: &mut PgConnection,
        sql: &'static str,
        tenant: TenantId,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = sqlx::query(sql)
            .bind(tenant.0)
            .bind(at)
            .bind(self.asset_id)
            .bind(self.client_id)
            .bind(self.asset_type)
            .bind(self.asset_tag)
            .bind(self.name)
            .bind(self.serial_number)
            .bind(self.agent_status)
            .bind(self.last_seen_at)
            .bind(self.rmm_provider)
            .bind(self.rmm_device_id)
            .bind(self.rmm_organization_id)
            .bind(self.attributes)
            .execute(conn)
            .await
            .ctx("write assets")?;
        Ok(done.rows_affected())
    }
}

macro_rules! assets_unnest {
    () => {
        "UNNEST($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], \
                $10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::jsonb[]) \
         AS u(asset_id, client_id, asset_type, asset_tag, name, serial_number, agent_status, last_seen_at, \
              rmm_provider, rmm_device_id, rmm_organization_id, attributes)"
    };
}

const INSERT_ASSETS: &str = concat!(
    "INSERT INTO assets (tenant, asset_id, client_id, asset_type, asset_tag, name, serial_number, status, \
       agent_status, last_seen_at, rmm_provider, rmm_device_id, rmm_organization_id, last_rmm_sync_at, attributes, \
       created_at, updated_at) \
     SELECT $1, u.asset_id, u.client_id, u.asset_type, u.asset_tag, u.name, u.serial_number, 'active', \
       u.agent_status, u.last_seen_at, u.rmm_provider, u.rmm_device_id, u.rmm_organization_id, $2, \
       COALESCE(u.attributes, '{}'::jsonb), $2, $2 \
     FROM ",
    assets_unnest!()
);

// Fields the provider did not send (NULL) keep the stored value.
const UPDATE_ASSETS: &str = concat!(
    "UPDATE assets a SET client_id = u.client_id, asset_type = u.asset_type, \
       asset_tag = COALESCE(u.asset_tag, a.asset_tag), name = COALESCE(u.name, a.name), \
       serial_number = COALESCE(u.serial_number, a.serial_number), status = 'active', \
       agent_status = u.agent_status, last_seen_at = COALESCE(u.last_seen_at, a.last_seen_at), \
       rmm_provider = u.rmm_provider, rmm_device_id = u.rmm_device_id, \
       rmm_organization_id = u.rmm_organization_id, last_rmm_sync_at = $2, \
       attributes = CASE WHEN u.attributes IS NULL THEN a.attributes ELSE a.attributes || u.attributes END, \
       updated_at = $2 \
     FROM ",
    assets_unnest!(),
    " WHERE a.tenant = $1 AND a.asset_id = u.asset_id"
);

macro_rules! extension_upsert {
    ($table:literal) => {
        concat!(
            "INSERT INTO ",
            $table,
            " AS t (tenant, asset_id, os_name, os_version, os_platform, manufacturer, model, cpu_model, \
               cpu_cores, ram_bytes, disks, is_virtual, lan_ip, wan_ip, ip_addresses, mac_addresses, \
               current_user_name, last_logged_in_user, installed_software, updated_at) \
             SELECT $1, u.*, $2 FROM UNNEST($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], \
               $8::text[], $9::text[], $10::int4[], $11::int8[], $12::jsonb[], $13::bool[], $14::text[], \
               $15::text[], $16::jsonb[], $17::jsonb[], $18::text[], $19::text[], $20::jsonb[]) \
             AS u(asset_id, os_name, os_version, os_platform, manufacturer, model, cpu_model, cpu_cores, \
               ram_bytes, disks, is_virtual, lan_ip, wan_ip, ip_addresses, mac_addresses, current_user_name, \
               last_logged_in_user, installed_software) \
             ON CONFLICT (tenant, asset_id) DO UPDATE SET \
               os_name = COALESCE(EXCLUDED.os_name, t.os_name), \
               os_version = COALESCE(EXCLUDED.os_version, t.os_version), \
               os_platform = COALESCE(EXCLUDED.os_platform, t.os_platform), \
               manufacturer = COALESCE(EXCLUDED.manufacturer, t.manufacturer), \
               model = COALESCE(EXCLUDED.model, t.model), \
               cpu_model = COALESCE(EXCLUDED.cpu_model, t.cpu_model), \
               cpu_cores = COALESCE(EXCLUDED.cpu_cores, t.cpu_cores), \
               ram_bytes = COALESCE(EXCLUDED.ram_bytes, t.ram_bytes), \
               disks = COALESCE(EXCLUDED.disks, t.disks), \
               is_virtual = COALESCE(EXCLUDED.is_virtual, t.is_virtual), \
               lan_ip = COALESCE(EXCLUDED.lan_ip, t.lan_ip), \
               wan_ip = COALESCE(EXCLUDED.wan_ip, t.wan_ip), \
               ip_addresses = COALESCE(EXCLUDED.ip_addresses, t.ip_addresses), \
               mac_addresses = COALESCE(EXCLUDED.mac_addresses, t.mac_addresses), \
               current_user_name = COALESCE(EXCLUDED.current_user_name, t.current_user_name), \
               last_logged_in_user = COALESCE(EXCLUDED.last_logged_in_user, t.last_logged_in_user), \
               installed_software = COALESCE(EXCLUDED.installed_software, t.installed_software), \
               updated_at = EXCLUDED.updated_at"
        )
    };
}

/// Column arrays of extension rows, bound as `$3..$20` of `extension_upsert!`.
#[derive(Default)]
struct ExtensionArrays {
    asset_id: Vec<Uuid>,
    os_name: Vec<Option<String>>,
    os_version: Vec<Option<String>>,
    os_platform: Vec<Option<String>>,
    manufacturer: Vec<Option<String>>,
    model: Vec<Option<String>>,
    cpu_model: Vec<Option<String>>,
    cpu_cores: Vec<Option<i32>>,
    ram_bytes: Vec<Option<i64>>,
    disks: Vec<Option<Value>>,
    is_virtual: Vec<Option<bool>>,
    lan_ip: Vec<Option<String>>,
    wan_ip: Vec<Option<String>>,
    ip_addresses: Vec<Option<Value>>,
    mac_addresses: Vec<Option<Value>>,
    current_user_name: Vec<Option<String>>,
    last_logged_in_user: Vec<Option<String>>,
    installed_software: Vec<Option<Value>>,
}

impl ExtensionArrays {
    fn push(&mut self, c: ExtensionColumns) {
        self.asset_id.push(c.asset_id);
        self.os_name.push(c.os_name);
        self.os_version.push(c.os_version);
        self.os_platform.push(c.os_platform);
        self.manufacturer.push(c.manufacturer);
        self.model.push(c.model);
        self.cpu_model.push(c.cpu_model);
        self.cpu_cores.push(c.cpu_cores);
        self.ram_bytes.push(c.ram_bytes);
        self.disks.push(c.disks);
        self.is_virtual.push(c.is_virtual);
        self.lan_ip.push(c.lan_ip);
        self.wan_ip.push(c.wan_ip);
        self.ip_addresses.push(c.ip_addresses);
        self.mac_addresses.push(c.mac_addresses);
        self.current_user_name.push(c.current_user_name);
        self.last_logged_in_user.push(c.last_logged_in_user);
        self.installed_software.push(c.installed_software);
    }

    async fn upsert(
        self,
        conn: &mut PgConnection,
        table: ExtensionTable,
        tenant: TenantId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        if self.asset_id.is_empty() {
            return Ok(());
        }
        let sql = match table {
            ExtensionTable::Workstation => extension_upsert!("workstation_assets"),
            ExtensionTable::Server => extension_upsert!("server_assets"),
        };
        sqlx::query(sql)
            .bind(tenant.0)
            .bind(at)
            .bind(self.asset_id)
            .bind(self.os_name)
            .bind(self.os_version)
            .bind(self.os_platform)
            .bind(self.manufacturer)
            .bind(self.model)
            .bind(self.cpu_model)
            .bind(self.cpu_cores)
            .bind(self.ram_bytes)
            .bind(self.disks)
            .bind(self.is_virtual)
            .bind(self.lan_ip)
            .bind(self.wan_ip)
            .bind(self.ip_addresses)
            .bind(self.mac_addresses)
            .bind(self.current_user_name)
            .bind(self.last_logged_in_user)
            .bind(self.installed_software)
            .execute(conn)
            .await
            .ctx("write asset extension rows")?;
        Ok(())
    }
}

/// The integration's provider, or `NotFound` when the integration is not
/// this tenant's.
async fn integration_provider(
    conn: &mut PgConnection,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<String> {
    let provider: Option<String> = sqlx::query_scalar(
        "SELECT provider FROM rmm_integrations WHERE tenant = $1 AND integration_id = $2",
    )
    .bind(tenant.0)
    .bind(integration.0)
    .fetch_optional(conn)
    .await
    .ctx("read integration provider")?;
    provider.ok_or_else(|| not_found("integration", integration))
}

pub(crate) async fn write(
    db: &Db<Pool>,
    tenant: TenantId,
    integration: IntegrationId,
    batch: &AssetBatch,
    synced_at: DateTime<Utc>,
) -> StoreResult<()> {
    let Some(plan) = WritePlan::of(batch)? else {
        return Ok(());
    };
    let arrays = |columns: Vec<ExtensionColumns>| {
        let mut arrays = ExtensionArrays::default();
        columns.into_iter().for_each(|c| arrays.push(c));
        arrays
    };
    let ids = |writes: &[&AssetWrite]| writes.iter().map(|w| w.asset_id.0).collect::<Vec<Uuid>>();
    let (updated_servers, updated_workstations) =
        (ids(&plan.updated_servers), ids(&plan.updated_workstations));
    let WritePlan {
        creates,
        updates,
        all,
        workstations,
        servers,
        ..
    } = plan;
    let (workstations, servers) = (arrays(workstations), arrays(servers));

    let mut tx = db.begin("begin asset batch").await?;
    let provider = integration_provider(&mut tx, tenant, integration).await?;
    check_provider(&provider, &all)?;

    if !creates.is_empty() {
        AssetArrays::new(&creates, true)
            .execute(&mut tx, INSERT_ASSETS, tenant, synced_at)
            .await?;
    }
    if !updates.is_empty() {
        let updated = AssetArrays::new(&updates, false)
            .execute(&mut tx, UPDATE_ASSETS, tenant, synced_at)
            .await?;
        check_updated(updated, updates.len())?;
        if !updated_servers.is_empty() {
            sqlx::query("DELETE FROM workstation_assets WHERE tenant = $1 AND asset_id = ANY($2)")
                .bind(tenant.0)
                .bind(updated_servers)
                .execute(&mut *tx)
                .await
                .ctx("move asset extension rows")?;
        }
        if !updated_workstations.is_empty() {
            sqlx::query("DELETE FROM server_assets WHERE tenant = $1 AND asset_id = ANY($2)")
                .bind(tenant.0)
                .bind(updated_workstations)
                .execute(&mut *tx)
                .await
                .ctx("move asset extension rows")?;
        }
    }
    workstations
        .upsert(&mut tx, ExtensionTable::Workstation, tenant, synced_at)
        .await?;
    servers
        .upsert(&mut tx, ExtensionTable::Server, tenant, synced_at)
        .await?;

    let external_ids: Vec<&str> = all.iter().map(|w| w.device.external_id.as_str()).collect();
    let asset_ids: Vec<Uuid> = all.iter().map(|w| w.asset_id.0).collect();
    let hashes: Vec<&str> = all.iter().map(|w| w.content_hash.as_str()).collect();
    sqlx::query(
        "INSERT INTO tenant_external_entity_mappings (tenant, integration_type, alga_entity_type, \
           external_realm_id, external_entity_id, alga_entity_id, sync_status, last_synced_at, content_hash, metadata) \
         SELECT $1, $2, $3, $4, u.external_id, u.asset_id, $5, $6, u.content_hash, '{}'::jsonb \
         FROM UNNEST($7::text[], $8::uuid[], $9::text[]) AS u(external_id, asset_id, content_hash) \
         ON CONFLICT (tenant, integration_type, alga_entity_type, external_realm_id, external_entity_id) \
         DO UPDATE SET alga_entity_id = EXCLUDED.alga_entity_id, sync_status = EXCLUDED.sync_status, \
           last_synced_at = EXCLUDED.last_synced_at, content_hash = EXCLUDED.content_hash",
    )
    .bind(tenant.0)
    .bind(&provider)
    .bind(ASSET_ENTITY)
    .bind(integration.to_string())
    .bind(SYNCED)
    .bind(synced_at)
    .bind(external_ids)
    .bind(asset_ids)
    .bind(hashes)
    .execute(&mut *tx)
    .await
    .ctx("write device mappings")?;
    tx.commit().await.ctx("commit asset batch")?;
    refresh_statistics(&db.pool).await;
    Ok(())
}

/// PostgreSQL plans the batch statements from table statistics. Without
/// them (autovacuum off, or a bulk load outrunning it) the planner takes a
/// tenant's whole table for a few rows and picks scans that grow with the
/// inventory, so a batch analyzes the asset tables that were never analyzed
/// (a first batch into empty tables) or changed by half since their last
/// analyze. Best effort: a failure only leaves old plans.
async fn refresh_statistics(pool: &PgPool) {
    let stale: Vec<String> = match sqlx::query_scalar(
        "SELECT relname::text FROM pg_stat_user_tables \
         WHERE relname IN ('assets', 'workstation_assets', 'server_assets', 'tenant_external_entity_mappings') \
           AND (n_mod_since_analyze > 1000 + n_live_tup / 2 \
                OR (n_mod_since_analyze > 0 AND last_analyze IS NULL AND last_autoanalyze IS NULL))",
    )
    .fetch_all(pool)
    .await
    {
        Ok(stale) => stale,
        Err(_) => return,
    };
    for table in stale {
        let sql = match table.as_str() {
            "assets" => "ANALYZE assets",
            "workstation_assets" => "ANALYZE workstation_assets",
            "server_assets" => "ANALYZE server_assets",
            _ => "ANALYZE tenant_external_entity_mappings",
        };
        let _ = sqlx::query(sql).execute(pool).await;
    }
}
