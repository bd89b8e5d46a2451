//! The Asset REST API: paging by `minimumAssetId`, tolerant rows.

mod support;

use futures::TryStreamExt;
use psa_ingest::contracts::{DeviceLifecycle, DeviceType};
use secrecy::SecretString;
use support::{TOKEN, json_fixture};
use tanium_gateway::ASSET_API_PATH;
use tanium_gateway::normalize::Normalizer;
use tanium_gateway::{AssetApiClient, GatewayError, RetryPolicy};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> AssetApiClient {
    AssetApiClient::builder(server.uri(), SecretString::from(TOKEN))
        .url_policy(tanium_gateway::UrlPolicy::loopback())
        .retry_policy(RetryPolicy::immediate(2))
        .build()
        .unwrap()
}

async fn two_page_server() -> MockServer {
    let server = MockServer::start().await;
    let get = || {
        Mock::given(method("GET"))
            .and(path(ASSET_API_PATH))
            .and(header("session", TOKEN))
            .and(query_param("limit", "2"))
    };
    get()
        .and(query_param("minimumAssetId", "1"))
        .respond_with(json_fixture("assets_page1.json"))
        .expect(1)
        .mount(&server)
        .await;
    get()
        .and(query_param("minimumAssetId", "4"))
        .respond_with(json_fixture("assets_page2.json"))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn walks_pages_until_the_end_of_the_reader() {
    let server = two_page_server().await;

    let pages: Vec<_> = client(&server).assets(2).try_collect().await.unwrap();

    let ids: Vec<_> = pages
        .iter()
        .flat_map(|p| p.assets.iter().map(|a| a.id.as_str()))
        .collect();
    assert_eq!(ids, ["1", "3", "7"]);
    assert_eq!(
        pages[1].skipped.len(),
        1,
        "the row without an id is skipped, not fatal"
    );
    assert!(pages[1].end_of_reader);
    let first = &pages[0].assets[0];
    assert_eq!(
        first.extra.get("last_seen"),
        Some(&serde_json::json!("2024-04-20T10:00:00Z"))
    );
    assert_eq!(
        pages[0].assets[1].ram.as_deref(),
        Some("131072"),
        "a number is read as text"
    );
}

#[tokio::test]
async fn rows_become_offline_devices_keyed_apart_from_gateway_ids() {
    let server = two_page_server().await;
    let pages: Vec<_> = client(&server).assets(2).try_collect().await.unwrap();
    let normalizer = Normalizer::default();

    let devices: Vec<_> = pages
        .iter()
        .flat_map(|p| p.assets.iter().map(|a| normalizer.asset_device(a, "11")))
        .collect();

    assert_eq!(devices[0].external_id, "asset:1");
    assert_eq!(devices[0].device_type, DeviceType::Workstation);
    assert_eq!(devices[0].network.mac_addresses, ["a4:bb:6d:11:22:33"]);
    assert_eq!(devices[0].installed_software[0].name, "Google Chrome");
    assert_eq!(devices[1].device_type, DeviceType::Server);
    assert_eq!(
        devices[1].hardware.ram_bytes, None,
        "a bare number is not guessed"
    );
    assert_eq!(devices[2].lifecycle, DeviceLifecycle::Offline);
    assert_eq!(devices[2].users.current_user, None);
}

#[tokio::test]
async fn a_missing_asset_module_is_named() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Not Found"))
        .mount(&server)
        .await;

    let error = client(&server).page(1, 10).await.unwrap_err();

    assert!(
        matches!(error, GatewayError::Status { status: 404, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("Asset API"), "{error}");
}
