//! It answers the `tanium-gateway` client's GraphQL operations
//! (`ConnectionTest`, `ComputerGroups`, `Endpoints`, `EndpointIdChanges`) by
//! `operationName` and `variables` (there is no GraphQL engine), and the
//! Asset REST API, from an in-memory estate:
//!
//! - real cursor paging over snapshots, cursors that expire on demand
//!   ([`TaniumSim::expire_cursors`](crate::tanium::TaniumSim::expire_cursors))
//!   or when the [`SimClock`](crate::tanium::SimClock) passes their time to
//!   live;
//! - `memberOf` and `eidLastSeen UPDATED_AFTER` filters;
//! - injectable faults ([`Fault`](crate::tanium::Fault): 5xx, slow pages,
//!   login redirect, HTML page, GraphQL errors);
//! - methods that change the estate between syncs (add, remove, modify,
//!   re-id, move, age out of TDS).
//!
//! Requests must carry `session: <token>`
//! ([`DEFAULT_TOKEN`](crate::tanium::DEFAULT_TOKEN) unless set); anything
//! else gets HTTP 401.

mod asset_api;
mod clock;
mod faults;
mod filter;
mod gateway;
mod inventory;
mod render;
mod server;
mod state;

pub use clock::SimClock;
pub use faults::{Api, Fault, FaultRule, FaultTarget};
pub use inventory::{GroupSpec, Inventory, SimApp, SimDisk, SimEndpoint, SimGroup};
pub use server::{ASSET_API_PATH, DEFAULT_TOKEN, GATEWAY_PATH, TaniumSim, TaniumSimBuilder};
pub use state::SimRequest;
