//! The Tanium Asset REST API (`/plugin/products/asset/v1/assets`): the
//! inventory of endpoints, including those aged out of the Gateway's data
//! service (TDS keeps an endpoint 30 days after its last collection).

use super::http::{Http, HttpOptions, parse_url};
use crate::models::AssetPage;
use crate::requests::asset_page::{OPERATION, parse_page};
use crate::{ApiToken, GatewayError, RetryPolicy};
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Url;
use reqwest::header::ACCEPT;
use secrecy::SecretString;
use std::time::Duration;

/// The Asset API's path on a Tanium server.
pub const ASSET_API_PATH: &str = "/plugin/products/asset/v1/assets";

/// An Asset API client. Cheap to clone.
///
/// ```no_run
/// # async fn run() -> Result<(), tanium_gateway::GatewayError> {
/// use futures::TryStreamExt;
/// use secrecy::SecretString;
/// use tanium_gateway::AssetApiClient;
///
/// let client = AssetApiClient::builder("https://tanium.example.com", SecretString::from("token-abc")).build()?;
/// let mut pages = client.assets(200);
/// while let Some(page) = pages.try_next().await? {
///     println!("{} assets", page.assets.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AssetApiClient {
    http: Http,
    url: Url,
}

/// Configures an [`AssetApiClient`].
#[derive(Debug)]
pub struct AssetApiClientBuilder {
    url: String,
    token: SecretString,
    options: HttpOptions,
}

impl AssetApiClientBuilder {
    /// Longest wait for one request (default 60 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.options.request_timeout = timeout;
        self
    }

    /// Longest wait to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.connect_timeout = timeout;
        self
    }

    /// How transient failures are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.options.retry = retry;
        self
    }

    /// Which URLs the client may call (default: `https` to public
    /// addresses only); the embedding service decides, not a tenant.
    pub fn url_policy(mut self, policy: psa_http::UrlPolicy) -> Self {
        self.options.url_policy = policy;
        self
    }

    /// Timeouts, retry strategy, URL policy and body cap.
    pub fn http_options(mut self, options: HttpOptions) -> Self {
        self.options = options;
        self
    }

    /// Checks the URL and token (before any request) and builds the client.
    /// A URL without a path gets the Asset API path appended.
    pub fn build(self) -> Result<AssetApiClient, GatewayError> {
        let token = ApiToken::new(self.token)?;
        let mut url = parse_url(&self.url, &self.options.url_policy)?;
        if url.path().is_empty() || url.path() == "/" {
            url.set_path(ASSET_API_PATH);
        }
        Ok(AssetApiClient {
            http: Http::new(&token, self.options)?,
            url,
        })
    }
}

impl AssetApiClient {
    /// Requests sent so far by this client and its clones, retries included.
    pub fn requests_made(&self) -> u64 {
        self.http.requests_made()
    }

    /// Starts configuring a client for the Asset API at `url`.
    pub fn builder(url: impl Into<String>, token: SecretString) -> AssetApiClientBuilder {
        AssetApiClientBuilder {
            url: url.into(),
            token,
            options: HttpOptions::default(),
        }
    }

    /// The Asset API URL on the same server as a Gateway URL.
    ///
    /// ```
    /// use tanium_gateway::{AssetApiClient, Url};
    ///
    /// let gateway = Url::parse("https://acme-api.cloud.tanium.com/plugin/products/gateway/graphql").unwrap();
    /// assert_eq!(
    ///     AssetApiClient::url_beside_gateway(&gateway).as_str(),
    ///     "https://acme-api.cloud.tanium.com/plugin/products/asset/v1/assets"
    /// );
    /// ```
    pub fn url_beside_gateway(gateway: &Url) -> Url {
        let mut url = gateway.clone();
        url.set_path(ASSET_API_PATH);
        url.set_query(None);
        url.set_fragment(None);
        url
    }

    /// The URL requests go to.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// One page: up to `limit` rows with ids from `minimum_asset_id` on.
    pub async fn page(&self, minimum_asset_id: u64, limit: u32) -> Result<AssetPage, GatewayError> {
        self.http
            .retrying(OPERATION, || self.page_once(minimum_asset_id, limit))
            .await
    }

    /// Every asset, a page of up to `limit` rows at a time, from
    /// `minimumAssetId=1` until a page is empty or `endOfReader` is true.
    /// Keep `limit` modest: rows are large.
    pub fn assets(&self, limit: u32) -> BoxStream<'_, Result<AssetPage, GatewayError>> {
        let limit = limit.max(1);
        stream::unfold(Some(1u64), move |next| async move {
            let minimum = next?;
            match self.page(minimum, limit).await {
                Err(error) => Some((Err(error), None)),
                Ok(page) if page.assets.is_empty() && page.skipped.is_empty() => None,
                Ok(page) => {
                    let following = match page.next_asset_id {
                        _ if page.end_of_reader => None,
                        Some(following) if following > minimum => Some(following),
                        Some(following) => {
                            let error = GatewayError::Paging {
                                operation: OPERATION,
                                message: format!(
                                    "nextAssetId {following} does not move past {minimum}"
                                ),
                            };
                            return Some((Err(error), None));
                        }
                        None => None,
                    };
                    Some((Ok(page), following))
                }
            }
        })
        .boxed()
    }

    async fn page_once(
        &self,
        minimum_asset_id: u64,
        limit: u32,
    ) -> Result<AssetPage, GatewayError> {
        let request = self
            .http
            .client()
            .get(self.url.clone())
            .query(&[
                ("limit", limit.to_string()),
                ("minimumAssetId", minimum_asset_id.to_string()),
            ])
            .header(ACCEPT, "application/json");
        let body = self
            .http
            .send(OPERATION, "the Tanium Asset API", request)
            .await?;
        parse_page(&body)
    }
}
