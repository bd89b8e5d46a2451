//! What the engine remembers of an incident between polls, to tell what
//! changed and to write nothing when nothing did.

use super::render::inline;
use crate::contracts::{IncidentStatus, NormalizedIncident};
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
    /// A hash of the report's body (`none` without one). Absent from
    /// snapshots written before it was kept: then read as unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<String>,
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
            body: Some(match incident.body.as_deref() {
                Some(body) => short_hash(body.as_bytes()),
                None => "none".to_owned(),
            }),
        }
    }

    /// `self` as recorded by an earlier version, with the fields it did not
    /// keep taken from `now` (so they read as unchanged).
    pub(crate) fn upgraded(mut self, now: &Self) -> Self {
        if self.body.is_none() {
            self.body.clone_from(&now.body);
        }
        self
    }

    /// Whether the incident is in a closed status.
    pub(crate) fn is_closed(&self) -> bool {
        IncidentStatus::parse(&self.status).is_closed()
    }

    /// A short hash of the snapshot.
    pub(crate) fn fingerprint(&self) -> String {
        short_hash(&serde_json::to_vec(self).expect("a snapshot always serializes"))
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
            lines.push(format!("Subject: {}", inline(&self.subject)));
        }
        if self.summary != before.summary {
            lines.push(format!(
                "SOC summary updated: {}",
                self.summary
                    .as_deref()
                    .map_or_else(|| "(removed)".to_owned(), inline)
            ));
        }
        if self.indicators != before.indicators {
            let list: Vec<String> = self
                .indicators
                .iter()
                .map(|(kind, count)| match count {
                    Some(n) => format!("{} ({n})", inline(kind)),
                    None => inline(kind),
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
            let action = inline(action.as_deref().unwrap_or("remediation"));
            let status = inline(status.as_deref().unwrap_or("unknown"));
            match old {
                None => lines.push(format!("New remediation: {action} ({status})")),
                Some(old) if old.2 != remediation.2 => lines.push(format!(
                    "Remediation {action}: {} → {status}",
                    inline(old.2.as_deref().unwrap_or("unknown"))
                )),
                Some(_) => {}
            }
        }
        if self.body != before.body {
            lines.push(
                "Report details updated by the provider (the portal shows the full report)."
                    .to_owned(),
            );
        }
        if lines.is_empty() {
            lines.push("Details updated by the provider.".to_owned());
        }
        lines
    }
}

/// The first 16 bytes of a SHA-256, in hex.
fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(body: Option<&str>) -> IncidentSnapshot {
        IncidentSnapshot {
            status: "open".into(),
            severity: "high".into(),
            subject: "HIGH - Incident on ws-01".into(),
            summary: None,
            indicators: vec![],
            remediations: vec![],
            body: Some(body.map_or_else(|| "none".to_owned(), |b| short_hash(b.as_bytes()))),
        }
    }

    /// A snapshot recorded before the body was kept reads as unchanged, so
    /// an upgrade adds no note; a snapshot that kept it notices a change.
    #[test]
    fn a_snapshot_without_a_body_hash_reads_as_unchanged() {
        let now = snapshot(Some("<p>report</p>"));
        let mut legacy = serde_json::to_value(&now).unwrap();
        legacy.as_object_mut().unwrap().remove("body");
        let legacy: IncidentSnapshot = serde_json::from_value(legacy).unwrap();
        assert_eq!(legacy.body, None);
        assert_eq!(legacy.upgraded(&now), now);

        let before = snapshot(None);
        assert_ne!(before.clone().upgraded(&now), now);
        assert!(
            now.changes_since(&before)
                .iter()
                .any(|line| line.contains("Report details updated"))
        );
    }

    #[test]
    fn closed_statuses_are_told_from_the_stored_text() {
        let mut closed = snapshot(None);
        closed.status = "partner_dismissed".into();
        assert!(closed.is_closed());
        assert!(!snapshot(None).is_closed());
    }
}
