//! The part of `EndpointFieldFilter` the simulator understands: `memberOf`,
//! a `path` with an `op` and `value`, nested `filters` joined by `any`, and
//! `negated`. Anything else is a GraphQL error, so a client bug shows.

use crate::tanium::inventory::{SimEndpoint, SimGroup};
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Whether `endpoint` matches `filter` (`null` matches everything).
pub(crate) fn matches(
    filter: &Value,
    endpoint: &SimEndpoint,
    groups: &[SimGroup],
) -> Result<bool, String> {
    let fields = match filter {
        Value::Null => return Ok(true),
        Value::Object(fields) => fields,
        _ => return Err("filter must be an object".to_owned()),
    };
    let mut result = true;
    if let Some(member_of) = fields.get("memberOf").filter(|v| !v.is_null()) {
        result &= member(member_of, endpoint, groups)?;
    }
    if let Some(path) = fields.get("path").and_then(Value::as_str) {
        let op = fields.get("op").and_then(Value::as_str).unwrap_or("EQ");
        let value = fields
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default();
        result &= field(path, op, value, endpoint)?;
    }
    if let Some(children) = fields.get("filters").and_then(Value::as_array) {
        let any = fields.get("any").and_then(Value::as_bool).unwrap_or(false);
        let outcomes = children
            .iter()
            .map(|child| matches(child, endpoint, groups))
            .collect::<Result<Vec<_>, _>>()?;
        result &= if any {
            outcomes.iter().any(|m| *m)
        } else {
            outcomes.iter().all(|m| *m)
        };
    }
    let negated = fields
        .get("negated")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(result != negated)
}

fn member(member_of: &Value, endpoint: &SimEndpoint, groups: &[SimGroup]) -> Result<bool, String> {
    if let Some(id) = member_of.get("id").and_then(Value::as_str) {
        return Ok(endpoint.groups.contains(id));
    }
    if let Some(name) = member_of.get("name").and_then(Value::as_str) {
        return Ok(groups
            .iter()
            .any(|g| g.name == name && endpoint.groups.contains(&g.id)));
    }
    Err("memberOf needs an id or a name".to_owned())
}

fn field(path: &str, op: &str, value: &str, endpoint: &SimEndpoint) -> Result<bool, String> {
    let time = |field: DateTime<Utc>| -> Result<bool, String> {
        let bound = DateTime::parse_from_rfc3339(value)
            .map_err(|e| format!("value {value:?} of {path} is not an RFC 3339 time: {e}"))?
            .with_timezone(&Utc);
        match op {
            "UPDATED_AFTER" | "GT" => Ok(field > bound),
            "GTE" => Ok(field >= bound),
            "LT" => Ok(field < bound),
            "LTE" => Ok(field <= bound),
            "EQ" => Ok(field == bound),
            other => Err(format!("op {other} is not supported on {path}")),
        }
    };
    let text = |field: &str| -> Result<bool, String> {
        let (field, value) = (field.to_lowercase(), value.to_lowercase());
        match op {
            "EQ" => Ok(field == value),
            "CONTAINS" => Ok(field.contains(&value)),
            "STARTS_WITH" => Ok(field.starts_with(&value)),
            "ENDS_WITH" => Ok(field.ends_with(&value)),
            other => Err(format!("op {other} is not supported on {path}")),
        }
    };
    match path {
        "eidLastSeen" => time(endpoint.last_seen),
        "eidFirstSeen" => time(endpoint.first_seen),
        "id" => text(&endpoint.id),
        "name" => text(&endpoint.name),
        "computerID" => text(&endpoint.computer_id),
        "serialNumber" => text(&endpoint.serial_number),
        "os.platform" => text(&endpoint.os_platform),
        "os.name" => text(&endpoint.os_name),
        other => Err(format!("the simulator does not filter on path {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn endpoint() -> SimEndpoint {
        let now = DateTime::parse_from_rfc3339("2024-06-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        SimEndpoint::generated(0, "7", now)
    }

    #[test]
    fn member_of_last_seen_and_combinations() {
        let e = endpoint();
        let groups = [SimGroup::new("7", "Acme")];
        let check = |f: Value| matches(&f, &e, &groups).unwrap();
        assert!(check(json!(null)));
        assert!(check(json!({"memberOf": {"id": "7"}})));
        assert!(!check(json!({"memberOf": {"id": "8"}})));
        assert!(check(json!({"memberOf": {"name": "Acme"}})));
        assert!(check(
            json!({"path": "eidLastSeen", "op": "UPDATED_AFTER", "value": "2024-06-01T11:00:00Z"})
        ));
        assert!(!check(
            json!({"path": "eidLastSeen", "op": "UPDATED_AFTER", "value": "2024-06-01T12:00:00Z"})
        ));
        assert!(!check(
            json!({"filters": [{"memberOf": {"id": "7"}}, {"memberOf": {"id": "8"}}]})
        ));
        assert!(check(
            json!({"filters": [{"memberOf": {"id": "7"}}, {"memberOf": {"id": "8"}}], "any": true})
        ));
        assert!(check(json!({"memberOf": {"id": "8"}, "negated": true})));
        assert!(matches(&json!({"path": "bogus"}), &e, &groups).is_err());
    }
}
