use std::error::Error as StdError;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a source could not deliver. Messages never contain credentials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The credentials were refused or lack a permission; a person must act.
    #[error("authentication failed: {message}")]
    Authentication {
        /// What the provider said, and what to check.
        message: String,
    },
    /// A failure worth retrying later (5xx, timeout, rate limit, network).
    #[error("temporary failure: {message}")]
    Transient {
        /// What happened.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// The provider rejected the request or sent data that cannot be used.
    #[error("provider error: {message}")]
    Provider {
        /// What happened, with the provider's own message.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
}

impl SourceError {
    /// True when retrying later can succeed without a person acting.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. })
    }
}
