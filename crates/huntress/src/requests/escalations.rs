use crate::HuntressApi;
use crate::models::{Escalation, OrganizationId, SortDirection, SortField};
use crate::requests::list_builder_common;
use serde::Serialize;

/// The query of `GET /v1/escalations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EscalationsQuery {
    /// Records per page, 1 to 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// Sort field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<SortField>,
    /// Sort direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_direction: Option<SortDirection>,
    /// Only escalations in this status (`open`, `sent`, `resolved`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Only escalations of this organization.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<OrganizationId>,
}

/// Builds and sends `GET /v1/escalations`.
pub struct ListEscalations<'a> {
    api: &'a dyn HuntressApi,
    query: EscalationsQuery,
}

list_builder_common!(
    ListEscalations,
    EscalationsQuery,
    Escalation,
    list_escalations
);

impl ListEscalations<'_> {
    /// Sort order.
    pub fn sort(mut self, field: SortField, direction: SortDirection) -> Self {
        self.query.sort_field = Some(field);
        self.query.sort_direction = Some(direction);
        self
    }
}
