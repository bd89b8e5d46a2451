//! Every port of [`FaultyStore`], forwarded to the store it wraps: writes
//! through [`FaultyStore::write`], everything else through the pause gate.

use super::FaultyStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use psa_ingest::contracts::{ExternalIdChange, NormalizedScope};
use psa_ingest::ports::*;
use psa_ingest::{
    AlertId, AssetId, ClientId, IntegrationId, ProviderId, StatusId, SyncRunId, TenantId, TicketId,
};
use secrecy::SecretString;
use std::sync::Arc;

#[async_trait]
impl<S: Store + ?Sized> IntegrationStore for FaultyStore<S> {
    async fn create_integration(
        &self,
        tenant: TenantId,
        new: NewIntegration,
    ) -> StoreResult<Integration> {
        self.write(
            "create_integration",
            self.inner.create_integration(tenant, new),
        )
        .await
    }

    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<Integration>> {
        self.enter().await;
        self.inner.get_integration(tenant, id).await
    }

    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<Integration>> {
        self.enter().await;
        self.inner.list_integrations(tenant).await
    }

    async fn update_settings(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        expected_version: i64,
        settings: serde_json::Value,
    ) -> StoreResult<i64> {
        self.write(
            "update_settings",
            self.inner
                .update_settings(tenant, id, expected_version, settings),
        )
        .await
    }

    async fn set_connection(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        is_active: bool,
        connected_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        self.write(
            "set_connection",
            self.inner
                .set_connection(tenant, id, is_active, connected_at),
        )
        .await
    }

    async fn update_sync_state(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        update: SyncStateUpdate,
    ) -> StoreResult<()> {
        self.write(
            "update_sync_state",
            self.inner.update_sync_state(tenant, id, update),
        )
        .await
    }
}

#[async_trait]
impl<S: Store + ?Sized> CatalogStore for FaultyStore<S> {
    async fn create_client(&self, tenant: TenantId, name: &str) -> StoreResult<Client> {
        self.write("create_client", self.inner.create_client(tenant, name))
            .await
    }

    async fn list_clients(&self, tenant: TenantId) -> StoreResult<Vec<Client>> {
        self.enter().await;
        self.inner.list_clients(tenant).await
    }

    async fn list_boards(&self, tenant: TenantId) -> StoreResult<Vec<Board>> {
        self.enter().await;
        self.inner.list_boards(tenant).await
    }

    async fn list_statuses(&self, tenant: TenantId) -> StoreResult<Vec<Status>> {
        self.enter().await;
        self.inner.list_statuses(tenant).await
    }

    async fn list_priorities(&self, tenant: TenantId) -> StoreResult<Vec<Priority>> {
        self.enter().await;
        self.inner.list_priorities(tenant).await
    }

    async fn list_categories(&self, tenant: TenantId) -> StoreResult<Vec<Category>> {
        self.enter().await;
        self.inner.list_categories(tenant).await
    }

    async fn create_board(
        &self,
        tenant: TenantId,
        name: &str,
        is_default: bool,
    ) -> StoreResult<Board> {
        self.write(
            "create_board",
            self.inner.create_board(tenant, name, is_default),
        )
        .await
    }

    async fn create_status(
        &self,
        tenant: TenantId,
        board: psa_ingest::BoardId,
        status: NewStatus,
    ) -> StoreResult<Status> {
        self.write(
            "create_status",
            self.inner.create_status(tenant, board, status),
        )
        .await
    }

    async fn create_priority(
        &self,
        tenant: TenantId,
        name: &str,
        order_number: i32,
    ) -> StoreResult<Priority> {
        self.write(
            "create_priority",
            self.inner.create_priority(tenant, name, order_number),
        )
        .await
    }

    async fn create_category(
        &self,
        tenant: TenantId,
        name: &str,
        parent: Option<psa_ingest::CategoryId>,
        board: Option<psa_ingest::BoardId>,
    ) -> StoreResult<Category> {
        self.write(
            "create_category",
            self.inner.create_category(tenant, name, parent, board),
        )
        .await
    }
}

#[async_trait]
impl<S: Store + ?Sized> ReadStore for FaultyStore<S> {
    async fn list_assets(
        &self,
        tenant: TenantId,
        filter: &AssetFilter,
        page: PageRequest,
    ) -> StoreResult<Vec<AssetSummary>> {
        self.enter().await;
        self.inner.list_assets(tenant, filter, page).await
    }

    async fn list_integration_tickets(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        page: PageRequest,
    ) -> StoreResult<Vec<IntegrationTicket>> {
        self.enter().await;
        self.inner
            .list_integration_tickets(tenant, integration, page)
            .await
    }

    async fn list_alerts(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        page: PageRequest,
    ) -> StoreResult<Vec<Alert>> {
        self.enter().await;
        self.inner.list_alerts(tenant, integration, page).await
    }
}

#[async_trait]
impl<S: Store + ?Sized> ScopeMappingStore for FaultyStore<S> {
    async fn upsert_scopes(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        scopes: &[NormalizedScope],
    ) -> StoreResult<ScopeUpsertOutcome> {
        self.write(
            "upsert_scopes",
            self.inner.upsert_scopes(tenant, integration, scopes),
        )
        .await
    }

    async fn list_scope_mappings(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<ScopeMapping>> {
        self.enter().await;
        self.inner.list_scope_mappings(tenant, integration).await
    }

    async fn get_scope_mapping(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
    ) -> StoreResult<Option<ScopeMapping>> {
        self.enter().await;
        self.inner
            .get_scope_mapping(tenant, integration, external_id)
            .await
    }

    async fn link_scope(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        client: Option<ClientId>,
        by: ScopeLinkBy,
    ) -> StoreResult<bool> {
        self.write(
            "link_scope",
            self.inner
                .link_scope(tenant, integration, external_id, client, by),
        )
        .await
    }

    async fn set_scope_flags(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        auto_sync_assets: bool,
        auto_create_tickets: bool,
    ) -> StoreResult<()> {
        self.write(
            "set_scope_flags",
            self.inner.set_scope_flags(
                tenant,
                integration,
                external_id,
                auto_sync_assets,
                auto_create_tickets,
            ),
        )
        .await
    }

    async fn record_scope_walk(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        walk: &ScopeWalk,
    ) -> StoreResult<()> {
        self.write(
            "record_scope_walk",
            self.inner
                .record_scope_walk(tenant, integration, external_id, walk),
        )
        .await
    }
}

#[async_trait]
impl<S: Store + ?Sized> AssetStore for FaultyStore<S> {
    async fn find_known_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        provider: &ProviderId,
        external_ids: &[String],
    ) -> StoreResult<Vec<KnownDevice>> {
        self.enter().await;
        self.inner
            .find_known_devices(tenant, integration, provider, external_ids)
            .await
    }

    async fn write_assets(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: &AssetBatch,
        synced_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(
            "write_assets",
            self.inner
                .write_assets(tenant, integration, batch, synced_at),
        )
        .await
    }

    async fn retire_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_ids: &[String],
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.write(
            "retire_devices",
            self.inner
                .retire_devices(tenant, integration, external_ids, at),
        )
        .await
    }

    async fn rekey_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        changes: &[ExternalIdChange],
    ) -> StoreResult<u64> {
        self.write(
            "rekey_devices",
            self.inner.rekey_devices(tenant, integration, changes),
        )
        .await
    }

    async fn refresh_agent_status(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        online_since: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.write(
            "refresh_agent_status",
            self.inner
                .refresh_agent_status(tenant, integration, online_since, at),
        )
        .await
    }

    async fn find_assets_by_hostname(
        &self,
        tenant: TenantId,
        client: ClientId,
        hostname: &str,
    ) -> StoreResult<Vec<AssetMatch>> {
        self.enter().await;
        self.inner
            .find_assets_by_hostname(tenant, client, hostname)
            .await
    }

    async fn count_scope_devices(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<(String, u64)>> {
        self.enter().await;
        self.inner.count_scope_devices(tenant, integration).await
    }

    fn scope_devices<'a>(
        &'a self,
        tenant: TenantId,
        integration: IntegrationId,
        scope_id: &'a str,
    ) -> BoxStream<'a, StoreResult<ScopeDevice>> {
        self.inner.scope_devices(tenant, integration, scope_id)
    }
}

#[async_trait]
impl<S: Store + ?Sized> TicketStore for FaultyStore<S> {
    async fn create_ticket(
        &self,
        tenant: TenantId,
        ticket: NewTicket,
        comments: &[NewComment],
    ) -> StoreResult<Ticket> {
        self.write(
            "create_ticket",
            self.inner.create_ticket(tenant, ticket, comments),
        )
        .await
    }

    async fn get_ticket(&self, tenant: TenantId, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.enter().await;
        self.inner.get_ticket(tenant, id).await
    }

    async fn list_tickets(&self, tenant: TenantId) -> StoreResult<Vec<Ticket>> {
        self.enter().await;
        self.inner.list_tickets(tenant).await
    }

    async fn add_comment(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        comment: NewComment,
    ) -> StoreResult<()> {
        self.write(
            "add_comment",
            self.inner.add_comment(tenant, ticket, comment),
        )
        .await
    }

    async fn list_comments(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<Comment>> {
        self.enter().await;
        self.inner.list_comments(tenant, ticket).await
    }

    async fn set_ticket_status(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        status: StatusId,
    ) -> StoreResult<()> {
        self.write(
            "set_ticket_status",
            self.inner.set_ticket_status(tenant, ticket, status),
        )
        .await
    }

    async fn associate_asset(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        asset: AssetId,
    ) -> StoreResult<()> {
        self.write(
            "associate_asset",
            self.inner.associate_asset(tenant, ticket, asset),
        )
        .await
    }

    async fn ticket_assets(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<AssetId>> {
        self.enter().await;
        self.inner.ticket_assets(tenant, ticket).await
    }
}

#[async_trait]
impl<S: Store + ?Sized> AlertStore for FaultyStore<S> {
    async fn upsert_alert(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        alert: AlertUpsert,
    ) -> StoreResult<AlertUpserted> {
        self.write(
            "upsert_alert",
            self.inner.upsert_alert(tenant, integration, alert),
        )
        .await
    }

    async fn get_alert(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_alert_id: &str,
    ) -> StoreResult<Option<Alert>> {
        self.enter().await;
        self.inner
            .get_alert(tenant, integration, external_alert_id)
            .await
    }

    async fn create_alert_ticket(
        &self,
        tenant: TenantId,
        alert: AlertId,
        ticket: NewTicket,
        comments: &[NewComment],
    ) -> StoreResult<AlertTicket> {
        self.write(
            "create_alert_ticket",
            self.inner
                .create_alert_ticket(tenant, alert, ticket, comments),
        )
        .await
    }

    async fn update_alert_ticket(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        update: AlertTicketUpdate,
    ) -> StoreResult<AlertUpserted> {
        self.write(
            "update_alert_ticket",
            self.inner.update_alert_ticket(tenant, integration, update),
        )
        .await
    }

    async fn set_alert_error(
        &self,
        tenant: TenantId,
        alert: AlertId,
        error: Option<String>,
    ) -> StoreResult<()> {
        self.write(
            "set_alert_error",
            self.inner.set_alert_error(tenant, alert, error),
        )
        .await
    }

    async fn set_alert_asset(
        &self,
        tenant: TenantId,
        alert: AlertId,
        asset: AssetId,
    ) -> StoreResult<()> {
        self.write(
            "set_alert_asset",
            self.inner.set_alert_asset(tenant, alert, asset),
        )
        .await
    }
}

#[async_trait]
impl<S: Store + ?Sized> EntityMappingStore for FaultyStore<S> {
    async fn upsert_entity_mapping(
        &self,
        tenant: TenantId,
        mapping: EntityMapping,
    ) -> StoreResult<()> {
        self.write(
            "upsert_entity_mapping",
            self.inner.upsert_entity_mapping(tenant, mapping),
        )
        .await
    }

    async fn find_entity_mapping(
        &self,
        tenant: TenantId,
        integration_type: &str,
        alga_entity_type: &str,
        external_realm_id: &str,
        external_entity_id: &str,
    ) -> StoreResult<Option<EntityMapping>> {
        self.enter().await;
        self.inner
            .find_entity_mapping(
                tenant,
                integration_type,
                alga_entity_type,
                external_realm_id,
                external_entity_id,
            )
            .await
    }
}

#[async_trait]
impl<S: Store + ?Sized> SecretStore for FaultyStore<S> {
    async fn put_secret(
        &self,
        tenant: TenantId,
        name: &str,
        value: &SecretString,
    ) -> StoreResult<()> {
        self.write("put_secret", self.inner.put_secret(tenant, name, value))
            .await
    }

    async fn get_secret(&self, tenant: TenantId, name: &str) -> StoreResult<Option<SecretString>> {
        self.enter().await;
        self.inner.get_secret(tenant, name).await
    }

    async fn delete_secret(&self, tenant: TenantId, name: &str) -> StoreResult<bool> {
        self.write("delete_secret", self.inner.delete_secret(tenant, name))
            .await
    }
}

#[async_trait]
impl<S: Store + ?Sized> SyncRunStore for FaultyStore<S> {
    async fn start_sync_run(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kind: &RunKind,
        started_at: DateTime<Utc>,
    ) -> StoreResult<SyncRunId> {
        self.write(
            "start_sync_run",
            self.inner
                .start_sync_run(tenant, integration, kind, started_at),
        )
        .await
    }

    async fn finish_sync_run(
        &self,
        tenant: TenantId,
        run: SyncRunId,
        finish: RunFinish,
    ) -> StoreResult<()> {
        self.write(
            "finish_sync_run",
            self.inner.finish_sync_run(tenant, run, finish),
        )
        .await
    }

    async fn list_sync_runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRun>> {
        self.enter().await;
        self.inner.list_sync_runs(tenant, integration, limit).await
    }

    async fn abandon_sync_runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kinds: &[RunKind],
        outcome: RunOutcome,
        error: &str,
    ) -> StoreResult<u64> {
        self.write(
            "abandon_sync_runs",
            self.inner
                .abandon_sync_runs(tenant, integration, kinds, outcome, error),
        )
        .await
    }
}

#[async_trait]
impl<S: Store + ?Sized> ScheduleStore for FaultyStore<S> {
    async fn ensure_job(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        job: &JobName,
        due_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.enter().await;
        self.inner
            .ensure_job(tenant, integration, job, due_at)
            .await
    }

    async fn set_job_due(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        job: &JobName,
        due_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.enter().await;
        self.inner
            .set_job_due(tenant, integration, job, due_at)
            .await
    }

    async fn unschedule_integration(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<u64> {
        self.enter().await;
        self.inner.unschedule_integration(tenant, integration).await
    }

    async fn list_scheduled_jobs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<ScheduledJob>> {
        self.enter().await;
        self.inner.list_scheduled_jobs(tenant, integration).await
    }

    async fn claim_due_jobs(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Lease>> {
        self.enter().await;
        self.inner
            .claim_due_jobs(holder, now, expires_at, limit)
            .await
    }

    async fn renew_lease(&self, lease: &Lease, expires_at: DateTime<Utc>) -> StoreResult<bool> {
        self.renewal().await?;
        self.inner.renew_lease(lease, expires_at).await
    }

    async fn release_lease(&self, lease: &Lease, next_due_at: DateTime<Utc>) -> StoreResult<bool> {
        self.enter().await;
        self.inner.release_lease(lease, next_due_at).await
    }
    fn fenced(&self, fence: Fence) -> Arc<dyn Store> {
        Arc::new(FaultyStore {
            inner: self.inner.fenced(fence),
            faults: Arc::clone(&self.faults),
        })
    }
}

#[async_trait]
impl<S: Store + ?Sized> QuarantineStore for FaultyStore<S> {
    async fn quarantine_record(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        entry: QuarantineEntry,
        backoff: RetryBackoff,
        now: DateTime<Utc>,
    ) -> StoreResult<QuarantinedRecord> {
        self.write(
            "quarantine_record",
            self.inner
                .quarantine_record(tenant, integration, entry, backoff, now),
        )
        .await
    }

    async fn list_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        filter: QuarantineFilter,
        limit: i64,
    ) -> StoreResult<Vec<QuarantinedRecord>> {
        self.enter().await;
        self.inner
            .list_quarantined(tenant, integration, filter, limit)
            .await
    }

    async fn quarantined_ids(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Pipeline,
    ) -> StoreResult<Vec<String>> {
        self.enter().await;
        self.inner
            .quarantined_ids(tenant, integration, pipeline)
            .await
    }

    async fn count_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<u64> {
        self.enter().await;
        self.inner.count_quarantined(tenant, integration).await
    }

    async fn release_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Pipeline,
        record_ids: &[String],
    ) -> StoreResult<u64> {
        self.write(
            "release_quarantined",
            self.inner
                .release_quarantined(tenant, integration, pipeline, record_ids),
        )
        .await
    }

    async fn requeue_quarantined(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        pipeline: Option<Pipeline>,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        self.write(
            "requeue_quarantined",
            self.inner
                .requeue_quarantined(tenant, integration, pipeline, now),
        )
        .await
    }
}

#[async_trait]
impl<S: Store + ?Sized> WebhookStore for FaultyStore<S> {
    async fn locate_integration(
        &self,
        integration: IntegrationId,
    ) -> StoreResult<Option<TenantId>> {
        self.enter().await;
        self.inner.locate_integration(integration).await
    }

    async fn record_delivery(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        delivery_id: &str,
        received_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.write(
            "record_delivery",
            self.inner
                .record_delivery(tenant, integration, delivery_id, received_at),
        )
        .await
    }
}

#[async_trait]
impl<S: Store + ?Sized> UsageStore for FaultyStore<S> {
    async fn record_usage(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        counts: &[UsageCount],
    ) -> StoreResult<()> {
        self.write(
            "record_usage",
            self.inner.record_usage(tenant, integration, counts),
        )
        .await
    }

    async fn list_usage(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        since: chrono::NaiveDate,
    ) -> StoreResult<Vec<UsageCount>> {
        self.enter().await;
        self.inner.list_usage(tenant, integration, since).await
    }
}

#[async_trait]
impl<S: Store + ?Sized> RequestBudgetStore for FaultyStore<S> {
    async fn take_request_slot(
        &self,
        tenant: TenantId,
        account: &str,
        limit: BudgetLimit,
        now: DateTime<Utc>,
    ) -> StoreResult<SlotRequest> {
        self.write(
            "take_request_slot",
            self.inner.take_request_slot(tenant, account, limit, now),
        )
        .await
    }

    async fn finish_request_slot(
        &self,
        tenant: TenantId,
        account: &str,
        slot: BudgetSlot,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(
            "finish_request_slot",
            self.inner.finish_request_slot(tenant, account, slot, at),
        )
        .await
    }

    async fn pause_requests(
        &self,
        tenant: TenantId,
        account: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write(
            "pause_requests",
            self.inner.pause_requests(tenant, account, until),
        )
        .await
    }
}
