//! What a webhook receiver needs from the store: which tenant an
//! integration id in a URL belongs to, and whether a delivery was seen.

use super::StoreResult;
use crate::{IntegrationId, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};

/// How long a delivery id is remembered: longer than a sender retries one
/// delivery (Svix: about five days).
pub const DELIVERY_MEMORY: TimeDelta = TimeDelta::days(7);

/// Webhook deliveries.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// The tenant of an integration, by its id alone (a webhook URL names
    /// only the integration). `None` when there is no such integration.
    async fn locate_integration(&self, integration: IntegrationId)
    -> StoreResult<Option<TenantId>>;

    /// Records a delivery by the sender's id; true the first time, false
    /// for a replay. Forgets the integration's deliveries older than
    /// [`DELIVERY_MEMORY`].
    async fn record_delivery(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        delivery_id: &str,
        received_at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
