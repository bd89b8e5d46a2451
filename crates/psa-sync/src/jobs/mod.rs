//! The jobs of one integration: connect, disconnect, scope sync, device sync
//! and incident poll. Each sync job records a `sync_runs` row and the
//! integration's sync status; the providers come from the registry and the
//! work from the shared engines.

mod connection;
mod dispatch;
mod mapping;
mod run;
mod sync;

pub use connection::{connect, disconnect, open};
pub use dispatch::{JobRequest, run_job};
pub use mapping::{map_scope, set_scope_switches};
pub use run::JobKind;
pub use sync::{JobReport, poll_incidents, sync_devices, sync_scopes};
