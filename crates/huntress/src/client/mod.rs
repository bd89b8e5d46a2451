//! The HTTP client: Basic auth, a shared sliding-window limiter, retries.

mod api;
mod budget;
mod builder;
mod rate_limit;
mod retry;
mod send;

pub use api::HuntressApi;
#[cfg(any(test, feature = "mock"))]
pub use api::MockHuntressApi;
pub use builder::{DEFAULT_BASE_URL, HuntressClientBuilder, normalize_base_url};
pub use rate_limit::{RateLimit, SharedLimiter};
pub use retry::RetryPolicy;

use crate::models::{
    Account, Agent, AgentId, Escalation, IncidentReport, IncidentReportId, Organization,
    OrganizationId,
};
use crate::requests::envelope::{decode_one, decode_page};
use crate::requests::{
    AgentsQuery, EscalationsQuery, IncidentReportsQuery, ListAgents, ListEscalations,
    ListIncidentReports, ListOrganizations, OrganizationsQuery, check_limit,
};
use crate::{HuntressError, Page};
use async_trait::async_trait;
use rate_limit::SlidingWindow;
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A Huntress REST API client.
///
/// Cheap to clone; clones share the connection pool, the rate limiter and
/// the request counter, so every task polling one account stays under one
/// limit. `Debug` never shows the credentials.
#[derive(Clone)]
pub struct HuntressClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    api_key: SecretString,
    api_secret: SecretString,
    limiter: Arc<SlidingWindow>,
    /// The account's budget across processes, when one is shared.
    budget: Option<budget::SharedBudget>,
    rate_limit: RateLimit,
    retry: RetryPolicy,
    requests: AtomicU64,
    max_body_bytes: usize,
}

impl fmt::Debug for HuntressClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HuntressClient")
            .field("base_url", &self.inner.base_url)
            .field("rate_limit", &self.inner.rate_limit)
            .field("requests_made", &self.requests_made())
            .finish_non_exhaustive()
    }
}

impl HuntressClient {
    /// A builder; see [`HuntressClientBuilder`].
    pub fn builder() -> HuntressClientBuilder {
        HuntressClientBuilder::default()
    }

    /// A client for `https://api.huntress.io` with the default limit and
    /// retry policy.
    pub fn new(api_key: SecretString, api_secret: SecretString) -> Result<Self, HuntressError> {
        Self::builder().credentials(api_key, api_secret).build()
    }

    /// The API host requests go to (without `/v1`).
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The client-side rate limit.
    pub fn rate_limit(&self) -> RateLimit {
        self.inner.rate_limit
    }

    /// HTTP requests sent so far, retries included, across every clone.
    pub fn requests_made(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// `GET /v1/account`: the account of the credentials (connection test).
    pub async fn account(&self) -> Result<Account, HuntressError> {
        let (body, path) = self
            .get("account", &(), false)
            .await?
            .expect("404 is an error here");
        decode_one::<Account>(&body, &path)?.ok_or_else(|| HuntressError::Decode {
            path,
            json_path: "account".into(),
            message: "the account is null".into(),
            body,
        })
    }

    /// A `GET /v1/organizations` request builder.
    pub fn organizations(&self) -> ListOrganizations<'_> {
        ListOrganizations::new(self)
    }

    /// `GET /v1/organizations`: one page.
    pub async fn list_organizations(
        &self,
        query: &OrganizationsQuery,
    ) -> Result<Page<Organization>, HuntressError> {
        check_limit(query.limit)?;
        self.list("organizations", query).await
    }

    /// `GET /v1/organizations/{id}`; `None` on 404.
    pub async fn get_organization(
        &self,
        id: OrganizationId,
    ) -> Result<Option<Organization>, HuntressError> {
        self.get_one(&format!("organizations/{id}")).await
    }

    /// A `GET /v1/agents` request builder.
    pub fn agents(&self) -> ListAgents<'_> {
        ListAgents::new(self)
    }

    /// `GET /v1/agents`: one page.
    pub async fn list_agents(&self, query: &AgentsQuery) -> Result<Page<Agent>, HuntressError> {
        check_limit(query.limit)?;
        self.list("agents", query).await
    }

    /// `GET /v1/agents/{id}`; `None` on 404.
    pub async fn get_agent(&self, id: AgentId) -> Result<Option<Agent>, HuntressError> {
        self.get_one(&format!("agents/{id}")).await
    }

    /// A `GET /v1/incident_reports` request builder.
    pub fn incident_reports(&self) -> ListIncidentReports<'_> {
        ListIncidentReports::new(self)
    }

    /// `GET /v1/incident_reports`: one page.
    pub async fn list_incident_reports(
        &self,
        query: &IncidentReportsQuery,
    ) -> Result<Page<IncidentReport>, HuntressError> {
        check_limit(query.limit)?;
        self.list("incident_reports", query).await
    }

    /// A `GET /v1/escalations` request builder.
    pub fn escalations(&self) -> ListEscalations<'_> {
        ListEscalations::new(self)
    }

    /// `GET /v1/escalations`: one page.
    pub async fn list_escalations(
        &self,
        query: &EscalationsQuery,
    ) -> Result<Page<Escalation>, HuntressError> {
        check_limit(query.limit)?;
        self.list("escalations", query).await
    }

    /// `GET /v1/incident_reports/{id}`; `None` on 404.
    pub async fn get_incident_report(
        &self,
        id: IncidentReportId,
    ) -> Result<Option<IncidentReport>, HuntressError> {
        self.get_one(&format!("incident_reports/{id}")).await
    }

    async fn list<T, Q>(&self, resource: &str, query: &Q) -> Result<Page<T>, HuntressError>
    where
        T: crate::models::Resource,
        Q: serde::Serialize + Sync,
    {
        let (body, path) = self
            .get(resource, query, false)
            .await?
            .expect("404 is an error here");
        decode_page(&body, &path)
    }

    async fn get_one<T: crate::models::Resource>(
        &self,
        resource: &str,
    ) -> Result<Option<T>, HuntressError> {
        match self.get(resource, &(), true).await? {
            Some((body, path)) => decode_one(&body, &path),
            None => Ok(None),
        }
    }
}

#[async_trait]
impl HuntressApi for HuntressClient {
    async fn list_escalations(
        &self,
        query: &EscalationsQuery,
    ) -> Result<Page<Escalation>, HuntressError> {
        HuntressClient::list_escalations(self, query).await
    }

    async fn account(&self) -> Result<Account, HuntressError> {
        HuntressClient::account(self).await
    }

    async fn list_organizations(
        &self,
        query: &OrganizationsQuery,
    ) -> Result<Page<Organization>, HuntressError> {
        HuntressClient::list_organizations(self, query).await
    }

    async fn get_organization(
        &self,
        id: OrganizationId,
    ) -> Result<Option<Organization>, HuntressError> {
        HuntressClient::get_organization(self, id).await
    }

    async fn list_agents(&self, query: &AgentsQuery) -> Result<Page<Agent>, HuntressError> {
        HuntressClient::list_agents(self, query).await
    }

    async fn get_agent(&self, id: AgentId) -> Result<Option<Agent>, HuntressError> {
        HuntressClient::get_agent(self, id).await
    }

    async fn list_incident_reports(
        &self,
        query: &IncidentReportsQuery,
    ) -> Result<Page<IncidentReport>, HuntressError> {
        HuntressClient::list_incident_reports(self, query).await
    }

    async fn get_incident_report(
        &self,
        id: IncidentReportId,
    ) -> Result<Option<IncidentReport>, HuntressError> {
        HuntressClient::get_incident_report(self, id).await
    }

    fn requests_made(&self) -> u64 {
        HuntressClient::requests_made(self)
    }
}
