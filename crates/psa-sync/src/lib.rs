//! The runtime that keeps every tenant's integrations in sync, on one
//! machine or many.
//!
//! - [`jobs`]: the jobs of one integration (connect, disconnect, scope sync,
//!   device sync, incident poll), each recorded in `sync_runs` with the
//!   integration's sync status;
//! - [`schedule`]: which jobs an integration has and how often they run;
//! - [`Worker`]: claims due jobs through leases in the store and runs them,
//!   with graceful shutdown;
//! - [`SyncTransport`]: the seam through which a claimed job is run (in
//!   process by default, or by a queue or workflow engine);
//! - [`SyncEvent`]: typed progress events for a subscriber.

pub mod asset_settings;
mod error;
mod events;
pub mod jobs;
pub mod schedule;
mod secrets;
mod transport;
mod worker;

pub use error::SyncError;
pub use events::{SyncEvent, SyncEventKind, SyncSubscriber};
pub use jobs::{JobReport, JobRequest, run_job};
pub use psa_ingest::progress::ProgressEvent;
pub use schedule::Job;
pub use secrets::{WEBHOOK_SECRET, secret_name};
pub use tokio_util::sync::CancellationToken;
pub use transport::{
    ANY_PROVIDER_VARIABLE, DIRECT, DirectTransport, SyncTransport, choose_transport,
    transport_variable,
};
pub use worker::{
    Worker, WorkerBuilder, WorkerConfig, WorkerConfigError, WorkerReport, WorkerWaker,
};
