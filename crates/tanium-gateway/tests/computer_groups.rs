//! `computerGroups`: a stream over pages, and scopes.

mod support;

use futures::TryStreamExt;
use psa_ingest::contracts::ScopeKind;
use support::{After, Operation, client, gateway_post, json_fixture, request_bodies};
use tanium_gateway::models::ComputerGroupType;
use tanium_gateway::normalize::Normalizer;

#[tokio::test]
async fn streams_every_group_across_pages() {
    let server = wiremock::MockServer::start().await;
    gateway_post()
        .and(Operation("ComputerGroups"))
        .and(After(None))
        .respond_with(json_fixture("computer_groups_page1.json"))
        .mount(&server)
        .await;
    gateway_post()
        .and(Operation("ComputerGroups"))
        .and(After(Some("Y2c6MToy")))
        .respond_with(json_fixture("computer_groups_page2.json"))
        .mount(&server)
        .await;

    let client = client(&server);
    let groups: Vec<_> = client.computer_groups().try_collect().await.unwrap();

    let ids: Vec<_> = groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, ["11", "12", "13"]);
    assert_eq!(groups[0].group_type, Some(ComputerGroupType::Standard));
    assert_eq!(groups[1].group_type, Some(ComputerGroupType::Manual));
    assert_eq!(
        groups[2].group_type,
        Some(ComputerGroupType::Other("DYNAMIC_FUTURE_TYPE".into())),
        "unknown values are kept"
    );
    let bodies = request_bodies(&server).await;
    assert_eq!(bodies.len(), 2);
    assert_eq!(bodies[0]["variables"]["first"], 100);
}

#[tokio::test]
async fn groups_become_group_scopes() {
    let server = wiremock::MockServer::start().await;
    gateway_post()
        .and(After(None))
        .respond_with(json_fixture("computer_groups_page1.json"))
        .mount(&server)
        .await;

    let page = client(&server).computer_groups_page(2, None).await.unwrap();
    let scope = Normalizer::default().scope(&page.items[0]);

    assert!(page.has_next_page);
    assert_eq!(page.total_records, Some(3));
    assert_eq!(scope.external_id, "11");
    assert_eq!(scope.name, "Acme Corp - Workstations");
    assert_eq!(scope.kind, ScopeKind::Group);
    assert_eq!(scope.provider.as_str(), "tanium");
}
