//! The Tanium integration's settings, as stored in `rmm_integrations.settings`.

use crate::client::http::parse_url;
use crate::{EndpointQuery, Url};
use chrono::TimeDelta;
use psa_ingest::settings::{FieldError, SettingsError};
use serde_json::{Map, Value};
use std::time::Duration;

/// Validated settings of a Tanium integration.
///
/// JSON keys (unknown keys are left alone):
///
/// | key | type | default |
/// | --- | --- | --- |
/// | `gateway_url` | URL, required | |
/// | `asset_api_url` | URL or null | the Asset API beside the Gateway |
/// | `asset_api_fallback` | bool | `false` |
/// | `page_size` | 1..=1000 | 200 |
/// | `online_threshold_minutes` | 1..=43200 | 60 |
/// | `request_timeout_seconds` | 1..=600 | 60 |
///
/// ```
/// use serde_json::json;
/// use tanium_gateway::provider::TaniumSettings;
///
/// let settings = TaniumSettings::from_json(&json!({
///     "gateway_url": "https://acme-api.cloud.tanium.com",
///     "page_size": 500,
/// }))
/// .unwrap();
/// assert_eq!(settings.gateway_url.path(), "/plugin/products/gateway/graphql");
/// assert_eq!(settings.page_size, 500);
///
/// let error = TaniumSettings::from_json(&json!({"page_size": 0})).unwrap_err();
/// assert_eq!(error.fields(), ["gateway_url", "page_size"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaniumSettings {
    /// The Gateway URL (path defaults to `/plugin/products/gateway/graphql`).
    pub gateway_url: Url,
    /// The Asset API URL (path defaults to `/plugin/products/asset/v1/assets`).
    pub asset_api_url: Url,
    /// Whether a group with no Gateway endpoints is read from the Asset API.
    pub asset_api_fallback: bool,
    /// Endpoints per Gateway page.
    pub page_size: u32,
    /// An endpoint last seen longer ago than this is offline.
    pub online_threshold: TimeDelta,
    /// Longest wait for one request.
    pub request_timeout: Duration,
}

impl TaniumSettings {
    /// Largest page size accepted.
    pub const MAX_PAGE_SIZE: u32 = 1000;
    /// Default online threshold in minutes.
    pub const DEFAULT_ONLINE_THRESHOLD_MINUTES: i64 = 60;
    /// Default request timeout in seconds.
    pub const DEFAULT_REQUEST_TIMEOUT_SECONDS: u64 = 60;

    /// Reads and checks settings; the error lists every bad field.
    pub fn from_json(value: &Value) -> Result<Self, SettingsError> {
        let empty = Map::new();
        let mut errors = Vec::new();
        let fields = match value {
            Value::Object(fields) => fields,
            Value::Null => &empty,
            _ => {
                return Err(SettingsError::new(vec![FieldError::new(
                    "settings",
                    "must be a JSON object",
                )]));
            }
        };

        let gateway_url = match fields.get("gateway_url") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new("gateway_url", "is required"));
                None
            }
            Some(value) => url_field(&mut errors, "gateway_url", value, crate::GATEWAY_PATH),
        };
        let asset_api_url = match fields.get("asset_api_url") {
            None | Some(Value::Null) => None,
            Some(value) => url_field(&mut errors, "asset_api_url", value, crate::ASSET_API_PATH),
        };
        let asset_api_fallback = match fields.get("asset_api_fallback") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(on)) => *on,
            Some(_) => {
                errors.push(FieldError::new(
                    "asset_api_fallback",
                    "must be true or false",
                ));
                false
            }
        };
        let page_size = int_field(
            &mut errors,
            fields,
            "page_size",
            1,
            i64::from(Self::MAX_PAGE_SIZE),
            i64::from(EndpointQuery::DEFAULT_PAGE_SIZE),
        );
        let threshold = int_field(
            &mut errors,
            fields,
            "online_threshold_minutes",
            1,
            43_200,
            Self::DEFAULT_ONLINE_THRESHOLD_MINUTES,
        );
        let timeout = int_field(
            &mut errors,
            fields,
            "request_timeout_seconds",
            1,
            600,
            Self::DEFAULT_REQUEST_TIMEOUT_SECONDS as i64,
        );

        SettingsError::check(errors)?;
        let gateway_url = gateway_url.expect("checked above");
        Ok(Self {
            asset_api_url: asset_api_url
                .unwrap_or_else(|| crate::AssetApiClient::url_beside_gateway(&gateway_url)),
            gateway_url,
            asset_api_fallback,
            page_size: u32::try_from(page_size).expect("range checked"),
            online_threshold: TimeDelta::minutes(threshold),
            request_timeout: Duration::from_secs(u64::try_from(timeout).expect("range checked")),
        })
    }
}

impl TaniumSettings {
    /// The settings as stored: the keys [`from_json`](Self::from_json) reads.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "gateway_url": self.gateway_url.as_str(),
            "asset_api_url": self.asset_api_url.as_str(),
            "asset_api_fallback": self.asset_api_fallback,
            "page_size": self.page_size,
            "online_threshold_minutes": self.online_threshold.num_minutes(),
            "request_timeout_seconds": self.request_timeout.as_secs(),
        })
    }
}

impl serde::Serialize for TaniumSettings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for TaniumSettings {
    /// Checked as [`from_json`](Self::from_json) checks, every bad field named.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_json(&value).map_err(serde::de::Error::custom)
    }
}

fn url_field(
    errors: &mut Vec<FieldError>,
    name: &str,
    value: &Value,
    default_path: &str,
) -> Option<Url> {
    let Value::String(text) = value else {
        errors.push(FieldError::new(name, "must be a URL string"));
        return None;
    };
    // The shape only: the service's URL policy is applied when a client is
    // built (`TaniumProvider::with_url_policy`).
    match parse_url(text, &psa_http::UrlPolicy::permissive()) {
        Ok(mut url) => {
            if url.path().is_empty() || url.path() == "/" {
                url.set_path(default_path);
            }
            Some(url)
        }
        Err(crate::GatewayError::InvalidUrl { reason, .. }) => {
            errors.push(FieldError::new(
                name,
                format!("is not a usable URL: {reason}"),
            ));
            None
        }
        Err(other) => {
            errors.push(FieldError::new(name, other.to_string()));
            None
        }
    }
}

fn int_field(
    errors: &mut Vec<FieldError>,
    fields: &Map<String, Value>,
    name: &str,
    min: i64,
    max: i64,
    default: i64,
) -> i64 {
    match fields.get(name) {
        None | Some(Value::Null) => default,
        Some(value) => match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    name,
                    format!("must be a whole number between {min} and {max}"),
                ));
                default
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_round_trip_through_serde() {
        let settings = TaniumSettings::from_json(&json!({
            "gateway_url": "https://acme-api.cloud.tanium.com",
            "asset_api_fallback": true,
            "page_size": 500,
            "online_threshold_minutes": 90,
            "request_timeout_seconds": 30,
        }))
        .unwrap();
        let stored = serde_json::to_value(&settings).unwrap();
        assert_eq!(stored["online_threshold_minutes"], 90);
        let back: TaniumSettings = serde_json::from_value(stored).unwrap();
        assert_eq!(back, settings);
        let bad = serde_json::from_value::<TaniumSettings>(json!({"page_size": 0})).unwrap_err();
        assert!(bad.to_string().contains("gateway_url is required"), "{bad}");
    }

    #[test]
    fn defaults_fill_the_optional_fields() {
        let settings = TaniumSettings::from_json(
            &json!({"gateway_url": "http://127.0.0.1:9/plugin/products/gateway/graphql"}),
        )
        .unwrap();
        assert_eq!(
            settings.asset_api_url.as_str(),
            "http://127.0.0.1:9/plugin/products/asset/v1/assets"
        );
        assert!(!settings.asset_api_fallback);
        assert_eq!(settings.page_size, EndpointQuery::DEFAULT_PAGE_SIZE);
        assert_eq!(settings.online_threshold, TimeDelta::minutes(60));
        assert_eq!(settings.request_timeout, Duration::from_secs(60));
    }

    #[test]
    fn every_bad_field_is_listed() {
        let error = TaniumSettings::from_json(&json!({
            "gateway_url": "ftp://tanium",
            "asset_api_url": 7,
            "asset_api_fallback": "yes",
            "page_size": 5000,
            "online_threshold_minutes": -1,
            "request_timeout_seconds": 1.5,
        }))
        .unwrap_err();
        assert_eq!(
            error.fields(),
            [
                "gateway_url",
                "asset_api_url",
                "asset_api_fallback",
                "page_size",
                "online_threshold_minutes",
                "request_timeout_seconds"
            ]
        );
        assert!(error.to_string().contains("between 1 and 1000"), "{error}");
    }

    #[test]
    fn credentials_in_the_url_are_refused() {
        let error =
            TaniumSettings::from_json(&json!({"gateway_url": "https://me:pw@tanium.example"}))
                .unwrap_err();
        assert!(error.errors[0].message.contains("credentials"), "{error}");
    }

    #[test]
    fn settings_must_be_an_object() {
        assert_eq!(
            TaniumSettings::from_json(&json!([1])).unwrap_err().fields(),
            ["settings"]
        );
    }
}
