//! Property tests: whatever the Gateway or the Asset API sends, decoding and
//! normalizing give a record or an error, never a panic.

use crate::fuzzing::{asset_api_page, asset_api_row, gateway_endpoints_page};
use proptest::prelude::*;
use psa_testkit::vendor_json::{vendor_json, vendor_record_over};
use serde_json::json;

const NODE_KEYS: &[&str] = &[
    "id",
    "eidFirstSeen",
    "eidLastSeen",
    "computerID",
    "systemUUID",
    "name",
    "domainName",
    "serialNumber",
    "manufacturer",
    "model",
    "ipAddress",
    "ipAddresses",
    "macAddresses",
    "primaryUser",
    "email",
    "lastLoggedInUser",
    "isVirtual",
    "isEncrypted",
    "chassisType",
    "os",
    "platform",
    "generation",
    "disks",
    "free",
    "total",
    "usedPercentage",
    "memory",
    "ram",
    "processor",
    "cpu",
    "logicalProcessors",
    "networking",
    "adapters",
    "macAddress",
    "installedApplications",
    "version",
    "edges",
    "node",
    "cursor",
    "pageInfo",
    "hasNextPage",
    "endCursor",
    "totalRecords",
    "data",
    "errors",
    "message",
    "path",
    "extensions",
    "code",
];

const ASSET_KEYS: &[&str] = &[
    "id",
    "computer_id",
    "system_uuid",
    "computer_name",
    "serial_number",
    "manufacturer",
    "model",
    "domain_name",
    "user_name",
    "operating_system",
    "os_platform",
    "ip_address",
    "ram",
    "ci_network_adapter",
    "installed_applications",
    "logical_disks",
    "name",
    "mac_address",
    "version",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_decode_to_a_page_or_an_error(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        gateway_endpoints_page(&body);
        asset_api_page(&body);
    }

    #[test]
    fn any_json_decodes_to_a_page_or_an_error(document in vendor_json(NODE_KEYS)) {
        gateway_endpoints_page(document.to_string().as_bytes());
    }

    #[test]
    fn any_endpoint_in_a_valid_page_normalizes_without_a_panic(
        nodes in proptest::collection::vec(vendor_record_over(json!({ "id": "1", "name": "host" }), NODE_KEYS), 0..4),
        total in any::<i64>(),
    ) {
        let edges: Vec<_> = nodes
            .into_iter()
            .map(|node| json!({ "cursor": "c", "node": node }))
            .collect();
        let body = json!({ "data": { "endpoints": {
            "edges": edges,
            "pageInfo": { "hasNextPage": false, "endCursor": null },
            "totalRecords": total,
        }}});
        gateway_endpoints_page(body.to_string().as_bytes());
    }

    #[test]
    fn any_asset_api_row_reads_and_normalizes_without_a_panic(
        row in vendor_record_over(json!({ "id": 1, "computer_name": "host" }), ASSET_KEYS),
    ) {
        asset_api_row(&row);
        asset_api_page(json!({ "data": [row], "meta": { "nextAssetId": 2 } }).to_string().as_bytes());
    }
}
