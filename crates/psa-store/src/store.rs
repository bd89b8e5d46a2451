//! [`PsaStore`]: one type implementing every psa-ingest port on either
//! backend. The ports are implemented once, in `queries/`, for each
//! backend's [`Db`]; this file only picks the backend in use.

use crate::SecretKey;
use crate::backend::Backend;
use crate::db::{Pools, on_db};
use crate::seed::DemoTenant;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use psa_ingest::contracts::{ExternalIdChange, NormalizedScope};
use psa_ingest::ports::{
    Alert, AlertStore, AlertTicket, AlertTicketUpdate, AlertUpsert, AlertUpserted, AssetBatch,
    AssetFilter, AssetMatch, AssetStore, AssetSummary, Board, BudgetLimit, BudgetSlot,
    CatalogStore, Category, Client, Comment, EntityMapping, EntityMappingStore, Fence, Integration,
    IntegrationStore, IntegrationTicket, JobName, KnownDevice, Lease, NewComment, NewIntegration,
    NewStatus, NewTicket, PageRequest, Pipeline, Priority, QuarantineEntry, QuarantineFilter,
    QuarantineStore, QuarantinedRecord, ReadStore, RequestBudgetStore, RetryBackoff, RunFinish,
    RunKind, RunOutcome, ScheduleStore, ScheduledJob, ScopeDevice, ScopeLinkBy, ScopeMapping,
    ScopeMappingStore, ScopeUpsertOutcome, ScopeWalk, SecretStore, SlotRequest, Status,
    StoreResult, SyncRun, SyncRunStore, SyncStateUpdate, Ticket, TicketStore, UsageCount,
    UsageStore, WebhookStore,
};
use psa_ingest::{
    AlertId, AssetId, BoardId, CategoryId, ClientId, IntegrationId, ProviderId, StatusId,
    SyncRunId, TenantId, TicketId,
};
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;

/// The PSA store on PostgreSQL or SQLite. Cheap to clone (pools are shared).
/// Open one with [`PsaStore::open`] or [`PsaStore::open_with`].
#[derive(Clone)]
pub struct PsaStore {
    pools: Pools,
}

impl fmt::Debug for PsaStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.pools.keys();
        f.debug_struct("PsaStore")
            .field("backend", &self.backend())
            .field("secret_key", &keys.current.as_ref().map(|_| "<configured>"))
            .field("previous_keys", &keys.previous.len())
            .field("fence", &self.pools.fence())
            .finish()
    }
}

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// Id.
    pub id: TenantId,
    /// Name.
    pub name: String,
}

/// What [`PsaStore::rotate_secrets`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecretRotation {
    /// Secrets re-sealed with the new key.
    pub resealed: u64,
    /// Batches committed.
    pub batches: u64,
}

impl PsaStore {
    pub(crate) fn from_pools(pools: Pools) -> Self {
        Self { pools }
    }

    pub(crate) fn pools(&self) -> &Pools {
        &self.pools
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.pools.backend()
    }

    /// The PostgreSQL pool, when on PostgreSQL (for benchmarks and tools
    /// that need raw SQL; the ports are the normal way in).
    #[cfg(feature = "postgres")]
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.pools {
            Pools::Postgres(db) => Some(&db.pool),
            #[cfg(feature = "sqlite")]
            Pools::Sqlite(_) => None,
        }
    }

    /// The SQLite pool, when on SQLite.
    #[cfg(feature = "sqlite")]
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.pools {
            Pools::Sqlite(db) => Some(&db.pool),
            #[cfg(feature = "postgres")]
            Pools::Postgres(_) => None,
        }
    }

    /// The same store with another secret key.
    pub fn with_secret_key(mut self, key: SecretKey) -> Self {
        self.pools.keys_mut().current = Some(key);
        self
    }

    /// The same store also reading secrets sealed with `keys` (the keys
    /// before a rotation); new secrets are always sealed with the secret
    /// key.
    pub fn with_previous_secret_keys(mut self, keys: Vec<SecretKey>) -> Self {
        self.pools.keys_mut().previous = keys;
        self
    }

    /// Re-seals, with the store's secret key, every secret of `tenant` (or
    /// of every tenant) still sealed with another key, `batch_size` at a
    /// time, each batch committed: an interrupted rotation is resumed by
    /// calling it again. The old keys must be given as previous keys until
    /// it is done. A secret written meanwhile is left as written (it is
    /// already sealed with the new key).
    pub async fn rotate_secrets(
        &self,
        tenant: Option<TenantId>,
        batch_size: usize,
    ) -> StoreResult<SecretRotation> {
        on_db!(&self.pools, db => db.rotate_secrets(tenant, batch_size).await)
    }

    /// Creates an empty tenant (no boards, clients or priorities).
    pub async fn create_tenant(&self, name: &str) -> StoreResult<TenantId> {
        let tenant = TenantId::new();
        on_db!(&self.pools, db => db.create_tenant(tenant, name).await)?;
        Ok(tenant)
    }

    /// Creates a demo tenant in one transaction: a default board and a
    /// triage board, each with statuses New (default), In Progress and
    /// Closed (closed); priorities Critical, High, Medium, Low (order 1..4);
    /// the category Security with subcategory Incident; and the clients
    /// "Acme Corp", "Globex" and "Initech".
    pub async fn seed_demo_tenant(&self, name: &str) -> StoreResult<DemoTenant> {
        let demo = DemoTenant::new();
        let plan = demo.plan(name);
        on_db!(&self.pools, db => db.seed(&plan).await)?;
        Ok(demo)
    }

    /// Every tenant, by name.
    pub async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        on_db!(&self.pools, db => db.list_tenants().await)
    }

    /// The tenant with exactly this name (the oldest, if several share it).
    pub async fn find_tenant(&self, name: &str) -> StoreResult<Option<Tenant>> {
        on_db!(&self.pools, db => db.find_tenant(name).await)
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        on_db!(&self.pools, db => db.pool.close().await);
    }
}

/// Implements each port for [`PsaStore`] by calling the same method on the
/// backend in use: `fn` lines are `async` methods forwarded as they are;
/// the items after `also` are written out.
macro_rules! forward {
    ($(impl $port:ident {
        $(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*
        $(also { $($extra:item)* })?
    })*) => {$(
        #[async_trait]
        impl $port for PsaStore {
            $(async fn $name(&self $(, $arg: $ty)*) -> $ret {
                on_db!(&self.pools, db => db.$name($($arg),*).await)
            })*
            $($($extra)*)?
        }
    )*};
}

forward! {
    impl IntegrationStore {
        fn create_integration(&self, tenant: TenantId, new: NewIntegration) -> StoreResult<Integration>;
        fn get_integration(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<Option<Integration>>;
        fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<Integration>>;
        fn update_settings(&self, tenant: TenantId, id: IntegrationId, expected_version: i64, settings: serde_json::Value) -> StoreResult<i64>;
        fn set_connection(&self, tenant: TenantId, id: IntegrationId, is_active: bool, connected_at: Option<DateTime<Utc>>) -> StoreResult<()>;
        fn update_sync_state(&self, tenant: TenantId, id: IntegrationId, update: SyncStateUpdate) -> StoreResult<()>;
    }
    impl CatalogStore {
        fn create_client(&self, tenant: TenantId, name: &str) -> StoreResult<Client>;
        fn list_clients(&self, tenant: TenantId) -> StoreResult<Vec<Client>>;
        fn list_boards(&self, tenant: TenantId) -> StoreResult<Vec<Board>>;
        fn list_statuses(&self, tenant: TenantId) -> StoreResult<Vec<Status>>;
        fn list_priorities(&self, tenant: TenantId) -> StoreResult<Vec<Priority>>;
        fn list_categories(&self, tenant: TenantId) -> StoreResult<Vec<Category>>;
        fn create_board(&self, tenant: TenantId, name: &str, is_default: bool) -> StoreResult<Board>;
        fn create_status(&self, tenant: TenantId, board: BoardId, status: NewStatus) -> StoreResult<Status>;
        fn create_priority(&self, tenant: TenantId, name: &str, order_number: i32) -> StoreResult<Priority>;
        fn create_category(&self, tenant: TenantId, name: &str, parent: Option<CategoryId>, board: Option<BoardId>) -> StoreResult<Category>;
    }
    impl ScopeMappingStore {
        fn upsert_scopes(&self, tenant: TenantId, integration: IntegrationId, scopes: &[NormalizedScope]) -> StoreResult<ScopeUpsertOutcome>;
        fn list_scope_mappings(&self, tenant: TenantId, integration: IntegrationId) -> StoreResult<Vec<ScopeMapping>>;
        fn get_scope_mapping(&self, tenant: TenantId, integration: IntegrationId, external_id: &str) -> StoreResult<Option<ScopeMapping>>;
        fn link_scope(&self, tenant: TenantId, integration: IntegrationId, external_id: &str, client: Option<ClientId>, by: ScopeLinkBy) -> StoreResult<bool>;
        fn set_scope_flags(&self, tenant: TenantId, integration: IntegrationId, external_id: &str, auto_sync_assets: bool, auto_create_tickets: bool) -> StoreResult<()>;
        fn record_scope_walk(&self, tenant: TenantId, integration: IntegrationId, external_id: &str, walk: &ScopeWalk) -> StoreResult<()>;
    }
    impl AssetStore {
        fn find_known_devices(&self, tenant: TenantId, integration: IntegrationId, provider: &ProviderId, external_ids: &[String]) -> StoreResult<Vec<KnownDevice>>;
        fn write_assets(&self, tenant: TenantId, integration: IntegrationId, batch: &AssetBatch, synced_at: DateTime<Utc>) -> StoreResult<()>;
        fn retire_devices(&self, tenant: TenantId, integration: IntegrationId, external_ids: &[String], at: DateTime<Utc>) -> StoreResult<u64>;
        fn rekey_devices(&self, tenant: TenantId, integration: IntegrationId, changes: &[ExternalIdChange]) -> StoreResult<u64>;
        fn refresh_agent_status(&self, tenant: TenantId, integration: IntegrationId, online_since: DateTime<Utc>, at: DateTime<Utc>) -> StoreResult<u64>;
        fn find_assets_by_hostname(&self, tenant: TenantId, client: ClientId, hostname: &str) -> StoreResult<Vec<AssetMatch>>;
        fn count_scope_devices(&self, tenant: TenantId, integration: IntegrationId) -> StoreResult<Vec<(String, u64)>>;
        also {
            fn scope_devices<'a>(
                &'a self,
                tenant: TenantId,
                integration: IntegrationId,
                scope_id: &'a str,
            ) -> BoxStream<'a, StoreResult<ScopeDevice>> {
                on_db!(&self.pools, db => db.scope_devices(tenant, integration, scope_id))
            }
        }
    }
    impl TicketStore {
        fn create_ticket(&self, tenant: TenantId, ticket: NewTicket, comments: &[NewComment]) -> StoreResult<Ticket>;
        fn get_ticket(&self, tenant: TenantId, id: TicketId) -> StoreResult<Option<Ticket>>;
        fn list_tickets(&self, tenant: TenantId) -> StoreResult<Vec<Ticket>>;
        fn add_comment(&self, tenant: TenantId, ticket: TicketId, comment: NewComment) -> StoreResult<()>;
        fn list_comments(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<Comment>>;
        fn set_ticket_status(&self, tenant: TenantId, ticket: TicketId, status: StatusId) -> StoreResult<()>;
        fn associate_asset(&self, tenant: TenantId, ticket: TicketId, asset: AssetId) -> StoreResult<()>;
        fn ticket_assets(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<AssetId>>;
    }
    impl AlertStore {
        fn upsert_alert(&self, tenant: TenantId, integration: IntegrationId, alert: AlertUpsert) -> StoreResult<AlertUpserted>;
        fn get_alert(&self, tenant: TenantId, integration: IntegrationId, external_alert_id: &str) -> StoreResult<Option<Alert>>;
        fn create_alert_ticket(&self, tenant: TenantId, alert: AlertId, ticket: NewTicket, comments: &[NewComment]) -> StoreResult<AlertTicket>;
        fn update_alert_ticket(&self, tenant: TenantId, integration: IntegrationId, update: AlertTicketUpdate) -> StoreResult<AlertUpserted>;
        fn set_alert_error(&self, tenant: TenantId, alert: AlertId, error: Option<String>) -> StoreResult<()>;
        fn set_alert_asset(&self, tenant: TenantId, alert: AlertId, asset: AssetId) -> StoreResult<()>;
    }
    impl EntityMappingStore {
        fn upsert_entity_mapping(&self, tenant: TenantId, mapping: EntityMapping) -> StoreResult<()>;
        fn find_entity_mapping(&self, tenant: TenantId, integration_type: &str, alga_entity_type: &str, external_realm_id: &str, external_entity_id: &str) -> StoreResult<Option<EntityMapping>>;
    }
    impl SecretStore {
        fn put_secret(&self, tenant: TenantId, name: &str, value: &SecretString) -> StoreResult<()>;
        fn get_secret(&self, tenant: TenantId, name: &str) -> StoreResult<Option<SecretString>>;
        fn delete_secret(&self, tenant: TenantId, name: &str) -> StoreResult<bool>;
    }
    impl SyncRunStore {
        fn start_sync_run(&self, tenant: TenantId, integration: IntegrationId, kind: &RunKind, started_at: DateTime<Utc>) -> StoreResult<SyncRunId>;
        fn finish_sync_run(&self, tenant: TenantId, run: SyncRunId, finish: RunFinish) -> StoreResult<()>;
        fn list_sync_runs(&self, tenant: TenantId, integration: IntegrationId, limit: i64) -> StoreResult<Vec<SyncRun>>;
        fn abandon_sync_runs(&self, tenant: TenantId, integration: IntegrationId, kinds: &[RunKind], outcome: RunOutcome, error: &str) -> StoreResult<u64>;
    }
    impl QuarantineStore {
        fn quarantine_record(&self, tenant: TenantId, integration: IntegrationId, entry: QuarantineEntry, backoff: RetryBackoff, now: DateTime<Utc>) -> StoreResult<QuarantinedRecord>;
        fn list_quarantined(&self, tenant: TenantId, integration: IntegrationId, filter: QuarantineFilter, limit: i64) -> StoreResult<Vec<QuarantinedRecord>>;
        fn quarantined_ids(&self, tenant: TenantId, integration: IntegrationId, pipeline: Pipeline) -> StoreResult<Vec<String>>;
        fn count_quarantined(&self, tenant: TenantId, integration: IntegrationId) -> StoreResult<u64>;
        fn release_quarantined(&self, tenant: TenantId, integration: IntegrationId, pipeline: Pipeline, record_ids: &[String]) -> StoreResult<u64>;
        fn requeue_quarantined(&self, tenant: TenantId, integration: IntegrationId, pipeline: Option<Pipeline>, now: DateTime<Utc>) -> StoreResult<u64>;
    }
    impl RequestBudgetStore {
        fn take_request_slot(&self, tenant: TenantId, account: &str, limit: BudgetLimit, now: DateTime<Utc>) -> StoreResult<SlotRequest>;
        fn finish_request_slot(&self, tenant: TenantId, account: &str, slot: BudgetSlot, at: DateTime<Utc>) -> StoreResult<()>;
        fn pause_requests(&self, tenant: TenantId, account: &str, until: DateTime<Utc>) -> StoreResult<()>;
    }
    impl UsageStore {
        fn record_usage(&self, tenant: TenantId, integration: IntegrationId, counts: &[UsageCount]) -> StoreResult<()>;
        fn list_usage(&self, tenant: TenantId, integration: IntegrationId, since: chrono::NaiveDate) -> StoreResult<Vec<UsageCount>>;
    }
    impl WebhookStore {
        fn locate_integration(&self, integration: IntegrationId) -> StoreResult<Option<TenantId>>;
        fn record_delivery(&self, tenant: TenantId, integration: IntegrationId, delivery_id: &str, received_at: DateTime<Utc>) -> StoreResult<bool>;
    }
    impl ReadStore {
        fn list_assets(&self, tenant: TenantId, filter: &AssetFilter, page: PageRequest) -> StoreResult<Vec<AssetSummary>>;
        fn list_integration_tickets(&self, tenant: TenantId, integration: IntegrationId, page: PageRequest) -> StoreResult<Vec<IntegrationTicket>>;
        fn list_alerts(&self, tenant: TenantId, integration: IntegrationId, page: PageRequest) -> StoreResult<Vec<Alert>>;
    }
    impl ScheduleStore {
        fn ensure_job(&self, tenant: TenantId, integration: IntegrationId, job: &JobName, due_at: DateTime<Utc>) -> StoreResult<()>;
        fn set_job_due(&self, tenant: TenantId, integration: IntegrationId, job: &JobName, due_at: DateTime<Utc>) -> StoreResult<()>;
        fn unschedule_integration(&self, tenant: TenantId, integration: IntegrationId) -> StoreResult<u64>;
        fn list_scheduled_jobs(&self, tenant: TenantId, integration: IntegrationId) -> StoreResult<Vec<ScheduledJob>>;
        fn claim_due_jobs(&self, holder: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Lease>>;
        fn renew_lease(&self, lease: &Lease, expires_at: DateTime<Utc>) -> StoreResult<bool>;
        fn release_lease(&self, lease: &Lease, next_due_at: DateTime<Utc>) -> StoreResult<bool>;
        also {
            fn fenced(&self, fence: Fence) -> Arc<dyn psa_ingest::ports::Store> {
                Arc::new(PsaStore { pools: self.pools.fenced(fence) })
            }
        }
    }
}
