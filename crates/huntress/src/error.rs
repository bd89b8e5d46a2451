//! The client's error type.

use crate::requests::pagination::UndecodableRecord;
use std::time::Duration;

/// Why a Huntress call failed.
///
/// Every variant that comes from an HTTP answer keeps a short, sanitized
/// excerpt of the server's body ([`psa_http::excerpt`]; the error body
/// schema is not documented). Credentials never appear
/// in an error: they travel only in the `Authorization` header.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HuntressError {
    /// 401 or 403: the API key or secret is wrong, revoked, or lacks a
    /// permission. Huntress answers 403 for a bad credential on almost every
    /// operation. Not retried: a person must act.
    #[error("Huntress refused the credentials for {path} (HTTP {status}): {body}")]
    Authentication {
        /// 401 or 403.
        status: u16,
        /// Path and query of the request.
        path: String,
        /// The server's body.
        body: String,
    },
    /// 429 on every attempt the retry policy allowed.
    #[error(
        "Huntress rate limit still exceeded for {path} after {attempts} attempts (HTTP 429): {body}"
    )]
    RateLimited {
        /// Path and query of the request.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The last `Retry-After` the server sent, if any.
        retry_after: Option<Duration>,
        /// The server's body.
        body: String,
    },
    /// 5xx on every attempt the retry policy allowed.
    #[error("Huntress server error for {path} (HTTP {status}) after {attempts} attempts: {body}")]
    Server {
        /// The last status.
        status: u16,
        /// Path and query of the request.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The server's body.
        body: String,
    },
    /// Any other non-success answer (400, 404 on a list, 409, 422...).
    #[error("Huntress rejected {path} (HTTP {status}): {body}")]
    Api {
        /// The status.
        status: u16,
        /// Path and query of the request.
        path: String,
        /// The server's body.
        body: String,
    },
    /// No answer within the client's timeout, on every attempt allowed.
    #[error("Huntress did not answer {path} in time after {attempts} attempts")]
    Timeout {
        /// Path and query of the request.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The request could not be sent or the answer not read (DNS, TLS,
    /// connection reset), on every attempt allowed.
    #[error("could not reach Huntress for {path} after {attempts} attempts: {source}")]
    Transport {
        /// Path and query of the request.
        path: String,
        /// Attempts made.
        attempts: u32,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The answer's body is larger than the client's cap
    /// ([`HuntressClientBuilder::max_body_bytes`](crate::HuntressClientBuilder::max_body_bytes)):
    /// not read past it.
    #[error("the answer from Huntress for {path} is larger than {cap} bytes; not read")]
    BodyTooLarge {
        /// Path and query of the request.
        path: String,
        /// The cap, in bytes.
        cap: usize,
    },
    /// A success answer whose body is not the expected shape (not JSON, or
    /// a single record that does not decode).
    #[error(
        "unexpected answer from Huntress for {path} at JSON path {json_path}: {message}; body: {body}"
    )]
    Decode {
        /// Path and query of the request.
        path: String,
        /// Where in the body decoding failed, e.g. `incident_report.updated_at`.
        json_path: String,
        /// What was wrong.
        message: String,
        /// The server's body.
        body: String,
    },
    /// One record of a list could not be decoded. Only item streams
    /// ([`crate::ListIncidentReports::into_stream`] and the like) yield it, and
    /// they go on after it: the rest of the page is fine.
    #[error(transparent)]
    Undecodable(Box<UndecodableRecord>),
    /// The server handed back a page token it had already given in this walk;
    /// following it would loop forever.
    #[error("Huntress returned page token {token:?} twice in one walk; stopped to avoid a loop")]
    RepeatedPageToken {
        /// The repeated token.
        token: String,
    },
    /// The request was refused before sending (e.g. `limit` out of range).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The shared request budget (in the store) could not be read; the
    /// request was not sent. Transient: the store may answer next time.
    #[error("the shared Huntress request budget is unavailable: {0}")]
    Budget(String),
    /// The client could not be built from its configuration.
    #[error("invalid Huntress client configuration: {field}: {message}")]
    Config {
        /// The setting at fault, e.g. `base_url`.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

impl HuntressError {
    /// True when retrying later may succeed without a person acting
    /// (rate limit, 5xx, timeout, network).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Timeout { .. }
                | Self::Transport { .. }
                | Self::Budget(_)
        )
    }

    /// True for a refused credential (401/403).
    pub fn is_authentication(&self) -> bool {
        matches!(self, Self::Authentication { .. })
    }

    /// The HTTP status of the answer this error came from, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Authentication { status, .. }
            | Self::Server { status, .. }
            | Self::Api { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}
