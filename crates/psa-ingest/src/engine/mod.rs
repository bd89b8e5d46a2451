//! The shared pipelines every provider feeds. Engines read sources and write
//! through the store ports; they know no provider and no SQL.

pub mod assets;
mod error;
pub mod incidents;
pub mod scopes;
pub mod usage;

pub use error::EngineError;
