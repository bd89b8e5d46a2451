//! What a Huntress webhook delivery says. A delivery is a hint, never the
//! record: the receiver reads only which stream changed and for which
//! account, and the poll fetches the records from the REST API.

use serde::Deserialize;

/// The stream a delivery's event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStream {
    /// `incident_report.created`, `.closed`, `.comment_added`.
    IncidentReports,
    /// `escalation.created`, `.closed`, `.overdue`.
    Escalations,
}

/// The parts of a delivery the receiver acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookNotice {
    /// The event type, e.g. `incident_report.created`.
    pub event_type: String,
    /// The Huntress account it is about, when the payload names it
    /// (incident payloads carry `account.id`; escalation payloads do not).
    pub account_id: Option<u64>,
}

impl WebhookNotice {
    /// Reads a delivery's body. Only `event_type` is required; everything
    /// else is tolerated as it comes.
    pub fn parse(body: &[u8]) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Account {
            id: Option<serde_json::Value>,
        }
        #[derive(Deserialize)]
        struct Body {
            event_type: String,
            account: Option<Account>,
        }
        let body: Body = serde_json::from_slice(body)?;
        // Ids are numbers in the spec; a numeric string is read too.
        let account_id = body.account.and_then(|a| a.id).and_then(|id| match id {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
        Ok(Self {
            event_type: body.event_type,
            account_id,
        })
    }

    /// The stream the event belongs to; `None` for events the integration
    /// does not poll (platform actions, account notices).
    pub fn stream(&self) -> Option<WebhookStream> {
        match self.event_type.split_once('.').map(|(family, _)| family) {
            Some("incident_report") => Some(WebhookStream::IncidentReports),
            Some("escalation") => Some(WebhookStream::Escalations),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_names_its_stream_and_account() {
        let notice = WebhookNotice::parse(
            br#"{"id": 7, "event_type": "incident_report.created", "account": {"id": 42, "name": "MSP"}, "severity": "high"}"#,
        )
        .unwrap();
        assert_eq!(notice.account_id, Some(42));
        assert_eq!(notice.stream(), Some(WebhookStream::IncidentReports));

        let escalation = WebhookNotice::parse(
            br#"{"event_type": "escalation.overdue", "organizations": [{"id": 1}]}"#,
        )
        .unwrap();
        assert_eq!(
            (escalation.stream(), escalation.account_id),
            (Some(WebhookStream::Escalations), None)
        );
        let text_id = WebhookNotice::parse(
            br#"{"event_type": "incident_report.closed", "account": {"id": "42"}}"#,
        )
        .unwrap();
        assert_eq!(text_id.account_id, Some(42));
        let other =
            WebhookNotice::parse(br#"{"event_type": "account_notice.notification"}"#).unwrap();
        assert_eq!(other.stream(), None);
        assert!(WebhookNotice::parse(b"{\"severity\": \"high\"}").is_err());
        assert!(WebhookNotice::parse(b"not json").is_err());
    }
}
