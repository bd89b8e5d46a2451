//! Huntress records, decoded tolerantly: unknown enum values are kept,
//! optional fields may be missing or null, and known odd shapes are accepted.

mod account;
mod agent;
mod enums;
mod escalation;
mod ids;
mod incident_report;
pub(crate) mod loose;
mod organization;

pub use account::Account;
pub use agent::Agent;
pub use enums::{
    AccountStatus, AgentPlatform, IncidentPlatform, IncidentReportStatus, IndicatorType,
    OrganizationSortField, RemediationStatus, RemediationType, Severity, SortDirection, SortField,
};
pub use escalation::{Escalation, EscalationOrganization};
pub use ids::{AccountId, AgentId, IncidentReportId, OrganizationId};
pub use incident_report::{
    Approver, IncidentReport, Remediation, RemediationParameter, Remediations,
};
pub use organization::Organization;

use serde::de::DeserializeOwned;

/// A record type of the API and its envelope keys.
pub(crate) trait Resource: DeserializeOwned {
    /// Key of a single record: `{"incident_report": {...}}`.
    const SINGULAR: &'static str;
    /// Key of a list: `{"incident_reports": [...]}`.
    const PLURAL: &'static str;

    /// Keeps the record as received, for the types that carry it.
    fn keep_raw(&mut self, _raw: serde_json::Value) {}
}

impl Resource for Account {
    const SINGULAR: &'static str = "account";
    const PLURAL: &'static str = "accounts";
}

impl Resource for Organization {
    const SINGULAR: &'static str = "organization";
    const PLURAL: &'static str = "organizations";
}

impl Resource for Agent {
    const SINGULAR: &'static str = "agent";
    const PLURAL: &'static str = "agents";
}

impl Resource for Escalation {
    const SINGULAR: &'static str = "escalation";
    const PLURAL: &'static str = "escalations";

    fn keep_raw(&mut self, raw: serde_json::Value) {
        self.raw = raw;
    }
}

impl Resource for IncidentReport {
    const SINGULAR: &'static str = "incident_report";
    const PLURAL: &'static str = "incident_reports";

    fn keep_raw(&mut self, raw: serde_json::Value) {
        self.raw = raw;
    }
}
