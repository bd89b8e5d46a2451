//! The HTTP side: one transport (`http`: URL policy, capped bodies, the
//! shared retry strategy, the request counter) under the two API clients,
//! the Gateway's GraphQL client and the Asset REST API client.

pub(crate) mod asset_api;
mod gateway;
pub(crate) mod http;
mod retry;
mod token;
mod walk;

pub use asset_api::{ASSET_API_PATH, AssetApiClient, AssetApiClientBuilder};
pub use gateway::{GATEWAY_PATH, GatewayClient, GatewayClientBuilder};
pub use http::HttpOptions;
pub use retry::RetryPolicy;
pub use token::{ApiToken, TOKEN_PREFIX, TokenError};
