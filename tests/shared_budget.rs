//! Huntress's limit is per account: two worker processes polling one
//! account at once share its budget through the store, and the simulator's
//! strict window answers no 429 (both backends).

mod support;

use chrono::{TimeDelta, Utc};
use huntress::provider::HuntressProvider;
use psa_ingest::ports::{
    PageRequest, ReadStore as _, RunKind, RunOutcome, ScheduleStore as _, SyncRunStore as _,
};
use psa_registry::ProviderRegistry;
use psa_store::test_util::TestStore;
use psa_sync::Job;
use psa_testkit::huntress::{HuntressSim, NewIncident, SimConfig, SimRateLimit};
use std::process::{Child, Command};
use std::time::Duration;

psa_store::backend_tests!(two_worker_processes_share_one_accounts_budget_without_a_429);

/// The simulator's window, which the providers' own limit matches.
const REQUESTS: u32 = 10;
const WINDOW_MS: u64 = 2000;
const INCIDENTS: u64 = 12;

fn worker_process(store: &TestStore, id: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_worker-process"))
        .env("PSA_TEST_DATABASE_URL", store.url())
        .env("PSA_SECRET_KEY", store.secret_key().to_base64_unprotected())
        .env("PSA_TEST_WORKER_ID", id)
        .env("PSA_TEST_LEASE_MS", "30000")
        .env("PSA_TEST_SIM_NOW", Utc::now().to_rfc3339())
        .env("PSA_TEST_HUNTRESS_LIMIT", format!("{REQUESTS}/{WINDOW_MS}"))
        .env("PSA_TEST_SHARED_BUDGET", "1")
        .env("PSA_TEST_MAX_JOBS", "1")
        .env("RUST_LOG", "off")
        .spawn()
        .expect("the worker process starts")
}

async fn two_worker_processes_share_one_accounts_budget_without_a_429(store: TestStore) {
    let sim = HuntressSim::start_with(SimConfig {
        start: Utc::now() - TimeDelta::hours(1),
        ..SimConfig::default()
    })
    .await;
    // One incident on its own agent in each organization: a poll reads the
    // reports and one agent per organization, about fifteen requests.
    for n in 0..INCIDENTS {
        let org = sim.add_organization(&format!("Org {n}"));
        let agent = sim.add_agent(org, &format!("host-{n}"));
        sim.add_incident(NewIncident::new(org, Some(agent)).severity("high"));
    }
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let tenant = demo.tenant;
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            HuntressProvider::new().with_url_policy(huntress::UrlPolicy::loopback()),
        ))
        .unwrap();
    // Two integrations of the same account (the same key): one budget.
    let mut integrations = Vec::new();
    for _ in 0..2 {
        let id =
            support::routed_huntress(store.store(), &registry, &demo, &sim, serde_json::json!({}))
                .await;
        let later = Utc::now() + TimeDelta::hours(1);
        store
            .set_job_due(tenant, id, &Job::Scopes.name(), later)
            .await
            .unwrap();
        psa_sync::jobs::run_now(store.store(), tenant, id, Job::Incidents)
            .await
            .unwrap();
        integrations.push(id);
    }
    sim.set_rate_limit(Some(SimRateLimit::new(
        REQUESTS,
        Duration::from_millis(WINDOW_MS),
    )));
    sim.reset_counters();

    let workers = [
        worker_process(&store, "worker-a"),
        worker_process(&store, "worker-b"),
    ];
    for worker in workers {
        let output = tokio::task::spawn_blocking(move || worker.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert!(
            output.status.success(),
            "a worker process failed: {output:?}"
        );
    }

    assert_eq!(
        sim.rate_limited(),
        0,
        "429s: the processes did not share the budget"
    );
    assert!(
        sim.requests_served() >= 2 * INCIDENTS,
        "{} requests",
        sim.requests_served()
    );
    let mut runs = Vec::new();
    for &id in &integrations {
        let tickets = store
            .list_integration_tickets(tenant, id, PageRequest::first(100))
            .await
            .unwrap();
        assert_eq!(tickets.len() as u64, INCIDENTS, "an incident was missed");
        let run = store
            .list_sync_runs(tenant, id, 10)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.kind == RunKind::Incidents)
            .expect("the poll ran");
        assert_eq!(run.outcome, RunOutcome::Succeeded, "{run:?}");
        runs.push(run);
    }
    // The two polls ran at the same time, in the two processes.
    let overlap = runs[0].started_at < runs[1].finished_at.unwrap()
        && runs[1].started_at < runs[0].finished_at.unwrap();
    assert!(overlap, "the polls did not overlap: {runs:?}");
}
