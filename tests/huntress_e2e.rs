//! Huntress end to end, on both store backends: the simulator behind a
//! registry holding the real `HuntressProvider`, driven by the psa-sync jobs
//! (connect, then incident polls recorded as sync runs). Host details are
//! on (the default): tickets show the agent's OS and addresses.

mod support;

use chrono::{TimeDelta, Utc};
use huntress::provider::{HuntressProvider, SECRET_API_KEY, SECRET_API_SECRET};
use huntress::{RateLimit, RetryPolicy};
use psa_ingest::engine::incidents::IncidentPollReport;
use psa_ingest::ports::{
    IntegrationStore, ScopeLinkBy, ScopeMappingStore, StoreError, SyncRunStore, TicketStore,
};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::DemoTenant;
use psa_store::test_util::TestStore;
use psa_testkit::huntress::{DatasetSpec, HuntressSim, NewIncident, SimAgent, SimConfig};
use secrecy::SecretString;
use std::time::{Duration, Instant};

/// A registry with the Huntress provider at Huntress's own limit (60 per
/// minute, the same as the simulator's strict window) and quick retries.
fn registry() -> ProviderRegistry {
    let provider = HuntressProvider::new()
        .with_url_policy(huntress::UrlPolicy::loopback())
        .with_rate_limit(RateLimit::HUNTRESS)
        .with_retry(RetryPolicy::fast(Duration::from_millis(5)))
        .with_timeout(Duration::from_secs(10));
    let mut registry = ProviderRegistry::new();
    registry.register(Box::new(provider)).unwrap();
    registry
}

/// A simulator whose clock is the real time: the engine's backfill window
/// is measured from the real clock.
async fn simulator() -> HuntressSim {
    HuntressSim::start_with(SimConfig {
        start: Utc::now(),
        ..SimConfig::default()
    })
    .await
}

/// Whether a ticket description shows the host facts of a simulator agent.
fn shows_host(description: &str, agent: &SimAgent) -> bool {
    description.contains(&format!("- **Hostname:** {}", agent.hostname))
        && description.contains(&format!("- **OS:** {}", agent.os))
        && description.contains(&format!(
            "- **IP addresses:** {}, {}",
            agent.ipv4_address, agent.external_ip
        ))
        && description.contains(&format!("- **Serial number:** {}", agent.serial_number))
}

fn secrets(sim: &HuntressSim) -> ProviderSecrets {
    ProviderSecrets::new()
        .with(SECRET_API_KEY, SecretString::from(sim.api_key()))
        .with(SECRET_API_SECRET, SecretString::from(sim.api_secret()))
}

struct Setup {
    demo: DemoTenant,
    tenant: TenantId,
    integration: IntegrationId,
    registry: ProviderRegistry,
}

/// Seeds a tenant, creates the integration pointing at the simulator and
/// connects it through the sync job; checks what connecting recorded.
async fn connect(store: &TestStore, sim: &HuntressSim) -> Setup {
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let tenant = demo.tenant;
    let integration = support::integration(store, tenant, "huntress").await;
    let version = store
        .get_integration(tenant, integration)
        .await
        .unwrap()
        .unwrap()
        .settings_version;
    store
        .update_settings(
            tenant,
            integration,
            version,
            serde_json::json!({ "api_base_url": sim.uri() }),
        )
        .await
        .unwrap();
    let registry = registry();

    let (info, scopes) =
        psa_sync::jobs::connect(store.store(), &registry, tenant, integration, &secrets(sim))
            .await
            .unwrap();

    assert_eq!(info.account_name.as_deref(), Some("Sim MSP"));
    let record = store
        .get_integration(tenant, integration)
        .await
        .unwrap()
        .unwrap();
    assert!(record.is_active);
    let account = &record.settings["account"];
    assert_eq!(account["name"], "Sim MSP");
    assert_eq!(account["subdomain"], "simmsp");
    assert_eq!(account["account_id"], 1);
    // Prefilled by priority name: critical → Critical, high → High, low → Medium.
    assert_eq!(
        record.settings["incidents"]["severity_priorities"],
        serde_json::json!({
            "critical": demo.priorities.critical,
            "high": demo.priorities.high,
            "low": demo.priorities.medium,
        })
    );
    let scopes = scopes.expect("Huntress has a scope source");
    assert_eq!(scopes.discovered, sim.organizations().len());
    let mut mapped: Vec<String> = store
        .list_scope_mappings(tenant, integration)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.external_id)
        .collect();
    mapped.sort();
    let mut expected: Vec<String> = sim
        .organizations()
        .iter()
        .map(|o| o.id.to_string())
        .collect();
    expected.sort();
    assert_eq!(mapped, expected, "every organization has a mapping row");

    Setup {
        demo,
        tenant,
        integration,
        registry,
    }
}

/// Completes the incident settings on top of what connecting wrote, by
/// compare-and-set on the settings version; a stale version is refused.
async fn complete_settings(store: &TestStore, s: &Setup, backfill_days: u32) {
    let record = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap();
    let mut settings = record.settings.clone();
    let incidents = settings["incidents"].as_object_mut().unwrap();
    for (key, value) in [
        ("board_id", serde_json::json!(s.demo.default_board.id)),
        ("category_id", serde_json::json!(s.demo.categories.security)),
        (
            "fallback_client_id",
            serde_json::json!(s.demo.clients.initech),
        ),
        (
            "fallback_board_id",
            serde_json::json!(s.demo.triage_board.id),
        ),
        ("auto_close", serde_json::json!(true)),
        (
            "closed_status_id",
            serde_json::json!(s.demo.default_board.closed),
        ),
        ("backfill_days", serde_json::json!(backfill_days)),
    ] {
        incidents.insert(key.to_owned(), value);
    }
    let version = store
        .update_settings(
            s.tenant,
            s.integration,
            record.settings_version,
            settings.clone(),
        )
        .await
        .unwrap();
    assert!(version > record.settings_version);
    let stale = store
        .update_settings(s.tenant, s.integration, record.settings_version, settings)
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict { .. }), "{stale:?}");
}

/// One poll through the sync job; checks that the sync run it recorded
/// carries the same request count the simulator served, and that the
/// simulator refused nothing.
async fn poll(store: &TestStore, sim: &HuntressSim, s: &Setup) -> IncidentPollReport {
    sim.reset_counters();
    let report =
        psa_sync::jobs::poll_incidents(store.store(), &s.registry, s.tenant, s.integration)
            .await
            .unwrap();
    let run = store
        .list_sync_runs(s.tenant, s.integration, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(run.kind, "incidents");
    assert_eq!(
        u64::try_from(run.requests_made).unwrap(),
        report.requests_made
    );
    assert_eq!(
        report.requests_made,
        sim.requests_served(),
        "{:?}",
        sim.request_log()
    );
    assert_eq!(sim.rate_limited(), 0, "no 429 from the simulator");
    report
}

async fn connect_route_update_close_and_fall_back(store: TestStore) {
    let sim = simulator().await;
    // Named like a demo client: the auto-matcher maps it.
    let acme = sim.add_organization("Acme Corp");
    let wayne = sim.add_organization("Wayne Enterprises");
    let laptop = sim.add_agent(acme, "ACME-LT01");
    let s = connect(&store, &sim).await;
    let acme_mapping = store
        .get_scope_mapping(s.tenant, s.integration, &acme.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acme_mapping.client_id, Some(s.demo.clients.acme));
    let wayne_mapping = store
        .get_scope_mapping(s.tenant, s.integration, &wayne.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(wayne_mapping.client_id, None);
    complete_settings(&store, &s, 7).await;

    let first = sim.add_incident(NewIncident::new(acme, Some(laptop)).severity("high"));
    let stray = sim.add_incident(NewIncident::new(wayne, None).severity("low"));
    let report = poll(&store, &sim, &s).await;
    assert_eq!(
        (
            report.received,
            report.tickets_created,
            report.unmapped,
            report.failed.is_none()
        ),
        (2, 2, 1, true),
        "{report:?}"
    );
    let tickets = store.list_tickets(s.tenant).await.unwrap();
    let by_ref = |id: u64| {
        tickets
            .iter()
            .find(|t| t.source_reference.as_deref() == Some(id.to_string().as_str()))
            .unwrap_or_else(|| panic!("no ticket for incident {id}: {tickets:?}"))
            .clone()
    };
    let ticket = by_ref(first);
    assert!(
        shows_host(&ticket.description, &sim.agent(laptop).unwrap()),
        "host details from the agent:\n{}",
        ticket.description
    );
    assert_eq!(ticket.client_id, s.demo.clients.acme);
    assert_eq!(ticket.board_id, s.demo.default_board.id);
    assert_eq!(ticket.status_id, s.demo.default_board.new);
    assert_eq!(ticket.priority_id, Some(s.demo.priorities.high));
    assert!(
        ticket.title.starts_with("[Huntress] High — "),
        "{}",
        ticket.title
    );
    assert!(
        ticket.description.contains(&format!(
            "https://simmsp.huntress.io/incident_reports/{first}"
        )),
        "portal link from the recorded subdomain:\n{}",
        ticket.description
    );
    let fallback = by_ref(stray);
    assert_eq!(fallback.client_id, s.demo.clients.initech);
    assert_eq!(fallback.board_id, s.demo.triage_board.id);
    assert_eq!(fallback.priority_id, Some(s.demo.priorities.medium));
    assert!(
        fallback.title.starts_with("[Unmapped Org] "),
        "{}",
        fallback.title
    );

    // An update is a note on the same ticket, not a new ticket.
    sim.update_incident(first, |i| "critical".clone_into(&mut i.severity));
    let report = poll(&store, &sim, &s).await;
    assert_eq!(
        (report.tickets_created, report.notes_added),
        (0, 1),
        "{report:?}"
    );
    assert_eq!(store.list_tickets(s.tenant).await.unwrap().len(), 2);
    let notes = store.list_comments(s.tenant, ticket.id).await.unwrap();
    assert!(
        notes
            .iter()
            .any(|c| c.is_internal && c.note.contains("Severity: high → critical")),
        "{notes:?}"
    );

    // Closed in Huntress with auto-close on: the ticket closes.
    sim.close_incident(first);
    let report = poll(&store, &sim, &s).await;
    assert_eq!(report.tickets_closed, 1, "{report:?}");
    let closed = store
        .get_ticket(s.tenant, ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.status_id, s.demo.default_board.closed);
    assert!(closed.closed_at.is_some());
    assert!(
        store
            .get_ticket(s.tenant, fallback.id)
            .await
            .unwrap()
            .unwrap()
            .closed_at
            .is_none()
    );

    // An organization created after connecting: looked up, added unmapped,
    // and its incident falls back too.
    let late = sim.add_organization("Stark Industries");
    let late_incident = sim.add_incident(NewIncident::new(late, None).severity("critical"));
    let report = poll(&store, &sim, &s).await;
    assert_eq!(
        (report.tickets_created, report.unmapped),
        (1, 1),
        "{report:?}"
    );
    let ticket = store
        .list_tickets(s.tenant)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.source_reference.as_deref() == Some(late_incident.to_string().as_str()))
        .unwrap();
    assert_eq!(
        (ticket.client_id, ticket.board_id, ticket.priority_id),
        (
            s.demo.clients.initech,
            s.demo.triage_board.id,
            Some(s.demo.priorities.critical)
        )
    );
    let mapping = store
        .get_scope_mapping(s.tenant, s.integration, &late.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (mapping.name.as_str(), mapping.client_id),
        ("Stark Industries", None)
    );

    // Nothing new: no new tickets or notes. Two requests: the incident
    // page, and the laptop's agent (the simulator's clock puts every
    // incident inside the 60 s overlap, and one agent is a single get).
    let report = poll(&store, &sim, &s).await;
    assert_eq!(
        (
            report.tickets_created,
            report.notes_added,
            report.requests_made
        ),
        (0, 0, 2),
        "{report:?}"
    );
    assert_eq!(
        sim.request_log()[1],
        format!("/v1/agents/{laptop}"),
        "{:?}",
        sim.request_log()
    );
}

// The measurement line is the point of running it with `--no-capture`.
#[allow(clippy::print_stdout)]
async fn a_backfill_of_2000_incidents_stays_inside_the_rate_limit(store: TestStore) {
    let sim = simulator().await;
    // The engine's backfill reaches at most 30 days back from the real
    // clock, so the generated history stays a day inside it.
    let spec = DatasetSpec {
        history: TimeDelta::days(29),
        ..DatasetSpec::default()
    };
    let summary = sim.generate(&spec);
    assert_eq!(
        (
            summary.organization_ids.len(),
            sim.agent_count(),
            summary.incidents
        ),
        (20, 2_000, 2_000)
    );
    let s = connect(&store, &sim).await;
    let clients = [s.demo.clients.acme, s.demo.clients.globex];
    for (n, org) in summary.organization_ids.iter().enumerate() {
        store
            .link_scope(
                s.tenant,
                s.integration,
                &org.to_string(),
                Some(clients[n % 2]),
                ScopeLinkBy::User,
            )
            .await
            .unwrap();
    }
    complete_settings(&store, &s, 30).await;

    let started = Instant::now();
    let report = poll(&store, &sim, &s).await;
    let elapsed = started.elapsed();

    let incidents = sim.incidents();
    let closed_when_seen = incidents
        .iter()
        .filter(|i| matches!(i.status.as_str(), "closed" | "dismissed"))
        .count() as u64;
    assert!(closed_when_seen > 0 && closed_when_seen < 2_000);
    assert_eq!(report.received, 2_000, "{report:?}");
    assert_eq!(
        report.tickets_created,
        2_000 - closed_when_seen,
        "{report:?}"
    );
    assert_eq!(report.recorded_only, closed_when_seen, "{report:?}");
    assert_eq!((report.unmapped, report.skipped), (0, 0), "{report:?}");
    assert!(report.failed.is_none(), "{report:?}");
    let tickets = store.list_tickets(s.tenant).await.unwrap();
    assert_eq!(tickets.len() as u64, report.tickets_created);
    assert!(
        tickets
            .iter()
            .all(|t| t.board_id == s.demo.default_board.id && clients.contains(&t.client_id))
    );
    // Host details: every ticket of an incident with an agent shows that
    // agent's host facts.
    let mut with_host = 0;
    for ticket in &tickets {
        let id: u64 = ticket.source_reference.as_deref().unwrap().parse().unwrap();
        if let Some(agent) = sim.incident(id).unwrap().agent_id {
            let agent = sim.agent(agent).unwrap();
            assert!(
                shows_host(&ticket.description, &agent),
                "incident {id}:\n{}",
                ticket.description
            );
            with_host += 1;
        }
    }
    assert!(with_host > 1_000, "{with_host} tickets with a host");
    // Four pages of 500 walked down, three of them fetched again (2k - 1 =
    // 7), one read of the organizations' agent counts, and one listing of
    // 500 agents per organization (20): 28.
    assert!(
        report.requests_made <= 30,
        "{} requests: {:?}",
        report.requests_made,
        sim.request_log()
    );
    assert_eq!(report.requests_made, 28, "{:?}", sim.request_log());
    let log = sim.request_log();
    let listings = log.iter().filter(|r| r.starts_with("/v1/agents?")).count();
    assert_eq!(listings, 20, "{log:?}");
    assert!(!log.iter().any(|r| r.starts_with("/v1/agents/")), "{log:?}");
    println!(
        "backfill with host details on {}: {} incidents, {} requests, 0 × 429, {elapsed:?}",
        store.backend(),
        report.received,
        report.requests_made
    );
}

psa_store::backend_tests!(
    connect_route_update_close_and_fall_back,
    a_backfill_of_2000_incidents_stays_inside_the_rate_limit,
);
