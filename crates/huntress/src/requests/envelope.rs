//! The envelopes around records: `{"<plural>": [...], "pagination": {...}}`
//! for lists and `{"<singular>": {...}}` for one record.

use crate::HuntressError;
use crate::models::Resource;
use crate::models::loose::{kind, scalar_text};
use crate::requests::pagination::{Page, UndecodableRecord};
use serde_json::{Map, Value};

/// Decodes a list answer. Each record is decoded on its own: one that fails
/// lands in [`Page::undecodable`] and the page still succeeds. Tolerated
/// shapes: a bare array, a single object under the plural key, a `null`
/// list, extra or missing pagination fields.
pub(crate) fn decode_page<T: Resource>(body: &str, path: &str) -> Result<Page<T>, HuntressError> {
    let value: Value = parse(body, path)?;
    let (records, pagination) = match value {
        Value::Array(records) => (records, None),
        Value::Object(mut map) => {
            let pagination = map.remove("pagination");
            let records = match map.remove(T::PLURAL) {
                Some(Value::Array(records)) => records,
                Some(Value::Null) => Vec::new(),
                Some(one @ Value::Object(_)) => vec![one],
                Some(other) => {
                    return Err(decode_error(
                        path,
                        T::PLURAL,
                        format!("expected a list, found {}", kind(&other)),
                        body,
                    ));
                }
                None => {
                    return Err(decode_error(
                        path,
                        T::PLURAL,
                        format!("missing key {:?}", T::PLURAL),
                        body,
                    ));
                }
            };
            (records, pagination)
        }
        other => {
            return Err(decode_error(
                path,
                ".",
                format!("expected an object, found {}", kind(&other)),
                body,
            ));
        }
    };

    let mut page = Page::default();
    for (index, raw) in records.into_iter().enumerate() {
        match decode_record::<T>(raw, index) {
            Ok(record) => page.items.push(record),
            Err(record) => page.undecodable.push(*record),
        }
    }
    if let Some(Value::Object(pagination)) = pagination {
        page.next_page_token = text_field(&pagination, "next_page_token");
        page.next_page_url = text_field(&pagination, "next_page_url");
    }
    Ok(page)
}

/// Decodes one record of a list (at `index`), keeping it as received.
pub(crate) fn decode_record<T: Resource>(
    raw: Value,
    index: usize,
) -> Result<T, Box<UndecodableRecord>> {
    match serde_path_to_error::deserialize::<_, T>(&raw) {
        Ok(mut record) => {
            record.keep_raw(raw);
            Ok(record)
        }
        Err(error) => Err(Box::new(UndecodableRecord {
            resource: T::SINGULAR,
            index,
            id: raw.get("id").and_then(scalar_text),
            json_path: error.path().to_string(),
            message: error.into_inner().to_string(),
            raw,
        })),
    }
}

/// Decodes a one-record answer: `{"<singular>": {...}}`, or the record
/// itself when unwrapped. `{"<singular>": null}` is `None`.
pub(crate) fn decode_one<T: Resource>(body: &str, path: &str) -> Result<Option<T>, HuntressError> {
    let value: Value = parse(body, path)?;
    let Value::Object(mut map) = value else {
        return Err(decode_error(
            path,
            ".",
            format!("expected an object, found {}", kind(&value)),
            body,
        ));
    };
    let (raw, prefix) = match map.remove(T::SINGULAR) {
        Some(Value::Null) => return Ok(None),
        Some(inner) => (inner, format!("{}.", T::SINGULAR)),
        None if map.contains_key("id") => (Value::Object(map), String::new()),
        None => {
            return Err(decode_error(
                path,
                T::SINGULAR,
                format!("missing key {:?}", T::SINGULAR),
                body,
            ));
        }
    };
    match serde_path_to_error::deserialize::<_, T>(&raw) {
        Ok(mut record) => {
            record.keep_raw(raw);
            Ok(Some(record))
        }
        Err(error) => {
            let json_path = format!("{prefix}{}", error.path());
            Err(decode_error(
                path,
                &json_path,
                error.into_inner().to_string(),
                body,
            ))
        }
    }
}

fn parse(body: &str, path: &str) -> Result<Value, HuntressError> {
    serde_json::from_str(body)
        .map_err(|error| decode_error(path, ".", format!("not JSON: {error}"), body))
}

/// A non-empty string (or number) field.
fn text_field(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(scalar_text)
        .filter(|text| !text.trim().is_empty())
}

fn decode_error(path: &str, json_path: &str, message: String, body: &str) -> HuntressError {
    HuntressError::Decode {
        path: path.to_owned(),
        json_path: json_path.to_owned(),
        message,
        body: psa_http::excerpt(body.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Agent, IncidentReport, Organization};

    #[test]
    fn a_bad_record_does_not_fail_the_page() {
        let body = r#"{"agents": [{"id": 1}, {"id": {"x": 1}}, {"id": 3, "updated_at": "soon"}],
                       "pagination": {"next_page_token": "abc", "current_page": 1}}"#;
        let page = decode_page::<Agent>(body, "/v1/agents").unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.undecodable.len(), 2);
        assert_eq!(page.undecodable[0].index, 1);
        assert_eq!(page.undecodable[0].json_path, "id");
        assert_eq!(page.undecodable[1].id.as_deref(), Some("3"));
        assert_eq!(page.undecodable[1].json_path, "updated_at");
        assert_eq!(page.next_page_token.as_deref(), Some("abc"));
    }

    #[test]
    fn pagination_may_be_missing_or_empty() {
        let page = decode_page::<Organization>(
            r#"{"organizations": [], "pagination": {"next_page_token": ""}}"#,
            "/",
        )
        .unwrap();
        assert!(page.is_last());
        let page = decode_page::<Organization>(r#"{"organizations": null}"#, "/").unwrap();
        assert!(page.items.is_empty() && page.is_last());
    }

    #[test]
    fn a_body_without_the_list_is_an_error() {
        let error =
            decode_page::<Organization>(r#"{"error": "oops"}"#, "/v1/organizations").unwrap_err();
        assert!(
            matches!(error, HuntressError::Decode { ref json_path, ref body, .. } if json_path == "organizations" && body.contains("oops"))
        );
    }

    #[test]
    fn one_record_keeps_the_raw_json_and_names_the_failing_path() {
        let report =
            decode_one::<IncidentReport>(r#"{"incident_report": {"id": 5, "x": true}}"#, "/")
                .unwrap()
                .unwrap();
        assert_eq!(report.raw["x"], true);
        let error =
            decode_one::<IncidentReport>(r#"{"incident_report": {"id": 5, "sent_at": []}}"#, "/")
                .unwrap_err();
        assert!(
            matches!(error, HuntressError::Decode { ref json_path, .. } if json_path == "incident_report.sent_at")
        );
        assert_eq!(
            decode_one::<IncidentReport>(r#"{"incident_report": null}"#, "/").unwrap(),
            None
        );
    }
}
