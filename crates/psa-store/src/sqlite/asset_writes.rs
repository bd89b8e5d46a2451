//! Assets, extension rows and device mappings on SQLite.
//!
//! Row writes are multi-row `VALUES` statements (chunked under the bind
//! limit); id lists are one JSON array bind read with `json_each`.

use super::dialect::{Pool, id, id_list, json, opt_ts, text_list, ts};
use super::queries::bulk::bulk;
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
use sqlx::SqliteConnection;
use std::collections::HashSet;

pub(crate) async fn find_known(
    db: &Db<Pool>,
    tenant: TenantId,
    integration: IntegrationId,
    provider: &ProviderId,
    external_ids: &[String],
) -> StoreResult<Vec<KnownDevice>> {
    // One query: mapped devices first; then, for ids without a mapping,
    // assets carrying the provider's device id that no mapping of this
    // provider claims (so another integration's assets are never taken).
    let rows = sqlx::query(
        "WITH wanted(external_id) AS (SELECT DISTINCT value FROM json_each(?4)), \
         mapped AS ( \
           SELECT m.external_entity_id AS external_id, a.asset_id, a.client_id, a.asset_type, m.content_hash, \
                  m.sync_status = 'deleted' AS retired, 0 AS via, a.created_at, \
                  a.rmm_organization_id AS scope_id \
           FROM wanted w \
           JOIN tenant_external_entity_mappings m \
             ON m.tenant = ?1 AND m.integration_type = ?3 AND m.alga_entity_type = 'asset' \
            AND m.external_realm_id = ?2 AND m.external_entity_id = w.external_id \
           JOIN assets a ON a.tenant = m.tenant AND a.asset_id = m.alga_entity_id \
         ) \
         SELECT external_id, asset_id, client_id, asset_type, content_hash, retired, via, created_at, scope_id FROM mapped \
         UNION ALL \
         SELECT a.rmm_device_id, a.asset_id, a.client_id, a.asset_type, NULL, 0, 1, a.created_at, a.rmm_organization_id \
         FROM wanted w \
         JOIN assets a ON a.tenant = ?1 AND a.rmm_provider = ?3 AND a.rmm_device_id = w.external_id \
         WHERE w.external_id NOT IN (SELECT external_id FROM mapped) \
           AND NOT EXISTS (SELECT 1 FROM tenant_external_entity_mappings o \
                           WHERE o.tenant = a.tenant AND o.alga_entity_type = 'asset' \
                             AND o.alga_entity_id = a.asset_id AND o.integration_type = ?3) \
         ORDER BY 1, 7, 8, 2",
    )
    .bind(id(tenant))
    .bind(integration.to_string())
    .bind(provider.as_str())
    .bind(text_list(external_ids))
    .fetch_all(&db.pool)
    .await
    .ctx("find known devices")?;
    // Rows are ordered by device, mapping first, then oldest asset: keep the first.
    let mut seen = HashSet::new();
    let mut known = Vec::with_capacity(rows.len());
    for row in &rows {
        let device = rows::known_device(row)?;
        if seen.insert(device.external_id.clone()) {
            known.push(device);
        }
    }
    Ok(known)
}

/// The integration's provider, or `NotFound` when the integration is not
/// this tenant's.
async fn integration_provider(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    integration: IntegrationId,
) -> StoreResult<String> {
    let provider: Option<String> = sqlx::query_scalar(
        "SELECT provider FROM rmm_integrations WHERE tenant = ?1 AND integration_id = ?2",
    )
    .bind(id(tenant))
    .bind(id(integration))
    .fetch_optional(conn)
    .await
    .ctx("read integration provider")?;
    provider.ok_or_else(|| not_found("integration", integration))
}

/// Binds the 12 `assets` columns of one write (see [`AssetColumns`]).
fn bind_asset(
    row: &mut sqlx::query_builder::Separated<'_, sqlx::Sqlite, &'static str>,
    c: AssetColumns,
    creating: bool,
) {
    let name = if creating {
        Some(c.name_for_create())
    } else {
        c.name
    };
    row.push_bind(id(c.asset_id))
        .push_bind(id(c.client_id))
        .push_bind(c.asset_type)
        .push_bind(c.asset_tag)
        .push_bind(name)
        .push_bind(c.serial_number)
        .push_bind(c.agent_status)
        .push_bind(opt_ts(c.last_seen_at))
        .push_bind(c.rmm_provider)
        .push_bind(c.rmm_device_id)
        .push_bind(c.rmm_organization_id)
        .push_bind(c.attributes.as_ref().map(json));
}

const ASSET_COLUMNS: &str = "asset_id, client_id, asset_type, asset_tag, name, serial_number, agent_status, \
                             last_seen_at, rmm_provider, rmm_device_id, rmm_organization_id, attributes";

async fn insert_assets(
    conn: &mut SqliteConnection,
    tenant: &str,
    at: &str,
    creates: &[&AssetWrite],
) -> StoreResult<()> {
    // Insert from a VALUES list so the per-row binds stay the 12 columns;
    // tenant, status and times are bound once.
    let head = format!("WITH u({ASSET_COLUMNS}) AS (");
    bulk(
        conn,
        "create assets",
        &head,
        12,
        creates,
        |row, write| bind_asset(row, AssetColumns::of(write), true),
        |q| {
            q.push(
                ") INSERT INTO assets (tenant, asset_id, client_id, asset_type, asset_tag, name, serial_number, \
                   status, agent_status, last_seen_at, rmm_provider, rmm_device_id, rmm_organization_id, \
                   last_rmm_sync_at, attributes, created_at, updated_at) \
                 SELECT ",
            )
            .push_bind(tenant.to_owned())
            .push(
                ", asset_id, client_id, asset_type, asset_tag, name, serial_number, 'active', agent_status, \
                   last_seen_at, rmm_provider, rmm_device_id, rmm_organization_id, ",
            )
            .push_bind(at.to_owned())
            .push(", COALESCE(attributes, '{}'), ")
            .push_bind(at.to_owned())
            .push(", ")
            .push_bind(at.to_owned())
            .push(" FROM u WHERE true");
        },
    )
    .await?;
    Ok(())
}

/// Updates existing assets; fields not sent (NULL) keep the stored value.
async fn update_assets(
    conn: &mut SqliteConnection,
    tenant: &str,
    at: &str,
    updates: &[&AssetWrite],
) -> StoreResult<u64> {
    let head = format!("WITH u({ASSET_COLUMNS}) AS (");
    bulk(
        conn,
        "update assets",
        &head,
        12,
        updates,
        |row, write| bind_asset(row, AssetColumns::of(write), false),
        |q| {
            q.push(
                ") UPDATE assets SET client_id = u.client_id, asset_type = u.asset_type, \
                   asset_tag = COALESCE(u.asset_tag, assets.asset_tag), name = COALESCE(u.name, assets.name), \
                   serial_number = COALESCE(u.serial_number, assets.serial_number), status = 'active', \
                   agent_status = u.agent_status, last_seen_at = COALESCE(u.last_seen_at, assets.last_seen_at), \
                   rmm_provider = u.rmm_provider, rmm_device_id = u.rmm_device_id, \
                   rmm_organization_id = u.rmm_organization_id, \
                   attributes = CASE WHEN u.attributes IS NULL THEN assets.attributes \
                                     ELSE json_patch(assets.attributes, u.attributes) END, \
                   last_rmm_sync_at = ",
            )
            .push_bind(at.to_owned())
            .push(", updated_at = ")
            .push_bind(at.to_owned())
            .push(" FROM u WHERE assets.tenant = ")
            .push_bind(tenant.to_owned())
            .push(" AND assets.asset_id = u.asset_id");
        },
    )
    .await
}

macro_rules! extension_upsert_head {
    ($table:literal) => {
        concat!(
            "INSERT INTO ",
            $table,
            " AS t (tenant, asset_id, os_name, os_version, os_platform, manufacturer, model, cpu_model, \
               cpu_cores, ram_bytes, disks, is_virtual, lan_ip, wan_ip, ip_addresses, mac_addresses, \
               current_user_name, last_logged_in_user, installed_software, updated_at) "
        )
    };
}

const EXTENSION_UPSERT_TAIL: &str = " ON CONFLICT (tenant, asset_id) DO UPDATE SET \
       os_name = COALESCE(excluded.os_name, t.os_name), \
       os_version = COALESCE(excluded.os_version, t.os_version), \
       os_platform = COALESCE(excluded.os_platform, t.os_platform), \
       manufacturer = COALESCE(excluded.manufacturer, t.manufacturer), \
       model = COALESCE(excluded.model, t.model), \
       cpu_model = COALESCE(excluded.cpu_model, t.cpu_model), \
       cpu_cores = COALESCE(excluded.cpu_cores, t.cpu_cores), \
       ram_bytes = COALESCE(excluded.ram_bytes, t.ram_bytes), \
       disks = COALESCE(excluded.disks, t.disks), \
       is_virtual = COALESCE(excluded.is_virtual, t.is_virtual), \
       lan_ip = COALESCE(excluded.lan_ip, t.lan_ip), \
       wan_ip = COALESCE(excluded.wan_ip, t.wan_ip), \
       ip_addresses = COALESCE(excluded.ip_addresses, t.ip_addresses), \
       mac_addresses = COALESCE(excluded.mac_addresses, t.mac_addresses), \
       current_user_name = COALESCE(excluded.current_user_name, t.current_user_name), \
       last_logged_in_user = COALESCE(excluded.last_logged_in_user, t.last_logged_in_user), \
       installed_software = COALESCE(excluded.installed_software, t.installed_software), \
       updated_at = excluded.updated_at";

async fn upsert_extensions(
    conn: &mut SqliteConnection,
    table: ExtensionTable,
    tenant: &str,
    at: &str,
    rows: &[ExtensionColumns],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let head = match table {
        ExtensionTable::Workstation => extension_upsert_head!("workstation_assets"),
        ExtensionTable::Server => extension_upsert_head!("server_assets"),
    };
    bulk(
        conn,
        "write asset extension rows",
        head,
        20,
        rows,
        |row, c| {
            row.push_bind(tenant)
                .push_bind(id(c.asset_id))
                .push_bind(&c.os_name)
                .push_bind(&c.os_version)
                .push_bind(&c.os_platform)
                .push_bind(&c.manufacturer)
                .push_bind(&c.model)
                .push_bind(&c.cpu_model)
                .push_bind(c.cpu_cores)
                .push_bind(c.ram_bytes)
                .push_bind(c.disks.as_ref().map(json))
                .push_bind(c.is_virtual)
                .push_bind(&c.lan_ip)
                .push_bind(&c.wan_ip)
                .push_bind(c.ip_addresses.as_ref().map(json))
                .push_bind(c.mac_addresses.as_ref().map(json))
                .push_bind(&c.current_user_name)
                .push_bind(&c.last_logged_in_user)
                .push_bind(c.installed_software.as_ref().map(json))
                .push_bind(at);
        },
        |q| {
            q.push(EXTENSION_UPSERT_TAIL);
        },
    )
    .await?;
    Ok(())
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
    let ids =
        |writes: Vec<&AssetWrite>| id_list(&writes.iter().map(|w| w.asset_id).collect::<Vec<_>>());
    let WritePlan {
        creates,
        updates,
        all,
        workstations,
        servers,
        updated_servers,
        updated_workstations,
    } = plan;

    let (tenant_id, at) = (id(tenant), ts(synced_at));
    let mut tx = db.begin("write asset batch").await?;
    let provider = integration_provider(&mut tx, tenant, integration).await?;
    check_provider(&provider, &all)?;

    if !creates.is_empty() {
        insert_assets(&mut tx, &tenant_id, &at, &creates).await?;
    }
    if !updates.is_empty() {
        let updated = update_assets(&mut tx, &tenant_id, &at, &updates).await?;
        check_updated(updated, updates.len())?;
        if !updated_servers.is_empty() {
            sqlx::query(
                "DELETE FROM workstation_assets WHERE tenant = ?1 AND asset_id IN (SELECT value FROM json_each(?2))",
            )
            .bind(&tenant_id)
            .bind(ids(updated_servers))
            .execute(&mut *tx)
            .await
            .ctx("move asset extension rows")?;
        }
        if !updated_workstations.is_empty() {
            sqlx::query(
                "DELETE FROM server_assets WHERE tenant = ?1 AND asset_id IN (SELECT value FROM json_each(?2))",
            )
            .bind(&tenant_id)
            .bind(ids(updated_workstations))
            .execute(&mut *tx)
            .await
            .ctx("move asset extension rows")?;
        }
    }
    upsert_extensions(
        &mut tx,
        ExtensionTable::Workstation,
        &tenant_id,
        &at,
        &workstations,
    )
    .await?;
    upsert_extensions(&mut tx, ExtensionTable::Server, &tenant_id, &at, &servers).await?;

    let realm = id(integration);
    bulk(
        &mut tx,
        "write device mappings",
        "INSERT INTO tenant_external_entity_mappings (tenant, integration_type, alga_entity_type, \
           external_realm_id, external_entity_id, alga_entity_id, sync_status, last_synced_at, content_hash, metadata) ",
        10,
        &all,
        |row, write| {
            row.push_bind(&tenant_id)
                .push_bind(&provider)
                .push_bind(ASSET_ENTITY)
                .push_bind(&realm)
                .push_bind(&write.device.external_id)
                .push_bind(id(write.asset_id))
                .push_bind(SYNCED)
                .push_bind(&at)
                .push_bind(&write.content_hash)
                .push_bind("{}");
        },
        |q| {
            q.push(
                " ON CONFLICT (tenant, integration_type, alga_entity_type, external_realm_id, external_entity_id) \
                  DO UPDATE SET alga_entity_id = excluded.alga_entity_id, sync_status = excluded.sync_status, \
                  last_synced_at = excluded.last_synced_at, content_hash = excluded.content_hash",
            );
        },
    )
    .await?;
    tx.commit().await.ctx("commit asset batch")
}
