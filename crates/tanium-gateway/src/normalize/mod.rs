//! Tanium records into `psa_ingest` contracts.
//!
//! - device type from OS platform and name, chassis type and virtual flag
//!   ([`device_type`]);
//! - agent status from the age of `eidLastSeen` ([`agent_status`]);
//! - sensor errors (`Error: ...`, `TSE-Error: ...`) and placeholders are
//!   missing values ([`sensor_value`]);
//! - memory and disk strings parsed into bytes ([`parse_size`]).

mod agent_status;
mod device;
mod device_type;
mod sensor;
mod size;

pub use agent_status::{agent_status, lifecycle};
pub use device_type::{DeviceFacts, device_type};
pub use sensor::{clean, is_sensor_error, sensor_value};
pub use size::parse_size;

use crate::models::AssetRecord;
use crate::models::{ComputerGroup, Endpoint};
use chrono::{DateTime, TimeDelta, Utc};
use psa_ingest::ProviderId;
use psa_ingest::contracts::{NormalizedDevice, NormalizedScope, ScopeKind};

/// The provider id Tanium records carry: `tanium`.
pub fn provider_id() -> ProviderId {
    ProviderId::new("tanium").expect("\"tanium\" is a valid provider id")
}

/// Turns Tanium records into normalized scopes and devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalizer {
    provider: ProviderId,
    online_threshold: TimeDelta,
}

impl Default for Normalizer {
    fn default() -> Self {
        Self::new(Self::DEFAULT_ONLINE_THRESHOLD)
    }
}

impl Normalizer {
    /// An endpoint last seen longer ago than this is offline, by default.
    pub const DEFAULT_ONLINE_THRESHOLD: TimeDelta = TimeDelta::minutes(60);

    /// A normalizer that calls an endpoint online when it was seen within
    /// `online_threshold`.
    pub fn new(online_threshold: TimeDelta) -> Self {
        Self {
            provider: provider_id(),
            online_threshold,
        }
    }

    /// The online threshold.
    pub fn online_threshold(&self) -> TimeDelta {
        self.online_threshold
    }

    /// A computer group as a scope of kind `group`.
    pub fn scope(&self, group: &ComputerGroup) -> NormalizedScope {
        NormalizedScope {
            provider: self.provider.clone(),
            external_id: group.id.clone(),
            name: clean(group.name.as_deref()).unwrap_or_else(|| group.id.clone()),
            kind: ScopeKind::Group,
            parent: None,
            counts: Default::default(),
        }
    }

    /// A Gateway endpoint as a device of scope `scope_id`, its agent status
    /// judged at `now`.
    pub fn device(
        &self,
        endpoint: &Endpoint,
        scope_id: &str,
        now: DateTime<Utc>,
    ) -> NormalizedDevice {
        device::from_endpoint(
            &self.provider,
            endpoint,
            scope_id,
            now,
            self.online_threshold,
        )
    }

    /// An Asset API row as a device of scope `scope_id`. Its external id is
    /// `asset:<id>` (the Asset API's ids are not Gateway endpoint ids).
    pub fn asset_device(&self, record: &AssetRecord, scope_id: &str) -> NormalizedDevice {
        device::from_asset(&self.provider, record, scope_id)
    }
}
