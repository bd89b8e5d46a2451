use psa_ingest::engine::EngineError;
use psa_ingest::ports::StoreError;
use psa_ingest::settings::SettingsError;
use psa_ingest::sources::SourceError;
use psa_registry::{ProviderError, ProviderId};

/// Why a job could not run or finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The integration names a provider the registry does not hold.
    #[error("no provider {0} is registered")]
    UnknownProvider(ProviderId),
    /// The integration does not exist for the tenant.
    #[error("integration {0} not found")]
    IntegrationNotFound(String),
    /// The provider cannot do what the job asks.
    #[error("provider {provider} has no {capability}")]
    Unsupported {
        /// The provider.
        provider: ProviderId,
        /// What is missing, e.g. `device source`.
        capability: &'static str,
    },
    /// The integration is not connected (or was disconnected).
    #[error("integration {0} is not connected: connect it first")]
    NotConnected(String),
    /// The provider refused to connect.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// An engine failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SourceError> for SyncError {
    fn from(error: SourceError) -> Self {
        Self::Engine(error.into())
    }
}

impl From<SettingsError> for SyncError {
    fn from(error: SettingsError) -> Self {
        Self::Engine(error.into())
    }
}

impl SyncError {
    /// Whether a person must act (fix credentials or settings) before the
    /// next run can succeed.
    pub fn needs_attention(&self) -> bool {
        matches!(
            self,
            Self::Provider(ProviderError::Settings(_) | ProviderError::MissingSecret { .. })
                | Self::Provider(ProviderError::Source(SourceError::Authentication { .. }))
                | Self::Engine(EngineError::Source(SourceError::Authentication { .. }))
                | Self::Engine(EngineError::Settings(_))
                | Self::NotConnected(_)
                | Self::UnknownProvider(_)
        )
    }

    /// The message shown on the integration, in words a person can act on.
    pub fn user_message(&self) -> String {
        match self {
            Self::Provider(ProviderError::Source(SourceError::Authentication { .. }))
            | Self::Engine(EngineError::Source(SourceError::Authentication { .. })) => {
                format!(
                    "{self}. Check the API credentials and their permissions, then reconnect the integration."
                )
            }
            Self::Engine(EngineError::Settings(_)) | Self::Provider(ProviderError::Settings(_)) => {
                format!("{self}. Complete the integration's settings.")
            }
            _ => self.to_string(),
        }
    }
}
