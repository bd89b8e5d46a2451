//! A worker process killed with SIGKILL in the middle of a device walk and
//! of an incident poll: another worker process takes the jobs over once the
//! dead one's leases expire, and the tenant ends as it would have without
//! the kill (compared with a tenant whose worker was left alone). On both
//! backends.

mod support;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use psa_ingest::ports::{
    IntegrationStore, RunOutcome, ScheduleStore, ScopeLinkBy, ScopeMappingStore, SyncRunStore,
};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::PsaStore;
use psa_store::test_util::TestStore;
use psa_testkit::huntress::{HuntressSim, NewIncident, SimConfig};
use psa_testkit::tanium::{Fault, FaultRule, GroupSpec, SimClock, TaniumSim};
use secrecy::SecretString;
use std::process::{Child, Command};
use std::time::Duration;
use support::snapshot::{Snapshot, snapshot};

/// The simulators' fixed times: Tanium's clock (the worker process judges
/// agent status by it) and the start of Huntress's history.
#[derive(Clone, Copy)]
struct Times {
    tanium: DateTime<Utc>,
    huntress: DateTime<Utc>,
}

struct Tenant {
    id: TenantId,
    integrations: Vec<IntegrationId>,
    // Kept alive while the tenant's workers run.
    _tanium: TaniumSim,
    _huntress: HuntressSim,
}

/// A tenant with a Tanium integration (two mapped groups of pages taking
/// 1 s each: the walk takes seconds) and a Huntress one (12 open incidents
/// on 12 organizations and hosts, 0.3 s a request: each ticket waits for
/// its own host read, so tickets trickle in over seconds), connected: both
/// jobs are due. When the first ticket is in, both jobs have seconds left,
/// so the kill finds both part way. Connecting runs in this process; the
/// jobs run in the worker processes.
async fn tenant(store: &PsaStore, times: Times) -> Tenant {
    let tanium = TaniumSim::builder()
        .clock(SimClock::at(times.tanium))
        .start_generated(&[
            GroupSpec::new("101", "Acme Corp", 8),
            GroupSpec::new("102", "Globex Servers", 8),
        ])
        .await;
    tanium.inject(FaultRule::new(Fault::Slow(Duration::from_secs(1))).on_operation("Endpoints"));
    let huntress = HuntressSim::start_with(SimConfig {
        start: times.huntress,
        rate_limit: None,
        ..SimConfig::default()
    })
    .await;
    for n in 0..12 {
        let organization = huntress.add_organization(&format!("Client {n:02}"));
        let agent = huntress.add_agent(organization, &format!("HOST-{n:02}"));
        huntress.add_incident(NewIncident::new(organization, Some(agent)).severity("high"));
    }
    huntress.inject(
        psa_testkit::huntress::Fault::Slow(Duration::from_millis(300)),
        10_000,
    );

    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            tanium_gateway::provider::TaniumProvider::new()
                .with_url_policy(tanium_gateway::UrlPolicy::loopback()),
        ))
        .unwrap();
    registry
        .register(Box::new(
            huntress::provider::HuntressProvider::new()
                .with_url_policy(huntress::UrlPolicy::loopback()),
        ))
        .unwrap();
    let demo = store
        .seed_demo_tenant(&format!("MSP {}", TenantId::new()))
        .await
        .unwrap();
    let t = demo.tenant;
    let tanium_id = support::integration(store, t, "tanium").await;
    support::set_settings(
        store,
        t,
        tanium_id,
        serde_json::json!({ "gateway_url": tanium.gateway_url(), "page_size": 4 }),
    )
    .await;
    let token = ProviderSecrets::new().with(
        tanium_gateway::provider::API_TOKEN_SECRET,
        SecretString::from(tanium.token()),
    );
    psa_sync::jobs::connect(store, &registry, t, tanium_id, &token)
        .await
        .unwrap();
    store
        .link_scope(
            t,
            tanium_id,
            "102",
            Some(demo.clients.globex),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();

    let huntress_id = support::integration(store, t, "huntress").await;
    support::set_settings(
        store,
        t,
        huntress_id,
        serde_json::json!({ "api_base_url": huntress.uri() }),
    )
    .await;
    let keys = ProviderSecrets::new()
        .with(
            huntress::provider::SECRET_API_KEY,
            SecretString::from(huntress.api_key()),
        )
        .with(
            huntress::provider::SECRET_API_SECRET,
            SecretString::from(huntress.api_secret()),
        );
    psa_sync::jobs::connect(store, &registry, t, huntress_id, &keys)
        .await
        .unwrap();
    let mut settings = store
        .get_integration(t, huntress_id)
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
    support::set_settings(store, t, huntress_id, settings).await;
    Tenant {
        id: t,
        integrations: vec![tanium_id, huntress_id],
        _tanium: tanium,
        _huntress: huntress,
    }
}

/// Starts a worker process on the test's database.
fn worker_process(store: &TestStore, id: &str, times: Times) -> Child {
    Command::new(env!("CARGO_BIN_EXE_worker-process"))
        .env("PSA_TEST_DATABASE_URL", store.url())
        .env("PSA_SECRET_KEY", store.secret_key().to_base64_unprotected())
        .env("PSA_TEST_WORKER_ID", id)
        .env("PSA_TEST_LEASE_MS", "1000")
        .env("PSA_TEST_SIM_NOW", times.tanium.to_rfc3339())
        .env("RUST_LOG", "off")
        .spawn()
        .expect("the worker process starts")
}

/// Waits for a worker process to end by itself; it must succeed.
async fn finished(child: Child) {
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        output.status.success(),
        "the worker process failed: {output:?}"
    );
}

async fn counts(store: &PsaStore, tenant: TenantId) -> (i64, i64) {
    (
        support::count_for_tenant(
            store,
            "SELECT COUNT(*) FROM assets WHERE tenant = $1",
            tenant,
        )
        .await,
        support::count_for_tenant(
            store,
            "SELECT COUNT(*) FROM tickets WHERE tenant = $1",
            tenant,
        )
        .await,
    )
}

async fn state(store: &PsaStore, tenant: &Tenant, times: Times) -> Snapshot {
    snapshot(store, tenant.id, &tenant.integrations, times.huntress).await
}

async fn a_worker_killed_mid_walk_and_mid_poll_converges_after_a_restart(store: TestStore) {
    let now = Utc::now().trunc_subsecs(0);
    let times = Times {
        tanium: now - TimeDelta::hours(1),
        huntress: now - TimeDelta::minutes(30),
    };

    // Left alone: the state to converge to.
    let clean = tenant(&store, times).await;
    finished(worker_process(&store, "clean", times)).await;
    let expected = state(&store, &clean, times).await;
    let (all_assets, all_tickets) = counts(&store, clean.id).await;
    assert_eq!(all_assets, 16, "{expected:#?}");
    assert!(all_tickets >= 2, "{expected:#?}");

    // Killed while the walk reads its pages and after the first ticket.
    let killed = tenant(&store, times).await;
    let mut doomed = worker_process(&store, "doomed", times);
    support::wait_for("the walk under way and the first ticket in", || async {
        let (_, tickets) = counts(&store, killed.id).await;
        let walking = store
            .list_sync_runs(killed.id, killed.integrations[0], 5)
            .await
            .unwrap()
            .iter()
            .any(|r| r.kind.as_str().starts_with("devices") && r.outcome == RunOutcome::Running);
        walking && tickets > 0
    })
    .await;
    doomed.kill().expect("SIGKILL");
    doomed.wait().unwrap();
    let (_, tickets) = counts(&store, killed.id).await;
    assert!(tickets < all_tickets, "killed mid-poll: {tickets} tickets");
    for id in &killed.integrations {
        let runs = store.list_sync_runs(killed.id, *id, 20).await.unwrap();
        assert!(
            runs.iter().any(|r| r.outcome == RunOutcome::Running),
            "killed mid-job, its run left open: {runs:#?}"
        );
    }

    // A new process takes the jobs over once the dead one's leases expire.
    support::wait_for("the dead worker's leases expired", || async {
        let mut held = 0;
        for id in &killed.integrations {
            held += store
                .list_scheduled_jobs(killed.id, *id)
                .await
                .unwrap()
                .iter()
                .filter(|j| j.lease_expires_at.is_some_and(|at| at > Utc::now()))
                .count();
        }
        held == 0
    })
    .await;
    finished(worker_process(&store, "restarted", times)).await;
    let found = state(&store, &killed, times).await;
    assert!(
        expected == found,
        "the restarted worker did not converge:\n{}",
        expected.diff(&found)
    );
}

psa_store::backend_tests!(a_worker_killed_mid_walk_and_mid_poll_converges_after_a_restart);
