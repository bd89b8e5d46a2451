//! Signed webhook deliveries as Huntress sends them through Svix: headers
//! `svix-id`, `svix-timestamp`, `svix-signature` over
//! `"{id}.{timestamp}.{body}"`, keyed by the endpoint's `whsec_` secret.

use super::{HuntressSim, render};
use base64::Engine as _;
use serde_json::{Value, json};

/// A delivery ready to post (or to tamper with: each field is public, and
/// [`SignedDelivery::sign`] signs any body at any time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDelivery {
    /// `svix-id`: the delivery's id (a retry keeps it).
    pub id: String,
    /// `svix-timestamp`: unix seconds of the attempt.
    pub timestamp: i64,
    /// `svix-signature`.
    pub signature: String,
    /// The raw body.
    pub body: String,
}

/// A fresh signing secret, as the portal shows it (`whsec_` and base64 of
/// 24 random bytes).
pub fn signing_secret() -> String {
    let bytes: Vec<u8> = uuid::Uuid::now_v7()
        .as_bytes()
        .iter()
        .chain(uuid::Uuid::now_v7().as_bytes().iter().take(8))
        .copied()
        .collect();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

impl SignedDelivery {
    /// Signs `body` as delivery `id` at `timestamp` with `secret`.
    pub fn sign(secret: &str, id: &str, timestamp: i64, body: String) -> Self {
        let signature = standardwebhooks::Webhook::new(secret)
            .expect("a whsec_ secret")
            .sign(id, timestamp, body.as_bytes())
            .expect("signed");
        Self {
            id: id.to_owned(),
            timestamp,
            signature,
            body,
        }
    }

    /// The three headers.
    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("svix-id", self.id.clone()),
            ("svix-timestamp", self.timestamp.to_string()),
            ("svix-signature", self.signature.clone()),
        ]
    }

    /// Posts the delivery to `url`; returns the answer's status.
    pub async fn post(&self, url: &str) -> u16 {
        let mut request = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(self.body.clone());
        for (name, value) in self.headers() {
            request = request.header(name, value);
        }
        request
            .send()
            .await
            .expect("the receiver answers")
            .status()
            .as_u16()
    }
}

impl HuntressSim {
    /// The payload Huntress sends for an incident event
    /// (`incident_report.created`, `.closed`, `.comment_added`), signed now
    /// with `secret` as a new delivery.
    pub fn incident_delivery(
        &self,
        event_type: &str,
        incident: u64,
        secret: &str,
    ) -> SignedDelivery {
        let state = self.state();
        let account = state.account.clone();
        let record = state
            .incidents
            .get(&incident)
            .unwrap_or_else(|| panic!("no incident {incident}"));
        let mut payload = render::incident(record, account.id);
        let organization = state
            .organizations
            .get(&record.organization_id)
            .map_or(Value::Null, |o| json!({ "id": o.id, "name": o.name }));
        if let Value::Object(fields) = &mut payload {
            fields.insert("event_type".into(), event_type.into());
            fields.insert(
                "account".into(),
                json!({ "id": account.id, "name": account.name }),
            );
            fields.insert("organization".into(), organization);
        }
        drop(state);
        let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
        SignedDelivery::sign(
            secret,
            &id,
            chrono::Utc::now().timestamp(),
            payload.to_string(),
        )
    }
}
