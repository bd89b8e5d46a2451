//! Escalations in the simulator: the SOC's requests for partner action,
//! each naming one or more organizations.

use super::HuntressSim;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

/// A simulated escalation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEscalation {
    /// Id.
    pub id: u64,
    /// Subject.
    pub subject: String,
    /// Type, e.g. `Environmental Issue`.
    pub kind: String,
    /// `low`, `high` or `critical`.
    pub severity: String,
    /// `sent` or `resolved`.
    pub status: String,
    /// The organizations it names.
    pub organizations: Vec<u64>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(crate) fn render(
    escalation: &SimEscalation,
    names: &dyn Fn(u64) -> String,
    account: (u64, &str),
) -> Value {
    json!({
        "id": escalation.id,
        "account": { "id": account.0, "name": account.1 },
        "organizations": escalation.organizations.iter().map(|id| json!({ "id": id, "name": names(*id) })).collect::<Vec<_>>(),
        "type": escalation.kind,
        "subtype": null,
        "subject": escalation.subject,
        "severity": escalation.severity,
        "status": escalation.status,
        "created_at": time(escalation.created_at),
        "updated_at": time(escalation.updated_at),
        "resolved_at": escalation.resolved_at.map(time),
    })
}

impl HuntressSim {
    /// Adds an escalation about `organizations`, sent now; returns its id.
    pub fn add_escalation(&self, subject: &str, severity: &str, organizations: &[u64]) -> u64 {
        let mut state = self.state();
        let at = state.tick();
        let id = state
            .escalations
            .keys()
            .next_back()
            .map_or(5001, |id| id + 1);
        state.escalations.insert(
            id,
            SimEscalation {
                id,
                subject: subject.to_owned(),
                kind: "Environmental Issue".to_owned(),
                severity: severity.to_owned(),
                status: "sent".to_owned(),
                organizations: organizations.to_vec(),
                created_at: at,
                updated_at: at,
                resolved_at: None,
            },
        );
        id
    }

    /// Changes an escalation (its `updated_at` moves); false if unknown.
    pub fn update_escalation(&self, id: u64, change: impl FnOnce(&mut SimEscalation)) -> bool {
        let mut state = self.state();
        let at = state.tick();
        match state.escalations.get_mut(&id) {
            Some(escalation) => {
                change(escalation);
                escalation.updated_at = at;
                true
            }
            None => false,
        }
    }

    /// Resolves an escalation now; false if unknown.
    pub fn resolve_escalation(&self, id: u64) -> bool {
        let at = self.now();
        self.update_escalation(id, |e| {
            e.status = "resolved".to_owned();
            e.resolved_at = Some(at);
        })
    }

    /// Every escalation.
    pub fn escalations(&self) -> Vec<SimEscalation> {
        self.state().escalations.values().cloned().collect()
    }
}
