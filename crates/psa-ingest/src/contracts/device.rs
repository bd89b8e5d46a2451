use crate::ProviderId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::open_enum! {
    /// Where a device is in its life as the provider sees it.
    pub enum DeviceLifecycle {
        /// Managed and reporting.
        Active => "active",
        /// Managed but not reporting lately.
        Offline => "offline",
        /// Removed by the provider.
        Deleted => "deleted",
        /// Gone from the provider without an explicit delete (aged out).
        Tombstoned => "tombstoned",
    }
}

impl DeviceLifecycle {
    /// True for `deleted` and `tombstoned`: the asset should be retired.
    pub fn is_gone(&self) -> bool {
        matches!(self, Self::Deleted | Self::Tombstoned)
    }
}

crate::open_enum! {
    /// The PSA asset type a device becomes.
    pub enum DeviceType {
        /// A desktop or laptop.
        Workstation => "workstation",
        /// A server, physical or virtual.
        Server => "server",
        /// A switch, router, firewall or access point.
        NetworkDevice => "network_device",
        /// A phone or tablet.
        MobileDevice => "mobile_device",
        /// Not enough information to tell.
        Unknown => "unknown",
    }
}

crate::open_enum! {
    /// Whether the provider's agent on the device is reporting.
    pub enum AgentStatus {
        /// Reported recently.
        Online => "online",
        /// Has not reported for a while.
        Offline => "offline",
        /// Late beyond what the provider considers normal.
        Overdue => "overdue",
        /// The provider gives no signal.
        Unknown => "unknown",
    }
}

/// Operating system facts. `None` fields were not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsInfo {
    /// Full name, e.g. `Windows Server 2022 Datacenter`.
    pub name: Option<String>,
    /// Version or build.
    pub version: Option<String>,
    /// Platform family, e.g. `Windows`, `Linux`, `Mac`.
    pub platform: Option<String>,
}

/// One logical disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disk {
    /// Mount point or drive letter.
    pub name: String,
    /// Total size in bytes.
    pub total_bytes: Option<u64>,
    /// Free space in bytes.
    pub free_bytes: Option<u64>,
}

/// Hardware facts. `None` fields were not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hardware {
    /// Manufacturer, e.g. `Dell Inc.`.
    pub manufacturer: Option<String>,
    /// Model name.
    pub model: Option<String>,
    /// CPU description.
    pub cpu: Option<String>,
    /// Logical processor count.
    pub cpu_cores: Option<u32>,
    /// Installed memory in bytes.
    pub ram_bytes: Option<u64>,
    /// Disks; empty when not sent.
    #[serde(default)]
    pub disks: Vec<Disk>,
    /// Whether the device is a virtual machine.
    pub is_virtual: Option<bool>,
}

/// Network facts. Empty lists mean not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInfo {
    /// Primary LAN address.
    pub lan_ip: Option<String>,
    /// Public address seen by the provider.
    pub wan_ip: Option<String>,
    /// Every address the device reported.
    #[serde(default)]
    pub ip_addresses: Vec<String>,
    /// MAC addresses.
    #[serde(default)]
    pub mac_addresses: Vec<String>,
}

/// Who uses the device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The primary user, else the last logged-in user.
    pub current_user: Option<String>,
    /// The last logged-in user as reported.
    pub last_logged_in_user: Option<String>,
}

/// One installed application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Software {
    /// Application name.
    pub name: String,
    /// Version, when known.
    pub version: Option<String>,
}

/// A device as one provider saw it at one moment.
///
/// `None` (or an empty list) means the provider did not send the value; the
/// engine then keeps what is stored rather than erasing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedDevice {
    /// The provider that reported it.
    pub provider: ProviderId,
    /// The provider's id for the device.
    pub external_id: String,
    /// The external id of the scope the device belongs to.
    pub scope_id: String,
    /// Where the device is in its life.
    pub lifecycle: DeviceLifecycle,
    /// The asset type it becomes.
    pub device_type: DeviceType,
    /// Host name.
    pub name: String,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Asset tag.
    pub asset_tag: Option<String>,
    /// Whether the agent is reporting.
    pub agent_status: AgentStatus,
    /// When the provider last heard from the device.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Operating system.
    #[serde(default)]
    pub os: OsInfo,
    /// Hardware.
    #[serde(default)]
    pub hardware: Hardware,
    /// Network.
    #[serde(default)]
    pub network: NetworkInfo,
    /// Users.
    #[serde(default)]
    pub users: UserInfo,
    /// Installed software; empty when not sent.
    #[serde(default)]
    pub installed_software: Vec<Software>,
    /// Provider-specific extras, kept in the asset's attributes.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A provider changed a device's id (Tanium `endpointIdChanges`): the asset
/// is re-keyed instead of duplicated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalIdChange {
    /// The id the asset is mapped under now.
    pub old_id: String,
    /// The id the provider uses from now on.
    pub new_id: String,
}
