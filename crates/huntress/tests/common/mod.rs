//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use huntress::{HuntressClient, RateLimit, RetryPolicy};
use secrecy::SecretString;
use std::time::Duration;
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, MockBuilder, MockServer};

/// The credentials every wiremock test sends.
pub const KEY: &str = "test-key";
/// The secret every wiremock test sends.
pub const SECRET: &str = "test-secret";

/// A fixture's text.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A GET on `route` that must carry the test credentials.
pub fn get(route: &str) -> MockBuilder {
    Mock::given(method("GET"))
        .and(path(route))
        .and(basic_auth(KEY, SECRET))
}

/// A client for `server` with no real waits: retries after 1 ms, no limit
/// worth mentioning.
pub fn client(server: &MockServer) -> HuntressClient {
    builder(&server.uri()).build().expect("valid client")
}

/// A builder for `base_url` with the test credentials and tiny delays.
pub fn builder(base_url: &str) -> huntress::HuntressClientBuilder {
    HuntressClient::builder()
        .url_policy(huntress::UrlPolicy::loopback())
        .credentials(SecretString::from(KEY), SecretString::from(SECRET))
        .base_url(base_url)
        .rate_limit(RateLimit::new(1_000, Duration::from_secs(1)))
        .retry(RetryPolicy::fast(Duration::from_millis(1)))
        .timeout(Duration::from_secs(5))
}
