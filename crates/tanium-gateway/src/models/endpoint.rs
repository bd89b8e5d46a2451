use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

psa_ingest::open_enum! {
    /// An endpoint's operating system family, as the Gateway names it.
    pub enum Platform {
        /// Windows.
        Windows => "Windows",
        /// Linux.
        Linux => "Linux",
        /// macOS.
        Mac => "Mac",
        /// Solaris.
        Solaris => "Solaris",
        /// AIX.
        Aix => "AIX",
        /// Tanium could not tell.
        Unknown => "Unknown",
    }
}

/// A Tanium endpoint as the Gateway reported it. Strings are kept as sent,
/// including sensor errors such as `"Error: No inventory has been collected"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// The endpoint id (`eid`). It can change: see `endpointIdChanges`.
    pub id: String,
    /// When Tanium first saw this endpoint id.
    pub eid_first_seen: Option<DateTime<Utc>>,
    /// When Tanium last heard from the endpoint: the online signal.
    pub eid_last_seen: Option<DateTime<Utc>>,
    /// The Tanium client's computer id.
    pub computer_id: Option<String>,
    /// The SMBIOS system UUID.
    pub system_uuid: Option<String>,
    /// Host name.
    pub name: Option<String>,
    /// DNS or AD domain.
    pub domain_name: Option<String>,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Primary IP address.
    pub ip_address: Option<String>,
    /// Every IP address.
    pub ip_addresses: Vec<String>,
    /// MAC addresses.
    pub mac_addresses: Vec<String>,
    /// The primary user.
    pub primary_user: Option<EndpointUser>,
    /// The last user who logged in.
    pub last_logged_in_user: Option<String>,
    /// Whether it is a virtual machine.
    pub is_virtual: Option<bool>,
    /// Whether its disks are encrypted.
    pub is_encrypted: Option<bool>,
    /// Chassis type, e.g. `Notebook`, `Rack Mount Chassis`, `Virtual`.
    pub chassis_type: Option<String>,
    /// Operating system.
    pub os: Option<EndpointOs>,
    /// Logical disks.
    pub disks: Vec<EndpointDisk>,
    /// Memory.
    pub memory: Option<EndpointMemory>,
    /// Processor.
    pub processor: Option<EndpointProcessor>,
    /// Network adapters.
    pub network_adapters: Vec<NetworkAdapter>,
    /// Installed applications.
    pub installed_applications: Vec<InstalledApplication>,
}

/// A user of an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointUser {
    /// User name.
    pub name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// Operating system facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointOs {
    /// Full name, e.g. `Windows Server 2022 Datacenter`.
    pub name: Option<String>,
    /// Family.
    pub platform: Option<Platform>,
    /// Generation, e.g. `Windows 11`.
    pub generation: Option<String>,
}

/// One logical disk; sizes are strings such as `"475.8 GB"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDisk {
    /// Drive letter or mount point.
    pub name: Option<String>,
    /// Free space.
    pub free: Option<String>,
    /// Size.
    pub total: Option<String>,
    /// Used share, e.g. `"42 %"`.
    pub used_percentage: Option<String>,
}

/// Memory sizes, as strings such as `"16384 MB"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointMemory {
    /// Total memory.
    pub total: Option<String>,
    /// Installed RAM.
    pub ram: Option<String>,
}

/// Processor facts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointProcessor {
    /// CPU description.
    pub cpu: Option<String>,
    /// Logical processor count.
    pub logical_processors: Option<i64>,
}

/// A network adapter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkAdapter {
    /// Adapter name.
    pub name: Option<String>,
    /// MAC address.
    pub mac_address: Option<String>,
}

/// An installed application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledApplication {
    /// Name; a sensor error looks like `"TSE-Error: ..."`.
    pub name: Option<String>,
    /// Version.
    pub version: Option<String>,
}
