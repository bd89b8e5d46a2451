//! The store conformance suite. Each test is written once as an
//! `async fn(TestStore)` and runs on both backends through
//! `psa_store::backend_tests!` (as `<test>::postgres` and `<test>::sqlite`),
//! each on a fresh database.

mod alerts;
mod assets;
mod budget;
mod catalog;
mod concurrency;
mod entity_mappings;
mod integrations;
mod isolation;
mod open;
mod quarantine;
mod reads;
mod schedules;
mod schema_rules;
mod scopes;
mod secrets;
mod support;
mod sync_runs;
mod tickets;
mod usage;
mod webhooks;
