//! The identifier of a provider (`tanium`, `huntress`, ...).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A provider's stable identifier: lowercase ASCII letters, digits, `-` and `_`,
/// starting with a letter. It is stored in the database (`rmm_provider`,
/// `rmm_integrations.provider`), so it never changes once chosen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProviderId(String);

/// A provider id that breaks the naming rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid provider id {value:?}: use lowercase letters, digits, '-' or '_', starting with a letter"
)]
pub struct InvalidProviderId {
    /// The rejected value.
    pub value: String,
}

impl ProviderId {
    /// Validates and wraps a provider id.
    pub fn new(value: impl Into<String>) -> Result<Self, InvalidProviderId> {
        let value = value.into();
        let mut chars = value.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_lowercase())
            && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            && value.len() <= 64;
        if valid {
            Ok(Self(value))
        } else {
            Err(InvalidProviderId { value })
        }
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ProviderId {
    type Error = InvalidProviderId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<ProviderId> for String {
    fn from(id: ProviderId) -> Self {
        id.0
    }
}

impl std::str::FromStr for ProviderId {
    type Err = InvalidProviderId;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::new(value)
    }
}
