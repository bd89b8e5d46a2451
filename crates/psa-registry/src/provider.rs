use crate::{ProviderDescriptor, SettingsError};
use async_trait::async_trait;
use psa_ingest::sources::{DeviceSource, IncidentSource, ScopeSource, SourceError};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// The secrets a provider connects with, by name (`api_token`, `api_key`...).
/// `Debug` shows the names only.
#[derive(Default, Clone)]
pub struct ProviderSecrets(BTreeMap<String, SecretString>);

impl ProviderSecrets {
    /// No secrets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a secret.
    pub fn with(mut self, name: impl Into<String>, value: SecretString) -> Self {
        self.0.insert(name.into(), value);
        self
    }

    /// A secret by name.
    pub fn get(&self, name: &str) -> Option<&SecretString> {
        self.0.get(name)
    }

    /// A secret that must be there.
    pub fn require(&self, name: &str) -> Result<&SecretString, ProviderError> {
        self.get(name).ok_or_else(|| ProviderError::MissingSecret {
            name: name.to_owned(),
        })
    }

    /// The names held.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

impl fmt::Debug for ProviderSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// What a successful connection test learned about the account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionInfo {
    /// The account's display name, when the provider has one.
    pub account_name: Option<String>,
    /// Other facts worth keeping in the settings (e.g. a portal subdomain).
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// An opened provider: the sources it supports.
#[derive(Default)]
pub struct Connection {
    /// Scope listing, if the provider maps scopes.
    pub scopes: Option<Box<dyn ScopeSource>>,
    /// Device inventory, if the provider syncs devices.
    pub devices: Option<Box<dyn DeviceSource>>,
    /// Incident feed, if the provider has one.
    pub incidents: Option<Box<dyn IncidentSource>>,
    /// Escalations, a second stream of the incident pipeline.
    pub escalations: Option<Box<dyn IncidentSource>>,
    /// Requests the connection's clients have made so far, every source
    /// included; each sync run records how many it caused.
    pub requests_made: Count,
    /// Records the sources skipped because they could not be read (they
    /// are logged, and never stop a run); a run that skipped any is
    /// recorded as partially failed.
    pub records_skipped: Count,
}

/// A number a connection reports as it works (requests made, records
/// skipped). The default is always 0. Cheap to clone.
#[derive(Clone)]
pub struct Count(Arc<dyn Fn() -> u64 + Send + Sync>);

impl Count {
    /// Reads the count through `read`.
    pub fn new(read: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        Self(Arc::new(read))
    }

    /// The count now.
    pub fn get(&self) -> u64 {
        (self.0)()
    }
}

impl Default for Count {
    fn default() -> Self {
        Self::new(|| 0)
    }
}

impl fmt::Debug for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Count").field(&self.get()).finish()
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("scopes", &self.scopes.is_some())
            .field("devices", &self.devices.is_some())
            .field("incidents", &self.incidents.is_some())
            .field("escalations", &self.escalations.is_some())
            .field("requests_made", &self.requests_made.get())
            .field("records_skipped", &self.records_skipped.get())
            .finish()
    }
}

/// Why a provider could not connect.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The settings are not usable.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A secret the provider needs was not given.
    #[error("missing secret {name:?}")]
    MissingSecret {
        /// Its name.
        name: String,
    },
    /// The connection test failed.
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// A provider: describes itself, checks its settings, and connects into the
/// sources it supports. Object-safe, so a registry holds `Box<dyn Provider>`.
#[async_trait]
pub trait Provider: Send + Sync {
    /// How the provider presents itself.
    fn descriptor(&self) -> &ProviderDescriptor;

    /// The secret names `connect` needs.
    fn secret_names(&self) -> &'static [&'static str];

    /// Checks settings without connecting; lists every problem found.
    fn validate_settings(&self, settings: &serde_json::Value) -> Result<(), SettingsError>;

    /// Validates the settings and tests the connection with one cheap
    /// request; returns what it learned about the account.
    async fn test_connection(
        &self,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<ConnectionInfo, ProviderError>;

    /// Validates the settings and builds the sources, without a request:
    /// a sync run pays only for the requests its work needs. `settings`
    /// include what [`test_connection`](Self::test_connection) learned,
    /// stored under `account` when the integration was connected.
    fn open(
        &self,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<Connection, ProviderError>;

    /// [`open`](Self::open) for a job of `tenant`: what the runtime calls,
    /// so a provider that keeps state per tenant (Huntress's request budget
    /// shared across processes) can key it. By default, `open`.
    fn open_for(
        &self,
        tenant: psa_ingest::TenantId,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<Connection, ProviderError> {
        let _ = tenant;
        self.open(settings, secrets)
    }
}
