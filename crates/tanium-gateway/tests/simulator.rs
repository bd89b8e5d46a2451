//! The client against the stateful simulator (psa-testkit): full walks,
//! cursor expiry, slow pages, faults, incremental walks and id changes.

use chrono::TimeDelta;
use futures::{StreamExt, TryStreamExt};
use psa_testkit::tanium::{Fault, FaultRule, GroupSpec, TaniumSim};
use secrecy::SecretString;
use std::collections::HashSet;
use std::time::Duration;
use tanium_gateway::models::{Endpoint, WalkPage};
use tanium_gateway::{AssetApiClient, EndpointQuery, GatewayClient, GatewayError, RetryPolicy};

async fn sim() -> TaniumSim {
    TaniumSim::builder()
        .start_generated(&[
            GroupSpec::new("1", "Acme", 30),
            GroupSpec::new("2", "Globex", 8),
        ])
        .await
}

fn client(sim: &TaniumSim) -> GatewayClient {
    GatewayClient::builder(sim.gateway_url(), SecretString::from(sim.token()))
        .url_policy(tanium_gateway::UrlPolicy::loopback())
        .retry_policy(RetryPolicy::immediate(3))
        .request_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn ids(pages: &[WalkPage<Endpoint>]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p.items.iter().map(|e| e.id.clone()))
        .collect()
}

#[tokio::test]
async fn a_full_walk_yields_every_member_once() {
    let sim = sim().await;

    let pages: Vec<_> = client(&sim)
        .endpoints(EndpointQuery::in_group("1").page_size(7))
        .try_collect()
        .await
        .unwrap();

    assert_eq!(ids(&pages), sim.group_members("1"));
    assert_eq!(pages.len(), 5, "30 endpoints in pages of 7");
    assert_eq!(pages[0].total_records, Some(30));
}

#[tokio::test]
async fn an_expired_cursor_restarts_the_walk_without_duplicates() {
    let sim = sim().await;
    let client = client(&sim);
    let mut walk = client.endpoints(EndpointQuery::in_group("1").page_size(5));
    let mut pages = vec![
        walk.next().await.unwrap().unwrap(),
        walk.next().await.unwrap().unwrap(),
    ];

    sim.expire_cursors();
    while let Some(page) = walk.try_next().await.unwrap() {
        pages.push(page);
    }

    let yielded = ids(&pages);
    let unique: HashSet<_> = yielded.iter().collect();
    assert_eq!(yielded.len(), 30);
    assert_eq!(unique.len(), 30, "no duplicates");
    assert_eq!(pages.last().unwrap().restarts, 1);
    let fresh_walks = sim
        .requests()
        .iter()
        .filter(|r| r.operation == "Endpoints" && r.variables["after"].is_null())
        .count();
    assert_eq!(fresh_walks, 2);
}

#[tokio::test]
async fn cursors_expire_when_the_clock_passes_their_lifetime() {
    let sim = sim().await;
    let client = client(&sim);
    let mut walk = client.endpoints(EndpointQuery::in_group("1").page_size(10));
    let first = walk.next().await.unwrap().unwrap();

    sim.clock().advance(TimeDelta::minutes(6));
    let rest: Vec<_> = walk.try_collect().await.unwrap();

    assert_eq!(
        first.items.len() + rest.iter().map(|p| p.items.len()).sum::<usize>(),
        30
    );
    assert_eq!(rest.last().unwrap().restarts, 1);
}

#[tokio::test]
async fn a_slow_page_is_asked_again_at_half_the_size() {
    let sim = sim().await;
    sim.inject(
        FaultRule::new(Fault::SlowAbovePageSize {
            page_size: 10,
            delay: Duration::from_secs(10),
        })
        .on_operation("Endpoints"),
    );
    let client = GatewayClient::builder(sim.gateway_url(), SecretString::from(sim.token()))
        .url_policy(tanium_gateway::UrlPolicy::loopback())
        .retry_policy(RetryPolicy::immediate(4))
        .request_timeout(Duration::from_millis(150))
        .build()
        .unwrap();

    let pages: Vec<_> = client
        .endpoints(EndpointQuery::in_group("1").page_size(40))
        .try_collect()
        .await
        .unwrap();

    assert_eq!(ids(&pages), sim.group_members("1"));
    assert!(pages.iter().all(|p| p.page_size == 10), "40 -> 20 -> 10");
    let firsts: Vec<_> = sim
        .requests()
        .iter()
        .map(|r| r.variables["first"].as_i64().unwrap())
        .collect();
    assert_eq!(&firsts[..3], [40, 20, 10]);
}

/// Whether an error is the one a fault should give.
type IsNamed = fn(&GatewayError) -> bool;

#[tokio::test]
async fn faults_are_named() {
    let sim = sim().await;
    let client = client(&sim);
    let cases: Vec<(Fault, IsNamed)> = vec![
        (Fault::status(502), |e| {
            matches!(e, GatewayError::Server { status: 502, .. })
        }),
        (Fault::status(500), |e| {
            e.to_string().contains("Failed to initialize request")
        }),
        (Fault::status(403), |e| {
            matches!(e, GatewayError::Forbidden { .. })
        }),
        (Fault::LoginRedirect, |e| {
            matches!(e, GatewayError::LoginRedirect { status: 302, .. })
        }),
        (Fault::HtmlPage, |e| {
            matches!(e, GatewayError::HtmlPage { .. })
        }),
        (
            Fault::graphql_error("TDS is unavailable"),
            |e| matches!(e, GatewayError::GraphQl { errors, .. } if errors[0].message == "TDS is unavailable" && errors[0].path.as_deref() == Some("endpoints")),
        ),
    ];
    for (fault, is_named) in cases {
        sim.clear_faults();
        sim.inject(FaultRule::new(fault.clone()));
        let error = client
            .endpoints(EndpointQuery::in_group("1"))
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(is_named(&error), "{fault:?} gave {error:?}");
    }
}

#[tokio::test]
async fn a_wrong_token_is_refused() {
    let sim = sim().await;
    let client = GatewayClient::builder(sim.gateway_url(), SecretString::from("token-wrong"))
        .url_policy(tanium_gateway::UrlPolicy::loopback())
        .build()
        .unwrap();

    let error = client.test_connection().await.unwrap_err();

    assert!(
        matches!(error, GatewayError::Unauthorized { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn transient_faults_are_ridden_out() {
    let sim = sim().await;
    sim.inject(FaultRule::new(Fault::status(503)).times(2));

    let groups: Vec<_> = client(&sim).computer_groups().try_collect().await.unwrap();

    assert_eq!(groups.len(), 2);
    assert_eq!(sim.request_count("ComputerGroups"), 3);
}

#[tokio::test]
async fn an_incremental_walk_sees_only_changed_endpoints() {
    let sim = sim().await;
    let since = sim.clock().now();
    sim.clock().advance(TimeDelta::minutes(10));
    sim.touch_endpoint("1003");
    sim.touch_endpoint("1031");

    let client = client(&sim);
    let group1: Vec<_> = client
        .endpoints(EndpointQuery::in_group("1").changed_after(since))
        .try_collect()
        .await
        .unwrap();
    let group2: Vec<_> = client
        .endpoints(EndpointQuery::in_group("2").changed_after(since))
        .try_collect()
        .await
        .unwrap();

    assert_eq!(ids(&group1), ["1003"]);
    assert_eq!(ids(&group2), ["1031"]);
}

#[tokio::test]
async fn id_changes_and_moves_show_up() {
    let sim = sim().await;
    let since = sim.clock().now() - TimeDelta::seconds(1);
    sim.change_endpoint_id("1000", "9000");
    sim.move_endpoint("1001", "1", "2");

    let client = client(&sim);
    let changes = client.endpoint_id_changes(since).await.unwrap();
    let group2: Vec<_> = client
        .endpoints(EndpointQuery::in_group("2"))
        .try_collect()
        .await
        .unwrap();

    assert_eq!(changes.changes.len(), 1);
    assert_eq!(
        (
            changes.changes[0].old_id.as_str(),
            changes.changes[0].new_id.as_str()
        ),
        ("1000", "9000")
    );
    assert!(ids(&group2).contains(&"1001".to_owned()));
    assert_eq!(
        sim.group_members("1").first().map(String::as_str),
        Some("9000")
    );
}

#[tokio::test]
async fn the_asset_api_holds_endpoints_aged_out_of_tds() {
    let sim = sim().await;
    sim.age_out_of_tds("1002");
    let assets = AssetApiClient::builder(sim.base_url(), SecretString::from(sim.token()))
        .url_policy(tanium_gateway::UrlPolicy::loopback())
        .retry_policy(RetryPolicy::immediate(2))
        .build()
        .unwrap();

    let pages: Vec<_> = assets.assets(15).try_collect().await.unwrap();
    let gateway: Vec<_> = client(&sim)
        .endpoints(EndpointQuery::all_endpoints())
        .try_collect()
        .await
        .unwrap();

    assert_eq!(pages.len(), 3, "38 rows in pages of 15");
    assert_eq!(pages.iter().map(|p| p.assets.len()).sum::<usize>(), 38);
    assert!(
        pages
            .iter()
            .flat_map(|p| &p.assets)
            .any(|a| a.computer_name.as_deref() == Some("mac-0002"))
    );
    assert_eq!(ids(&gateway).len(), 37);
    assert_eq!(sim.request_count("assets"), 3);
}
