//! Connection test and the failure shapes every call can meet.

mod support;

use secrecy::SecretString;
use std::time::Duration;
use support::{Operation, TOKEN, client, fixture_text, gateway_post, json_fixture};
use tanium_gateway::GATEWAY_PATH;
use tanium_gateway::{GatewayClient, GatewayError, RetryPolicy, TokenError};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn reads_server_time_and_group_count_with_the_session_header() {
    let server = MockServer::start().await;
    gateway_post()
        .and(Operation("ConnectionTest"))
        .respond_with(json_fixture("connection_test.json"))
        .expect(1)
        .mount(&server)
        .await;

    let check = client(&server).test_connection().await.unwrap();

    assert_eq!(check.server_time.to_rfc3339(), "2024-06-01T12:00:00+00:00");
    assert_eq!(check.computer_groups, Some(42));
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests[0].headers.get("authorization").is_none(),
        "the token goes in `session` only"
    );
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert!(
        body["query"]
            .as_str()
            .unwrap()
            .contains("query ConnectionTest")
    );
}

#[tokio::test]
async fn a_token_without_its_prefix_is_refused_before_any_request() {
    let server = MockServer::start().await;
    let result = GatewayClient::builder(
        format!("{}{GATEWAY_PATH}", server.uri()),
        SecretString::from("5f1d2c3b4a"),
    )
    .url_policy(tanium_gateway::UrlPolicy::loopback())
    .build();

    let error = result.unwrap_err();
    assert!(matches!(
        error,
        GatewayError::InvalidToken(TokenError::MissingPrefix)
    ));
    assert!(error.to_string().contains("\"token-\""), "{error}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_login_redirect_is_named_and_never_followed() {
    let server = MockServer::start().await;
    gateway_post()
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/auth/login?next=%2F"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/auth/login"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let error = client(&server).test_connection().await.unwrap_err();

    assert!(
        matches!(error, GatewayError::LoginRedirect { status: 302, location: Some(ref l) } if l.starts_with("/auth/login"))
    );
    assert!(error.is_authentication());
    assert!(error.to_string().contains("expired"), "{error}");
}

#[tokio::test]
async fn an_html_page_is_named() {
    let server = MockServer::start().await;
    gateway_post()
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture_text("login.html"), "text/html"),
        )
        .mount(&server)
        .await;

    let error = client(&server).test_connection().await.unwrap_err();

    assert!(
        matches!(error, GatewayError::HtmlPage { status: 200 }),
        "{error:?}"
    );
}

#[tokio::test]
async fn refused_tokens_and_missing_permissions_are_named_and_not_retried() {
    for (status, check) in [
        (
            401,
            (|e: &GatewayError| matches!(e, GatewayError::Unauthorized { .. }))
                as fn(&GatewayError) -> bool,
        ),
        (403, |e: &GatewayError| {
            matches!(e, GatewayError::Forbidden { .. })
        }),
    ] {
        let server = MockServer::start().await;
        gateway_post()
            .respond_with(ResponseTemplate::new(status).set_body_string("denied"))
            .expect(1)
            .mount(&server)
            .await;

        let error = client(&server).test_connection().await.unwrap_err();

        assert!(check(&error), "{status}: {error:?}");
        assert!(
            error.to_string().contains("denied"),
            "the body is kept: {error}"
        );
    }
}

#[tokio::test]
async fn server_errors_are_retried_then_named() {
    let server = MockServer::start().await;
    gateway_post()
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad Gateway"))
        .expect(3)
        .mount(&server)
        .await;

    let error = client(&server).test_connection().await.unwrap_err();

    assert!(
        matches!(error, GatewayError::Server { status: 502, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_transient_failure_then_success_is_invisible() {
    let server = MockServer::start().await;
    gateway_post()
        .respond_with(ResponseTemplate::new(500).set_body_string("Failed to initialize request"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    gateway_post()
        .respond_with(json_fixture("connection_test.json"))
        .mount(&server)
        .await;

    assert!(client(&server).test_connection().await.is_ok());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_timeout_is_named() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_fixture("connection_test.json").set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = GatewayClient::builder(server.uri(), SecretString::from(TOKEN))
        .url_policy(tanium_gateway::UrlPolicy::loopback())
        .request_timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();

    let error = client.test_connection().await.unwrap_err();

    assert!(
        matches!(
            error,
            GatewayError::Timeout {
                operation: "ConnectionTest",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        client.url().path(),
        GATEWAY_PATH,
        "a bare server URL gets the Gateway path"
    );
}

#[tokio::test]
async fn debug_output_never_shows_the_token() {
    let server = MockServer::start().await;
    let builder = GatewayClient::builder(server.uri(), SecretString::from(TOKEN))
        .url_policy(tanium_gateway::UrlPolicy::loopback());
    assert!(!format!("{builder:?}").contains(TOKEN));
    let client = builder.build().unwrap();
    assert!(!format!("{client:?}").contains(TOKEN));
}

/// A body over the cap is a typed error; it is never read whole.
#[tokio::test]
async fn an_oversized_answer_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(format!("{{\"data\": \"{}\"}}", "x".repeat(10_000))),
        )
        .mount(&server)
        .await;
    let client = GatewayClient::builder(server.uri(), SecretString::from(TOKEN))
        .url_policy(tanium_gateway::UrlPolicy::loopback())
        .http_options(tanium_gateway::HttpOptions {
            url_policy: tanium_gateway::UrlPolicy::loopback(),
            max_body_bytes: 4_096,
            retry: RetryPolicy::none(),
            ..tanium_gateway::HttpOptions::default()
        })
        .build()
        .unwrap();

    let error = client.test_connection().await.unwrap_err();

    assert!(
        matches!(error, GatewayError::BodyTooLarge { cap: 4_096, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("4096 bytes"), "{error}");
}
