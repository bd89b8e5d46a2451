use psa_ingest::engine::EngineError;
use psa_ingest::ports::StoreError;
use psa_ingest::settings::SettingsError;
use psa_ingest::sources::SourceError;
use psa_registry::{ProviderError, ProviderId};

/// Why a job could not run or finish.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The integration names a provider the registry does not hold, or one
    /// the service's edition or feature flags do not allow.
    #[error(transparent)]
    ProviderUnavailable(#[from] psa_registry::Unavailable),
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
    /// The job is not on the integration's schedule (the integration is not
    /// connected, or its provider has no such job).
    #[error("integration {integration} has no {job} job on the schedule")]
    NotScheduled {
        /// The integration.
        integration: String,
        /// The job.
        job: crate::Job,
    },
    /// The provider refused to connect.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// An engine failed.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The job ran past `schedule.job_deadline_seconds` and was stopped.
    #[error(
        "the {job} job ran longer than its deadline of {seconds} s (schedule.job_deadline_seconds) and was stopped; the next run resumes"
    )]
    DeadlineExceeded {
        /// The job.
        job: crate::Job,
        /// The deadline.
        seconds: i64,
    },
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
    /// Whether the job's lease was lost while it ran: a write was refused
    /// because another worker holds the job now.
    pub fn lease_lost(&self) -> bool {
        matches!(
            self,
            Self::Store(StoreError::Fenced { .. })
                | Self::Engine(EngineError::Store(StoreError::Fenced { .. }))
        )
    }

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
                | Self::ProviderUnavailable(_)
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
