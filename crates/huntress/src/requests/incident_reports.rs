use crate::HuntressApi;
use crate::models::{
    AgentId, IncidentPlatform, IncidentReport, IncidentReportStatus, IndicatorType, OrganizationId,
    Severity, SortDirection, SortField,
};
use crate::requests::list_builder_common;
use serde::Serialize;

/// The query of `GET /v1/incident_reports`. There is no "updated since"
/// filter: pollers sort by `updated_at` descending and stop at their cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IncidentReportsQuery {
    /// Records per page, 1 to 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// Sort field (server default `id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<SortField>,
    /// Sort direction (server default `desc`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_direction: Option<SortDirection>,
    /// Only reports in this status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<IncidentReportStatus>,
    /// Only reports of this severity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Only reports on this platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<IncidentPlatform>,
    /// Only reports of this organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    /// Only reports about this agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<AgentId>,
    /// Only reports with this indicator type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicator_type: Option<IndicatorType>,
}

/// Builds and sends `GET /v1/incident_reports`.
pub struct ListIncidentReports<'a> {
    api: &'a dyn HuntressApi,
    query: IncidentReportsQuery,
}

list_builder_common!(
    ListIncidentReports,
    IncidentReportsQuery,
    IncidentReport,
    list_incident_reports
);

impl ListIncidentReports<'_> {
    /// Sort order (`updated_at` descending for a poller).
    pub fn sort(mut self, field: SortField, direction: SortDirection) -> Self {
        self.query.sort_field = Some(field);
        self.query.sort_direction = Some(direction);
        self
    }

    /// Only reports in this status.
    pub fn status(mut self, status: IncidentReportStatus) -> Self {
        self.query.status = Some(status);
        self
    }

    /// Only reports of this severity.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.query.severity = Some(severity);
        self
    }

    /// Only reports on this platform.
    pub fn platform(mut self, platform: IncidentPlatform) -> Self {
        self.query.platform = Some(platform);
        self
    }

    /// Only reports of this organization.
    pub fn organization_id(mut self, id: OrganizationId) -> Self {
        self.query.organization_id = Some(id);
        self
    }

    /// Only reports about this agent.
    pub fn agent_id(mut self, id: AgentId) -> Self {
        self.query.agent_id = Some(id);
        self
    }

    /// Only reports with this indicator type.
    pub fn indicator_type(mut self, indicator_type: IndicatorType) -> Self {
        self.query.indicator_type = Some(indicator_type);
        self
    }
}
