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

/// Why a provider cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unavailable {
    /// No provider has this id.
    #[error("no provider {0} is registered")]
    Unknown(ProviderId),
    /// The provider is offered only to the enterprise edition.
    #[error("provider {0} needs the enterprise edition")]
    RequiresEnterprise(ProviderId),
    /// The provider is offered only while a feature flag is on.
    #[error("provider {provider} needs the feature flag {flag:?} turned on")]
    FeatureOff {
        /// The provider.
        provider: ProviderId,
        /// The flag it needs.
        flag: String,
    },
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
    /// Yields escalations (requests for partner action) that become tickets.
    #[serde(default)]
    pub escalation_feed: bool,
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
        self.check_access(edition, flags).is_ok()
    }

    /// Why a tenant of `edition` with `flags` may not use the provider.
    pub fn check_access(&self, edition: Edition, flags: &FeatureFlags) -> Result<(), Unavailable> {
        if self.requires_enterprise && edition != Edition::Enterprise {
            return Err(Unavailable::RequiresEnterprise(self.id.clone()));
        }
        match self.feature_flag.as_deref() {
            Some(flag) if !flags.is_enabled(flag) => Err(Unavailable::FeatureOff {
                provider: self.id.clone(),
                flag: flag.to_owned(),
            }),
            _ => Ok(()),
        }
    }
}
