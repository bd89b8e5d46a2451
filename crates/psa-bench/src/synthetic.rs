//! Deterministic synthetic devices shaped like a real inventory: a handful
//! of addresses, disks and installed applications each.

use chrono::{TimeZone, Utc};
use psa_ingest::ProviderId;
use psa_ingest::contracts::{
    AgentStatus, DeviceLifecycle, DeviceType, Disk, Hardware, NetworkInfo, NormalizedDevice,
    OsInfo, Software, UserInfo,
};

/// Scopes the devices are spread over.
pub(crate) const SCOPES: usize = 10;

/// The scope id of scope `i`.
pub(crate) fn scope_id(i: usize) -> String {
    format!("group-{i}")
}

/// Device `i` of an inventory. `revision` changes what a "changed" device
/// looks like: devices with `i % 10 == 0` differ between revisions.
pub(crate) fn device(provider: &ProviderId, i: usize, revision: u32) -> NormalizedDevice {
    let changed = if i.is_multiple_of(10) { revision } else { 0 };
    let server = i.is_multiple_of(5);
    NormalizedDevice {
        provider: provider.clone(),
        external_id: format!("endpoint-{i:08}"),
        scope_id: scope_id(i % SCOPES),
        lifecycle: DeviceLifecycle::Active,
        device_type: if server {
            DeviceType::Server
        } else {
            DeviceType::Workstation
        },
        name: format!("host-{i:08}"),
        serial_number: Some(format!("SN{i:010}")),
        asset_tag: None,
        agent_status: AgentStatus::Online,
        last_seen_at: Some(
            Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap()
                + chrono::Duration::minutes(i64::from(changed)),
        ),
        os: OsInfo {
            name: Some(
                if server {
                    "Windows Server 2022 Datacenter"
                } else {
                    "Windows 11 Enterprise"
                }
                .to_owned(),
            ),
            version: Some(format!("10.0.{}", 22_631 + changed)),
            platform: Some("Windows".to_owned()),
        },
        hardware: Hardware {
            manufacturer: Some("Dell Inc.".to_owned()),
            model: Some("OptiPlex 7090".to_owned()),
            cpu: Some("Intel(R) Core(TM) i7-11700 CPU @ 2.50GHz".to_owned()),
            cpu_cores: Some(16),
            ram_bytes: Some(17_179_869_184),
            disks: vec![
                Disk {
                    name: "C:".to_owned(),
                    total_bytes: Some(512_110_190_592),
                    free_bytes: Some(200_000_000_000),
                },
                Disk {
                    name: "D:".to_owned(),
                    total_bytes: Some(1_000_204_886_016),
                    free_bytes: Some(900_000_000_000),
                },
            ],
            is_virtual: Some(false),
        },
        network: NetworkInfo {
            lan_ip: Some(format!(
                "10.{}.{}.{}",
                (i >> 16) & 255,
                (i >> 8) & 255,
                i & 255
            )),
            wan_ip: Some("203.0.113.10".to_owned()),
            ip_addresses: vec![
                format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
                "fe80::1".to_owned(),
            ],
            mac_addresses: vec![format!(
                "00:50:56:{:02x}:{:02x}:{:02x}",
                (i >> 16) & 255,
                (i >> 8) & 255,
                i & 255
            )],
        },
        users: UserInfo {
            current_user: Some(format!("user{}", i % 997)),
            last_logged_in_user: Some(format!("user{}", i % 997)),
        },
        installed_software: [
            "7-Zip",
            "Google Chrome",
            "Microsoft Edge",
            "Microsoft Office",
            "Zoom",
            "Slack",
            "Notepad++",
            "VLC",
        ]
        .iter()
        .map(|name| Software {
            name: (*name).to_owned(),
            version: Some("1.2.3".to_owned()),
        })
        .collect(),
        extra: serde_json::Map::new(),
    }
}
