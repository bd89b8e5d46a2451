use crate::HuntressApi;
use crate::models::{Organization, OrganizationSortField, SortDirection};
use crate::requests::list_builder_common;
use serde::Serialize;

/// The query of `GET /v1/organizations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrganizationsQuery {
    /// Records per page, 1 to 500.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The page to fetch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
    /// Sort field (server default `id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_field: Option<OrganizationSortField>,
    /// Sort direction (server default `desc`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_direction: Option<SortDirection>,
    /// Only the organization with this name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Only the organization with this key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Builds and sends `GET /v1/organizations`.
pub struct ListOrganizations<'a> {
    api: &'a dyn HuntressApi,
    query: OrganizationsQuery,
}

list_builder_common!(
    ListOrganizations,
    OrganizationsQuery,
    Organization,
    list_organizations
);

impl ListOrganizations<'_> {
    /// Sort order.
    pub fn sort(mut self, field: OrganizationSortField, direction: SortDirection) -> Self {
        self.query.sort_field = Some(field);
        self.query.sort_direction = Some(direction);
        self
    }

    /// Only the organization with this name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.query.name = Some(name.into());
        self
    }

    /// Only the organization with this key.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.query.key = Some(key.into());
        self
    }
}
