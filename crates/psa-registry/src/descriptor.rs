use psa_ingest::ProviderId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// What kind of tool a provider is. The order is the listing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Remote monitoring and management, endpoint management.
    Rmm,
    /// Managed security, EDR, SOC.
    Security,
}

impl Category {
    /// Stable name, as stored and shown in APIs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rmm => "rmm",
            Self::Security => "security",
        }
    }
}

/// The product edition a tenant runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edition {
    /// The community edition.
    Community,
    /// The enterprise edition; has every provider.
    Enterprise,
}

/// The feature flags enabled for a tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeatureFlags(BTreeSet<String>);

impl FeatureFlags {
    /// Flags from names.
    pub fn new<I, S>(flags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self(flags.into_iter().map(Into::into).collect())
    }

    /// Whether a flag is on.
    pub fn is_enabled(&self, flag: &str) -> bool {
        self.0.contains(flag)
    }
}

/// What a provider can do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Has a connection test.
    pub connection: bool,
    /// Lists scopes that map to clients.
    pub scope_sync: bool,
    /// Streams devices that become assets.
    pub device_sync: bool,
    /// Yields incidents that become tickets.
    pub incident_feed: bool,
    /// Can act on devices (isolate, reboot...).
    pub remote_actions: bool,
}

/// How a provider presents itself and when it is offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderDescriptor {
    /// Stable id.
    pub id: ProviderId,
    /// Display name.
    pub title: String,
    /// One or two sentences for a settings page.
    pub description: String,
    /// Category.
    pub category: Category,
    /// What it can do.
    pub capabilities: Capabilities,
    /// Offered only to the enterprise edition.
    pub requires_enterprise: bool,
    /// Offered only while this feature flag is on.
    pub feature_flag: Option<String>,
}

impl ProviderDescriptor {
    /// Whether a tenant of `edition` with `flags` may use the provider.
    pub fn is_available(&self, edition: Edition, flags: &FeatureFlags) -> bool {
        let edition_ok = !self.requires_enterprise || edition == Edition::Enterprise;
        let flag_ok = self
            .feature_flag
            .as_deref()
            .is_none_or(|flag| flags.is_enabled(flag));
        edition_ok && flag_ok
    }
}
