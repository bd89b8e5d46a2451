//! The account's request budget shared with every other process that calls
//! it, kept in the store: a slot is taken before each request and finished
//! when its answer is read, and a 429 pauses the account for everyone. The
//! in-process limiter still runs first, so the store sees only requests
//! this process would send anyway.

use super::rate_limit::RateLimit;
use crate::HuntressError;
use chrono::{TimeDelta, Utc};
use psa_ingest::TenantId;
use psa_ingest::ports::{BudgetLimit, BudgetSlot, RequestBudgetStore, SlotRequest};
use std::sync::Arc;
use std::time::Duration;

/// How long a 429 without `Retry-After` pauses the account (public clients
/// wait 10 s to 60 s).
const PAUSE_WITHOUT_RETRY_AFTER: Duration = Duration::from_secs(10);

/// A budget named to a builder, before the client's limit is known.
pub(crate) struct Pending {
    pub(crate) store: Arc<dyn RequestBudgetStore>,
    pub(crate) tenant: TenantId,
    pub(crate) account: String,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedBudget")
            .field("tenant", &self.tenant)
            .finish_non_exhaustive()
    }
}

/// The budget of one account of one tenant.
#[derive(Clone)]
pub(crate) struct SharedBudget {
    store: Arc<dyn RequestBudgetStore>,
    tenant: TenantId,
    account: String,
    limit: BudgetLimit,
}

impl SharedBudget {
    pub(crate) fn new(
        store: Arc<dyn RequestBudgetStore>,
        tenant: TenantId,
        account: String,
        limit: RateLimit,
    ) -> Self {
        Self {
            store,
            tenant,
            account,
            limit: BudgetLimit {
                max_requests: limit.max_requests,
                window: TimeDelta::from_std(limit.window).unwrap_or(TimeDelta::MAX),
            },
        }
    }

    /// Waits until the shared window has room, and takes a slot.
    pub(crate) async fn take(&self) -> Result<BudgetSlot, HuntressError> {
        loop {
            let now = Utc::now();
            match self
                .store
                .take_request_slot(self.tenant, &self.account, self.limit, now)
                .await
            {
                Ok(SlotRequest::Taken(slot)) => return Ok(slot),
                Ok(SlotRequest::FullUntil(until)) => {
                    let wait = (until - now).to_std().unwrap_or_default();
                    // A little past the edge, so the next ask finds room.
                    tokio::time::sleep(wait + Duration::from_millis(5)).await;
                }
                Err(error) => return Err(HuntressError::Budget(error.to_string())),
            }
        }
    }

    /// The slot's answer was read: its window starts now. A failure only
    /// costs throughput (the slot counts until it expires), so it is logged.
    pub(crate) async fn finish(&self, slot: BudgetSlot) {
        if let Err(error) = self
            .store
            .finish_request_slot(self.tenant, &self.account, slot, Utc::now())
            .await
        {
            tracing::warn!(%error, "could not finish a shared request slot");
        }
    }

    /// After a 429: nobody calls the account before `retry_after` passes.
    pub(crate) async fn pause(&self, retry_after: Option<Duration>) {
        let wait = retry_after.unwrap_or(PAUSE_WITHOUT_RETRY_AFTER);
        let until = Utc::now() + TimeDelta::from_std(wait).unwrap_or(TimeDelta::minutes(5));
        if let Err(error) = self
            .store
            .pause_requests(self.tenant, &self.account, until)
            .await
        {
            tracing::warn!(%error, "could not pause the shared request budget");
        }
    }
}
