//! One GET with the limiter, the retry policy and the status mapping.

use crate::HuntressError;
use crate::client::HuntressClient;
use psa_http::Verdict;
use psa_http::{BodyError, parse_retry_after, read_capped};
use reqwest::header::RETRY_AFTER;
use reqwest::{StatusCode, Url};
use secrecy::ExposeSecret;
use serde::Serialize;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// What one attempt produced.
enum Attempt {
    Answer {
        status: StatusCode,
        retry_after: Option<Duration>,
        body: String,
    },
    Failed(reqwest::Error),
    TooLarge {
        cap: usize,
    },
    /// The shared budget could not be read.
    Budget(HuntressError),
}

impl HuntressClient {
    /// GETs `/v1/{resource}` with `query`. Returns the body and the request's
    /// path and query (for errors), or `None` on a 404 when
    /// `missing_is_none`.
    pub(super) async fn get<Q: Serialize + ?Sized>(
        &self,
        resource: &str,
        query: &Q,
        missing_is_none: bool,
    ) -> Result<Option<(String, String)>, HuntressError> {
        let inner = &self.inner;
        let request = inner
            .http
            .get(format!("{}/v1/{resource}", inner.base_url))
            .basic_auth(
                inner.api_key.expose_secret(),
                Some(inner.api_secret.expose_secret()),
            )
            .query(query)
            .build()
            .map_err(|error| {
                HuntressError::InvalidRequest(format!("cannot build /v1/{resource}: {error}"))
            })?;
        let path = path_and_query(request.url());
        let policy = &inner.retry;
        let attempts = AtomicU32::new(0);
        let rate_limit = policy.rate_limit_strategy();
        // Failures and 429s have budgets of their own: the 429 retries run
        // inside each try of the failure retries.
        psa_http::retry(
            &policy.failures,
            || {
                psa_http::retry(
                    &rate_limit,
                    || self.try_once(&request, &path, missing_is_none, &attempts),
                    |error| match error {
                        HuntressError::RateLimited {
                            retry_after: Some(wait),
                            ..
                        } => Verdict::RetryAfter(*wait),
                        HuntressError::RateLimited { .. } => Verdict::Retry,
                        _ => Verdict::Stop,
                    },
                    |error, wait| {
                        tracing::warn!(%path, ?wait, %error, "Huntress rate limit hit; waiting");
                        // Every clone waits: the limit is per account.
                        inner.limiter.pause_for(wait);
                    },
                )
            },
            |error| match error {
                HuntressError::Timeout { .. }
                | HuntressError::Transport { .. }
                | HuntressError::Server { .. } => Verdict::Retry,
                _ => Verdict::Stop,
            },
            |error, wait| tracing::warn!(%path, ?wait, %error, "Huntress request failed; retrying"),
        )
        .await
    }

    /// One try: the answer mapped to a body or a named error, which
    /// carries the attempts made so far.
    async fn try_once(
        &self,
        request: &reqwest::Request,
        path: &str,
        missing_is_none: bool,
        attempts: &AtomicU32,
    ) -> Result<Option<(String, String)>, HuntressError> {
        let attempts = attempts.fetch_add(1, Ordering::Relaxed) + 1;
        let path = path.to_owned();
        let attempt = request.try_clone().expect("a GET has no streaming body");
        match self.attempt(attempt).await {
            Attempt::Failed(error) if error.is_timeout() => Err(HuntressError::Timeout {
                path,
                attempts,
                source: error,
            }),
            Attempt::Failed(error) => Err(HuntressError::Transport {
                path,
                attempts,
                source: error,
            }),
            Attempt::TooLarge { cap } => Err(HuntressError::BodyTooLarge { path, cap }),
            Attempt::Budget(error) => Err(error),
            Attempt::Answer { status, body, .. } if status.is_success() => Ok(Some((body, path))),
            Attempt::Answer { status, body, .. } if matches!(status.as_u16(), 401 | 403) => {
                Err(HuntressError::Authentication {
                    status: status.as_u16(),
                    path,
                    body: psa_http::excerpt(body.as_bytes()),
                })
            }
            Attempt::Answer {
                status: StatusCode::NOT_FOUND,
                ..
            } if missing_is_none => Ok(None),
            Attempt::Answer {
                status: StatusCode::TOO_MANY_REQUESTS,
                retry_after,
                body,
            } => Err(HuntressError::RateLimited {
                path,
                attempts,
                retry_after,
                body: psa_http::excerpt(body.as_bytes()),
            }),
            Attempt::Answer { status, body, .. } if status.is_server_error() => {
                Err(HuntressError::Server {
                    status: status.as_u16(),
                    path,
                    attempts,
                    body: psa_http::excerpt(body.as_bytes()),
                })
            }
            Attempt::Answer { status, body, .. } => Err(HuntressError::Api {
                status: status.as_u16(),
                path,
                body: psa_http::excerpt(body.as_bytes()),
            }),
        }
    }

    /// Sends once, holding a limiter slot (and the shared budget's) until
    /// the whole body is read; a 429 pauses the shared budget.
    async fn attempt(&self, request: reqwest::Request) -> Attempt {
        let _permit = self.inner.limiter.acquire().await;
        let Some(budget) = &self.inner.budget else {
            return self.send(request).await;
        };
        let slot = match budget.take().await {
            Ok(slot) => slot,
            Err(error) => return Attempt::Budget(error),
        };
        let attempt = self.send(request).await;
        budget.finish(slot).await;
        if let Attempt::Answer {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after,
            ..
        } = &attempt
        {
            budget.pause(*retry_after).await;
        }
        attempt
    }

    async fn send(&self, request: reqwest::Request) -> Attempt {
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let response = match self.inner.http.execute(request).await {
            Ok(response) => response,
            Err(error) => return Attempt::Failed(error),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, self.inner.retry.max_retry_after));
        match read_capped(response, self.inner.max_body_bytes).await {
            Ok(body) => Attempt::Answer {
                status,
                retry_after,
                body: String::from_utf8_lossy(&body).into_owned(),
            },
            Err(BodyError::TooLarge { cap }) => Attempt::TooLarge { cap },
            Err(BodyError::Read(error)) => Attempt::Failed(error),
        }
    }
}

fn path_and_query(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}
