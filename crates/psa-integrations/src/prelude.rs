//! The port traits: `use psa_integrations::prelude::*;` makes every store
//! method callable, and brings the types most calls take.

pub use psa_ingest::ports::{
    AlertStore, AssetFilter, AssetStore, CatalogStore, EntityMappingStore, IntegrationStore,
    NewIntegration, NewStatus, PageRequest, QuarantineStore, ReadStore, ScheduleStore, ScopeLinkBy,
    ScopeMappingStore, SecretStore, Store, StoreError, SyncRunStore, TicketStore, WebhookStore,
};
pub use psa_ingest::{ClientId, IntegrationId, ProviderId, TenantId};
pub use psa_registry::{Edition, FeatureFlags, ProviderRegistry, ProviderSecrets};
