//! Row mapping shared by both backends: each backend reads its own column
//! types through [`RowExt`], and the entity mappers below are written once.

use crate::errors::corrupt;
use chrono::{DateTime, Utc};
use psa_ingest::ProviderId;
use psa_ingest::contracts::DeviceType;
use psa_ingest::ports::{
    Alert, Board, Category, Client, Comment, EntityMapping, Integration, JobName, KnownDevice,
    Lease, MappingDecision, Pipeline, Priority, QuarantinedRecord, RunKind, RunOutcome,
    ScheduledJob, ScopeMapping, ScopeSyncState, Status, StoreResult, SyncRun, SyncStatus, Ticket,
    WalkOutcome,
};
use uuid::Uuid;

/// Typed column access with one error type, implemented per backend
/// (PostgreSQL has native uuid/timestamptz/jsonb; SQLite stores text).
pub(crate) trait RowExt {
    /// A non-null uuid.
    fn uuid(&self, col: &str) -> StoreResult<Uuid>;
    /// A nullable uuid.
    fn opt_uuid(&self, col: &str) -> StoreResult<Option<Uuid>>;
    /// A non-null text.
    fn text(&self, col: &str) -> StoreResult<String>;
    /// A nullable text.
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    /// A boolean.
    fn boolean(&self, col: &str) -> StoreResult<bool>;
    /// A 32-bit integer.
    fn int32(&self, col: &str) -> StoreResult<i32>;
    /// A 64-bit integer.
    fn int64(&self, col: &str) -> StoreResult<i64>;
    /// A non-null timestamp.
    fn time(&self, col: &str) -> StoreResult<DateTime<Utc>>;
    /// A nullable timestamp.
    fn opt_time(&self, col: &str) -> StoreResult<Option<DateTime<Utc>>>;
    /// A JSON document.
    fn json(&self, col: &str) -> StoreResult<serde_json::Value>;
    /// Bytes.
    fn bytes(&self, col: &str) -> StoreResult<Vec<u8>>;
}

fn provider(value: String) -> StoreResult<ProviderId> {
    ProviderId::new(value).map_err(|err| corrupt(format!("provider: {err}")))
}

pub(crate) fn integration<R: RowExt>(row: &R) -> StoreResult<Integration> {
    let status = row.text("sync_status")?;
    Ok(Integration {
        tenant: row.uuid("tenant")?.into(),
        id: row.uuid("integration_id")?.into(),
        provider: provider(row.text("provider")?)?,
        instance_url: row.opt_text("instance_url")?,
        is_active: row.boolean("is_active")?,
        connected_at: row.opt_time("connected_at")?,
        sync_status: SyncStatus::parse(&status)
            .ok_or_else(|| corrupt(format!("sync_status {status:?}")))?,
        sync_error: row.opt_text("sync_error")?,
        last_sync_at: row.opt_time("last_sync_at")?,
        last_full_sync_at: row.opt_time("last_full_sync_at")?,
        last_incremental_sync_at: row.opt_time("last_incremental_sync_at")?,
        settings: row.json("settings")?,
        settings_version: row.int64("settings_version")?,
    })
}

pub(crate) fn client<R: RowExt>(row: &R) -> StoreResult<Client> {
    Ok(Client {
        id: row.uuid("client_id")?.into(),
        name: row.text("client_name")?,
        is_inactive: row.boolean("is_inactive")?,
    })
}

pub(crate) fn board<R: RowExt>(row: &R) -> StoreResult<Board> {
    Ok(Board {
        id: row.uuid("board_id")?.into(),
        name: row.text("board_name")?,
        is_default: row.boolean("is_default")?,
    })
}

pub(crate) fn status<R: RowExt>(row: &R) -> StoreResult<Status> {
    Ok(Status {
        id: row.uuid("status_id")?.into(),
        board_id: row.uuid("board_id")?.into(),
        name: row.text("name")?,
        is_default: row.boolean("is_default")?,
        is_closed: row.boolean("is_closed")?,
    })
}

pub(crate) fn priority<R: RowExt>(row: &R) -> StoreResult<Priority> {
    Ok(Priority {
        id: row.uuid("priority_id")?.into(),
        name: row.text("priority_name")?,
        order_number: row.int32("order_number")?,
    })
}

pub(crate) fn category<R: RowExt>(row: &R) -> StoreResult<Category> {
    Ok(Category {
        id: row.uuid("category_id")?.into(),
        name: row.text("category_name")?,
        parent: row.opt_uuid("parent_category")?.map(Into::into),
        board_id: row.opt_uuid("board_id")?.map(Into::into),
    })
}

pub(crate) fn scope_mapping<R: RowExt>(row: &R) -> StoreResult<ScopeMapping> {
    Ok(ScopeMapping {
        integration_id: row.uuid("integration_id")?.into(),
        external_id: row.text("external_organization_id")?,
        name: row.text("name")?,
        client_id: row.opt_uuid("client_id")?.map(Into::into),
        auto_sync_assets: row.boolean("auto_sync_assets")?,
        auto_create_tickets: row.boolean("auto_create_tickets")?,
        decided_by: {
            let value = row.text("decided_by")?;
            MappingDecision::parse(&value)
                .ok_or_else(|| corrupt(format!("scope mapping decided_by: {value}")))?
        },
        device_sync: ScopeSyncState {
            mapped_at: row.opt_time("mapped_at")?,
            full_walk_at: row.opt_time("full_walk_at")?,
            watermark: row.opt_time("device_watermark")?,
            last_outcome: match row.opt_text("last_walk_outcome")? {
                None => None,
                Some(value) => Some(
                    WalkOutcome::parse(&value)
                        .ok_or_else(|| corrupt(format!("scope walk outcome: {value}")))?,
                ),
            },
            last_error: row.opt_text("last_walk_error")?,
        },
        metadata: row.json("metadata")?,
    })
}

pub(crate) fn ticket<R: RowExt>(row: &R) -> StoreResult<Ticket> {
    Ok(Ticket {
        id: row.uuid("ticket_id")?.into(),
        ticket_number: row.int64("ticket_number")?,
        title: row.text("title")?,
        description: row.text("description")?,
        client_id: row.uuid("client_id")?.into(),
        board_id: row.uuid("board_id")?.into(),
        status_id: row.uuid("status_id")?.into(),
        priority_id: row.opt_uuid("priority_id")?.map(Into::into),
        category_id: row.opt_uuid("category_id")?.map(Into::into),
        subcategory_id: row.opt_uuid("subcategory_id")?.map(Into::into),
        source: row.opt_text("source")?,
        source_reference: row.opt_text("source_reference")?,
        attributes: row.json("attributes")?,
        entered_at: row.time("entered_at")?,
        updated_at: row.time("updated_at")?,
        closed_at: row.opt_time("closed_at")?,
    })
}

pub(crate) fn comment<R: RowExt>(row: &R) -> StoreResult<Comment> {
    Ok(Comment {
        ticket_id: row.uuid("ticket_id")?.into(),
        note: row.text("note")?,
        is_internal: row.boolean("is_internal")?,
        is_system_generated: row.boolean("is_system_generated")?,
        created_at: row.time("created_at")?,
    })
}

pub(crate) fn alert<R: RowExt>(row: &R) -> StoreResult<Alert> {
    Ok(Alert {
        id: row.uuid("alert_id")?.into(),
        integration_id: row.uuid("integration_id")?.into(),
        external_alert_id: row.text("external_alert_id")?,
        severity: row.text("severity")?,
        status: row.text("status")?,
        message: row.text("message")?,
        device_name: row.opt_text("device_name")?,
        external_device_id: row.opt_text("external_device_id")?,
        asset_id: row.opt_uuid("asset_id")?.map(Into::into),
        ticket_id: row.opt_uuid("ticket_id")?.map(Into::into),
        triggered_at: row.opt_time("triggered_at")?,
        processing_error: row.opt_text("processing_error")?,
        metadata: row.json("metadata")?,
    })
}

pub(crate) fn entity_mapping<R: RowExt>(row: &R) -> StoreResult<EntityMapping> {
    Ok(EntityMapping {
        integration_type: row.text("integration_type")?,
        alga_entity_type: row.text("alga_entity_type")?,
        alga_entity_id: row.uuid("alga_entity_id")?,
        external_entity_id: row.text("external_entity_id")?,
        external_realm_id: row.text("external_realm_id")?,
        sync_status: row.text("sync_status")?,
        last_synced_at: row.opt_time("last_synced_at")?,
        metadata: row.json("metadata")?,
    })
}

pub(crate) fn sync_run<R: RowExt>(row: &R) -> StoreResult<SyncRun> {
    let outcome = row.text("outcome")?;
    Ok(SyncRun {
        id: row.uuid("run_id")?.into(),
        integration_id: row.uuid("integration_id")?.into(),
        kind: RunKind::parse(&row.text("kind")?),
        started_at: row.time("started_at")?,
        finished_at: row.opt_time("finished_at")?,
        outcome: RunOutcome::parse(&outcome)
            .ok_or_else(|| corrupt(format!("outcome {outcome:?}")))?,
        counts: row.json("counts")?,
        requests_made: row.int64("requests_made")?,
        error: row.opt_text("error")?,
    })
}

pub(crate) fn scheduled_job<R: RowExt>(row: &R) -> StoreResult<ScheduledJob> {
    Ok(ScheduledJob {
        tenant: row.uuid("tenant")?.into(),
        integration: row.uuid("integration_id")?.into(),
        job: JobName::parse(&row.text("job")?),
        next_due_at: row.time("next_due_at")?,
        lease_holder: row.opt_text("lease_holder")?,
        lease_expires_at: row.opt_time("lease_expires_at")?,
    })
}

/// A claimed `sync_schedules` row joined with its integration's provider.
pub(crate) fn lease<R: RowExt>(row: &R) -> StoreResult<Lease> {
    let missing = |col: &str| corrupt(format!("claimed job without {col}"));
    Ok(Lease {
        tenant: row.uuid("tenant")?.into(),
        integration: row.uuid("integration_id")?.into(),
        provider: provider(row.text("provider")?)?,
        job: JobName::parse(&row.text("job")?),
        due_at: row.time("next_due_at")?,
        holder: row
            .opt_text("lease_holder")?
            .ok_or_else(|| missing("lease_holder"))?,
        token: row
            .opt_uuid("lease_token")?
            .ok_or_else(|| missing("lease_token"))?,
        expires_at: row
            .opt_time("lease_expires_at")?
            .ok_or_else(|| missing("lease_expires_at"))?,
        taken_over_from: row.opt_text("lease_taken_from")?,
    })
}

pub(crate) fn known_device<R: RowExt>(row: &R) -> StoreResult<KnownDevice> {
    Ok(KnownDevice {
        external_id: row.text("external_id")?,
        asset_id: row.uuid("asset_id")?.into(),
        client_id: row.uuid("client_id")?.into(),
        device_type: DeviceType::parse(&row.text("asset_type")?),
        content_hash: row.opt_text("content_hash")?,
        retired: row.boolean("retired")?,
        scope_id: row.opt_text("scope_id")?,
    })
}

pub(crate) fn quarantined_record<R: RowExt>(row: &R) -> StoreResult<QuarantinedRecord> {
    let pipeline = row.text("pipeline")?;
    Ok(QuarantinedRecord {
        integration_id: row.uuid("integration_id")?.into(),
        pipeline: Pipeline::parse(&pipeline)
            .ok_or_else(|| corrupt(format!("pipeline {pipeline:?}")))?,
        record_id: row.text("record_id")?,
        payload: row.json("payload")?,
        error: row.text("error")?,
        attempts: row.int32("attempts")?.unsigned_abs(),
        first_failed_at: row.time("first_failed_at")?,
        last_failed_at: row.time("last_failed_at")?,
        next_retry_at: row.time("next_retry_at")?,
    })
}

/// Maps every row, stopping at the first unreadable one.
pub(crate) fn all<R: RowExt, T>(
    rows: &[R],
    map: impl Fn(&R) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    rows.iter().map(map).collect()
}
