use super::StoreResult;
use crate::{BoardId, CategoryId, ClientId, PriorityId, StatusId, TenantId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// A PSA client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    /// Id.
    pub id: ClientId,
    /// Display name.
    pub name: String,
    /// Inactive clients are not auto-matched.
    pub is_inactive: bool,
}

/// A ticket board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    /// Id.
    pub id: BoardId,
    /// Name.
    pub name: String,
    /// The tenant's default board.
    pub is_default: bool,
}

/// A ticket status of one board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Id.
    pub id: StatusId,
    /// Board it belongs to.
    pub board_id: BoardId,
    /// Name.
    pub name: String,
    /// New tickets on the board get this status.
    pub is_default: bool,
    /// Tickets in this status are closed.
    pub is_closed: bool,
}

/// A ticket priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priority {
    /// Id.
    pub id: PriorityId,
    /// Name, e.g. `Critical`.
    pub name: String,
    /// Sort order, most urgent first.
    pub order_number: i32,
}

/// A ticket category; a subcategory has a parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Id.
    pub id: CategoryId,
    /// Name.
    pub name: String,
    /// Parent category of a subcategory.
    pub parent: Option<CategoryId>,
    /// Board the category belongs to, if any.
    pub board_id: Option<BoardId>,
}

/// A status to create on a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStatus {
    /// Name.
    pub name: String,
    /// New tickets on the board get this status (one per board).
    pub is_default: bool,
    /// Tickets in this status are closed.
    pub is_closed: bool,
    /// Sort order on the board.
    pub order_number: i32,
}

impl NewStatus {
    /// An open status.
    pub fn open(name: impl Into<String>, order_number: i32) -> Self {
        Self {
            name: name.into(),
            is_default: false,
            is_closed: false,
            order_number,
        }
    }

    /// A closed status.
    pub fn closed(name: impl Into<String>, order_number: i32) -> Self {
        Self {
            is_closed: true,
            ..Self::open(name, order_number)
        }
    }

    /// The same status, given to new tickets on its board.
    pub fn default_for_new(self) -> Self {
        Self {
            is_default: true,
            ..self
        }
    }
}

/// Reads and creates the PSA core tables a tenant routes tickets with.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Creates a client.
    async fn create_client(&self, tenant: TenantId, name: &str) -> StoreResult<Client>;
    /// The tenant's clients, by name.
    async fn list_clients(&self, tenant: TenantId) -> StoreResult<Vec<Client>>;
    /// The tenant's boards, by name.
    async fn list_boards(&self, tenant: TenantId) -> StoreResult<Vec<Board>>;
    /// Every status of the tenant's boards.
    async fn list_statuses(&self, tenant: TenantId) -> StoreResult<Vec<Status>>;
    /// The tenant's priorities, most urgent first.
    async fn list_priorities(&self, tenant: TenantId) -> StoreResult<Vec<Priority>>;
    /// Creates a board; `is_default` makes it the tenant's default (at most
    /// one: a second is a [`StoreError::Conflict`](super::StoreError::Conflict)).
    async fn create_board(
        &self,
        tenant: TenantId,
        name: &str,
        is_default: bool,
    ) -> StoreResult<Board>;
    /// Creates a status on one of the tenant's boards.
    async fn create_status(
        &self,
        tenant: TenantId,
        board: BoardId,
        status: NewStatus,
    ) -> StoreResult<Status>;
    /// Creates a priority.
    async fn create_priority(
        &self,
        tenant: TenantId,
        name: &str,
        order_number: i32,
    ) -> StoreResult<Priority>;
    /// Creates a category, or with `parent` a subcategory, optionally tied
    /// to a board.
    async fn create_category(
        &self,
        tenant: TenantId,
        name: &str,
        parent: Option<CategoryId>,
        board: Option<BoardId>,
    ) -> StoreResult<Category>;
    /// The tenant's categories and subcategories.
    async fn list_categories(&self, tenant: TenantId) -> StoreResult<Vec<Category>>;
}
