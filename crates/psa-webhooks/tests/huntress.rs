//! Huntress deliveries against a served router, on both backends: the
//! simulator signs them as Svix does.

use chrono::{DateTime, TimeDelta, Utc};
use psa_ingest::engine::incidents::IncidentSettings;
use psa_ingest::ports::{
    IntegrationStore as _, NewIntegration, ScheduleStore as _, Store, TicketStore as _,
};
use psa_ingest::{IntegrationId, ProviderId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::PsaStore;
use psa_store::test_util::TestStore;
use psa_sync::jobs;
use psa_sync::{CancellationToken, Job, Worker, WorkerConfig};
use psa_testkit::huntress::{HuntressSim, NewIncident, SignedDelivery, SimConfig, signing_secret};
use psa_webhooks::{SecretError, Webhooks, set_signing_secret};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::{Duration, Instant};

psa_store::backend_tests!(
    a_delivery_brings_the_ticket_within_seconds,
    a_replay_is_recognised_and_changes_nothing,
    deliveries_not_signed_right_are_refused_alike,
    verified_deliveries_that_cannot_be_acted_on_are_answered_and_dropped,
    an_oversized_body_is_refused,
);

/// A connected Huntress integration with routing, its signing secret set,
/// its poll not due for an hour, and the router served on loopback.
struct Setup {
    store: Arc<PsaStore>,
    /// Keeps the test database until the end.
    _database: Arc<TestStore>,
    registry: Arc<ProviderRegistry>,
    sim: HuntressSim,
    tenant: TenantId,
    integration: IntegrationId,
    secret: String,
    url: String,
    org: u64,
}

impl Setup {
    async fn new(database: Arc<TestStore>, hooks: impl FnOnce(Webhooks) -> Webhooks) -> Self {
        let store = Arc::new(database.store().clone());
        let sim = HuntressSim::start_with(SimConfig {
            start: Utc::now() - TimeDelta::hours(1),
            ..SimConfig::default()
        })
        .await;
        let org = sim.add_organization("Acme Corp");
        let demo = store.seed_demo_tenant("MSP").await.unwrap();
        let registry = Arc::new(huntress_registry());
        let integration = store
            .create_integration(
                demo.tenant,
                NewIntegration {
                    provider: ProviderId::new("huntress").unwrap(),
                    instance_url: None,
                    settings: serde_json::json!({
                        "api_base_url": sim.uri(),
                        "incidents": { "escalations": true },
                    }),
                },
            )
            .await
            .unwrap()
            .id;
        let secrets = ProviderSecrets::new()
            .with("api_key", SecretString::from(sim.api_key().to_owned()))
            .with(
                "api_secret",
                SecretString::from(sim.api_secret().to_owned()),
            );
        jobs::connect(&*store, &registry, demo.tenant, integration, &secrets)
            .await
            .unwrap();
        jobs::update_section(
            &*store,
            demo.tenant,
            integration,
            "incidents",
            |s: &mut IncidentSettings| {
                s.board_id = Some(demo.default_board.id);
                s.fallback_board_id = Some(demo.triage_board.id);
                s.fallback_client_id = Some(demo.clients.initech);
            },
        )
        .await
        .unwrap();
        let secret = signing_secret();
        set_signing_secret(
            &*store,
            demo.tenant,
            integration,
            &SecretString::from(secret.clone()),
        )
        .await
        .unwrap();
        let setup_store: Arc<dyn Store> = store.clone();
        let app = hooks(Webhooks::new(setup_store)).router();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/webhooks/huntress/{integration}",
            listener.local_addr().unwrap()
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let setup = Self {
            store,
            _database: database,
            registry,
            sim,
            tenant: demo.tenant,
            integration,
            secret,
            url,
            org,
        };
        setup.poll_later().await;
        setup
    }

    /// The incident poll's next due time.
    async fn poll_due(&self) -> DateTime<Utc> {
        self.store
            .list_scheduled_jobs(self.tenant, self.integration)
            .await
            .unwrap()
            .into_iter()
            .find(|j| j.job == Job::Incidents.name())
            .expect("the poll is scheduled")
            .next_due_at
    }

    async fn poll_later(&self) {
        self.store
            .set_job_due(
                self.tenant,
                self.integration,
                &Job::Incidents.name(),
                Utc::now() + TimeDelta::hours(1),
            )
            .await
            .unwrap();
    }

    async fn poll_is_due(&self) -> bool {
        self.poll_due().await <= Utc::now()
    }

    fn incident(&self) -> u64 {
        self.sim
            .add_incident(NewIncident::new(self.org, None).severity("high"))
    }
}

async fn a_delivery_brings_the_ticket_within_seconds(store: TestStore) {
    // A worker that would otherwise look only every five minutes.
    let database = Arc::new(store);
    let store = Arc::new(database.store().clone());
    let worker = Worker::builder(Arc::clone(&store), Arc::new(huntress_registry()))
        .config(WorkerConfig {
            tick: Duration::from_secs(300),
            ..WorkerConfig::default()
        })
        .build()
        .unwrap();
    let waker = worker.waker();
    let setup = Setup::new(database, |h| h.waker(waker)).await;
    let shutdown = CancellationToken::new();
    let running = tokio::spawn({
        let shutdown = shutdown.clone();
        async move { worker.run(shutdown).await }
    });

    let incident = setup.incident();
    let delivery = setup
        .sim
        .incident_delivery("incident_report.created", incident, &setup.secret);
    let sent = Instant::now();
    assert_eq!(delivery.post(&setup.url).await, 204);
    // Wait for the ticket, for at most five seconds.
    loop {
        let tickets = store.list_tickets(setup.tenant).await.unwrap();
        if !tickets.is_empty() {
            assert_eq!(tickets.len(), 1);
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(5),
            "no ticket 5 s after the delivery"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    shutdown.cancel();
    let report = running.await.unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
}

async fn a_replay_is_recognised_and_changes_nothing(store: TestStore) {
    let setup = Setup::new(Arc::new(store), |h| h).await;
    let incident = setup.incident();
    let delivery = setup
        .sim
        .incident_delivery("incident_report.created", incident, &setup.secret);
    assert_eq!(delivery.post(&setup.url).await, 204);
    assert!(setup.poll_is_due().await);

    setup.poll_later().await;
    assert_eq!(delivery.post(&setup.url).await, 204);
    assert!(
        !setup.poll_is_due().await,
        "a replay made the poll due again"
    );
    // A retry with a fresh timestamp keeps the id: still a replay.
    let retried = SignedDelivery::sign(
        &setup.secret,
        &delivery.id,
        Utc::now().timestamp() + 1,
        delivery.body.clone(),
    );
    assert_eq!(retried.post(&setup.url).await, 204);
    assert!(!setup.poll_is_due().await);
}

async fn deliveries_not_signed_right_are_refused_alike(store: TestStore) {
    let setup = Setup::new(Arc::new(store), |h| h).await;
    let incident = setup.incident();
    let good = setup
        .sim
        .incident_delivery("incident_report.created", incident, &setup.secret);
    let other_secret =
        setup
            .sim
            .incident_delivery("incident_report.created", incident, &signing_secret());
    let tampered = SignedDelivery {
        body: good.body.replace("high", "low"),
        ..good.clone()
    };
    let stale = SignedDelivery::sign(
        &setup.secret,
        "msg_stale",
        Utc::now().timestamp() - 600,
        good.body.clone(),
    );
    let future = SignedDelivery::sign(
        &setup.secret,
        "msg_future",
        Utc::now().timestamp() + 600,
        good.body.clone(),
    );
    for refused in [&other_secret, &tampered, &stale, &future] {
        assert_eq!(refused.post(&setup.url).await, 401, "{refused:?}");
    }
    // Without the headers, and for integrations that do not exist: the same
    // answer, so nobody learns which ids exist.
    let unsigned = reqwest::Client::new()
        .post(&setup.url)
        .body(good.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    let base = setup.url.rsplit_once('/').unwrap().0.to_owned();
    for id in [IntegrationId::new().to_string(), "not-a-uuid".to_owned()] {
        assert_eq!(good.post(&format!("{base}/{id}")).await, 401, "{id}");
    }
    assert!(
        !setup.poll_is_due().await,
        "a refused delivery made the poll due"
    );
    // The good one still lands afterwards: refusals recorded nothing.
    assert_eq!(good.post(&setup.url).await, 204);
    assert!(setup.poll_is_due().await);
}

async fn verified_deliveries_that_cannot_be_acted_on_are_answered_and_dropped(store: TestStore) {
    let setup = Setup::new(Arc::new(store), |h| h).await;
    let incident = setup.incident();
    let sign = |body: String| {
        SignedDelivery::sign(
            &setup.secret,
            &format!("msg_{}", uuid::Uuid::now_v7().simple()),
            Utc::now().timestamp(),
            body,
        )
    };
    let good = setup
        .sim
        .incident_delivery("incident_report.created", incident, &setup.secret);
    let mut foreign: serde_json::Value = serde_json::from_str(&good.body).unwrap();
    foreign["account"]["id"] = (setup.sim.account().id + 1).into();
    for dropped in [
        sign(foreign.to_string()),
        sign("{not json".to_owned()),
        sign(r#"{"event_type": "account_notice.notification"}"#.to_owned()),
    ] {
        assert_eq!(dropped.post(&setup.url).await, 204, "{}", dropped.body);
        assert!(!setup.poll_is_due().await, "{}", dropped.body);
    }
    // An escalation event makes the escalation poll due, not the incident one.
    let escalation =
        sign(r#"{"event_type": "escalation.created", "organizations": []}"#.to_owned());
    assert_eq!(escalation.post(&setup.url).await, 204);
    assert!(!setup.poll_is_due().await);
    let escalations_due = setup
        .store
        .list_scheduled_jobs(setup.tenant, setup.integration)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.job == Job::Escalations.name())
        .expect("the escalation poll is scheduled")
        .next_due_at;
    assert!(escalations_due <= Utc::now());

    // A disconnected integration keeps its signing secret: answered, dropped.
    jobs::disconnect(
        &*setup.store,
        &setup.registry,
        setup.tenant,
        setup.integration,
    )
    .await
    .unwrap();
    let late = setup
        .sim
        .incident_delivery("incident_report.closed", incident, &setup.secret);
    assert_eq!(late.post(&setup.url).await, 204);
    assert!(
        setup
            .store
            .list_scheduled_jobs(setup.tenant, setup.integration)
            .await
            .unwrap()
            .is_empty()
    );

    let refused = set_signing_secret(
        &*setup.store,
        setup.tenant,
        setup.integration,
        &SecretString::from("hunter2".to_owned()),
    )
    .await
    .unwrap_err();
    assert!(matches!(refused, SecretError::NotASecret), "{refused:?}");
}

async fn an_oversized_body_is_refused(store: TestStore) {
    let setup = Setup::new(Arc::new(store), |h| h.max_body(2048)).await;
    let incident = setup.incident();
    let good = setup
        .sim
        .incident_delivery("incident_report.created", incident, &setup.secret);
    let mut big: serde_json::Value = serde_json::from_str(&good.body).unwrap();
    big["body"] = "x".repeat(4096).into();
    let oversized = SignedDelivery::sign(
        &setup.secret,
        "msg_big",
        Utc::now().timestamp(),
        big.to_string(),
    );
    assert_eq!(oversized.post(&setup.url).await, 413);
    assert!(!setup.poll_is_due().await);
}

/// The Huntress provider, allowed to call the simulator on loopback.
fn huntress_registry() -> ProviderRegistry {
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            huntress::provider::HuntressProvider::new()
                .with_url_policy(huntress::UrlPolicy::loopback()),
        ))
        .expect("one provider");
    registry
}
