//! What the engines need from persistence. Only traits and their data here:
//! psa-store implements them on PostgreSQL and SQLite.
//!
//! Every method takes the tenant first; an implementation scopes every
//! statement by it, so no call can read or write another tenant's rows.

mod alerts;
mod assets;
mod budget;
mod catalog;
mod entity_mappings;
mod error;
mod integrations;
mod kinds;
mod quarantine;
mod reads;
mod schedules;
mod scopes;
mod secrets;
mod sync_runs;
mod tickets;
mod usage;
mod webhooks;

pub use alerts::{Alert, AlertStore, AlertTicket, AlertTicketUpdate, AlertUpsert, AlertUpserted};
pub use assets::{
    AssetBatch, AssetMatch, AssetStore, AssetWrite, KnownDevice, MAX_STORED_CPU_CORES,
    MAX_STORED_RAM_BYTES, ScopeDevice,
};
pub use budget::{BudgetLimit, BudgetSlot, RequestBudgetStore, SlotRequest, UNFINISHED_SLOT_GRACE};
pub use catalog::{Board, CatalogStore, Category, Client, NewStatus, Priority, Status};
pub use entity_mappings::{EntityMapping, EntityMappingStore};
pub use error::{StoreError, StoreResult};
pub use integrations::{
    Integration, IntegrationStore, NewIntegration, SyncStateUpdate, SyncStatus,
};
pub use kinds::{JobName, RunKind};
pub use quarantine::{
    Pipeline, QuarantineEntry, QuarantineFilter, QuarantineStore, QuarantinedRecord, RetryBackoff,
};
pub use reads::{AssetFilter, AssetSummary, IntegrationTicket, PageRequest, ReadStore, all_pages};
pub use schedules::{Fence, Lease, ScheduleStore, ScheduledJob};
pub use scopes::{
    MappingDecision, ScopeLinkBy, ScopeMapping, ScopeMappingStore, ScopeSyncState,
    ScopeUpsertOutcome, ScopeWalk, WalkKind, WalkOutcome,
};
pub use secrets::SecretStore;
pub use sync_runs::{RunFinish, RunOutcome, SyncRun, SyncRunStore};
pub use tickets::{Comment, NewComment, NewTicket, Ticket, TicketStore};
pub use usage::{UsageCount, UsageStore};
pub use webhooks::{DELIVERY_MEMORY, WebhookStore};

/// Every port at once: what a full store implements.
pub trait Store:
    IntegrationStore
    + CatalogStore
    + ScopeMappingStore
    + AssetStore
    + TicketStore
    + AlertStore
    + EntityMappingStore
    + SecretStore
    + SyncRunStore
    + ScheduleStore
    + QuarantineStore
    + ReadStore
    + WebhookStore
    + UsageStore
    + RequestBudgetStore
{
}

impl<T> Store for T where
    T: IntegrationStore
        + CatalogStore
        + ScopeMappingStore
        + AssetStore
        + TicketStore
        + AlertStore
        + EntityMappingStore
        + SecretStore
        + SyncRunStore
        + ScheduleStore
        + QuarantineStore
        + ReadStore
        + WebhookStore
        + UsageStore
        + RequestBudgetStore
{
}
