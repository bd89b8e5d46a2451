//! Backend-neutral asset logic: which extension table a device type uses,
//! duplicate removal within a batch, and the column values of one write.

use crate::errors::invalid;
use psa_ingest::contracts::{DeviceType, ExternalIdChange};
use psa_ingest::ports::{AssetBatch, AssetWrite, StoreError, StoreResult};
use serde_json::Value;
use std::collections::HashSet;

/// `alga_entity_type` of asset mappings.
pub(crate) const ASSET_ENTITY: &str = "asset";
/// Mapping `sync_status` of a live device.
pub(crate) const SYNCED: &str = "synced";
/// Mapping `sync_status` of a retired device.
pub(crate) const DELETED: &str = "deleted";

/// The extension table of an asset.
///
/// The rule: `server` devices get a `server_assets` row; every other type
/// (`workstation`, `mobile_device`, `network_device`, `unknown` and any
/// vendor value) gets a `workstation_assets` row, so every synced asset has
/// exactly one extension row holding its OS, hardware, network and software.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExtensionTable {
    Workstation,
    Server,
}

impl ExtensionTable {
    pub(crate) fn for_type(device_type: &DeviceType) -> Self {
        match device_type {
            DeviceType::Server => Self::Server,
            _ => Self::Workstation,
        }
    }
}

/// The creates and updates of a batch without duplicates: a device (by
/// external id) or an asset (by id) listed more than once keeps its last
/// write, updates counting as later than creates. One statement may not touch
/// a row twice, and the last snapshot is the newest.
pub(crate) fn dedupe<'a>(
    creates: &'a [AssetWrite],
    updates: &'a [AssetWrite],
) -> (Vec<&'a AssetWrite>, Vec<&'a AssetWrite>) {
    let mut devices = HashSet::new();
    let mut assets = HashSet::new();
    let mut keep = |write: &'a AssetWrite| {
        let fresh_device = devices.insert(write.device.external_id.as_str());
        let fresh_asset = assets.insert(write.asset_id);
        fresh_device && fresh_asset
    };
    let mut kept_updates: Vec<_> = updates.iter().rev().filter(|w| keep(w)).collect();
    let mut kept_creates: Vec<_> = creates.iter().rev().filter(|w| keep(w)).collect();
    kept_updates.reverse();
    kept_creates.reverse();
    (kept_creates, kept_updates)
}

/// Id changes that can be applied in one statement: no-ops dropped, and
/// each old id and each new id used once (the first change listed wins).
pub(crate) fn unique_changes(changes: &[ExternalIdChange]) -> Vec<&ExternalIdChange> {
    let mut old_ids = HashSet::new();
    let mut new_ids = HashSet::new();
    changes
        .iter()
        .filter(|c| c.old_id != c.new_id)
        .filter(|c| old_ids.insert(c.old_id.as_str()) & new_ids.insert(c.new_id.as_str()))
        .collect()
}

fn non_empty(value: &Option<String>) -> Option<String> {
    value.as_ref().filter(|v| !v.trim().is_empty()).cloned()
}

fn json_list<T: serde::Serialize>(items: &[T]) -> Option<Value> {
    if items.is_empty() {
        None
    } else {
        serde_json::to_value(items).ok()
    }
}

/// The `assets` columns of one write. `None` means "not sent": an update
/// keeps the stored value.
pub(crate) struct AssetColumns {
    pub(crate) asset_id: uuid::Uuid,
    pub(crate) client_id: uuid::Uuid,
    pub(crate) asset_type: String,
    pub(crate) asset_tag: Option<String>,
    /// `None` when the provider sent an empty name; a create then uses the
    /// external id (the column is required).
    pub(crate) name: Option<String>,
    pub(crate) serial_number: Option<String>,
    pub(crate) agent_status: String,
    pub(crate) last_seen_at: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) rmm_provider: String,
    pub(crate) rmm_device_id: String,
    pub(crate) rmm_organization_id: String,
    /// Provider extras, merged into the stored attributes.
    pub(crate) attributes: Option<Value>,
}

impl AssetColumns {
    pub(crate) fn of(write: &AssetWrite) -> Self {
        let device = &write.device;
        Self {
            asset_id: write.asset_id.0,
            client_id: write.client_id.0,
            asset_type: device.device_type.as_str().to_owned(),
            asset_tag: non_empty(&device.asset_tag),
            name: Some(device.name.clone()).filter(|n| !n.trim().is_empty()),
            serial_number: non_empty(&device.serial_number),
            agent_status: device.agent_status.as_str().to_owned(),
            last_seen_at: device.last_seen_at,
            rmm_provider: device.provider.as_str().to_owned(),
            rmm_device_id: device.external_id.clone(),
            rmm_organization_id: device.scope_id.clone(),
            attributes: if device.extra.is_empty() {
                None
            } else {
                Some(Value::Object(device.extra.clone()))
            },
        }
    }

    /// The name a new asset gets.
    pub(crate) fn name_for_create(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| self.rmm_device_id.clone())
    }
}

/// The extension-table columns of one write (same columns in both tables).
pub(crate) struct ExtensionColumns {
    pub(crate) table: ExtensionTable,
    pub(crate) asset_id: uuid::Uuid,
    pub(crate) os_name: Option<String>,
    pub(crate) os_version: Option<String>,
    pub(crate) os_platform: Option<String>,
    pub(crate) manufacturer: Option<String>,
    pub(crate) model: Option<String>,
    pub(crate) cpu_model: Option<String>,
    pub(crate) cpu_cores: Option<i32>,
    pub(crate) ram_bytes: Option<i64>,
    pub(crate) disks: Option<Value>,
    pub(crate) is_virtual: Option<bool>,
    pub(crate) lan_ip: Option<String>,
    pub(crate) wan_ip: Option<String>,
    pub(crate) ip_addresses: Option<Value>,
    pub(crate) mac_addresses: Option<Value>,
    pub(crate) current_user_name: Option<String>,
    pub(crate) last_logged_in_user: Option<String>,
    pub(crate) installed_software: Option<Value>,
}

impl ExtensionColumns {
    pub(crate) fn of(write: &AssetWrite) -> Self {
        let device = &write.device;
        let hardware = &device.hardware;
        Self {
            table: ExtensionTable::for_type(&device.device_type),
            asset_id: write.asset_id.0,
            os_name: non_empty(&device.os.name),
            os_version: non_empty(&device.os.version),
            os_platform: non_empty(&device.os.platform),
            manufacturer: non_empty(&hardware.manufacturer),
            model: non_empty(&hardware.model),
            cpu_model: non_empty(&hardware.cpu),
            // Beyond the column's range: stored as null (the engine counts
            // it), the rest of the snapshot kept.
            cpu_cores: hardware.cpu_cores.and_then(|n| i32::try_from(n).ok()),
            ram_bytes: hardware.ram_bytes.and_then(|n| i64::try_from(n).ok()),
            disks: json_list(&hardware.disks),
            is_virtual: hardware.is_virtual,
            lan_ip: non_empty(&device.network.lan_ip),
            wan_ip: non_empty(&device.network.wan_ip),
            ip_addresses: json_list(&device.network.ip_addresses),
            mac_addresses: json_list(&device.network.mac_addresses),
            current_user_name: non_empty(&device.users.current_user),
            last_logged_in_user: non_empty(&device.users.last_logged_in_user),
            installed_software: json_list(&device.installed_software),
        }
    }
}

/// Every write of a batch must come from the integration's own provider:
/// mappings are keyed by it.
pub(crate) fn check_provider(provider: &str, writes: &[&AssetWrite]) -> StoreResult<()> {
    match writes
        .iter()
        .find(|w| w.device.provider.as_str() != provider)
    {
        Some(w) => Err(invalid(format!(
            "device {:?} comes from provider {:?} but the integration is {provider:?}",
            w.device.external_id,
            w.device.provider.as_str()
        ))),
        None => Ok(()),
    }
}

/// What one batch writes, worked out the same way for both backends.
pub(crate) struct WritePlan<'a> {
    /// New assets, de-duplicated.
    pub(crate) creates: Vec<&'a AssetWrite>,
    /// Assets to update, de-duplicated.
    pub(crate) updates: Vec<&'a AssetWrite>,
    /// Creates then updates.
    pub(crate) all: Vec<&'a AssetWrite>,
    /// Extension rows for `workstation_assets`.
    pub(crate) workstations: Vec<ExtensionColumns>,
    /// Extension rows for `server_assets`.
    pub(crate) servers: Vec<ExtensionColumns>,
    /// Updated assets that are servers now: their `workstation_assets` row
    /// goes (a type change moves the extension row).
    pub(crate) updated_servers: Vec<&'a AssetWrite>,
    /// Updated assets that are not servers: their `server_assets` row goes.
    pub(crate) updated_workstations: Vec<&'a AssetWrite>,
}

impl<'a> WritePlan<'a> {
    /// The plan of a batch; `None` when it writes nothing.
    pub(crate) fn of(batch: &'a AssetBatch) -> StoreResult<Option<Self>> {
        let (creates, updates) = dedupe(&batch.creates, &batch.updates);
        if creates.is_empty() && updates.is_empty() {
            return Ok(None);
        }
        let all: Vec<&AssetWrite> = creates.iter().chain(&updates).copied().collect();
        let (mut workstations, mut servers) = (Vec::new(), Vec::new());
        for write in &all {
            let columns = ExtensionColumns::of(write);
            match columns.table {
                ExtensionTable::Workstation => workstations.push(columns),
                ExtensionTable::Server => servers.push(columns),
            }
        }
        let (updated_servers, updated_workstations) = updates.iter().partition(|w| {
            ExtensionTable::for_type(&w.device.device_type) == ExtensionTable::Server
        });
        Ok(Some(Self {
            creates,
            updates,
            all,
            workstations,
            servers,
            updated_servers,
            updated_workstations,
        }))
    }
}

/// A conflict when fewer rows were updated than asked: an asset was deleted
/// since the batch was correlated.
pub(crate) fn check_updated(updated: u64, expected: usize) -> StoreResult<()> {
    let expected = expected as u64;
    if updated < expected {
        return Err(StoreError::Conflict {
            message: format!(
                "{} of {expected} assets to update no longer exist; correlate the batch again",
                expected - updated
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use psa_ingest::contracts::{AgentStatus, DeviceLifecycle, NormalizedDevice};
    use psa_ingest::{AssetId, ClientId, ProviderId};

    fn write(external_id: &str, asset: AssetId, hash: &str) -> AssetWrite {
        AssetWrite {
            asset_id: asset,
            client_id: ClientId::new(),
            device: NormalizedDevice {
                provider: ProviderId::new("tanium").unwrap(),
                external_id: external_id.into(),
                scope_id: "s".into(),
                lifecycle: DeviceLifecycle::Active,
                device_type: DeviceType::Workstation,
                name: "pc".into(),
                serial_number: None,
                asset_tag: None,
                agent_status: AgentStatus::Online,
                last_seen_at: None,
                os: Default::default(),
                hardware: Default::default(),
                network: Default::default(),
                users: Default::default(),
                installed_software: vec![],
                extra: Default::default(),
            },
            content_hash: hash.into(),
        }
    }

    #[test]
    fn extension_rule() {
        assert_eq!(
            ExtensionTable::for_type(&DeviceType::Server),
            ExtensionTable::Server
        );
        for t in [
            DeviceType::Workstation,
            DeviceType::MobileDevice,
            DeviceType::NetworkDevice,
            DeviceType::Unknown,
        ] {
            assert_eq!(ExtensionTable::for_type(&t), ExtensionTable::Workstation);
        }
        assert_eq!(
            ExtensionTable::for_type(&DeviceType::parse("toaster")),
            ExtensionTable::Workstation
        );
    }

    #[test]
    fn dedupe_keeps_the_last_write_per_device_and_asset() {
        let a = AssetId::new();
        let b = AssetId::new();
        let creates = vec![
            write("d1", a, "old"),
            write("d1", a, "new"),
            write("d2", b, "x"),
        ];
        let updates = vec![write("d2", b, "y")];
        let (c, u) = dedupe(&creates, &updates);
        assert_eq!(
            c.iter()
                .map(|w| w.content_hash.as_str())
                .collect::<Vec<_>>(),
            ["new"]
        );
        assert_eq!(
            u.iter()
                .map(|w| w.content_hash.as_str())
                .collect::<Vec<_>>(),
            ["y"]
        );
    }
}
