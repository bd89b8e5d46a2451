//! The simulator's records. Enum-like fields are plain strings so a test can
//! send values the client does not know (`"severity": "extreme"`).

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// The account the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAccount {
    /// Account id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Portal subdomain.
    pub subdomain: String,
    /// `enabled` or `disabled`.
    pub status: String,
}

impl Default for SimAccount {
    fn default() -> Self {
        Self {
            id: 1,
            name: "Sim MSP".to_owned(),
            subdomain: "simmsp".to_owned(),
            status: "enabled".to_owned(),
        }
    }
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimOrganization {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Key (short name).
    pub key: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Served with a `name` that no client can decode (an object).
    pub undecodable: bool,
    /// Identities Huntress bills for (`billable_identity_count`).
    pub billable_identities: u64,
}

/// An agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimAgent {
    /// Id.
    pub id: u64,
    /// Its organization.
    pub organization_id: u64,
    /// Host name.
    pub hostname: String,
    /// `windows`, `darwin` or `linux`.
    pub platform: String,
    /// Operating system name.
    pub os: String,
    /// Serial number.
    pub serial_number: String,
    /// Internal address.
    pub ipv4_address: String,
    /// Public address.
    pub external_ip: String,
    /// MAC addresses.
    pub mac_addresses: Vec<String>,
    /// Agent version.
    pub version: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Last callback.
    pub last_callback_at: DateTime<Utc>,
}

/// One remediation of an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRemediation {
    /// Id.
    pub id: u64,
    /// `assisted`, `manual` or `containment`.
    pub kind: String,
    /// What is done.
    pub action: String,
    /// (name, description) pairs.
    pub parameters: Vec<(String, String)>,
    /// `unapproved`, `approved`, `completed`...
    pub status: String,
}

/// An incident report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimIncident {
    /// Id.
    pub id: u64,
    /// Its organization.
    pub organization_id: u64,
    /// The agent, `None` for identity and Microsoft 365 incidents.
    pub agent_id: Option<u64>,
    /// One-line subject.
    pub subject: String,
    /// Analyst summary.
    pub summary: String,
    /// Generated body.
    pub body: String,
    /// `low`, `high` or `critical`.
    pub severity: String,
    /// `sent`, `closed`, `dismissed`, `auto_remediating`, `deleting`, `partner_dismissed`.
    pub status: String,
    /// `windows`, `darwin`, `microsoft_365`...
    pub platform: String,
    /// Indicator types.
    pub indicator_types: Vec<String>,
    /// Indicator counts.
    pub indicator_counts: BTreeMap<String, u64>,
    /// Remediations (the first ten are served).
    pub remediations: Vec<SimRemediation>,
    /// Creation time (sortable, not served, as in the vendor's schema).
    pub created_at: DateTime<Utc>,
    /// When sent to the partner.
    pub sent_at: Option<DateTime<Utc>>,
    /// When closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Last status change.
    pub status_updated_at: DateTime<Utc>,
    /// Last change; the list sorts on it.
    pub updated_at: DateTime<Utc>,
    /// Served in an odd shape.
    pub odd_shape: Option<OddShape>,
}

/// Odd shapes the live API is known to send (and one no client can read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OddShape {
    /// `indicator_types` as an object `{"footholds": 1}`.
    IndicatorTypesAsObject,
    /// `indicator_types` as a scalar `"footholds"`.
    IndicatorTypesAsScalar,
    /// `remediations.items` as one object instead of an array.
    RemediationItemsAsObject,
    /// Each remediation's `parameters` as a map `{name: description}`.
    RemediationParametersAsObject,
    /// Each remediation's `parameters` as a scalar string.
    RemediationParametersAsScalar,
    /// `updated_at` as an unparseable string: the record cannot be decoded.
    /// The list still sorts it by its real `updated_at`.
    Undecodable,
}

/// What a test gives to add an incident; the rest is generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    /// Its organization.
    pub organization_id: u64,
    /// The agent, if any.
    pub agent_id: Option<u64>,
    /// Severity, default `low`.
    pub severity: String,
    /// Status, default `sent`.
    pub status: String,
    /// Platform, default `windows`.
    pub platform: String,
    /// Indicator types, default `["footholds"]`.
    pub indicator_types: Vec<String>,
    /// Remediations, default none.
    pub remediations: Vec<SimRemediation>,
}

impl NewIncident {
    /// A low-severity `sent` Windows incident with a foothold.
    pub fn new(organization_id: u64, agent_id: Option<u64>) -> Self {
        Self {
            organization_id,
            agent_id,
            severity: "low".to_owned(),
            status: "sent".to_owned(),
            platform: "windows".to_owned(),
            indicator_types: vec!["footholds".to_owned()],
            remediations: Vec::new(),
        }
    }

    /// With this severity.
    pub fn severity(mut self, severity: &str) -> Self {
        severity.clone_into(&mut self.severity);
        self
    }

    /// With this status.
    pub fn status(mut self, status: &str) -> Self {
        status.clone_into(&mut self.status);
        self
    }

    /// With this platform.
    pub fn platform(mut self, platform: &str) -> Self {
        platform.clone_into(&mut self.platform);
        self
    }

    /// With these remediations.
    pub fn remediations(mut self, remediations: Vec<SimRemediation>) -> Self {
        self.remediations = remediations;
        self
    }
}
