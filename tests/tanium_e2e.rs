//! Tanium end to end, on both store backends: the simulator behind a
//! registry holding the real `TaniumProvider`, driven by the psa-sync jobs
//! (connect, scope sync, full and incremental device syncs, disconnect).

mod support;

use chrono::{DateTime, TimeDelta, Utc};
use psa_ingest::engine::assets::{AssetEngineOptions, AssetSyncReport};
use psa_ingest::ports::{
    AssetStore, IntegrationStore, MappingDecision, RunOutcome, ScheduleStore, ScopeLinkBy,
    ScopeMapping, ScopeMappingStore, SecretStore, SyncRun, SyncRunStore, WalkOutcome,
};
use psa_ingest::{ClientId, IntegrationId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::test_util::TestStore;
use psa_store::{Backend, DemoTenant, PsaStore};
use psa_sync::SyncError;
use psa_testkit::tanium::{Fault, FaultRule, GroupSpec, SimClock, TaniumSim};
use secrecy::SecretString;
use tanium_gateway::RetryPolicy;
use tanium_gateway::provider::{API_TOKEN_SECRET, TaniumProvider};

/// Group named like the demo client "Acme Corp": the auto-matcher links it.
const ACME_GROUP: &str = "101";
/// Group whose name matches no client: a person links it to Globex.
const GLOBEX_GROUP: &str = "102";
/// Group nobody maps: its endpoints are never walked.
const LAB_GROUP: &str = "103";

/// Endpoints of the generated estate, in group order: 1000..=1003 in Acme,
/// 1004..=1006 in Globex Servers, 1007..=1008 in Lab.
const ACME_ENDPOINTS: [&str; 4] = ["1000", "1001", "1002", "1003"];
const GLOBEX_ENDPOINTS: [&str; 3] = ["1004", "1005", "1006"];
const MAPPED_ENDPOINTS: usize = ACME_ENDPOINTS.len() + GLOBEX_ENDPOINTS.len();

/// A simulator whose clock stands an hour behind the real one. Every
/// generated endpoint was then last seen well before the overlap window of
/// an incremental walk (which is measured from the real clock), so an
/// incremental walk returns only what the test changes.
async fn simulator() -> TaniumSim {
    let clock = SimClock::at(Utc::now() - TimeDelta::hours(1));
    TaniumSim::builder()
        .clock(clock)
        .start_generated(&[
            GroupSpec::new(ACME_GROUP, "Acme Corp", ACME_ENDPOINTS.len()),
            GroupSpec::new(GLOBEX_GROUP, "Globex Servers", GLOBEX_ENDPOINTS.len()),
            GroupSpec::new(LAB_GROUP, "Lab", 2),
        ])
        .await
}

/// A registry with the Tanium provider judging agent status by the
/// simulator's clock, and no retries (the simulator injects no faults).
fn registry(sim: &TaniumSim) -> ProviderRegistry {
    let provider = TaniumProvider::new()
        .with_url_policy(tanium_gateway::UrlPolicy::loopback())
        .with_clock(sim.clock().as_fn())
        .with_retry_policy(RetryPolicy::none());
    let mut registry = ProviderRegistry::new();
    registry.register(Box::new(provider)).unwrap();
    registry
}

fn secrets(token: &str) -> ProviderSecrets {
    ProviderSecrets::new().with(API_TOKEN_SECRET, SecretString::from(token.to_owned()))
}

fn options() -> AssetEngineOptions {
    AssetEngineOptions {
        batch_size: 3,
        ..AssetEngineOptions::default()
    }
}

struct Setup {
    demo: DemoTenant,
    tenant: TenantId,
    integration: IntegrationId,
    registry: ProviderRegistry,
}

/// Seeds a tenant and creates a Tanium integration pointing at the
/// simulator, with pages of two endpoints (so every group takes several).
async fn create(store: &TestStore, sim: &TaniumSim) -> Setup {
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let tenant = demo.tenant;
    let integration = support::integration(store, tenant, "tanium").await;
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
            serde_json::json!({ "gateway_url": sim.gateway_url(), "page_size": 2 }),
        )
        .await
        .unwrap();
    Setup {
        demo,
        tenant,
        integration,
        registry: registry(sim),
    }
}

/// Connects through the job and checks what connecting recorded: the
/// account, the stored token, every group as a scope, Acme auto-matched.
async fn connect(store: &TestStore, sim: &TaniumSim, s: &Setup) {
    let (info, scopes) = psa_sync::jobs::connect(
        store.store(),
        &s.registry,
        s.tenant,
        s.integration,
        &secrets(&sim.token()),
    )
    .await
    .unwrap();
    assert_eq!(info.account_name.as_deref(), Some("127.0.0.1"));

    let record = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap();
    assert!(record.is_active);
    assert!(record.connected_at.is_some());
    assert_eq!(record.settings["account"]["name"], "127.0.0.1");
    assert_eq!(record.settings["page_size"], 2, "connecting keeps settings");
    assert!(
        store
            .get_secret(s.tenant, &stored_token_name(s))
            .await
            .unwrap()
            .is_some(),
        "the token is stored"
    );

    let scopes = scopes.expect("Tanium has a scope source");
    assert_eq!(scopes.discovered, 3);
    assert_eq!(
        scopes.auto_matched,
        vec![(ACME_GROUP.to_owned(), s.demo.clients.acme)]
    );
    let mut unmapped = scopes.unmapped;
    unmapped.sort();
    assert_eq!(unmapped, [GLOBEX_GROUP, LAB_GROUP]);
}

fn stored_token_name(s: &Setup) -> String {
    psa_sync::secret_name(s.integration, API_TOKEN_SECRET)
}

/// Links the Globex group by hand, then re-runs the scope job: the person's
/// link and the auto-match both survive, and the run is recorded.
async fn map_groups(store: &TestStore, s: &Setup) {
    let changed = store
        .link_scope(
            s.tenant,
            s.integration,
            GLOBEX_GROUP,
            Some(s.demo.clients.globex),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    assert!(changed);

    let report = psa_sync::jobs::sync_scopes(store.store(), &s.registry, s.tenant, s.integration)
        .await
        .unwrap();
    assert_eq!(report.discovered, 3);
    assert!(report.created.is_empty(), "{report:?}");
    assert!(report.auto_matched.is_empty(), "{report:?}");
    assert_eq!(report.unmapped, [LAB_GROUP]);

    let mappings = store
        .list_scope_mappings(s.tenant, s.integration)
        .await
        .unwrap();
    let client_of = |id: &str| {
        mappings
            .iter()
            .find(|m| m.external_id == id)
            .unwrap_or_else(|| panic!("no mapping row for group {id}"))
            .client_id
    };
    assert_eq!(client_of(ACME_GROUP), Some(s.demo.clients.acme));
    assert_eq!(client_of(GLOBEX_GROUP), Some(s.demo.clients.globex));
    assert_eq!(client_of(LAB_GROUP), None);
    let acme = mappings
        .iter()
        .find(|m| m.external_id == ACME_GROUP)
        .unwrap();
    assert_eq!(acme.name, "Acme Corp");
    assert_eq!(acme.decided_by, MappingDecision::AutoMatch);
}

/// One asset row as the tests look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AssetRow {
    name: String,
    status: String,
    rmm_provider: Option<String>,
    rmm_device_id: Option<String>,
    rmm_organization_id: Option<String>,
}

/// Every asset row, sorted by device id, on either backend.
async fn assets(store: &PsaStore) -> Vec<AssetRow> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    const SQL: &str =
        "SELECT name, status, rmm_provider, rmm_device_id, rmm_organization_id FROM assets";
    let rows: Vec<Row> = match store.backend() {
        Backend::Postgres => sqlx::query_as(SQL)
            .fetch_all(store.postgres_pool().unwrap())
            .await
            .unwrap(),
        Backend::Sqlite => sqlx::query_as(SQL)
            .fetch_all(store.sqlite_pool().unwrap())
            .await
            .unwrap(),
    };
    let mut assets: Vec<AssetRow> = rows
        .into_iter()
        .map(
            |(name, status, rmm_provider, rmm_device_id, rmm_organization_id)| AssetRow {
                name,
                status,
                rmm_provider,
                rmm_device_id,
                rmm_organization_id,
            },
        )
        .collect();
    assets.sort_by(|a, b| a.rmm_device_id.cmp(&b.rmm_device_id));
    assets
}

fn asset<'a>(assets: &'a [AssetRow], device_id: &str) -> &'a AssetRow {
    assets
        .iter()
        .find(|a| a.rmm_device_id.as_deref() == Some(device_id))
        .unwrap_or_else(|| panic!("no asset with device id {device_id} in {assets:#?}"))
}

/// The simulator's host name of an endpoint.
fn host(sim: &TaniumSim, id: &str) -> String {
    sim.endpoint(id)
        .unwrap_or_else(|| panic!("no endpoint {id} in the simulator"))
        .name
}

/// How many active assets of `client` carry each of the host names.
async fn assets_of(
    store: &TestStore,
    tenant: TenantId,
    client: ClientId,
    hosts: &[String],
) -> usize {
    let mut found = 0;
    for hostname in hosts {
        found += store
            .find_assets_by_hostname(tenant, client, hostname)
            .await
            .unwrap()
            .len();
    }
    found
}

async fn sync(store: &TestStore, s: &Setup, full: bool) -> AssetSyncReport {
    psa_sync::jobs::sync_devices(
        store.store(),
        &s.registry,
        s.tenant,
        s.integration,
        full,
        options(),
    )
    .await
    .unwrap()
}

/// Checks that the newest sync run is a successful one of `kind` whose
/// counts are the report's.
async fn check_last_run(
    store: &TestStore,
    s: &Setup,
    kind: &str,
    report: &AssetSyncReport,
) -> SyncRun {
    let run = store
        .list_sync_runs(s.tenant, s.integration, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(run.kind, kind);
    assert_eq!(run.outcome, RunOutcome::Succeeded, "{run:?}");
    assert!(run.finished_at.is_some());
    assert_eq!(run.error, None);
    // The run's counts read back typed are the report the job returned.
    let counts = psa_sync::jobs::RunCounts::of(&run).unwrap();
    assert_eq!(
        counts.report,
        Some(psa_sync::JobReport::Devices(report.clone()))
    );
    assert_eq!(counts.in_quarantine, 0);
    run
}

async fn full_then_incremental_then_full(store: TestStore) {
    let sim = simulator().await;
    let s = create(&store, &sim).await;
    connect(&store, &sim, &s).await;
    map_groups(&store, &s).await;

    // The first walk is full whatever is asked: nothing has been walked yet.
    let requests_before = sim.requests().len();
    let first = sync(&store, &s, false).await;
    let requests = sim.requests().len() - requests_before;
    assert_eq!(first.created, MAPPED_ENDPOINTS as u64, "{first:?}");
    assert_eq!(first.updated, 0);
    assert_eq!(first.tombstoned, 0);
    // Only mapped groups are walked: Lab's endpoints are never asked for.
    assert_eq!(first.received, MAPPED_ENDPOINTS as u64, "{first:?}");
    assert_eq!(first.skipped_total(), 0, "{first:?}");
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    let mut complete = first.complete_scopes.clone();
    complete.sort();
    assert_eq!(complete, [ACME_GROUP, GLOBEX_GROUP]);
    let run = check_last_run(&store, &s, "devices_full", &first).await;
    assert_eq!(
        run.requests_made, requests as i64,
        "the run counts its requests"
    );
    // Pages of two: two pages for Acme's four endpoints, two for Globex's
    // three, none for the unmapped Lab group.
    assert_eq!(sim.request_count("Endpoints"), 4);

    let all = assets(&store).await;
    assert_eq!(all.len(), MAPPED_ENDPOINTS);
    assert!(all.iter().all(|a| a.status == "active"), "{all:#?}");
    assert!(
        all.iter()
            .all(|a| a.rmm_provider.as_deref() == Some("tanium")),
        "{all:#?}"
    );
    assert_eq!(
        asset(&all, "1000").rmm_organization_id.as_deref(),
        Some(ACME_GROUP)
    );
    assert_eq!(
        asset(&all, "1004").rmm_organization_id.as_deref(),
        Some(GLOBEX_GROUP)
    );
    let acme_hosts: Vec<String> = ACME_ENDPOINTS.iter().map(|id| host(&sim, id)).collect();
    let globex_hosts: Vec<String> = GLOBEX_ENDPOINTS.iter().map(|id| host(&sim, id)).collect();
    assert_eq!(
        assets_of(&store, s.tenant, s.demo.clients.acme, &acme_hosts).await,
        ACME_ENDPOINTS.len()
    );
    assert_eq!(
        assets_of(&store, s.tenant, s.demo.clients.globex, &globex_hosts).await,
        GLOBEX_ENDPOINTS.len()
    );
    assert_eq!(
        assets_of(&store, s.tenant, s.demo.clients.globex, &acme_hosts).await,
        0,
        "Acme's endpoints are not Globex's"
    );
    assert_eq!(
        asset(&all, "1001").name,
        host(&sim, "1001"),
        "the asset carries the host name"
    );

    // The estate changes: the simulator's clock catches up with the real
    // one, one endpoint is renamed (and seen now), one is removed, one gets
    // a new id.
    sim.clock().set(Utc::now());
    assert!(sim.modify_endpoint("1001", |e| e.name = "ACME-CEO-LAPTOP".to_owned()));
    assert!(sim.touch_endpoint("1001"));
    assert!(sim.remove_endpoint("1002").is_some());
    assert!(sim.change_endpoint_id("1003", "9003"));

    let incremental = sync(&store, &s, false).await;
    assert_eq!(incremental.rekeyed, 1, "{incremental:?}");
    assert_eq!(
        incremental.received, 1,
        "only the renamed endpoint changed: {incremental:?}"
    );
    assert_eq!(incremental.updated, 1, "{incremental:?}");
    assert_eq!(incremental.created, 0, "{incremental:?}");
    assert_eq!(
        incremental.tombstoned, 0,
        "an incremental walk retires nothing"
    );
    check_last_run(&store, &s, "devices_incremental", &incremental).await;

    let all = assets(&store).await;
    assert_eq!(all.len(), MAPPED_ENDPOINTS, "no asset added: {all:#?}");
    assert_eq!(asset(&all, "1001").name, "ACME-CEO-LAPTOP");
    assert_eq!(asset(&all, "9003").name, host(&sim, "9003"));
    assert_eq!(asset(&all, "9003").status, "active");
    assert!(
        all.iter()
            .all(|a| a.rmm_device_id.as_deref() != Some("1003")),
        "the old id is gone: {all:#?}"
    );
    assert_eq!(
        asset(&all, "1002").status,
        "active",
        "still active until a full walk"
    );

    let last = sync(&store, &s, true).await;
    assert_eq!(last.tombstoned, 1, "{last:?}");
    assert_eq!(last.created, 0, "the re-keyed endpoint is known: {last:?}");
    assert_eq!(last.received, MAPPED_ENDPOINTS as u64 - 1, "{last:?}");
    check_last_run(&store, &s, "devices_full", &last).await;

    let all = assets(&store).await;
    assert_eq!(all.len(), MAPPED_ENDPOINTS);
    assert_eq!(asset(&all, "1002").status, "inactive");
    let inactive: Vec<_> = all
        .iter()
        .filter(|a| a.status != "active")
        .map(|a| a.rmm_device_id.clone())
        .collect();
    assert_eq!(inactive, [Some("1002".to_owned())]);

    let record = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap();
    assert!(record.last_full_sync_at.is_some());
    assert!(record.last_incremental_sync_at.is_some());
    assert_eq!(record.sync_error, None);

    // Newest first: the three device runs on top of the scope
    // job's run and the scope sync of connecting.
    let runs = store
        .list_sync_runs(s.tenant, s.integration, 10)
        .await
        .unwrap();
    let kinds: Vec<&str> = runs.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "devices_full",
            "devices_incremental",
            "devices_full",
            "scopes",
            "scopes"
        ]
    );
    assert!(
        runs.iter().all(|r| r.outcome == RunOutcome::Succeeded),
        "{runs:#?}"
    );
    let started: Vec<DateTime<Utc>> = runs.iter().map(|r| r.started_at).collect();
    assert!(started.windows(2).all(|w| w[0] >= w[1]), "{started:?}");
}

async fn disconnect_removes_the_token_and_stops_syncs(store: TestStore) {
    let sim = simulator().await;
    let s = create(&store, &sim).await;
    connect(&store, &sim, &s).await;
    let first = sync(&store, &s, true).await;
    assert_eq!(first.created, ACME_ENDPOINTS.len() as u64, "{first:?}");

    psa_sync::jobs::disconnect(store.store(), &s.registry, s.tenant, s.integration)
        .await
        .unwrap();
    let record = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap();
    assert!(!record.is_active);
    assert!(
        store
            .get_secret(s.tenant, &stored_token_name(&s))
            .await
            .unwrap()
            .is_none(),
        "the token is deleted"
    );

    let requests = sim.requests().len();
    let error = psa_sync::jobs::sync_devices(
        store.store(),
        &s.registry,
        s.tenant,
        s.integration,
        true,
        options(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, SyncError::NotConnected(_)), "{error:?}");
    assert_eq!(
        sim.requests().len(),
        requests,
        "no request after disconnect"
    );

    let run = store
        .list_sync_runs(s.tenant, s.integration, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(run.kind, "devices_full");
    assert_eq!(run.outcome, RunOutcome::Failed);
    assert!(
        run.error
            .as_deref()
            .is_some_and(|e| e.contains("not connected")),
        "{run:?}"
    );
    // Assets stay after a disconnect.
    assert_eq!(assets(&store).await.len(), ACME_ENDPOINTS.len());
}

/// A community service cannot connect Tanium (enterprise-only): a typed
/// error, the simulator never called, nothing stored.
async fn a_community_service_cannot_connect_an_enterprise_provider(store: TestStore) {
    let sim = simulator().await;
    let s = create(&store, &sim).await;
    let community = registry(&sim).with_access(
        psa_registry::Edition::Community,
        psa_registry::FeatureFlags::default(),
    );
    let error = psa_sync::jobs::connect(
        store.store(),
        &community,
        s.tenant,
        s.integration,
        &secrets(&sim.token()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            error,
            psa_sync::SyncError::ProviderUnavailable(
                psa_registry::Unavailable::RequiresEnterprise(_)
            )
        ),
        "{error:?}"
    );
    assert!(error.needs_attention());
    assert!(sim.requests().is_empty());
    let record = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap();
    assert!(!record.is_active);
}

/// `run_now` makes a scheduled job due at once, and names what is wrong
/// when the job is not on the schedule.
async fn run_now_needs_a_scheduled_job(store: TestStore) {
    let sim = simulator().await;
    let s = create(&store, &sim).await;
    let job = psa_sync::Job::Devices;
    let error = psa_sync::jobs::run_now(store.store(), s.tenant, s.integration, job)
        .await
        .unwrap_err();
    assert!(
        matches!(error, psa_sync::SyncError::NotScheduled { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("no devices job"), "{error}");

    connect(&store, &sim, &s).await;
    let later = Utc::now() + TimeDelta::hours(6);
    store
        .set_job_due(
            s.tenant,
            s.integration,
            &psa_ingest::ports::JobName::parse("devices"),
            later,
        )
        .await
        .unwrap();
    psa_sync::jobs::run_now(store.store(), s.tenant, s.integration, job)
        .await
        .unwrap();
    let due = store
        .list_scheduled_jobs(s.tenant, s.integration)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.job == "devices")
        .unwrap()
        .next_due_at;
    assert!(due <= Utc::now(), "due at {due}");
}

async fn a_wrong_token_does_not_connect(store: TestStore) {
    let sim = simulator().await;
    let s = create(&store, &sim).await;
    let error = psa_sync::jobs::connect(
        store.store(),
        &s.registry,
        s.tenant,
        s.integration,
        &secrets("token-not-the-simulators-0000"),
    )
    .await
    .unwrap_err();
    assert!(error.needs_attention(), "{error:?}");
    assert!(
        !format!("{error} {error:?}").contains("token-not-the-simulators"),
        "the token stays out of the error"
    );
    let record = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap();
    assert!(!record.is_active);
    assert!(
        store
            .get_secret(s.tenant, &stored_token_name(&s))
            .await
            .unwrap()
            .is_none(),
        "nothing stored"
    );
    assert!(
        store
            .list_scope_mappings(s.tenant, s.integration)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A simulator and a connected integration with both groups mapped (Acme
/// by the auto-matcher, Globex by a person).
async fn mapped(store: &TestStore) -> (TaniumSim, Setup) {
    let sim = simulator().await;
    let s = create(store, &sim).await;
    connect(store, &sim, &s).await;
    map_groups(store, &s).await;
    (sim, s)
}

/// Changes the integration's settings in place.
async fn edit_settings(store: &TestStore, s: &Setup, edit: impl FnOnce(&mut serde_json::Value)) {
    let record = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap();
    let mut settings = record.settings;
    edit(&mut settings);
    store
        .update_settings(s.tenant, s.integration, record.settings_version, settings)
        .await
        .unwrap();
}

/// The stored agent status of the asset of one endpoint.
async fn agent_status(store: &PsaStore, device_id: &str) -> Option<String> {
    const SQL: &str = "SELECT agent_status FROM assets WHERE rmm_device_id = $1";
    match store.backend() {
        Backend::Postgres => sqlx::query_scalar(SQL)
            .bind(device_id)
            .fetch_one(store.postgres_pool().unwrap())
            .await
            .unwrap(),
        Backend::Sqlite => sqlx::query_scalar(SQL)
            .bind(device_id)
            .fetch_one(store.sqlite_pool().unwrap())
            .await
            .unwrap(),
    }
}

async fn scope(store: &TestStore, s: &Setup, id: &str) -> ScopeMapping {
    store
        .get_scope_mapping(s.tenant, s.integration, id)
        .await
        .unwrap()
        .unwrap()
}

async fn last_run(store: &TestStore, s: &Setup) -> SyncRun {
    store
        .list_sync_runs(s.tenant, s.integration, 1)
        .await
        .unwrap()
        .remove(0)
}

/// A group mapped after the first full walk is walked in full at the next
/// sync, while the others stay incremental: every endpoint arrives, one
/// last seen days ago too (offline). Mapping it brought the sync forward.
async fn a_group_mapped_after_the_first_walk_brings_all_its_endpoints(store: TestStore) {
    let sim = simulator().await;
    let s = create(&store, &sim).await;
    connect(&store, &sim, &s).await;
    let first = sync(&store, &s, false).await;
    assert_eq!(first.created, ACME_ENDPOINTS.len() as u64, "{first:?}");
    let days_ago = sim.clock().now() - TimeDelta::days(3);
    assert!(sim.modify_endpoint("1005", |e| e.last_seen = days_ago));
    // The device job ran and is due in an hour.
    let later = Utc::now() + TimeDelta::hours(1);
    store
        .set_job_due(
            s.tenant,
            s.integration,
            &psa_ingest::ports::JobName::parse("devices"),
            later,
        )
        .await
        .unwrap();

    let mapped_at = Utc::now();
    assert!(
        psa_sync::jobs::map_scope(
            store.store(),
            s.tenant,
            s.integration,
            GLOBEX_GROUP,
            Some(s.demo.clients.globex)
        )
        .await
        .unwrap()
    );
    let job = store
        .list_scheduled_jobs(s.tenant, s.integration)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.job == "devices")
        .unwrap();
    assert!(
        job.next_due_at <= mapped_at + TimeDelta::seconds(61),
        "due within a minute of mapping: {job:?}"
    );

    let next = sync(&store, &s, false).await;
    assert_eq!(next.created, GLOBEX_ENDPOINTS.len() as u64, "{next:?}");
    assert_eq!(
        (next.full_walks, next.incremental_walks),
        (1, 1),
        "{next:?}"
    );
    let globex_hosts: Vec<String> = GLOBEX_ENDPOINTS.iter().map(|id| host(&sim, id)).collect();
    assert_eq!(
        assets_of(&store, s.tenant, s.demo.clients.globex, &globex_hosts).await,
        GLOBEX_ENDPOINTS.len()
    );
    assert_eq!(
        agent_status(&store, "1005").await.as_deref(),
        Some("offline")
    );
    assert_eq!(last_run(&store, &s).await.kind, "devices_incremental");
    let globex = scope(&store, &s, GLOBEX_GROUP).await;
    assert_eq!(globex.decided_by, MappingDecision::Person);
    assert!(globex.device_sync.full_walk_at >= Some(mapped_at));

    // Both groups are now fully walked: the next sync is incremental for
    // both and writes nothing.
    let again = sync(&store, &s, false).await;
    assert_eq!((again.full_walks, again.incremental_walks), (0, 2));
    assert_eq!(again.writes(), 0, "{again:?}");
}

/// A group re-mapped to another client is walked in full: its assets move.
async fn a_group_remapped_to_another_client_moves_its_assets(store: TestStore) {
    let (sim, s) = mapped(&store).await;
    sync(&store, &s, false).await;

    psa_sync::jobs::map_scope(
        store.store(),
        s.tenant,
        s.integration,
        GLOBEX_GROUP,
        Some(s.demo.clients.initech),
    )
    .await
    .unwrap();
    let report = sync(&store, &s, false).await;
    assert_eq!(report.updated, GLOBEX_ENDPOINTS.len() as u64, "{report:?}");
    let globex_hosts: Vec<String> = GLOBEX_ENDPOINTS.iter().map(|id| host(&sim, id)).collect();
    assert_eq!(
        assets_of(&store, s.tenant, s.demo.clients.initech, &globex_hosts).await,
        GLOBEX_ENDPOINTS.len()
    );
    assert_eq!(
        assets_of(&store, s.tenant, s.demo.clients.globex, &globex_hosts).await,
        0
    );
}

/// A scope whose walk failed keeps its watermark: the next walk reads its
/// changes from where it was, so a change that the failed walk would have
/// read is not missed (the run that failed moved only the other scope).
async fn a_scope_walk_that_fails_part_way_misses_nothing(store: TestStore) {
    let (sim, s) = mapped(&store).await;
    sync(&store, &s, false).await;
    let acme_before = scope(&store, &s, ACME_GROUP).await.device_sync;
    let globex_before = scope(&store, &s, GLOBEX_GROUP).await.device_sync;

    // Acme is walked first: its first page fails, Globex's walk completes.
    sim.inject(
        FaultRule::new(Fault::status(500))
            .on_operation("Endpoints")
            .once(),
    );
    let failed = sync(&store, &s, false).await;
    assert_eq!(failed.incomplete_scopes.len(), 1, "{failed:?}");
    assert_eq!(failed.incomplete_scopes[0].0, ACME_GROUP);
    let run = last_run(&store, &s).await;
    assert_eq!(run.outcome, RunOutcome::PartiallyFailed, "{run:?}");
    let acme = scope(&store, &s, ACME_GROUP).await.device_sync;
    assert_eq!(acme.watermark, acme_before.watermark, "kept");
    assert_eq!(acme.last_outcome, Some(WalkOutcome::Failed));
    assert!(acme.last_error.is_some());
    let globex = scope(&store, &s, GLOBEX_GROUP).await.device_sync;
    assert!(globex.watermark > globex_before.watermark, "moved");

    // A change the failed walk would have read: older than the overlap
    // before the failed run, newer than Acme's own watermark.
    let changed_at = run.started_at - TimeDelta::minutes(5);
    assert!(sim.modify_endpoint("1000", |e| {
        e.name = "ACME-MISSED".to_owned();
        e.last_seen = changed_at;
    }));
    let recovered = sync(&store, &s, false).await;
    assert!(recovered.incomplete_scopes.is_empty(), "{recovered:?}");
    assert_eq!(asset(&assets(&store).await, "1000").name, "ACME-MISSED");
    assert_eq!(last_run(&store, &s).await.outcome, RunOutcome::Succeeded);
}

/// An endpoint that stops reporting is in no incremental walk, yet reads
/// offline once the threshold passes; the sync right after writes nothing.
async fn a_silent_endpoint_goes_offline_without_being_walked(store: TestStore) {
    let (sim, s) = mapped(&store).await;
    sim.clock().set(Utc::now());
    // Seen ten minutes ago: online, and older than an incremental walk's
    // overlap, so no incremental walk returns it.
    let seen = sim.clock().now() - TimeDelta::minutes(10);
    assert!(sim.modify_endpoint("1000", |e| e.last_seen = seen));
    sync(&store, &s, false).await;
    assert_eq!(
        agent_status(&store, "1000").await.as_deref(),
        Some("online")
    );

    sim.clock().advance(TimeDelta::hours(2));
    let report = sync(&store, &s, false).await;
    assert_eq!(report.received, 0, "nothing walked: {report:?}");
    assert!(report.agent_status_changed >= 1, "{report:?}");
    assert_eq!(
        agent_status(&store, "1000").await.as_deref(),
        Some("offline")
    );

    let again = sync(&store, &s, false).await;
    assert_eq!(again.writes(), 0, "{again:?}");
}

/// An endpoint in two mapped groups of different clients stays with one
/// client over five syncs, and nothing is written after the first.
async fn an_endpoint_in_two_mapped_groups_keeps_one_client(store: TestStore) {
    let (sim, s) = mapped(&store).await;
    assert!(sim.modify_endpoint("1000", |e| {
        e.groups.insert(GLOBEX_GROUP.to_owned());
    }));
    let mut reports = Vec::new();
    for _ in 0..5 {
        reports.push(sync(&store, &s, true).await);
    }
    assert_eq!(
        reports[0].created, MAPPED_ENDPOINTS as u64,
        "{:?}",
        reports[0]
    );
    for report in &reports {
        assert_eq!(report.in_several_scopes, 1, "{report:?}");
    }
    for report in &reports[1..] {
        assert_eq!(report.writes(), 0, "{report:?}");
    }
    let all = assets(&store).await;
    assert_eq!(all.len(), MAPPED_ENDPOINTS);
    assert_eq!(
        asset(&all, "1000").rmm_organization_id.as_deref(),
        Some(ACME_GROUP)
    );
    let acme_host = [host(&sim, "1000")];
    assert_eq!(
        assets_of(&store, s.tenant, s.demo.clients.acme, &acme_host).await,
        1
    );
    assert_eq!(last_run(&store, &s).await.counts["in_several_scopes"], 1);
}

/// A person's unlink is final: the next scope sync does not match the
/// group again by name.
async fn a_persons_unlink_survives_the_scope_sync(store: TestStore) {
    let sim = simulator().await;
    let s = create(&store, &sim).await;
    connect(&store, &sim, &s).await;
    assert_eq!(
        scope(&store, &s, ACME_GROUP).await.decided_by,
        MappingDecision::AutoMatch
    );
    psa_sync::jobs::map_scope(store.store(), s.tenant, s.integration, ACME_GROUP, None)
        .await
        .unwrap();
    let report = psa_sync::jobs::sync_scopes(store.store(), &s.registry, s.tenant, s.integration)
        .await
        .unwrap();
    assert!(report.auto_matched.is_empty(), "{report:?}");
    let acme = scope(&store, &s, ACME_GROUP).await;
    assert_eq!(
        (acme.client_id, acme.decided_by),
        (None, MappingDecision::Person)
    );
}

/// A complete walk that comes back empty over 50 assets (a permission
/// change, an edited filter) retires nothing and says what to do; a
/// person's confirmation lets the next walk retire them, once.
async fn an_empty_complete_walk_retires_nothing_until_confirmed(store: TestStore) {
    let sim = TaniumSim::builder()
        .clock(SimClock::at(Utc::now() - TimeDelta::hours(1)))
        .start_generated(&[GroupSpec::new(ACME_GROUP, "Acme Corp", 50)])
        .await;
    let s = create(&store, &sim).await;
    connect_quietly(&store, &sim, &s).await;
    assert_eq!(sync(&store, &s, true).await.created, 50);
    let walked = scope(&store, &s, ACME_GROUP).await.device_sync;
    for endpoint in sim.endpoints() {
        sim.modify_endpoint(&endpoint.id, |e| {
            e.groups.clear();
        });
    }

    let guarded = sync(&store, &s, true).await;
    assert_eq!(guarded.tombstoned, 0, "{guarded:?}");
    let run = last_run(&store, &s).await;
    assert_eq!(run.outcome, RunOutcome::PartiallyFailed, "{run:?}");
    let message = run.error.unwrap();
    assert!(
        message.contains("would retire 50 of its 50 assets")
            && message.contains("assets.confirm_retirement"),
        "{message}"
    );
    let state = scope(&store, &s, ACME_GROUP).await.device_sync;
    assert_eq!(state.full_walk_at, walked.full_walk_at, "kept");
    assert_eq!(state.last_outcome, Some(WalkOutcome::Guarded));
    assert_eq!(
        support::count(
            &store,
            "SELECT COUNT(*) FROM assets WHERE status = 'active'"
        )
        .await,
        50
    );

    edit_settings(&store, &s, |settings| {
        settings["assets"] = serde_json::json!({ "confirm_retirement": true });
    })
    .await;
    let confirmed = sync(&store, &s, true).await;
    assert_eq!(confirmed.tombstoned, 50, "{confirmed:?}");
    let settings = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap()
        .settings;
    assert_eq!(
        settings["assets"].get("confirm_retirement"),
        None,
        "used once: {settings}"
    );
}

/// The Asset API fallback cannot tell groups apart: with two mapped groups
/// (one of them with no Gateway endpoints, which would take every Asset
/// API row) the sync refuses, naming the setting, and files nothing.
async fn the_asset_api_fallback_refuses_two_mapped_groups(store: TestStore) {
    let sim = simulator().await;
    let s = create(&store, &sim).await;
    edit_settings(&store, &s, |settings| {
        settings["asset_api_fallback"] = serde_json::json!(true);
    })
    .await;
    connect(&store, &sim, &s).await;
    map_groups(&store, &s).await;
    for id in GLOBEX_ENDPOINTS {
        assert!(sim.age_out_of_tds(id));
    }

    let error = psa_sync::jobs::sync_devices(
        store.store(),
        &s.registry,
        s.tenant,
        s.integration,
        false,
        options(),
    )
    .await
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("asset_api_fallback") && message.contains("2 are mapped"),
        "{message}"
    );
    assert!(assets(&store).await.is_empty());
    assert_eq!(last_run(&store, &s).await.outcome, RunOutcome::Failed);
}

/// Connects without the estate checks of [`connect`].
async fn connect_quietly(store: &TestStore, sim: &TaniumSim, s: &Setup) {
    psa_sync::jobs::connect(
        store.store(),
        &s.registry,
        s.tenant,
        s.integration,
        &secrets(&sim.token()),
    )
    .await
    .unwrap();
}

psa_store::backend_tests!(
    full_then_incremental_then_full,
    disconnect_removes_the_token_and_stops_syncs,
    a_wrong_token_does_not_connect,
    a_community_service_cannot_connect_an_enterprise_provider,
    run_now_needs_a_scheduled_job,
    a_group_mapped_after_the_first_walk_brings_all_its_endpoints,
    a_group_remapped_to_another_client_moves_its_assets,
    a_scope_walk_that_fails_part_way_misses_nothing,
    a_silent_endpoint_goes_offline_without_being_walked,
    an_endpoint_in_two_mapped_groups_keeps_one_client,
    a_persons_unlink_survives_the_scope_sync,
    an_empty_complete_walk_retires_nothing_until_confirmed,
    the_asset_api_fallback_refuses_two_mapped_groups,
);
