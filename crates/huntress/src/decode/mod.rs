//! Tolerant decoding of Huntress answers.

pub(crate) mod envelope;
pub(crate) mod loose;
