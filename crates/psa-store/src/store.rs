//! [`PsaStore`]: one type implementing every psa-ingest port on either
//! backend. Each method checks what is backend-neutral (input rules, secret
//! sealing) and hands the SQL work to `postgres::*` or `sqlite::*`.

use crate::errors::invalid;
use crate::open::Backend;
use crate::{SecretKey, sealing, storable};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use psa_ingest::contracts::{ExternalIdChange, NormalizedScope};
use psa_ingest::ports::{
    Alert, AlertStore, AlertTicket, AlertTicketUpdate, AlertUpsert, AlertUpserted, AssetBatch,
    AssetMatch, AssetStore, Board, CatalogStore, Category, Client, Comment, EntityMapping,
    EntityMappingStore, Fence, Integration, IntegrationStore, KnownDevice, Lease, NewComment,
    NewIntegration, NewTicket, Pipeline, Priority, QuarantineEntry, QuarantineFilter,
    QuarantineStore, QuarantinedRecord, RetryBackoff, RunFinish, RunOutcome, ScheduleStore,
    ScheduledJob, ScopeDevice, ScopeLinkBy, ScopeMapping, ScopeMappingStore, ScopeUpsertOutcome,
    ScopeWalk, SecretStore, Status, StoreError, StoreResult, SyncRun, SyncRunStore,
    SyncStateUpdate, Ticket, TicketStore,
};
use psa_ingest::{
    AlertId, AssetId, ClientId, IntegrationId, ProviderId, StatusId, SyncRunId, TenantId, TicketId,
};
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;

/// The connection pool of the backend in use.
#[derive(Clone)]
pub(crate) enum Pools {
    Postgres(sqlx::PgPool),
    Sqlite(sqlx::SqlitePool),
}

/// The PSA store on PostgreSQL or SQLite. Cheap to clone (pools are shared).
/// Open one with [`PsaStore::open`] or [`PsaStore::open_with`].
#[derive(Clone)]
pub struct PsaStore {
    pools: Pools,
    secret_key: Option<SecretKey>,
    /// Keys secrets may still be sealed with (during a rotation): read,
    /// never written with.
    previous_keys: Vec<SecretKey>,
    /// Set on a job's view of the store ([`ScheduleStore::fenced`]).
    fence: Option<Arc<Fence>>,
}

impl fmt::Debug for PsaStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PsaStore")
            .field("backend", &self.backend())
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<configured>"),
            )
            .field("previous_keys", &self.previous_keys.len())
            .field("fence", &self.fence)
            .finish()
    }
}

/// What [`PsaStore::rotate_secrets`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecretRotation {
    /// Secrets re-sealed with the new key.
    pub resealed: u64,
    /// Batches committed.
    pub batches: u64,
}

/// Runs the same backend write function on whichever pool is in use, with
/// this store's fence (a job's store) checked in its transaction.
macro_rules! dispatch_write {
    ($self:ident, $module:ident :: $function:ident ( $($arg:expr),* $(,)? )) => {{
        let fence = $self.fence.as_deref();
        match &$self.pools {
            Pools::Postgres(pool) => {
                crate::postgres::$module::$function(crate::postgres::Writer { pool, fence }, $($arg),*).await
            }
            Pools::Sqlite(pool) => {
                crate::sqlite::$module::$function(crate::sqlite::Writer { pool, fence }, $($arg),*).await
            }
        }
    }};
}

/// Runs the same backend function on whichever pool is in use.
macro_rules! dispatch {
    ($self:ident, $module:ident :: $function:ident ( $($arg:expr),* $(,)? )) => {
        match &$self.pools {
            Pools::Postgres(pool) => crate::postgres::$module::$function(pool, $($arg),*).await,
            Pools::Sqlite(pool) => crate::sqlite::$module::$function(pool, $($arg),*).await,
        }
    };
}

impl PsaStore {
    pub(crate) fn from_pools(
        pools: Pools,
        secret_key: Option<SecretKey>,
        previous_keys: Vec<SecretKey>,
    ) -> Self {
        Self {
            pools,
            secret_key,
            previous_keys,
            fence: None,
        }
    }

    pub(crate) fn pools(&self) -> &Pools {
        &self.pools
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self.pools {
            Pools::Postgres(_) => Backend::Postgres,
            Pools::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// The PostgreSQL pool, when on PostgreSQL (for benchmarks and tools
    /// that need raw SQL; the ports are the normal way in).
    pub fn postgres_pool(&self) -> Option<&sqlx::PgPool> {
        match &self.pools {
            Pools::Postgres(pool) => Some(pool),
            Pools::Sqlite(_) => None,
        }
    }

    /// The SQLite pool, when on SQLite.
    pub fn sqlite_pool(&self) -> Option<&sqlx::SqlitePool> {
        match &self.pools {
            Pools::Sqlite(pool) => Some(pool),
            Pools::Postgres(_) => None,
        }
    }

    /// The same store with another secret key.
    pub fn with_secret_key(mut self, key: SecretKey) -> Self {
        self.secret_key = Some(key);
        self
    }

    /// The same store also reading secrets sealed with `keys` (the keys
    /// before a rotation); new secrets are always sealed with the secret
    /// key.
    pub fn with_previous_secret_keys(mut self, keys: Vec<SecretKey>) -> Self {
        self.previous_keys = keys;
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
        let key = self.key()?;
        let key_id = key.id();
        let keys = self.read_keys()?;
        let limit = i64::try_from(batch_size.max(1)).unwrap_or(i64::MAX);
        let mut rotation = SecretRotation::default();
        loop {
            let batch = dispatch!(self, secrets::pending_rotation(tenant, &key_id, limit))?;
            if batch.is_empty() {
                return Ok(rotation);
            }
            for (tenant, name, sealed) in batch {
                let value = sealing::open_with_any(&keys, tenant, &name, &sealed)?;
                let resealed = sealing::seal(key, tenant, &name, &value)?;
                let replaced = dispatch_write!(
                    self,
                    secrets::reseal(tenant, &name, &sealed.nonce, resealed)
                )?;
                if replaced {
                    rotation.resealed += 1;
                }
            }
            rotation.batches += 1;
        }
    }

    /// The secret key first, then the previous keys.
    fn read_keys(&self) -> StoreResult<Vec<&SecretKey>> {
        let mut keys = vec![self.key()?];
        keys.extend(self.previous_keys.iter());
        Ok(keys)
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        match &self.pools {
            Pools::Postgres(pool) => pool.close().await,
            Pools::Sqlite(pool) => pool.close().await,
        }
    }

    fn key(&self) -> StoreResult<&SecretKey> {
        self.secret_key.as_ref().ok_or_else(|| StoreError::Secret {
            message: "no secret key configured: open the store with OpenOptions::secret_key \
                      (e.g. SecretKey::from_env(), which reads PSA_SECRET_KEY)"
                .into(),
        })
    }
}

/// Longest secret name accepted.
const MAX_SECRET_NAME: usize = 200;

fn check_secret_name(name: &str) -> StoreResult<()> {
    if name.trim().is_empty() || name.len() > MAX_SECRET_NAME || name.chars().any(char::is_control)
    {
        return Err(invalid(format!(
            "secret name {name:?} must be 1 to {MAX_SECRET_NAME} bytes without control characters"
        )));
    }
    Ok(())
}

#[async_trait]
impl IntegrationStore for PsaStore {
    async fn create_integration(
        &self,
        tenant: TenantId,
        new: NewIntegration,
    ) -> StoreResult<Integration> {
        dispatch_write!(self, integrations::create(tenant, new))
    }

    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<Integration>> {
        dispatch!(self, integrations::get(tenant, id))
    }

    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<Integration>> {
        dispatch!(self, integrations::list(tenant))
    }

    async fn update_settings(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        expected_version: i64,
        settings: serde_json::Value,
    ) -> StoreResult<i64> {
        dispatch_write!(
            self,
            integrations::update_settings(tenant, id, expected_version, storable::json(settings))
        )
    }

    async fn set_connection(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        is_active: bool,
        connected_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        dispatch_write!(
            self,
            integrations::set_connection(tenant, id, is_active, connected_at)
        )
    }

    async fn update_sync_state(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        update: SyncStateUpdate,
    ) -> StoreResult<()> {
        let update = SyncStateUpdate {
            sync_error: storable::opt_text(update.sync_error),
            ..update
        };
        dispatch_write!(self, integrations::update_sync_state(tenant, id, update))
    }
}

#[async_trait]
impl CatalogStore for PsaStore {
    async fn create_client(&self, tenant: TenantId, name: &str) -> StoreResult<Client> {
        if name.trim().is_empty() {
            return Err(invalid("client name must not be empty"));
        }
        dispatch_write!(self, catalog::create_client(tenant, &storable::text(name)))
    }

    async fn list_clients(&self, tenant: TenantId) -> StoreResult<Vec<Client>> {
        dispatch!(self, catalog::list_clients(tenant))
    }

    async fn list_boards(&self, tenant: TenantId) -> StoreResult<Vec<Board>> {
        dispatch!(self, catalog::list_boards(tenant))
    }

    async fn list_statuses(&self, tenant: TenantId) -> StoreResult<Vec<Status>> {
        dispatch!(self, catalog::list_statuses(tenant))
    }

    async fn list_priorities(&self, tenant: TenantId) -> StoreResult<Vec<Priority>> {
        dispatch!(self, catalog::list_priorities(tenant))
    }

    async fn list_categories(&self, tenant: TenantId) -> StoreResult<Vec<Category>> {
        dispatch!(self, catalog::list_categories(tenant))
    }
}

#[async_trait]
impl ScopeMappingStore for PsaStore {
    async fn upsert_scopes(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        scopes: &[NormalizedScope],
    ) -> StoreResult<ScopeUpsertOutcome> {
        let scopes = storable::scopes(scopes);
        dispatch_write!(self, scopes::upsert(tenant, integration, &scopes))
    }

    async fn list_scope_mappings(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<ScopeMapping>> {
        dispatch!(self, scopes::list(tenant, integration))
    }

    async fn get_scope_mapping(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
    ) -> StoreResult<Option<ScopeMapping>> {
        dispatch!(self, scopes::get(tenant, integration, external_id))
    }

    async fn link_scope(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        client: Option<ClientId>,
        by: ScopeLinkBy,
    ) -> StoreResult<bool> {
        dispatch_write!(
            self,
            scopes::link(tenant, integration, external_id, client, by)
        )
    }

    async fn set_scope_flags(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        auto_sync_assets: bool,
        auto_create_tickets: bool,
    ) -> StoreResult<()> {
        dispatch_write!(
            self,
            scopes::set_flags(
                tenant,
                integration,
                external_id,
                auto_sync_assets,
                auto_create_tickets
            )
        )
    }

    async fn record_scope_walk(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        walk: &ScopeWalk,
    ) -> StoreResult<()> {
        let walk = ScopeWalk {
            error: storable::opt_text(walk.error.clone()),
            ..walk.clone()
        };
        dispatch_write!(
            self,
            scopes::record_walk(tenant, integration, external_id, &walk)
        )
    }
}

#[async_trait]
impl AssetStore for PsaStore {
    async fn find_known_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        provider: &ProviderId,
        external_ids: &[String],
    ) -> StoreResult<Vec<KnownDevice>> {
        dispatch!(
            self,
            assets::find_known(tenant, integration, provider, external_ids)
        )
    }

    async fn write_assets(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: &AssetBatch,
        synced_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let batch = storable::asset_batch(batch);
        dispatch_write!(self, assets::write(tenant, integration, &batch, synced_at))
    }

    async fn retire_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_ids: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        dispatch_write!(self, assets::retire(tenant, integration, external_ids, at))
    }

    fn scope_devices<'a>(
        &'a self,
        tenant: TenantId,
        integration: IntegrationId,
        scope_id: &'a str,
    ) -> BoxStream<'a, StoreResult<ScopeDevice>> {
        match &self.pools {
            Pools::Postgres(pool) => {
                crate::postgres::assets::scope_devices(pool, tenant, integration, scope_id)
            }
            Pools::Sqlite(pool) => {
                crate::sqlite::assets::scope_devices(pool, tenant, integration, scope_id)
            }
        }
    }

    async fn rekey_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        changes: &[ExternalIdChange],
    ) -> StoreResult<u64> {
        dispatch_write!(self, assets::rekey(tenant, integration, changes))
    }

    async fn refresh_agent_status(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        online_since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        dispatch_write!(
            self,
            assets::refresh_agent_status(tenant, integration, online_since, at)
        )
    }

    async fn find_assets_by_hostname(
        &self,
        tenant: TenantId,
        client: ClientId,
        hostname: &str,
    ) -> StoreResult<Vec<AssetMatch>> {
        // Names are stored without NUL bytes: looked up the same way.
        dispatch!(
            self,
            assets::find_by_hostname(tenant, client, &storable::text(hostname))
        )
    }
}

#[async_trait]
impl TicketStore for PsaStore {
    async fn create_ticket(
        &self,
        tenant: TenantId,
        ticket: NewTicket,
        comments: &[NewComment],
    ) -> StoreResult<Ticket> {
        let comments = storable::comments(comments);
        dispatch_write!(
            self,
            tickets::create(tenant, storable::ticket(ticket), &comments)
        )
    }

    async fn get_ticket(&self, tenant: TenantId, id: TicketId) -> StoreResult<Option<Ticket>> {
        dispatch!(self, tickets::get(tenant, id))
    }

    async fn list_tickets(&self, tenant: TenantId) -> StoreResult<Vec<Ticket>> {
        dispatch!(self, tickets::list(tenant))
    }

    async fn add_comment(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        comment: NewComment,
    ) -> StoreResult<()> {
        dispatch_write!(
            self,
            tickets::add_comment(tenant, ticket, storable::comment(comment))
        )
    }

    async fn list_comments(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<Comment>> {
        dispatch!(self, tickets::list_comments(tenant, ticket))
    }

    async fn set_ticket_status(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        status: StatusId,
    ) -> StoreResult<()> {
        dispatch_write!(self, tickets::set_status(tenant, ticket, status))
    }

    async fn associate_asset(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        asset: AssetId,
    ) -> StoreResult<()> {
        dispatch_write!(self, tickets::associate_asset(tenant, ticket, asset))
    }

    async fn ticket_assets(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<AssetId>> {
        dispatch!(self, tickets::ticket_assets(tenant, ticket))
    }
}

#[async_trait]
impl AlertStore for PsaStore {
    async fn upsert_alert(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        alert: AlertUpsert,
    ) -> StoreResult<AlertUpserted> {
        dispatch_write!(
            self,
            alerts::upsert(tenant, integration, storable::alert(alert))
        )
    }

    async fn get_alert(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_alert_id: &str,
    ) -> StoreResult<Option<Alert>> {
        dispatch!(self, alerts::get(tenant, integration, external_alert_id))
    }

    async fn create_alert_ticket(
        &self,
        tenant: TenantId,
        alert: AlertId,
        ticket: NewTicket,
        comments: &[NewComment],
    ) -> StoreResult<AlertTicket> {
        let comments = storable::comments(comments);
        dispatch_write!(
            self,
            alerts::create_ticket(tenant, alert, storable::ticket(ticket), &comments)
        )
    }

    async fn update_alert_ticket(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        update: AlertTicketUpdate,
    ) -> StoreResult<AlertUpserted> {
        dispatch_write!(
            self,
            alerts::update_ticket(tenant, integration, storable::ticket_update(update))
        )
    }

    async fn set_alert_error(
        &self,
        tenant: TenantId,
        alert: AlertId,
        error: Option<String>,
    ) -> StoreResult<()> {
        dispatch_write!(
            self,
            alerts::set_error(tenant, alert, storable::opt_text(error))
        )
    }

    async fn set_alert_asset(
        &self,
        tenant: TenantId,
        alert: AlertId,
        asset: AssetId,
    ) -> StoreResult<()> {
        dispatch_write!(self, alerts::set_asset(tenant, alert, asset))
    }
}

#[async_trait]
impl EntityMappingStore for PsaStore {
    async fn upsert_entity_mapping(
        &self,
        tenant: TenantId,
        mapping: EntityMapping,
    ) -> StoreResult<()> {
        dispatch_write!(
            self,
            entity_mappings::upsert(tenant, storable::entity_mapping(mapping))
        )
    }

    async fn find_entity_mapping(
        &self,
        tenant: TenantId,
        integration_type: &str,
        alga_entity_type: &str,
        external_realm_id: &str,
        external_entity_id: &str,
    ) -> StoreResult<Option<EntityMapping>> {
        dispatch!(
            self,
            entity_mappings::find(
                tenant,
                integration_type,
                alga_entity_type,
                external_realm_id,
                external_entity_id
            )
        )
    }
}

#[async_trait]
impl SecretStore for PsaStore {
    async fn put_secret(
        &self,
        tenant: TenantId,
        name: &str,
        value: &SecretString,
    ) -> StoreResult<()> {
        check_secret_name(name)?;
        let sealed = sealing::seal(self.key()?, tenant, name, value)?;
        dispatch_write!(self, secrets::put(tenant, name, sealed))
    }

    async fn get_secret(&self, tenant: TenantId, name: &str) -> StoreResult<Option<SecretString>> {
        check_secret_name(name)?;
        let keys = self.read_keys()?;
        let sealed = dispatch!(self, secrets::get(tenant, name))?;
        sealed
            .map(|sealed| sealing::open_with_any(&keys, tenant, name, &sealed))
            .transpose()
    }

    async fn delete_secret(&self, tenant: TenantId, name: &str) -> StoreResult<bool> {
        check_secret_name(name)?;
        dispatch_write!(self, secrets::delete(tenant, name))
    }
}

#[async_trait]
impl SyncRunStore for PsaStore {
    async fn start_sync_run(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kind: &str,
        started_at: DateTime<Utc>,
    ) -> StoreResult<SyncRunId> {
        dispatch_write!(
            self,
            sync_runs::start(tenant, integration, kind, started_at)
        )
    }

    async fn finish_sync_run(
        &self,
        tenant: TenantId,
        run: SyncRunId,
        finish: RunFinish,
    ) -> StoreResult<()> {
        let finish = RunFinish {
            counts: storable::json(finish.counts),
            error: storable::opt_text(finish.error),
            ..finish
        };
        dispatch_write!(self, sync_runs::finish(tenant, run, finish))
    }

    async fn list_sync_runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRun>> {
        if limit < 0 {
            return Err(invalid(format!(
                "sync run limit must not be negative, got {limit}"
            )));
        }
        dispatch!(self, sync_runs::list(tenant, integration, limit))
    }

    async fn abandon_sync_runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kinds: &[&str],
        outcome: RunOutcome,
        error: &str,
    ) -> StoreResult<u64> {
        dispatch_write!(
            self,
            sync_runs::abandon(tenant, integration, kinds, outcome, &storable::text(error))
        )
    }
}

/// Ids kept as storable text: a record refused for a NUL in its id is
/// quarantined under the id without it, and released the same way.
fn storable_ids(ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| storable::text(id).into_owned())
        .collect()
}

#[async_trait]
impl QuarantineStore for PsaStore {
    async fn quarantine_record(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        entry: QuarantineEntry,
        backoff: RetryBackoff,
        now: DateTime<Utc>,
    ) -> StoreResult<QuarantinedRecord> {
        if entry.record_id.is_empty() {
            return Err(invalid("a quarantined record needs an id"));
        }
        let entry = QuarantineEntry {
            record_id: storable::text(&entry.record_id).into_owned(),
            payload: storable::json(entry.payload),
            error: storable::text(&entry.error).into_owned(),
            ..entry
        };
        dispatch_write!(
            self,
            quarantine::quarantine(tenant, integration, entry, backoff, now)
        )
    }

    async fn list_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        filter: QuarantineFilter,
        limit: i64,
    ) -> StoreResult<Vec<QuarantinedRecord>> {
        if limit < 0 {
            return Err(invalid(format!(
                "quarantine limit must not be negative, got {limit}"
            )));
        }
        dispatch!(self, quarantine::list(tenant, integration, filter, limit))
    }

    async fn quarantined_ids(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Pipeline,
    ) -> StoreResult<Vec<String>> {
        dispatch!(self, quarantine::ids(tenant, integration, pipeline))
    }

    async fn count_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<u64> {
        dispatch!(self, quarantine::count(tenant, integration))
    }

    async fn release_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Pipeline,
        record_ids: &[String],
    ) -> StoreResult<u64> {
        if record_ids.is_empty() {
            return Ok(0);
        }
        let ids = storable_ids(record_ids);
        dispatch_write!(
            self,
            quarantine::release(tenant, integration, pipeline, &ids)
        )
    }

    async fn requeue_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Option<Pipeline>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        dispatch_write!(
            self,
            quarantine::requeue(tenant, integration, pipeline, now)
        )
    }
}

/// Longest job name accepted.
const MAX_JOB_NAME: usize = 100;

fn check_job(job: &str) -> StoreResult<()> {
    if job.trim().is_empty() || job.len() > MAX_JOB_NAME {
        return Err(invalid(format!(
            "job name must be 1 to {MAX_JOB_NAME} bytes and not blank, got {job:?}"
        )));
    }
    Ok(())
}

#[async_trait]
impl ScheduleStore for PsaStore {
    async fn ensure_job(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        job: &str,
        due_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        check_job(job)?;
        dispatch!(
            self,
            schedules::set_due(tenant, integration, job, due_at, false)
        )
    }

    async fn set_job_due(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        job: &str,
        due_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        check_job(job)?;
        dispatch!(
            self,
            schedules::set_due(tenant, integration, job, due_at, true)
        )
    }

    async fn unschedule_integration(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<u64> {
        dispatch!(self, schedules::unschedule(tenant, integration))
    }

    async fn list_scheduled_jobs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<ScheduledJob>> {
        dispatch!(self, schedules::list(tenant, integration))
    }

    async fn claim_due_jobs(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Lease>> {
        if holder.trim().is_empty() {
            return Err(invalid("lease holder must not be blank"));
        }
        if limit < 0 {
            return Err(invalid(format!(
                "claim limit must not be negative, got {limit}"
            )));
        }
        if expires_at <= now {
            return Err(invalid(format!(
                "lease must end after it starts: {expires_at} is not after {now}"
            )));
        }
        dispatch!(self, schedules::claim(holder, now, expires_at, limit))
    }

    async fn renew_lease(&self, lease: &Lease, expires_at: DateTime<Utc>) -> StoreResult<bool> {
        dispatch!(self, schedules::renew(lease, expires_at))
    }

    async fn release_lease(&self, lease: &Lease, next_due_at: DateTime<Utc>) -> StoreResult<bool> {
        dispatch!(self, schedules::release(lease, next_due_at))
    }

    fn fenced(&self, fence: Fence) -> Arc<dyn psa_ingest::ports::Store> {
        Arc::new(Self {
            pools: self.pools.clone(),
            secret_key: self.secret_key.clone(),
            previous_keys: self.previous_keys.clone(),
            fence: Some(Arc::new(fence)),
        })
    }
}
