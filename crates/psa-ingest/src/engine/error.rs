use crate::ports::StoreError;
use crate::settings::SettingsError;
use crate::sources::SourceError;

/// Why an engine run, or the processing of one record, stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The provider could not deliver.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The integration's settings are missing or wrong; names every field.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A record the engine cannot take as it is (an id it cannot key by).
    #[error("invalid record: {message}")]
    InvalidRecord {
        /// What is wrong with it.
        message: String,
    },
}

impl EngineError {
    /// Whether the error is the record's own (its data, a rule it breaks,
    /// a provider answer about it that cannot be used): the record is
    /// quarantined and the cycle goes on. A store that fails, a provider
    /// that cannot be reached or refuses the credentials, and wrong
    /// settings stop the cycle instead. Told by the error's kind, never its
    /// text.
    pub fn is_about_the_record(&self) -> bool {
        match self {
            Self::Store(error) => error.is_about_the_record(),
            Self::Source(SourceError::Provider { .. }) | Self::InvalidRecord { .. } => true,
            Self::Source(_) | Self::Settings(_) => false,
        }
    }
}
