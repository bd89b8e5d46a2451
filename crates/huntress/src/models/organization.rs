//! `GET /v1/organizations`: the partner's customers.

use crate::models::loose;
use crate::models::{AccountId, OrganizationId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A Huntress organization (one of the MSP's customers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Organization id.
    pub id: OrganizationId,
    /// The account it belongs to.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// Display name.
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub name: Option<String>,
    /// Short key (the organization's portal subdomain).
    #[serde(default, deserialize_with = "loose::opt_text")]
    pub key: Option<String>,
    /// Agents in the organization.
    #[serde(default)]
    pub agents_count: Option<u64>,
    /// Identities Huntress bills for (newer copies of the spec).
    #[serde(default)]
    pub billable_identity_count: Option<u64>,
    /// Log sources (SIEM) of the organization (newer copies of the spec).
    #[serde(default)]
    pub logs_sources_count: Option<u64>,
    /// Learners in security awareness training (newer copies of the spec).
    #[serde(default)]
    pub sat_learner_count: Option<u64>,
    /// Incident reports of the organization.
    #[serde(default)]
    pub incident_reports_count: Option<u64>,
    /// Emails that receive Huntress notifications.
    #[serde(default, deserialize_with = "loose::strings")]
    pub report_recipients: Vec<String>,
    /// Creation time.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub created_at: Option<DateTime<Utc>>,
    /// Last change.
    #[serde(default, deserialize_with = "loose::opt_timestamp")]
    pub updated_at: Option<DateTime<Utc>>,
}
