use crate::HuntressApi;
use crate::models::{Agent, AgentPlatform, OrganizationId, SortDirection, SortField};
use crate::requests::list_builder_common;
use serde::Serialize;

/// The query of `GET /v1/agents`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AgentsQuery {
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
    /// Only agents of this organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
    /// Only agents on this platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<AgentPlatform>,
    /// Only agents with this host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Only agents on this operating system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// Only agents of this agent version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Builds and sends `GET /v1/agents`.
pub struct ListAgents<'a> {
    api: &'a dyn HuntressApi,
    query: AgentsQuery,
}

list_builder_common!(ListAgents, AgentsQuery, Agent, list_agents);

impl ListAgents<'_> {
    /// Sort order.
    pub fn sort(mut self, field: SortField, direction: SortDirection) -> Self {
        self.query.sort_field = Some(field);
        self.query.sort_direction = Some(direction);
        self
    }

    /// Only agents of this organization.
    pub fn organization_id(mut self, id: OrganizationId) -> Self {
        self.query.organization_id = Some(id);
        self
    }

    /// Only agents on this platform.
    pub fn platform(mut self, platform: AgentPlatform) -> Self {
        self.query.platform = Some(platform);
        self
    }

    /// Only agents with this host name.
    pub fn hostname(mut self, hostname: impl Into<String>) -> Self {
        self.query.hostname = Some(hostname.into());
        self
    }

    /// Only agents on this operating system.
    pub fn os(mut self, os: impl Into<String>) -> Self {
        self.query.os = Some(os.into());
        self
    }

    /// Only agents of this agent version.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.query.version = Some(version.into());
        self
    }
}
