//! The records the Gateway and Asset API clients return, in this crate's
//! own types (the GraphQL-generated types stay private).
//!
//! Values are kept as Tanium sent them, sensor errors included; the
//! [`normalize`](crate::normalize) module cleans them.

mod asset_page;
pub(crate) mod asset_record;
mod cursor;
mod endpoint;
mod group;
mod id_change;
mod page;

pub use asset_page::AssetPage;
pub use asset_record::AssetRecord;
pub use cursor::Cursor;
pub use endpoint::{
    Endpoint, EndpointDisk, EndpointMemory, EndpointOs, EndpointProcessor, EndpointUser,
    InstalledApplication, NetworkAdapter, Platform,
};
pub use group::{ComputerGroup, ComputerGroupType};
pub use id_change::{EndpointIdChange, EndpointIdChanges};
pub use page::{ConnectionCheck, Page, WalkPage};
