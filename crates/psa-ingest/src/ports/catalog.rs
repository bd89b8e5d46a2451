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

/// Reads (and creates clients in) the PSA core tables.
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
    /// The tenant's categories and subcategories.
    async fn list_categories(&self, tenant: TenantId) -> StoreResult<Vec<Category>>;
}
