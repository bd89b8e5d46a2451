//! The simulated estate: computer groups and endpoints, generated
//! deterministically or built by hand.

use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeSet;

/// A computer group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimGroup {
    /// Group id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `STANDARD` or `MANUAL`.
    pub group_type: String,
}

impl SimGroup {
    /// A manual group.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            group_type: "MANUAL".to_owned(),
        }
    }
}

/// A logical disk; sizes as Tanium writes them (`"475.8 GB"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimDisk {
    /// Drive letter or mount point.
    pub name: String,
    /// Free space.
    pub free: String,
    /// Size.
    pub total: String,
}

/// An installed application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimApp {
    /// Name (may be a sensor error such as `"TSE-Error: ..."`).
    pub name: String,
    /// Version.
    pub version: String,
}

/// An endpoint. String fields are served as-is, so a test can put sensor
/// errors (`"Error: ..."`) anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEndpoint {
    /// Gateway endpoint id (`eid`).
    pub id: String,
    /// Asset API row id (ids start at 1).
    pub asset_id: u64,
    /// Tanium computer id.
    pub computer_id: String,
    /// SMBIOS UUID.
    pub system_uuid: String,
    /// Host name.
    pub name: String,
    /// Domain.
    pub domain_name: String,
    /// Serial number.
    pub serial_number: String,
    /// Manufacturer.
    pub manufacturer: String,
    /// Model.
    pub model: String,
    /// Primary IP address.
    pub ip_address: String,
    /// All IP addresses.
    pub ip_addresses: Vec<String>,
    /// MAC addresses.
    pub mac_addresses: Vec<String>,
    /// Primary user name.
    pub primary_user: String,
    /// Primary user e-mail.
    pub primary_user_email: String,
    /// Last logged-in user.
    pub last_logged_in_user: String,
    /// Virtual machine or not.
    pub is_virtual: bool,
    /// Disk encryption.
    pub is_encrypted: bool,
    /// Chassis type, e.g. `Notebook`.
    pub chassis_type: String,
    /// OS name.
    pub os_name: String,
    /// OS platform: `Windows`, `Linux`, `Mac`, `Solaris`, `AIX`, `Unknown`.
    pub os_platform: String,
    /// OS generation, e.g. `Windows 11`.
    pub os_generation: String,
    /// Total memory, e.g. `"16384 MB"`.
    pub memory_total: String,
    /// CPU description.
    pub cpu: String,
    /// Logical processors.
    pub logical_processors: i64,
    /// Disks.
    pub disks: Vec<SimDisk>,
    /// Installed applications.
    pub applications: Vec<SimApp>,
    /// When the id was first seen.
    pub first_seen: DateTime<Utc>,
    /// When Tanium last heard from it (`eidLastSeen`).
    pub last_seen: DateTime<Utc>,
    /// Ids of the groups it belongs to.
    pub groups: BTreeSet<String>,
    /// Whether the Gateway's data service still holds it. An endpoint aged
    /// out of TDS is only in the Asset API.
    pub in_tds: bool,
}

/// The six kinds of machine generated in turn.
const PROFILES: usize = 6;

impl SimEndpoint {
    /// The `n`-th generated endpoint, member of `group_id`, with times
    /// relative to `now`. Deterministic: the same `n` and `now` give the
    /// same endpoint. In turn: a Windows 11 laptop, a Windows Server 2022
    /// rack server, a macOS laptop, an Ubuntu server, a Windows 10 virtual
    /// machine and a machine whose sensors report errors. Every fifth one
    /// was last seen three days ago; the rest within the last half hour.
    pub fn generated(n: usize, group_id: &str, now: DateTime<Utc>) -> Self {
        let k = n as u64;
        let minutes_ago = if n % 5 == 4 {
            3 * 24 * 60
        } else {
            (n % 30) as i64
        };
        let mut endpoint = Self {
            id: (1000 + k).to_string(),
            asset_id: k + 1,
            computer_id: (2_000_000_000 + k * 7919).to_string(),
            system_uuid: format!("4C4C4544-0000-1000-8000-{k:012X}"),
            name: String::new(),
            domain_name: "acme.local".to_owned(),
            serial_number: format!("SN{k:08}"),
            manufacturer: String::new(),
            model: String::new(),
            ip_address: format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255),
            ip_addresses: Vec::new(),
            mac_addresses: vec![format!(
                "00:50:56:{:02X}:{:02X}:{:02X}",
                (k >> 16) & 255,
                (k >> 8) & 255,
                k & 255
            )],
            primary_user: format!("user{k}"),
            primary_user_email: format!("user{k}@acme.test"),
            last_logged_in_user: format!("ACME\\user{k}"),
            is_virtual: false,
            is_encrypted: true,
            chassis_type: String::new(),
            os_name: String::new(),
            os_platform: String::new(),
            os_generation: String::new(),
            memory_total: "16384 MB".to_owned(),
            cpu: "Intel(R) Core(TM) i7-1185G7 @ 3.00GHz".to_owned(),
            logical_processors: 8,
            disks: vec![SimDisk {
                name: "C:".to_owned(),
                free: "120.5 GB".to_owned(),
                total: "475.8 GB".to_owned(),
            }],
            applications: vec![
                SimApp {
                    name: "7-Zip".to_owned(),
                    version: "23.01".to_owned(),
                },
                SimApp {
                    name: "Google Chrome".to_owned(),
                    version: "124.0.6367.91".to_owned(),
                },
            ],
            first_seen: now - TimeDelta::days(90),
            last_seen: now - TimeDelta::minutes(minutes_ago),
            groups: BTreeSet::from([group_id.to_owned()]),
            in_tds: true,
        };
        endpoint.ip_addresses = vec![endpoint.ip_address.clone()];
        let set = |e: &mut Self,
                   prefix: &str,
                   os: (&str, &str, &str),
                   chassis: &str,
                   maker: (&str, &str)| {
            e.name = format!("{prefix}-{k:04}");
            (e.os_name, e.os_platform, e.os_generation) =
                (os.0.to_owned(), os.1.to_owned(), os.2.to_owned());
            e.chassis_type = chassis.to_owned();
            (e.manufacturer, e.model) = (maker.0.to_owned(), maker.1.to_owned());
        };
        match n % PROFILES {
            0 => set(
                &mut endpoint,
                "ws",
                ("Windows 11 Enterprise", "Windows", "Windows 11"),
                "Notebook",
                ("Dell Inc.", "Latitude 7440"),
            ),
            1 => {
                set(
                    &mut endpoint,
                    "srv",
                    (
                        "Windows Server 2022 Datacenter",
                        "Windows",
                        "Windows Server 2022",
                    ),
                    "Rack Mount Chassis",
                    ("HPE", "ProLiant DL380 Gen10"),
                );
                endpoint.memory_total = "65536 MB".to_owned();
                endpoint.primary_user = String::new();
                endpoint.primary_user_email = String::new();
            }
            2 => {
                set(
                    &mut endpoint,
                    "mac",
                    ("macOS 14.4.1", "Mac", "Sonoma"),
                    "Laptop",
                    ("Apple Inc.", "MacBook Pro"),
                );
                endpoint.memory_total = "32768 MB".to_owned();
            }
            3 => {
                set(
                    &mut endpoint,
                    "lnx",
                    ("Ubuntu 22.04.3 LTS", "Linux", "22.04"),
                    "Other",
                    ("Supermicro", "SYS-1029P"),
                );
                endpoint.disks = vec![SimDisk {
                    name: "/".to_owned(),
                    free: "200000 MB".to_owned(),
                    total: "512000 MB".to_owned(),
                }];
                endpoint.primary_user = String::new();
            }
            4 => {
                set(
                    &mut endpoint,
                    "vdi",
                    ("Windows 10 Enterprise", "Windows", "Windows 10"),
                    "Virtual",
                    ("VMware, Inc.", "VMware Virtual Platform"),
                );
                endpoint.is_virtual = true;
                endpoint.memory_total = "15.9 GB".to_owned();
            }
            _ => {
                let error = "Error: No inventory has been collected";
                set(
                    &mut endpoint,
                    "unk",
                    (error, "Unknown", error),
                    "TSE-Error: Sensor timed out",
                    (error, error),
                );
                endpoint.serial_number = error.to_owned();
                endpoint.primary_user = error.to_owned();
                endpoint.memory_total = error.to_owned();
                endpoint.applications.push(SimApp {
                    name: "TSE-Error: Sensor timed out".to_owned(),
                    version: String::new(),
                });
            }
        }
        endpoint
    }
}

/// How many endpoints to generate in a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSpec {
    /// Group id.
    pub id: String,
    /// Group name.
    pub name: String,
    /// Endpoints to generate in it.
    pub endpoints: usize,
}

impl GroupSpec {
    /// A group with `endpoints` generated members.
    pub fn new(id: impl Into<String>, name: impl Into<String>, endpoints: usize) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            endpoints,
        }
    }
}

/// Groups and endpoints the simulator starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    /// Computer groups, in listing order.
    pub groups: Vec<SimGroup>,
    /// Endpoints, in listing order.
    pub endpoints: Vec<SimEndpoint>,
}

impl Inventory {
    /// An empty estate.
    pub fn new() -> Self {
        Self::default()
    }

    /// Groups with generated members ([`SimEndpoint::generated`]), numbered
    /// across groups: the first group's endpoints get ids 1000, 1001...
    ///
    /// ```
    /// use chrono::Utc;
    /// use psa_testkit::tanium::{GroupSpec, Inventory};
    ///
    /// let inventory = Inventory::generate(&[GroupSpec::new("1", "Acme", 3), GroupSpec::new("2", "Globex", 2)], Utc::now());
    /// assert_eq!(inventory.endpoints.len(), 5);
    /// assert_eq!(inventory.endpoints[3].id, "1003");
    /// assert!(inventory.endpoints[3].groups.contains("2"));
    /// ```
    pub fn generate(groups: &[GroupSpec], now: DateTime<Utc>) -> Self {
        let mut inventory = Self::new();
        let mut n = 0;
        for spec in groups {
            inventory.groups.push(SimGroup::new(&spec.id, &spec.name));
            for _ in 0..spec.endpoints {
                inventory
                    .endpoints
                    .push(SimEndpoint::generated(n, &spec.id, now));
                n += 1;
            }
        }
        inventory
    }

    /// Adds a group.
    pub fn with_group(mut self, group: SimGroup) -> Self {
        self.groups.push(group);
        self
    }

    /// Adds an endpoint.
    pub fn with_endpoint(mut self, endpoint: SimEndpoint) -> Self {
        self.endpoints.push(endpoint);
        self
    }
}
