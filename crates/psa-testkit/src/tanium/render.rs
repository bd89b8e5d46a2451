//! Records in the vendor's JSON shapes.

use crate::tanium::inventory::{SimEndpoint, SimGroup};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

pub(crate) fn time(value: DateTime<Utc>) -> String {
    value.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A Gateway `ComputerGroup`.
pub(crate) fn group(group: &SimGroup) -> Value {
    json!({
        "id": group.id,
        "name": group.name,
        "type": group.group_type,
        "managementRightsEnabled": true,
        "filterEnabled": group.group_type == "STANDARD",
        "expression": if group.group_type == "STANDARD" { format!("Computer Group equals \"{}\"", group.name) } else { String::new() },
    })
}

/// A Gateway `Endpoint` with the fields the client selects.
pub(crate) fn endpoint(e: &SimEndpoint) -> Value {
    let disks: Vec<Value> = e
        .disks
        .iter()
        .map(
            |d| json!({"name": d.name, "free": d.free, "total": d.total, "usedPercentage": "75 %"}),
        )
        .collect();
    let apps: Vec<Value> = e
        .applications
        .iter()
        .map(|a| json!({"name": a.name, "version": a.version}))
        .collect();
    let adapters: Vec<Value> = e
        .mac_addresses
        .iter()
        .enumerate()
        .map(|(i, mac)| json!({"name": format!("Ethernet{i}"), "macAddress": mac}))
        .collect();
    json!({
        "id": e.id,
        "eidFirstSeen": time(e.first_seen),
        "eidLastSeen": time(e.last_seen),
        "computerID": e.computer_id,
        "systemUUID": e.system_uuid,
        "name": e.name,
        "domainName": e.domain_name,
        "serialNumber": e.serial_number,
        "manufacturer": e.manufacturer,
        "model": e.model,
        "ipAddress": e.ip_address,
        "ipAddresses": e.ip_addresses,
        "macAddresses": e.mac_addresses,
        "primaryUser": {"name": e.primary_user, "email": e.primary_user_email},
        "lastLoggedInUser": e.last_logged_in_user,
        "isVirtual": e.is_virtual,
        "isEncrypted": e.is_encrypted,
        "chassisType": e.chassis_type,
        "os": {"name": e.os_name, "platform": e.os_platform, "generation": e.os_generation},
        "disks": disks,
        "memory": {"total": e.memory_total, "ram": e.memory_total},
        "processor": {"cpu": e.cpu, "logicalProcessors": e.logical_processors},
        "networking": {"adapters": adapters},
        "installedApplications": apps,
    })
}

/// An Asset API row (snake_case).
pub(crate) fn asset(e: &SimEndpoint) -> Value {
    json!({
        "id": e.asset_id,
        "computer_id": e.computer_id,
        "system_uuid": e.system_uuid,
        "computer_name": e.name,
        "serial_number": e.serial_number,
        "manufacturer": e.manufacturer,
        "model": e.model,
        "domain_name": e.domain_name,
        "user_name": e.last_logged_in_user,
        "operating_system": e.os_name,
        "os_platform": e.os_platform,
        "ip_address": e.ip_address,
        "ram": e.memory_total,
        "ci_network_adapter": e.mac_addresses.iter().map(|mac| json!({"mac_address": mac})).collect::<Vec<_>>(),
        "ci_installed_application": e.applications.iter().map(|a| json!({"name": a.name, "version": a.version})).collect::<Vec<_>>(),
        "ci_logical_disk": e.disks.iter().map(|d| json!({"name": d.name, "free_space": d.free, "size": d.total})).collect::<Vec<_>>(),
        "provider_type": "Tanium",
    })
}
