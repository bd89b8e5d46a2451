//! What can go wrong, by who can fix it: bad usage or configuration (the
//! operator, exit 2) or a failure while doing the work (exit 1).

use psa_integrations::ingest::ports::StoreError;
use psa_integrations::store::OpenError;
use psa_integrations::sync::SyncError;
use std::fmt;

/// A command's failure, with the message shown to the operator.
#[derive(Debug)]
pub(crate) enum CliError {
    /// Bad input or configuration: nothing was changed.
    Usage(String),
    /// The work failed.
    Failed(String),
}

impl CliError {
    pub(crate) fn usage(message: impl fmt::Display) -> Self {
        Self::Usage(message.to_string())
    }

    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Failed(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) | Self::Failed(message) => f.write_str(message),
        }
    }
}

impl From<StoreError> for CliError {
    fn from(error: StoreError) -> Self {
        match error {
            // A name taken, a value the store refuses, a row that is not
            // there: the input is at fault, and nothing was written.
            StoreError::Conflict { .. }
            | StoreError::InvalidInput { .. }
            | StoreError::NotFound { .. } => Self::Usage(error.to_string()),
            other => Self::Failed(other.to_string()),
        }
    }
}

impl From<OpenError> for CliError {
    fn from(error: OpenError) -> Self {
        match error {
            OpenError::InvalidUrl { .. }
            | OpenError::UnknownScheme { .. }
            | OpenError::NotBuilt { .. } => Self::Usage(format!("--database: {error}")),
            other => Self::Failed(other.to_string()),
        }
    }
}

impl From<SyncError> for CliError {
    fn from(error: SyncError) -> Self {
        use psa_integrations::registry::ProviderError;
        let usage = matches!(
            &error,
            SyncError::ProviderUnavailable(_)
                | SyncError::IntegrationNotFound(_)
                | SyncError::Unsupported { .. }
                | SyncError::NotConnected(_)
                | SyncError::NotScheduled { .. }
                | SyncError::Provider(
                    ProviderError::Settings(_) | ProviderError::MissingSecret { .. }
                )
                | SyncError::Engine(psa_integrations::ingest::engine::EngineError::Settings(_))
        );
        if usage {
            Self::Usage(error.to_string())
        } else {
            Self::Failed(error.to_string())
        }
    }
}
