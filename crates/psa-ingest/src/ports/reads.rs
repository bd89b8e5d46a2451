//! The read side: assets, the tickets an integration created, and alerts,
//! as a person or a service lists them. Paged by offset, in a stable order.

use super::{Alert, StoreResult, Ticket};
use crate::contracts::DeviceType;
use crate::{AssetId, ClientId, IntegrationId, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One page of a listing: at most `limit` rows after the first `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Rows skipped.
    pub offset: u64,
    /// Rows returned at most (1 to [`PageRequest::MAX_LIMIT`]).
    pub limit: u32,
}

impl PageRequest {
    /// The largest page a store returns.
    pub const MAX_LIMIT: u32 = 1000;

    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Self { offset: 0, limit }
    }

    /// The page after this one.
    pub fn next(self) -> Self {
        Self {
            offset: self.offset + u64::from(self.limit),
            ..self
        }
    }
}

/// Every row of a paged listing, page after page of `page_size` (at most
/// [`PageRequest::MAX_LIMIT`]) until a short page: for tools and small
/// tenants; a screen should page itself.
///
/// ```no_run
/// # async fn demo(store: &dyn psa_ingest::ports::ReadStore, tenant: psa_ingest::TenantId)
/// # -> psa_ingest::ports::StoreResult<()> {
/// use psa_ingest::ports::{AssetFilter, all_pages};
/// let filter = AssetFilter::default();
/// let assets = all_pages(500, |page| store.list_assets(tenant, &filter, page)).await?;
/// # let _ = assets; Ok(()) }
/// ```
pub async fn all_pages<T, F, Fut>(page_size: u32, mut fetch: F) -> StoreResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = StoreResult<Vec<T>>>,
{
    let mut page = PageRequest::first(page_size.clamp(1, PageRequest::MAX_LIMIT));
    let mut rows = Vec::new();
    loop {
        let batch = fetch(page).await?;
        let short = batch.len() < page.limit as usize;
        rows.extend(batch);
        if short {
            return Ok(rows);
        }
        page = page.next();
    }
}

/// Which assets to list. The default lists every live asset of the tenant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetFilter {
    /// Only this client's.
    pub client: Option<ClientId>,
    /// Only those this integration synced.
    pub integration: Option<IntegrationId>,
    /// Also assets whose device was retired (status `inactive`).
    pub include_inactive: bool,
}

impl AssetFilter {
    /// One client's live assets.
    pub fn client(client: ClientId) -> Self {
        Self {
            client: Some(client),
            ..Self::default()
        }
    }

    /// The live assets one integration synced.
    pub fn integration(integration: IntegrationId) -> Self {
        Self {
            integration: Some(integration),
            ..Self::default()
        }
    }
}

/// An asset as a list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetSummary {
    /// Id.
    pub id: AssetId,
    /// Name (the device's host name).
    pub name: String,
    /// Client it belongs to.
    pub client_id: ClientId,
    /// That client's name.
    pub client_name: String,
    /// Workstation, server, ...
    pub asset_type: DeviceType,
    /// `false` once its device was retired.
    pub is_active: bool,
    /// `online`, `offline` or `unknown`, as last computed.
    pub agent_status: Option<String>,
    /// Serial number.
    pub serial_number: Option<String>,
    /// When the RMM last saw the device.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// The provider that synced it (`tanium`, ...).
    pub rmm_provider: Option<String>,
    /// The provider's device id.
    pub rmm_device_id: Option<String>,
}

/// A ticket an integration created, with the alert it came from and the
/// assets linked to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrationTicket {
    /// The ticket.
    pub ticket: Ticket,
    /// The alert (incident) it was made from.
    pub alert: Alert,
    /// Linked assets.
    pub assets: Vec<AssetId>,
}

/// Paged, filtered reads for screens and services.
#[async_trait]
pub trait ReadStore: Send + Sync {
    /// Assets by case-folded name, then id.
    async fn list_assets(
        &self,
        tenant: TenantId,
        filter: &AssetFilter,
        page: PageRequest,
    ) -> StoreResult<Vec<AssetSummary>>;
    /// The tickets the integration's alerts made, oldest first.
    async fn list_integration_tickets(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        page: PageRequest,
    ) -> StoreResult<Vec<IntegrationTicket>>;
    /// The integration's alerts, oldest first.
    async fn list_alerts(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        page: PageRequest,
    ) -> StoreResult<Vec<Alert>>;
}

#[cfg(test)]
mod page_tests {
    use super::*;

    #[tokio::test]
    async fn all_pages_reads_until_a_short_page_and_stops_on_an_error() {
        let rows: Vec<u64> = (0..5).collect();
        let mut asked = Vec::new();
        let all = all_pages(2, |page| {
            asked.push(page.offset);
            let start = page.offset as usize;
            let end = (start + page.limit as usize).min(rows.len());
            let batch = rows[start.min(end)..end].to_vec();
            async move { Ok(batch) }
        })
        .await
        .unwrap();
        assert_eq!(all, rows);
        assert_eq!(asked, [0, 2, 4]);

        let failed: StoreResult<Vec<u64>> = all_pages(2, |_| async {
            Err(super::super::StoreError::NotFound {
                entity: "asset",
                id: "x".into(),
            })
        })
        .await;
        assert!(failed.is_err());
    }
}
