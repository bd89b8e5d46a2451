//! Typed settings errors shared by providers and pipelines: every bad field
//! is named, not just the first.

use std::fmt;

/// One setting that is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The setting's name, e.g. `page_size`.
    pub field: String,
    /// What is wrong, e.g. `must be between 1 and 1000`.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Settings that cannot be used, with every problem found (not just the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SettingsError {
    /// The problems, one per field.
    pub errors: Vec<FieldError>,
}

impl SettingsError {
    /// Settings error from field errors.
    pub fn new(errors: Vec<FieldError>) -> Self {
        Self { errors }
    }

    /// `Ok` when `errors` is empty, else the error.
    pub fn check(errors: Vec<FieldError>) -> Result<(), Self> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Self { errors })
        }
    }

    /// Names of the fields with problems.
    pub fn fields(&self) -> Vec<&str> {
        self.errors.iter().map(|e| e.field.as_str()).collect()
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid settings: ")?;
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{} {}", error.field, error.message)?;
        }
        Ok(())
    }
}
