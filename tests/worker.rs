//! The psa-sync worker end to end: tenants with Tanium and Huntress
//! integrations against the simulators, run by workers that share one store
//! through leases.

mod support;

use chrono::{TimeDelta, Utc};
use huntress::RateLimit;
use huntress::RetryPolicy as HuntressRetry;
use huntress::provider::{HuntressProvider, SECRET_API_KEY, SECRET_API_SECRET};
use psa_ingest::ports::{
    IntegrationStore, QuarantineFilter, QuarantineStore, RunOutcome, ScheduleStore, SecretStore,
    SyncRunStore, SyncStatus, TicketStore,
};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::{DemoTenant, PsaStore};
use psa_sync::jobs::JobKind;
use psa_sync::{
    CancellationToken, Job, ProgressEvent, SyncEvent, SyncEventKind, Worker, WorkerConfig,
    WorkerReport,
};
use psa_testkit::huntress::{DatasetSpec, HuntressSim, OddShape, SimConfig};
use psa_testkit::tanium::{Fault, FaultRule, GroupSpec, SimClock, TaniumSim};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tanium_gateway::RetryPolicy as TaniumRetry;
use tanium_gateway::provider::{API_TOKEN_SECRET, TaniumProvider};

/// Endpoints in the group named like the demo client "Acme Corp".
const ACME_ENDPOINTS: usize = 4;

struct Sims {
    tanium: TaniumSim,
    huntress: HuntressSim,
}

async fn simulators() -> Sims {
    let tanium = TaniumSim::builder()
        .clock(SimClock::at(Utc::now() - TimeDelta::hours(1)))
        .start_generated(&[
            GroupSpec::new("101", "Acme Corp", ACME_ENDPOINTS),
            GroupSpec::new("102", "Lab", 2),
        ])
        .await;
    // One simulated Huntress account serves every tenant (real tenants each
    // have their own), so its per-account limit is off here and in the
    // provider, which shares one limiter per account.
    let huntress = HuntressSim::start_with(SimConfig {
        start: Utc::now(),
        rate_limit: None,
        ..SimConfig::default()
    })
    .await;
    huntress.generate(&DatasetSpec {
        organizations: 2,
        agents: 4,
        incidents: 6,
        seed: 7,
        history: TimeDelta::days(1),
    });
    Sims { tanium, huntress }
}

fn registry(sims: &Sims) -> Arc<ProviderRegistry> {
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            TaniumProvider::new()
                .with_url_policy(tanium_gateway::UrlPolicy::loopback())
                .with_clock(sims.tanium.clock().as_fn())
                .with_retry_policy(TaniumRetry::none()),
        ))
        .unwrap();
    registry
        .register(Box::new(
            HuntressProvider::new()
                .with_url_policy(huntress::UrlPolicy::loopback())
                .with_rate_limit(RateLimit::new(100_000, Duration::from_secs(60)))
                .with_retry(HuntressRetry::fast(Duration::from_millis(5)))
                .with_timeout(Duration::from_secs(10)),
        ))
        .unwrap();
    Arc::new(registry)
}

struct Tenant {
    demo: DemoTenant,
    tanium: IntegrationId,
    huntress: IntegrationId,
}

impl Tenant {
    fn id(&self) -> TenantId {
        self.demo.tenant
    }
}

/// A seeded tenant with both integrations connected (which syncs their
/// scopes and schedules their jobs) and the incident routing complete.
async fn add_tenant(
    store: &PsaStore,
    registry: &ProviderRegistry,
    sims: &Sims,
    n: usize,
) -> Tenant {
    let demo = store.seed_demo_tenant(&format!("MSP {n}")).await.unwrap();
    let tenant = demo.tenant;

    let tanium = support::integration(store, tenant, "tanium").await;
    support::set_settings(
        store,
        tenant,
        tanium,
        serde_json::json!({ "gateway_url": sims.tanium.gateway_url(), "page_size": 2 }),
    )
    .await;
    let token =
        ProviderSecrets::new().with(API_TOKEN_SECRET, SecretString::from(sims.tanium.token()));
    psa_sync::jobs::connect(store, registry, tenant, tanium, &token)
        .await
        .unwrap();

    let huntress = support::integration(store, tenant, "huntress").await;
    support::set_settings(
        store,
        tenant,
        huntress,
        serde_json::json!({ "api_base_url": sims.huntress.uri() }),
    )
    .await;
    let keys = ProviderSecrets::new()
        .with(SECRET_API_KEY, SecretString::from(sims.huntress.api_key()))
        .with(
            SECRET_API_SECRET,
            SecretString::from(sims.huntress.api_secret()),
        );
    psa_sync::jobs::connect(store, registry, tenant, huntress, &keys)
        .await
        .unwrap();
    let mut settings = store
        .get_integration(tenant, huntress)
        .await
        .unwrap()
        .unwrap()
        .settings;
    let incidents = settings["incidents"].as_object_mut().unwrap();
    for (key, value) in [
        ("board_id", serde_json::json!(demo.default_board.id)),
        (
            "fallback_client_id",
            serde_json::json!(demo.clients.initech),
        ),
        ("fallback_board_id", serde_json::json!(demo.triage_board.id)),
        ("backfill_days", serde_json::json!(7)),
    ] {
        incidents.insert(key.to_owned(), value);
    }
    support::set_settings(store, tenant, huntress, settings).await;
    Tenant {
        demo,
        tanium,
        huntress,
    }
}

fn config(id: &str) -> WorkerConfig {
    WorkerConfig {
        id: id.to_owned(),
        tick: Duration::from_millis(20),
        lease: Duration::from_secs(30),
        max_jobs: 4,
        shutdown_grace: Duration::from_secs(10),
    }
}

fn worker(store: Arc<PsaStore>, registry: Arc<ProviderRegistry>, id: &str) -> Worker<PsaStore> {
    Worker::builder(store, registry)
        .config(config(id))
        .env(|_| None)
        .build()
        .unwrap()
}

async fn runs(
    store: &PsaStore,
    tenant: TenantId,
    id: IntegrationId,
) -> HashMap<String, Vec<RunOutcome>> {
    let mut by_kind: HashMap<String, Vec<RunOutcome>> = HashMap::new();
    for run in store.list_sync_runs(tenant, id, 100).await.unwrap() {
        by_kind
            .entry(run.kind.to_string())
            .or_default()
            .push(run.outcome);
    }
    by_kind
}

/// Every job of every tenant is due after connecting; waits until none is.
async fn wait_until_all_ran(store: &PsaStore, tenants: &[Tenant], after: chrono::DateTime<Utc>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(240);
    loop {
        let mut pending = 0;
        for t in tenants {
            for id in [t.tanium, t.huntress] {
                pending += store
                    .list_scheduled_jobs(t.id(), id)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|j| j.next_due_at <= after)
                    .count();
            }
        }
        if pending == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{pending} jobs never ran"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Tickets the Huntress dataset gives a tenant: its open incidents.
fn expected_tickets(sims: &Sims) -> usize {
    sims.huntress
        .incidents()
        .iter()
        .filter(|i| !matches!(i.status.as_str(), "closed" | "dismissed"))
        .count()
}

async fn check_converged(store: &PsaStore, tenant: &Tenant, tickets: usize) {
    let asset_count = support::count_for_tenant(
        store,
        "SELECT count(*) FROM assets WHERE tenant = $1",
        tenant.id(),
    )
    .await;
    assert_eq!(asset_count, ACME_ENDPOINTS as i64, "tenant {}", tenant.id());
    let mut references: Vec<_> = store
        .list_tickets(tenant.id())
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.source_reference)
        .collect();
    let all = references.len();
    references.sort();
    references.dedup();
    assert_eq!(
        (all, references.len()),
        (tickets, tickets),
        "tenant {}",
        tenant.id()
    );
}

/// Three workers with their own pools share 100 tenants (200
/// integrations): every due job runs exactly once, work is spread, nothing
/// is duplicated, and each run is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_workers_share_a_hundred_tenants() {
    let store = psa_store::test_util::fresh_postgres().await;
    let sims = simulators().await;
    let registry = registry(&sims);
    let mut tenants = Vec::new();
    for n in 0..100 {
        tenants.push(add_tenant(store.store(), &registry, &sims, n).await);
    }
    let connected = Utc::now();

    let shutdown = CancellationToken::new();
    let mut handles = Vec::new();
    for n in 0..3 {
        let worker = worker(
            support::own_store(&store).await,
            Arc::clone(&registry),
            &format!("w{n}"),
        );
        let shutdown = shutdown.clone();
        handles.push(tokio::spawn(async move { worker.run(shutdown).await }));
    }
    wait_until_all_ran(store.store(), &tenants, connected).await;
    shutdown.cancel();
    let mut reports: Vec<WorkerReport> = Vec::new();
    for handle in handles {
        reports.push(handle.await.unwrap());
    }
    let succeeded: u64 = reports.iter().map(|r| r.succeeded).sum();
    assert_eq!(succeeded, 200, "{reports:?}");
    assert!(
        reports.iter().all(|r| r.succeeded > 0 && r.failed == 0),
        "{reports:?}"
    );

    let tickets = expected_tickets(&sims);
    assert!(tickets > 0);
    for tenant in &tenants {
        check_converged(store.store(), tenant, tickets).await;
        let tanium = runs(store.store(), tenant.id(), tenant.tanium).await;
        // Connect synced scopes once; the device job ran once: a scope sync
        // and a full walk.
        assert_eq!(
            tanium["scopes"],
            [RunOutcome::Succeeded, RunOutcome::Succeeded]
        );
        assert_eq!(tanium["devices_full"], [RunOutcome::Succeeded]);
        let huntress = runs(store.store(), tenant.id(), tenant.huntress).await;
        assert_eq!(huntress["incidents"], [RunOutcome::Succeeded]);
        // The next runs are one interval after these.
        for job in store
            .list_scheduled_jobs(tenant.id(), tenant.tanium)
            .await
            .unwrap()
        {
            assert!(
                job.next_due_at > connected + TimeDelta::minutes(59),
                "{job:?}"
            );
            assert_eq!(job.lease_holder, None);
        }
    }
}

/// A worker stopped dead in the middle of a device walk leaves its lease;
/// once it expires another worker takes the job over, marks the dead run
/// failed and converges to the same assets.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_workers_lease_is_taken_over_and_its_work_converges() {
    let store = psa_store::test_util::fresh_postgres().await;
    let sims = simulators().await;
    let registry = registry(&sims);
    let tenants = vec![
        add_tenant(store.store(), &registry, &sims, 0).await,
        add_tenant(store.store(), &registry, &sims, 1).await,
    ];
    let connected = Utc::now();
    // Endpoint pages and incident listings are slow (far slower than the
    // few milliseconds between a job's start and the kill), so the first
    // worker is killed mid-walk and mid-poll, before it processed anything.
    // The kill waits for both jobs to have started, never for a fixed time.
    sims.tanium
        .inject(FaultRule::new(Fault::Slow(Duration::from_secs(3))).on_operation("Endpoints"));
    sims.huntress.inject_on(
        "/v1/incident_reports",
        psa_testkit::huntress::Fault::Slow(Duration::from_secs(30)),
        u32::MAX,
    );

    let (started_tx, mut started_rx) = tokio::sync::mpsc::unbounded_channel();
    let doomed = Worker::builder(support::own_store(&store).await, Arc::clone(&registry))
        .config(WorkerConfig {
            lease: Duration::from_secs(10),
            ..config("doomed")
        })
        .env(|_| None)
        .subscriber(Arc::new(move |event: &SyncEvent| {
            if matches!(event.what, SyncEventKind::Started { .. }) {
                let _ = started_tx.send(event.kind);
            }
        }))
        .build()
        .unwrap();
    let killed = tokio::spawn(async move { doomed.run(CancellationToken::new()).await });
    let (mut walking, mut polling) = (false, false);
    while !(walking && polling) {
        match started_rx.recv().await.unwrap() {
            JobKind::DevicesFull => walking = true,
            JobKind::Incidents => polling = true,
            _ => {}
        }
    }
    killed.abort();
    assert!(killed.await.unwrap_err().is_cancelled());
    sims.tanium.clear_faults();
    sims.huntress.clear_faults();

    let leased: Vec<_> = {
        let mut leased = Vec::new();
        for t in &tenants {
            leased.extend(
                store
                    .list_scheduled_jobs(t.id(), t.tanium)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|j| j.lease_holder.as_deref() == Some("doomed")),
            );
        }
        leased
    };
    assert!(!leased.is_empty(), "the dead worker held leases");
    let mut polls_held = 0;
    for t in &tenants {
        polls_held += store
            .list_scheduled_jobs(t.id(), t.huntress)
            .await
            .unwrap()
            .iter()
            .filter(|j| j.lease_holder.as_deref() == Some("doomed"))
            .count();
    }
    assert!(polls_held >= 1, "the dead worker held a poll's lease");
    let tickets_before_takeover: usize = {
        let mut n = 0;
        for t in &tenants {
            n += store.list_tickets(t.id()).await.unwrap().len();
        }
        n
    };
    assert_eq!(tickets_before_takeover, 0, "killed before any ticket");

    // The survivor takes over once the dead worker's leases expire.
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let survivor = Worker::builder(support::own_store(&store).await, Arc::clone(&registry))
        .config(config("survivor"))
        .env(|_| None)
        .subscriber(Arc::new(move |event: &SyncEvent| {
            sink.lock().unwrap().push(event.clone());
        }))
        .build()
        .unwrap();
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let running = tokio::spawn(async move { survivor.run(stop).await });
    wait_until_all_ran(store.store(), &tenants, connected).await;
    shutdown.cancel();
    let report = running.await.unwrap();
    assert_eq!(report.failed, 0, "{report:?}");

    let tickets = expected_tickets(&sims);
    for tenant in &tenants {
        check_converged(store.store(), tenant, tickets).await;
    }
    let mut abandoned = 0;
    for lease in &leased {
        let tenant = tenants
            .iter()
            .find(|t| t.tanium == lease.integration)
            .unwrap();
        let runs = store
            .list_sync_runs(tenant.id(), tenant.tanium, 100)
            .await
            .unwrap();
        assert!(
            runs.iter().all(|r| r.outcome != RunOutcome::Running),
            "{runs:?}"
        );
        abandoned += runs
            .iter()
            .filter(|r| {
                r.outcome == RunOutcome::Failed
                    && r.error
                        .as_deref()
                        .is_some_and(|e| e.contains("worker doomed stopped"))
            })
            .count();
        assert!(
            runs.iter()
                .any(|r| r.kind == "devices_full" && r.outcome == RunOutcome::Succeeded)
        );
    }
    assert!(abandoned >= 1, "the dead worker's run is marked failed");

    // The survivor's events tell the story: runs started and finished,
    // devices written, incidents processed.
    let events = events.lock().unwrap();
    assert!(events.iter().any(|e| matches!(
        e.what,
        SyncEventKind::Progress(ProgressEvent::IncidentProcessed { .. })
    )));
    assert!(events.iter().any(|e| matches!(
        e.what,
        SyncEventKind::Progress(ProgressEvent::TicketCreated { .. })
    )));
    // Device batches, each followed by the requests made so far.
    let written: Vec<u64> = events
        .iter()
        .filter(|e| e.kind == JobKind::DevicesFull && e.integration == tenants[0].tanium)
        .filter_map(|e| match &e.what {
            SyncEventKind::Progress(ProgressEvent::DevicesWritten { total, .. }) => Some(*total),
            _ => None,
        })
        .collect();
    assert!(
        !written.is_empty() && written.windows(2).all(|w| w[0] < w[1]),
        "{written:?}"
    );
    assert!(events.iter().any(|e| matches!(
        e.what,
        SyncEventKind::Progress(ProgressEvent::RequestsMade { total }) if total > 0
    )));
    assert!(events.iter().any(|e| matches!(
        e.what,
        SyncEventKind::Finished {
            outcome: RunOutcome::Succeeded,
            ..
        }
    )));
}

/// On SQLite a single process runs every due job once with
/// `run_until_idle`; a second pass finds nothing due and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_until_idle_on_sqlite_runs_each_due_job_once() {
    let store = psa_store::test_util::fresh_sqlite().await;
    let sims = simulators().await;
    let registry = registry(&sims);
    let tenants = vec![
        add_tenant(store.store(), &registry, &sims, 0).await,
        add_tenant(store.store(), &registry, &sims, 1).await,
    ];
    let shared = Arc::new(store.store().clone());
    let worker = worker(Arc::clone(&shared), Arc::clone(&registry), "solo");
    let first = worker.run_until_idle().await.unwrap();
    assert_eq!((first.succeeded, first.failed), (4, 0));
    let second = worker.run_until_idle().await.unwrap();
    assert_eq!(second, WorkerReport::default());
    let tickets = expected_tickets(&sims);
    for tenant in &tenants {
        check_converged(store.store(), tenant, tickets).await;
        // Huntress: the poll, and its scope sync one day after connecting
        // (connecting synced the scopes), which did not run.
        let jobs = store
            .list_scheduled_jobs(tenant.id(), tenant.huntress)
            .await
            .unwrap();
        let names: Vec<_> = jobs.iter().map(|j| Job::of(&j.job)).collect();
        assert_eq!(names, [Some(Job::Incidents), Some(Job::Scopes)]);
        assert!(jobs[1].next_due_at > Utc::now() + TimeDelta::hours(23));
    }
}

/// Shutdown with no grace stops the running walk, records its run as
/// cancelled and releases its lease with the job still due; a worker started
/// afterwards finishes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_releases_the_lease_of_a_stopped_job() {
    let store = psa_store::test_util::fresh_postgres().await;
    let sims = simulators().await;
    let registry = registry(&sims);
    let tenant = add_tenant(store.store(), &registry, &sims, 0).await;
    sims.tanium
        .inject(FaultRule::new(Fault::Slow(Duration::from_millis(300))).on_operation("Endpoints"));

    let (started_tx, mut started_rx) = tokio::sync::mpsc::unbounded_channel();
    let stopping = Worker::builder(support::own_store(&store).await, Arc::clone(&registry))
        .config(WorkerConfig {
            shutdown_grace: Duration::ZERO,
            ..config("stopping")
        })
        .env(|_| None)
        .subscriber(Arc::new(move |event: &SyncEvent| {
            if event.kind == JobKind::DevicesFull
                && matches!(event.what, SyncEventKind::Started { .. })
            {
                let _ = started_tx.send(());
            }
        }))
        .build()
        .unwrap();
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let running = tokio::spawn(async move { stopping.run(stop).await });
    started_rx.recv().await.unwrap();
    shutdown.cancel();
    let report = running.await.unwrap();
    // Both of the tenant's jobs were running: the walk and the poll.
    assert_eq!((report.stopped, report.succeeded), (2, 0), "{report:?}");

    let job = &store
        .list_scheduled_jobs(tenant.id(), tenant.tanium)
        .await
        .unwrap()[0];
    assert_eq!(job.lease_holder, None);
    assert!(job.next_due_at <= Utc::now(), "still due: {job:?}");
    let tanium = runs(store.store(), tenant.id(), tenant.tanium).await;
    assert_eq!(tanium["devices_full"], [RunOutcome::Cancelled]);

    sims.tanium.clear_faults();
    let after = worker(support::own_store(&store).await, registry, "after");
    let report = after.run_until_idle().await.unwrap();
    assert_eq!((report.succeeded, report.failed), (2, 0));
    check_converged(store.store(), &tenant, expected_tickets(&sims)).await;
}

/// A revoked credential fails the poll with a message a person can act on
/// and leaves the job scheduled; once the credential is fixed the next run
/// completes and clears the error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authentication_failure_marks_the_integration_until_fixed() {
    let store = psa_store::test_util::fresh_sqlite().await;
    let sims = simulators().await;
    let registry = registry(&sims);
    let tenant = add_tenant(store.store(), &registry, &sims, 0).await;
    let key_name = psa_sync::secret_name(tenant.huntress, SECRET_API_KEY);
    store
        .put_secret(tenant.id(), &key_name, &SecretString::from("revoked"))
        .await
        .unwrap();

    let worker = worker(Arc::new(store.store().clone()), registry, "solo");
    let report = worker.run_until_idle().await.unwrap();
    assert_eq!((report.succeeded, report.failed), (1, 1), "{report:?}");
    let record = store
        .get_integration(tenant.id(), tenant.huntress)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.sync_status, SyncStatus::Error);
    let message = record.sync_error.unwrap();
    assert!(
        message.contains("Check the API credentials"),
        "actionable: {message}"
    );
    assert!(!message.contains("revoked"), "no secret in the message");
    let runs = runs(store.store(), tenant.id(), tenant.huntress).await;
    assert_eq!(runs["incidents"], [RunOutcome::Failed]);

    // Fixed: the job is due again and completes.
    store
        .put_secret(
            tenant.id(),
            &key_name,
            &SecretString::from(sims.huntress.api_key()),
        )
        .await
        .unwrap();
    psa_sync::jobs::run_now(store.store(), tenant.id(), tenant.huntress, Job::Incidents)
        .await
        .unwrap();
    let report = worker.run_until_idle().await.unwrap();
    assert_eq!((report.succeeded, report.failed), (1, 0), "{report:?}");
    let record = store
        .get_integration(tenant.id(), tenant.huntress)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.sync_status, record.sync_error),
        (SyncStatus::Completed, None)
    );
    check_converged(store.store(), &tenant, expected_tickets(&sims)).await;
}

/// A vendor's huge error page reaches the stored messages only as a short,
/// plain excerpt: `sync_runs.error` and `sync_error` stay small and hold
/// no control characters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_error_body_is_stored_only_as_a_short_excerpt() {
    let store = psa_store::test_util::fresh_sqlite().await;
    let sims = simulators().await;
    let registry = registry(&sims);
    let tenant = add_tenant(store.store(), &registry, &sims, 0).await;
    let page = format!(
        "<html>{}\0\x1b[2J{}</html>",
        "A".repeat(200_000),
        "B".repeat(1_000)
    );
    sims.huntress.inject_on(
        "/v1/incident_reports",
        psa_testkit::huntress::Fault::StatusWithBody(400, page),
        100,
    );

    let worker = worker(Arc::new(store.store().clone()), registry, "solo");
    worker.run_until_idle().await.unwrap();

    let run = store
        .list_sync_runs(tenant.id(), tenant.huntress, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (run.kind.as_str(), run.outcome),
        ("incidents", RunOutcome::Failed)
    );
    let record = store
        .get_integration(tenant.id(), tenant.huntress)
        .await
        .unwrap()
        .unwrap();
    for message in [run.error.unwrap(), record.sync_error.unwrap()] {
        assert!(message.contains("400"), "{message}");
        assert!(
            message.chars().count() < 1_000,
            "{} characters",
            message.chars().count()
        );
        assert!(!message.chars().any(char::is_control), "{message:?}");
    }
}

/// An incident report that cannot be read stops nothing and vanishes
/// nowhere: the others become tickets, it is quarantined with its record
/// and decode error, the run and the integration show it, and once the
/// vendor fixes it a requeued retry makes its ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_incident_is_quarantined_shown_and_recovered_once_fixed() {
    let store = psa_store::test_util::fresh_sqlite().await;
    let sims = simulators().await;
    let registry = registry(&sims);
    let tenant = add_tenant(store.store(), &registry, &sims, 0).await;
    let open = sims
        .huntress
        .incidents()
        .into_iter()
        .find(|i| !matches!(i.status.as_str(), "closed" | "dismissed"))
        .unwrap();
    assert!(
        sims.huntress
            .set_odd_shape(open.id, Some(OddShape::Undecodable))
    );

    let worker = worker(Arc::new(store.store().clone()), registry, "solo");
    let report = worker.run_until_idle().await.unwrap();
    assert_eq!((report.succeeded, report.failed), (2, 0), "{report:?}");
    let run = store
        .list_sync_runs(tenant.id(), tenant.huntress, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(run.kind, "incidents");
    assert_eq!(run.outcome, RunOutcome::PartiallyFailed, "{run:?}");
    assert_eq!(run.counts["quarantined"], 1);
    assert_eq!(run.counts["undecodable"], 1);
    assert_eq!(run.counts["in_quarantine"], 1);
    let error = run.error.unwrap();
    assert!(
        error.contains("1 records of this integration are in quarantine"),
        "{error}"
    );
    assert!(
        error.contains("updated_at"),
        "the JSON path is named: {error}"
    );
    let integration = store
        .get_integration(tenant.id(), tenant.huntress)
        .await
        .unwrap()
        .unwrap();
    assert!(
        integration
            .sync_error
            .is_some_and(|e| e.contains("in quarantine")),
        "a person sees it on the integration"
    );
    let held = store
        .list_quarantined(
            tenant.id(),
            tenant.huntress,
            QuarantineFilter::default(),
            10,
        )
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].record_id, open.id.to_string());
    assert_eq!(held[0].payload["updated_at"], "not a timestamp");
    let tickets = store.list_tickets(tenant.id()).await.unwrap();
    assert_eq!(tickets.len(), expected_tickets(&sims) - 1);

    // The vendor fixes the record; the person requeues it (or waits for
    // its retry). The next poll decodes it again and makes its ticket.
    sims.huntress.set_odd_shape(open.id, None);
    assert_eq!(
        store
            .requeue_quarantined(tenant.id(), tenant.huntress, None, Utc::now())
            .await
            .unwrap(),
        1
    );
    psa_sync::jobs::run_now(store.store(), tenant.id(), tenant.huntress, Job::Incidents)
        .await
        .unwrap();
    worker.run_until_idle().await.unwrap();
    let run = store
        .list_sync_runs(tenant.id(), tenant.huntress, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(run.outcome, RunOutcome::Succeeded, "{run:?}");
    assert_eq!(run.counts["in_quarantine"], 0);
    assert_eq!(
        store
            .count_quarantined(tenant.id(), tenant.huntress)
            .await
            .unwrap(),
        0
    );
    let tickets = store.list_tickets(tenant.id()).await.unwrap();
    assert_eq!(tickets.len(), expected_tickets(&sims));
}
