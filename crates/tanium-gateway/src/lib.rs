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
//!
//! The modules take the shape every provider crate shares: `client` (the
//! HTTP transport and the API clients), [`requests`] (what is sent and how
//! answers are read), [`models`] (the vendor's records), [`normalize`] and
//! [`provider`].

mod client;
mod error;
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
pub mod models;
pub mod normalize;
#[cfg(feature = "provider")]
pub mod provider;
pub mod requests;

pub use client::{
    ASSET_API_PATH, ApiToken, AssetApiClient, AssetApiClientBuilder, GATEWAY_PATH, GatewayClient,
    GatewayClientBuilder, HttpOptions, RetryPolicy, TOKEN_PREFIX, TokenError,
};
pub use error::{GatewayError, GraphQlErrorDetail};
pub use requests::EndpointQuery;
pub use reqwest::Url;

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Which URLs a client may call (re-exported from `psa-http`).
pub use psa_http::UrlPolicy;
