//! Organizations as scopes.

use crate::models::{OrganizationId, OrganizationSortField, SortDirection};
use crate::normalize::normalize_organization;
use crate::provider::skipped::SkippedRecords;
use crate::requests::{ListOrganizations, MAX_PAGE_SIZE};
use crate::{HuntressApi, HuntressError};
use futures::{StreamExt, future};
use psa_ingest::contracts::NormalizedScope;
use psa_ingest::sources::{ScopeSource, SourceError, SourceStream};
use std::sync::Arc;

/// Every Huntress organization as a [`NormalizedScope`] of kind
/// `Organization`, walked by id ascending, 500 per page.
///
/// An organization that cannot be decoded is skipped and kept in
/// [`skipped`](Self::skipped); any error ends the stream.
#[derive(Clone)]
pub struct HuntressScopeSource {
    api: Arc<dyn HuntressApi>,
    skipped: SkippedRecords,
}

impl HuntressScopeSource {
    /// A scope source over `api`.
    pub fn new(api: Arc<dyn HuntressApi>) -> Self {
        Self {
            api,
            skipped: SkippedRecords::new(),
        }
    }

    /// Keeps skipped records in `log` (shared with its other clones).
    pub fn with_skipped_log(mut self, log: SkippedRecords) -> Self {
        self.skipped = log;
        self
    }

    /// The organizations skipped because they could not be decoded.
    pub fn skipped(&self) -> &SkippedRecords {
        &self.skipped
    }
}

impl std::fmt::Debug for HuntressScopeSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HuntressScopeSource")
            .field("skipped", &self.skipped.total())
            .finish_non_exhaustive()
    }
}

impl ScopeSource for HuntressScopeSource {
    fn scopes(&self) -> SourceStream<'_, NormalizedScope> {
        let skipped = self.skipped.clone();
        ListOrganizations::new(self.api.as_ref())
            .sort(OrganizationSortField::Id, SortDirection::Asc)
            .limit(MAX_PAGE_SIZE)
            .into_stream()
            .filter_map(move |organization| {
                future::ready(match organization {
                    Ok(organization) => Some(Ok(normalize_organization(&organization))),
                    Err(HuntressError::Undecodable(record)) => {
                        skipped.record(*record);
                        None
                    }
                    Err(error) => Some(Err(SourceError::from(error))),
                })
            })
            .boxed()
    }
}

/// One organization as a scope (`GET /v1/organizations/{id}`), for an
/// incident or escalation whose organization is not mapped yet; an id that
/// is not a number is no organization.
pub(crate) async fn organization_scope(
    api: &dyn HuntressApi,
    scope_id: &str,
) -> Result<Option<NormalizedScope>, SourceError> {
    let Ok(id) = scope_id.parse::<OrganizationId>() else {
        return Ok(None);
    };
    Ok(api
        .get_organization(id)
        .await?
        .map(|organization| normalize_organization(&organization)))
}
