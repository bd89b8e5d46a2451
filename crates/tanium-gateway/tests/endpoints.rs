//! `endpoints`: group-scoped page walks, incremental filter, progress,
//! normalization of real-shaped records, and the errors of a walk.

mod support;

use chrono::{TimeDelta, TimeZone, Utc};
use futures::TryStreamExt;
use psa_ingest::contracts::{AgentStatus, DeviceType};
use serde_json::json;
use support::{After, Operation, client, gateway_post, json_fixture, request_bodies};
use tanium_gateway::models::{Cursor, Endpoint, Platform};
use tanium_gateway::normalize::Normalizer;
use tanium_gateway::{EndpointQuery, GatewayError};
use wiremock::{MockServer, ResponseTemplate};

async fn two_page_server() -> MockServer {
    let server = MockServer::start().await;
    gateway_post()
        .and(Operation("Endpoints"))
        .and(After(None))
        .respond_with(json_fixture("endpoints_page1.json"))
        .mount(&server)
        .await;
    gateway_post()
        .and(Operation("Endpoints"))
        .and(After(Some("ZXA6Nzoy")))
        .respond_with(json_fixture("endpoints_page2.json"))
        .mount(&server)
        .await;
    server
}

async fn walk(server: &MockServer, query: EndpointQuery) -> Vec<Endpoint> {
    let pages: Vec<_> = client(server).endpoints(query).try_collect().await.unwrap();
    pages.into_iter().flat_map(|p| p.items).collect()
}

#[tokio::test]
async fn walks_the_pages_of_one_group() {
    let server = two_page_server().await;

    let pages: Vec<_> = client(&server)
        .endpoints(EndpointQuery::in_group("11").page_size(2))
        .try_collect()
        .await
        .unwrap();

    assert_eq!(pages.len(), 2);
    assert_eq!((pages[0].yielded, pages[1].yielded), (2, 3));
    assert_eq!(pages[1].total_records, Some(3));
    let ids: Vec<_> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|e| e.id.as_str()))
        .collect();
    assert_eq!(ids, ["50417", "50418", "50419"]);
    for body in request_bodies(&server).await {
        assert_eq!(
            body["variables"]["filter"],
            json!({"memberOf": {"id": "11"}})
        );
        assert_eq!(body["variables"]["first"], 2);
    }
}

#[tokio::test]
async fn decodes_the_vendor_shape() {
    let server = two_page_server().await;

    let endpoints = walk(&server, EndpointQuery::in_group("11")).await;

    let laptop = &endpoints[0];
    assert_eq!(
        laptop.eid_last_seen,
        Some(Utc.with_ymd_and_hms(2024, 6, 1, 11, 55, 3).unwrap())
    );
    assert_eq!(
        laptop.os.as_ref().unwrap().platform,
        Some(Platform::Windows)
    );
    assert_eq!(
        laptop.primary_user.as_ref().unwrap().email.as_deref(),
        Some("jane.doe@acme.example")
    );
    assert_eq!(laptop.network_adapters.len(), 2);
    let vm = &endpoints[2];
    assert!(vm.ip_addresses.is_empty(), "null list is empty");
    assert_eq!(vm.primary_user, None);
    assert_eq!(vm.network_adapters.len(), 1, "null entries are dropped");
}

#[tokio::test]
async fn normalizes_real_world_records() {
    let server = two_page_server().await;
    let endpoints = walk(&server, EndpointQuery::in_group("11")).await;
    let now = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap();
    let normalizer = Normalizer::new(TimeDelta::minutes(60));
    let devices: Vec<_> = endpoints
        .iter()
        .map(|e| normalizer.device(e, "11", now))
        .collect();

    let (laptop, sql, web) = (&devices[0], &devices[1], &devices[2]);
    assert_eq!(laptop.device_type, DeviceType::Workstation);
    assert_eq!(laptop.agent_status, AgentStatus::Online);
    assert_eq!(laptop.users.current_user.as_deref(), Some("Jane Doe"));
    assert_eq!(laptop.hardware.ram_bytes, Some(16_384 * 1024 * 1024));
    assert_eq!(
        laptop.network.mac_addresses,
        ["A4-BB-6D-11-22-33", "00-E0-4C-68-01-02"]
    );

    assert_eq!(sql.device_type, DeviceType::Server);
    assert_eq!(
        sql.agent_status,
        AgentStatus::Offline,
        "last seen five days ago"
    );
    assert_eq!(
        sql.users.current_user.as_deref(),
        Some("ACME\\svc-backup"),
        "sensor error falls back to last user"
    );
    assert_eq!(
        sql.hardware.disks[1].total_bytes,
        Some((3.6 * 1024f64.powi(4)).round() as u64)
    );
    assert_eq!(
        sql.installed_software.len(),
        1,
        "TSE-Error application dropped"
    );

    assert_eq!(web.device_type, DeviceType::Server, "Linux VM");
    assert_eq!(web.hardware.is_virtual, Some(true));
    assert_eq!(web.hardware.disks[0].free_bytes, None, "[no results]");
    assert_eq!(web.network.mac_addresses.len(), 1, "same MAC in two cases");
    assert_eq!(web.users.current_user, None);
    assert!(
        !web.extra.contains_key("domain_name"),
        "sensor error not kept"
    );
}

#[tokio::test]
async fn an_incremental_walk_filters_on_last_seen() {
    let server = MockServer::start().await;
    gateway_post()
        .respond_with(json_fixture("endpoints_page2.json"))
        .mount(&server)
        .await;
    let since = Utc.with_ymd_and_hms(2024, 6, 1, 11, 0, 0).unwrap();

    let endpoints = walk(&server, EndpointQuery::in_group("11").changed_after(since)).await;

    assert_eq!(endpoints.len(), 1);
    let body = &request_bodies(&server).await[0];
    assert_eq!(
        body["variables"]["filter"],
        json!({"filters": [
            {"memberOf": {"id": "11"}},
            {"path": "eidLastSeen", "op": "UPDATED_AFTER", "value": "2024-06-01T11:00:00Z"}
        ], "any": false})
    );
}

#[tokio::test]
async fn total_records_reads_one_record() {
    let server = two_page_server().await;

    let total = client(&server)
        .total_records(&EndpointQuery::in_group("11"))
        .await
        .unwrap();

    assert_eq!(total, Some(3));
    assert_eq!(request_bodies(&server).await[0]["variables"]["first"], 1);
}

#[tokio::test]
async fn graphql_errors_keep_messages_and_paths() {
    let server = MockServer::start().await;
    gateway_post()
        .respond_with(json_fixture("graphql_errors.json"))
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server)
        .endpoints_page(&EndpointQuery::all_endpoints(), None)
        .await
        .unwrap_err();

    let GatewayError::GraphQl { operation, errors } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*operation, "Endpoints");
    assert_eq!(errors.len(), 2);
    assert_eq!(
        errors[0].path.as_deref(),
        Some("endpoints.edges.0.node.eidLastSeen")
    );
    assert!(errors[1].message.contains("TDS is unavailable"));
    assert!(
        error.to_string().contains("Endpoint Read permission"),
        "{error}"
    );
}

#[tokio::test]
async fn an_expired_cursor_on_a_single_page_is_named() {
    let server = MockServer::start().await;
    gateway_post()
        .respond_with(json_fixture("cursor_expired.json"))
        .mount(&server)
        .await;

    let error = client(&server)
        .endpoints_page(
            &EndpointQuery::all_endpoints(),
            Some(Cursor("ZXA6Nzoy".into())),
        )
        .await
        .unwrap_err();

    assert!(
        matches!(error, GatewayError::CursorExpired { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_walk_restarts_after_an_expired_cursor_without_duplicates() {
    let server = MockServer::start().await;
    gateway_post()
        .and(After(None))
        .respond_with(json_fixture("endpoints_page1.json"))
        .mount(&server)
        .await;
    gateway_post()
        .and(After(Some("ZXA6Nzoy")))
        .respond_with(json_fixture("cursor_expired.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    gateway_post()
        .and(After(Some("ZXA6Nzoy")))
        .respond_with(json_fixture("endpoints_page2.json"))
        .mount(&server)
        .await;

    let pages: Vec<_> = client(&server)
        .endpoints(EndpointQuery::in_group("11"))
        .try_collect()
        .await
        .unwrap();

    let ids: Vec<_> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|e| e.id.as_str()))
        .collect();
    assert_eq!(ids, ["50417", "50418", "50419"]);
    assert_eq!(pages.last().unwrap().restarts, 1);
    let afters: Vec<_> = request_bodies(&server)
        .await
        .iter()
        .map(|b| b["variables"]["after"].clone())
        .collect();
    assert_eq!(
        afters,
        [
            json!(null),
            json!("ZXA6Nzoy"),
            json!(null),
            json!("ZXA6Nzoy")
        ]
    );
}

#[tokio::test]
async fn a_record_of_the_wrong_type_names_its_json_path() {
    let server = MockServer::start().await;
    let mut body = support::fixture("endpoints_page2.json");
    body["data"]["endpoints"]["edges"][0]["node"]["eidLastSeen"] = json!("yesterday");
    gateway_post()
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;

    let error = client(&server)
        .endpoints_page(&EndpointQuery::all_endpoints(), None)
        .await
        .unwrap_err();

    let GatewayError::Decode { path, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(path, "data.endpoints.edges[0].node.eidLastSeen");
}
