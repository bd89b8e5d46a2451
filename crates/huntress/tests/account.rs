//! `GET /v1/account`, authentication and credential handling.

mod common;

use common::{KEY, SECRET, client, fixture, get};
use huntress::{AccountId, AccountStatus, HuntressError};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn the_account_decodes_from_its_envelope() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("account.json")))
        .expect(1)
        .mount(&server)
        .await;

    let account = client(&server).account().await.unwrap();
    assert_eq!(account.id, AccountId(17));
    assert_eq!(account.name.as_deref(), Some("Acme MSP"));
    assert_eq!(account.subdomain.as_deref(), Some("acmemsp"));
    assert_eq!(account.status, Some(AccountStatus::Enabled));
}

#[tokio::test]
async fn a_bad_credential_is_an_authentication_error_with_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/account"))
        .respond_with(ResponseTemplate::new(403).set_body_string(
            r#"{"error":"There was an issue with your API credential or permissions."}"#,
        ))
        .expect(1) // never retried
        .mount(&server)
        .await;

    let error = client(&server).account().await.unwrap_err();
    assert!(error.is_authentication());
    assert_eq!(error.status(), Some(403));
    let text = error.to_string();
    assert!(text.contains("issue with your API credential"), "{text}");
    assert!(
        !text.contains(KEY) && !text.contains(SECRET),
        "credentials leaked: {text}"
    );
    assert!(!format!("{error:?}").contains(SECRET));
}

#[tokio::test]
async fn a_401_is_an_authentication_error_too() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_string("401 Unauthorized"))
        .mount(&server)
        .await;
    let error = client(&server).account().await.unwrap_err();
    assert!(
        matches!(error, HuntressError::Authentication { status: 401, ref body, .. } if body == "401 Unauthorized")
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_decode_error_keeping_the_body() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let error = client(&server).account().await.unwrap_err();
    assert!(
        matches!(error, HuntressError::Decode { ref body, .. } if body.contains("maintenance")),
        "{error}"
    );
}

#[tokio::test]
async fn clones_share_the_request_count() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("account.json")))
        .mount(&server)
        .await;
    let client = client(&server);
    let clone = client.clone();
    client.account().await.unwrap();
    clone.account().await.unwrap();
    assert_eq!(client.requests_made(), 2);
    assert_eq!(clone.requests_made(), 2);
}
