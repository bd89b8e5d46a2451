//! PSA persistence on PostgreSQL and embedded SQLite (sqlx), implementing
//! every store port of [`psa_ingest::ports`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use psa_ingest::ports::CatalogStore;
//! use psa_store::{OpenOptions, PsaStore, SecretKey};
//!
//! let store = PsaStore::open_with(
//!     "postgres://postgres@127.0.0.1:5432/psa",
//!     OpenOptions::new().secret_key(SecretKey::from_env()?),
//! )
//! .await?;
//! let demo = store.seed_demo_tenant("Demo MSP").await?;
//! let clients = store.list_clients(demo.tenant).await?;
//! assert_eq!(clients.len(), 3);
//! # Ok(()) }
//! ```
//!
//! # Schema
//!
//! Migrations live in `migrations/postgres` and `migrations/sqlite` (kept in
//! step) and are embedded; [`PsaStore::open`] applies them unless
//! [`OpenOptions::run_migrations`] says not to. Every primary key starts with
//! `tenant`, and every unique constraint and foreign key includes it, so the
//! schema can be distributed by tenant (Citus). On SQLite, ids are
//! hyphenated uuid text, timestamps RFC 3339 UTC text with microseconds, JSON
//! text; on PostgreSQL they are `uuid`, `timestamptz` and `jsonb`.
//!
//! # Behaviour worth knowing
//!
//! - **Assets** are written in batches: one transaction and a handful of
//!   statements per batch (PostgreSQL binds one array per column and
//!   `UNNEST`s it; SQLite uses multi-row `VALUES` chunked under its bind
//!   limit). Duplicates within a batch are dropped first (the last write of a
//!   device wins). Fields a provider did not send (`None`, empty lists) keep
//!   their stored values. Extension rows follow the device type: `server`
//!   devices get a `server_assets` row, every other type (workstation,
//!   mobile, network device, unknown, vendor values) a `workstation_assets`
//!   row; a type change moves the row. The content hash of the last snapshot
//!   is kept on the device's `tenant_external_entity_mappings` row. On
//!   PostgreSQL a batch re-analyzes the asset tables once they changed by
//!   half since their last analyze: the batch plans need statistics, and a
//!   bulk load outruns autovacuum.
//! - **Settings** are replaced by compare-and-set on `settings_version`.
//! - **Ticket numbers** come from a per-tenant counter row bumped inside the
//!   creating transaction: no gaps after a rollback, no duplicates under
//!   concurrency. One incident is one ticket per integration: the alert row
//!   (unique per integration and incident id) links them, and its row lock
//!   serializes racing creators.
//! - **Secrets** are AES-256-GCM encrypted with a fresh nonce per write and
//!   the tenant and name bound as associated data, under a [`SecretKey`]
//!   given by the embedding service. A wrong key is a clear
//!   [`StoreError::Secret`](psa_ingest::ports::StoreError::Secret).
//!
//! # Tests of other crates
//!
//! With the `test-util` feature, `psa_store::test_util` opens a fresh, migrated store
//! on each backend.

#[cfg(not(any(feature = "postgres", feature = "sqlite")))]
compile_error!(
    "psa-store needs a backend: enable its `postgres` or `sqlite` feature (or both, the default)"
);

mod asset_rules;
mod backend;
mod db;
mod errors;
mod open;
#[cfg(feature = "postgres")]
mod postgres;
mod rows;
mod scope_rules;
mod sealing;
mod secret_key;
mod seed;
#[cfg(feature = "sqlite")]
mod sqlite;
mod storable;
mod store;
#[cfg(feature = "test-util")]
pub mod test_util;

pub use backend::Backend;
pub use open::{OpenError, OpenOptions};
pub use secret_key::{SECRET_KEY_ENV, SECRET_KEY_FILE_ENV, SecretKey, SecretKeyError};
pub use seed::{DemoBoard, DemoCategories, DemoClients, DemoPriorities, DemoTenant};
pub use store::{PsaStore, SecretRotation, Tenant};
