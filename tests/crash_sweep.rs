//! "Nothing is lost", checked at every write: each pipeline's scenario runs
//! once cleanly, then once per write N of the clean run with that write
//! failing (before it reaches the store, or after it committed), each step
//! that failed run once more, and the tenant's state after every step
//! compared with the clean run's. On both backends, through the worker's
//! job entry point with the lease fence on.

mod support;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use futures::stream;
use huntress::provider::{HuntressProvider, SECRET_API_KEY, SECRET_API_SECRET};
use huntress::{RateLimit, RetryPolicy as HuntressRetry};
use psa_ingest::contracts::{
    AgentStatus, DeviceLifecycle, DeviceType, NormalizedDevice, NormalizedScope, ScopeKind,
};
use psa_ingest::engine::assets::{AssetEngine, AssetEngineOptions};
use psa_ingest::ports::{
    IntegrationStore, Lease, RunOutcome, ScheduleStore, ScopeLinkBy, ScopeMappingStore,
    SyncRunStore,
};
use psa_ingest::sources::SourceError;
use psa_ingest::{IntegrationId, ProviderId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::test_util::TestStore;
use psa_store::{DemoTenant, PsaStore};
use psa_sync::Job;
use psa_sync::jobs::{JobRequest, run_job};
use psa_testkit::huntress::{HuntressSim, NewIncident, SimConfig};
use psa_testkit::store::{FaultPoint, FaultyStore};
use psa_testkit::tanium::{GroupSpec, SimClock, TaniumSim};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;
use support::snapshot::{Snapshot, snapshot};
use tanium_gateway::RetryPolicy as TaniumRetry;
use tanium_gateway::provider::{API_TOKEN_SECRET, TaniumProvider};

/// What one run of a scenario left after each step, and its write count.
struct Outcome {
    after_each_step: Vec<Snapshot>,
    writes: u64,
    fault_fired: bool,
}

/// A scenario's fixed parts: the tenant, its integrations, the lease.
struct Context {
    store: PsaStore,
    faulty: FaultyStore<PsaStore>,
    registry: ProviderRegistry,
    tenant: TenantId,
    integrations: Vec<IntegrationId>,
    start: DateTime<Utc>,
}

impl Context {
    /// Runs `job` under `lease`; when it fails, or records a run that did
    /// not succeed, runs it once more (the next run after a crash). Then
    /// snapshots the tenant.
    async fn step(&self, lease: &Lease, job: Job, full: bool) -> Snapshot {
        for attempt in 0..2 {
            let before = self.run_count(lease.integration).await;
            let ok = self.run_once(lease, job, full).await;
            let runs = self
                .store
                .list_sync_runs(self.tenant, lease.integration, 1000)
                .await
                .unwrap();
            let new = runs.len() - before;
            let succeeded = runs[..new]
                .iter()
                .all(|run| run.outcome == RunOutcome::Succeeded);
            if ok && succeeded {
                break;
            }
            assert_eq!(attempt, 0, "the run after the fault failed too: {runs:#?}");
        }
        snapshot(&self.store, self.tenant, &self.integrations, self.start).await
    }

    async fn run_count(&self, integration: IntegrationId) -> usize {
        self.store
            .list_sync_runs(self.tenant, integration, 1000)
            .await
            .unwrap()
            .len()
    }

    async fn run_once(&self, lease: &Lease, job: Job, full: bool) -> bool {
        if full {
            let fenced = self.faulty.fenced(lease.fence());
            return psa_sync::jobs::sync_devices(
                fenced.as_ref(),
                &self.registry,
                self.tenant,
                lease.integration,
                true,
                AssetEngineOptions::default(),
            )
            .await
            .is_ok();
        }
        let request = JobRequest {
            tenant: self.tenant,
            integration: lease.integration,
            provider: lease.provider.clone(),
            job,
            fence: Some(lease.fence()),
        };
        run_job(&self.faulty, &self.registry, &request, None)
            .await
            .is_ok()
    }

    fn outcome(&self, after_each_step: Vec<Snapshot>, fault: Option<(u64, FaultPoint)>) -> Outcome {
        let log = self.faulty.faults().log();
        Outcome {
            after_each_step,
            writes: self.faulty.faults().writes(),
            fault_fired: fault.is_some_and(|(n, _)| {
                log.iter().any(|w| {
                    w.number == n
                        && matches!(w.outcome, psa_testkit::store::WriteOutcome::Injected(_))
                })
            }),
        }
    }
}

/// Claims the integration's `job` for this scenario (an hour-long lease).
async fn claim(store: &PsaStore, tenant: TenantId, integration: IntegrationId, job: Job) -> Lease {
    let now = Utc::now();
    let leases = store
        .claim_due_jobs("sweep", now, now + TimeDelta::hours(1), 100)
        .await
        .unwrap();
    leases
        .into_iter()
        .find(|l| l.tenant == tenant && l.integration == integration && l.job == job.as_str())
        .expect("the job is due after connecting")
}

async fn demo_tenant(store: &PsaStore) -> DemoTenant {
    store
        .seed_demo_tenant(&format!("MSP {}", TenantId::new()))
        .await
        .unwrap()
}

// ---------------------------------------------------------------- Tanium

/// A Tanium device sync: a full walk of two mapped groups, then an
/// incremental walk after a rename, a new id, a removal and a new endpoint,
/// then a full walk that retires the removed endpoint.
async fn tanium_scenario(store: &TestStore, fault: Option<(u64, FaultPoint)>) -> Outcome {
    let start = Utc::now().trunc_subsecs(0);
    let sim = TaniumSim::builder()
        .clock(SimClock::at(start - TimeDelta::hours(1)))
        .start_generated(&[
            GroupSpec::new("101", "Acme Corp", 3),
            GroupSpec::new("102", "Globex Servers", 2),
            GroupSpec::new("103", "Lab", 1),
        ])
        .await;
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            TaniumProvider::new()
                .with_url_policy(tanium_gateway::UrlPolicy::loopback())
                .with_clock(sim.clock().as_fn())
                .with_retry_policy(TaniumRetry::none()),
        ))
        .unwrap();
    let demo = demo_tenant(store).await;
    let tenant = demo.tenant;
    let integration = support::integration(store, tenant, "tanium").await;
    support::set_settings(
        store,
        tenant,
        integration,
        serde_json::json!({ "gateway_url": sim.gateway_url(), "page_size": 2 }),
    )
    .await;
    let token = ProviderSecrets::new().with(API_TOKEN_SECRET, SecretString::from(sim.token()));
    psa_sync::jobs::connect(store.store(), &registry, tenant, integration, &token)
        .await
        .unwrap();
    store
        .link_scope(
            tenant,
            integration,
            "102",
            Some(demo.clients.globex),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    let lease = claim(store, tenant, integration, Job::Devices).await;

    let faulty = FaultyStore::new(Arc::new(store.store().clone()));
    if let Some((n, point)) = fault {
        faulty.faults().fail_write(n, point);
    }
    let cx = Context {
        store: store.store().clone(),
        faulty,
        registry,
        tenant,
        integrations: vec![integration],
        start,
    };
    let mut after = Vec::new();
    after.push(cx.step(&lease, Job::Devices, false).await);

    sim.clock().set(start);
    let acme = sim.group_members("101");
    let globex = sim.group_members("102");
    assert!(sim.modify_endpoint(&acme[0], |e| e.name = "ACME-CEO-LAPTOP".to_owned()));
    assert!(sim.touch_endpoint(&acme[0]));
    assert!(sim.remove_endpoint(&acme[1]).is_some());
    assert!(sim.change_endpoint_id(&globex[0], "9001"));
    after.push(cx.step(&lease, Job::Devices, false).await);

    after.push(cx.step(&lease, Job::Devices, true).await);
    cx.outcome(after, fault)
}

// ---------------------------------------------------------------- Huntress

/// A Huntress poll: new incidents on a mapped and an unmapped organization
/// (the fallback), one with a host that matches an asset (the link); then
/// an update (a note), a close (auto-close) and a new incident.
async fn huntress_scenario(
    store: &TestStore,
    start: DateTime<Utc>,
    fault: Option<(u64, FaultPoint)>,
) -> Outcome {
    let sim = HuntressSim::start_with(SimConfig {
        start,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await;
    let acme_org = sim.add_organization("Acme Corp");
    let wayne_org = sim.add_organization("Wayne Enterprises");
    let laptop = sim.add_agent(acme_org, "ACME-LT01");
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            HuntressProvider::new()
                .with_url_policy(huntress::UrlPolicy::loopback())
                .with_rate_limit(RateLimit::new(100_000, Duration::from_secs(60)))
                .with_retry(HuntressRetry::fast(Duration::from_millis(5)))
                .with_timeout(Duration::from_secs(10)),
        ))
        .unwrap();
    let demo = demo_tenant(store).await;
    let tenant = demo.tenant;
    let tanium = asset_named(store, &demo, "acme-lt01").await;
    let integration = support::integration(store, tenant, "huntress").await;
    support::set_settings(
        store,
        tenant,
        integration,
        serde_json::json!({ "api_base_url": sim.uri() }),
    )
    .await;
    let keys = ProviderSecrets::new()
        .with(SECRET_API_KEY, SecretString::from(sim.api_key()))
        .with(SECRET_API_SECRET, SecretString::from(sim.api_secret()));
    psa_sync::jobs::connect(store.store(), &registry, tenant, integration, &keys)
        .await
        .unwrap();
    let mut settings = store
        .get_integration(tenant, integration)
        .await
        .unwrap()
        .unwrap()
        .settings;
    let incidents = settings["incidents"].as_object_mut().unwrap();
    for (key, value) in [
        ("board_id", serde_json::json!(demo.default_board.id)),
        ("category_id", serde_json::json!(demo.categories.security)),
        (
            "fallback_client_id",
            serde_json::json!(demo.clients.initech),
        ),
        ("fallback_board_id", serde_json::json!(demo.triage_board.id)),
        ("auto_close", serde_json::json!(true)),
        (
            "closed_status_id",
            serde_json::json!(demo.default_board.closed),
        ),
        ("backfill_days", serde_json::json!(7)),
    ] {
        incidents.insert(key.to_owned(), value);
    }
    support::set_settings(store, tenant, integration, settings).await;
    let lease = claim(store, tenant, integration, Job::Incidents).await;

    let faulty = FaultyStore::new(Arc::new(store.store().clone()));
    if let Some((n, point)) = fault {
        faulty.faults().fail_write(n, point);
    }
    let cx = Context {
        store: store.store().clone(),
        faulty,
        registry,
        tenant,
        integrations: vec![tanium, integration],
        start,
    };
    sim.advance(TimeDelta::minutes(1));
    let linked = sim.add_incident(NewIncident::new(acme_org, Some(laptop)).severity("high"));
    sim.add_incident(NewIncident::new(wayne_org, None).severity("low"));
    let closing = sim.add_incident(NewIncident::new(acme_org, None).severity("critical"));
    let mut after = Vec::new();
    after.push(cx.step(&lease, Job::Incidents, false).await);

    sim.advance(TimeDelta::minutes(1));
    assert!(sim.update_incident(linked, |i| "critical".clone_into(&mut i.severity)));
    assert!(sim.close_incident(closing));
    sim.add_incident(NewIncident::new(acme_org, Some(laptop)).severity("low"));
    after.push(cx.step(&lease, Job::Incidents, false).await);
    cx.outcome(after, fault)
}

/// An asset of Acme named `name`, written through a Tanium integration
/// (setup, not swept).
async fn asset_named(store: &TestStore, demo: &DemoTenant, name: &str) -> IntegrationId {
    let tanium = support::integration(store, demo.tenant, "tanium").await;
    let provider = ProviderId::new("tanium").unwrap();
    let scope = NormalizedScope {
        provider: provider.clone(),
        external_id: "g1".into(),
        name: "All".into(),
        kind: ScopeKind::Group,
        parent: None,
        counts: Default::default(),
    };
    store
        .upsert_scopes(demo.tenant, tanium, &[scope])
        .await
        .unwrap();
    store
        .link_scope(
            demo.tenant,
            tanium,
            "g1",
            Some(demo.clients.acme),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    let device = NormalizedDevice {
        provider: provider.clone(),
        external_id: "e1".into(),
        scope_id: "g1".into(),
        lifecycle: DeviceLifecycle::Active,
        device_type: DeviceType::Workstation,
        name: name.into(),
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
        demo.tenant,
        tanium,
        provider,
        AssetEngineOptions::default(),
    )
    .await
    .unwrap();
    engine
        .ingest(stream::iter(vec![Ok::<_, SourceError>(vec![device])]), None)
        .await
        .unwrap();
    tanium
}

// ---------------------------------------------------------------- the sweep

/// Runs the scenario cleanly, then with each write failing at `point`, and
/// compares every step's end state. Returns how many points it swept.
// The count line is the point of running it with `--no-capture`.
#[allow(clippy::print_stdout)]
async fn sweep<F, Fut>(name: &str, point: FaultPoint, scenario: F) -> u64
where
    F: Fn(Option<(u64, FaultPoint)>) -> Fut,
    Fut: std::future::Future<Output = Outcome>,
{
    let clean = scenario(None).await;
    assert!(
        clean.writes > 10,
        "{name}: a clean run makes {} writes",
        clean.writes
    );
    // A second clean run gives the same state: the comparison is fair.
    let again = scenario(None).await;
    for (step, (a, b)) in clean
        .after_each_step
        .iter()
        .zip(&again.after_each_step)
        .enumerate()
    {
        assert!(
            a == b,
            "{name}: two clean runs differ after step {}:\n{}",
            step + 1,
            a.diff(b)
        );
    }
    for n in 1..=clean.writes {
        let faulty = scenario(Some((n, point))).await;
        assert!(faulty.fault_fired, "{name}: write {n} was never made");
        for (step, (expected, found)) in clean
            .after_each_step
            .iter()
            .zip(&faulty.after_each_step)
            .enumerate()
        {
            assert!(
                expected == found,
                "{name}: with write {n} failing {point:?}, the state after step {} differs:\n{}",
                step + 1,
                expected.diff(found)
            );
        }
    }
    println!(
        "{name}: swept {} write points ({point:?}), each converged",
        clean.writes
    );
    clean.writes
}

async fn tanium_sweep(store: TestStore, point: FaultPoint) {
    sweep("tanium device sync", point, |fault| {
        tanium_scenario(&store, fault)
    })
    .await;
}

async fn tanium_device_sync_converges_after_a_failure_before_any_write(store: TestStore) {
    tanium_sweep(store, FaultPoint::Before).await;
}

async fn tanium_device_sync_converges_after_a_crash_after_any_commit(store: TestStore) {
    tanium_sweep(store, FaultPoint::AfterCommit).await;
}

async fn huntress_sweep(store: TestStore, point: FaultPoint) {
    let start = Utc::now().trunc_subsecs(0);
    sweep("huntress poll", point, |fault| {
        huntress_scenario(&store, start, fault)
    })
    .await;
}

async fn huntress_poll_converges_after_a_failure_before_any_write(store: TestStore) {
    huntress_sweep(store, FaultPoint::Before).await;
}

async fn huntress_poll_converges_after_a_crash_after_any_commit(store: TestStore) {
    huntress_sweep(store, FaultPoint::AfterCommit).await;
}

psa_store::backend_tests!(
    tanium_device_sync_converges_after_a_failure_before_any_write,
    tanium_device_sync_converges_after_a_crash_after_any_commit,
    huntress_poll_converges_after_a_failure_before_any_write,
    huntress_poll_converges_after_a_crash_after_any_commit,
);
