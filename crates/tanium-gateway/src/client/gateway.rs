//! The Tanium Gateway (GraphQL) client.

use super::http::{Http, HttpOptions, parse_url};
use super::walk::{FetchPage, WalkOptions, walk};
use crate::models::{
    ComputerGroup, ConnectionCheck, Cursor, Endpoint, EndpointIdChanges, Page, WalkPage,
};
use crate::requests::EndpointQuery;
use crate::requests::graphql_response;
use crate::requests::operations::{
    self, ComputerGroups, ConnectionTest, EndpointIdChanges as IdChangesOp, Endpoints,
};
use crate::{ApiToken, GatewayError, RetryPolicy};
use chrono::{DateTime, Utc};
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use graphql_client::GraphQLQuery;
use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use secrecy::SecretString;
use std::time::Duration;

/// The Gateway's path on a Tanium server.
pub const GATEWAY_PATH: &str = "/plugin/products/gateway/graphql";

/// Computer groups per page when streaming groups.
const GROUP_PAGE_SIZE: u32 = 100;

/// A Tanium Gateway client. Cheap to clone; clones share connections.
///
/// ```no_run
/// # async fn run() -> Result<(), tanium_gateway::GatewayError> {
/// use futures::TryStreamExt;
/// use secrecy::SecretString;
/// use tanium_gateway::{EndpointQuery, GatewayClient};
///
/// let client = GatewayClient::builder(
///     "https://acme-api.cloud.tanium.com/plugin/products/gateway/graphql",
///     SecretString::from("token-0123456789abcdef"),
/// )
/// .build()?;
/// client.test_connection().await?;
/// let mut pages = client.endpoints(EndpointQuery::in_group("42").page_size(100));
/// while let Some(page) = pages.try_next().await? {
///     println!("{} of {:?}", page.yielded, page.total_records);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct GatewayClient {
    http: Http,
    url: Url,
    max_walk_restarts: u32,
}

/// Configures a [`GatewayClient`].
#[derive(Debug)]
pub struct GatewayClientBuilder {
    url: String,
    token: SecretString,
    options: HttpOptions,
    max_walk_restarts: u32,
}

impl GatewayClientBuilder {
    /// Longest wait for one request (default 60 s). A page walk asks again
    /// at half the page size when a page times out.
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

    /// How many times a page walk may restart after an expired cursor (default 3).
    pub fn max_walk_restarts(mut self, restarts: u32) -> Self {
        self.max_walk_restarts = restarts;
        self
    }

    /// Checks the URL and the token (before any request) and builds the client.
    ///
    /// A URL without a path gets the Gateway path
    /// (`/plugin/products/gateway/graphql`) appended.
    pub fn build(self) -> Result<GatewayClient, GatewayError> {
        let token = ApiToken::new(self.token)?;
        let mut url = parse_url(&self.url, &self.options.url_policy)?;
        if url.path().is_empty() || url.path() == "/" {
            url.set_path(GATEWAY_PATH);
        }
        Ok(GatewayClient {
            http: Http::new(&token, self.options)?,
            url,
            max_walk_restarts: self.max_walk_restarts,
        })
    }
}

impl GatewayClient {
    /// Starts configuring a client for the Gateway at `url` with an API
    /// token (which must keep its `token-` prefix).
    pub fn builder(url: impl Into<String>, token: SecretString) -> GatewayClientBuilder {
        GatewayClientBuilder {
            url: url.into(),
            token,
            options: HttpOptions::default(),
            max_walk_restarts: 3,
        }
    }

    /// The Gateway URL requests go to.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// Requests sent so far by this client and its clones, retries included.
    pub fn requests_made(&self) -> u64 {
        self.http.requests_made()
    }

    /// Checks that the token works: reads the server time and counts the
    /// computer groups the token can see.
    pub async fn test_connection(&self) -> Result<ConnectionCheck, GatewayError> {
        let data = self
            .execute::<ConnectionTest>(operations::connection_test::Variables)
            .await?;
        Ok(ConnectionCheck {
            server_time: data.now,
            computer_groups: data
                .computer_groups
                .and_then(|c| c.total_records)
                .and_then(|n| u64::try_from(n).ok()),
        })
    }

    /// One page of computer groups.
    pub async fn computer_groups_page(
        &self,
        first: u32,
        after: Option<Cursor>,
    ) -> Result<Page<ComputerGroup>, GatewayError> {
        self.http
            .retrying(operations::computer_groups::OPERATION_NAME, || {
                self.computer_groups_once(first, after.clone())
            })
            .await
    }

    /// Every computer group, one at a time, walking the pages.
    pub fn computer_groups(&self) -> BoxStream<'_, Result<ComputerGroup, GatewayError>> {
        let fetch: FetchPage<'_, ComputerGroup> =
            Box::new(move |first, after| Box::pin(self.computer_groups_once(first, after)));
        walk(
            fetch,
            self.walk_options(operations::computer_groups::OPERATION_NAME, GROUP_PAGE_SIZE),
        )
        .map_ok(|page| futures::stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }

    /// One page of endpoints (no walk recovery, transient failures retried).
    pub async fn endpoints_page(
        &self,
        query: &EndpointQuery,
        after: Option<Cursor>,
    ) -> Result<Page<Endpoint>, GatewayError> {
        let first = query.page_size_value();
        self.http
            .retrying(operations::endpoints::OPERATION_NAME, || {
                self.endpoints_once(query, first, after.clone())
            })
            .await
    }

    /// Every endpoint matching `query`, a page at a time.
    ///
    /// The walk retries transient failures with backoff, asks again at half
    /// the page size when a page times out, and restarts from the first
    /// page when a cursor expires, skipping endpoints it already yielded.
    /// The stream ending without an error means the walk was complete.
    pub fn endpoints(
        &self,
        query: EndpointQuery,
    ) -> BoxStream<'_, Result<WalkPage<Endpoint>, GatewayError>> {
        let options = self.walk_options(
            operations::endpoints::OPERATION_NAME,
            query.page_size_value(),
        );
        let fetch: FetchPage<'_, Endpoint> = Box::new(move |first, after| {
            let query = query.clone();
            Box::pin(async move { self.endpoints_once(&query, first, after).await })
        });
        walk(fetch, options)
    }

    /// How many endpoints match `query` (`totalRecords`), for progress.
    pub async fn total_records(&self, query: &EndpointQuery) -> Result<Option<u64>, GatewayError> {
        let probe = query.clone().page_size(1);
        Ok(self.endpoints_page(&probe, None).await?.total_records)
    }

    /// Endpoint id changes recorded after `after` (`endpointIdChanges`).
    pub async fn endpoint_id_changes(
        &self,
        after: DateTime<Utc>,
    ) -> Result<EndpointIdChanges, GatewayError> {
        let data = self
            .execute::<IdChangesOp>(operations::endpoint_id_changes::Variables { after })
            .await?;
        Ok(operations::id_changes(data.endpoint_id_changes))
    }

    fn walk_options(&self, operation: &'static str, page_size: u32) -> WalkOptions {
        WalkOptions {
            operation,
            page_size,
            retry: *self.http.retry(),
            max_restarts: self.max_walk_restarts,
        }
    }

    async fn computer_groups_once(
        &self,
        first: u32,
        after: Option<Cursor>,
    ) -> Result<Page<ComputerGroup>, GatewayError> {
        let variables = operations::computer_groups::Variables {
            first: i64::from(first),
            after,
        };
        let data = self.post_once::<ComputerGroups>(variables).await?;
        Ok(data
            .computer_groups
            .map(operations::group_page)
            .unwrap_or_else(empty_page))
    }

    async fn endpoints_once(
        &self,
        query: &EndpointQuery,
        first: u32,
        after: Option<Cursor>,
    ) -> Result<Page<Endpoint>, GatewayError> {
        let variables = operations::endpoints::Variables {
            first: i64::from(first),
            after,
            filter: query.filter(),
        };
        let data = self.post_once::<Endpoints>(variables).await?;
        Ok(data
            .endpoints
            .map(operations::endpoint_page)
            .unwrap_or_else(empty_page))
    }

    /// One operation, transient failures retried.
    async fn execute<Q: GraphQLQuery>(
        &self,
        variables: Q::Variables,
    ) -> Result<Q::ResponseData, GatewayError>
    where
        Q::Variables: Clone,
    {
        self.http
            .retrying(Q::build_query(variables.clone()).operation_name, || {
                self.post_once::<Q>(variables.clone())
            })
            .await
    }

    /// One operation, one try.
    async fn post_once<Q: GraphQLQuery>(
        &self,
        variables: Q::Variables,
    ) -> Result<Q::ResponseData, GatewayError> {
        let body = Q::build_query(variables);
        let operation = body.operation_name;
        let json = serde_json::to_vec(&body).map_err(|e| GatewayError::Decode {
            operation,
            path: "request".to_owned(),
            message: e.to_string(),
        })?;
        let request = self
            .http
            .client()
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(json);
        let bytes = self
            .http
            .send(operation, "the Tanium Gateway", request)
            .await?;
        graphql_response::decode::<Q::ResponseData>(operation, &bytes)
    }
}

fn empty_page<T>() -> Page<T> {
    Page {
        items: Vec::new(),
        end_cursor: None,
        has_next_page: false,
        total_records: Some(0),
    }
}
