//! The two reference paths the engine is measured against, writing the same
//! rows into the same tables: a naive service's per-device transactions, and
//! a raw `COPY`, the practical limit.

use crate::rows::{
    ASSET_COLUMNS, EXTENSION_COLUMNS, MAPPING_COLUMNS, copy_line, device_rows, insert_sql,
};
use psa_ingest::contracts::NormalizedDevice;
use sqlx::PgPool;
use uuid::Uuid;

/// What the naive path needs to know.
pub(crate) struct Target {
    pub(crate) tenant: Uuid,
    pub(crate) client: Uuid,
    pub(crate) integration: Uuid,
}

/// Per device: look up the mapping, then insert the asset, its extension row
/// and the mapping, one transaction per device.
pub(crate) async fn per_device(
    pool: &PgPool,
    target: &Target,
    devices: impl Iterator<Item = NormalizedDevice>,
) {
    let lookup = "SELECT alga_entity_id FROM tenant_external_entity_mappings WHERE tenant = $1 \
                  AND integration_type = $2 AND alga_entity_type = 'asset' AND external_realm_id = $3 \
                  AND external_entity_id = $4";
    let insert_asset = insert_sql("assets", ASSET_COLUMNS);
    let insert_workstation = insert_sql("workstation_assets", EXTENSION_COLUMNS);
    let insert_server = insert_sql("server_assets", EXTENSION_COLUMNS);
    let insert_mapping = insert_sql("tenant_external_entity_mappings", MAPPING_COLUMNS);
    for device in devices {
        let rows = device_rows(target.tenant, target.client, target.integration, &device);
        let mut tx = pool.begin().await.expect("begin");
        let existing: Option<Uuid> = sqlx::query_scalar(lookup)
            .bind(target.tenant)
            .bind(device.provider.as_str())
            .bind(target.integration.to_string())
            .bind(&device.external_id)
            .fetch_optional(&mut *tx)
            .await
            .expect("lookup");
        assert!(existing.is_none(), "the naive path runs on an empty tenant");
        let extension_sql = if rows.extension_table == "server_assets" {
            &insert_server
        } else {
            &insert_workstation
        };
        for (sql, values) in [
            (&insert_asset, &rows.asset),
            (extension_sql, &rows.extension),
            (&insert_mapping, &rows.mapping),
        ] {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            for value in values {
                query = query.bind(value.as_deref());
            }
            query.execute(&mut *tx).await.expect("insert");
        }
        tx.commit().await.expect("commit");
    }
}

/// Devices per round of `COPY` statements, so the text buffers stay small.
const COPY_CHUNK: usize = 10_000;

/// `COPY` of the same rows into the same tables, in rounds of
/// [`COPY_CHUNK`] devices (assets first: the other rows reference them).
pub(crate) async fn copy(
    pool: &PgPool,
    target: &Target,
    devices: impl Iterator<Item = NormalizedDevice>,
) {
    let mut conn = pool.acquire().await.expect("connection");
    let mut devices = devices.peekable();
    while devices.peek().is_some() {
        let (mut assets, mut workstations, mut servers, mut mappings) =
            (String::new(), String::new(), String::new(), String::new());
        for device in devices.by_ref().take(COPY_CHUNK) {
            let rows = device_rows(target.tenant, target.client, target.integration, &device);
            copy_line(&mut assets, &rows.asset);
            let extension = if rows.extension_table == "server_assets" {
                &mut servers
            } else {
                &mut workstations
            };
            copy_line(extension, &rows.extension);
            copy_line(&mut mappings, &rows.mapping);
        }
        for (table, columns, data) in [
            ("assets", ASSET_COLUMNS, assets),
            ("workstation_assets", EXTENSION_COLUMNS, workstations),
            ("server_assets", EXTENSION_COLUMNS, servers),
            ("tenant_external_entity_mappings", MAPPING_COLUMNS, mappings),
        ] {
            let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
            let statement = format!(
                "COPY {table} ({}) FROM STDIN (FORMAT text)",
                names.join(", ")
            );
            let mut copy = conn.copy_in_raw(&statement).await.expect("copy in");
            copy.send(data.as_bytes()).await.expect("copy data");
            copy.finish().await.expect("copy finish");
        }
    }
}
