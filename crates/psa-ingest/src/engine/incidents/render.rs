//! The ticket a technician reads: title, markdown body and notes. Plain
//! functions of the incident, so the text is easy to test and change.

use crate::contracts::NormalizedIncident;
use chrono::{DateTime, Utc};
use std::fmt::Write;

/// Prefix of tickets routed to the fallback client.
pub const UNMAPPED_PREFIX: &str = "[Unmapped Org] ";

fn capitalized(value: &str) -> String {
    let mut chars = value.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn time(value: Option<DateTime<Utc>>) -> String {
    value.map_or_else(
        || "—".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

/// `[Huntress] Critical — <subject>`, with the unmapped prefix when routed
/// to the fallback client.
pub fn ticket_title(provider_title: &str, incident: &NormalizedIncident, unmapped: bool) -> String {
    format!(
        "{}[{provider_title}] {} — {}",
        if unmapped { UNMAPPED_PREFIX } else { "" },
        capitalized(incident.severity.as_str()),
        incident.subject.trim()
    )
}

/// The markdown body: the incident, the affected host (or the organization
/// when there is no host), remediations, and the portal link.
pub fn ticket_body(
    provider_title: &str,
    incident: &NormalizedIncident,
    scope_name: Option<&str>,
) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "## {provider_title} incident\n");
    let _ = writeln!(
        body,
        "- **Severity:** {}",
        capitalized(incident.severity.as_str())
    );
    let _ = writeln!(body, "- **Status:** {}", incident.status);
    if let Some(platform) = &incident.platform {
        let _ = writeln!(body, "- **Platform:** {platform}");
    }
    let _ = writeln!(body, "- **Sent:** {}", time(incident.sent_at));
    let _ = writeln!(body, "- **Updated:** {}", time(Some(incident.updated_at)));
    if incident.closed_at.is_some() {
        let _ = writeln!(body, "- **Closed:** {}", time(incident.closed_at));
    }
    if let Some(summary) = incident.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        let _ = writeln!(body, "\n### SOC summary\n\n{}", summary.trim());
    }
    if !incident.indicators.is_empty() {
        let _ = writeln!(body, "\n### Indicators\n");
        for indicator in &incident.indicators {
            match indicator.count {
                Some(n) => {
                    let _ = writeln!(body, "- {}: {n}", indicator.kind);
                }
                None => {
                    let _ = writeln!(body, "- {}", indicator.kind);
                }
            }
        }
    }
    match incident
        .device_ref
        .as_ref()
        .filter(|d| d.hostname.is_some() || d.agent_id.is_some())
    {
        Some(host) => {
            let _ = writeln!(body, "\n### Affected host\n");
            let _ = writeln!(
                body,
                "- **Hostname:** {}",
                host.hostname.as_deref().unwrap_or("—")
            );
            let _ = writeln!(body, "- **OS:** {}", host.os.as_deref().unwrap_or("—"));
            let ips = if host.ip_addresses.is_empty() {
                "—".to_owned()
            } else {
                host.ip_addresses.join(", ")
            };
            let _ = writeln!(body, "- **IP addresses:** {ips}");
            let _ = writeln!(
                body,
                "- **Serial number:** {}",
                host.serial_number.as_deref().unwrap_or("—")
            );
            let _ = writeln!(body, "- **Last callback:** {}", time(host.last_seen_at));
        }
        None => {
            let _ = writeln!(body, "\n### Affected organization\n");
            let _ = writeln!(
                body,
                "{} (no single host: identity or cloud incident)",
                scope_name.unwrap_or("unknown organization")
            );
        }
    }
    if !incident.remediations.is_empty() {
        let _ = writeln!(body, "\n### Remediations\n");
        for r in &incident.remediations {
            let _ = writeln!(
                body,
                "- {} ({}, {})",
                r.action.as_deref().unwrap_or("remediation"),
                r.kind.as_deref().unwrap_or("unknown type"),
                r.status.as_deref().unwrap_or("unknown status")
            );
        }
    }
    if let Some(url) = &incident.portal_url {
        let _ = writeln!(body, "\n[Open in {provider_title}]({url})");
    }
    body
}

/// The internal note with the raw ids, for whoever needs to look it up.
pub fn ids_note(provider_title: &str, incident: &NormalizedIncident) -> String {
    let device = incident.device_ref.clone().unwrap_or_default();
    format!(
        "{provider_title} ids — incident: {}, organization: {}, agent: {}",
        incident.external_id,
        incident.scope_id.as_deref().unwrap_or("—"),
        device.agent_id.as_deref().unwrap_or("—"),
    )
}

/// The note on a fallback ticket saying how to route the next ones.
pub fn unmapped_note(
    provider_title: &str,
    scope_id: Option<&str>,
    scope_name: Option<&str>,
) -> String {
    format!(
        "This incident's {provider_title} organization {} ({}) is not mapped to a client, so the ticket went to the \
         fallback client and triage board. Map the organization to a client in the integration's organization \
         mappings; later incidents from it will go to that client.",
        scope_name.unwrap_or("(unknown name)"),
        scope_id.map_or_else(|| "no id".to_owned(), |id| format!("id {id}")),
    )
}
