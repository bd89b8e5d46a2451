//! Daily usage counts per scope: what each vendor counts for billing, for
//! reconciling against the PSA's clients.

use super::StoreResult;
use crate::{ClientId, IntegrationId, TenantId};
use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One count of one scope on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageCount {
    /// The day it was counted.
    pub day: NaiveDate,
    /// The scope's external id.
    pub scope: String,
    /// The scope's name that day.
    pub scope_name: String,
    /// The client the scope was mapped to that day.
    pub client_id: Option<ClientId>,
    /// What was counted: `agents`, `billable_identities`, `endpoints`, ...
    pub metric: String,
    /// How many.
    pub value: u64,
}

/// Usage snapshots.
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Records counts; a count of the same day, scope and metric recorded
    /// again replaces the earlier one (the day's snapshot is its latest).
    async fn record_usage(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        counts: &[UsageCount],
    ) -> StoreResult<()>;

    /// The integration's counts from `since` on, by day, scope and metric.
    async fn list_usage(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        since: NaiveDate,
    ) -> StoreResult<Vec<UsageCount>>;
}
