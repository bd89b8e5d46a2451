use super::StoreResult;
use super::tickets::{NewComment, NewTicket};
use crate::{AlertId, AssetId, IntegrationId, StatusId, TenantId, TicketId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An alert (`rmm_alerts`): one per external incident per integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Id.
    pub id: AlertId,
    /// Integration.
    pub integration_id: IntegrationId,
    /// The provider's incident id; unique per integration.
    pub external_alert_id: String,
    /// Severity.
    pub severity: String,
    /// Status.
    pub status: String,
    /// Message (subject).
    pub message: String,
    /// Affected device name.
    pub device_name: Option<String>,
    /// Affected device's provider id.
    pub external_device_id: Option<String>,
    /// Linked asset.
    pub asset_id: Option<AssetId>,
    /// Ticket made for it.
    pub ticket_id: Option<TicketId>,
    /// When the provider raised it.
    pub triggered_at: Option<DateTime<Utc>>,
    /// Why its last processing failed.
    pub processing_error: Option<String>,
    /// Free-form metadata (the engine keeps a fingerprint here).
    pub metadata: serde_json::Value,
}

/// The fields of an alert that a poll writes.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertUpsert {
    /// The provider's incident id.
    pub external_alert_id: String,
    /// Severity.
    pub severity: String,
    /// Status.
    pub status: String,
    /// Message (subject).
    pub message: String,
    /// Affected device name.
    pub device_name: Option<String>,
    /// Affected device's provider id.
    pub external_device_id: Option<String>,
    /// When the provider raised it.
    pub triggered_at: Option<DateTime<Utc>>,
    /// Metadata, replacing the stored one.
    pub metadata: serde_json::Value,
}

/// The alert after an upsert, and what it was before.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertUpserted {
    /// The stored alert now.
    pub alert: Alert,
    /// The alert before this upsert; `None` when it is new.
    pub previous: Option<Alert>,
}

/// A ticket made for an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertTicket {
    /// The ticket.
    pub ticket_id: TicketId,
    /// False when another writer had already made it (nothing was created).
    pub created: bool,
}

/// What [`AlertStore::update_alert_ticket`] writes.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertTicketUpdate {
    /// The alert's ticket.
    pub ticket: TicketId,
    /// A status to move the ticket to (a closed one closes it).
    pub status: Option<StatusId>,
    /// A note to add.
    pub note: Option<NewComment>,
    /// The alert's new state.
    pub alert: AlertUpsert,
}

/// Alerts and their tickets.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// Inserts or updates the alert of `(integration, external_alert_id)`;
    /// keeps `ticket_id` and `asset_id`; clears `processing_error`.
    async fn upsert_alert(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        alert: AlertUpsert,
    ) -> StoreResult<AlertUpserted>;

    /// One alert by external id, or `None`.
    async fn get_alert(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_alert_id: &str,
    ) -> StoreResult<Option<Alert>>;

    /// Creates the alert's ticket (with its first comments) and sets the
    /// alert's `ticket_id` in one transaction. When the alert already has a
    /// ticket, or a racing writer made one, returns it with `created: false`.
    async fn create_alert_ticket(
        &self,
        tenant: TenantId,
        alert: AlertId,
        ticket: NewTicket,
        comments: &[NewComment],
    ) -> StoreResult<AlertTicket>;

    /// Brings the alert's ticket up to date in one transaction: the status
    /// change and the note, if any, then the alert's new state. A failure
    /// leaves none of them, so the retry neither repeats the note nor
    /// loses it.
    async fn update_alert_ticket(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        update: AlertTicketUpdate,
    ) -> StoreResult<AlertUpserted>;

    /// Records (or with `None` clears) why processing the alert failed.
    async fn set_alert_error(
        &self,
        tenant: TenantId,
        alert: AlertId,
        error: Option<String>,
    ) -> StoreResult<()>;

    /// Links the alert to an asset.
    async fn set_alert_asset(
        &self,
        tenant: TenantId,
        alert: AlertId,
        asset: AssetId,
    ) -> StoreResult<()>;
}
