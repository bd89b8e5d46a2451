//! `GET /v1/agents`: filters and tolerant decoding.

mod common;

use common::{client, fixture, get};
use huntress::{AgentId, AgentPlatform, OrganizationId};
use wiremock::matchers::query_param;
use wiremock::{MockServer, ResponseTemplate};

#[tokio::test]
async fn filters_travel_as_query_parameters() {
    let server = MockServer::start().await;
    get("/v1/agents")
        .and(query_param("organization_id", "1"))
        .and(query_param("platform", "windows"))
        .and(query_param("hostname", "ACME-WS01"))
        .and(query_param("limit", "500"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("agents.json")))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .agents()
        .organization_id(OrganizationId(1))
        .platform(AgentPlatform::Windows)
        .hostname("ACME-WS01")
        .limit(500)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert!(page.undecodable.is_empty());
    assert!(page.is_last(), "a null next_page_token means the last page");

    let ws = &page.items[0];
    assert_eq!(ws.id, AgentId(101));
    assert_eq!(ws.platform, Some(AgentPlatform::Windows));
    assert_eq!(ws.mac_addresses, ["7c:a7:b0:16:2f:78"]);
    assert_eq!(ws.tags, ["Workstation", "Front desk"]);
    assert_eq!(
        ws.last_callback_at,
        Some("2024-05-01T10:02:00Z".parse().unwrap())
    );
}

#[tokio::test]
async fn odd_values_are_tolerated() {
    let server = MockServer::start().await;
    get("/v1/agents")
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("agents.json")))
        .mount(&server)
        .await;
    let page = client(&server).agents().send().await.unwrap();
    let mac = &page.items[1];
    assert_eq!(mac.platform, Some(AgentPlatform::Other("freebsd".into())));
    assert_eq!(
        mac.mac_addresses,
        ["a4:83:e7:00:00:01"],
        "a scalar where an array was documented"
    );
    assert_eq!(
        mac.os_build_version.as_deref(),
        Some("23"),
        "a number where a string was documented"
    );
    assert!(mac.tags.is_empty());
    assert_eq!(
        mac.updated_at,
        Some("2024-05-01T10:00:00Z".parse().unwrap())
    );
    assert_eq!(mac.last_callback_at, None);
}

#[tokio::test]
async fn get_one_and_missing_one() {
    let server = MockServer::start().await;
    get("/v1/agents/101")
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("agent.json")))
        .mount(&server)
        .await;
    get("/v1/agents/7")
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let client = client(&server);
    let agent = client.get_agent(AgentId(101)).await.unwrap().unwrap();
    assert_eq!(agent.hostname.as_deref(), Some("ACME-WS01"));
    assert_eq!(client.get_agent(AgentId(7)).await.unwrap(), None);
}
