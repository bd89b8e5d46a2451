//! A job's lease bounds what it may do: a worker that lost its lease lands
//! no write, a failed renewal stops the job at once, and a job stops at its
//! deadline and a walk at its page cap. On both backends.

mod support;

use chrono::{TimeDelta, Utc};
use psa_ingest::ports::{
    AssetStore, CatalogStore, IntegrationStore, RunOutcome, ScheduleStore, ScopeMappingStore,
    SyncRunStore,
};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::PsaStore;
use psa_store::test_util::TestStore;
use psa_sync::jobs::{JobRequest, run_job};
use psa_sync::{CancellationToken, Job, SyncError, Worker, WorkerConfig};
use psa_testkit::store::{FaultyStore, WriteOutcome};
use psa_testkit::tanium::{Fault, FaultRule, GroupSpec, SimClock, TaniumSim};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;
use tanium_gateway::RetryPolicy;
use tanium_gateway::provider::{API_TOKEN_SECRET, TaniumProvider};

struct Setup {
    sim: TaniumSim,
    registry: Arc<ProviderRegistry>,
    tenant: TenantId,
    integration: IntegrationId,
}

/// A connected Tanium integration whose "Acme Corp" group (4 endpoints,
/// pages of 2) is auto-matched; its device job is due.
async fn setup(store: &PsaStore) -> Setup {
    let sim = TaniumSim::builder()
        .clock(SimClock::at(Utc::now() - TimeDelta::hours(1)))
        .start_generated(&[GroupSpec::new("101", "Acme Corp", 4)])
        .await;
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            TaniumProvider::new()
                .with_url_policy(tanium_gateway::UrlPolicy::loopback())
                .with_clock(sim.clock().as_fn())
                .with_retry_policy(RetryPolicy::none()),
        ))
        .unwrap();
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let integration = support::integration(store, demo.tenant, "tanium").await;
    support::edit_settings(store, demo.tenant, integration, |s| {
        *s = serde_json::json!({ "gateway_url": sim.gateway_url(), "page_size": 2 });
    })
    .await;
    let token = ProviderSecrets::new().with(API_TOKEN_SECRET, SecretString::from(sim.token()));
    psa_sync::jobs::connect(store, &registry, demo.tenant, integration, &token)
        .await
        .unwrap();
    let acme = store
        .get_scope_mapping(demo.tenant, integration, "101")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(acme.client_id, Some(demo.clients.acme));
    Setup {
        sim,
        registry: Arc::new(registry),
        tenant: demo.tenant,
        integration,
    }
}

fn config(id: &str, lease: Duration) -> WorkerConfig {
    WorkerConfig {
        id: id.to_owned(),
        tick: Duration::from_millis(20),
        lease,
        max_jobs: 2,
        shutdown_grace: Duration::from_secs(30),
    }
}

/// Names of the integration's assets, sorted: every host name the
/// simulator holds, and the old name, looked up under every client.
async fn asset_names(store: &PsaStore, setup: &Setup) -> Vec<String> {
    let clients = store.list_clients(setup.tenant).await.unwrap();
    let mut hosts: Vec<String> = setup.sim.endpoints().into_iter().map(|e| e.name).collect();
    hosts.push("ACME-OLD-NAME".to_owned());
    let mut names = Vec::new();
    for client in &clients {
        for host in &hosts {
            for found in store
                .find_assets_by_hostname(setup.tenant, client.id, host)
                .await
                .unwrap()
            {
                names.push(found.name);
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// The device job of the setup's integration, run by hand (no fence).
fn devices_job(s: &Setup) -> JobRequest {
    JobRequest {
        tenant: s.tenant,
        integration: s.integration,
        provider: psa_ingest::ProviderId::new("tanium").unwrap(),
        job: Job::Devices,
        fence: None,
    }
}

async fn a_worker_paused_past_its_lease_lands_nothing_after_a_takeover(store: TestStore) {
    let s = setup(&store).await;
    let first = s.sim.group_members("101")[0].clone();
    assert!(
        s.sim
            .modify_endpoint(&first, |e| e.name = "ACME-OLD-NAME".to_owned())
    );

    // Worker A reads the group, then stops (a long GC pause, a frozen VM)
    // just before its first asset write; its renewals stop with it.
    let paused = FaultyStore::new(support::own_store(&store).await);
    paused.faults().pause_at_first("write_assets");
    let a = Worker::builder(Arc::new(paused.clone()), Arc::clone(&s.registry))
        .config(config("worker-a", Duration::from_secs(2)))
        .env(|_| None)
        .build()
        .unwrap();
    let stop_a = CancellationToken::new();
    let a_run = tokio::spawn({
        let stop = stop_a.clone();
        async move { a.run(stop).await }
    });
    paused.faults().paused().await;

    // Meanwhile the endpoint is renamed, A's lease expires and worker B
    // takes the job over and finishes it with the new name.
    assert!(
        s.sim
            .modify_endpoint(&first, |e| e.name = "ACME-NEW-NAME".to_owned())
    );
    let b_store = support::own_store(&store).await;
    let b = Worker::builder(Arc::clone(&b_store), Arc::clone(&s.registry))
        .config(config("worker-b", Duration::from_secs(30)))
        .env(|_| None)
        .build()
        .unwrap();
    let stop_b = CancellationToken::new();
    let b_run = tokio::spawn({
        let stop = stop_b.clone();
        async move { b.run(stop).await }
    });
    let after = Utc::now();
    support::wait_for("worker B finished the job it took over", || async {
        store
            .list_scheduled_jobs(s.tenant, s.integration)
            .await
            .unwrap()
            .iter()
            .any(|j| j.job == "devices" && j.lease_holder.is_none() && j.next_due_at > after)
    })
    .await;
    stop_b.cancel();
    let b_report = b_run.await.unwrap();
    assert_eq!(b_report.succeeded, 1, "{b_report:?}");
    let names = asset_names(&store, &s).await;
    assert!(names.contains(&"ACME-NEW-NAME".to_owned()), "{names:?}");
    let writes_before_resume = paused.faults().writes();

    // A resumes and carries on with what it read before the pause: every
    // write it makes is refused, and the job stops.
    paused.faults().resume();
    stop_a.cancel();
    let a_report = a_run.await.unwrap();
    assert_eq!(a_report.lease_lost, 1, "{a_report:?}");
    let log = paused.faults().log();
    let resumed: Vec<_> = log
        .iter()
        .filter(|w| w.number >= writes_before_resume)
        .collect();
    assert!(
        !resumed.is_empty(),
        "A made no write after resuming: {log:#?}"
    );
    assert!(
        resumed.iter().all(|w| w.outcome == WriteOutcome::Fenced),
        "a write of the stale worker landed: {resumed:#?}"
    );
    assert_eq!(
        asset_names(&store, &s).await,
        names,
        "the stale snapshot did not overwrite the new name"
    );
    let runs = store
        .list_sync_runs(s.tenant, s.integration, 20)
        .await
        .unwrap();
    assert!(
        runs.iter().all(|r| r.outcome != RunOutcome::Running),
        "no run left open: {runs:#?}"
    );
}

async fn a_failed_lease_renewal_stops_the_job_at_once(store: TestStore) {
    let s = setup(&store).await;
    // A walk that would take half a minute.
    s.sim
        .inject(FaultRule::new(Fault::Slow(Duration::from_secs(30))).on_operation("Endpoints"));
    let faulty = FaultyStore::new(support::own_store(&store).await);
    faulty.faults().fail_renewals();
    let worker = Worker::builder(Arc::new(faulty.clone()), Arc::clone(&s.registry))
        .config(config("worker-a", Duration::from_millis(300)))
        .env(|_| None)
        .build()
        .unwrap();
    let stop = CancellationToken::new();
    let started = std::time::Instant::now();
    let run = tokio::spawn({
        let stop = stop.clone();
        async move { worker.run(stop).await }
    });
    support::wait_for("the device run was stopped", || async {
        store
            .list_sync_runs(s.tenant, s.integration, 5)
            .await
            .unwrap()
            .iter()
            .any(|r| r.kind.as_str().starts_with("devices") && r.outcome == RunOutcome::Failed)
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "stopped before the slow page came back: {:?}",
        started.elapsed()
    );
    stop.cancel();
    let report = run.await.unwrap();
    assert!(report.lease_lost >= 1, "{report:?}");
    let runs = store
        .list_sync_runs(s.tenant, s.integration, 5)
        .await
        .unwrap();
    let devices = runs
        .iter()
        .find(|r| r.kind.as_str().starts_with("devices") && r.outcome == RunOutcome::Failed)
        .expect("the device run was recorded");
    assert!(
        devices
            .error
            .as_deref()
            .unwrap_or("")
            .contains("could not renew its lease"),
        "{devices:?}"
    );
    let job = store
        .list_scheduled_jobs(s.tenant, s.integration)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.job == "devices")
        .unwrap();
    assert!(
        job.next_due_at <= Utc::now() + TimeDelta::seconds(5),
        "the job is due again soon: {job:?}"
    );
}

async fn a_job_past_its_deadline_stops_and_says_why(store: TestStore) {
    let s = setup(&store).await;
    s.sim
        .inject(FaultRule::new(Fault::Slow(Duration::from_secs(30))).on_operation("Endpoints"));
    support::edit_settings(&store, s.tenant, s.integration, |settings| {
        settings["schedule"] = serde_json::json!({ "job_deadline_seconds": 1 });
    })
    .await;
    let request = devices_job(&s);
    let error = run_job(store.store(), &s.registry, &request, None)
        .await
        .unwrap_err();
    assert!(
        matches!(error, SyncError::DeadlineExceeded { seconds: 1, .. }),
        "{error:?}"
    );
    let runs = store
        .list_sync_runs(s.tenant, s.integration, 5)
        .await
        .unwrap();
    assert!(
        runs.iter().all(|r| r.outcome != RunOutcome::Running),
        "{runs:#?}"
    );
    let devices = runs
        .iter()
        .find(|r| r.kind.as_str().starts_with("devices"))
        .unwrap();
    assert_eq!(devices.outcome, RunOutcome::Failed);
    assert!(
        devices
            .error
            .as_deref()
            .unwrap_or("")
            .contains("schedule.job_deadline_seconds"),
        "{devices:?}"
    );
    let record = store
        .get_integration(s.tenant, s.integration)
        .await
        .unwrap()
        .unwrap();
    assert!(
        record
            .sync_error
            .as_deref()
            .unwrap_or("")
            .contains("deadline"),
        "{record:?}"
    );
}

async fn a_walk_past_its_page_cap_fails_instead_of_running_on(store: TestStore) {
    let s = setup(&store).await;
    support::edit_settings(&store, s.tenant, s.integration, |settings| {
        settings["schedule"] = serde_json::json!({ "max_pages_per_walk": 1 });
    })
    .await;
    let request = devices_job(&s);
    run_job(store.store(), &s.registry, &request, None)
        .await
        .unwrap();
    let run = store
        .list_sync_runs(s.tenant, s.integration, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(run.outcome, RunOutcome::PartiallyFailed, "{run:?}");
    assert!(
        run.error
            .as_deref()
            .unwrap_or("")
            .contains("schedule.max_pages_per_walk"),
        "{run:?}"
    );
    let acme = store
        .get_scope_mapping(s.tenant, s.integration, "101")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        acme.device_sync.full_walk_at, None,
        "the walk did not complete"
    );
}

psa_store::backend_tests!(
    a_worker_paused_past_its_lease_lands_nothing_after_a_takeover,
    a_failed_lease_renewal_stops_the_job_at_once,
    a_job_past_its_deadline_stops_and_says_why,
    a_walk_past_its_page_cap_fails_instead_of_running_on,
);
