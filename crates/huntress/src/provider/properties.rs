//! Property tests: whatever a server sends, decoding and normalizing give a
//! record or an error, never a panic.

use super::agent_details::HostFacts;
use super::normalize::{normalize_incident, normalize_organization};
use crate::decode::envelope::{decode_one, decode_page, decode_record};
use crate::models::{Agent, IncidentReport, Organization};
use proptest::prelude::*;
use psa_ingest::contracts::DeviceRef;
use psa_testkit::vendor_json::{vendor_json, vendor_record, vendor_record_over};
use serde_json::json;

const KEYS: &[&str] = &[
    "id",
    "account_id",
    "agent_id",
    "organization_id",
    "subject",
    "summary",
    "body",
    "severity",
    "status",
    "status_updated_at",
    "updated_at",
    "sent_at",
    "closed_at",
    "created_at",
    "indicator_types",
    "indicator_counts",
    "remediations",
    "platform",
    "incident_reports",
    "incident_report",
    "agents",
    "agent",
    "organizations",
    "organization",
    "pagination",
    "next_page_token",
    "next_page_url",
    "hostname",
    "os",
    "serial_number",
    "last_callback_at",
    "mac_addresses",
    "external_ip",
    "name",
    "key",
    "agents_count",
    "action",
    "kind",
    "tags",
    "items",
    "total_count",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_decode_to_a_page_or_an_error(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&body);
        let _ = decode_page::<IncidentReport>(&text, "/v1/incident_reports");
        let _ = decode_page::<Agent>(&text, "/v1/agents");
        let _ = decode_one::<Organization>(&text, "/v1/organizations/1");
    }

    #[test]
    fn any_json_decodes_and_normalizes_without_a_panic(document in vendor_json(KEYS)) {
        let text = document.to_string();
        if let Ok(page) = decode_page::<IncidentReport>(&text, "/v1/incident_reports") {
            for report in page.items {
                let _ = normalize_incident(report, Some("acme"));
            }
        }
        if let Ok(page) = decode_page::<Organization>(&text, "/v1/organizations") {
            for organization in &page.items {
                let _ = normalize_organization(organization);
            }
        }
    }

    #[test]
    fn any_report_over_a_valid_one_decodes_and_normalizes_without_a_panic(
        record in vendor_record_over(json!({ "id": 7, "updated_at": "2025-01-01T00:00:00Z" }), KEYS),
    ) {
        if let Ok(report) = decode_record::<IncidentReport>(record, 0) {
            let _ = normalize_incident(report, Some("acme"));
        }
    }

    #[test]
    fn any_record_decodes_and_normalizes_without_a_panic(record in vendor_record(KEYS)) {
        if let Ok(report) = decode_record::<IncidentReport>(record.clone(), 0) {
            let _ = normalize_incident(report, Some("acme"));
        }
        if let Ok(agent) = decode_record::<Agent>(record, 0) {
            HostFacts::of(&agent).apply(&mut DeviceRef::default());
        }
    }
}
