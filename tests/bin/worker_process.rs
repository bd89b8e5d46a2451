//! A sync worker as its own process, for the tests that kill one with
//! SIGKILL mid-job: runs every due job of the database until none is due,
//! with the simulators' providers (Tanium judging agent status by a fixed
//! clock, quick Huntress retries).
//!
//! Environment: `PSA_TEST_DATABASE_URL`, `PSA_SECRET_KEY` (base64),
//! `PSA_TEST_WORKER_ID`, `PSA_TEST_LEASE_MS`, `PSA_TEST_SIM_NOW` (RFC 3339);
//! optional `PSA_TEST_HUNTRESS_LIMIT` (`<requests>/<window ms>`, the
//! client-side limit), `PSA_TEST_SHARED_BUDGET` (`1`: Huntress account
//! budgets shared through the store) and `PSA_TEST_MAX_JOBS`.

use chrono::{DateTime, Utc};
use huntress::provider::HuntressProvider;
use huntress::{RateLimit, RetryPolicy as HuntressRetry};
use psa_registry::ProviderRegistry;
use psa_store::{OpenOptions, PsaStore, SecretKey};
use psa_sync::{Worker, WorkerConfig};
use std::sync::Arc;
use std::time::Duration;
use tanium_gateway::RetryPolicy as TaniumRetry;
use tanium_gateway::provider::TaniumProvider;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let now: DateTime<Utc> = var("PSA_TEST_SIM_NOW").parse().expect("an RFC 3339 time");
    let lease = Duration::from_millis(var("PSA_TEST_LEASE_MS").parse().expect("milliseconds"));
    let limit = std::env::var("PSA_TEST_HUNTRESS_LIMIT").map_or(
        RateLimit::new(100_000, Duration::from_secs(60)),
        |text| {
            let (requests, ms) = text.split_once('/').expect("<requests>/<window ms>");
            RateLimit::new(
                requests.parse().expect("requests"),
                Duration::from_millis(ms.parse().expect("milliseconds")),
            )
        },
    );
    let shared = std::env::var("PSA_TEST_SHARED_BUDGET").is_ok_and(|v| v == "1");
    let max_jobs = std::env::var("PSA_TEST_MAX_JOBS").map_or(4, |v| v.parse().expect("a number"));
    let store = PsaStore::open_with(
        &var("PSA_TEST_DATABASE_URL"),
        OpenOptions::new()
            .secret_key(SecretKey::from_env().expect("PSA_SECRET_KEY"))
            .max_connections(4),
    )
    .await
    .expect("the store opens");
    let store = Arc::new(store);
    let mut huntress = HuntressProvider::new()
        .with_url_policy(huntress::UrlPolicy::loopback())
        .with_rate_limit(limit)
        .with_retry(HuntressRetry::fast(Duration::from_millis(5)))
        .with_timeout(Duration::from_secs(10));
    if shared {
        huntress = huntress.with_shared_budget(store.clone());
    }
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            TaniumProvider::new()
                .with_url_policy(tanium_gateway::UrlPolicy::loopback())
                .with_clock(Arc::new(move || now))
                .with_retry_policy(TaniumRetry::none()),
        ))
        .expect("registers");
    registry.register(Box::new(huntress)).expect("registers");
    let worker = Worker::builder(store, Arc::new(registry))
        .config(WorkerConfig {
            id: var("PSA_TEST_WORKER_ID"),
            tick: Duration::from_millis(20),
            lease,
            max_jobs,
            shutdown_grace: Duration::from_secs(10),
        })
        .env(|_| None)
        .build()
        .expect("a worker");
    let report = worker.run_until_idle().await.expect("the store answers");
    assert_eq!(report.failed, 0, "{report:?}");
}
