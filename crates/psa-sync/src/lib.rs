//! The runtime that keeps every tenant's integrations in sync.
//!
//! Built so far: the jobs of one integration ([`jobs`]): connect and
//! disconnect, scope sync, device sync and incident poll, each recorded in
//! `sync_runs` with the integration's sync status. Not built yet: the worker
//! that claims due integrations through leases, the transport seam and
//! progress events.

mod error;
pub mod jobs;
mod secrets;

pub use error::SyncError;
pub use secrets::secret_name;
