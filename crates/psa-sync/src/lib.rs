//! The runtime that keeps every tenant's integrations in sync.
//!
//! Not built yet. It will hold a worker that claims due integrations through
//! leases in the store, runs them through the registry's providers and the
//! shared engines of `psa-ingest`, and records each run in `sync_runs`, with
//! progress events, `tracing` spans and graceful shutdown.
