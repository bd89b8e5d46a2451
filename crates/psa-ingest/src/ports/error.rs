use std::error::Error as StdError;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a store call failed. Messages never contain secret values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The row does not exist for this tenant.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What was looked for, e.g. `integration`.
        entity: &'static str,
        /// Its id.
        id: String,
    },
    /// A compare-and-set lost, or a uniqueness rule refused the write.
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicted.
        message: String,
    },
    /// The caller passed something the store cannot accept.
    #[error("invalid input: {message}")]
    InvalidInput {
        /// What was wrong.
        message: String,
    },
    /// The write refers to a row that does not exist for this tenant (a
    /// board, category or client deleted after the settings naming it were
    /// checked): the settings or the catalog must be fixed, so it stops the
    /// cycle rather than failing one record.
    #[error("missing reference: {message}")]
    MissingReference {
        /// What was referred to.
        message: String,
    },
    /// A secret could not be encrypted or decrypted (wrong key, tampering).
    #[error("secret error: {message}")]
    Secret {
        /// What went wrong, never the secret itself.
        message: String,
    },
    /// The write was made under a lease that is no longer held (it expired
    /// and another worker took the job over, or it was released): refused,
    /// nothing of it landed.
    #[error(
        "write refused: the lease on job {job} of integration {integration} is no longer held by this run"
    )]
    Fenced {
        /// The job.
        job: String,
        /// The integration.
        integration: String,
    },
    /// The database failed (connection, I/O, unexpected constraint).
    #[error("database error: {message}")]
    Backend {
        /// What the store was doing and what the database said.
        message: String,
        /// The driver's error.
        #[source]
        source: Option<BoxError>,
    },
}

impl StoreError {
    /// Whether the error is about the record written (its data, a rule it
    /// breaks, a row it refers to) rather than the store failing: the
    /// record fails alone and the pipeline goes on with the next one.
    /// Connection, I/O and pool errors, and a lost lease, are the store's:
    /// they stop the cycle.
    pub fn is_about_the_record(&self) -> bool {
        matches!(
            self,
            Self::InvalidInput { .. } | Self::NotFound { .. } | Self::Secret { .. }
        )
    }
}

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;
