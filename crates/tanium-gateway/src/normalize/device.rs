//! Endpoint and asset rows into `NormalizedDevice`.

use crate::models::AssetRecord;
use crate::models::{Endpoint, EndpointDisk, InstalledApplication, Platform};
use crate::normalize::{
    DeviceFacts, agent_status, clean, device_type, lifecycle, parse_size, sensor_value,
};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use psa_ingest::ProviderId;
use psa_ingest::contracts::{
    AgentStatus, DeviceLifecycle, Disk, Hardware, NetworkInfo, NormalizedDevice, OsInfo, Software,
    UserInfo,
};
use serde_json::{Map, Value};

pub(super) fn from_endpoint(
    provider: &ProviderId,
    endpoint: &Endpoint,
    scope_id: &str,
    now: DateTime<Utc>,
    online_threshold: TimeDelta,
) -> NormalizedDevice {
    let os = endpoint.os.as_ref();
    let os_name = os.and_then(|o| clean(o.name.as_deref()));
    let platform = os
        .and_then(|o| o.platform.as_ref())
        .filter(|p| !matches!(p, Platform::Unknown))
        .map(|p| p.as_str().to_owned());
    let chassis = clean(endpoint.chassis_type.as_deref());
    let status = agent_status(endpoint.eid_last_seen, now, online_threshold);

    let lan_ip = clean(endpoint.ip_address.as_deref());
    let mut ip_addresses = Vec::new();
    push_unique(&mut ip_addresses, lan_ip.clone());
    for ip in &endpoint.ip_addresses {
        push_unique(&mut ip_addresses, clean(Some(ip)));
    }
    let mut mac_addresses = Vec::new();
    for mac in &endpoint.mac_addresses {
        push_unique(&mut mac_addresses, clean(Some(mac)));
    }
    for adapter in &endpoint.network_adapters {
        push_unique(&mut mac_addresses, clean(adapter.mac_address.as_deref()));
    }

    let primary_user = endpoint
        .primary_user
        .as_ref()
        .and_then(|u| clean(u.name.as_deref()));
    let last_user = clean(endpoint.last_logged_in_user.as_deref());
    let memory = endpoint.memory.as_ref();
    let processor = endpoint.processor.as_ref();

    let mut extra = Map::new();
    extra.insert("source".into(), "gateway".into());
    put(
        &mut extra,
        "computer_id",
        clean(endpoint.computer_id.as_deref()),
    );
    put(
        &mut extra,
        "system_uuid",
        clean(endpoint.system_uuid.as_deref()),
    );
    put(
        &mut extra,
        "domain_name",
        clean(endpoint.domain_name.as_deref()),
    );
    put(&mut extra, "chassis_type", chassis.clone());
    put(
        &mut extra,
        "primary_user_email",
        endpoint
            .primary_user
            .as_ref()
            .and_then(|u| clean(u.email.as_deref())),
    );
    if let Some(encrypted) = endpoint.is_encrypted {
        extra.insert("is_encrypted".into(), encrypted.into());
    }
    if let Some(first_seen) = endpoint.eid_first_seen {
        extra.insert(
            "eid_first_seen".into(),
            first_seen.to_rfc3339_opts(SecondsFormat::Secs, true).into(),
        );
    }

    NormalizedDevice {
        provider: provider.clone(),
        external_id: endpoint.id.clone(),
        scope_id: scope_id.to_owned(),
        lifecycle: lifecycle(&status),
        device_type: device_type(&DeviceFacts {
            platform: platform.as_deref(),
            os_name: os_name.as_deref(),
            chassis_type: chassis.as_deref(),
            is_virtual: endpoint.is_virtual,
        }),
        name: display_name(
            &[endpoint.name.as_deref(), endpoint.computer_id.as_deref()],
            &endpoint.id,
        ),
        serial_number: clean(endpoint.serial_number.as_deref()),
        asset_tag: None,
        agent_status: status,
        last_seen_at: endpoint.eid_last_seen,
        os: OsInfo {
            name: os_name,
            version: os.and_then(|o| clean(o.generation.as_deref())),
            platform,
        },
        hardware: Hardware {
            manufacturer: clean(endpoint.manufacturer.as_deref()),
            model: clean(endpoint.model.as_deref()),
            cpu: processor.and_then(|p| clean(p.cpu.as_deref())),
            cpu_cores: processor
                .and_then(|p| p.logical_processors)
                .and_then(|n| u32::try_from(n).ok())
                .filter(|n| *n > 0),
            ram_bytes: memory.and_then(|m| {
                m.total
                    .as_deref()
                    .and_then(parse_size)
                    .or_else(|| m.ram.as_deref().and_then(parse_size))
            }),
            disks: disks(&endpoint.disks),
            is_virtual: endpoint.is_virtual,
        },
        network: NetworkInfo {
            lan_ip,
            wan_ip: None,
            ip_addresses,
            mac_addresses,
        },
        users: UserInfo {
            current_user: primary_user.or_else(|| last_user.clone()),
            last_logged_in_user: last_user,
        },
        installed_software: software(&endpoint.installed_applications),
        extra,
    }
}

pub(super) fn from_asset(
    provider: &ProviderId,
    record: &AssetRecord,
    scope_id: &str,
) -> NormalizedDevice {
    let os_name = clean(record.operating_system.as_deref());
    let platform = clean(record.os_platform.as_deref());
    let lan_ip = clean(record.ip_address.as_deref());
    let mut mac_addresses = Vec::new();
    for adapter in &record.network_adapters {
        push_unique(&mut mac_addresses, clean(adapter.mac_address.as_deref()));
    }
    let user = clean(record.user_name.as_deref());

    let mut extra = Map::new();
    extra.insert("source".into(), "asset_api".into());
    extra.insert("asset_id".into(), record.id.clone().into());
    put(
        &mut extra,
        "computer_id",
        clean(record.computer_id.as_deref()),
    );
    put(
        &mut extra,
        "system_uuid",
        clean(record.system_uuid.as_deref()),
    );
    put(
        &mut extra,
        "domain_name",
        clean(record.domain_name.as_deref()),
    );
    put(
        &mut extra,
        "provider_type",
        clean(record.provider_type.as_deref()),
    );

    NormalizedDevice {
        provider: provider.clone(),
        external_id: format!("asset:{}", record.id),
        scope_id: scope_id.to_owned(),
        // Only in the Asset API: aged out of the Gateway's data service, so
        // not reporting lately; the row carries no last-seen time.
        lifecycle: DeviceLifecycle::Offline,
        device_type: device_type(&DeviceFacts {
            platform: platform.as_deref(),
            os_name: os_name.as_deref(),
            chassis_type: None,
            is_virtual: None,
        }),
        name: display_name(
            &[
                record.computer_name.as_deref(),
                record.computer_id.as_deref(),
            ],
            &record.id,
        ),
        serial_number: clean(record.serial_number.as_deref()),
        asset_tag: None,
        agent_status: AgentStatus::Unknown,
        last_seen_at: None,
        os: OsInfo {
            name: os_name,
            version: None,
            platform,
        },
        hardware: Hardware {
            manufacturer: clean(record.manufacturer.as_deref()),
            model: clean(record.model.as_deref()),
            cpu: None,
            cpu_cores: None,
            ram_bytes: record.ram.as_deref().and_then(parse_size),
            disks: disks(&record.logical_disks),
            is_virtual: None,
        },
        network: NetworkInfo {
            ip_addresses: lan_ip.iter().cloned().collect(),
            lan_ip,
            wan_ip: None,
            mac_addresses,
        },
        users: UserInfo {
            current_user: user.clone(),
            last_logged_in_user: user,
        },
        installed_software: software(&record.installed_applications),
        extra,
    }
}

fn display_name(candidates: &[Option<&str>], id: &str) -> String {
    candidates
        .iter()
        .find_map(|c| c.and_then(sensor_value))
        .unwrap_or(id)
        .to_owned()
}

/// Adds a value unless missing or already there (case-insensitive).
fn push_unique(values: &mut Vec<String>, value: Option<String>) {
    if let Some(value) = value
        && !values.iter().any(|v| v.eq_ignore_ascii_case(&value))
    {
        values.push(value);
    }
}

fn put(extra: &mut Map<String, Value>, key: &str, value: Option<String>) {
    if let Some(value) = value {
        extra.insert(key.to_owned(), value.into());
    }
}

fn disks(disks: &[EndpointDisk]) -> Vec<Disk> {
    disks
        .iter()
        .filter_map(|d| {
            Some(Disk {
                name: clean(d.name.as_deref())?,
                total_bytes: d.total.as_deref().and_then(parse_size),
                free_bytes: d.free.as_deref().and_then(parse_size),
            })
        })
        .collect()
}

fn software(applications: &[InstalledApplication]) -> Vec<Software> {
    applications
        .iter()
        .filter_map(|a| {
            Some(Software {
                name: clean(a.name.as_deref())?,
                version: clean(a.version.as_deref()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{
        EndpointMemory, EndpointOs, EndpointProcessor, EndpointUser, NetworkAdapter,
    };
    use crate::normalize::Normalizer;
    use chrono::TimeZone;
    use psa_ingest::contracts::DeviceType;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
    }

    fn endpoint() -> Endpoint {
        Endpoint {
            id: "1001".into(),
            eid_last_seen: Some(now() - TimeDelta::minutes(5)),
            computer_id: Some("2233445566".into()),
            name: Some("ws-0001.acme.local".into()),
            serial_number: Some("Error: No inventory has been collected".into()),
            ip_address: Some("10.0.0.5".into()),
            ip_addresses: vec!["10.0.0.5".into(), "fe80::1".into()],
            mac_addresses: vec!["00:11:22:33:44:55".into()],
            primary_user: Some(EndpointUser {
                name: Some("Error: No inventory has been collected".into()),
                email: None,
            }),
            last_logged_in_user: Some("ACME\\alice".into()),
            is_virtual: Some(false),
            chassis_type: Some("Notebook".into()),
            os: Some(EndpointOs {
                name: Some("Windows 11 Enterprise".into()),
                platform: Some(Platform::Windows),
                generation: Some("Windows 11".into()),
            }),
            disks: vec![
                EndpointDisk {
                    name: Some("C:".into()),
                    free: Some("120.5 GB".into()),
                    total: Some("475.8 GB".into()),
                    used_percentage: None,
                },
                EndpointDisk {
                    name: Some("TSE-Error: no disks".into()),
                    ..Default::default()
                },
            ],
            memory: Some(EndpointMemory {
                total: Some("16384 MB".into()),
                ram: None,
            }),
            processor: Some(EndpointProcessor {
                cpu: Some("Intel(R) Core(TM) i7".into()),
                logical_processors: Some(8),
            }),
            network_adapters: vec![
                NetworkAdapter {
                    name: Some("Wi-Fi".into()),
                    mac_address: Some("00:11:22:33:44:55".into()),
                },
                NetworkAdapter {
                    name: Some("Ethernet".into()),
                    mac_address: Some("66:77:88:99:AA:BB".into()),
                },
            ],
            installed_applications: vec![
                InstalledApplication {
                    name: Some("7-Zip".into()),
                    version: Some("23.01".into()),
                },
                InstalledApplication {
                    name: Some("TSE-Error: Sensor timed out".into()),
                    version: None,
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn an_endpoint_becomes_a_device() {
        let device = Normalizer::default().device(&endpoint(), "42", now());
        assert_eq!(device.external_id, "1001");
        assert_eq!(device.scope_id, "42");
        assert_eq!(device.device_type, DeviceType::Workstation);
        assert_eq!(device.agent_status, AgentStatus::Online);
        assert_eq!(device.lifecycle, DeviceLifecycle::Active);
        assert_eq!(
            device.serial_number, None,
            "sensor error is a missing value"
        );
        assert_eq!(
            device.users.current_user.as_deref(),
            Some("ACME\\alice"),
            "falls back to the last user"
        );
        assert_eq!(device.hardware.ram_bytes, Some(16384 * 1024 * 1024));
        assert_eq!(device.hardware.cpu_cores, Some(8));
        assert_eq!(device.hardware.disks.len(), 1);
        assert_eq!(device.network.ip_addresses, ["10.0.0.5", "fe80::1"]);
        assert_eq!(
            device.network.mac_addresses,
            ["00:11:22:33:44:55", "66:77:88:99:AA:BB"]
        );
        assert_eq!(device.installed_software.len(), 1);
        assert_eq!(device.os.platform.as_deref(), Some("Windows"));
        assert_eq!(
            device.extra.get("computer_id"),
            Some(&Value::from("2233445566"))
        );
    }

    #[test]
    fn the_primary_user_wins_over_the_last_user() {
        let mut endpoint = endpoint();
        endpoint.primary_user = Some(EndpointUser {
            name: Some("bob".into()),
            email: Some("bob@acme.test".into()),
        });
        let device = Normalizer::default().device(&endpoint, "42", now());
        assert_eq!(device.users.current_user.as_deref(), Some("bob"));
        assert_eq!(
            device.users.last_logged_in_user.as_deref(),
            Some("ACME\\alice")
        );
    }

    #[test]
    fn a_stale_endpoint_is_offline_not_online() {
        let mut endpoint = endpoint();
        endpoint.eid_last_seen = Some(now() - TimeDelta::days(2));
        let device = Normalizer::new(TimeDelta::minutes(30)).device(&endpoint, "42", now());
        assert_eq!(device.agent_status, AgentStatus::Offline);
        assert_eq!(device.lifecycle, DeviceLifecycle::Offline);
        endpoint.eid_last_seen = None;
        let device = Normalizer::default().device(&endpoint, "42", now());
        assert_eq!(device.agent_status, AgentStatus::Unknown);
    }

    #[test]
    fn a_nameless_endpoint_uses_its_computer_id() {
        let mut endpoint = endpoint();
        endpoint.name = Some("Error: x".into());
        assert_eq!(
            Normalizer::default().device(&endpoint, "1", now()).name,
            "2233445566"
        );
    }

    #[test]
    fn an_asset_row_becomes_an_offline_device() {
        let record = AssetRecord {
            id: "17".into(),
            computer_name: Some("old-srv".into()),
            operating_system: Some("Windows Server 2016 Standard".into()),
            os_platform: Some("Windows".into()),
            ram: Some("8192 MB".into()),
            user_name: Some("[no results]".into()),
            ..Default::default()
        };
        let device = Normalizer::default().asset_device(&record, "42");
        assert_eq!(device.external_id, "asset:17");
        assert_eq!(device.device_type, DeviceType::Server);
        assert_eq!(device.lifecycle, DeviceLifecycle::Offline);
        assert_eq!(device.hardware.ram_bytes, Some(8192 * 1024 * 1024));
        assert_eq!(device.users.current_user, None);
    }
}
