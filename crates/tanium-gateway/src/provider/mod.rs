//! The Tanium provider for `psa_registry`: settings, connection test, and
//! the scope and device sources (opened without a request). Pull only:
//! Tanium has no inbound routes.

mod settings;
mod sources;

pub use settings::TaniumSettings;
pub use sources::{Clock, TaniumDeviceSource, TaniumScopeSource};

use crate::normalize::Normalizer;
use crate::{AssetApiClient, GatewayClient, HttpOptions, RetryPolicy};
use async_trait::async_trait;
use psa_http::UrlPolicy;
use psa_ingest::sources::SourceError;
use psa_registry::{
    Connection, ConnectionInfo, Count, Provider, ProviderDescriptor, ProviderError,
    ProviderSecrets, SettingsError,
};
use std::sync::Arc;
use std::time::Duration;

/// The name of the secret holding the API token.
pub const API_TOKEN_SECRET: &str = "api_token";

/// The Tanium provider.
///
/// ```
/// use psa_registry::{Provider, ProviderRegistry};
/// use tanium_gateway::provider::TaniumProvider;
///
/// let provider = TaniumProvider::new();
/// assert_eq!(provider.descriptor().id.as_str(), "tanium");
/// assert_eq!(provider.secret_names(), ["api_token"]);
/// let mut registry = ProviderRegistry::new();
/// registry.register(Box::new(provider)).unwrap();
/// ```
pub struct TaniumProvider {
    descriptor: ProviderDescriptor,
    retry: RetryPolicy,
    connect_timeout: Duration,
    clock: Clock,
    url_policy: UrlPolicy,
}

impl std::fmt::Debug for TaniumProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaniumProvider")
            .field("descriptor", &self.descriptor.id)
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

impl Default for TaniumProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl TaniumProvider {
    /// The provider with the built-in descriptor, the default retry policy
    /// and the system clock.
    pub fn new() -> Self {
        Self {
            descriptor: psa_registry::builtin::tanium(),
            retry: RetryPolicy::default(),
            connect_timeout: HttpOptions::default().connect_timeout,
            clock: Arc::new(chrono::Utc::now),
            url_policy: UrlPolicy::default(),
        }
    }

    /// Which URLs its clients may call (default: `https` to public
    /// addresses only). The embedding service decides; a tenant's
    /// `gateway_url` or `asset_api_url` that breaks it is a settings error
    /// naming the rule.
    pub fn with_url_policy(mut self, policy: UrlPolicy) -> Self {
        self.url_policy = policy;
        self
    }

    /// Retries transient failures with `retry` (tests use tiny delays).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Uses `clock` for "now" when judging agent status.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// A Gateway client for the settings; the token is checked, no request made.
    fn gateway(
        &self,
        settings: &TaniumSettings,
        secrets: &ProviderSecrets,
    ) -> Result<GatewayClient, ProviderError> {
        let token = secrets.require(API_TOKEN_SECRET)?.clone();
        GatewayClient::builder(settings.gateway_url.as_str(), token)
            .http_options(self.http_options(settings))
            .build()
            .map_err(|e| refused_url("gateway_url", e))
    }

    fn http_options(&self, settings: &TaniumSettings) -> HttpOptions {
        HttpOptions {
            request_timeout: settings.request_timeout,
            connect_timeout: self.connect_timeout,
            retry: self.retry,
            url_policy: self.url_policy,
            ..HttpOptions::default()
        }
    }
}

/// A URL the policy refuses is the setting's fault: a settings error that
/// names the rule. Anything else stays a source error.
fn refused_url(field: &str, error: crate::GatewayError) -> ProviderError {
    match error {
        crate::GatewayError::InvalidUrl { reason, .. } => {
            SettingsError::new(vec![psa_registry::FieldError::new(
                field,
                format!("is refused: {reason}"),
            )])
            .into()
        }
        other => ProviderError::Source(other.into()),
    }
}

#[async_trait]
impl Provider for TaniumProvider {
    fn descriptor(&self) -> &ProviderDescriptor {
        &self.descriptor
    }

    fn secret_names(&self) -> &'static [&'static str] {
        &[API_TOKEN_SECRET]
    }

    /// The settings' shape, and their URLs against the service's URL
    /// policy (as far as the URL tells: a host name is checked again where
    /// it resolves, when a request is made).
    fn validate_settings(&self, settings: &serde_json::Value) -> Result<(), SettingsError> {
        let settings = TaniumSettings::from_json(settings)?;
        let refused = [
            ("gateway_url", &settings.gateway_url),
            ("asset_api_url", &settings.asset_api_url),
        ]
        .into_iter()
        .filter_map(|(field, url)| {
            let refused = self.url_policy.check(url.as_str()).err()?;
            Some(psa_registry::FieldError::new(field, refused.to_string()))
        })
        .collect();
        SettingsError::check(refused)
    }

    async fn test_connection(
        &self,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<ConnectionInfo, ProviderError> {
        let settings = TaniumSettings::from_json(settings)?;
        let gateway = self.gateway(&settings, secrets)?;
        let check = gateway.test_connection().await.map_err(SourceError::from)?;
        let mut details = serde_json::Map::new();
        details.insert("server_time".into(), check.server_time.to_rfc3339().into());
        if let Some(groups) = check.computer_groups {
            details.insert("computer_groups".into(), groups.into());
        }
        Ok(ConnectionInfo {
            account_name: settings.gateway_url.host_str().map(str::to_owned),
            details,
        })
    }

    fn open(
        &self,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<Connection, ProviderError> {
        let settings = TaniumSettings::from_json(settings)?;
        let gateway = self.gateway(&settings, secrets)?;
        let normalizer = Normalizer::new(settings.online_threshold);
        let mut devices =
            TaniumDeviceSource::new(gateway.clone(), normalizer.clone(), settings.page_size)
                .with_clock(self.clock.clone());
        let mut asset_api_counted = None;
        if settings.asset_api_fallback {
            let token = secrets.require(API_TOKEN_SECRET)?.clone();
            let asset_api = AssetApiClient::builder(settings.asset_api_url.as_str(), token)
                .http_options(self.http_options(&settings))
                .build()
                .map_err(|e| refused_url("asset_api_url", e))?;
            asset_api_counted = Some(asset_api.clone());
            devices = devices.with_asset_api_fallback(asset_api);
        }
        let gateway_counted = gateway.clone();
        Ok(Connection {
            scopes: Some(Box::new(TaniumScopeSource::new(gateway, normalizer))),
            devices: Some(Box::new(devices)),
            incidents: None,
            escalations: None,
            requests_made: Count::new(move || {
                gateway_counted.requests_made()
                    + asset_api_counted
                        .as_ref()
                        .map_or(0, AssetApiClient::requests_made)
            }),
            // A device that cannot be normalized fails alone in the engine's
            // report; nothing is skipped here.
            records_skipped: Count::default(),
        })
    }
}
