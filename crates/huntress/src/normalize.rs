//! Incident reports and organizations in the shapes the engines consume.

use crate::models::{
    Escalation, EscalationOrganization, IncidentReport, IncidentReportId, IncidentReportStatus,
    Organization,
};
use psa_ingest::ProviderId;
use psa_ingest::contracts::{
    DeviceRef, IncidentSeverity, IncidentStatus, Indicator, NormalizedIncident, NormalizedScope,
    Remediation, ScopeKind,
};

/// The provider id, `huntress`.
pub fn provider_id() -> ProviderId {
    ProviderId::new("huntress").expect("a valid provider id")
}

/// The portal link of an incident:
/// `https://<subdomain>.huntress.io/incident_reports/<id>`. The one place
/// this link is built (the form is used by a PSA, not confirmed by the
/// vendor). `None` when the subdomain is empty or not a DNS label.
pub fn portal_url(subdomain: &str, id: IncidentReportId) -> Option<String> {
    let subdomain = subdomain.trim();
    let valid = !subdomain.is_empty()
        && subdomain.len() <= 63
        && subdomain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !subdomain.starts_with('-')
        && !subdomain.ends_with('-');
    valid.then(|| {
        format!(
            "https://{}.huntress.io/incident_reports/{id}",
            subdomain.to_ascii_lowercase()
        )
    })
}

/// Huntress status to the normalized status (`sent` is `Open`).
pub fn incident_status(status: Option<&IncidentReportStatus>) -> IncidentStatus {
    match status {
        Some(IncidentReportStatus::Sent) => IncidentStatus::Open,
        Some(IncidentReportStatus::Closed) => IncidentStatus::Closed,
        Some(IncidentReportStatus::Dismissed) => IncidentStatus::Dismissed,
        Some(IncidentReportStatus::AutoRemediating) => IncidentStatus::AutoRemediating,
        Some(IncidentReportStatus::Deleting) => IncidentStatus::Deleting,
        Some(IncidentReportStatus::PartnerDismissed) => IncidentStatus::PartnerDismissed,
        Some(IncidentReportStatus::Other(value)) => IncidentStatus::Other(value.clone()),
        None => IncidentStatus::Other("unknown".to_owned()),
    }
}

/// An incident report without any change time cannot be placed in the feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Huntress incident report {id} has no updated_at, status_updated_at or sent_at")]
pub struct MissingChangeTime {
    /// The report's id.
    pub id: IncidentReportId,
}

/// A report in the normalized shape. `updated_at` is the report's
/// [`changed_at`](IncidentReport::changed_at); `raw` is the record as
/// received.
pub fn normalize_incident(
    report: IncidentReport,
    subdomain: Option<&str>,
) -> Result<NormalizedIncident, MissingChangeTime> {
    let updated_at = report
        .changed_at()
        .ok_or(MissingChangeTime { id: report.id })?;
    let subject = report.subject.clone().filter(|s| !s.trim().is_empty());
    let device_ref = report.agent_id.map(|agent_id| DeviceRef {
        agent_id: Some(agent_id.to_string()),
        hostname: subject.as_deref().and_then(hostname_from_subject),
        ..DeviceRef::default()
    });
    let mut indicators: Vec<Indicator> = report
        .indicator_types
        .iter()
        .map(|kind| Indicator {
            kind: kind.as_str().to_owned(),
            count: report.indicator_counts.get(kind.as_str()).copied(),
        })
        .collect();
    for (kind, count) in &report.indicator_counts {
        if *count > 0 && !indicators.iter().any(|i| &i.kind == kind) {
            indicators.push(Indicator {
                kind: kind.clone(),
                count: Some(*count),
            });
        }
    }
    let remediations = report
        .remediations
        .items
        .iter()
        .map(|item| Remediation {
            id: item.id.clone(),
            kind: item.kind.as_ref().map(|k| k.as_str().to_owned()),
            action: item.action.clone(),
            status: item.status.as_ref().map(|s| s.as_str().to_owned()),
        })
        .collect();
    Ok(NormalizedIncident {
        provider: provider_id(),
        external_id: report.id.to_string(),
        scope_id: report.organization_id.map(|id| id.to_string()),
        device_ref,
        severity: report.severity.as_ref().map_or_else(
            || IncidentSeverity::Other("unknown".to_owned()),
            |s| IncidentSeverity::parse(s.as_str()),
        ),
        status: incident_status(report.status.as_ref()),
        subject: subject.unwrap_or_else(|| format!("Huntress incident report {}", report.id)),
        summary: report.summary.clone(),
        body: report.body.clone(),
        indicators,
        remediations,
        platform: report.platform.as_ref().map(|p| p.as_str().to_owned()),
        portal_url: subdomain.and_then(|s| portal_url(s, report.id)),
        sent_at: report.sent_at,
        closed_at: report.closed_at,
        updated_at,
        raw: report.raw,
    })
}

/// An escalation in the normalized shape: one record per organization it
/// names (`escalation:<id>:<organization>`, so each affected client gets its
/// ticket), or one without a scope when it names none. Resolved is closed;
/// `summary` is its type and subtype. `None` without any change time.
pub fn normalize_escalation(escalation: &Escalation) -> Option<Vec<NormalizedIncident>> {
    let updated_at = escalation
        .updated_at
        .or(escalation.resolved_at)
        .or(escalation.created_at)?;
    let status = match escalation
        .status
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("resolved") => IncidentStatus::Closed,
        Some("open" | "sent") | None => IncidentStatus::Open,
        Some(other) => IncidentStatus::Other(other.to_owned()),
    };
    let summary = match (&escalation.kind, &escalation.subtype) {
        (Some(kind), Some(subtype)) => Some(format!("{kind} ({subtype})")),
        (Some(kind), None) => Some(kind.clone()),
        (None, subtype) => subtype.clone(),
    };
    let one = |scope: Option<&EscalationOrganization>| NormalizedIncident {
        provider: provider_id(),
        external_id: match scope {
            Some(org) => format!("escalation:{}:{}", escalation.id, org.id),
            None => format!("escalation:{}", escalation.id),
        },
        scope_id: scope.map(|org| org.id.to_string()),
        device_ref: None,
        severity: IncidentSeverity::parse(escalation.severity.as_deref().unwrap_or("unknown")),
        status: status.clone(),
        subject: escalation
            .subject
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("Huntress escalation {}", escalation.id)),
        summary: summary.clone(),
        body: None,
        indicators: Vec::new(),
        remediations: Vec::new(),
        platform: None,
        portal_url: None,
        sent_at: escalation.created_at,
        closed_at: escalation.resolved_at,
        updated_at,
        // The escalation as received, with the organization this record is
        // for (as the webhook payload names it).
        raw: {
            let mut raw = escalation.raw.clone();
            if let (serde_json::Value::Object(fields), Some(org)) = (&mut raw, scope) {
                fields.insert(
                    "organization".into(),
                    serde_json::json!({ "id": org.id, "name": org.name }),
                );
            }
            raw
        },
    };
    Some(if escalation.organizations.is_empty() {
        vec![one(None)]
    } else {
        escalation
            .organizations
            .iter()
            .map(|org| one(Some(org)))
            .collect()
    })
}

/// The host in a generated subject such as
/// `LOW - Incident on laptop01 (Acme)`.
pub fn hostname_from_subject(subject: &str) -> Option<String> {
    let (_, rest) = subject.split_once("Incident on ")?;
    let host = match rest.split_once(" (") {
        Some((host, _)) => host,
        None => rest,
    }
    .trim();
    (!host.is_empty() && !host.contains(char::is_whitespace)).then(|| host.to_owned())
}

/// An organization as a scope. The name falls back to the key, then to
/// `Huntress organization <id>`. Its counts are what Huntress bills:
/// `agents`, and where the API gives them `billable_identities`,
/// `log_sources` and `sat_learners`.
pub fn normalize_organization(organization: &Organization) -> NormalizedScope {
    let name = [&organization.name, &organization.key]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .map_or_else(
            || format!("Huntress organization {}", organization.id),
            str::to_owned,
        );
    NormalizedScope {
        provider: provider_id(),
        external_id: organization.id.to_string(),
        name,
        kind: ScopeKind::Organization,
        parent: None,
        counts: [
            ("agents", organization.agents_count),
            ("billable_identities", organization.billable_identity_count),
            ("log_sources", organization.logs_sources_count),
            ("sat_learners", organization.sat_learner_count),
        ]
        .into_iter()
        .filter_map(|(metric, count)| Some((metric.to_owned(), count?)))
        .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{AgentId, IndicatorType, OrganizationId, Severity};

    #[test]
    fn portal_urls_come_from_the_subdomain() {
        assert_eq!(
            portal_url("acme", IncidentReportId(7)).as_deref(),
            Some("https://acme.huntress.io/incident_reports/7")
        );
        assert_eq!(portal_url("", IncidentReportId(7)), None);
        assert_eq!(portal_url("evil.com/x", IncidentReportId(7)), None);
    }

    #[test]
    fn hostnames_come_from_generated_subjects() {
        assert_eq!(
            hostname_from_subject("LOW - Incident on laptop01 (Acme)").as_deref(),
            Some("laptop01")
        );
        assert_eq!(
            hostname_from_subject("CRITICAL - Incident on SRV-DC01 (Acme (EU))").as_deref(),
            Some("SRV-DC01")
        );
        assert_eq!(hostname_from_subject("Something else"), None);
    }

    #[test]
    fn a_report_normalizes() {
        let at = "2024-05-01T10:00:00Z".parse().unwrap();
        let report = IncidentReport {
            id: IncidentReportId(9),
            agent_id: Some(AgentId(4)),
            organization_id: Some(OrganizationId(2)),
            subject: Some("HIGH - Incident on pc1 (Acme)".into()),
            severity: Some(Severity::High),
            status: Some(IncidentReportStatus::Sent),
            indicator_types: vec![IndicatorType::Footholds],
            indicator_counts: [
                ("footholds".to_owned(), 2),
                ("monitored_files".to_owned(), 1),
                ("ransomware_canaries".to_owned(), 0),
            ]
            .into(),
            updated_at: Some(at),
            ..IncidentReport::default()
        };
        let incident = normalize_incident(report, Some("acme")).unwrap();
        assert_eq!(incident.external_id, "9");
        assert_eq!(incident.status, IncidentStatus::Open);
        assert_eq!(incident.severity, IncidentSeverity::High);
        assert_eq!(incident.scope_id.as_deref(), Some("2"));
        assert_eq!(
            incident.device_ref.unwrap().hostname.as_deref(),
            Some("pc1")
        );
        let kinds: Vec<_> = incident
            .indicators
            .iter()
            .map(|i| (i.kind.as_str(), i.count))
            .collect();
        assert_eq!(
            kinds,
            [("footholds", Some(2)), ("monitored_files", Some(1))]
        );
        assert_eq!(
            incident.portal_url.as_deref(),
            Some("https://acme.huntress.io/incident_reports/9")
        );
        assert_eq!(incident.updated_at, at);
    }

    #[test]
    fn a_report_without_any_time_is_refused() {
        let error = normalize_incident(
            IncidentReport {
                id: IncidentReportId(3),
                ..IncidentReport::default()
            },
            None,
        )
        .unwrap_err();
        assert_eq!(error.id, IncidentReportId(3));
    }

    #[test]
    fn organization_names_fall_back() {
        let named = Organization {
            id: OrganizationId(1),
            name: Some("Acme".into()),
            ..Organization::default()
        };
        assert_eq!(normalize_organization(&named).name, "Acme");
        let keyed = Organization {
            id: OrganizationId(2),
            name: Some(" ".into()),
            key: Some("acme".into()),
            ..Organization::default()
        };
        assert_eq!(normalize_organization(&keyed).name, "acme");
        let bare = Organization {
            id: OrganizationId(3),
            ..Organization::default()
        };
        assert_eq!(
            normalize_organization(&bare).name,
            "Huntress organization 3"
        );
        assert_eq!(normalize_organization(&bare).kind, ScopeKind::Organization);
    }
}
