//! List requests: serializable queries, and fluent builders over any
//! [`HuntressApi`](crate::HuntressApi) that send one page or stream them all.
//!
//! ```no_run
//! # async fn demo(client: &huntress::HuntressClient) -> Result<(), huntress::HuntressError> {
//! use futures::TryStreamExt;
//! use huntress::{IncidentReportStatus, SortDirection, SortField};
//!
//! // One page.
//! let page = client
//!     .incident_reports()
//!     .status(IncidentReportStatus::Sent)
//!     .sort(SortField::UpdatedAt, SortDirection::Desc)
//!     .limit(100)
//!     .send()
//!     .await?;
//! println!("{} reports, more: {}", page.items.len(), !page.is_last());
//!
//! // Every organization, page after page.
//! let organizations: Vec<_> = client.organizations().limit(500).into_stream().try_collect().await?;
//! # let _ = organizations;
//! # Ok(())
//! # }
//! ```

mod agents;
pub(crate) mod envelope;
mod escalations;
mod incident_reports;
mod organizations;
pub(crate) mod pagination;

pub use agents::{AgentsQuery, ListAgents};
pub use escalations::{EscalationsQuery, ListEscalations};
pub use incident_reports::{IncidentReportsQuery, ListIncidentReports};
pub use organizations::{ListOrganizations, OrganizationsQuery};

use crate::HuntressError;

/// The largest `limit` Huntress accepts.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Refuses a `limit` outside 1..=500 before anything is sent.
pub(crate) fn check_limit(limit: Option<u32>) -> Result<(), HuntressError> {
    match limit {
        Some(limit) if !(1..=MAX_PAGE_SIZE).contains(&limit) => Err(HuntressError::InvalidRequest(
            format!("limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}"),
        )),
        _ => Ok(()),
    }
}

/// The fluent parts every list builder shares.
macro_rules! list_builder_common {
    ($builder:ident, $query:ident, $item:ty, $method:ident) => {
        impl<'a> $builder<'a> {
            /// A builder sending through `api` (a client, or a mock).
            pub fn new(api: &'a dyn $crate::HuntressApi) -> Self {
                Self { api, query: $query::default() }
            }

            /// Records per page, 1 to 500 (Huntress's default is 10).
            pub fn limit(mut self, limit: u32) -> Self {
                self.query.limit = Some(limit);
                self
            }

            /// Starts at the page of this token.
            pub fn page_token(mut self, token: impl Into<String>) -> Self {
                self.query.page_token = Some(token.into());
                self
            }

            /// The query as built.
            pub fn query(&self) -> &$query {
                &self.query
            }

            /// Sends the request for one page.
            pub async fn send(self) -> Result<$crate::Page<$item>, $crate::HuntressError> {
                self.api.$method(&self.query).await
            }

            /// Every page from this one on, following `page_token`. Ends after
            /// the last page or the first error; a token seen twice ends it
            /// with [`HuntressError::RepeatedPageToken`](crate::HuntressError::RepeatedPageToken).
            pub fn pages(self) -> ::futures::stream::BoxStream<'a, Result<$crate::Page<$item>, $crate::HuntressError>> {
                let api = self.api;
                $crate::requests::pagination::page_stream(
                    self.query,
                    Box::new(move |query: $query| Box::pin(async move { api.$method(&query).await })),
                )
            }

            /// Every record of every page, in order. An undecodable record is
            /// yielded in its place as [`HuntressError::Undecodable`](crate::HuntressError::Undecodable)
            /// and the stream goes on; any other error ends it.
            pub fn into_stream(self) -> ::futures::stream::BoxStream<'a, Result<$item, $crate::HuntressError>> {
                $crate::requests::pagination::item_stream(self.pages())
            }
        }

        impl $crate::requests::pagination::Paged for $query {
            fn set_page_token(&mut self, token: Option<String>) {
                self.page_token = token;
            }
        }

        impl ::std::fmt::Debug for $builder<'_> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($builder)).field("query", &self.query).finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use list_builder_common;
