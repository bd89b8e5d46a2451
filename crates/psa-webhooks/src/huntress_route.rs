//! `POST /webhooks/huntress/{integration}`: verify, de-duplicate, poke.

use crate::Webhooks;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use chrono::Utc;
use huntress::webhooks::{WebhookNotice, WebhookStream};
use psa_ingest::IntegrationId;
use psa_ingest::ports::{Integration, StoreError};
use psa_sync::jobs::run_now;
use psa_sync::{Job, SyncError, WEBHOOK_SECRET, secret_name};
use secrecy::ExposeSecret as _;
use std::sync::Arc;

/// Svix's header names, and the Standard Webhooks names the verifier reads.
const RENAMED: [(&str, &str); 3] = [
    ("svix-id", "webhook-id"),
    ("svix-timestamp", "webhook-timestamp"),
    ("svix-signature", "webhook-signature"),
];

/// What became of a delivery, for the log and the answer.
enum Outcome {
    /// Signed right and acted on, or dropped on purpose: 204.
    Done(&'static str),
    /// Not signed right, or for nothing we can verify: 401.
    Refused(&'static str),
    /// The store failed: 500.
    Failed(String),
}

pub(crate) async fn receive(
    State(hooks): State<Arc<Webhooks>>,
    Path(integration): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let outcome = handle(&hooks, &integration, &headers, &body).await;
    match outcome {
        Outcome::Done(what) => {
            tracing::info!(%integration, what, "huntress webhook");
            StatusCode::NO_CONTENT
        }
        Outcome::Refused(why) => {
            tracing::warn!(%integration, why, "huntress webhook refused");
            StatusCode::UNAUTHORIZED
        }
        Outcome::Failed(error) => {
            tracing::error!(%integration, %error, "huntress webhook failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

async fn handle(hooks: &Webhooks, integration: &str, headers: &HeaderMap, body: &[u8]) -> Outcome {
    let store = hooks.store.as_ref();
    let failed = |e: StoreError| Outcome::Failed(e.to_string());
    let Ok(id) = uuid::Uuid::parse_str(integration) else {
        return Outcome::Refused("not an integration id");
    };
    let integration = IntegrationId(id);
    let tenant = match store.locate_integration(integration).await {
        Ok(Some(tenant)) => tenant,
        Ok(None) => return Outcome::Refused("no such integration"),
        Err(e) => return failed(e),
    };
    let secret = match store
        .get_secret(tenant, &secret_name(integration, WEBHOOK_SECRET))
        .await
    {
        Ok(Some(secret)) => secret,
        Ok(None) => return Outcome::Refused("no signing secret set"),
        Err(e) => return failed(e),
    };
    let Ok(verifier) = standardwebhooks::Webhook::new(secret.expose_secret()) else {
        return Outcome::Refused("the stored signing secret is unusable");
    };
    let standard = standard_headers(headers);
    if verifier.verify(body, &standard).is_err() {
        return Outcome::Refused("signature or timestamp not valid");
    }
    let delivery = standard
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match store
        .record_delivery(tenant, integration, delivery, Utc::now())
        .await
    {
        Ok(true) => {}
        Ok(false) => return Outcome::Done("replay dropped"),
        Err(StoreError::InvalidInput { .. }) => return Outcome::Done("odd delivery id dropped"),
        Err(e) => return failed(e),
    }
    let Ok(notice) = WebhookNotice::parse(body) else {
        return Outcome::Done("malformed body ignored");
    };
    let record = match store.get_integration(tenant, integration).await {
        Ok(Some(record)) => record,
        Ok(None) => return Outcome::Done("integration gone"),
        Err(e) => return failed(e),
    };
    if let Some(dropped) = unfit(&record, &notice) {
        return Outcome::Done(dropped);
    }
    let job = match notice.stream() {
        Some(WebhookStream::IncidentReports) => Job::Incidents,
        Some(WebhookStream::Escalations) => Job::Escalations,
        None => return Outcome::Done("event not polled"),
    };
    match run_now(store, tenant, integration, job).await {
        Ok(()) => {}
        Err(SyncError::NotScheduled { .. }) => return Outcome::Done("poll not scheduled"),
        Err(e) => return Outcome::Failed(e.to_string()),
    }
    if let Some(waker) = &hooks.waker {
        waker.wake();
    }
    Outcome::Done("poll due now")
}

/// Why a verified delivery is dropped: the integration is not one to poll,
/// or the delivery is about another account.
fn unfit(record: &Integration, notice: &WebhookNotice) -> Option<&'static str> {
    if record.provider.as_str() != "huntress" {
        return Some("not a Huntress integration");
    }
    if !record.is_active || record.connected_at.is_none() {
        return Some("integration not connected");
    }
    let account = record.settings["account"]["account_id"].as_u64();
    match (notice.account_id, account) {
        (Some(theirs), Some(ours)) if theirs != ours => Some("another account's delivery"),
        _ => None,
    }
}

/// The delivery's `svix-*` headers under the Standard Webhooks names (the
/// same scheme); `webhook-*` headers are kept as they are.
fn standard_headers(headers: &HeaderMap) -> HeaderMap {
    let mut standard = headers.clone();
    for (svix, name) in RENAMED {
        if let Some(value) = headers.get(svix) {
            standard.insert(HeaderName::from_static(name), value.clone());
        }
    }
    standard
}
