//! The rows one device becomes, as text, for the two reference paths
//! (per-device inserts and `COPY`). Same tables and columns the store writes.

use chrono::{DateTime, SecondsFormat, Utc};
use psa_ingest::contracts::{DeviceType, NormalizedDevice};
use uuid::Uuid;

/// (column, PostgreSQL type) of each table, in insert order.
pub(crate) const ASSET_COLUMNS: &[(&str, &str)] = &[
    ("tenant", "uuid"),
    ("asset_id", "uuid"),
    ("client_id", "uuid"),
    ("asset_type", "text"),
    ("asset_tag", "text"),
    ("name", "text"),
    ("serial_number", "text"),
    ("status", "text"),
    ("agent_status", "text"),
    ("last_seen_at", "timestamptz"),
    ("rmm_provider", "text"),
    ("rmm_device_id", "text"),
    ("rmm_organization_id", "text"),
    ("last_rmm_sync_at", "timestamptz"),
    ("attributes", "jsonb"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
];

pub(crate) const EXTENSION_COLUMNS: &[(&str, &str)] = &[
    ("tenant", "uuid"),
    ("asset_id", "uuid"),
    ("os_name", "text"),
    ("os_version", "text"),
    ("os_platform", "text"),
    ("manufacturer", "text"),
    ("model", "text"),
    ("cpu_model", "text"),
    ("cpu_cores", "integer"),
    ("ram_bytes", "bigint"),
    ("disks", "jsonb"),
    ("is_virtual", "boolean"),
    ("lan_ip", "text"),
    ("wan_ip", "text"),
    ("ip_addresses", "jsonb"),
    ("mac_addresses", "jsonb"),
    ("current_user_name", "text"),
    ("last_logged_in_user", "text"),
    ("installed_software", "jsonb"),
    ("updated_at", "timestamptz"),
];

pub(crate) const MAPPING_COLUMNS: &[(&str, &str)] = &[
    ("tenant", "uuid"),
    ("integration_type", "text"),
    ("alga_entity_type", "text"),
    ("external_realm_id", "text"),
    ("external_entity_id", "text"),
    ("alga_entity_id", "uuid"),
    ("sync_status", "text"),
    ("last_synced_at", "timestamptz"),
    ("content_hash", "text"),
    ("metadata", "jsonb"),
];

/// One device's rows.
pub(crate) struct DeviceRows {
    pub(crate) asset: Vec<Option<String>>,
    pub(crate) extension_table: &'static str,
    pub(crate) extension: Vec<Option<String>>,
    pub(crate) mapping: Vec<Option<String>>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serializes")
}

/// The rows of a new asset for `device`.
pub(crate) fn device_rows(
    tenant: Uuid,
    client: Uuid,
    integration: Uuid,
    device: &NormalizedDevice,
) -> DeviceRows {
    let asset_id = Uuid::now_v7().to_string();
    let now = time(Utc::now());
    let tenant = tenant.to_string();
    let d = device;
    let asset = vec![
        Some(tenant.clone()),
        Some(asset_id.clone()),
        Some(client.to_string()),
        Some(d.device_type.to_string()),
        d.asset_tag.clone(),
        Some(d.name.clone()),
        d.serial_number.clone(),
        Some("active".to_owned()),
        Some(d.agent_status.to_string()),
        d.last_seen_at.map(time),
        Some(d.provider.to_string()),
        Some(d.external_id.clone()),
        Some(d.scope_id.clone()),
        Some(now.clone()),
        Some(json(&d.extra)),
        Some(now.clone()),
        Some(now.clone()),
    ];
    let extension = vec![
        Some(tenant.clone()),
        Some(asset_id.clone()),
        d.os.name.clone(),
        d.os.version.clone(),
        d.os.platform.clone(),
        d.hardware.manufacturer.clone(),
        d.hardware.model.clone(),
        d.hardware.cpu.clone(),
        d.hardware.cpu_cores.map(|n| n.to_string()),
        d.hardware.ram_bytes.map(|n| n.to_string()),
        Some(json(&d.hardware.disks)),
        d.hardware.is_virtual.map(|b| b.to_string()),
        d.network.lan_ip.clone(),
        d.network.wan_ip.clone(),
        Some(json(&d.network.ip_addresses)),
        Some(json(&d.network.mac_addresses)),
        d.users.current_user.clone(),
        d.users.last_logged_in_user.clone(),
        Some(json(&d.installed_software)),
        Some(now.clone()),
    ];
    let mapping = vec![
        Some(tenant),
        Some(d.provider.to_string()),
        Some("asset".to_owned()),
        Some(integration.to_string()),
        Some(d.external_id.clone()),
        Some(asset_id),
        Some("synced".to_owned()),
        Some(now),
        // A hash of the same length the engine stores.
        Some(format!("{:064x}", u128::from(d.external_id.len() as u32))),
        Some("{}".to_owned()),
    ];
    let extension_table = if d.device_type == DeviceType::Server {
        "server_assets"
    } else {
        "workstation_assets"
    };
    DeviceRows {
        asset,
        extension_table,
        extension,
        mapping,
    }
}

/// `INSERT INTO table (cols) VALUES ($1::type, ...)`.
pub(crate) fn insert_sql(table: &str, columns: &[(&str, &str)]) -> String {
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let values: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, t))| format!("${}::{t}", i + 1))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        values.join(", ")
    )
}

/// Appends one row in `COPY ... (FORMAT text)` form.
pub(crate) fn copy_line(out: &mut String, values: &[Option<String>]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        match value {
            None => out.push_str("\\N"),
            Some(text) => {
                for c in text.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\t' => out.push_str("\\t"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        c => out.push(c),
                    }
                }
            }
        }
    }
    out.push('\n');
}
