//! Property tests: whatever a server sends, decoding and normalizing give a
//! record or an error, never a panic.

use crate::fuzzing::{record, response_body};
use proptest::prelude::*;
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
        response_body(&body);
    }

    #[test]
    fn any_json_decodes_and_normalizes_without_a_panic(document in vendor_json(KEYS)) {
        response_body(document.to_string().as_bytes());
    }

    #[test]
    fn any_report_over_a_valid_one_decodes_and_normalizes_without_a_panic(
        raw in vendor_record_over(json!({ "id": 7, "updated_at": "2025-01-01T00:00:00Z" }), KEYS),
    ) {
        record(raw);
    }

    #[test]
    fn any_record_decodes_and_normalizes_without_a_panic(raw in vendor_record(KEYS)) {
        record(raw);
    }
}
