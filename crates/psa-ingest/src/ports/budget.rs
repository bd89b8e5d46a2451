//! Request budgets shared by every process that calls one vendor account:
//! a sliding window of request slots kept in the store, so workers on
//! several machines stay under the account's limit together.

use super::StoreResult;
use crate::TenantId;
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

/// How long a slot whose answer never came (its process died) still counts
/// after its window: longer than any request may take.
pub const UNFINISHED_SLOT_GRACE: TimeDelta = TimeDelta::minutes(2);

/// A taken request slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BudgetSlot(pub uuid::Uuid);

/// What asking for a slot gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRequest {
    /// A request may start now; finish the slot when its answer is read.
    Taken(BudgetSlot),
    /// The window is full (or the account paused) until then: ask again.
    FullUntil(DateTime<Utc>),
}

/// The limit a budget keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetLimit {
    /// Requests per window.
    pub max_requests: u32,
    /// The window.
    pub window: TimeDelta,
}

/// Shared request budgets, by tenant and vendor account key.
#[async_trait]
pub trait RequestBudgetStore: Send + Sync {
    /// Takes a slot when fewer than `limit.max_requests` slots of the
    /// account count at `now`: a slot counts from its start until one
    /// window after its answer (or, unfinished, until one window and
    /// [`UNFINISHED_SLOT_GRACE`] after its start). Atomic across processes.
    async fn take_request_slot(
        &self,
        tenant: TenantId,
        account: &str,
        limit: BudgetLimit,
        now: DateTime<Utc>,
    ) -> StoreResult<SlotRequest>;

    /// The slot's answer was read at `at`: its window runs from then.
    async fn finish_request_slot(
        &self,
        tenant: TenantId,
        account: &str,
        slot: BudgetSlot,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// No slot of the account is handed out before `until` (after the
    /// vendor answered 429); an earlier pause is only ever extended.
    async fn pause_requests(
        &self,
        tenant: TenantId,
        account: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<()>;
}
