//! Every store port, written once. Each backend compiles this folder as its
//! own module (`#[path]` in `postgres/mod.rs` and `sqlite/mod.rs`), so
//! `dialect` below is that backend's: its column types (`id`, `ts`,
//! `json`), its list binding (`in_list`), its locking clause (`FOR_UPDATE`)
//! and how a write transaction begins. What truly differs per database is
//! in the backend's own files: the bulk asset write and device lookup
//! (`asset_writes.rs`), and in `dialect.rs` the job claim.

mod alerts;
mod assets;
mod budget;
pub(super) mod bulk;
mod catalog;
mod entity_mappings;
mod integrations;
mod quarantine;
mod reads;
mod schedules;
mod scopes;
mod secrets;
mod sync_runs;
mod tenants;
mod tickets;
mod usage;
mod webhooks;
mod writer;

use super::{asset_writes, dialect};
