//! Helpers shared by the end-to-end tests.

#![allow(dead_code, unreachable_pub)]

pub mod snapshot;

use psa_ingest::ports::{IntegrationStore, NewIntegration};
use psa_ingest::{IntegrationId, ProviderId, TenantId};
use psa_store::test_util::TestStore;
use psa_store::{Backend, OpenOptions, PsaStore};
use std::sync::Arc;
use std::time::Duration;

/// Creates an integration of `provider` for the tenant.
pub async fn integration(store: &PsaStore, tenant: TenantId, provider: &str) -> IntegrationId {
    store
        .create_integration(
            tenant,
            NewIntegration {
                provider: ProviderId::new(provider).unwrap(),
                instance_url: None,
                settings: serde_json::json!({}),
            },
        )
        .await
        .unwrap()
        .id
}

/// Runs a `SELECT COUNT(*) ...` on either backend. The SQL must be valid on both.
pub async fn count(store: &PsaStore, sql: &'static str) -> i64 {
    match store.backend() {
        Backend::Postgres => sqlx::query_scalar(sql)
            .fetch_one(store.postgres_pool().unwrap())
            .await
            .unwrap(),
        Backend::Sqlite => sqlx::query_scalar(sql)
            .fetch_one(store.sqlite_pool().unwrap())
            .await
            .unwrap(),
    }
}

/// Runs a statement on either backend. The SQL must be valid on both.
pub async fn execute(store: &PsaStore, sql: &'static str) {
    match store.backend() {
        Backend::Postgres => {
            sqlx::query(sql)
                .execute(store.postgres_pool().unwrap())
                .await
                .unwrap();
        }
        Backend::Sqlite => {
            sqlx::query(sql)
                .execute(store.sqlite_pool().unwrap())
                .await
                .unwrap();
        }
    }
}

/// Runs a `SELECT COUNT(*) ... WHERE tenant = $1` for one tenant on either
/// backend.
pub async fn count_for_tenant(store: &PsaStore, sql: &'static str, tenant: TenantId) -> i64 {
    match store.backend() {
        Backend::Postgres => sqlx::query_scalar(sql)
            .bind(tenant.0)
            .fetch_one(store.postgres_pool().unwrap())
            .await
            .unwrap(),
        Backend::Sqlite => sqlx::query_scalar(sql)
            .bind(tenant.0.hyphenated().to_string())
            .fetch_one(store.sqlite_pool().unwrap())
            .await
            .unwrap(),
    }
}

/// Replaces the integration's settings (compare-and-set on the current
/// version).
pub async fn set_settings(
    store: &PsaStore,
    tenant: TenantId,
    id: IntegrationId,
    settings: serde_json::Value,
) {
    edit_settings(store, tenant, id, |current| *current = settings).await;
}

/// Edits the integration's settings in place (compare-and-set).
pub async fn edit_settings(
    store: &PsaStore,
    tenant: TenantId,
    id: IntegrationId,
    edit: impl FnOnce(&mut serde_json::Value),
) {
    let record = store.get_integration(tenant, id).await.unwrap().unwrap();
    let mut settings = record.settings;
    edit(&mut settings);
    store
        .update_settings(tenant, id, record.settings_version, settings)
        .await
        .unwrap();
}

/// A handle of its own on the test's database (its own pool), as another
/// worker process would have.
pub async fn own_store(store: &TestStore) -> Arc<PsaStore> {
    Arc::new(
        PsaStore::open_with(
            store.url(),
            OpenOptions::new()
                .secret_key(store.secret_key().clone())
                .max_connections(4),
        )
        .await
        .unwrap(),
    )
}

/// Polls `check` every 20 ms until it holds; fails after two minutes
/// naming `what` never happened.
pub async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A Huntress integration of the demo tenant on the simulator: created with
/// `settings` (the simulator's URL added), connected with its credentials,
/// and routed (mapped organizations to the default board, the others to
/// Initech on Triage).
pub async fn routed_huntress(
    store: &PsaStore,
    registry: &psa_registry::ProviderRegistry,
    demo: &psa_store::DemoTenant,
    sim: &psa_testkit::huntress::HuntressSim,
    mut settings: serde_json::Value,
) -> IntegrationId {
    use huntress::provider::{SECRET_API_KEY, SECRET_API_SECRET};
    use secrecy::SecretString;
    let id = integration(store, demo.tenant, "huntress").await;
    settings["api_base_url"] = sim.uri().into();
    set_settings(store, demo.tenant, id, settings).await;
    let secrets = psa_registry::ProviderSecrets::new()
        .with(SECRET_API_KEY, SecretString::from(sim.api_key()))
        .with(SECRET_API_SECRET, SecretString::from(sim.api_secret()));
    psa_sync::jobs::connect(store, registry, demo.tenant, id, &secrets)
        .await
        .unwrap();
    psa_sync::jobs::update_section(
        store,
        demo.tenant,
        id,
        "incidents",
        |s: &mut psa_ingest::engine::incidents::IncidentSettings| {
            s.board_id = Some(demo.default_board.id);
            s.fallback_board_id = Some(demo.triage_board.id);
            s.fallback_client_id = Some(demo.clients.initech);
        },
    )
    .await
    .unwrap();
    id
}
