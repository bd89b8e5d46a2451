use super::StoreResult;
use crate::{AssetId, BoardId, CategoryId, ClientId, PriorityId, StatusId, TenantId, TicketId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A ticket to create. The number is assigned by the store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    /// Title.
    pub title: String,
    /// Markdown body.
    pub description: String,
    /// Client.
    pub client_id: ClientId,
    /// Board.
    pub board_id: BoardId,
    /// Status; `None` takes the board's default status.
    pub status_id: Option<StatusId>,
    /// Priority.
    pub priority_id: Option<PriorityId>,
    /// Category.
    pub category_id: Option<CategoryId>,
    /// Subcategory.
    pub subcategory_id: Option<CategoryId>,
    /// Origin, e.g. `huntress`.
    pub source: Option<String>,
    /// The origin's id (e.g. the incident id). Not unique: two integrations of
    /// one provider may report the same id; alert rows keep one ticket per
    /// incident per integration.
    pub source_reference: Option<String>,
    /// Extra attributes.
    pub attributes: serde_json::Value,
}

/// A ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Id.
    pub id: TicketId,
    /// Per-tenant number, gapless and unique.
    pub ticket_number: i64,
    /// Title.
    pub title: String,
    /// Markdown body.
    pub description: String,
    /// Client.
    pub client_id: ClientId,
    /// Board.
    pub board_id: BoardId,
    /// Status.
    pub status_id: StatusId,
    /// Priority.
    pub priority_id: Option<PriorityId>,
    /// Category.
    pub category_id: Option<CategoryId>,
    /// Subcategory.
    pub subcategory_id: Option<CategoryId>,
    /// Origin.
    pub source: Option<String>,
    /// The origin's id.
    pub source_reference: Option<String>,
    /// Extra attributes.
    pub attributes: serde_json::Value,
    /// Created.
    pub entered_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Closed, when in a closed status.
    pub closed_at: Option<DateTime<Utc>>,
}

/// A comment to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    /// Markdown text.
    pub note: String,
    /// Hidden from the client.
    pub is_internal: bool,
    /// Written by the system, not a person.
    pub is_system_generated: bool,
}

/// A ticket comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Ticket.
    pub ticket_id: TicketId,
    /// Markdown text.
    pub note: String,
    /// Hidden from the client.
    pub is_internal: bool,
    /// Written by the system.
    pub is_system_generated: bool,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Tickets, comments and asset associations.
#[async_trait]
pub trait TicketStore: Send + Sync {
    /// Creates a ticket with its first comments in one transaction, taking the
    /// next number from the tenant's counter.
    async fn create_ticket(
        &self,
        tenant: TenantId,
        ticket: NewTicket,
        comments: &[NewComment],
    ) -> StoreResult<Ticket>;

    /// One ticket, or `None`.
    async fn get_ticket(&self, tenant: TenantId, id: TicketId) -> StoreResult<Option<Ticket>>;

    /// The tenant's tickets, by number.
    async fn list_tickets(&self, tenant: TenantId) -> StoreResult<Vec<Ticket>>;

    /// Adds a comment.
    async fn add_comment(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        comment: NewComment,
    ) -> StoreResult<()>;

    /// A ticket's comments, oldest first.
    async fn list_comments(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<Comment>>;

    /// Moves a ticket to a status; a closed status sets `closed_at`, an open
    /// one clears it.
    async fn set_ticket_status(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        status: StatusId,
    ) -> StoreResult<()>;

    /// Links an asset to a ticket (`asset_associations`); linking twice is a no-op.
    async fn associate_asset(
        &self,
        tenant: TenantId,
        ticket: TicketId,
        asset: AssetId,
    ) -> StoreResult<()>;

    /// Assets linked to a ticket.
    async fn ticket_assets(&self, tenant: TenantId, ticket: TicketId) -> StoreResult<Vec<AssetId>>;
}
