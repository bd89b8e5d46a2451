//! The Huntress provider: a `psa_registry::Provider` whose connection test is
//! `GET /v1/account`, and the sources it opens.
//!
//! ```no_run
//! use huntress::provider::HuntressProvider;
//! use psa_registry::{Provider, ProviderSecrets};
//! use secrecy::SecretString;
//!
//! # async fn demo() -> Result<(), psa_registry::ProviderError> {
//! let provider = HuntressProvider::new();
//! let secrets = ProviderSecrets::new()
//!     .with("api_key", SecretString::from("key"))
//!     .with("api_secret", SecretString::from("secret"));
//! let info = provider.test_connection(&serde_json::json!({}), &secrets).await?;
//! println!("connected to {:?}", info.account_name);
//! // Later, with what the test learned stored under "account":
//! let settings = serde_json::json!({"account": info.details});
//! let connection = provider.open(&settings, &secrets)?;
//! assert!(connection.incidents.is_some());
//! # Ok(())
//! # }
//! ```

pub(crate) mod agent_details;
mod escalations;
mod feed_cursor;
mod incidents;
mod scopes;
mod settings;
mod skipped;
mod source_error;

pub use escalations::HuntressEscalationSource;
pub use feed_cursor::{CursorPosition, InvalidCursor};
pub use incidents::HuntressIncidentSource;
pub use scopes::HuntressScopeSource;
pub use settings::HuntressSettings;
pub use skipped::SkippedRecords;

use crate::{HuntressApi, HuntressClient, HuntressError, RateLimit, RetryPolicy, SharedLimiter};
use async_trait::async_trait;
use psa_http::UrlPolicy;
use psa_ingest::ports::RequestBudgetStore;
use psa_ingest::sources::SourceError;
use psa_registry::{
    Connection, ConnectionInfo, Count, Provider, ProviderDescriptor, ProviderError,
    ProviderSecrets, SettingsError,
};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The secret holding the API key.
pub const SECRET_API_KEY: &str = "api_key";
/// The secret holding the API secret.
pub const SECRET_API_SECRET: &str = "api_secret";

/// The Huntress provider (descriptor `psa_registry::builtin::huntress()`).
///
/// Each `open` builds its own client (with its own request count); the
/// client-side limit, retry policy and timeout of those clients are set here
/// (tests use tiny ones). Clients of one account (API URL and key) share one
/// limiter, so concurrent jobs of an account stay under its limit together.
#[derive(Debug, Clone)]
pub struct HuntressProvider {
    descriptor: ProviderDescriptor,
    rate_limit: RateLimit,
    retry: RetryPolicy,
    timeout: Duration,
    skipped: SkippedRecords,
    limiters: AccountLimiters,
    url_policy: UrlPolicy,
    /// Where account budgets are shared across processes, if anywhere.
    budget: Option<BudgetStore>,
}

/// The store that keeps shared budgets.
#[derive(Clone)]
struct BudgetStore(Arc<dyn RequestBudgetStore>);

impl std::fmt::Debug for BudgetStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BudgetStore")
    }
}

/// One limiter per account, by a hash of the API URL and key (the key itself
/// is not kept).
#[derive(Clone, Default)]
struct AccountLimiters(Arc<Mutex<HashMap<u64, SharedLimiter>>>);

impl std::fmt::Debug for AccountLimiters {
    // Only how many: even a hash of a key stays out of `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let accounts = self.0.lock().unwrap_or_else(PoisonError::into_inner).len();
        f.debug_struct("AccountLimiters")
            .field("accounts", &accounts)
            .finish()
    }
}

impl AccountLimiters {
    fn for_account(
        &self,
        base_url: &str,
        api_key: &SecretString,
        limit: RateLimit,
    ) -> SharedLimiter {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (base_url, api_key.expose_secret()).hash(&mut hasher);
        let mut limiters = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        limiters
            .entry(hasher.finish())
            .or_insert_with(|| SharedLimiter::new(limit))
            .clone()
    }
}

impl Default for HuntressProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl HuntressProvider {
    /// The provider with Huntress's limit (60/min), the default retry policy
    /// and a 30 s timeout.
    pub fn new() -> Self {
        Self {
            descriptor: psa_registry::builtin::huntress(),
            rate_limit: RateLimit::HUNTRESS,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            skipped: SkippedRecords::new(),
            limiters: AccountLimiters::default(),
            url_policy: UrlPolicy::default(),
            budget: None,
        }
    }

    /// Which URLs its clients may call (default: `https` to public
    /// addresses only). The embedding service decides; a tenant's
    /// `api_base_url` that breaks it is a settings error naming the rule.
    pub fn with_url_policy(mut self, policy: UrlPolicy) -> Self {
        self.url_policy = policy;
        self
    }

    /// The log where every source this provider opens keeps the records it
    /// skipped (undecodable organizations; undecodable incident reports
    /// are quarantined by the engine instead).
    pub fn skipped(&self) -> &SkippedRecords {
        &self.skipped
    }

    /// The client-side rate limit of the clients it builds.
    pub fn with_rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self.limiters = AccountLimiters::default();
        self
    }

    /// The retry policy of the clients it builds.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The per-attempt timeout of the clients it builds.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// A client for these settings and secrets, without any request.
    pub fn client(
        &self,
        settings: &HuntressSettings,
        secrets: &ProviderSecrets,
    ) -> Result<HuntressClient, ProviderError> {
        self.client_for(settings, secrets, None)
    }

    /// Shares every account's request budget with the other processes on
    /// `store`: the clients of a tenant's jobs take each request's slot from
    /// the store, so workers on several machines stay under Huntress's 60
    /// requests a minute per account together, and a 429 pauses them all.
    pub fn with_shared_budget(mut self, store: Arc<dyn RequestBudgetStore>) -> Self {
        self.budget = Some(BudgetStore(store));
        self
    }

    fn client_for(
        &self,
        settings: &HuntressSettings,
        secrets: &ProviderSecrets,
        tenant: Option<psa_ingest::TenantId>,
    ) -> Result<HuntressClient, ProviderError> {
        let api_key = required_secret(secrets, SECRET_API_KEY)?;
        let api_secret = required_secret(secrets, SECRET_API_SECRET)?;
        let limiter = self
            .limiters
            .for_account(&settings.api_base_url, &api_key, self.rate_limit);
        let mut builder = HuntressClient::builder();
        if let (Some(store), Some(tenant)) = (&self.budget, tenant) {
            let account = account_key(&settings.api_base_url, &api_key);
            builder = builder.shared_budget(Arc::clone(&store.0), tenant, account);
        }
        builder
            .credentials(api_key, api_secret)
            .base_url(&settings.api_base_url)
            .shared_limiter(limiter)
            .retry(self.retry.clone())
            .timeout(self.timeout)
            .url_policy(self.url_policy)
            .build()
            .map_err(|error| match error {
                HuntressError::Config { field, message } => {
                    SettingsError::new(vec![psa_registry::FieldError::new(field, message)]).into()
                }
                other => ProviderError::Source(other.into()),
            })
    }
}

impl HuntressProvider {
    fn connection(
        &self,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
        tenant: Option<psa_ingest::TenantId>,
    ) -> Result<Connection, ProviderError> {
        let settings = HuntressSettings::from_json(settings)?;
        let client = self.client_for(&settings, secrets, tenant)?;
        let counted = client.clone();
        // This connection's own log, which also feeds the provider's.
        let skipped = self.skipped.child();
        let skipped_count = skipped.clone();
        let api: Arc<dyn HuntressApi> = Arc::new(client);
        Ok(Connection {
            scopes: Some(Box::new(
                HuntressScopeSource::new(Arc::clone(&api)).with_skipped_log(skipped),
            )),
            devices: None,
            escalations: Some(Box::new(HuntressEscalationSource::new(Arc::clone(&api)))),
            incidents: Some(Box::new(
                HuntressIncidentSource::new(api, settings.account_subdomain)
                    .with_agent_details(settings.agent_details),
            )),
            requests_made: Count::new(move || counted.requests_made()),
            records_skipped: Count::new(move || skipped_count.total()),
        })
    }
}

/// The account's name in a shared budget: a stable hash of the API URL and
/// key (the key itself never reaches the store).
fn account_key(base_url: &str, api_key: &SecretString) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::new()
        .chain_update(base_url.as_bytes())
        .chain_update([0])
        .chain_update(api_key.expose_secret().as_bytes())
        .finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("huntress:{hex}")
}

/// A secret that is present and not blank (a blank one counts as missing).
fn required_secret(
    secrets: &ProviderSecrets,
    name: &str,
) -> Result<secrecy::SecretString, ProviderError> {
    let secret = secrets.require(name)?;
    if secret.expose_secret().trim().is_empty() {
        return Err(ProviderError::MissingSecret {
            name: name.to_owned(),
        });
    }
    Ok(secret.clone())
}

#[async_trait]
impl Provider for HuntressProvider {
    fn descriptor(&self) -> &ProviderDescriptor {
        &self.descriptor
    }

    fn secret_names(&self) -> &'static [&'static str] {
        &[SECRET_API_KEY, SECRET_API_SECRET]
    }

    /// The settings' shape, and the API URL against the service's URL
    /// policy (as far as the URL tells: a host name is checked again where
    /// it resolves, when a request is made).
    fn validate_settings(&self, settings: &serde_json::Value) -> Result<(), SettingsError> {
        let settings = HuntressSettings::from_json(settings)?;
        match self.url_policy.check(&settings.api_base_url) {
            Ok(_) => Ok(()),
            Err(refused) => Err(SettingsError::new(vec![psa_registry::FieldError::new(
                HuntressSettings::API_BASE_URL,
                refused.to_string(),
            )])),
        }
    }

    /// Validates the settings and calls `GET /v1/account`: the account name,
    /// and details `{"subdomain": <string or null>, "account_id": <number>}`.
    async fn test_connection(
        &self,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<ConnectionInfo, ProviderError> {
        let settings = HuntressSettings::from_json(settings)?;
        let client = self.client(&settings, secrets)?;
        let account = client.account().await.map_err(SourceError::from)?;
        let subdomain = account.subdomain.filter(|s| !s.trim().is_empty());
        let mut details = serde_json::Map::new();
        details.insert(
            "subdomain".into(),
            subdomain.map_or(serde_json::Value::Null, Into::into),
        );
        details.insert("account_id".into(), account.id.0.into());
        Ok(ConnectionInfo {
            account_name: account.name,
            details,
        })
    }

    /// Builds the scope and incident sources over one client, without a
    /// request. Portal links use `account.subdomain` from the settings;
    /// the feed fills host details unless `agent_details` is `false`.
    fn open(
        &self,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<Connection, ProviderError> {
        self.connection(settings, secrets, None)
    }

    /// With a shared budget ([`HuntressProvider::with_shared_budget`]), the
    /// connection's client takes each request's slot from the tenant's
    /// budget of the account in the store.
    fn open_for(
        &self,
        tenant: psa_ingest::TenantId,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<Connection, ProviderError> {
        self.connection(settings, secrets, Some(tenant))
    }
}
