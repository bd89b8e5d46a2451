use crate::ports::StoreError;
use crate::settings::SettingsError;
use crate::sources::SourceError;

/// Why an engine run stopped.
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
}
