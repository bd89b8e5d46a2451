//! The incident feed against the simulator: backfill, ascending order,
//! bounded pages, overlap, steady state, a list that changes mid-walk, and
//! the cost of host details.

use chrono::{DateTime, TimeDelta, Utc};
use futures::{StreamExt, TryStreamExt};
use huntress::provider::HuntressIncidentSource;
use huntress::{HuntressApi, HuntressClient, RateLimit, RetryPolicy};
use psa_ingest::contracts::IncidentStatus;
use psa_ingest::sources::{FeedCursor, FeedItem, IncidentSource};
use psa_testkit::huntress::{DatasetSpec, HuntressSim, NewIncident, SimConfig};
use secrecy::SecretString;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

async fn sim() -> HuntressSim {
    // No server limit here: these tests count requests, not waits.
    HuntressSim::start_with(SimConfig {
        rate_limit: None,
        ..SimConfig::default()
    })
    .await
}

/// A feed without host details: most tests here count the walk's own
/// requests.
fn source(sim: &HuntressSim, page_size: u32) -> HuntressIncidentSource {
    let client = HuntressClient::builder()
        .url_policy(huntress::UrlPolicy::loopback())
        .credentials(
            SecretString::from(sim.api_key()),
            SecretString::from(sim.api_secret()),
        )
        .base_url(sim.uri())
        .rate_limit(RateLimit::new(10_000, Duration::from_secs(1)))
        .retry(RetryPolicy::fast(Duration::from_millis(1)))
        .build()
        .unwrap();
    let api: Arc<dyn HuntressApi> = Arc::new(client);
    HuntressIncidentSource::new(api, Some(sim.account().subdomain))
        .with_page_size(page_size)
        .with_agent_details(false)
}

/// Requests of the log whose path and query start with `prefix`.
fn count(log: &[String], prefix: &str) -> usize {
    log.iter().filter(|r| r.starts_with(prefix)).count()
}

async fn poll(
    source: &HuntressIncidentSource,
    cursor: Option<&FeedCursor>,
    backfill_from: DateTime<Utc>,
) -> Vec<FeedItem> {
    source
        .incidents_since(cursor, backfill_from)
        .try_collect()
        .await
        .unwrap()
}

fn assert_ascending(items: &[FeedItem]) {
    for pair in items.windows(2) {
        assert!(
            pair[0].incident().unwrap().updated_at <= pair[1].incident().unwrap().updated_at,
            "not ascending: {:?} then {:?}",
            pair[0].cursor(),
            pair[1].cursor()
        );
    }
}

#[tokio::test]
async fn a_backfill_of_2000_incidents_is_complete_ascending_and_costs_2k_minus_1_requests() {
    let sim = sim().await;
    let summary = sim.generate(&DatasetSpec::default());
    let source = source(&sim, 500);
    let backfill_from = summary.oldest_update.unwrap();

    let items = poll(&source, None, backfill_from).await;
    assert_eq!(items.len(), 2_000);
    assert_ascending(&items);
    let ids: HashSet<_> = items
        .iter()
        .map(|i| i.incident().unwrap().external_id.clone())
        .collect();
    assert_eq!(ids.len(), 2_000, "no duplicates, nothing missing");
    // Four pages: walked down once, the three above the last fetched again.
    assert_eq!(source.requests_made(), 7);
    assert_eq!(sim.requests_served(), 7);
    assert!(sim.request_log().iter().all(|r| r.contains("limit=500")
        && r.contains("sort_field=updated_at")
        && r.contains("sort_direction=desc")));

    let last = items.last().unwrap();
    assert_eq!(
        last.incident().unwrap().updated_at,
        summary.newest_update.unwrap()
    );
    assert!(
        last.cursor()
            .unwrap()
            .0
            .ends_with(&format!("|{}", last.incident().unwrap().external_id))
    );
    let first = items[0].incident().unwrap();
    assert_eq!(
        first.portal_url.as_deref(),
        Some(
            format!(
                "https://simmsp.huntress.io/incident_reports/{}",
                first.external_id
            )
            .as_str()
        )
    );
}

#[tokio::test]
async fn a_backfill_stops_at_backfill_from() {
    let sim = sim().await;
    sim.generate(&DatasetSpec {
        incidents: 600,
        ..DatasetSpec::default()
    });
    let source = source(&sim, 100);
    let backfill_from = sim.now() - TimeDelta::days(3);
    let expected = sim
        .incidents()
        .iter()
        .filter(|i| i.updated_at >= backfill_from)
        .count();
    assert!(expected > 0 && expected < 600);

    let items = poll(&source, None, backfill_from).await;
    assert_eq!(items.len(), expected);
    assert!(
        items
            .iter()
            .all(|i| i.incident().unwrap().updated_at >= backfill_from)
    );
    assert_ascending(&items);
    // The walk stops on the page holding the first older row, then fetches
    // the pages above it again.
    let walked = (expected as u64 / 100) + 1;
    assert_eq!(source.requests_made(), 2 * walked - 1);
}

#[tokio::test]
async fn a_steady_state_cycle_costs_one_request_and_changes_come_next_cycle() {
    let sim = sim().await;
    let org = sim.add_organization("Acme Dental");
    let agent = sim.add_agent(org, "ACME-WS01");
    let ids: Vec<u64> = (0..30)
        .map(|_| {
            sim.advance(TimeDelta::minutes(2));
            sim.add_incident(NewIncident::new(org, Some(agent)))
        })
        .collect();
    sim.advance(TimeDelta::hours(1));
    let source = source(&sim, 10);
    let start = sim.now() - TimeDelta::days(1);

    let first = poll(&source, None, start).await;
    assert_eq!(first.len(), 30);
    let cursor = first.last().unwrap().cursor().cloned().unwrap();

    // Nothing new: one request, and only the cursor's own incident again
    // (the 60 s overlap; the others are minutes older).
    sim.reset_counters();
    let again = poll(&source, Some(&cursor), start).await;
    let again_ids: Vec<String> = again
        .iter()
        .map(|i| i.incident().unwrap().external_id.clone())
        .collect();
    assert_eq!(again_ids, [ids[29].to_string()]);
    assert_eq!(sim.requests_served(), 1);

    // Changes between polls.
    sim.close_incident(ids[3]);
    sim.update_incident(ids[7], |incident| incident.severity = "critical".into());
    let added = sim.add_incident(NewIncident::new(org, None).platform("microsoft_365"));
    sim.reset_counters();
    let changed = poll(&source, Some(&cursor), start).await;
    let changed_ids: Vec<String> = changed
        .iter()
        .map(|i| i.incident().unwrap().external_id.clone())
        .collect();
    assert_eq!(
        changed_ids,
        [ids[29], ids[3], ids[7], added].map(|id| id.to_string())
    );
    assert_eq!(
        changed[1].incident().unwrap().status,
        IncidentStatus::Closed
    );
    assert!(changed[1].incident().unwrap().closed_at.is_some());
    assert_eq!(changed[2].incident().unwrap().severity.as_str(), "critical");
    assert!(changed[3].incident().unwrap().device_ref.is_none());
    assert_eq!(
        changed[0]
            .incident()
            .unwrap()
            .device_ref
            .as_ref()
            .unwrap()
            .hostname
            .as_deref(),
        Some("ACME-WS01")
    );
    assert_eq!(sim.requests_served(), 1);

    // The overlap: a poll from the newest cursor sees the last minute again.
    let newest = changed.last().unwrap().cursor().cloned().unwrap();
    let overlap = poll(&source, Some(&newest), start).await;
    assert_eq!(
        overlap.len(),
        3,
        "the three changes lie within 60 s of the cursor"
    );
}

#[tokio::test]
async fn a_list_that_changes_during_the_walk_loses_nothing() {
    let sim = sim().await;
    let org = sim.add_organization("Acme Dental");
    let ids: Vec<u64> = (0..45)
        .map(|_| sim.add_incident(NewIncident::new(org, None)))
        .collect();
    let source = source(&sim, 10);
    let start = sim.now() - TimeDelta::days(1);

    let mut feed = source.incidents_since(None, start);
    let mut items = vec![feed.next().await.unwrap().unwrap()];
    assert_eq!(
        sim.requests_served(),
        5,
        "the descending walk reached the last page"
    );
    // While the walk replays its pages: a new incident (every offset page
    // shifts) and an old one changed (it moves to the top).
    let added = sim.add_incident(NewIncident::new(org, None));
    sim.update_incident(ids[12], |incident| incident.summary = "updated".into());
    while let Some(item) = feed.next().await {
        items.push(item.unwrap());
    }
    drop(feed);

    assert_ascending(&items);
    let seen: HashSet<String> = items
        .iter()
        .map(|i| i.incident().unwrap().external_id.clone())
        .collect();
    for id in ids.iter().chain([&added]) {
        assert!(seen.contains(&id.to_string()), "incident {id} was skipped");
    }
    let updated = items
        .iter()
        .rev()
        .find(|i| i.incident().unwrap().external_id == ids[12].to_string())
        .unwrap();
    assert_eq!(
        updated.incident().unwrap().summary.as_deref(),
        Some("updated"),
        "the newest version comes last"
    );
}

#[tokio::test]
async fn an_undecodable_incident_comes_in_its_place_with_its_error_and_record() {
    let sim = sim().await;
    let org = sim.add_organization("Acme Dental");
    let ids: Vec<u64> = (0..5)
        .map(|_| sim.add_incident(NewIncident::new(org, None)))
        .collect();
    sim.set_odd_shape(ids[2], Some(psa_testkit::huntress::OddShape::Undecodable));
    let source = source(&sim, 500);

    let items = poll(&source, None, sim.now() - TimeDelta::days(1)).await;
    let got: Vec<String> = items
        .iter()
        .filter_map(|i| Some(i.incident()?.external_id.clone()))
        .collect();
    assert_eq!(
        got,
        [ids[0], ids[1], ids[3], ids[4]].map(|id| id.to_string())
    );
    let undecodable: Vec<_> = items
        .iter()
        .filter_map(|item| match item {
            FeedItem::Undecodable { record, .. } => Some(record),
            FeedItem::Incident { .. } => None,
        })
        .collect();
    assert_eq!(undecodable.len(), 1);
    let record = undecodable[0];
    assert_eq!(record.id.as_deref(), Some(ids[2].to_string().as_str()));
    assert_eq!(record.json_path, "updated_at");
    assert_eq!(record.payload["updated_at"], "not a timestamp");
}

#[tokio::test]
async fn a_backfill_with_host_details_lists_each_organization_once() {
    let sim = sim().await;
    let summary = sim.generate(&DatasetSpec::default());
    let source = source(&sim, 500).with_agent_details(true);

    let items = poll(&source, None, summary.oldest_update.unwrap()).await;
    assert_eq!(items.len(), 2_000);
    assert_ascending(&items);
    let mut with_agent = 0;
    for item in &items {
        let Some(device) = &item.incident().unwrap().device_ref else {
            continue;
        };
        with_agent += 1;
        let id: u64 = device.agent_id.as_deref().unwrap().parse().unwrap();
        let agent = sim.agent(id).unwrap();
        assert_eq!(device.hostname.as_deref(), Some(agent.hostname.as_str()));
        assert_eq!(device.os.as_deref(), Some(agent.os.as_str()));
        assert_eq!(
            device.serial_number.as_deref(),
            Some(agent.serial_number.as_str())
        );
        assert_eq!(device.ip_addresses, [agent.ipv4_address, agent.external_ip]);
        assert_eq!(device.last_seen_at, Some(agent.last_callback_at));
    }
    assert!(with_agent > 1_500, "{with_agent} incidents name an agent");

    // The walk's 7, one read of the organizations' sizes, and one listing
    // per organization (each has about 100 agents: one page); no agent is
    // read on its own or twice.
    let log = sim.request_log();
    assert_eq!(count(&log, "/v1/incident_reports?"), 7);
    assert_eq!(count(&log, "/v1/organizations?limit=500"), 1);
    assert_eq!(count(&log, "/v1/agents/"), 0);
    let listings: HashSet<&String> = log
        .iter()
        .filter(|r| r.starts_with("/v1/agents?"))
        .collect();
    assert_eq!(listings.len(), 20, "{log:?}");
    assert!(listings.iter().all(|r| r.contains("limit=500")));
    for org in &summary.organization_ids {
        let filter = format!("organization_id={org}");
        assert_eq!(
            listings
                .iter()
                .filter(|r| r.split(['?', '&']).any(|p| p == filter))
                .count(),
            1,
            "{log:?}"
        );
    }
    assert_eq!(source.requests_made(), 28);
    assert_eq!(sim.requests_served(), 28);
}

#[tokio::test]
async fn a_steady_state_cycle_with_host_details_reads_the_overlap_agents_once() {
    let sim = sim().await;
    let org = sim.add_organization("Acme Dental");
    let agent = sim.add_agent(org, "ACME-WS01");
    for _ in 0..30 {
        sim.advance(TimeDelta::minutes(2));
        sim.add_incident(NewIncident::new(org, Some(agent)));
    }
    sim.advance(TimeDelta::hours(1));
    let source = source(&sim, 10).with_agent_details(true);
    let start = sim.now() - TimeDelta::days(1);

    let first = poll(&source, None, start).await;
    assert_eq!(first.len(), 30);
    assert!(first.iter().all(|i| {
        i.incident()
            .unwrap()
            .device_ref
            .as_ref()
            .unwrap()
            .os
            .as_deref()
            == Some("Windows 11 Pro")
    }));
    // Three pages walked down, two fetched again, one agent got once.
    assert_eq!(count(&sim.request_log(), &format!("/v1/agents/{agent}")), 1);
    assert_eq!(sim.requests_served(), 6);

    // Nothing new: the page, and the agent of the overlap's incident.
    sim.reset_counters();
    let cursor = first.last().unwrap().cursor().cloned().unwrap();
    let again = poll(&source, Some(&cursor), start).await;
    assert_eq!(again.len(), 1);
    assert_eq!(
        sim.request_log(),
        [
            "/v1/incident_reports?limit=10&sort_field=updated_at&sort_direction=desc".to_owned(),
            format!("/v1/agents/{agent}"),
        ]
    );
}

#[tokio::test]
async fn a_failing_agent_listing_leaves_details_empty_and_the_feed_complete() {
    let sim = sim().await;
    let org = sim.add_organization("Acme Dental");
    let agents: Vec<u64> = (0..5)
        .map(|n| sim.add_agent(org, &format!("ACME-WS{n:02}")))
        .collect();
    for agent in &agents {
        sim.add_incident(NewIncident::new(org, Some(*agent)));
    }
    sim.inject_on("/v1/agents", psa_testkit::huntress::Fault::Status(400), 1);
    let source = source(&sim, 500).with_agent_details(true);

    let items = poll(&source, None, sim.now() - TimeDelta::days(1)).await;
    assert_eq!(items.len(), 5);
    for item in &items {
        let device = item.incident().unwrap().device_ref.as_ref().unwrap();
        assert!(device.os.is_none() && device.ip_addresses.is_empty());
    }
    // The page, the sizes, the one failed listing: no single gets after it.
    assert_eq!(sim.requests_served(), 3, "{:?}", sim.request_log());
}
