//! Normalized contracts, source traits and store ports shared by every
//! provider of the PSA integration layer.
//!
//! A provider only fetches and normalizes ([`sources`]); the engines turn
//! normalized records into PSA rows through the [`ports`], which psa-store
//! implements. This crate knows no provider and no SQL.

pub mod contracts;
pub mod engine;
mod ids;
mod open_enum;
pub mod ports;
pub mod progress;
mod provider_id;
pub mod settings;
pub mod sources;

pub use ids::{
    AlertId, AssetId, BoardId, CategoryId, ClientId, IntegrationId, PriorityId, StatusId,
    SyncRunId, TenantId, TicketId,
};
pub use provider_id::{InvalidProviderId, ProviderId};
