//! Turning driver errors into the ports' [`StoreError`].

use psa_ingest::ports::{StoreError, StoreResult};

/// Classifies a driver error: a uniqueness rule becomes
/// [`StoreError::Conflict`], a value the database refuses
/// [`StoreError::InvalidInput`], a missing referenced row (foreign key)
/// [`StoreError::MissingReference`], anything else [`StoreError::Backend`].
/// `context` says what the store was doing; bound values never appear.
pub(crate) fn db_error(context: &'static str, err: sqlx::Error) -> StoreError {
    if let Some(db) = err.as_database_error() {
        let constraint = db.constraint().unwrap_or("unnamed constraint").to_owned();
        if db.is_unique_violation() {
            return StoreError::Conflict {
                message: format!("{context}: duplicate key ({constraint})"),
            };
        }
        // Class 22 (data exception: a NUL byte in an id, a value out of
        // range) and 23 (a check or not-null rule): the record's fault.
        if let Some(code) = db.code()
            && (code.starts_with("22") || code == "23502" || code == "23514")
        {
            return StoreError::InvalidInput {
                message: format!(
                    "{context}: the database refused a value ({code}): {}",
                    db.message()
                ),
            };
        }
        if db.is_foreign_key_violation() {
            return StoreError::MissingReference {
                message: format!(
                    "{context}: refers to a row that does not exist for this tenant ({constraint})"
                ),
            };
        }
    }
    StoreError::Backend {
        message: format!("{context}: {err}"),
        source: Some(Box::new(err)),
    }
}

/// `.ctx("what")` on driver results: [`db_error`] with context.
pub(crate) trait DbResultExt<T> {
    /// Maps the error with [`db_error`].
    fn ctx(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> DbResultExt<T> for Result<T, sqlx::Error> {
    fn ctx(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|err| db_error(context, err))
    }
}

/// A stored value the store cannot read back (a corrupt or hand-edited row).
pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Backend {
        message: format!("unreadable stored value: {what}"),
        source: None,
    }
}

/// A write under a lease that is no longer held.
pub(crate) fn fenced(fence: &psa_ingest::ports::Fence) -> StoreError {
    StoreError::Fenced {
        job: fence.job.to_string(),
        integration: fence.integration.to_string(),
    }
}

/// The row was not there for this tenant.
pub(crate) fn not_found(entity: &'static str, id: impl std::fmt::Display) -> StoreError {
    StoreError::NotFound {
        entity,
        id: id.to_string(),
    }
}

/// The caller passed something the store cannot accept.
pub(crate) fn invalid(message: impl Into<String>) -> StoreError {
    StoreError::InvalidInput {
        message: message.into(),
    }
}

/// Checks a caller's key (a secret name, a delivery id, an account key):
/// not blank, at most `max` bytes, no control characters. The error names
/// what was wrong; a secret's name is not a secret, but a key is shown only
/// when `show` says so.
pub(crate) fn check_key(what: &str, value: &str, max: usize, show: bool) -> StoreResult<()> {
    if value.trim().is_empty() || value.len() > max || value.chars().any(char::is_control) {
        let shown = if show {
            format!(" {value:?}")
        } else {
            String::new()
        };
        return Err(invalid(format!(
            "{what}{shown} must be 1 to {max} bytes without control characters"
        )));
    }
    Ok(())
}

/// A column could not be decoded into the expected Rust type.
pub(crate) fn decode_error(column: &str, err: sqlx::Error) -> StoreError {
    StoreError::Backend {
        message: format!("reading column {column}: {err}"),
        source: Some(Box::new(err)),
    }
}
