//! The normalized shapes every provider produces. Engines consume only these.

mod device;
mod incident;
mod scope;

pub use device::{
    AgentStatus, DeviceLifecycle, DeviceType, Disk, ExternalIdChange, Hardware, NetworkInfo,
    NormalizedDevice, OsInfo, Software, UserInfo,
};
pub use incident::{
    DeviceRef, IncidentSeverity, IncidentStatus, Indicator, NormalizedIncident, Remediation,
};
pub use scope::{NormalizedScope, ScopeKind};
