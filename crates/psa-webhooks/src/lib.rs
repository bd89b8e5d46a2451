//! Webhook receivers for the PSA integrations: a delivery makes the
//! integration's poll due now, so a change reaches the PSA in seconds
//! instead of at the next poll interval. A delivery never writes a ticket
//! itself; the poll fetches the records from the vendor's API.
//!
//! [`Webhooks::router`] is an axum router a service mounts (`psa worker
//! --listen ADDR` serves it beside the worker):
//!
//! - `POST /webhooks/huntress/{integration_id}`: a Huntress (Svix-signed)
//!   delivery, verified against the raw body with the integration's signing
//!   secret ([`set_signing_secret`]), timestamps older or newer than five
//!   minutes refused, replays (same `svix-id`) recognised.
//!
//! | delivery | answer |
//! | --- | --- |
//! | signed right, new, for a connected integration of its account | 204, the incident (or escalation) poll is due now, and an in-process worker woken |
//! | a replay, an event nobody polls, malformed JSON, an inactive or disconnected integration, another account's | 204, dropped (logged) |
//! | a missing or wrong signature, a stale timestamp, an unknown integration, no signing secret set | 401, the same answer for each (no endpoint tells whether an integration exists) |
//! | a body over the limit (default 1 MiB) | 413 |
//! | the store failing | 500 (the sender retries; the retry is a replay, and the poll still runs at its interval) |

mod huntress_route;
mod secret;

pub use secret::{SecretError, set_signing_secret};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::post;
use psa_ingest::ports::Store;
use psa_sync::{CancellationToken, WorkerWaker};
use std::sync::Arc;

/// The largest delivery body accepted by default.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// The webhook receivers of one store.
#[derive(Clone)]
pub struct Webhooks {
    store: Arc<dyn Store>,
    waker: Option<WorkerWaker>,
    max_body: usize,
}

impl Webhooks {
    /// Receivers that make polls due in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            waker: None,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Wakes this worker after making a poll due, so it runs at once
    /// instead of at the worker's next tick.
    pub fn waker(mut self, waker: WorkerWaker) -> Self {
        self.waker = Some(waker);
        self
    }

    /// The largest body accepted (default [`DEFAULT_MAX_BODY`]); larger is 413.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The routes, to mount or serve:
    ///
    /// ```no_run
    /// # async fn demo(store: std::sync::Arc<dyn psa_ingest::ports::Store>) -> std::io::Result<()> {
    /// let app = psa_webhooks::Webhooks::new(store).router();
    /// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    /// axum::serve(listener, app).await
    /// # }
    /// ```
    pub fn router(self) -> Router {
        self.routes()
    }

    /// Serves the routes on `listener` until `shutdown` is cancelled, then
    /// finishes the requests in flight: what `psa worker --listen` runs.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        axum::serve(listener, self.routes())
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
    }

    fn routes(self) -> Router {
        let max_body = self.max_body;
        Router::new()
            .route(
                "/webhooks/huntress/{integration}",
                post(huntress_route::receive),
            )
            .layer(DefaultBodyLimit::max(max_body))
            .with_state(Arc::new(self))
    }
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}
