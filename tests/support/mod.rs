//! Helpers shared by the end-to-end tests.

#![allow(dead_code, unreachable_pub)]

pub mod snapshot;

use psa_ingest::ports::{IntegrationStore, NewIntegration};
use psa_ingest::{IntegrationId, ProviderId, TenantId};
use psa_store::{Backend, PsaStore};

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
