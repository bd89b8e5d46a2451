//! Huntress REST API client, and the Huntress provider of the PSA
//! integration layer.
//!
//! # The client (usable on its own)
//!
//! [`HuntressClient`] speaks `https://api.huntress.io/v1` with HTTP Basic
//! auth. It keeps under Huntress's 60 requests per minute with a sliding
//! window shared by all its clones, honours `Retry-After` on a 429 (else
//! backs off), retries 5xx and timeouts per a [`RetryPolicy`], and maps
//! 401/403 to [`HuntressError::Authentication`]. Answers decode tolerantly:
//! unknown enum values are kept, array fields that arrive as an object or a
//! scalar are read anyway, and a record that still cannot be decoded is kept
//! in [`Page::undecodable`] instead of failing its page.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use huntress::{HuntressClient, IncidentReportStatus};
//! use secrecy::SecretString;
//!
//! # async fn demo() -> Result<(), huntress::HuntressError> {
//! let client = HuntressClient::new(SecretString::from("key"), SecretString::from("secret"))?;
//! let account = client.account().await?;
//! let open: Vec<_> = client
//!     .incident_reports()
//!     .status(IncidentReportStatus::Sent)
//!     .limit(500)
//!     .into_stream()
//!     .try_collect()
//!     .await?;
//! println!("{:?} has {} open incidents", account.name, open.len());
//! # Ok(())
//! # }
//! ```
//!
//! Code that only needs the operations takes a [`HuntressApi`] (object-safe;
//! the `mock` feature adds mockall's `MockHuntressApi`).
//!
//! # The provider (feature `provider`, on by default)
//!
//! [`provider::HuntressProvider`] implements `psa_registry::Provider`; its
//! sources implement `psa_ingest`'s [`ScopeSource`](psa_ingest::sources::ScopeSource)
//! (organizations) and [`IncidentSource`](psa_ingest::sources::IncidentSource)
//! (incident reports, oldest change first, from a durable cursor).
//!
//! # Layout
//!
//! The modules take the shape every provider crate shares: `client` (the
//! HTTP client, its rate limit and retries), [`requests`] (what is sent and
//! how answers and pages are read), [`models`] (the vendor's records),
//! [`normalize`] (records into `psa_ingest` contracts) and [`provider`].

mod client;
mod error;
pub mod models;
pub mod normalize;
pub mod requests;
pub mod webhooks;

#[cfg(feature = "provider")]
pub mod provider;

#[cfg(all(feature = "provider", any(test, feature = "fuzzing")))]
#[doc(hidden)]
pub mod fuzzing;

#[cfg(any(test, feature = "mock"))]
pub use client::MockHuntressApi;
pub use client::{
    DEFAULT_BASE_URL, HuntressApi, HuntressClient, HuntressClientBuilder, RateLimit, RetryPolicy,
    SharedLimiter, normalize_base_url,
};
pub use error::HuntressError;
pub use models::{
    Account, AccountId, AccountStatus, Agent, AgentId, AgentPlatform, IncidentPlatform,
    IncidentReport, IncidentReportId, IncidentReportStatus, IndicatorType, Organization,
    OrganizationId, OrganizationSortField, Severity, SortDirection, SortField,
};
pub use requests::pagination::{Page, UndecodableRecord};
pub use requests::{
    AgentsQuery, IncidentReportsQuery, ListAgents, ListIncidentReports, ListOrganizations,
    MAX_PAGE_SIZE, OrganizationsQuery,
};

/// Which URLs a client may call, and the retry strategy of each budget
/// (re-exported from `psa-http`).
pub use psa_http::{RetryStrategy, UrlPolicy};
