//! Asset API rows, decoded tolerantly: one odd row is skipped with a reason,
//! never the whole page.

use crate::models::{EndpointDisk, InstalledApplication, NetworkAdapter};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One asset as the Asset API returns it (snake_case row). Strings are kept
/// as sent, sensor errors included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRecord {
    /// The Asset API's id for the row.
    pub id: String,
    /// The Tanium client's computer id.
    pub computer_id: Option<String>,
    /// SMBIOS system UUID.
    pub system_uuid: Option<String>,
    /// Host name.
    pub computer_name: Option<String>,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Manufacturer.
    pub manufacturer: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Domain.
    pub domain_name: Option<String>,
    /// Logged-in user.
    pub user_name: Option<String>,
    /// Operating system name.
    pub operating_system: Option<String>,
    /// Platform, e.g. `Windows`.
    pub os_platform: Option<String>,
    /// Primary IP address.
    pub ip_address: Option<String>,
    /// Installed memory, e.g. `"16384 MB"`.
    pub ram: Option<String>,
    /// Network adapters (`ci_network_adapter`).
    pub network_adapters: Vec<NetworkAdapter>,
    /// Installed applications (`ci_installed_application`).
    pub installed_applications: Vec<InstalledApplication>,
    /// Logical disks (`ci_logical_disk`).
    pub logical_disks: Vec<EndpointDisk>,
    /// Where the row came from, e.g. `Tanium`.
    pub provider_type: Option<String>,
    /// Every other field of the row, as sent.
    pub extra: Map<String, Value>,
}

/// Fields read into named [`AssetRecord`] fields; the rest go to `extra`.
const KNOWN: &[&str] = &[
    "id",
    "computer_id",
    "system_uuid",
    "computer_name",
    "serial_number",
    "manufacturer",
    "model",
    "domain_name",
    "user_name",
    "operating_system",
    "os_platform",
    "ip_address",
    "ram",
    "ci_network_adapter",
    "ci_installed_application",
    "ci_logical_disk",
    "provider_type",
];

impl AssetRecord {
    /// Reads one row. Only a missing or unusable `id` is an error; other
    /// fields of an unexpected type are read as well as they can be.
    pub fn from_json(row: &Value) -> Result<Self, String> {
        let Value::Object(fields) = row else {
            return Err(format!("expected an object, got {}", kind(row)));
        };
        let id = text(fields.get("id")).ok_or_else(|| "the row has no usable \"id\"".to_owned())?;
        let get = |name: &str| text(fields.get(name));
        Ok(Self {
            id,
            computer_id: get("computer_id"),
            system_uuid: get("system_uuid"),
            computer_name: get("computer_name"),
            serial_number: get("serial_number"),
            manufacturer: get("manufacturer"),
            model: get("model"),
            domain_name: get("domain_name"),
            user_name: get("user_name"),
            operating_system: get("operating_system"),
            os_platform: get("os_platform"),
            ip_address: get("ip_address"),
            ram: get("ram"),
            network_adapters: items(fields.get("ci_network_adapter"))
                .map(|a| NetworkAdapter {
                    name: field(a, &["name", "adapter_name"]),
                    mac_address: field(a, &["mac_address", "macaddress", "mac"]),
                })
                .collect(),
            installed_applications: items(fields.get("ci_installed_application"))
                .map(|a| InstalledApplication {
                    name: field(a, &["name"]),
                    version: field(a, &["version"]),
                })
                .collect(),
            logical_disks: items(fields.get("ci_logical_disk"))
                .map(|d| EndpointDisk {
                    name: field(d, &["name", "drive_letter", "mount_point"]),
                    free: field(d, &["free_space", "free"]),
                    total: field(d, &["size", "total", "total_space"]),
                    used_percentage: field(d, &["used_percentage"]),
                })
                .collect(),
            provider_type: get("provider_type"),
            extra: fields
                .iter()
                .filter(|(name, _)| !KNOWN.contains(&name.as_str()))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        })
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A scalar as text; null, arrays and objects are missing.
pub(crate) fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The objects of a list field. A lone object counts as a list of one;
/// anything else as an empty list (vendors send odd shapes).
fn items(value: Option<&Value>) -> impl Iterator<Item = &Map<String, Value>> {
    let list: Vec<&Map<String, Value>> = match value {
        Some(Value::Array(values)) => values.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(object)) => vec![object],
        _ => Vec::new(),
    };
    list.into_iter()
}

/// The first of `names` present as a scalar.
fn field(object: &Map<String, Value>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| text(object.get(*name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_a_row_and_keeps_unknown_fields() {
        let row = json!({
            "id": 17, "computer_name": "ws-01", "ram": "16384 MB",
            "ci_network_adapter": [{"name": "eth0", "mac_address": "00:11:22:33:44:55"}],
            "ci_installed_application": {"name": "7-Zip", "version": "23.01"},
            "ci_logical_disk": "not a list",
            "last_logged_in": "alice"
        });
        let record = AssetRecord::from_json(&row).unwrap();
        assert_eq!(record.id, "17");
        assert_eq!(
            record.network_adapters[0].mac_address.as_deref(),
            Some("00:11:22:33:44:55")
        );
        assert_eq!(
            record.installed_applications.len(),
            1,
            "a lone object is a list of one"
        );
        assert!(record.logical_disks.is_empty());
        assert_eq!(record.extra.get("last_logged_in"), Some(&json!("alice")));
    }

    #[test]
    fn a_row_without_id_is_refused_with_a_reason() {
        assert!(
            AssetRecord::from_json(&json!({"computer_name": "x"}))
                .unwrap_err()
                .contains("id")
        );
        assert!(
            AssetRecord::from_json(&json!([1]))
                .unwrap_err()
                .contains("array")
        );
    }
}
