use crate::ProviderId;
use serde::{Deserialize, Serialize};

crate::open_enum! {
    /// What a provider's scope is: the thing a PSA client maps to.
    pub enum ScopeKind {
        /// A customer organization (Huntress organizations).
        Organization => "organization",
        /// A site of an organization.
        Site => "site",
        /// A group of devices (Tanium computer groups).
        Group => "group",
        /// Anything else the provider calls a scope.
        Custom => "custom",
    }
}

/// A provider's unit of mapping to a PSA client (organization, site, group).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedScope {
    /// The provider that reported it.
    pub provider: ProviderId,
    /// The provider's id for the scope; stable across renames.
    pub external_id: String,
    /// The display name, refreshed on every sync.
    pub name: String,
    /// What kind of scope this is.
    pub kind: ScopeKind,
    /// The parent scope's external id, when scopes nest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// What the provider counts in the scope for billing, by metric name
    /// (Huntress: `agents`, `billable_identities`); empty when it counts
    /// nothing. Snapshotted daily into the usage report.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub counts: std::collections::BTreeMap<String, u64>,
}
