//! The HTTP layer both clients share: the `session` header, timeouts, no
//! redirects, the URL policy and body cap of [`psa_http`], response
//! classification and retries.

use crate::{ApiToken, GatewayError, RetryPolicy};
use psa_http::{BodyError, DEFAULT_MAX_BODY_BYTES, UrlPolicy, read_capped};
use reqwest::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use reqwest::{RequestBuilder, StatusCode, Url};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Timeouts, retry strategy, URL policy and body cap of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpOptions {
    /// Longest wait for one whole request (default 60 s).
    pub request_timeout: Duration,
    /// Longest wait to open a connection (default 10 s).
    pub connect_timeout: Duration,
    /// How transient failures are retried.
    pub retry: RetryPolicy,
    /// Which URLs the client may call (default: `https` to public addresses
    /// only); the embedding service decides, not a tenant.
    pub url_policy: UrlPolicy,
    /// The largest response body read (default 32 MiB).
    pub max_body_bytes: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            url_policy: UrlPolicy::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// A configured HTTP client holding the token's header value.
#[derive(Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    session: HeaderValue,
    options: HttpOptions,
    /// Requests sent, shared by every clone.
    requests: Arc<AtomicU64>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The session header is left out on purpose.
        f.debug_struct("Http")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Http {
    pub(crate) fn new(token: &ApiToken, options: HttpOptions) -> Result<Self, GatewayError> {
        let client = reqwest::Client::builder()
            // A redirect from Tanium goes to the login page: following it
            // would send the token elsewhere and hide the real cause.
            .redirect(reqwest::redirect::Policy::none())
            // Every address a name resolves to is checked too.
            .dns_resolver(options.url_policy.resolver())
            .timeout(options.request_timeout)
            .connect_timeout(options.connect_timeout)
            .user_agent(concat!("tanium-gateway/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| GatewayError::Network {
                operation: "client setup",
                source,
            })?;
        Ok(Self {
            client,
            session: token.header_value()?,
            options,
            requests: Arc::default(),
        })
    }

    /// Requests sent so far by this client and its clones.
    pub(crate) fn requests_made(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub(crate) fn retry(&self) -> &RetryPolicy {
        &self.options.retry
    }

    /// Sends one request with the `session` header and returns the body of
    /// a successful JSON answer; every other answer becomes a named error.
    pub(crate) async fn send(
        &self,
        operation: &'static str,
        what: &'static str,
        request: RequestBuilder,
    ) -> Result<Vec<u8>, GatewayError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = request
            .header("session", self.session.clone())
            .send()
            .await
            .map_err(|e| self.transport_error(operation, e))?;
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        let body = match read_capped(response, self.options.max_body_bytes).await {
            Ok(body) => body,
            Err(BodyError::TooLarge { cap }) => {
                return Err(GatewayError::BodyTooLarge { operation, cap });
            }
            Err(BodyError::Read(e)) => return Err(self.transport_error(operation, e)),
        };
        classify(status, location, &content_type, &body, what)?;
        Ok(body)
    }

    /// Runs `attempt` until it succeeds, fails for good, or the retry policy
    /// runs out.
    pub(crate) async fn retrying<T, F, Fut>(
        &self,
        operation: &'static str,
        attempt: F,
    ) -> Result<T, GatewayError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, GatewayError>>,
    {
        psa_http::retry(&self.options.retry, attempt, verdict, |error, delay| {
            tracing::warn!(operation, ?delay, %error, "retrying Tanium request");
        })
        .await
    }

    fn transport_error(&self, operation: &'static str, source: reqwest::Error) -> GatewayError {
        if source.is_timeout() {
            GatewayError::Timeout {
                operation,
                timeout: self.options.request_timeout,
            }
        } else {
            GatewayError::Network { operation, source }
        }
    }
}

/// Transient failures are retried; everything else is returned.
pub(crate) fn verdict(error: &GatewayError) -> psa_http::Verdict {
    if error.is_retryable() {
        psa_http::Verdict::Retry
    } else {
        psa_http::Verdict::Stop
    }
}

fn classify(
    status: StatusCode,
    location: Option<String>,
    content_type: &str,
    body: &[u8],
    what: &'static str,
) -> Result<(), GatewayError> {
    let code = status.as_u16();
    if status.is_redirection() {
        return Err(GatewayError::LoginRedirect {
            status: code,
            location,
        });
    }
    match code {
        401 => {
            return Err(GatewayError::Unauthorized {
                body: psa_http::excerpt(body),
            });
        }
        403 => {
            return Err(GatewayError::Forbidden {
                body: psa_http::excerpt(body),
            });
        }
        500..=599 => {
            return Err(GatewayError::Server {
                status: code,
                body: psa_http::excerpt(body),
            });
        }
        _ if !status.is_success() => {
            return Err(GatewayError::Status {
                status: code,
                what,
                body: psa_http::excerpt(body),
            });
        }
        _ => {}
    }
    let looks_like_html =
        content_type.contains("html") || body.trim_ascii_start().starts_with(b"<");
    if looks_like_html {
        return Err(GatewayError::HtmlPage { status: code });
    }
    Ok(())
}

/// Parses a configured URL and checks it against the URL policy (scheme,
/// credentials, host).
pub(crate) fn parse_url(url: &str, policy: &UrlPolicy) -> Result<Url, GatewayError> {
    policy
        .check(url)
        .map_err(|refused| GatewayError::InvalidUrl {
            url: refused.url,
            reason: format!("{}: {}", refused.rule, refused.advice),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> StatusCode {
        StatusCode::from_u16(code).unwrap()
    }

    #[test]
    fn classifies_each_failure_shape() {
        let redirect = classify(status(302), Some("/login".into()), "", b"", "x").unwrap_err();
        assert!(matches!(
            redirect,
            GatewayError::LoginRedirect { status: 302, .. }
        ));
        let html = classify(
            status(200),
            None,
            "text/html; charset=utf-8",
            b"<html>",
            "x",
        )
        .unwrap_err();
        assert!(matches!(html, GatewayError::HtmlPage { status: 200 }));
        let sniffed = classify(status(200), None, "", b"  <!DOCTYPE html>", "x").unwrap_err();
        assert!(matches!(sniffed, GatewayError::HtmlPage { .. }));
        assert!(matches!(
            classify(status(401), None, "", b"", "x"),
            Err(GatewayError::Unauthorized { .. })
        ));
        assert!(matches!(
            classify(status(403), None, "", b"", "x"),
            Err(GatewayError::Forbidden { .. })
        ));
        let server =
            classify(status(500), None, "", b"Failed to initialize request", "x").unwrap_err();
        assert!(server.to_string().contains("Failed to initialize request"));
        assert!(server.is_retryable());
        let throttled = classify(status(429), None, "", b"", "x").unwrap_err();
        assert!(throttled.is_retryable());
        let missing = classify(status(404), None, "", b"", "x").unwrap_err();
        assert!(!missing.is_retryable());
        assert!(classify(status(200), None, "application/json", b"{}", "x").is_ok());
    }

    #[test]
    fn urls_follow_the_policy_and_name_the_rule() {
        let strict = UrlPolicy::default();
        assert!(
            parse_url(
                "https://acme-api.cloud.tanium.com/plugin/products/gateway/graphql",
                &strict
            )
            .is_ok()
        );
        let reason = |url: &str| match parse_url(url, &strict) {
            Err(GatewayError::InvalidUrl { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason("ftp://example.com").starts_with("https only"));
        assert!(reason("http://example.com").starts_with("https only"));
        assert!(reason("https://user:pw@example.com").starts_with("no credentials"));
        assert!(reason("https://10.0.0.7").starts_with("no private"));
        assert!(reason("not a url").starts_with("not a URL"));
        assert!(parse_url("http://127.0.0.1:9000", &UrlPolicy::loopback()).is_ok());
    }
}
