//! `GET /v1/incident_reports`: SOC-reviewed incidents.
//!
//! No field is marked required in the vendor's schema, so everything but the
//! id is optional here, and the array fields known to arrive as an object or
//! a scalar decode from any of those shapes.

use crate::models::loose::{self, scalar_text};
use crate::models::{
    AccountId, AgentId, IncidentPlatform, IncidentReportId, IncidentReportStatus, IndicatorType,
    OrganizationId, RemediationStatus, RemediationType, Severity,
};
use chrono::{DateTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// An incident report as Huntress sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentReport {
    /// Incident report id.
    pub id: IncidentReportId,
    /// The account it belongs to.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// The agent it is about; `None` for identity and Microsoft 365 incidents.
    #[serde(default)]
    pub agent_id: Option<AgentId>,
    /// The organization it belongs to.
    #[serde(default)]
    pub organization_id: Option<OrganizationId>,
    /// Generated one-liner, e.g. `LOW - Incident on laptop01 (Acme)`.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub subject: Option<String>,
    /// The SOC analyst's summary.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub summary: Option<String>,
    /// Generated details.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub body: Option<String>,
    /// Severity.
    #[serde(default)]
    pub severity: Option<Severity>,
    /// Status.
    #[serde(default)]
    pub status: Option<IncidentReportStatus>,
    /// Platform.
    #[serde(default)]
    pub platform: Option<IncidentPlatform>,
    /// Indicator types found (an array, an object or a scalar on the wire).
    #[serde(default, deserialize_with = "indicator_types")]
    pub indicator_types: Vec<IndicatorType>,
    /// How many of each indicator type.
    #[serde(default, deserialize_with = "loose::counts")]
    pub indicator_counts: BTreeMap<String, u64>,
    /// The first ten remediations.
    #[serde(default, deserialize_with = "remediations")]
    pub remediations: Remediations,
    /// When the SOC sent it to the partner.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was closed.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub closed_at: Option<DateTime<Utc>>,
    /// When its status last changed.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub status_updated_at: Option<DateTime<Utc>>,
    /// Creation time (sortable, not in the documented schema).
    #[serde(
        default,
        deserialize_with = "loose::opt_timestamp",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The record exactly as received (`Null` when built by hand).
    #[serde(skip)]
    pub raw: Value,
}

impl IncidentReport {
    /// The time the record last changed: `updated_at`, else
    /// `status_updated_at`, else `sent_at`.
    pub fn changed_at(&self) -> Option<DateTime<Utc>> {
        self.updated_at.or(self.status_updated_at).or(self.sent_at)
    }
}

/// The `remediations` block: the first ten items and how many there are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Remediations {
    /// How many remediations the incident has in all.
    #[serde(default)]
    pub total_count: Option<u64>,
    /// Whether there are more than `items` holds.
    #[serde(default)]
    pub has_more: Option<bool>,
    /// Up to ten remediations (an array, an object or a map on the wire).
    #[serde(default, deserialize_with = "loose::list")]
    pub items: Vec<Remediation>,
}

/// One remediation step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Remediation {
    /// Remediation id.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub id: Option<String>,
    /// Assisted, manual or containment.
    #[serde(default, rename = "type")]
    pub kind: Option<RemediationType>,
    /// What is done, e.g. `Delete File`.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub action: Option<String>,
    /// The action's parameters (an array, an object or a scalar on the wire).
    #[serde(default, deserialize_with = "parameters")]
    pub parameters: Vec<RemediationParameter>,
    /// Where it stands.
    #[serde(default)]
    pub status: Option<RemediationStatus>,
    /// When it was approved.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub approved_at: Option<DateTime<Utc>>,
    /// Who approved it.
    #[serde(default)]
    pub approved_by: Option<Approver>,
    /// When it was completed.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub completed_at: Option<DateTime<Utc>>,
}

/// One parameter of a remediation, e.g. `path` = `c:\windows\...`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationParameter {
    /// Parameter name.
    pub name: Option<String>,
    /// Parameter value as Huntress describes it.
    pub description: Option<String>,
}

/// The person who approved a remediation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approver {
    /// User id.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub id: Option<String>,
    /// Email.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub email: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub name: Option<String>,
}

fn indicator_types<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<IndicatorType>, D::Error> {
    Ok(loose::strings(deserializer)?
        .iter()
        .map(|text| IndicatorType::parse(text))
        .collect())
}

/// The block, or a bare array of items, or null.
fn remediations<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Remediations, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Remediations::default()),
        Value::Object(map)
            if map.contains_key("items")
                || map.contains_key("total_count")
                || map.contains_key("has_more") =>
        {
            serde_json::from_value(Value::Object(map)).map_err(D::Error::custom)
        }
        other => {
            let items: Vec<Remediation> = loose::list_from(other).map_err(D::Error::custom)?;
            Ok(Remediations {
                total_count: Some(items.len() as u64),
                has_more: None,
                items,
            })
        }
    }
}

/// `[{name, description}]`, one `{name, description}`, a map
/// `{name: description}`, or a scalar (a description without a name).
fn parameters<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<RemediationParameter>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Null => Vec::new(),
        Value::Array(items) => items.into_iter().flat_map(parameters_from).collect(),
        other => parameters_from(other),
    })
}

fn parameters_from(value: Value) -> Vec<RemediationParameter> {
    match value {
        Value::Null => Vec::new(),
        Value::Object(map) if map.contains_key("name") || map.contains_key("description") => {
            vec![RemediationParameter {
                name: map.get("name").and_then(scalar_text),
                description: map.get("description").and_then(scalar_text),
            }]
        }
        Value::Object(map) => map
            .into_iter()
            .map(|(name, v)| RemediationParameter {
                name: Some(name),
                description: scalar_text(&v).or_else(|| (!v.is_null()).then(|| v.to_string())),
            })
            .collect(),
        Value::Array(items) => items.into_iter().flat_map(parameters_from).collect(),
        scalar => vec![RemediationParameter {
            name: None,
            description: scalar_text(&scalar),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn odd_shapes_decode() {
        let report: IncidentReport = serde_json::from_value(json!({
            "id": "7",
            "indicator_types": "footholds",
            "remediations": {"total_count": 1, "items": {"id": 3, "type": "manual", "parameters": "c:\\evil.exe"}},
        }))
        .unwrap();
        assert_eq!(report.id, IncidentReportId(7));
        assert_eq!(report.indicator_types, [IndicatorType::Footholds]);
        assert_eq!(report.remediations.items.len(), 1);
        assert_eq!(report.remediations.items[0].id.as_deref(), Some("3"));
        assert_eq!(
            report.remediations.items[0].parameters[0]
                .description
                .as_deref(),
            Some("c:\\evil.exe")
        );
    }

    #[test]
    fn parameters_as_a_map() {
        let remediation: Remediation =
            serde_json::from_value(json!({"parameters": {"path": "c:\\x", "pid": 42}})).unwrap();
        let names: Vec<_> = remediation
            .parameters
            .iter()
            .map(|p| p.name.as_deref().unwrap())
            .collect();
        assert_eq!(names, ["path", "pid"]);
        assert_eq!(remediation.parameters[1].description.as_deref(), Some("42"));
    }

    #[test]
    fn remediations_as_a_bare_array() {
        let report: IncidentReport =
            serde_json::from_value(json!({"id": 1, "remediations": [{"id": 1}, {"id": 2}]}))
                .unwrap();
        assert_eq!(report.remediations.items.len(), 2);
        assert_eq!(report.remediations.total_count, Some(2));
    }

    #[test]
    fn changed_at_falls_back() {
        let at = "2024-01-02T03:04:05Z".parse().unwrap();
        let report = IncidentReport {
            status_updated_at: Some(at),
            ..IncidentReport::default()
        };
        assert_eq!(report.changed_at(), Some(at));
    }
}
