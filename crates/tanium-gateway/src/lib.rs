//! Tanium Gateway (GraphQL) and Asset API client, and the Tanium provider
//! of the PSA integration layer.
//!
//! - [`GatewayClient`]: typed Gateway operations (connection test, computer
//!   groups, endpoint page walks scoped to a group, incremental walks,
//!   endpoint id changes) with named errors, retries and self-healing walks.
//! - [`AssetApiClient`]: the Asset REST API, for endpoints aged out of the
//!   Gateway's data service.
//! - [`normalize`]: Tanium records into `psa_ingest` contracts.
//! - [`provider`] (default feature `provider`): the `psa_registry` provider.

pub mod asset_api;
mod error;
pub mod gateway;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod http;
pub mod model;
pub mod normalize;
#[cfg(feature = "provider")]
pub mod provider;
mod retry;
mod token;

pub use asset_api::{AssetApiClient, AssetApiClientBuilder};
pub use error::{GatewayError, GraphQlErrorDetail};
pub use gateway::{EndpointQuery, GatewayClient, GatewayClientBuilder};
pub use http::HttpOptions;
pub use reqwest::Url;
pub use retry::RetryPolicy;
pub use token::{ApiToken, TOKEN_PREFIX, TokenError};

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Which URLs a client may call (re-exported from `psa-http`).
pub use psa_http::UrlPolicy;
