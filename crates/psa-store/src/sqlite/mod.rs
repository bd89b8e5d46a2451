//! SQLite: the ports of `queries/` compiled with this backend's
//! `dialect`, and the asset batch write and device lookup written for it.

mod asset_writes;
pub(crate) mod dialect;
// One source for both backends, compiled once per backend on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "../queries/mod.rs"]
mod queries;
