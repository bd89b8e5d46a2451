//! Field decoders that accept the shapes the live API is known to send, not
//! only the documented one.
//!
//! A PSA polling Huntress in production saw array fields (`indicator_types`,
//! `remediations.items`, a remediation's `parameters`) arrive as an object or
//! a scalar; a strict decoder stalled its poll for good. These helpers turn
//! every such shape into a list.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

/// A scalar as text: strings as they are, numbers and booleans printed.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A list of strings from: an array (scalars printed, others skipped), an
/// object (its string values, else its keys: `{"footholds": 1}` means
/// footholds), a scalar (one item), or null (empty).
pub(crate) fn strings<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(strings_from(Value::deserialize(deserializer)?))
}

pub(crate) fn strings_from(value: Value) -> Vec<String> {
    match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().filter_map(scalar_text).collect(),
        Value::Object(map) => {
            let values: Vec<String> = map
                .values()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            if values.len() == map.len() {
                values
            } else {
                map.into_iter().map(|(key, _)| key).collect()
            }
        }
        scalar => scalar_text(&scalar).into_iter().collect(),
    }
}

/// A list of `T` from: an array, one object that is itself a `T`, an object
/// whose values are `T`s (`{"0": {...}, "1": {...}}`), a scalar that is a
/// `T`, or null (empty). Fails only when no reading works.
pub(crate) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    list_from(Value::deserialize(deserializer)?).map_err(D::Error::custom)
}

pub(crate) fn list_from<T: DeserializeOwned>(value: Value) -> Result<Vec<T>, serde_json::Error> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.into_iter().map(serde_json::from_value).collect(),
        Value::Object(map) => {
            let object = Value::Object(map);
            match T::deserialize(&object) {
                Ok(one) => Ok(vec![one]),
                Err(as_one) => match object {
                    Value::Object(map) if !map.is_empty() => map
                        .into_iter()
                        .map(|(_, v)| serde_json::from_value(v))
                        .collect::<Result<_, _>>()
                        .map_err(|_| as_one),
                    _ => Err(as_one),
                },
            }
        }
        scalar => serde_json::from_value(scalar).map(|one| vec![one]),
    }
}

/// A count map `{type: n}`; numbers and numeric strings are kept, other
/// values and non-object shapes give no count.
pub(crate) fn counts<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, u64>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    let Value::Object(map) = value else {
        return Ok(BTreeMap::new());
    };
    Ok(map
        .into_iter()
        .filter_map(|(key, v)| {
            let n = match &v {
                Value::Number(n) => n.as_u64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }?;
            Some((key, n))
        })
        .collect())
}

/// Optional text from a string or a number (ids sent as either).
pub(crate) fn opt_text<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    match value {
        Value::Null => Ok(None),
        other => scalar_text(&other).map(Some).ok_or_else(|| {
            D::Error::custom(format!(
                "expected a string or a number, found {}",
                kind(&other)
            ))
        }),
    }
}

/// An optional timestamp: RFC 3339, `YYYY-MM-DD HH:MM:SS[.f] UTC|±hhmm`, a
/// naive `YYYY-MM-DDTHH:MM:SS[.f]` (taken as UTC) or Unix seconds. Null or
/// an empty string is `None`; anything else is an error, so a broken
/// timestamp makes the record undecodable instead of silently empty.
pub(crate) fn opt_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    let value = Value::deserialize(deserializer)?;
    match value {
        Value::Null => Ok(None),
        Value::String(text) if text.trim().is_empty() => Ok(None),
        Value::String(text) => parse_timestamp(&text)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("invalid timestamp {text:?}"))),
        Value::Number(n) => n
            .as_i64()
            .and_then(|secs| Utc.timestamp_opt(secs, 0).single())
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("invalid Unix timestamp {n}"))),
        other => Err(D::Error::custom(format!(
            "expected a timestamp, found {}",
            kind(&other)
        ))),
    }
}

/// Parses the timestamp shapes [`opt_timestamp`] accepts.
pub(crate) fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    if let Some(naive) = text
        .strip_suffix(" UTC")
        .or_else(|| text.strip_suffix(" Z"))
    {
        for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
            if let Ok(at) = NaiveDateTime::parse_from_str(naive, format) {
                return Some(at.and_utc());
            }
        }
    }
    if let Ok(at) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f %z") {
        return Some(at.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|at| at.and_utc())
}

/// A JSON kind for error messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_accept_every_shape() {
        assert_eq!(
            strings_from(json!(["footholds", "ransomware_canaries"])),
            ["footholds", "ransomware_canaries"]
        );
        assert_eq!(strings_from(json!("footholds")), ["footholds"]);
        assert_eq!(
            strings_from(json!({"footholds": 1, "monitored_files": 2})),
            ["footholds", "monitored_files"]
        );
        assert_eq!(strings_from(json!({"0": "footholds"})), ["footholds"]);
        assert_eq!(strings_from(json!(null)), Vec::<String>::new());
        assert_eq!(strings_from(json!([1, "a", {"x": 1}])), ["1", "a"]);
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Item {
        name: String,
    }

    #[test]
    fn lists_accept_arrays_objects_and_maps() {
        let many: Vec<Item> = list_from(json!([{"name": "a"}, {"name": "b"}])).unwrap();
        assert_eq!(many.len(), 2);
        let one: Vec<Item> = list_from(json!({"name": "a"})).unwrap();
        assert_eq!(one, [Item { name: "a".into() }]);
        let keyed: Vec<Item> = list_from(json!({"0": {"name": "a"}, "1": {"name": "b"}})).unwrap();
        assert_eq!(keyed.len(), 2);
        let none: Vec<Item> = list_from(json!(null)).unwrap();
        assert!(none.is_empty());
        assert!(list_from::<Item>(json!(42)).is_err());
    }

    #[test]
    fn timestamps_in_several_shapes() {
        let expected = Utc.with_ymd_and_hms(2022, 3, 1, 20, 31, 30).unwrap();
        for text in [
            "2022-03-01T20:31:30Z",
            "2022-03-01T21:31:30+01:00",
            "2022-03-01 20:31:30 UTC",
            "2022-03-01T20:31:30",
        ] {
            assert_eq!(parse_timestamp(text), Some(expected), "{text}");
        }
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
