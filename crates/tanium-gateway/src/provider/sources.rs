//! The Tanium scope and device sources.

use crate::AssetApiClient;
use crate::models::AssetPage;
use crate::models::{Endpoint, WalkPage};
use crate::normalize::Normalizer;
use crate::{EndpointQuery, GatewayClient, GatewayError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt};
use psa_ingest::contracts::{ExternalIdChange, NormalizedDevice, NormalizedScope};
use psa_ingest::sources::{
    AgentStatusRule, DeviceSource, ScopeSource, SourceError, SourceStream, UnscopedFallback,
};
use std::sync::Arc;

/// Where "now" comes from, to judge endpoints online or offline.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Tanium computer groups as scopes of kind `group`.
#[derive(Debug, Clone)]
pub struct TaniumScopeSource {
    gateway: GatewayClient,
    normalizer: Normalizer,
}

impl TaniumScopeSource {
    /// A scope source over a Gateway client.
    pub fn new(gateway: GatewayClient, normalizer: Normalizer) -> Self {
        Self {
            gateway,
            normalizer,
        }
    }
}

#[async_trait]
impl ScopeSource for TaniumScopeSource {
    fn scopes(&self) -> SourceStream<'_, NormalizedScope> {
        self.gateway
            .computer_groups()
            .map(|group| {
                group
                    .map(|g| self.normalizer.scope(&g))
                    .map_err(SourceError::from)
            })
            .boxed()
    }
}

/// Tanium endpoints as devices, one Gateway page at a time.
pub struct TaniumDeviceSource {
    gateway: GatewayClient,
    asset_api: Option<AssetApiClient>,
    normalizer: Normalizer,
    page_size: u32,
    clock: Clock,
}

impl std::fmt::Debug for TaniumDeviceSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaniumDeviceSource")
            .field("gateway", &self.gateway.url().as_str())
            .field(
                "asset_api_fallback",
                &self.asset_api.as_ref().map(|a| a.url().as_str()),
            )
            .field("normalizer", &self.normalizer)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl TaniumDeviceSource {
    /// A device source over a Gateway client, with `page_size` endpoints per
    /// page and the system clock.
    pub fn new(gateway: GatewayClient, normalizer: Normalizer, page_size: u32) -> Self {
        Self {
            gateway,
            asset_api: None,
            normalizer,
            page_size: page_size.max(1),
            clock: Arc::new(Utc::now),
        }
    }

    /// Reads a group that has no Gateway endpoints from the Asset API.
    ///
    /// The Asset API cannot be filtered by computer group: such a group gets
    /// every Asset API row (external ids `asset:<id>`). The engine therefore
    /// refuses to sync with the fallback on while more than one group is
    /// mapped.
    pub fn with_asset_api_fallback(mut self, asset_api: AssetApiClient) -> Self {
        self.asset_api = Some(asset_api);
        self
    }

    /// Uses `clock` for "now" when judging agent status.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    fn endpoint_pages<'a>(
        &'a self,
        scope_id: &'a str,
        pages: BoxStream<'a, Result<WalkPage<Endpoint>, GatewayError>>,
        fallback: bool,
    ) -> SourceStream<'a, Vec<NormalizedDevice>> {
        enum Phase<'a> {
            Gateway {
                pages: BoxStream<'a, Result<WalkPage<Endpoint>, GatewayError>>,
                any: bool,
            },
            Assets(BoxStream<'a, Result<AssetPage, GatewayError>>),
            Done,
        }
        let start = Phase::Gateway { pages, any: false };
        stream::unfold(start, move |mut phase| async move {
            loop {
                match phase {
                    Phase::Gateway { mut pages, any } => match pages.next().await {
                        Some(Ok(page)) => {
                            let now = (self.clock)();
                            let devices = page
                                .items
                                .iter()
                                .map(|e| self.normalizer.device(e, scope_id, now))
                                .collect();
                            return Some((Ok(devices), Phase::Gateway { pages, any: true }));
                        }
                        Some(Err(error)) => return Some((Err(error.into()), Phase::Done)),
                        None => match self.asset_api.as_ref().filter(|_| fallback && !any) {
                            Some(asset_api) => {
                                tracing::info!(
                                    scope_id,
                                    "no Gateway endpoints in the group; reading the Asset API"
                                );
                                phase = Phase::Assets(asset_api.assets(self.page_size));
                            }
                            None => return None,
                        },
                    },
                    Phase::Assets(mut pages) => match pages.next().await {
                        Some(Ok(page)) if page.assets.is_empty() => phase = Phase::Assets(pages),
                        Some(Ok(page)) => {
                            let devices = page
                                .assets
                                .iter()
                                .map(|r| self.normalizer.asset_device(r, scope_id))
                                .collect();
                            return Some((Ok(devices), Phase::Assets(pages)));
                        }
                        Some(Err(error)) => return Some((Err(error.into()), Phase::Done)),
                        None => return None,
                    },
                    Phase::Done => return None,
                }
            }
        })
        .boxed()
    }
}

#[async_trait]
impl DeviceSource for TaniumDeviceSource {
    fn devices<'a>(&'a self, scope_id: &'a str) -> SourceStream<'a, Vec<NormalizedDevice>> {
        let query = EndpointQuery::in_group(scope_id).page_size(self.page_size);
        self.endpoint_pages(scope_id, self.gateway.endpoints(query), true)
    }

    fn devices_changed_since<'a>(
        &'a self,
        scope_id: &'a str,
        since: DateTime<Utc>,
    ) -> SourceStream<'a, Vec<NormalizedDevice>> {
        let query = EndpointQuery::in_group(scope_id)
            .changed_after(since)
            .page_size(self.page_size);
        self.endpoint_pages(scope_id, self.gateway.endpoints(query), false)
    }

    fn agent_status_rule(&self) -> Option<AgentStatusRule> {
        // Tanium has no online flag: status is last-seen against the threshold.
        Some(AgentStatusRule {
            online_within: self.normalizer.online_threshold(),
            now: (self.clock)(),
        })
    }

    fn unscoped_fallback(&self) -> Option<UnscopedFallback> {
        self.asset_api.as_ref().map(|_| UnscopedFallback {
            setting: "asset_api_fallback".to_owned(),
            what: "The Asset API, whose rows carry no computer group,".to_owned(),
        })
    }

    async fn id_changes(&self, since: DateTime<Utc>) -> Result<Vec<ExternalIdChange>, SourceError> {
        let changes = self.gateway.endpoint_id_changes(since).await?;
        Ok(changes
            .changes
            .into_iter()
            .map(|c| ExternalIdChange {
                old_id: c.old_id,
                new_id: c.new_id,
            })
            .collect())
    }
}
