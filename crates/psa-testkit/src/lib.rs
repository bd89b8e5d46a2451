//! Test utilities: stateful Tanium and Huntress simulators over real HTTP (wiremock), with fault injection, for tests and examples.

/// A stateful Huntress REST API simulator over HTTP (wiremock), with fault injection.
pub mod huntress;

/// A stateful Tanium Gateway (GraphQL) and Asset API simulator over HTTP (wiremock), with fault injection.
pub mod tanium;

/// The quickstart's fixed dataset on both simulators.
pub mod demo;

/// A store wrapper that counts, fails and pauses writes, for crash-consistency and fencing tests.
pub mod store;
pub mod vendor_json;
