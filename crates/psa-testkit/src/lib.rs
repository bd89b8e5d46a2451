//! Placeholder: see README.

/// A stateful Huntress REST API simulator over HTTP (wiremock), with fault injection.
pub mod huntress;

/// A stateful Tanium Gateway (GraphQL) and Asset API simulator over HTTP (wiremock), with fault injection.
pub mod tanium;
