//! Shared helpers of the wiremock tests: fixtures, a client, and matchers
//! on the GraphQL operation and variables.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use secrecy::SecretString;
use serde_json::Value;
use std::time::Duration;
use tanium_gateway::GATEWAY_PATH;
use tanium_gateway::{GatewayClient, RetryPolicy};
use wiremock::matchers::{header, method, path};
use wiremock::{Match, MockBuilder, MockServer, Request, ResponseTemplate};

/// The token the tests send.
pub(crate) const TOKEN: &str = "token-test-5f1d2c3b4a";

/// A fixture file's text.
pub(crate) fn fixture_text(name: &str) -> String {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("fixture {file}: {e}"))
}

/// A JSON fixture.
pub(crate) fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A 200 answer with a JSON fixture.
pub(crate) fn json_fixture(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(fixture(name))
}

/// A client for the mock server: retries with 1 ms waits, 2 s timeout.
pub(crate) fn client(server: &MockServer) -> GatewayClient {
    GatewayClient::builder(
        format!("{}{GATEWAY_PATH}", server.uri()),
        SecretString::from(TOKEN),
    )
    .url_policy(tanium_gateway::UrlPolicy::loopback())
    .retry_policy(RetryPolicy::immediate(3))
    .request_timeout(Duration::from_secs(2))
    .build()
    .expect("client")
}

/// A Gateway POST carrying the session token.
pub(crate) fn gateway_post() -> MockBuilder {
    wiremock::Mock::given(method("POST"))
        .and(path(GATEWAY_PATH))
        .and(header("session", TOKEN))
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

/// Matches the GraphQL `operationName`.
pub(crate) struct Operation(pub(crate) &'static str);

impl Match for Operation {
    fn matches(&self, request: &Request) -> bool {
        body(request)["operationName"] == self.0
    }
}

/// Matches `variables.after` (`None`: no cursor sent).
pub(crate) struct After(pub(crate) Option<&'static str>);

impl Match for After {
    fn matches(&self, request: &Request) -> bool {
        let after = &body(request)["variables"]["after"];
        match self.0 {
            None => after.is_null(),
            Some(cursor) => after == cursor,
        }
    }
}

/// The JSON bodies of the requests the server received.
pub(crate) async fn request_bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(body)
        .collect()
}
