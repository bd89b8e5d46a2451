//! Building a [`HuntressClient`].

use crate::HuntressError;
use crate::client::rate_limit::{SharedLimiter, SlidingWindow};
use crate::client::{HuntressClient, Inner, RateLimit, RetryPolicy, budget};
use psa_http::{DEFAULT_MAX_BODY_BYTES, UrlPolicy};
use psa_ingest::TenantId;
use psa_ingest::ports::RequestBudgetStore;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// Huntress's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.huntress.io";

/// Configures a [`HuntressClient`]. Only the credentials are required.
///
/// ```
/// use huntress::{HuntressClient, RateLimit, RetryPolicy};
/// use secrecy::SecretString;
/// use std::time::Duration;
///
/// let client = HuntressClient::builder()
///     .credentials(SecretString::from("key"), SecretString::from("secret"))
///     .base_url("https://api.huntress.io")
///     .rate_limit(RateLimit::new(60, Duration::from_secs(60)))
///     .retry(RetryPolicy::default())
///     .timeout(Duration::from_secs(30))
///     .build()
///     .expect("valid configuration");
/// assert_eq!(client.requests_made(), 0);
/// ```
#[derive(Debug)]
pub struct HuntressClientBuilder {
    base_url: String,
    api_key: Option<SecretString>,
    api_secret: Option<SecretString>,
    rate_limit: RateLimit,
    limiter: Option<SharedLimiter>,
    budget: Option<budget::Pending>,
    retry: RetryPolicy,
    timeout: Duration,
    user_agent: String,
    url_policy: UrlPolicy,
    max_body_bytes: usize,
}

impl Default for HuntressClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            api_secret: None,
            rate_limit: RateLimit::HUNTRESS,
            limiter: None,
            budget: None,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            user_agent: concat!("psa-huntress/", env!("CARGO_PKG_VERSION")).to_owned(),
            url_policy: UrlPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl HuntressClientBuilder {
    /// The API key and secret (HTTP Basic user and password).
    pub fn credentials(mut self, api_key: SecretString, api_secret: SecretString) -> Self {
        self.api_key = Some(api_key);
        self.api_secret = Some(api_secret);
        self
    }

    /// The API host, default `https://api.huntress.io`. A trailing `/v1` is
    /// dropped: paths are added as `/v1/...`.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Which URLs the client may call (default: `https` to public
    /// addresses only); the embedding service decides, not a tenant.
    pub fn url_policy(mut self, policy: UrlPolicy) -> Self {
        self.url_policy = policy;
        self
    }

    /// The largest response body read (default 32 MiB); a larger one is
    /// [`HuntressError::BodyTooLarge`].
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// The client-side limit, default 60 requests per 60 s.
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Shares `limiter` (and its limit) with the other clients of the same
    /// account, instead of a limiter of this client's own.
    pub fn shared_limiter(mut self, limiter: SharedLimiter) -> Self {
        self.rate_limit = limiter.limit();
        self.limiter = Some(limiter);
        self
    }

    /// Shares the account's request budget with every process using the
    /// same store: a slot is taken there before each request (after this
    /// client's own limiter) and a 429 pauses the account for all.
    /// `account` names the account (the provider uses a hash of the API
    /// URL and key).
    pub fn shared_budget(
        mut self,
        store: Arc<dyn RequestBudgetStore>,
        tenant: TenantId,
        account: impl Into<String>,
    ) -> Self {
        self.budget = Some(budget::Pending {
            store,
            tenant,
            account: account.into(),
        });
        self
    }

    /// When to retry, default [`RetryPolicy::default`].
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The time one attempt may take, default 30 s. A timed-out attempt is
    /// retried like a 5xx.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<HuntressClient, HuntressError> {
        let api_key = non_empty(self.api_key, "api_key")?;
        let api_secret = non_empty(self.api_secret, "api_secret")?;
        let base_url = normalize_base_url(&self.base_url)?;
        self.url_policy
            .check(&base_url)
            .map_err(|refused| HuntressError::Config {
                field: "base_url",
                message: refused.to_string(),
            })?;
        self.rate_limit.validate()?;
        if self.timeout.is_zero() {
            return Err(HuntressError::Config {
                field: "timeout",
                message: "must be longer than zero".into(),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(self.user_agent)
            // Never follow a redirect with the credentials attached.
            .redirect(reqwest::redirect::Policy::none())
            // Every address a name resolves to is checked too.
            .dns_resolver(self.url_policy.resolver())
            .build()
            .map_err(|error| HuntressError::Config {
                field: "http",
                message: error.to_string(),
            })?;
        Ok(HuntressClient {
            inner: Arc::new(Inner {
                http,
                base_url,
                api_key,
                api_secret,
                limiter: match self.limiter {
                    Some(shared) => shared.0,
                    None => Arc::new(SlidingWindow::new(self.rate_limit)),
                },
                budget: self.budget.map(|pending| {
                    budget::SharedBudget::new(
                        pending.store,
                        pending.tenant,
                        pending.account,
                        self.rate_limit,
                    )
                }),
                rate_limit: self.rate_limit,
                retry: self.retry,
                requests: AtomicU64::new(0),
                max_body_bytes: self.max_body_bytes,
            }),
        })
    }
}

fn non_empty(
    secret: Option<SecretString>,
    field: &'static str,
) -> Result<SecretString, HuntressError> {
    match secret {
        Some(secret) if !secret.expose_secret().trim().is_empty() => Ok(secret),
        Some(_) => Err(HuntressError::Config {
            field,
            message: "is empty".into(),
        }),
        None => Err(HuntressError::Config {
            field,
            message: "is required".into(),
        }),
    }
}

/// Checks an API base URL's shape (the service's [`UrlPolicy`] decides
/// later where a client may go) and returns it without a trailing `/` or
/// `/v1`.
pub fn normalize_base_url(text: &str) -> Result<String, HuntressError> {
    let invalid = |message: String| HuntressError::Config {
        field: "base_url",
        message,
    };
    let url = UrlPolicy::permissive()
        .check(text)
        .map_err(|refused| invalid(refused.to_string()))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!(
            "{} must not have a query or fragment",
            psa_http::without_user_info(&url)
        )));
    }
    let mut base = url.as_str().trim_end_matches('/').to_owned();
    if let Some(stripped) = base.strip_suffix("/v1") {
        base = stripped.to_owned();
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalized() {
        assert_eq!(
            normalize_base_url("https://api.huntress.io").unwrap(),
            "https://api.huntress.io"
        );
        assert_eq!(
            normalize_base_url("https://api.huntress.io/v1/").unwrap(),
            "https://api.huntress.io"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn bad_base_urls_are_refused_without_echoing_credentials() {
        assert!(normalize_base_url("ftp://api.huntress.io").is_err());
        assert!(normalize_base_url("not a url").is_err());
        assert!(normalize_base_url("https://api.huntress.io/?x=1").is_err());
        let error = normalize_base_url("https://key:hunter2@api.huntress.io")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
    }

    #[test]
    fn credentials_are_required_and_non_empty() {
        let missing = HuntressClientBuilder::default().build().unwrap_err();
        assert!(matches!(
            missing,
            HuntressError::Config {
                field: "api_key",
                ..
            }
        ));
        let empty = HuntressClientBuilder::default()
            .credentials(SecretString::from("key"), SecretString::from(" "))
            .build()
            .unwrap_err();
        assert!(matches!(
            empty,
            HuntressError::Config {
                field: "api_secret",
                ..
            }
        ));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let builder = HuntressClientBuilder::default()
            .credentials(SecretString::from("key-123"), SecretString::from("hunter2"));
        let shown = format!("{builder:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("key-123"),
            "{shown}"
        );
        let client = builder.build().unwrap();
        let shown = format!("{client:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("key-123"),
            "{shown}"
        );
    }
}
