//! The records the Gateway client returns, in this crate's own types (the
//! GraphQL-generated types stay private).
//!
//! Values are kept as Tanium sent them, sensor errors included; the
//! [`normalize`](crate::normalize) module cleans them.

mod cursor;
mod endpoint;
mod group;
mod id_change;
mod page;

pub use cursor::Cursor;
pub use endpoint::{
    Endpoint, EndpointDisk, EndpointMemory, EndpointOs, EndpointProcessor, EndpointUser,
    InstalledApplication, NetworkAdapter, Platform,
};
pub use group::{ComputerGroup, ComputerGroupType};
pub use id_change::{EndpointIdChange, EndpointIdChanges};
pub use page::{ConnectionCheck, Page, WalkPage};
