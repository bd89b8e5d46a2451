//! The ticket a technician reads: title, markdown body and notes. Plain
//! functions of the incident, so the text is easy to test and change.
//!
//! Every vendor field is someone else's text (an attacker who controls an
//! endpoint controls its host name): in the body and notes it is escaped
//! for markdown and HTML, single-line fields stay on one line, and the one
//! link points only at the provider's portal domain. Titles are plain text
//! on one line.

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

/// Vendor text for one line of markdown: markup characters escaped (see
/// `escape`), line breaks and other control characters made spaces.
pub fn inline(text: &str) -> String {
    escape(&one_line(text))
}

/// Vendor text for a markdown paragraph: escaped like [`inline`], line
/// breaks kept, and what would start a heading, quote or list at the start
/// of a line escaped too.
pub fn block(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = escape(&one_line(line));
            match line.chars().next() {
                Some('#' | '-' | '+' | '=') => format!("\\{line}"),
                _ if line.starts_with("&gt;") => format!("\\{line}"),
                _ => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Line breaks and other control characters as spaces; a NUL removed, as
/// the store removes it everywhere.
fn one_line(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '\0')
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Escapes what makes markup: HTML (`<`, `>`, `&` as entities), emphasis,
/// code, links and images, tables, strike-through, and the `scheme:` and
/// `www.` that renderers turn into links.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '.' if out.to_ascii_lowercase().ends_with("www") => out.push_str("\\."),
            c => out.push(c),
        }
    }
    out
}

/// `url` when it is an https link on `domain` (or a subdomain of it) and
/// safe inside a markdown link.
fn portal_link<'u>(url: &'u str, domain: Option<&str>) -> Option<&'u str> {
    let domain = domain?.to_ascii_lowercase();
    let rest = url.strip_prefix("https://")?;
    let host = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
    let on_domain = host == domain || host.ends_with(&format!(".{domain}"));
    let plain = url
        .chars()
        .all(|c| c.is_ascii_graphic() && !matches!(c, '(' | ')' | '<' | '>' | '"' | '\\' | '`'));
    (on_domain && plain && !host.contains(['@', ':'])).then_some(url)
}

/// `[Huntress] Critical — <subject>`, with the unmapped prefix when routed
/// to the fallback client. Plain text on one line.
pub fn ticket_title(provider_title: &str, incident: &NormalizedIncident, unmapped: bool) -> String {
    format!(
        "{}[{provider_title}] {} — {}",
        if unmapped { UNMAPPED_PREFIX } else { "" },
        capitalized(incident.severity.as_str()),
        one_line(&incident.subject)
    )
}

/// The markdown body: the incident, the affected host (or the organization
/// when there is no host), remediations, and the portal link (only when it
/// is on `portal_domain`).
pub fn ticket_body(
    provider_title: &str,
    incident: &NormalizedIncident,
    scope_name: Option<&str>,
    portal_domain: Option<&str>,
) -> String {
    let mut body = String::new();
    let _ = writeln!(body, "## {provider_title} incident\n");
    let _ = writeln!(
        body,
        "- **Severity:** {}",
        capitalized(incident.severity.as_str())
    );
    let _ = writeln!(body, "- **Status:** {}", inline(incident.status.as_str()));
    if let Some(platform) = &incident.platform {
        let _ = writeln!(body, "- **Platform:** {}", inline(platform));
    }
    let _ = writeln!(body, "- **Sent:** {}", time(incident.sent_at));
    let _ = writeln!(body, "- **Updated:** {}", time(Some(incident.updated_at)));
    if incident.closed_at.is_some() {
        let _ = writeln!(body, "- **Closed:** {}", time(incident.closed_at));
    }
    if let Some(summary) = incident.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        let _ = writeln!(body, "\n### SOC summary\n\n{}", block(summary.trim()));
    }
    if !incident.indicators.is_empty() {
        let _ = writeln!(body, "\n### Indicators\n");
        for indicator in &incident.indicators {
            match indicator.count {
                Some(n) => {
                    let _ = writeln!(body, "- {}: {n}", inline(&indicator.kind));
                }
                None => {
                    let _ = writeln!(body, "- {}", inline(&indicator.kind));
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
                host.hostname
                    .as_deref()
                    .map_or_else(|| "—".to_owned(), inline)
            );
            let _ = writeln!(
                body,
                "- **OS:** {}",
                host.os.as_deref().map_or_else(|| "—".to_owned(), inline)
            );
            let ips = if host.ip_addresses.is_empty() {
                "—".to_owned()
            } else {
                inline(&host.ip_addresses.join(", "))
            };
            let _ = writeln!(body, "- **IP addresses:** {ips}");
            let _ = writeln!(
                body,
                "- **Serial number:** {}",
                host.serial_number
                    .as_deref()
                    .map_or_else(|| "—".to_owned(), inline)
            );
            let _ = writeln!(body, "- **Last callback:** {}", time(host.last_seen_at));
        }
        None => {
            let _ = writeln!(body, "\n### Affected organization\n");
            let _ = writeln!(
                body,
                "{} (no single host: identity or cloud incident)",
                scope_name.map_or_else(|| "unknown organization".to_owned(), inline)
            );
        }
    }
    if !incident.remediations.is_empty() {
        let _ = writeln!(body, "\n### Remediations\n");
        for r in &incident.remediations {
            let _ = writeln!(
                body,
                "- {} ({}, {})",
                inline(r.action.as_deref().unwrap_or("remediation")),
                inline(r.kind.as_deref().unwrap_or("unknown type")),
                inline(r.status.as_deref().unwrap_or("unknown status"))
            );
        }
    }
    if let Some(url) = incident
        .portal_url
        .as_deref()
        .and_then(|url| portal_link(url, portal_domain))
    {
        let _ = writeln!(body, "\n[Open in {provider_title}]({url})");
    }
    body
}

/// The internal note with the raw ids, for whoever needs to look it up.
pub fn ids_note(provider_title: &str, incident: &NormalizedIncident) -> String {
    let device = incident.device_ref.clone().unwrap_or_default();
    format!(
        "{provider_title} ids — incident: {}, organization: {}, agent: {}",
        inline(&incident.external_id),
        incident
            .scope_id
            .as_deref()
            .map_or_else(|| "—".to_owned(), inline),
        device
            .agent_id
            .as_deref()
            .map_or_else(|| "—".to_owned(), inline),
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
        scope_name.map_or_else(|| "(unknown name)".to_owned(), inline),
        scope_id.map_or_else(|| "no id".to_owned(), |id| format!("id {}", inline(id))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_vendor_text_is_escaped() {
        assert_eq!(inline("LAPTOP-01"), "LAPTOP-01");
        assert_eq!(inline("10.0.0.5"), "10.0.0.5");
        assert_eq!(
            inline("[x](https://e.example) <b>&"),
            "\\[x\\](https\\://e.example) &lt;b&gt;&amp;"
        );
        assert_eq!(inline("a\nb\r\0c"), "a b c");
        assert_eq!(inline("go to www.evil.example"), "go to www\\.evil.example");
        assert_eq!(block("# h\n> q\n- l\nok"), "\\# h\n\\&gt; q\n\\- l\nok");
    }

    #[test]
    fn links_go_only_to_the_portal_domain() {
        let domain = Some("huntress.io");
        let ok = "https://acme.huntress.io/incident_reports/1";
        assert_eq!(portal_link(ok, domain), Some(ok));
        assert_eq!(
            portal_link("https://huntress.io/x", domain),
            Some("https://huntress.io/x")
        );
        for bad in [
            "http://acme.huntress.io/x",
            "https://huntress.io.evil.example/x",
            "https://evilhuntress.io/x",
            "https://acme.huntress.io/x) [y](https://evil.example",
            "https://user@acme.huntress.io/x",
            "javascript:alert(1)",
        ] {
            assert_eq!(portal_link(bad, domain), None, "{bad}");
        }
        assert_eq!(portal_link(ok, None), None);
    }
}
