use crate::ProviderId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

crate::open_enum! {
    /// Incident severity as the provider rates it.
    pub enum IncidentSeverity {
        /// Low.
        Low => "low",
        /// Medium (not used by Huntress, used by others).
        Medium => "medium",
        /// High.
        High => "high",
        /// Critical.
        Critical => "critical",
    }
}

crate::open_enum! {
    /// Incident status, normalized across providers.
    pub enum IncidentStatus {
        /// Open and waiting for the MSP (Huntress `sent`).
        Open => "open",
        /// Being remediated automatically.
        AutoRemediating => "auto_remediating",
        /// Closed.
        Closed => "closed",
        /// Dismissed by the provider.
        Dismissed => "dismissed",
        /// Dismissed by the partner (the MSP).
        PartnerDismissed => "partner_dismissed",
        /// Being deleted by the provider: ignore it.
        Deleting => "deleting",
    }
}

impl IncidentStatus {
    /// Closed, dismissed or partner-dismissed: the work is over.
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            Self::Closed | Self::Dismissed | Self::PartnerDismissed
        )
    }
}

/// The device an incident is about: what identifies it, and the host
/// details a technician needs on the ticket (filled when the source has them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRef {
    /// The provider's agent id.
    pub agent_id: Option<String>,
    /// Host name.
    pub hostname: Option<String>,
    /// Serial number.
    pub serial_number: Option<String>,
    /// Operating system.
    #[serde(default)]
    pub os: Option<String>,
    /// Addresses (LAN first, then public).
    #[serde(default)]
    pub ip_addresses: Vec<String>,
    /// When the agent last called in.
    #[serde(default)]
    pub last_seen_at: Option<DateTime<Utc>>,
}

/// One indicator type and how many were seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    /// Indicator type, e.g. `footholds`.
    pub kind: String,
    /// How many, when the provider counts them.
    pub count: Option<u64>,
}

/// One remediation step proposed or taken.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remediation {
    /// Provider id of the remediation.
    pub id: Option<String>,
    /// Kind, e.g. `assisted`, `manual`, `containment`.
    pub kind: Option<String>,
    /// What is done.
    pub action: Option<String>,
    /// State, e.g. `approved`, `completed`.
    pub status: Option<String>,
}

/// A security incident as the provider reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormalizedIncident {
    /// The provider that reported it.
    pub provider: ProviderId,
    /// The provider's id for the incident.
    pub external_id: String,
    /// The scope (organization) it belongs to.
    pub scope_id: Option<String>,
    /// The affected device, when there is one.
    pub device_ref: Option<DeviceRef>,
    /// Severity.
    pub severity: IncidentSeverity,
    /// Status.
    pub status: IncidentStatus,
    /// One-line subject.
    pub subject: String,
    /// Analyst summary.
    pub summary: Option<String>,
    /// Generated body text.
    pub body: Option<String>,
    /// Indicators and counts.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// Remediations.
    #[serde(default)]
    pub remediations: Vec<Remediation>,
    /// Platform, e.g. `windows`.
    pub platform: Option<String>,
    /// Link to the incident in the provider's portal.
    pub portal_url: Option<String>,
    /// When the provider sent it to the MSP.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Last change; the poll cursor follows this.
    pub updated_at: DateTime<Utc>,
    /// The record as received, for audit and later re-processing.
    pub raw: serde_json::Value,
}
