//! The operations the pipeline needs, as an object-safe trait: the provider
//! sources are written against it, so they run over the real client, a
//! mockall mock (feature `mock`) or anything else that speaks Huntress.

use crate::models::{
    Account, Agent, AgentId, Escalation, IncidentReport, IncidentReportId, Organization,
    OrganizationId,
};
use crate::requests::{AgentsQuery, EscalationsQuery, IncidentReportsQuery, OrganizationsQuery};
use crate::{HuntressError, Page};
use async_trait::async_trait;

/// The Huntress operations, read-only.
///
/// With the `mock` feature (and in this crate's own tests) mockall generates
/// `MockHuntressApi`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait HuntressApi: Send + Sync {
    /// `GET /v1/account`: the account of the credentials.
    async fn account(&self) -> Result<Account, HuntressError>;

    /// `GET /v1/organizations`: one page.
    async fn list_organizations(
        &self,
        query: &OrganizationsQuery,
    ) -> Result<Page<Organization>, HuntressError>;

    /// `GET /v1/organizations/{id}`; `None` on 404.
    async fn get_organization(
        &self,
        id: OrganizationId,
    ) -> Result<Option<Organization>, HuntressError>;

    /// `GET /v1/agents`: one page.
    async fn list_agents(&self, query: &AgentsQuery) -> Result<Page<Agent>, HuntressError>;

    /// `GET /v1/agents/{id}`; `None` on 404.
    async fn get_agent(&self, id: AgentId) -> Result<Option<Agent>, HuntressError>;

    /// `GET /v1/incident_reports`: one page.
    async fn list_incident_reports(
        &self,
        query: &IncidentReportsQuery,
    ) -> Result<Page<IncidentReport>, HuntressError>;

    /// `GET /v1/incident_reports/{id}`; `None` on 404.
    async fn get_incident_report(
        &self,
        id: IncidentReportId,
    ) -> Result<Option<IncidentReport>, HuntressError>;

    /// `GET /v1/escalations`: one page.
    async fn list_escalations(
        &self,
        query: &EscalationsQuery,
    ) -> Result<Page<Escalation>, HuntressError>;

    /// HTTP requests sent so far (retries included), across clones.
    fn requests_made(&self) -> u64;
}
