//! What the engine remembers of an incident between polls, to tell what
//! changed and to write nothing when nothing did.

use crate::contracts::NormalizedIncident;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The fields whose change is worth a note on the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IncidentSnapshot {
    pub(crate) status: String,
    pub(crate) severity: String,
    pub(crate) subject: String,
    pub(crate) summary: Option<String>,
    pub(crate) indicators: Vec<(String, Option<u64>)>,
    pub(crate) remediations: Vec<(Option<String>, Option<String>, Option<String>)>,
}

impl IncidentSnapshot {
    pub(crate) fn of(incident: &NormalizedIncident) -> Self {
        Self {
            status: incident.status.to_string(),
            severity: incident.severity.to_string(),
            subject: incident.subject.clone(),
            summary: incident.summary.clone(),
            indicators: incident
                .indicators
                .iter()
                .map(|i| (i.kind.clone(), i.count))
                .collect(),
            remediations: incident
                .remediations
                .iter()
                .map(|r| (r.id.clone(), r.action.clone(), r.status.clone()))
                .collect(),
        }
    }

    /// A short hash of the snapshot.
    pub(crate) fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).expect("a snapshot always serializes");
        let digest = Sha256::digest(json);
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What changed from `before` to `self`, one line each.
    pub(crate) fn changes_since(&self, before: &Self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.status != before.status {
            lines.push(format!("Status: {} → {}", before.status, self.status));
        }
        if self.severity != before.severity {
            lines.push(format!("Severity: {} → {}", before.severity, self.severity));
        }
        if self.subject != before.subject {
            lines.push(format!("Subject: {}", self.subject));
        }
        if self.summary != before.summary {
            lines.push(format!(
                "SOC summary updated: {}",
                self.summary.as_deref().unwrap_or("(removed)")
            ));
        }
        if self.indicators != before.indicators {
            let list: Vec<String> = self
                .indicators
                .iter()
                .map(|(kind, count)| match count {
                    Some(n) => format!("{kind} ({n})"),
                    None => kind.clone(),
                })
                .collect();
            lines.push(format!(
                "Indicators: {}",
                if list.is_empty() {
                    "none".into()
                } else {
                    list.join(", ")
                }
            ));
        }
        for remediation in &self.remediations {
            let (id, action, status) = remediation;
            let old = before
                .remediations
                .iter()
                .find(|r| r.0.is_some() && r.0 == *id);
            let action = action.as_deref().unwrap_or("remediation");
            let status = status.as_deref().unwrap_or("unknown");
            match old {
                None => lines.push(format!("New remediation: {action} ({status})")),
                Some(old) if old.2 != remediation.2 => lines.push(format!(
                    "Remediation {action}: {} → {status}",
                    old.2.as_deref().unwrap_or("unknown")
                )),
                Some(_) => {}
            }
        }
        if lines.is_empty() {
            lines.push("Details updated by the provider.".to_owned());
        }
        lines
    }
}
