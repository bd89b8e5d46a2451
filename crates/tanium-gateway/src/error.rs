//! What can go wrong talking to Tanium, each cause named.

use crate::TokenError;
use std::fmt;
use std::time::Duration;

/// One entry of a GraphQL `errors` array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphQlErrorDetail {
    /// The server's message.
    pub message: String,
    /// Where in the response it applies, e.g. `endpoints.edges.3.node`; `None` when not sent.
    pub path: Option<String>,
}

impl fmt::Display for GraphQlErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{} (at {path})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why a call to the Tanium Gateway or the Asset API failed.
///
/// Messages never contain the API token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The token was refused before any request was made.
    #[error(transparent)]
    InvalidToken(#[from] TokenError),
    /// A URL in the configuration cannot be used.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The answer's body is larger than the client's cap
    /// ([`HttpOptions::max_body_bytes`](crate::HttpOptions::max_body_bytes)):
    /// not read past it.
    #[error("{operation}: the answer is larger than {cap} bytes; not read")]
    BodyTooLarge {
        /// What the client was doing.
        operation: &'static str,
        /// The cap, in bytes.
        cap: usize,
    },
    /// The server answered with a redirect, in practice to its login page.
    /// The redirect is never followed (it would carry the token elsewhere).
    #[error(
        "Tanium redirected the request (HTTP {status}{}) instead of answering: the API token is \
         expired or revoked, is used from an address it is not bound to, or is not an API token",
        location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default()
    )]
    LoginRedirect {
        /// The HTTP status (301, 302, 303, 307 or 308).
        status: u16,
        /// The `Location` header, when sent.
        location: Option<String>,
    },
    /// The server answered with an HTML page (usually the login page) instead of JSON.
    #[error(
        "Tanium answered with an HTML page (HTTP {status}) instead of JSON: the API token is \
         expired or is not an API token, or the URL points at the console rather than the API"
    )]
    HtmlPage {
        /// The HTTP status.
        status: u16,
    },
    /// HTTP 401: the token was not accepted.
    #[error(
        "Tanium refused the API token (HTTP 401): check that the token is current and sent as \
         `session: token-...` (an `Authorization: Bearer` header is refused){}",
        body_suffix(body)
    )]
    Unauthorized {
        /// The start of the response body.
        body: String,
    },
    /// HTTP 403: the token is valid but lacks a permission.
    #[error(
        "Tanium denied access (HTTP 403): the token's user lacks a permission this call needs \
         (read access to computer groups and endpoints), or the token is used from an address it \
         is not bound to{}",
        body_suffix(body)
    )]
    Forbidden {
        /// The start of the response body.
        body: String,
    },
    /// The GraphQL response carried an `errors` array.
    #[error(
        "Tanium Gateway returned errors for {operation}: {}",
        join_errors(errors)
    )]
    GraphQl {
        /// The operation that failed.
        operation: &'static str,
        /// Every error, with its message and path.
        errors: Vec<GraphQlErrorDetail>,
    },
    /// A page cursor is no longer valid (cursors live about five minutes after
    /// their last use). Page walks restart on their own; this surfaces only
    /// when restarts are exhausted or a single page was asked for.
    #[error("the page cursor for {operation} expired: {message}")]
    CursorExpired {
        /// The operation that failed.
        operation: &'static str,
        /// The server's message.
        message: String,
    },
    /// HTTP 5xx: the server or one of its services failed.
    #[error("Tanium server error (HTTP {status}){}", body_suffix(body))]
    Server {
        /// The HTTP status.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// Another unexpected HTTP status (404, 429...).
    #[error("unexpected HTTP {status} from {what}{}", body_suffix(body))]
    Status {
        /// The HTTP status.
        status: u16,
        /// Which API answered.
        what: &'static str,
        /// The start of the response body.
        body: String,
    },
    /// No answer within the configured timeout.
    #[error("{operation} timed out after {:?}", timeout)]
    Timeout {
        /// The operation that timed out.
        operation: &'static str,
        /// The configured request timeout.
        timeout: Duration,
    },
    /// The request could not be sent or the answer not read.
    #[error("network error during {operation}: {source}")]
    Network {
        /// The operation.
        operation: &'static str,
        /// The underlying error (its message names the URL, never the token).
        #[source]
        source: reqwest::Error,
    },
    /// The response is not in the expected shape.
    #[error("cannot decode the {operation} response at {path}: {message}")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// The JSON path that failed, e.g. `data.endpoints.edges[3].node.eidLastSeen`.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// A paginated walk would not advance (the server repeated a cursor).
    #[error("{operation} paging did not advance: {message}")]
    Paging {
        /// The operation.
        operation: &'static str,
        /// What happened.
        message: String,
    },
}

impl GatewayError {
    /// True for failures worth retrying: 5xx, 429, timeouts and network errors.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Server { .. } | Self::Timeout { .. } | Self::Network { .. } => true,
            Self::Status { status, .. } => *status == 429,
            _ => false,
        }
    }

    /// True when the request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// True when the token or its permissions are the problem: a person must act.
    pub fn is_authentication(&self) -> bool {
        matches!(
            self,
            Self::InvalidToken(_)
                | Self::LoginRedirect { .. }
                | Self::HtmlPage { .. }
                | Self::Unauthorized { .. }
                | Self::Forbidden { .. }
        )
    }
}

fn body_suffix(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

fn join_errors(errors: &[GraphQlErrorDetail]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<GatewayError> for psa_ingest::sources::SourceError {
    fn from(error: GatewayError) -> Self {
        use psa_ingest::sources::SourceError;
        let message = error.to_string();
        if error.is_authentication() {
            SourceError::Authentication { message }
        } else if error.is_retryable() || matches!(error, GatewayError::CursorExpired { .. }) {
            SourceError::Transient {
                message,
                source: Some(Box::new(error)),
            }
        } else {
            SourceError::Provider {
                message,
                source: Some(Box::new(error)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use psa_ingest::sources::SourceError;

    #[test]
    fn messages_name_the_cause() {
        let redirect = GatewayError::LoginRedirect {
            status: 302,
            location: Some("/login".into()),
        };
        let text = redirect.to_string();
        assert!(
            text.contains("302") && text.contains("/login") && text.contains("expired"),
            "{text}"
        );

        let graphql = GatewayError::GraphQl {
            operation: "Endpoints",
            errors: vec![
                GraphQlErrorDetail {
                    message: "boom".into(),
                    path: Some("endpoints.edges".into()),
                },
                GraphQlErrorDetail {
                    message: "second".into(),
                    path: None,
                },
            ],
        };
        let text = graphql.to_string();
        assert!(
            text.contains("boom (at endpoints.edges)") && text.contains("second"),
            "{text}"
        );

        let forbidden = GatewayError::Forbidden {
            body: String::new(),
        };
        assert!(forbidden.to_string().contains("permission"));
    }

    #[test]
    fn maps_onto_source_errors() {
        let auth: SourceError = GatewayError::Unauthorized {
            body: String::new(),
        }
        .into();
        assert!(matches!(auth, SourceError::Authentication { .. }));
        let server: SourceError = GatewayError::Server {
            status: 502,
            body: String::new(),
        }
        .into();
        assert!(server.is_transient());
        let graphql: SourceError = GatewayError::GraphQl {
            operation: "Endpoints",
            errors: vec![],
        }
        .into();
        assert!(matches!(graphql, SourceError::Provider { .. }));
    }
}
