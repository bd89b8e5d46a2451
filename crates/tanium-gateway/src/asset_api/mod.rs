//! The Tanium Asset REST API (`/plugin/products/asset/v1/assets`): the
//! inventory of endpoints, including those aged out of the Gateway's data
//! service (TDS keeps an endpoint 30 days after its last collection).

mod record;

pub use record::AssetRecord;

use crate::http::{Http, HttpOptions, parse_url};
use crate::{ApiToken, GatewayError, RetryPolicy};
use futures::stream::{self, BoxStream, StreamExt};
use reqwest::Url;
use reqwest::header::ACCEPT;
use secrecy::SecretString;
use serde_json::Value;
use std::time::Duration;

/// The Asset API's path on a Tanium server.
pub const ASSET_API_PATH: &str = "/plugin/products/asset/v1/assets";

const OPERATION: &str = "Asset API assets";

/// One page of the Asset API.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetPage {
    /// The rows that could be read.
    pub assets: Vec<AssetRecord>,
    /// Rows that could not be read, with the reason (the page goes on without them).
    pub skipped: Vec<String>,
    /// Where the next page starts (`meta.nextAssetId`).
    pub next_asset_id: Option<u64>,
    /// Whether this is the last page (`meta.endOfReader`).
    pub end_of_reader: bool,
}

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

pub(crate) fn parse_page(body: &[u8]) -> Result<AssetPage, GatewayError> {
    let decode_error = |path: &str, message: String| GatewayError::Decode {
        operation: OPERATION,
        path: path.to_owned(),
        message,
    };
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        decode_error(
            ".",
            format!("{e}; body starts {:?}", psa_http::excerpt(body)),
        )
    })?;
    let rows = match value.get("data") {
        Some(Value::Array(rows)) => rows.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return Err(decode_error("data", "expected a list of assets".to_owned())),
    };
    let mut assets = Vec::with_capacity(rows.len());
    let mut skipped = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        match AssetRecord::from_json(row) {
            Ok(record) => assets.push(record),
            Err(reason) => {
                tracing::warn!(index, %reason, "skipping an unreadable Asset API row");
                skipped.push(format!("data[{index}]: {reason}"));
            }
        }
    }
    let meta = value.get("meta");
    let next_asset_id =
        record::text(meta.and_then(|m| m.get("nextAssetId"))).and_then(|t| t.parse().ok());
    let end_of_reader = meta
        .and_then(|m| m.get("endOfReader"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(AssetPage {
        assets,
        skipped,
        next_asset_id,
        end_of_reader,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_meta_and_skips_bad_rows() {
        let body = br#"{"data": [{"id": 1, "computer_name": "a"}, {"nope": true}],
                        "meta": {"nextAssetId": "2", "endOfReader": false}}"#;
        let page = parse_page(body).unwrap();
        assert_eq!(page.assets.len(), 1);
        assert_eq!(page.skipped.len(), 1);
        assert!(page.skipped[0].starts_with("data[1]"));
        assert_eq!(page.next_asset_id, Some(2));
        assert!(!page.end_of_reader);
    }

    #[test]
    fn a_non_list_data_is_a_decode_error() {
        let error = parse_page(br#"{"data": {"id": 1}}"#).unwrap_err();
        assert!(matches!(error, GatewayError::Decode { ref path, .. } if path == "data"));
    }
}
