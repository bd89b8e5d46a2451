//! Which PSA asset type a Tanium endpoint becomes.

use crate::normalize::sensor_value;
use psa_ingest::contracts::DeviceType;

/// What the device type is decided from. Values may be raw (sensor errors
/// are ignored here).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceFacts<'a> {
    /// OS platform, e.g. `Windows`, `Linux`, `Mac`.
    pub platform: Option<&'a str>,
    /// OS name, e.g. `Windows Server 2022 Datacenter`.
    pub os_name: Option<&'a str>,
    /// Chassis type, e.g. `Notebook`, `Rack Mount Chassis`, `Virtual`.
    pub chassis_type: Option<&'a str>,
    /// Whether it is a virtual machine.
    pub is_virtual: Option<bool>,
}

/// The operating system family, from the platform or else the OS name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Windows,
    Mac,
    Linux,
    Unix,
    Mobile,
    Unknown,
}

const LINUX_NAMES: &[&str] = &[
    "linux",
    "ubuntu",
    "debian",
    "centos",
    "red hat",
    "rhel",
    "suse",
    "fedora",
    "rocky",
    "alma",
    "oracle linux",
];
const SERVER_CHASSIS: &[&str] = &[
    "server",
    "rack mount",
    "blade",
    "multi-system",
    "expansion chassis",
];
const PORTABLE_CHASSIS: &[&str] = &[
    "notebook",
    "laptop",
    "portable",
    "convertible",
    "detachable",
    "hand held",
    "tablet",
];
const DESKTOP_CHASSIS: &[&str] = &[
    "desktop",
    "tower",
    "all in one",
    "all-in-one",
    "space-saving",
    "lunch box",
    "mini pc",
    "stick pc",
];

fn contains_any(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|needle| text.contains(needle))
}

fn family(platform: &str, os_name: &str) -> Family {
    let by_name = |name: &str| {
        if name.starts_with("ios") || name.starts_with("ipados") || name.starts_with("android") {
            Family::Mobile
        } else if name.contains("windows") {
            Family::Windows
        } else if name.contains("mac") || name.contains("os x") || name.contains("darwin") {
            Family::Mac
        } else if contains_any(name, LINUX_NAMES) {
            Family::Linux
        } else if name.contains("solaris") || name.contains("aix") {
            Family::Unix
        } else {
            Family::Unknown
        }
    };
    match platform {
        "windows" => Family::Windows,
        "mac" => Family::Mac,
        "linux" => Family::Linux,
        "solaris" | "aix" => Family::Unix,
        "ios" | "ipados" | "android" => Family::Mobile,
        _ => by_name(os_name),
    }
}

/// Decides the device type:
///
/// 1. a phone or tablet OS (iOS, iPadOS, Android) is a mobile device;
/// 2. an OS name saying "server", a server chassis (rack mount, blade...)
///    or Solaris/AIX is a server;
/// 3. Windows and macOS are workstations;
/// 4. Linux on a laptop or desktop chassis is a workstation, otherwise a
///    server (virtual or not: that is where Linux runs in managed estates);
/// 5. an unknown OS on a laptop or desktop chassis is a workstation;
///    anything else is unknown.
///
/// ```
/// use psa_ingest::contracts::DeviceType;
/// use tanium_gateway::normalize::{device_type, DeviceFacts};
///
/// let facts = DeviceFacts { platform: Some("Windows"), os_name: Some("Windows Server 2022 Standard"), ..Default::default() };
/// assert_eq!(device_type(&facts), DeviceType::Server);
/// ```
pub fn device_type(facts: &DeviceFacts<'_>) -> DeviceType {
    let lower = |value: Option<&str>| {
        value
            .and_then(sensor_value)
            .map(str::to_ascii_lowercase)
            .unwrap_or_default()
    };
    let platform = lower(facts.platform);
    let os_name = lower(facts.os_name);
    let chassis = lower(facts.chassis_type);
    let family = family(&platform, &os_name);
    let user_chassis =
        contains_any(&chassis, PORTABLE_CHASSIS) || contains_any(&chassis, DESKTOP_CHASSIS);

    if family == Family::Mobile {
        return DeviceType::MobileDevice;
    }
    if os_name.contains("server")
        || contains_any(&chassis, SERVER_CHASSIS)
        || family == Family::Unix
    {
        return DeviceType::Server;
    }
    match family {
        Family::Windows | Family::Mac => DeviceType::Workstation,
        Family::Linux if user_chassis => DeviceType::Workstation,
        Family::Linux => DeviceType::Server,
        _ if user_chassis => DeviceType::Workstation,
        _ => DeviceType::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(
        platform: &'a str,
        os: &'a str,
        chassis: &'a str,
        is_virtual: Option<bool>,
    ) -> DeviceFacts<'a> {
        let some = |s: &'a str| (!s.is_empty()).then_some(s);
        DeviceFacts {
            platform: some(platform),
            os_name: some(os),
            chassis_type: some(chassis),
            is_virtual,
        }
    }

    #[test]
    fn real_world_values() {
        use DeviceType::*;
        let cases = [
            // (platform, OS name, chassis, virtual) -> type
            (
                facts(
                    "Windows",
                    "Windows Server 2022 Datacenter",
                    "Rack Mount Chassis",
                    Some(false),
                ),
                Server,
            ),
            (
                facts(
                    "Windows",
                    "Windows Server 2019 Standard",
                    "Virtual",
                    Some(true),
                ),
                Server,
            ),
            (
                facts("Windows", "Windows 11 Enterprise", "Notebook", Some(false)),
                Workstation,
            ),
            (
                facts("Windows", "Windows 10 Pro", "Desktop", Some(false)),
                Workstation,
            ),
            (
                facts("Windows", "Windows 10 Enterprise", "Virtual", Some(true)),
                Workstation,
            ),
            (
                facts("Mac", "macOS 14.4.1", "Laptop", Some(false)),
                Workstation,
            ),
            (facts("Mac", "Mac OS X 10.15.7", "", None), Workstation),
            (
                facts(
                    "Linux",
                    "Ubuntu 22.04.3 LTS",
                    "Rack Mount Chassis",
                    Some(false),
                ),
                Server,
            ),
            (
                facts("Linux", "Ubuntu Server 22.04 LTS", "Other", Some(false)),
                Server,
            ),
            (
                facts("Linux", "CentOS Linux 7 (Core)", "Virtual", Some(true)),
                Server,
            ),
            (
                facts("Linux", "Ubuntu 22.04 LTS", "Notebook", Some(false)),
                Workstation,
            ),
            (facts("Solaris", "Oracle Solaris 11.4", "", None), Server),
            (
                facts("Unknown", "Red Hat Enterprise Linux 9.2", "", Some(true)),
                Server,
            ),
            (facts("", "Android 14", "", None), MobileDevice),
            (facts("Unknown", "", "Laptop", None), Workstation),
            (facts("Unknown", "", "", Some(true)), Unknown),
            (facts("", "", "", None), Unknown),
            (
                facts(
                    "Windows",
                    "Error: No inventory has been collected",
                    "Notebook",
                    None,
                ),
                Workstation,
            ),
            (
                facts(
                    "Unknown",
                    "TSE-Error: sensor timed out",
                    "Error: none",
                    None,
                ),
                Unknown,
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(device_type(&input), expected, "{input:?}");
        }
    }
}
