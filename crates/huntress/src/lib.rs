//! Placeholder: see README.
