//! Rate limits, server errors and timeouts: what is retried, how long the
//! client waits, and what the caller gets when retries run out.

mod common;

use common::{KEY, SECRET, builder, client, fixture, get};
use huntress::{HuntressError, RetryPolicy};
use std::time::{Duration, Instant};
use wiremock::{MockServer, ResponseTemplate};

async fn account_ok(server: &MockServer) {
    get("/v1/account")
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("account.json")))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_429_with_retry_after_is_honoured() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_string("slow down"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    account_ok(&server).await;
    let policy = RetryPolicy {
        max_retry_after: Duration::from_secs(5),
        ..RetryPolicy::fast(Duration::from_millis(1))
    };
    let client = builder(&server.uri()).retry(policy).build().unwrap();

    let started = Instant::now();
    client.account().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(client.requests_made(), 2);
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_on_its_own() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    account_ok(&server).await;
    let policy = {
        let fast = RetryPolicy::fast(Duration::from_millis(1));
        RetryPolicy {
            rate_limited: psa_http::RetryStrategy {
                initial_delay: Duration::from_millis(40),
                max_delay: Duration::from_millis(40) * 16,
                ..fast.rate_limited
            },
            ..fast
        }
    };
    let client = builder(&server.uri()).retry(policy).build().unwrap();

    let started = Instant::now();
    client.account().await.unwrap();
    // 40 ms, then 80 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(120),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(client.requests_made(), 3);
}

#[tokio::test]
async fn persistent_429s_end_in_a_rate_limited_error() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .set_body_string(r#"{"error":"rate"}"#),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let error = client.account().await.unwrap_err();
    let HuntressError::RateLimited {
        attempts,
        retry_after,
        ref body,
        ..
    } = error
    else {
        panic!("{error}")
    };
    let retries = RetryPolicy::default().rate_limited.max_attempts - 1;
    assert_eq!(attempts, retries + 1);
    assert_eq!(retry_after, Some(Duration::ZERO));
    assert_eq!(body, r#"{"error":"rate"}"#);
    assert!(error.is_transient());
    assert_eq!(client.requests_made(), u64::from(retries) + 1);
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    account_ok(&server).await;
    let client = client(&server);
    assert_eq!(
        client.account().await.unwrap().name.as_deref(),
        Some("Acme MSP")
    );
    assert_eq!(client.requests_made(), 3);
}

#[tokio::test]
async fn persistent_server_errors_keep_the_body() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(ResponseTemplate::new(500).set_body_string("Internal Server Error: db down"))
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .retry({
            let fast = RetryPolicy::fast(Duration::from_millis(1));
            RetryPolicy {
                failures: psa_http::RetryStrategy {
                    max_attempts: 3,
                    ..fast.failures
                },
                ..fast
            }
        })
        .build()
        .unwrap();
    let error = client.account().await.unwrap_err();
    assert!(
        matches!(error, HuntressError::Server { status: 500, attempts: 3, ref body, .. } if body.contains("db down")),
        "{error}"
    );
    let text = error.to_string();
    assert!(!text.contains(KEY) && !text.contains(SECRET));
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("account.json"))
                .set_delay(Duration::from_millis(800)),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    account_ok(&server).await;
    let client = builder(&server.uri())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    client.account().await.unwrap();
    assert_eq!(client.requests_made(), 2);
}

#[tokio::test]
async fn persistent_timeouts_end_in_a_timeout_error() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("account.json"))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .timeout(Duration::from_millis(50))
        .retry({
            let fast = RetryPolicy::fast(Duration::from_millis(1));
            RetryPolicy {
                failures: psa_http::RetryStrategy {
                    max_attempts: 2,
                    ..fast.failures
                },
                ..fast
            }
        })
        .build()
        .unwrap();
    let error = client.account().await.unwrap_err();
    assert!(
        matches!(error, HuntressError::Timeout { attempts: 2, .. }),
        "{error}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    let server = MockServer::start().await;
    get("/v1/incident_reports")
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string(r#"{"error":"status does not have a valid value"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server).incident_reports().send().await.unwrap_err();
    assert!(
        matches!(error, HuntressError::Api { status: 400, ref body, .. } if body.contains("valid value"))
    );
    assert!(!error.is_transient());
}

#[tokio::test]
async fn an_unreachable_host_is_a_transport_error() {
    // Nothing listens on the discard port of localhost.
    let client = builder("http://127.0.0.1:9")
        .retry({
            let fast = RetryPolicy::fast(Duration::from_millis(1));
            RetryPolicy {
                failures: psa_http::RetryStrategy {
                    max_attempts: 2,
                    ..fast.failures
                },
                ..fast
            }
        })
        .build()
        .unwrap();
    let error = client.account().await.unwrap_err();
    assert!(
        matches!(error, HuntressError::Transport { attempts: 2, .. }),
        "{error}"
    );
}

/// A hostile `Retry-After` (1e20 seconds) used to panic the job; it is
/// clamped to the policy's longest wait.
#[tokio::test]
async fn a_huge_retry_after_is_clamped_not_a_panic() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1e20"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    account_ok(&server).await;
    let policy = RetryPolicy {
        max_retry_after: Duration::from_millis(20),
        ..RetryPolicy::fast(Duration::from_millis(1))
    };
    let client = builder(&server.uri()).retry(policy).build().unwrap();

    client.account().await.unwrap();
    assert_eq!(client.requests_made(), 2);
}

/// A body over the cap is a typed error, not read whole.
#[tokio::test]
async fn an_oversized_body_is_refused() {
    let server = MockServer::start().await;
    get("/v1/account")
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(5_000)))
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .max_body_bytes(1_000)
        .build()
        .unwrap();

    let error = client.account().await.unwrap_err();
    assert!(
        matches!(&error, HuntressError::BodyTooLarge { cap: 1_000, .. }),
        "{error:?}"
    );
}

/// The service's URL policy, not the tenant, decides where a client goes.
#[tokio::test]
async fn urls_the_policy_refuses_are_configuration_errors_naming_the_rule() {
    let strict = |url: &str| {
        huntress::HuntressClient::builder()
            .credentials(
                secrecy::SecretString::from(KEY),
                secrecy::SecretString::from(SECRET),
            )
            .base_url(url)
            .build()
            .unwrap_err()
            .to_string()
    };
    assert!(strict("http://api.huntress.io").contains("https only"));
    assert!(strict("https://10.0.0.5").contains("no private"));
    assert!(strict("https://169.254.169.254").contains("cloud-metadata"));
    assert!(strict("https://127.0.0.1:9443").contains("no loopback"));
    assert!(
        huntress::HuntressClient::builder()
            .credentials(
                secrecy::SecretString::from(KEY),
                secrecy::SecretString::from(SECRET)
            )
            .base_url("https://api.huntress.io")
            .build()
            .is_ok()
    );
}
