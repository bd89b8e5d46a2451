//! The settings the client needs. Ticket-routing settings of the incident
//! pipeline live in the same JSON object and are left to the pipeline: keys
//! this module does not know are ignored.

use crate::HuntressError;
use crate::client::{DEFAULT_BASE_URL, normalize_base_url};
use psa_registry::{FieldError, SettingsError};
use serde_json::Value;

/// The client settings of a Huntress integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HuntressSettings {
    /// The API host (setting `api_base_url`, default `https://api.huntress.io`),
    /// without a trailing `/` or `/v1`.
    pub api_base_url: String,
    /// The account's portal subdomain (setting `account.subdomain`, written
    /// from what the connection test learned), for incident portal links.
    pub account_subdomain: Option<String>,
    /// Whether the incident feed fills each incident's host details from its
    /// agent (setting `agent_details`, default `true`; `false` turns it
    /// off). A poll reads each agent at most once, per organization by
    /// single gets or one listing, whichever costs fewer requests.
    pub agent_details: bool,
}

impl Default for HuntressSettings {
    fn default() -> Self {
        Self {
            api_base_url: DEFAULT_BASE_URL.to_owned(),
            account_subdomain: None,
            agent_details: true,
        }
    }
}

impl HuntressSettings {
    /// The key of the API host setting.
    pub const API_BASE_URL: &'static str = "api_base_url";
    /// The key of the host-details switch.
    pub const AGENT_DETAILS: &'static str = "agent_details";
    /// The key of the object holding what the connection test learned.
    pub const ACCOUNT: &'static str = "account";

    /// Reads the settings object; `null` means all defaults. Every problem
    /// is reported, each under its field name.
    pub fn from_json(settings: &Value) -> Result<Self, SettingsError> {
        let map = match settings {
            Value::Null => return Ok(Self::default()),
            Value::Object(map) => map,
            _ => {
                return Err(SettingsError::new(vec![FieldError::new(
                    "settings",
                    "must be a JSON object",
                )]));
            }
        };
        let mut errors = Vec::new();
        let mut parsed = Self::default();
        match map.get(Self::API_BASE_URL) {
            None | Some(Value::Null) => {}
            Some(Value::String(url)) => match normalize_base_url(url) {
                Ok(url) => parsed.api_base_url = url,
                Err(HuntressError::Config { message, .. }) => {
                    errors.push(FieldError::new(Self::API_BASE_URL, message));
                }
                Err(other) => errors.push(FieldError::new(Self::API_BASE_URL, other.to_string())),
            },
            Some(_) => errors.push(FieldError::new(
                Self::API_BASE_URL,
                "must be a string (an http or https URL)",
            )),
        }
        match map.get(Self::AGENT_DETAILS) {
            None | Some(Value::Null) => {}
            Some(Value::Bool(on)) => parsed.agent_details = *on,
            Some(_) => errors.push(FieldError::new(
                Self::AGENT_DETAILS,
                "must be true or false",
            )),
        }
        match map.get(Self::ACCOUNT) {
            None | Some(Value::Null) => {}
            Some(Value::Object(account)) => match account.get("subdomain") {
                None | Some(Value::Null) => {}
                Some(Value::String(subdomain)) => {
                    parsed.account_subdomain =
                        Some(subdomain.trim().to_owned()).filter(|s| !s.is_empty());
                }
                Some(_) => errors.push(FieldError::new("account.subdomain", "must be a string")),
            },
            Some(_) => errors.push(FieldError::new(Self::ACCOUNT, "must be a JSON object")),
        }
        SettingsError::check(errors).map(|()| parsed)
    }
}

impl HuntressSettings {
    /// The settings as stored: the keys [`from_json`](Self::from_json) reads
    /// (`account` holds only the subdomain; merge it into a stored
    /// `account` object rather than replacing that object).
    pub fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert(
            Self::API_BASE_URL.to_owned(),
            self.api_base_url.clone().into(),
        );
        map.insert(Self::AGENT_DETAILS.to_owned(), self.agent_details.into());
        if let Some(subdomain) = &self.account_subdomain {
            map.insert(
                Self::ACCOUNT.to_owned(),
                serde_json::json!({ "subdomain": subdomain }),
            );
        }
        Value::Object(map)
    }
}

impl serde::Serialize for HuntressSettings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for HuntressSettings {
    /// Checked as [`from_json`](Self::from_json) checks, every bad field named.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_json(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_round_trip_through_serde() {
        let settings = HuntressSettings {
            api_base_url: "https://api.huntress.io".to_owned(),
            account_subdomain: Some("acme".to_owned()),
            agent_details: false,
        };
        let stored = serde_json::to_value(&settings).unwrap();
        assert_eq!(stored["account"]["subdomain"], "acme");
        assert_eq!(
            serde_json::from_value::<HuntressSettings>(stored).unwrap(),
            settings
        );
        let bad = serde_json::from_value::<HuntressSettings>(json!({"agent_details": "yes"}))
            .unwrap_err();
        assert!(bad.to_string().contains("agent_details"), "{bad}");
    }

    #[test]
    fn defaults_and_overrides() {
        assert_eq!(
            HuntressSettings::from_json(&json!(null)).unwrap(),
            HuntressSettings::default()
        );
        assert_eq!(
            HuntressSettings::from_json(&json!({"ticket_board": "x"})).unwrap(),
            HuntressSettings::default()
        );
        let custom = HuntressSettings::from_json(&json!({
            "api_base_url": "http://127.0.0.1:9/v1",
            "account": {"name": "Acme MSP", "subdomain": "acme", "account_id": 7},
        }))
        .unwrap();
        assert_eq!(custom.api_base_url, "http://127.0.0.1:9");
        assert_eq!(custom.account_subdomain.as_deref(), Some("acme"));
        assert!(custom.agent_details, "host details are on by default");
        let without = HuntressSettings::from_json(&json!({"agent_details": false})).unwrap();
        assert!(!without.agent_details);
        let explicit = HuntressSettings::from_json(&json!({"agent_details": null})).unwrap();
        assert!(explicit.agent_details, "null means the default");
    }

    #[test]
    fn bad_values_name_the_field() {
        let error = HuntressSettings::from_json(&json!({"api_base_url": 3})).unwrap_err();
        assert_eq!(error.fields(), ["api_base_url"]);
        let error = HuntressSettings::from_json(&json!({"api_base_url": "ftp://x"})).unwrap_err();
        assert_eq!(error.fields(), ["api_base_url"]);
        let error = HuntressSettings::from_json(&json!({
            "api_base_url": 3,
            "agent_details": "yes",
            "account": {"subdomain": 1},
        }))
        .unwrap_err();
        assert_eq!(
            error.fields(),
            ["api_base_url", "agent_details", "account.subdomain"]
        );
        let error = HuntressSettings::from_json(&json!([1])).unwrap_err();
        assert_eq!(error.fields(), ["settings"]);
    }
}
