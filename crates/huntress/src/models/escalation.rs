//! `GET /v1/escalations`: the SOC's requests for partner action that are
//! not incident reports (environmental issues, unwanted access...).

use crate::models::OrganizationId;
use crate::models::loose;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An organization an escalation names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationOrganization {
    /// Organization id.
    pub id: OrganizationId,
    /// Its name.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub name: Option<String>,
}

/// An escalation. One can span several organizations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Escalation {
    /// Escalation id.
    pub id: u64,
    /// Subject, e.g. `Defender Disabled`.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub subject: Option<String>,
    /// Type, e.g. `Environmental Issue`.
    #[serde(default, rename = "type", deserialize_with = "loose::opt_text")]
    pub kind: Option<String>,
    /// A classifier whose meaning depends on the type.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub subtype: Option<String>,
    /// `low`, `high` or `critical`.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub severity: Option<String>,
    /// `open`, `sent` or `resolved`.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub status: Option<String>,
    /// The organizations it concerns (a list that arrives as one object is
    /// read as one).
    #[serde(default, deserialize_with = "loose::list")]
    pub organizations: Vec<EscalationOrganization>,
    /// Creation time.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub updated_at: Option<DateTime<Utc>>,
    /// When it was resolved.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// The record as received.
    #[serde(skip)]
    pub raw: serde_json::Value,
}
