//! Entry points for the fuzz targets in `fuzz/` and the property tests:
//! Huntress bytes through the decoders and the normalizers. Each returns
//! nothing; the contract under test is "an error or a record, never a
//! panic". Not part of the supported API (feature `fuzzing`).

#[cfg(test)]
mod properties;

use crate::models::{Agent, IncidentReport, Organization};
use crate::normalize::{normalize_incident, normalize_organization};
use crate::provider::agent_details::HostFacts;
use crate::requests::envelope::{decode_one, decode_page, decode_record};
use psa_ingest::contracts::DeviceRef;
use serde_json::Value;

/// An answer body, read as each list and one-record answer the client
/// decodes, and every record normalized.
pub fn response_body(body: &[u8]) {
    let text = String::from_utf8_lossy(body);
    if let Ok(page) = decode_page::<IncidentReport>(&text, "/v1/incident_reports") {
        page.items.into_iter().for_each(incident_report);
    }
    if let Ok(page) = decode_page::<Agent>(&text, "/v1/agents") {
        page.items.iter().for_each(agent);
    }
    if let Ok(page) = decode_page::<Organization>(&text, "/v1/organizations") {
        for organization in &page.items {
            let _ = normalize_organization(organization);
        }
    }
    if let Ok(Some(report)) = decode_one::<IncidentReport>(&text, "/v1/incident_reports/1") {
        incident_report(report);
    }
    if let Ok(Some(organization)) = decode_one::<Organization>(&text, "/v1/organizations/1") {
        let _ = normalize_organization(&organization);
    }
}

/// One record of a list, read as an incident report and as an agent, and
/// normalized.
pub fn record(raw: Value) {
    if let Ok(report) = decode_record::<IncidentReport>(raw.clone(), 0) {
        incident_report(report);
    }
    if let Ok(decoded) = decode_record::<Agent>(raw, 0) {
        agent(&decoded);
    }
}

fn incident_report(report: IncidentReport) {
    let _ = normalize_incident(report, Some("acme"));
}

fn agent(agent: &Agent) {
    HostFacts::of(agent).apply(&mut DeviceRef::default());
}
