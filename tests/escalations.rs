//! Huntress escalations become tickets through the incident pipeline's
//! second stream, on both backends: one ticket per affected organization
//! (unmapped ones to the fallback client), a note on change, auto-close
//! when resolved.

mod support;

use chrono::{TimeDelta, Utc};
use huntress::provider::HuntressProvider;
use psa_ingest::engine::incidents::IncidentSettings;
use psa_ingest::ports::{
    PageRequest, ReadStore as _, RunKind, ScheduleStore as _, SyncRunStore as _, TicketStore as _,
};
use psa_registry::ProviderRegistry;
use psa_store::test_util::TestStore;
use psa_sync::Job;
use psa_sync::jobs::{JobReport, RunCounts};
use psa_testkit::huntress::{HuntressSim, SimConfig};

psa_store::backend_tests!(an_escalation_becomes_a_ticket_per_client_gets_notes_and_closes);

async fn an_escalation_becomes_a_ticket_per_client_gets_notes_and_closes(store: TestStore) {
    let sim = HuntressSim::start_with(SimConfig {
        start: Utc::now() - TimeDelta::hours(1),
        ..SimConfig::default()
    })
    .await;
    let acme = sim.add_organization("Acme Corp");
    let umbrella = sim.add_organization("Umbrella Health");
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let tenant = demo.tenant;
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            HuntressProvider::new().with_url_policy(huntress::UrlPolicy::loopback()),
        ))
        .unwrap();
    // Escalations are opt-in: turned on before connecting schedules them.
    let settings = serde_json::json!({ "incidents": { "escalations": true } });
    let integration =
        support::routed_huntress(store.store(), &registry, &demo, &sim, settings).await;
    psa_sync::jobs::update_section(
        store.store(),
        tenant,
        integration,
        "incidents",
        |s: &mut IncidentSettings| {
            s.auto_close = true;
            s.closed_status_id = Some(demo.default_board.closed);
        },
    )
    .await
    .unwrap();
    // Connecting scheduled the escalation poll beside the incident poll.
    let jobs: Vec<String> = store
        .list_scheduled_jobs(tenant, integration)
        .await
        .unwrap()
        .iter()
        .map(|j| j.job.as_str().to_owned())
        .collect();
    assert!(jobs.contains(&"escalations".to_owned()), "{jobs:?}");

    let escalation = sim.add_escalation("Defender Disabled", "high", &[acme, umbrella]);
    let job = psa_sync::jobs::JobContext::new(store.store(), &registry, tenant, integration);
    let first = job.poll_escalations().await.unwrap();
    assert_eq!((first.received, first.tickets_created), (2, 2), "{first:?}");
    let tickets = store
        .list_integration_tickets(tenant, integration, PageRequest::first(10))
        .await
        .unwrap();
    let mut placed: Vec<_> = tickets
        .iter()
        .map(|t| {
            (
                t.ticket.client_id,
                t.ticket.board_id,
                t.alert.external_alert_id.clone(),
            )
        })
        .collect();
    placed.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(
        placed,
        [
            (
                demo.clients.acme,
                demo.default_board.id,
                format!("escalation:{escalation}:{acme}")
            ),
            (
                demo.clients.initech,
                demo.triage_board.id,
                format!("escalation:{escalation}:{umbrella}")
            ),
        ]
    );
    assert!(
        tickets
            .iter()
            .all(|t| t.ticket.title.contains("Defender Disabled")),
        "{tickets:?}"
    );

    // Nothing changed: nothing happens. The incident stream has its own cursor.
    let again = job.poll_escalations().await.unwrap();
    assert_eq!(again.tickets_created + again.notes_added, 0, "{again:?}");
    let incidents = psa_sync::jobs::poll_incidents(store.store(), &registry, tenant, integration)
        .await
        .unwrap();
    assert_eq!(incidents.tickets_created, 0);

    // The SOC raises the severity: a note on each ticket.
    sim.update_escalation(escalation, |e| e.severity = "critical".to_owned());
    let changed = job.poll_escalations().await.unwrap();
    assert_eq!(
        (changed.tickets_created, changed.notes_added),
        (0, 2),
        "{changed:?}"
    );

    // Resolved: both tickets close.
    sim.resolve_escalation(escalation);
    let resolved = job.poll_escalations().await.unwrap();
    assert_eq!(resolved.tickets_closed, 2, "{resolved:?}");
    for t in store
        .list_integration_tickets(tenant, integration, PageRequest::first(10))
        .await
        .unwrap()
    {
        let ticket = store
            .get_ticket(tenant, t.ticket.id)
            .await
            .unwrap()
            .unwrap();
        assert!(ticket.closed_at.is_some(), "{ticket:?}");
    }
    // The runs are recorded as escalation polls, their counts typed.
    let run = store
        .list_sync_runs(tenant, integration, 20)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.kind == RunKind::Escalations)
        .expect("an escalation run");
    assert!(matches!(
        RunCounts::of(&run).unwrap().report,
        Some(JobReport::Incidents(_))
    ));
    assert_eq!(Job::Escalations.name().as_str(), "escalations");
}
