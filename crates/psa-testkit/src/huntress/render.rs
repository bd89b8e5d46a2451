//! Records as the vendor's JSON (shapes from the Huntress OpenAPI document).

use super::records::{
    OddShape, SimAccount, SimAgent, SimIncident, SimOrganization, SimRemediation,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

/// Huntress's timestamp form: `2022-03-01T20:31:30Z`.
pub(crate) fn time(at: DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

fn opt_time(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, time)
}

pub(crate) fn account(account: &SimAccount) -> Value {
    json!({
        "id": account.id,
        "name": account.name,
        "subdomain": account.subdomain,
        "status": account.status,
        "support_type": "huntress_supported",
        "neighborhood_watch": {"edr": 0, "ispm": 0, "itdr": 0, "sat": 0, "siem": 0},
        "billing_address": null,
        "shipping_address": null,
    })
}

pub(crate) fn organization(
    org: &SimOrganization,
    account_id: u64,
    agents: usize,
    incidents: usize,
) -> Value {
    let name = if org.undecodable {
        json!({"first": org.name})
    } else {
        json!(org.name)
    };
    json!({
        "id": org.id,
        "account_id": account_id,
        "name": name,
        "key": org.key,
        "agents_count": agents,
        "incident_reports_count": incidents,
        "logs_sources_count": 0,
        "billable_identity_count": org.billable_identities,
        "sat_learner_count": 0,
        "report_recipients": [format!("soc@{}.example", org.key)],
        "created_at": time(org.created_at),
        "updated_at": time(org.updated_at),
    })
}

pub(crate) fn agent(agent: &SimAgent, account_id: u64) -> Value {
    json!({
        "id": agent.id,
        "account_id": account_id,
        "organization_id": agent.organization_id,
        "hostname": agent.hostname,
        "domain_name": "WORKGROUP",
        "ipv4_address": agent.ipv4_address,
        "external_ip": agent.external_ip,
        "mac_addresses": agent.mac_addresses,
        "serial_number": agent.serial_number,
        "tags": [],
        "platform": agent.platform,
        "os": agent.os,
        "arch": "x86_64",
        "version": agent.version,
        "edr_version": agent.version,
        "defender_status": "Healthy",
        "firewall_status": "Disabled",
        "created_at": time(agent.created_at),
        "updated_at": time(agent.updated_at),
        "last_callback_at": time(agent.last_callback_at),
        "last_survey_at": time(agent.last_callback_at),
    })
}

fn remediation(item: &SimRemediation, odd: Option<OddShape>) -> Value {
    let parameters = match odd {
        Some(OddShape::RemediationParametersAsObject) => Value::Object(
            item.parameters
                .iter()
                .map(|(name, text)| (name.clone(), json!(text)))
                .collect::<Map<_, _>>(),
        ),
        Some(OddShape::RemediationParametersAsScalar) => {
            json!(
                item.parameters
                    .first()
                    .map_or(String::new(), |(_, text)| text.clone())
            )
        }
        _ => Value::Array(
            item.parameters
                .iter()
                .map(|(name, text)| json!({"name": name, "description": text}))
                .collect(),
        ),
    };
    json!({
        "id": item.id,
        "type": item.kind,
        "action": item.action,
        "parameters": parameters,
        "status": item.status,
        "approved_at": null,
        "approved_by": null,
        "completed_at": null,
    })
}

pub(crate) fn incident(incident: &SimIncident, account_id: u64) -> Value {
    let odd = incident.odd_shape;
    let indicator_types = match odd {
        Some(OddShape::IndicatorTypesAsObject) => Value::Object(
            incident
                .indicator_types
                .iter()
                .map(|t| (t.clone(), json!(1)))
                .collect::<Map<_, _>>(),
        ),
        Some(OddShape::IndicatorTypesAsScalar) => json!(
            incident
                .indicator_types
                .first()
                .cloned()
                .unwrap_or_default()
        ),
        _ => json!(incident.indicator_types),
    };
    let first_ten: Vec<Value> = incident
        .remediations
        .iter()
        .take(10)
        .map(|r| remediation(r, odd))
        .collect();
    let items = match odd {
        Some(OddShape::RemediationItemsAsObject) if first_ten.len() == 1 => first_ten[0].clone(),
        Some(OddShape::RemediationItemsAsObject) => Value::Object(
            first_ten
                .iter()
                .enumerate()
                .map(|(i, item)| (i.to_string(), item.clone()))
                .collect::<Map<_, _>>(),
        ),
        _ => Value::Array(first_ten),
    };
    let updated_at = if odd == Some(OddShape::Undecodable) {
        json!("not a timestamp")
    } else {
        time(incident.updated_at)
    };
    json!({
        "id": incident.id,
        "account_id": account_id,
        "agent_id": incident.agent_id,
        "organization_id": incident.organization_id,
        "subject": incident.subject,
        "summary": incident.summary,
        "body": incident.body,
        "severity": incident.severity,
        "status": incident.status,
        "platform": incident.platform,
        "indicator_types": indicator_types,
        "indicator_counts": incident.indicator_counts,
        "remediations": {
            "total_count": incident.remediations.len(),
            "has_more": incident.remediations.len() > 10,
            "items": items,
        },
        "sent_at": opt_time(incident.sent_at),
        "closed_at": opt_time(incident.closed_at),
        "status_updated_at": time(incident.status_updated_at),
        "updated_at": updated_at,
    })
}
