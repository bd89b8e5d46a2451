//! `GET /v1/agents`: hosts running the Huntress agent.

use crate::models::loose;
use crate::models::{AccountId, AgentId, AgentPlatform, OrganizationId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A host running the Huntress agent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    /// Agent id.
    pub id: AgentId,
    /// The account it belongs to.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// The organization it belongs to.
    #[serde(default)]
    pub organization_id: Option<OrganizationId>,
    /// Host name.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub hostname: Option<String>,
    /// Domain or workgroup.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub domain_name: Option<String>,
    /// Internal IPv4 address.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub ipv4_address: Option<String>,
    /// Public address seen by Huntress.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub external_ip: Option<String>,
    /// MAC addresses.
    #[serde(default, deserialize_with = "loose::strings")]
    pub mac_addresses: Vec<String>,
    /// Serial number.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub serial_number: Option<String>,
    /// User tags.
    #[serde(default, deserialize_with = "loose::strings")]
    pub tags: Vec<String>,
    /// Platform.
    #[serde(default)]
    pub platform: Option<AgentPlatform>,
    /// Operating system name, e.g. `Windows 10 Pro`.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub os: Option<String>,
    /// OS major version.
    #[serde(default)]
    pub os_major: Option<i64>,
    /// OS minor version.
    #[serde(default)]
    pub os_minor: Option<i64>,
    /// OS patch version.
    #[serde(default)]
    pub os_patch: Option<i64>,
    /// OS build, e.g. `19044`.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub os_build_version: Option<String>,
    /// CPU architecture, e.g. `x86_64`.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub arch: Option<String>,
    /// Agent version.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub version: Option<String>,
    /// EDR version, when EDR is installed.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub edr_version: Option<String>,
    /// Microsoft Defender status.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub defender_status: Option<String>,
    /// Firewall / isolation status.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub firewall_status: Option<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub updated_at: Option<DateTime<Utc>>,
    /// When the agent last called home.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub last_callback_at: Option<DateTime<Utc>>,
    /// When the last Defender survey arrived.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub last_survey_at: Option<DateTime<Utc>>,
}
