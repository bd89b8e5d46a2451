//! Security incidents to tickets, on both store backends, with an in-memory
//! feed standing in for a provider.

mod support;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use futures::stream;
use psa_ingest::contracts::{
    AgentStatus, DeviceLifecycle, DeviceRef, DeviceType, IncidentSeverity, IncidentStatus,
    Indicator, NormalizedDevice, NormalizedIncident, NormalizedScope, ScopeKind,
};
use psa_ingest::engine::EngineError;
use psa_ingest::engine::assets::{AssetEngine, AssetEngineOptions};
use psa_ingest::engine::incidents::{CURSOR_KEY, IncidentEngine, IncidentPollReport};
use psa_ingest::ports::{
    AlertStore, CatalogStore, IntegrationStore, Pipeline, QuarantineFilter, QuarantineStore,
    ScopeLinkBy, ScopeMappingStore, TicketStore,
};
use psa_ingest::sources::{
    FeedCursor, FeedItem, IncidentSource, SourceError, SourceStream, UndecodableIncident,
};
use psa_ingest::{IntegrationId, ProviderId, TenantId};
use psa_store::DemoTenant;
use psa_store::test_util::TestStore;
use std::collections::HashSet;
use std::sync::Mutex;

fn huntress() -> ProviderId {
    ProviderId::new("huntress").unwrap()
}

fn incident(id: &str, org: &str, status: IncidentStatus, minute: i64) -> NormalizedIncident {
    NormalizedIncident {
        provider: huntress(),
        external_id: id.to_owned(),
        scope_id: Some(org.to_owned()),
        device_ref: Some(DeviceRef {
            agent_id: Some(format!("agent-{id}")),
            hostname: Some("LAPTOP01".into()),
            serial_number: Some("SN1".into()),
            os: Some("Windows 11".into()),
            ip_addresses: vec!["10.0.0.5".into()],
            last_seen_at: None,
        }),
        severity: IncidentSeverity::High,
        status,
        subject: format!("HIGH - Incident on laptop01 ({id})"),
        summary: Some("Malicious persistence removed.".into()),
        body: None,
        indicators: vec![Indicator {
            kind: "footholds".into(),
            count: Some(1),
        }],
        remediations: vec![],
        platform: Some("windows".into()),
        portal_url: Some(format!("https://acme.huntress.io/incident_reports/{id}")),
        sent_at: Some(Utc::now() - Duration::hours(1)),
        closed_at: None,
        updated_at: Utc::now() - Duration::minutes(60 - minute),
        raw: serde_json::json!({ "id": id }),
    }
}

/// An append-only feed: an update is a new entry. The cursor is the index
/// of the next entry. It can fail at one index, and knows one extra scope.
/// Entries at `undecodable` come as records that cannot be decoded. Read
/// again, a record is the newest entry with its id once `fixed` is set (the
/// vendor's current version read by a fixed decoder), else still
/// undecodable.
#[derive(Default)]
struct Feed {
    entries: Mutex<Vec<NormalizedIncident>>,
    fail_at: Mutex<Option<usize>>,
    cursors_seen: Mutex<Vec<Option<FeedCursor>>>,
    known_scope: Option<NormalizedScope>,
    undecodable: Mutex<HashSet<usize>>,
    fixed: Mutex<bool>,
    rereads: Mutex<Vec<String>>,
}

fn undecodable_record(incident: &NormalizedIncident) -> UndecodableIncident {
    UndecodableIncident {
        id: Some(incident.external_id.clone()),
        json_path: "closed_at".into(),
        message: "input contains invalid characters".into(),
        payload: serde_json::json!({ "id": incident.external_id, "closed_at": "3rd of May" }),
    }
}

impl Feed {
    fn push(&self, incident: NormalizedIncident) {
        self.entries.lock().unwrap().push(incident);
    }
}

#[async_trait]
impl IncidentSource for Feed {
    fn incidents_since<'a>(
        &'a self,
        cursor: Option<&'a FeedCursor>,
        _backfill_from: DateTime<Utc>,
    ) -> SourceStream<'a, FeedItem> {
        self.cursors_seen.lock().unwrap().push(cursor.cloned());
        let start: usize = cursor.map_or(0, |c| c.0.parse().unwrap());
        let fail_at = *self.fail_at.lock().unwrap();
        let undecodable = self.undecodable.lock().unwrap().clone();
        let items: Vec<Result<FeedItem, SourceError>> = self
            .entries
            .lock()
            .unwrap()
            .iter()
            .enumerate()
            .skip(start)
            .map(|(i, incident)| {
                if Some(i) == fail_at {
                    Err(SourceError::Transient {
                        message: "500 from the provider".into(),
                        source: None,
                    })
                } else if undecodable.contains(&i) {
                    Ok(FeedItem::Undecodable {
                        record: undecodable_record(incident),
                        cursor: Some(FeedCursor((i + 1).to_string())),
                    })
                } else {
                    Ok(FeedItem::Incident {
                        incident: incident.clone(),
                        cursor: FeedCursor((i + 1).to_string()),
                    })
                }
            })
            .collect();
        Box::pin(stream::iter(items))
    }

    fn portal_domain(&self) -> Option<&str> {
        Some("huntress.io")
    }

    async fn reread_incident(
        &self,
        stored: &serde_json::Value,
    ) -> Result<Result<NormalizedIncident, UndecodableIncident>, SourceError> {
        let id = stored["id"].as_str().unwrap().to_owned();
        self.rereads.lock().unwrap().push(id.clone());
        let current = self
            .entries
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|i| i.external_id == id)
            .cloned()
            .unwrap();
        Ok(if *self.fixed.lock().unwrap() {
            Ok(current)
        } else {
            Err(undecodable_record(&current))
        })
    }

    async fn scope(&self, scope_id: &str) -> Result<Option<NormalizedScope>, SourceError> {
        Ok(self
            .known_scope
            .clone()
            .filter(|s| s.external_id == scope_id))
    }
}

struct Setup {
    demo: DemoTenant,
    tenant: TenantId,
    integration: IntegrationId,
}

/// Org `o1` maps to Acme; org `o2` maps to Globex with tickets off; other
/// orgs are unmapped. Settings route to the default board with auto-close.
async fn setup(store: &TestStore, auto_close: bool) -> Setup {
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let tenant = demo.tenant;
    let integration = support::integration(store, tenant, "huntress").await;
    let scopes: Vec<NormalizedScope> = [("o1", "Acme Corp"), ("o2", "Globex"), ("o3", "Stark")]
        .iter()
        .map(|(id, name)| NormalizedScope {
            provider: huntress(),
            external_id: (*id).to_owned(),
            name: (*name).to_owned(),
            kind: ScopeKind::Organization,
            parent: None,
            counts: Default::default(),
        })
        .collect();
    store
        .upsert_scopes(tenant, integration, &scopes)
        .await
        .unwrap();
    store
        .link_scope(
            tenant,
            integration,
            "o1",
            Some(demo.clients.acme),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    store
        .link_scope(
            tenant,
            integration,
            "o2",
            Some(demo.clients.globex),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    store
        .set_scope_flags(tenant, integration, "o2", true, false)
        .await
        .unwrap();
    let settings = serde_json::json!({
        "incidents": {
            "board_id": demo.default_board.id,
            "category_id": demo.categories.security,
            "subcategory_id": demo.categories.incident,
            "fallback_client_id": demo.clients.initech,
            "fallback_board_id": demo.triage_board.id,
            "severity_priorities": {
                "critical": demo.priorities.critical,
                "high": demo.priorities.high,
                "low": demo.priorities.low,
            },
            "auto_close": auto_close,
            "closed_status_id": demo.default_board.closed,
        }
    });
    let version = store
        .get_integration(tenant, integration)
        .await
        .unwrap()
        .unwrap()
        .settings_version;
    store
        .update_settings(tenant, integration, version, settings)
        .await
        .unwrap();
    Setup {
        demo,
        tenant,
        integration,
    }
}

async fn poll(store: &TestStore, s: &Setup, feed: &Feed) -> IncidentPollReport {
    let engine = IncidentEngine::new(store.store(), s.tenant, s.integration, "Huntress")
        .await
        .unwrap();
    engine.poll(feed).await.unwrap()
}

/// The reproduced outage: one summary with a NUL byte among many open
/// incidents stopped every ticket on PostgreSQL (SQLite took it). Now the
/// NUL is removed where the store writes, on both backends, and every
/// incident gets its ticket.
async fn nul_bytes_in_vendor_text_reach_the_store_as_storable_text(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    for n in 0..20 {
        let mut incident = incident(&format!("{}", 2000 + n), "o1", IncidentStatus::Open, n);
        if n == 7 {
            incident.subject = "HIGH - Incident on lap\0top01".into();
            incident.summary = Some("Persistence\0 removed.".into());
            incident.body = Some("<p>bo\0dy</p>".into());
            if let Some(device) = incident.device_ref.as_mut() {
                device.hostname = Some("LAPTOP\u{0}01".into());
            }
            incident.raw = serde_json::json!({ "id": "2007", "note\u{0}": "a\u{0}b" });
        }
        feed.push(incident);
    }
    let report = poll(&store, &s, &feed).await;
    assert_eq!(report.tickets_created, 20, "{report:?}");
    assert!(report.failed.is_none(), "{report:?}");
    let tickets = store.list_tickets(s.tenant).await.unwrap();
    let odd = tickets
        .iter()
        .find(|t| t.source_reference.as_deref() == Some("2007"))
        .expect("the incident with NUL bytes has its ticket");
    assert!(
        !odd.title.contains('\0') && odd.title.contains("laptop01"),
        "{}",
        odd.title
    );
    assert!(
        odd.description.contains("Persistence removed."),
        "{}",
        odd.description
    );
    let alert = store
        .get_alert(s.tenant, s.integration, "2007")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alert.device_name.as_deref(), Some("LAPTOP01"));
    assert_eq!(alert.metadata["raw"]["note"], "ab", "{:?}", alert.metadata);

    // A second cycle writes nothing new.
    let again = poll(&store, &s, &feed).await;
    assert_eq!(again.tickets_created, 0, "{again:?}");
    assert_eq!(store.list_tickets(s.tenant).await.unwrap().len(), 20);
}

/// Two Huntress accounts in one tenant (two integrations) may both report
/// incident 3001: each gets its own ticket, on its own client.
async fn two_integrations_with_the_same_incident_id_get_a_ticket_each(store: TestStore) {
    let s = setup(&store, true).await;
    // The second account: its organization o1 is Globex's.
    let other = support::integration(&store, s.tenant, "huntress").await;
    let scope = NormalizedScope {
        provider: huntress(),
        external_id: "o1".into(),
        name: "Globex".into(),
        kind: ScopeKind::Organization,
        parent: None,
        counts: Default::default(),
    };
    store
        .upsert_scopes(s.tenant, other, &[scope])
        .await
        .unwrap();
    store
        .link_scope(
            s.tenant,
            other,
            "o1",
            Some(s.demo.clients.globex),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    let settings = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap()
        .settings;
    let version = store
        .get_integration(s.tenant, other)
        .await
        .unwrap()
        .unwrap()
        .settings_version;
    store
        .update_settings(s.tenant, other, version, settings)
        .await
        .unwrap();

    let feed = Feed::default();
    feed.push(incident("3001", "o1", IncidentStatus::Open, 1));
    let first = poll(&store, &s, &feed).await;
    let second_setup = Setup {
        demo: s.demo.clone(),
        tenant: s.tenant,
        integration: other,
    };
    let second = poll(&store, &second_setup, &feed).await;
    assert_eq!((first.tickets_created, second.tickets_created), (1, 1));

    let tickets = store.list_tickets(s.tenant).await.unwrap();
    let mut clients: Vec<_> = tickets
        .iter()
        .filter(|t| t.source_reference.as_deref() == Some("3001"))
        .map(|t| t.client_id)
        .collect();
    clients.sort();
    let mut expected = vec![s.demo.clients.acme, s.demo.clients.globex];
    expected.sort();
    assert_eq!(clients, expected, "{tickets:#?}");
    let a = store
        .get_alert(s.tenant, s.integration, "3001")
        .await
        .unwrap()
        .unwrap();
    let b = store
        .get_alert(s.tenant, other, "3001")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(a.ticket_id, b.ticket_id);
}

async fn a_new_incident_becomes_one_routed_self_contained_ticket(store: TestStore) {
    let s = setup(&store, true).await;
    // An asset named like the incident's host (case differs) on the mapped client.
    let tanium = support::integration(&store, s.tenant, "tanium").await;
    let scope = NormalizedScope {
        provider: ProviderId::new("tanium").unwrap(),
        external_id: "g1".into(),
        name: "All".into(),
        kind: ScopeKind::Group,
        parent: None,
        counts: Default::default(),
    };
    store
        .upsert_scopes(s.tenant, tanium, &[scope])
        .await
        .unwrap();
    store
        .link_scope(
            s.tenant,
            tanium,
            "g1",
            Some(s.demo.clients.acme),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    let laptop = NormalizedDevice {
        provider: ProviderId::new("tanium").unwrap(),
        external_id: "e1".into(),
        scope_id: "g1".into(),
        lifecycle: DeviceLifecycle::Active,
        device_type: DeviceType::Workstation,
        name: "laptop01".into(),
        serial_number: Some("SN1".into()),
        asset_tag: None,
        agent_status: AgentStatus::Online,
        last_seen_at: None,
        os: Default::default(),
        hardware: Default::default(),
        network: Default::default(),
        users: Default::default(),
        installed_software: vec![],
        extra: Default::default(),
    };
    let engine = AssetEngine::new(
        store.store(),
        s.tenant,
        tanium,
        ProviderId::new("tanium").unwrap(),
        AssetEngineOptions::default(),
    )
    .await
    .unwrap();
    engine
        .ingest(stream::iter(vec![Ok::<_, SourceError>(vec![laptop])]), None)
        .await
        .unwrap();

    let feed = Feed::default();
    feed.push(incident("1001", "o1", IncidentStatus::Open, 1));
    let report = poll(&store, &s, &feed).await;

    assert_eq!(
        (
            report.received,
            report.tickets_created,
            report.assets_linked
        ),
        (1, 1, 1),
        "{report:?}"
    );
    let tickets = store.list_tickets(s.tenant).await.unwrap();
    assert_eq!(tickets.len(), 1);
    let ticket = &tickets[0];
    assert_eq!(
        ticket.title,
        "[Huntress] High — HIGH - Incident on laptop01 (1001)"
    );
    assert_eq!(ticket.client_id, s.demo.clients.acme);
    assert_eq!(ticket.board_id, s.demo.default_board.id);
    assert_eq!(ticket.status_id, s.demo.default_board.new);
    assert_eq!(ticket.priority_id, Some(s.demo.priorities.high));
    assert_eq!(ticket.category_id, Some(s.demo.categories.security));
    assert_eq!(ticket.subcategory_id, Some(s.demo.categories.incident));
    assert_eq!(ticket.source.as_deref(), Some("huntress"));
    assert_eq!(ticket.source_reference.as_deref(), Some("1001"));
    for expected in [
        "Malicious persistence removed.",
        "footholds: 1",
        "LAPTOP01",
        "10.0.0.5",
        "SN1",
        "Windows 11",
    ] {
        assert!(
            ticket.description.contains(expected),
            "body lacks {expected}:\n{}",
            ticket.description
        );
    }
    assert!(
        ticket
            .description
            .contains("(https://acme.huntress.io/incident_reports/1001)")
    );
    let comments = store.list_comments(s.tenant, ticket.id).await.unwrap();
    assert!(comments.iter().any(|c| c.is_internal
        && c.note.contains("incident: 1001")
        && c.note.contains("agent-1001")));
    let alert = store
        .get_alert(s.tenant, s.integration, "1001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alert.ticket_id, Some(ticket.id));
    assert!(alert.asset_id.is_some());
    assert_eq!(
        store.ticket_assets(s.tenant, ticket.id).await.unwrap(),
        vec![alert.asset_id.unwrap()]
    );
}

async fn an_update_adds_a_note_and_a_close_closes_the_ticket(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    feed.push(incident("1001", "o1", IncidentStatus::Open, 1));
    poll(&store, &s, &feed).await;

    let mut escalated = incident("1001", "o1", IncidentStatus::Open, 2);
    escalated.severity = IncidentSeverity::Critical;
    feed.push(escalated);
    let report = poll(&store, &s, &feed).await;
    assert_eq!(
        (report.received, report.tickets_created, report.notes_added),
        (1, 0, 1),
        "{report:?}"
    );
    let ticket = store.list_tickets(s.tenant).await.unwrap().remove(0);
    let notes = store.list_comments(s.tenant, ticket.id).await.unwrap();
    assert!(
        notes
            .iter()
            .any(|c| c.is_internal && c.note.contains("Severity: high → critical")),
        "{notes:?}"
    );
    assert!(ticket.closed_at.is_none());

    let mut closed = incident("1001", "o1", IncidentStatus::Closed, 3);
    closed.severity = IncidentSeverity::Critical;
    feed.push(closed);
    let report = poll(&store, &s, &feed).await;
    assert_eq!(report.tickets_closed, 1);
    let ticket = store
        .get_ticket(s.tenant, ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.status_id, s.demo.default_board.closed);
    assert!(ticket.closed_at.is_some());
    assert_eq!(
        store.list_tickets(s.tenant).await.unwrap().len(),
        1,
        "still one ticket"
    );

    // The same state again (pages overlap): nothing changes.
    let last = feed.entries.lock().unwrap().last().cloned().unwrap();
    feed.push(last);
    let report = poll(&store, &s, &feed).await;
    assert_eq!(
        (report.received, report.unchanged, report.notes_added),
        (1, 1, 0),
        "{report:?}"
    );
    assert_eq!(
        store
            .list_comments(s.tenant, ticket.id)
            .await
            .unwrap()
            .len(),
        notes.len() + 1
    );
}

async fn auto_close_off_keeps_the_ticket_open(store: TestStore) {
    let s = setup(&store, false).await;
    let feed = Feed::default();
    feed.push(incident("1001", "o1", IncidentStatus::Open, 1));
    feed.push(incident("1001", "o1", IncidentStatus::Dismissed, 2));
    let report = poll(&store, &s, &feed).await;
    assert_eq!(
        (
            report.tickets_created,
            report.notes_added,
            report.tickets_closed
        ),
        (1, 1, 0)
    );
    assert!(
        store.list_tickets(s.tenant).await.unwrap()[0]
            .closed_at
            .is_none()
    );
}

async fn an_unmapped_organization_lands_on_the_fallback_client_and_board(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed {
        known_scope: Some(NormalizedScope {
            provider: huntress(),
            external_id: "o9".into(),
            name: "Wayne Enterprises".into(),
            kind: ScopeKind::Organization,
            parent: None,
            counts: Default::default(),
        }),
        ..Feed::default()
    };
    feed.push(incident("2001", "o3", IncidentStatus::Open, 1)); // known, unmapped
    feed.push(incident("2002", "o9", IncidentStatus::Open, 2)); // unknown: fetched and added

    let report = poll(&store, &s, &feed).await;

    assert_eq!((report.tickets_created, report.unmapped), (2, 2));
    for ticket in store.list_tickets(s.tenant).await.unwrap() {
        assert!(
            ticket
                .title
                .starts_with("[Unmapped Org] [Huntress] High — "),
            "{}",
            ticket.title
        );
        assert_eq!(ticket.client_id, s.demo.clients.initech);
        assert_eq!(ticket.board_id, s.demo.triage_board.id);
        let notes = store.list_comments(s.tenant, ticket.id).await.unwrap();
        assert!(
            notes
                .iter()
                .any(|c| c.is_internal && c.note.contains("not mapped to a client")),
            "{notes:?}"
        );
    }
    // Closing a fallback ticket uses the triage board's closed status.
    feed.push(incident("2001", "o3", IncidentStatus::Closed, 3));
    let report = poll(&store, &s, &feed).await;
    assert_eq!(report.tickets_closed, 1, "{report:?}");
    let closed = store
        .list_tickets(s.tenant)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.source_reference.as_deref() == Some("2001"))
        .unwrap();
    assert_eq!(closed.status_id, s.demo.triage_board.closed);
    assert!(closed.closed_at.is_some());
    let o9 = store
        .get_scope_mapping(s.tenant, s.integration, "o9")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (o9.name.as_str(), o9.client_id),
        ("Wayne Enterprises", None)
    );
}

async fn record_only_and_skip_decisions(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    feed.push(incident("3001", "o2", IncidentStatus::Open, 1)); // tickets off for o2
    feed.push(incident("3002", "o1", IncidentStatus::Closed, 2)); // closed when first seen
    feed.push(incident("3003", "o1", IncidentStatus::Deleting, 3)); // being deleted

    let report = poll(&store, &s, &feed).await;

    assert_eq!(
        (report.recorded_only, report.skipped, report.tickets_created),
        (2, 1, 0),
        "{report:?}"
    );
    assert!(store.list_tickets(s.tenant).await.unwrap().is_empty());
    assert!(
        store
            .get_alert(s.tenant, s.integration, "3001")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .get_alert(s.tenant, s.integration, "3002")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .get_alert(s.tenant, s.integration, "3003")
            .await
            .unwrap()
            .is_none()
    );
}

async fn the_cursor_advances_past_each_processed_incident_and_a_failure_stops_the_cycle(
    store: TestStore,
) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        feed.push(incident(id, "o1", IncidentStatus::Open, i as i64));
    }
    *feed.fail_at.lock().unwrap() = Some(1);
    let engine = IncidentEngine::new(store.store(), s.tenant, s.integration, "Huntress")
        .await
        .unwrap();
    let err = engine.poll(&feed).await.unwrap_err();
    assert!(
        matches!(err, EngineError::Source(SourceError::Transient { .. })),
        "{err:?}"
    );
    let settings = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap()
        .settings;
    assert_eq!(settings[CURSOR_KEY], "1", "advanced past 'a' only");
    assert_eq!(store.list_tickets(s.tenant).await.unwrap().len(), 1);

    // The provider recovers: the next cycle resumes at 'b'.
    *feed.fail_at.lock().unwrap() = None;
    let report = poll(&store, &s, &feed).await;
    assert_eq!(report.tickets_created, 2);
    assert_eq!(
        feed.cursors_seen.lock().unwrap().last().unwrap(),
        &Some(FeedCursor("1".into()))
    );
    assert_eq!(
        store
            .get_integration(s.tenant, s.integration)
            .await
            .unwrap()
            .unwrap()
            .settings[CURSOR_KEY],
        "3"
    );
}

async fn a_processing_failure_stops_the_cycle_and_is_kept_on_the_alert(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    feed.push(incident("d", "o1", IncidentStatus::Open, 1));
    feed.push(incident("e", "o1", IncidentStatus::Open, 2));
    let engine = IncidentEngine::new(store.store(), s.tenant, s.integration, "Huntress")
        .await
        .unwrap();
    // The configured subcategory vanishes after the settings were checked:
    // the ticket cannot be written.
    support::execute(
        &store,
        "DELETE FROM categories WHERE category_name = 'Incident'",
    )
    .await;

    let report = engine.poll(&feed).await.unwrap();

    let failure = report.failed.expect("the cycle stopped");
    assert_eq!(failure.external_id, "d");
    assert_eq!(report.received, 1, "'e' was not taken");
    let alert = store
        .get_alert(s.tenant, s.integration, "d")
        .await
        .unwrap()
        .unwrap();
    assert!(alert.processing_error.is_some(), "{alert:?}");
    assert!(
        store
            .get_alert(s.tenant, s.integration, "e")
            .await
            .unwrap()
            .is_none()
    );
    let settings = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap()
        .settings;
    assert!(
        settings.get(CURSOR_KEY).is_none(),
        "the cursor did not pass 'd'"
    );
    assert!(store.list_tickets(s.tenant).await.unwrap().is_empty());
}

async fn polling_refuses_to_run_until_settings_are_complete(store: TestStore) {
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let integration = support::integration(&store, demo.tenant, "huntress").await;
    let err = IncidentEngine::new(store.store(), demo.tenant, integration, "Huntress")
        .await
        .err()
        .unwrap();
    let EngineError::Settings(err) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        err.fields(),
        vec![
            "board_id",
            "fallback_board_id",
            "fallback_client_id",
            "severity_priorities"
        ]
    );
}

async fn two_polls_racing_never_make_two_tickets_for_one_incident(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    for i in 0..10 {
        feed.push(incident(&format!("r{i}"), "o1", IncidentStatus::Open, i));
    }
    let one = IncidentEngine::new(store.store(), s.tenant, s.integration, "Huntress")
        .await
        .unwrap();
    let two = IncidentEngine::new(store.store(), s.tenant, s.integration, "Huntress")
        .await
        .unwrap();
    // Either may lose the cursor compare-and-set and stop early; neither may
    // make a second ticket.
    let _ = tokio::join!(one.poll(&feed), two.poll(&feed));
    let _ = poll(&store, &s, &feed).await;
    let tickets = store.list_tickets(s.tenant).await.unwrap();
    assert_eq!(tickets.len(), 10);
    let mut refs: Vec<_> = tickets
        .iter()
        .map(|t| t.source_reference.clone().unwrap())
        .collect();
    refs.dedup();
    assert_eq!(refs.len(), 10);
}

async fn cursor(store: &TestStore, s: &Setup) -> serde_json::Value {
    store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap()
        .settings[CURSOR_KEY]
        .clone()
}

async fn quarantined(store: &TestStore, s: &Setup) -> Vec<psa_ingest::ports::QuarantinedRecord> {
    store
        .list_quarantined(s.tenant, s.integration, QuarantineFilter::default(), 100)
        .await
        .unwrap()
}

/// The outage of the issue, with a record no store can key by (a NUL in
/// its organization id): the other 19 get their tickets in the same cycle,
/// the cursor passes it, and once the vendor fixes it the next cycle makes
/// its ticket, once.
async fn a_poison_incident_among_twenty_is_quarantined_and_the_rest_get_tickets(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    for i in 0..20 {
        let org = if i == 10 { "o1\0" } else { "o1" };
        feed.push(incident(&format!("p{i}"), org, IncidentStatus::Open, i));
    }

    let report = poll(&store, &s, &feed).await;

    assert_eq!(report.tickets_created, 19, "{report:?}");
    assert_eq!(report.quarantined, 1);
    assert_eq!(report.failed, None, "nothing stopped the cycle");
    assert_eq!(cursor(&store, &s).await, "20", "the cursor passed it");
    let held = quarantined(&store, &s).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].pipeline, Pipeline::Incidents);
    assert_eq!(held[0].record_id, "p10");
    assert_eq!(held[0].attempts, 1);
    assert!(held[0].error.contains("NUL"), "{}", held[0].error);
    assert_eq!(held[0].payload, serde_json::json!({ "id": "p10" }));
    assert!(held[0].next_retry_at > Utc::now());
    assert_eq!(report.quarantine_failures[0].external_id, "p10");

    // The vendor fixes the record: it comes again, changed.
    feed.push(incident("p10", "o1", IncidentStatus::Open, 30));
    let report = poll(&store, &s, &feed).await;
    assert_eq!(report.tickets_created, 1, "{report:?}");
    assert_eq!(report.recovered, 1);
    assert!(quarantined(&store, &s).await.is_empty());
    let tickets = store.list_tickets(s.tenant).await.unwrap();
    assert_eq!(tickets.len(), 20);
    let refs: HashSet<_> = tickets
        .iter()
        .map(|t| t.source_reference.clone().unwrap())
        .collect();
    assert_eq!(refs.len(), 20, "no duplicate");
}

/// A report that cannot be decoded (a new `closed_at` format) does not
/// vanish: it is quarantined with its path and record, retried on its
/// schedule (each failure pushing the next retry back), and recovered once
/// a fixed decoder reads it.
async fn an_undecodable_report_is_quarantined_and_recovered_by_a_fixed_decoder(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    for i in 0..4 {
        feed.push(incident(&format!("u{i}"), "o1", IncidentStatus::Open, i));
    }
    feed.undecodable.lock().unwrap().insert(2);

    let report = poll(&store, &s, &feed).await;
    assert_eq!(report.tickets_created, 3);
    assert_eq!((report.quarantined, report.undecodable), (1, 1));
    assert_eq!(cursor(&store, &s).await, "4");
    let held = quarantined(&store, &s).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].record_id, "u2");
    assert!(held[0].error.contains("closed_at"), "{}", held[0].error);
    assert_eq!(held[0].payload["closed_at"], "3rd of May");

    // Not due yet: nothing is read again.
    let report = poll(&store, &s, &feed).await;
    assert_eq!(report.quarantined, 0);
    assert!(feed.rereads.lock().unwrap().is_empty());

    // Due (requeued), still undecodable: one more attempt, pushed back.
    let requeued = store
        .requeue_quarantined(
            s.tenant,
            s.integration,
            Some(Pipeline::Incidents),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(requeued, 1);
    let report = poll(&store, &s, &feed).await;
    assert_eq!(report.quarantined, 1);
    let held = quarantined(&store, &s).await;
    assert_eq!(held[0].attempts, 2);
    assert!(held[0].next_retry_at > Utc::now() + Duration::minutes(9));

    // A library upgrade fixes the decoder; the person requeues.
    *feed.fixed.lock().unwrap() = true;
    store
        .requeue_quarantined(s.tenant, s.integration, None, Utc::now())
        .await
        .unwrap();
    let report = poll(&store, &s, &feed).await;
    assert_eq!(
        (report.tickets_created, report.recovered),
        (1, 1),
        "{report:?}"
    );
    assert!(quarantined(&store, &s).await.is_empty());
    assert_eq!(feed.rereads.lock().unwrap().len(), 2);
    assert_eq!(store.list_tickets(s.tenant).await.unwrap().len(), 4);
}

/// Due retries come before the feed's new records: a record that keeps
/// failing is never starved by a busy feed.
async fn due_retries_run_before_new_incidents(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    feed.push(incident("old", "o1", IncidentStatus::Open, 1));
    feed.undecodable.lock().unwrap().insert(0);
    poll(&store, &s, &feed).await;
    *feed.fixed.lock().unwrap() = true;
    store
        .requeue_quarantined(s.tenant, s.integration, None, Utc::now())
        .await
        .unwrap();
    feed.push(incident("new", "o1", IncidentStatus::Open, 2));

    poll(&store, &s, &feed).await;

    let tickets = store.list_tickets(s.tenant).await.unwrap();
    let mut by_number: Vec<_> = tickets.iter().collect();
    by_number.sort_by_key(|t| t.ticket_number);
    let refs: Vec<_> = by_number
        .iter()
        .map(|t| t.source_reference.as_deref().unwrap())
        .collect();
    assert_eq!(refs, ["old", "new"]);
}

/// Closed, then raised again: the closed ticket opens into its board's
/// default open status with a note. A ticket a person closed while the
/// incident stayed open is left closed.
async fn a_reopened_incident_reopens_its_ticket(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    feed.push(incident("r1", "o1", IncidentStatus::Open, 1));
    feed.push(incident("r1", "o1", IncidentStatus::Closed, 2));
    poll(&store, &s, &feed).await;
    let ticket = store.list_tickets(s.tenant).await.unwrap().remove(0);
    assert!(ticket.closed_at.is_some(), "auto-closed");

    feed.push(incident("r1", "o1", IncidentStatus::Open, 3));
    let report = poll(&store, &s, &feed).await;

    assert_eq!(report.tickets_reopened, 1, "{report:?}");
    let ticket = store
        .get_ticket(s.tenant, ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.closed_at, None);
    let statuses = store.list_statuses(s.tenant).await.unwrap();
    let status = statuses
        .iter()
        .find(|st| st.id == ticket.status_id)
        .unwrap();
    assert!(status.is_default && !status.is_closed, "{status:?}");
    let comments = store.list_comments(s.tenant, ticket.id).await.unwrap();
    assert!(
        comments
            .last()
            .unwrap()
            .note
            .contains("Reopened automatically"),
        "{comments:?}"
    );

    // A person closes it while the incident stays open; an update only
    // adds a note.
    store
        .set_ticket_status(s.tenant, ticket.id, s.demo.default_board.closed)
        .await
        .unwrap();
    let mut update = incident("r1", "o1", IncidentStatus::Open, 4);
    update.summary = Some("More detail from the SOC.".into());
    feed.push(update);
    let report = poll(&store, &s, &feed).await;
    assert_eq!((report.notes_added, report.tickets_reopened), (1, 0));
    let ticket = store
        .get_ticket(s.tenant, ticket.id)
        .await
        .unwrap()
        .unwrap();
    assert!(ticket.closed_at.is_some(), "the person's close stands");
}

/// A change to the report's body alone adds a note.
async fn a_changed_body_adds_a_note(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    let mut first = incident("b1", "o1", IncidentStatus::Open, 1);
    first.body = Some("<p>Persistence found.</p>".into());
    feed.push(first.clone());
    poll(&store, &s, &feed).await;
    feed.push(first);
    assert_eq!(poll(&store, &s, &feed).await.unchanged, 1);

    let mut changed = incident("b1", "o1", IncidentStatus::Open, 2);
    changed.body = Some("<p>Persistence found and removed.</p>".into());
    feed.push(changed);
    let report = poll(&store, &s, &feed).await;

    assert_eq!(report.notes_added, 1, "{report:?}");
    let ticket = store.list_tickets(s.tenant).await.unwrap().remove(0);
    let comments = store.list_comments(s.tenant, ticket.id).await.unwrap();
    assert!(
        comments
            .last()
            .unwrap()
            .note
            .contains("Report details updated"),
        "{comments:?}"
    );
}

/// Whoever controls an endpoint controls its host name: vendor text in a
/// ticket is escaped, so it cannot add links, images or markup, and the
/// only link goes to the provider's portal.
async fn hostile_vendor_text_cannot_inject_links_or_markup(store: TestStore) {
    let s = setup(&store, true).await;
    let feed = Feed::default();
    let mut hostile = incident("x1", "o1", IncidentStatus::Open, 1);
    let device = hostile.device_ref.as_mut().unwrap();
    device.hostname = Some("[reset password](https://evil.example/login)".into());
    device.os = Some("<img src=x onerror=alert(1)>".into());
    hostile.summary =
        Some("# Urgent\n> call https://evil.example now\n<script>x()</script> **pay**".into());
    hostile.subject = "HIGH - Incident on ![](https://evil.example/pixel.png)\n# title".into();
    hostile.portal_url = Some("https://evil.example/incident_reports/x1".into());
    feed.push(hostile);
    let mut fine = incident("x2", "o1", IncidentStatus::Open, 2);
    fine.portal_url = Some("https://acme.huntress.io/incident_reports/x2".into());
    feed.push(fine);

    poll(&store, &s, &feed).await;

    let mut tickets = store.list_tickets(s.tenant).await.unwrap();
    tickets.sort_by_key(|t| t.ticket_number);
    let body = &tickets[0].description;
    for injected in [
        "](https://evil",
        "<img",
        "<script",
        "\n# Urgent",
        "\n> call",
        "**pay**",
        "https://evil",
    ] {
        assert!(
            !body.contains(injected),
            "{injected:?} reached the ticket:\n{body}"
        );
    }
    assert!(
        body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{body}"
    );
    assert!(!tickets[0].title.contains('\n'), "{}", tickets[0].title);
    assert!(
        tickets[1]
            .description
            .contains("(https://acme.huntress.io/incident_reports/x2)"),
        "the portal link stays"
    );
}

psa_store::backend_tests!(
    hostile_vendor_text_cannot_inject_links_or_markup,
    a_poison_incident_among_twenty_is_quarantined_and_the_rest_get_tickets,
    an_undecodable_report_is_quarantined_and_recovered_by_a_fixed_decoder,
    due_retries_run_before_new_incidents,
    a_reopened_incident_reopens_its_ticket,
    a_changed_body_adds_a_note,
    nul_bytes_in_vendor_text_reach_the_store_as_storable_text,
    two_integrations_with_the_same_incident_id_get_a_ticket_each,
    a_new_incident_becomes_one_routed_self_contained_ticket,
    an_update_adds_a_note_and_a_close_closes_the_ticket,
    auto_close_off_keeps_the_ticket_open,
    an_unmapped_organization_lands_on_the_fallback_client_and_board,
    record_only_and_skip_decisions,
    the_cursor_advances_past_each_processed_incident_and_a_failure_stops_the_cycle,
    a_processing_failure_stops_the_cycle_and_is_kept_on_the_alert,
    polling_refuses_to_run_until_settings_are_complete,
    two_polls_racing_never_make_two_tickets_for_one_incident,
);
