//! Security incidents to tickets: one incident is one routed ticket, updated
//! in place.
//!
//! For each incident of the feed, oldest change first, the engine upserts the
//! alert row and decides: skip (`deleting`), create a ticket (on the mapped
//! client, or on the fallback client and triage board with an
//! `[Unmapped Org]` prefix), record only, add an internal note saying what
//! changed, auto-close, reopen, or nothing. The feed cursor is saved by
//! compare-and-set after each incident.
//!
//! An incident that fails for a reason of its own (its data, a rule it
//! breaks, a report that cannot be decoded) is quarantined with its raw
//! record and the error, and the cycle goes on past it. Each cycle first
//! retries the quarantined incidents that are due, reading them again; one
//! that succeeds, then or when the feed brings it again, leaves quarantine.
//! A failure of the store or the provider stops the cycle where it is, with
//! its error kept on the alert row, so nothing is skipped.

mod render;
mod settings;
mod snapshot;

pub use render::{
    UNMAPPED_PREFIX, block, ids_note, inline, ticket_body, ticket_title, unmapped_note,
};
pub use settings::{
    BACKFILL_DAYS, Catalog, IncidentRouting, IncidentSettings, NotInCatalog, POLL_INTERVAL_MINUTES,
    REQUIRED_SEVERITIES, prefill_severity_priorities,
};

use super::EngineError;
use crate::contracts::{IncidentStatus, NormalizedIncident};
use crate::ports::{
    AlertStore, AlertTicketUpdate, AlertUpsert, AssetStore, CatalogStore, EntityMapping,
    EntityMappingStore, IntegrationStore, NewComment, NewTicket, Pipeline, QuarantineEntry,
    QuarantineFilter, QuarantineStore, RetryBackoff, ScopeMapping, ScopeMappingStore, StoreError,
    TicketStore,
};
use crate::progress::{Progress, ProgressEvent};
use crate::sources::{FeedCursor, FeedItem, IncidentSource, UndecodableIncident};
use crate::{AlertId, ClientId, IntegrationId, TenantId};
use chrono::{Duration, Utc};
use futures::StreamExt;
use snapshot::IncidentSnapshot;
use std::collections::{HashMap, HashSet};

/// The key of the feed cursor in an integration's settings.
pub const CURSOR_KEY: &str = "incident_cursor";

/// One stream of records the incident pipeline turns into tickets: where
/// its feed cursor is kept and under which pipeline its records are
/// quarantined. Alerts, routing, notes, auto-close and quarantine are the
/// same for every stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IncidentStream {
    /// The key of the stream's cursor in the integration's settings.
    pub cursor_key: &'static str,
    /// The pipeline its quarantined records are kept under.
    pub pipeline: Pipeline,
}

impl IncidentStream {
    /// Security incidents (Huntress incident reports).
    pub const INCIDENTS: Self = Self {
        cursor_key: CURSOR_KEY,
        pipeline: Pipeline::Incidents,
    };
    /// Escalations (Huntress's requests for partner action).
    pub const ESCALATIONS: Self = Self {
        cursor_key: "escalation_cursor",
        pipeline: Pipeline::Escalations,
    };
}

/// What the engine did with one incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncidentOutcome {
    /// `deleting`: ignored.
    Skipped,
    /// Alert recorded, no ticket (closed when first seen, or tickets off for the scope).
    RecordedOnly,
    /// A ticket was created.
    TicketCreated,
    /// A note was added to the existing ticket.
    NoteAdded,
    /// A note was added and the ticket closed.
    TicketClosed,
    /// A note was added and the closed ticket reopened (the incident was
    /// closed, then raised again).
    TicketReopened,
    /// Nothing changed.
    Unchanged,
}

/// An incident whose processing failed: quarantined, or (in
/// [`IncidentPollReport::failed`]) where the cycle stopped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IncidentFailure {
    /// The provider's incident id.
    pub external_id: String,
    /// What went wrong.
    pub error: String,
}

/// What one poll cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct IncidentPollReport {
    /// Incidents the feed yielded.
    pub received: u64,
    /// Tickets created.
    pub tickets_created: u64,
    /// Notes added for changes.
    pub notes_added: u64,
    /// Tickets closed.
    pub tickets_closed: u64,
    /// Alerts recorded without a ticket.
    pub recorded_only: u64,
    /// Incidents ignored (`deleting`).
    pub skipped: u64,
    /// Incidents with nothing new.
    pub unchanged: u64,
    /// Tickets linked to an asset.
    pub assets_linked: u64,
    /// Tickets routed to the fallback client.
    pub unmapped: u64,
    /// Closed tickets reopened because their incident was raised again.
    pub tickets_reopened: u64,
    /// Incidents that failed for a reason of their own this cycle and are
    /// in quarantine (new ones and failed retries).
    pub quarantined: u64,
    /// Of those, records that could not be decoded.
    pub undecodable: u64,
    /// Quarantined incidents that succeeded this cycle and left quarantine.
    pub recovered: u64,
    /// The incidents quarantined this cycle, with their errors (the first
    /// [`IncidentPollReport::KEPT_FAILURES`]).
    pub quarantine_failures: Vec<IncidentFailure>,
    /// The failure of the store or provider that stopped the cycle, if any.
    pub failed: Option<IncidentFailure>,
    /// Requests the source made during the cycle.
    pub requests_made: u64,
}

impl IncidentPollReport {
    /// How many quarantined incidents a report lists.
    pub const KEPT_FAILURES: usize = 100;

    fn count(&mut self, outcome: IncidentOutcome) {
        match outcome {
            IncidentOutcome::Skipped => self.skipped += 1,
            IncidentOutcome::RecordedOnly => self.recorded_only += 1,
            IncidentOutcome::TicketCreated => self.tickets_created += 1,
            IncidentOutcome::NoteAdded => self.notes_added += 1,
            IncidentOutcome::TicketClosed => {
                self.notes_added += 1;
                self.tickets_closed += 1;
            }
            IncidentOutcome::TicketReopened => {
                self.notes_added += 1;
                self.tickets_reopened += 1;
            }
            IncidentOutcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// What an alert remembers once its incident is fully processed.
fn processed_metadata(
    fingerprint: &str,
    snapshot: &IncidentSnapshot,
    incident: &NormalizedIncident,
) -> serde_json::Value {
    serde_json::json!({
        "fingerprint": fingerprint,
        "snapshot": snapshot,
        "raw": incident.raw,
    })
}

/// The store ports the incident engine uses.
pub trait IncidentStore:
    IntegrationStore
    + CatalogStore
    + ScopeMappingStore
    + AlertStore
    + TicketStore
    + AssetStore
    + EntityMappingStore
    + QuarantineStore
{
}

impl<T> IncidentStore for T where
    T: IntegrationStore
        + CatalogStore
        + ScopeMappingStore
        + AlertStore
        + TicketStore
        + AssetStore
        + EntityMappingStore
        + QuarantineStore
        + ?Sized
{
}

/// The incident pipeline of one integration.
pub struct IncidentEngine<'s, S: ?Sized> {
    store: &'s S,
    tenant: TenantId,
    integration: IntegrationId,
    provider_title: String,
    routing: IncidentRouting,
    statuses: Vec<crate::ports::Status>,
    progress: Progress,
    backoff: RetryBackoff,
    stream: IncidentStream,
}

/// Quarantined incidents retried per cycle at most (the longest due
/// first); the rest wait for the next cycle.
pub const RETRIES_PER_CYCLE: i64 = 500;

/// Whether the cycle goes on after a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

impl<'s, S: IncidentStore + ?Sized> IncidentEngine<'s, S> {
    /// An engine for one integration. Fails with
    /// [`EngineError::Settings`] naming every missing or wrong field while the
    /// integration's incident settings are not complete.
    pub async fn new(
        store: &'s S,
        tenant: TenantId,
        integration: IntegrationId,
        provider_title: impl Into<String>,
    ) -> Result<Self, EngineError> {
        let record = store
            .get_integration(tenant, integration)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "integration",
                id: integration.to_string(),
            })?;
        let settings = IncidentSettings::from_integration_settings(&record.settings)?;
        let catalog = Catalog {
            clients: store.list_clients(tenant).await?,
            boards: store.list_boards(tenant).await?,
            statuses: store.list_statuses(tenant).await?,
            priorities: store.list_priorities(tenant).await?,
            categories: store.list_categories(tenant).await?,
        };
        let routing = settings.routing(&catalog)?;
        let statuses = catalog.statuses;
        Ok(Self {
            statuses,
            store,
            tenant,
            integration,
            provider_title: provider_title.into(),
            routing,
            progress: Progress::default(),
            backoff: RetryBackoff::default(),
            stream: IncidentStream::INCIDENTS,
        })
    }

    /// Which stream the engine runs (default [`IncidentStream::INCIDENTS`]).
    pub fn with_stream(mut self, stream: IncidentStream) -> Self {
        self.stream = stream;
        self
    }

    /// How long quarantined incidents wait between retries (default 5
    /// minutes, doubling, at most a day).
    pub fn with_backoff(mut self, backoff: RetryBackoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Reports each processed incident, ticket created and page fetched to
    /// `progress` as the cycle runs.
    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = progress;
        self
    }

    /// Runs one poll cycle: first the quarantined incidents due for a retry,
    /// then every incident changed since the stored cursor, oldest first,
    /// saving the cursor after each. An incident that fails for a reason of
    /// its own is quarantined and the cycle goes on; a failure of the store
    /// or provider stops it (reported in `failed`, error kept on the alert),
    /// as does another writer moving the cursor (a [`StoreError::Conflict`]).
    pub async fn poll(
        &self,
        source: &dyn IncidentSource,
    ) -> Result<IncidentPollReport, EngineError> {
        let requests_before = source.requests_made();
        let record = self
            .store
            .get_integration(self.tenant, self.integration)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                entity: "integration",
                id: self.integration.to_string(),
            })?;
        let mut settings = record.settings;
        let mut version = record.settings_version;
        let cursor: Option<FeedCursor> = settings
            .get(self.stream.cursor_key)
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        let backfill_from = Utc::now() - Duration::days(i64::from(self.routing.backfill_days));

        let mut report = IncidentPollReport::default();
        let mut quarantine = QuarantineState {
            held: self
                .store
                .quarantined_ids(self.tenant, self.integration, self.stream.pipeline)
                .await?
                .into_iter()
                .collect(),
            failed_again: HashMap::new(),
        };
        if self
            .retry_quarantined(source, &mut quarantine, &mut report)
            .await?
            == Flow::Stop
        {
            report.requests_made = source.requests_made().saturating_sub(requests_before);
            return Ok(report);
        }

        let mut feed = source.incidents_since(cursor.as_ref(), backfill_from);
        let mut requests_seen = requests_before;
        while let Some(item) = feed.next().await {
            let item = item?;
            report.received += 1;
            let requests = source.requests_made();
            if requests != requests_seen {
                requests_seen = requests;
                self.progress.emit(&ProgressEvent::RequestsMade {
                    total: requests.saturating_sub(requests_before),
                });
            }
            let flow = match &item {
                FeedItem::Incident { incident, .. } => {
                    if quarantine.just_failed(&incident.external_id, &incident.raw) {
                        // The retry this cycle tried this very record.
                        Flow::Continue
                    } else {
                        let result = self.process(source, incident, &mut report).await;
                        self.settle(
                            &incident.external_id,
                            &incident.raw,
                            result,
                            &mut quarantine,
                            &mut report,
                        )
                        .await?
                    }
                }
                FeedItem::Undecodable { record, .. } => {
                    let record_id = undecodable_id(record);
                    if quarantine.just_failed(&record_id, &record.payload) {
                        Flow::Continue
                    } else {
                        self.settle_undecodable(&record_id, record, &mut quarantine, &mut report)
                            .await?
                    }
                }
            };
            if flow == Flow::Stop {
                break;
            }
            if let Some(cursor) = item.cursor() {
                if let serde_json::Value::Object(map) = &mut settings {
                    map.insert(
                        self.stream.cursor_key.to_owned(),
                        serde_json::to_value(cursor).expect("cursor serializes"),
                    );
                } else {
                    settings = serde_json::json!({ self.stream.cursor_key: cursor });
                }
                version = self
                    .store
                    .update_settings(self.tenant, self.integration, version, settings.clone())
                    .await?;
            }
        }
        report.requests_made = source.requests_made().saturating_sub(requests_before);
        Ok(report)
    }

    /// Retries the quarantined incidents that are due, each read again
    /// ([`IncidentSource::reread_incident`]).
    async fn retry_quarantined(
        &self,
        source: &dyn IncidentSource,
        quarantine: &mut QuarantineState,
        report: &mut IncidentPollReport,
    ) -> Result<Flow, EngineError> {
        let due = self
            .store
            .list_quarantined(
                self.tenant,
                self.integration,
                QuarantineFilter {
                    pipeline: Some(self.stream.pipeline),
                    due_at: Some(Utc::now()),
                },
                RETRIES_PER_CYCLE,
            )
            .await?;
        for entry in due {
            let flow = match source.reread_incident(&entry.payload).await {
                Ok(Ok(incident)) => {
                    let result = self.process(source, &incident, report).await;
                    self.settle(&entry.record_id, &entry.payload, result, quarantine, report)
                        .await?
                }
                Ok(Err(record)) => {
                    self.settle_undecodable(&entry.record_id, &record, quarantine, report)
                        .await?
                }
                Err(error) => {
                    self.settle(
                        &entry.record_id,
                        &entry.payload,
                        Err(error.into()),
                        quarantine,
                        report,
                    )
                    .await?
                }
            };
            if flow == Flow::Stop {
                return Ok(Flow::Stop);
            }
            if quarantine.held.contains(&entry.record_id) {
                quarantine
                    .failed_again
                    .insert(entry.record_id, entry.payload);
            }
        }
        Ok(Flow::Continue)
    }

    /// Counts a processed incident and takes it out of quarantine, or
    /// quarantines it, or stops the cycle, by the kind of its error.
    async fn settle(
        &self,
        record_id: &str,
        payload: &serde_json::Value,
        result: Result<IncidentOutcome, EngineError>,
        quarantine: &mut QuarantineState,
        report: &mut IncidentPollReport,
    ) -> Result<Flow, EngineError> {
        match result {
            Ok(outcome) => {
                report.count(outcome);
                if outcome == IncidentOutcome::TicketCreated {
                    self.progress.emit(&ProgressEvent::TicketCreated {
                        external_id: record_id.to_owned(),
                    });
                }
                self.progress.emit(&ProgressEvent::IncidentProcessed {
                    external_id: record_id.to_owned(),
                    total: report.received,
                });
                if quarantine.held.remove(record_id) {
                    self.store
                        .release_quarantined(
                            self.tenant,
                            self.integration,
                            self.stream.pipeline,
                            &[record_id.to_owned()],
                        )
                        .await?;
                    report.recovered += 1;
                }
                Ok(Flow::Continue)
            }
            Err(error) if error.is_about_the_record() => {
                let message = error.to_string();
                tracing::warn!(incident = %record_id, error = %message, "incident failed; quarantined, the cycle goes on");
                self.quarantine(record_id, payload, &message, quarantine, report)
                    .await?;
                self.keep_error_on_alert(record_id, &message).await;
                Ok(Flow::Continue)
            }
            Err(error) => {
                let message = error.to_string();
                tracing::warn!(incident = %record_id, error = %message, "incident failed; cycle stops");
                self.keep_error_on_alert(record_id, &message).await;
                report.failed = Some(IncidentFailure {
                    external_id: record_id.to_owned(),
                    error: message,
                });
                Ok(Flow::Stop)
            }
        }
    }

    async fn settle_undecodable(
        &self,
        record_id: &str,
        record: &UndecodableIncident,
        quarantine: &mut QuarantineState,
        report: &mut IncidentPollReport,
    ) -> Result<Flow, EngineError> {
        let message = record.to_string();
        tracing::warn!(record = %record_id, error = %message, "undecodable incident record; quarantined");
        report.undecodable += 1;
        self.quarantine(record_id, &record.payload, &message, quarantine, report)
            .await?;
        Ok(Flow::Continue)
    }

    async fn keep_error_on_alert(&self, external_id: &str, message: &str) {
        let error = Some(message.to_owned());
        if let Ok(Some(alert)) = self
            .store
            .get_alert(self.tenant, self.integration, external_id)
            .await
            && let Err(error) = self
                .store
                .set_alert_error(self.tenant, alert.id, error)
                .await
        {
            tracing::warn!(%error, "could not record the incident's error on its alert");
        }
    }

    async fn quarantine(
        &self,
        record_id: &str,
        payload: &serde_json::Value,
        error: &str,
        quarantine: &mut QuarantineState,
        report: &mut IncidentPollReport,
    ) -> Result<(), EngineError> {
        self.store
            .quarantine_record(
                self.tenant,
                self.integration,
                QuarantineEntry {
                    pipeline: self.stream.pipeline,
                    record_id: record_id.to_owned(),
                    payload: payload.clone(),
                    error: error.to_owned(),
                },
                self.backoff,
                Utc::now(),
            )
            .await?;
        quarantine.held.insert(record_id.to_owned());
        report.quarantined += 1;
        if report.quarantine_failures.len() < IncidentPollReport::KEPT_FAILURES {
            report.quarantine_failures.push(IncidentFailure {
                external_id: record_id.to_owned(),
                error: error.to_owned(),
            });
        }
        Ok(())
    }

    async fn process(
        &self,
        source: &dyn IncidentSource,
        incident: &NormalizedIncident,
        report: &mut IncidentPollReport,
    ) -> Result<IncidentOutcome, EngineError> {
        if incident.status == IncidentStatus::Deleting {
            return Ok(IncidentOutcome::Skipped);
        }
        check_ids(incident)?;
        let snapshot = IncidentSnapshot::of(incident);
        let fingerprint = snapshot.fingerprint();
        let previous = self
            .store
            .get_alert(self.tenant, self.integration, &incident.external_id)
            .await?;
        // `snapshot` is what the ticket was last brought up to (written with
        // the alert before its ticket is made); `fingerprint` is written
        // once the incident is fully processed. A ticket without a
        // fingerprint is a creation that stopped part way.
        let recorded: Option<IncidentSnapshot> = previous.as_ref().and_then(|alert| {
            serde_json::from_value::<IncidentSnapshot>(alert.metadata.get("snapshot")?.clone())
                .ok()
                .map(|recorded| recorded.upgraded(&snapshot))
        });
        let finished: Option<&str> = previous
            .as_ref()
            .and_then(|alert| alert.metadata.get("fingerprint")?.as_str());
        if let Some(alert) = &previous
            && alert.ticket_id.is_some()
            && (finished == Some(fingerprint.as_str())
                || (finished.is_some() && recorded.as_ref() == Some(&snapshot)))
        {
            // Processed after all (an error was recorded when the cycle
            // could not tell): the error is no longer true.
            if alert.processing_error.is_some() {
                self.store
                    .set_alert_error(self.tenant, alert.id, None)
                    .await?;
            }
            return Ok(IncidentOutcome::Unchanged);
        }
        let creation_stopped = previous
            .as_ref()
            .is_some_and(|alert| alert.ticket_id.is_some() && finished.is_none());
        let mapping = self.mapping_for(source, incident).await?;

        // A new incident is recorded first, with the snapshot its ticket is
        // made from, so a failure below leaves a row to carry the error and
        // the retry knows what the ticket shows; a known one is rewritten
        // only once processed.
        let alert = match previous {
            Some(alert) => alert,
            None => {
                let pending = serde_json::json!({ "snapshot": snapshot, "raw": incident.raw });
                self.upsert_alert(incident, Some(pending)).await?
            }
        };

        let outcome = match alert.ticket_id {
            None => {
                let tickets_off = mapping
                    .as_ref()
                    .is_some_and(|m| m.client_id.is_some() && !m.auto_create_tickets);
                if incident.status.is_closed() || tickets_off {
                    IncidentOutcome::RecordedOnly
                } else {
                    self.create_ticket(
                        alert.id,
                        incident,
                        mapping.as_ref(),
                        source.portal_domain(),
                        report,
                    )
                    .await?;
                    IncidentOutcome::TicketCreated
                }
            }
            Some(ticket) => {
                if creation_stopped {
                    // Finish what the creation did after the ticket: the
                    // asset link (idempotent) when the ticket is the
                    // mapped client's.
                    let client = mapping.as_ref().and_then(|m| m.client_id);
                    let on_client = match client {
                        Some(client) => self
                            .store
                            .get_ticket(self.tenant, ticket)
                            .await?
                            .is_some_and(|t| t.client_id == client),
                        None => false,
                    };
                    if let Some(client) = client.filter(|_| on_client)
                        && self.link_asset(alert.id, ticket, client, incident).await?
                    {
                        report.assets_linked += 1;
                    }
                }
                let mut lines = match &recorded {
                    // The creation's own snapshot: nothing changed since.
                    Some(before) if creation_stopped && *before == snapshot => Vec::new(),
                    Some(before) => snapshot.changes_since(before),
                    None if creation_stopped => Vec::new(),
                    None => vec![format!("Status: {}", snapshot.status)],
                };
                // Close into a closed status of the ticket's own board:
                // a fallback ticket sits on the triage board.
                let close_into = match (incident.status.is_closed(), self.routing.auto_close_status)
                {
                    (true, Some(configured)) => self
                        .store
                        .get_ticket(self.tenant, ticket)
                        .await?
                        .filter(|t| t.closed_at.is_none())
                        .and_then(|t| self.closed_status_for(configured, t.board_id)),
                    _ => None,
                };
                if close_into.is_some() {
                    lines.push(format!(
                        "Closed automatically: {} marked the incident {}.",
                        self.provider_title, incident.status
                    ));
                }
                // Raised again after it was closed: a closed ticket opens
                // again. (A ticket a person closed while the incident stayed
                // open stays closed.)
                let reopen_into = if !incident.status.is_closed()
                    && recorded.as_ref().is_some_and(IncidentSnapshot::is_closed)
                {
                    self.store
                        .get_ticket(self.tenant, ticket)
                        .await?
                        .filter(|t| t.closed_at.is_some())
                        .and_then(|t| self.open_status_for(t.board_id))
                } else {
                    None
                };
                if reopen_into.is_some() {
                    lines.push(format!(
                        "Reopened automatically: {} raised the incident again ({}).",
                        self.provider_title, incident.status
                    ));
                }
                let note = (!lines.is_empty() || !creation_stopped).then(|| NewComment {
                    note: format!(
                        "**{} incident updated**\n\n- {}",
                        self.provider_title,
                        lines.join("\n- ")
                    ),
                    is_internal: true,
                    is_system_generated: true,
                });
                let outcome = if close_into.is_some() {
                    IncidentOutcome::TicketClosed
                } else if reopen_into.is_some() {
                    IncidentOutcome::TicketReopened
                } else if note.is_none() {
                    IncidentOutcome::TicketCreated
                } else {
                    IncidentOutcome::NoteAdded
                };
                // The status, the note and the alert's new state land
                // together: a retry neither repeats the note nor loses it.
                self.store
                    .update_alert_ticket(
                        self.tenant,
                        self.integration,
                        AlertTicketUpdate {
                            ticket,
                            status: close_into.or(reopen_into),
                            note,
                            alert: self.alert_upsert(
                                incident,
                                processed_metadata(&fingerprint, &snapshot, incident),
                            ),
                        },
                    )
                    .await?;
                return Ok(outcome);
            }
        };

        // Now the incident is fully processed: remember its state.
        self.upsert_alert(
            incident,
            Some(processed_metadata(&fingerprint, &snapshot, incident)),
        )
        .await?;
        Ok(outcome)
    }

    /// The configured closed status when it belongs to `board`; else the
    /// board's closed status of the same name, else its first closed one.
    fn closed_status_for(
        &self,
        configured: crate::StatusId,
        board: crate::BoardId,
    ) -> Option<crate::StatusId> {
        let on_board = |s: &&crate::ports::Status| s.board_id == board && s.is_closed;
        if self
            .statuses
            .iter()
            .any(|s| s.id == configured && on_board(&s))
        {
            return Some(configured);
        }
        let name = self
            .statuses
            .iter()
            .find(|s| s.id == configured)
            .map(|s| s.name.to_lowercase());
        self.statuses
            .iter()
            .filter(on_board)
            .find(|s| Some(s.name.to_lowercase()) == name)
            .or_else(|| self.statuses.iter().find(on_board))
            .map(|s| s.id)
    }

    /// The board's default status when it is open; else its first open one.
    fn open_status_for(&self, board: crate::BoardId) -> Option<crate::StatusId> {
        let open = |s: &&crate::ports::Status| s.board_id == board && !s.is_closed;
        self.statuses
            .iter()
            .filter(open)
            .find(|s| s.is_default)
            .or_else(|| self.statuses.iter().find(open))
            .map(|s| s.id)
    }

    async fn upsert_alert(
        &self,
        incident: &NormalizedIncident,
        metadata: Option<serde_json::Value>,
    ) -> Result<crate::ports::Alert, EngineError> {
        let upserted = self
            .store
            .upsert_alert(
                self.tenant,
                self.integration,
                self.alert_upsert(incident, metadata.unwrap_or_else(|| serde_json::json!({}))),
            )
            .await?;
        Ok(upserted.alert)
    }

    fn alert_upsert(
        &self,
        incident: &NormalizedIncident,
        metadata: serde_json::Value,
    ) -> AlertUpsert {
        let device = incident.device_ref.clone().unwrap_or_default();
        AlertUpsert {
            external_alert_id: incident.external_id.clone(),
            severity: incident.severity.to_string(),
            status: incident.status.to_string(),
            message: incident.subject.clone(),
            device_name: device.hostname,
            external_device_id: device.agent_id,
            triggered_at: incident.sent_at,
            metadata,
        }
    }

    /// The incident's scope mapping; an unknown scope is fetched from the
    /// source and added to the mappings (unmapped).
    async fn mapping_for(
        &self,
        source: &dyn IncidentSource,
        incident: &NormalizedIncident,
    ) -> Result<Option<ScopeMapping>, EngineError> {
        let Some(scope_id) = incident.scope_id.as_deref() else {
            return Ok(None);
        };
        if let Some(mapping) = self
            .store
            .get_scope_mapping(self.tenant, self.integration, scope_id)
            .await?
        {
            return Ok(Some(mapping));
        }
        let Some(scope) = source.scope(scope_id).await? else {
            return Ok(None);
        };
        self.store
            .upsert_scopes(self.tenant, self.integration, std::slice::from_ref(&scope))
            .await?;
        Ok(self
            .store
            .get_scope_mapping(self.tenant, self.integration, scope_id)
            .await?)
    }

    async fn create_ticket(
        &self,
        alert: AlertId,
        incident: &NormalizedIncident,
        mapping: Option<&ScopeMapping>,
        portal_domain: Option<&str>,
        report: &mut IncidentPollReport,
    ) -> Result<(), EngineError> {
        let scope_name = mapping.map(|m| m.name.as_str());
        let client = mapping.and_then(|m| m.client_id);
        let unmapped = client.is_none();
        let (client_id, board_id) = match client {
            Some(client) => (client, self.routing.board_id),
            None => (
                self.routing.fallback_client_id,
                self.routing.fallback_board_id,
            ),
        };
        let mut comments = vec![NewComment {
            note: ids_note(&self.provider_title, incident),
            is_internal: true,
            is_system_generated: true,
        }];
        if unmapped {
            comments.push(NewComment {
                note: unmapped_note(
                    &self.provider_title,
                    incident.scope_id.as_deref(),
                    scope_name,
                ),
                is_internal: true,
                is_system_generated: true,
            });
        }
        let ticket = NewTicket {
            title: ticket_title(&self.provider_title, incident, unmapped),
            description: ticket_body(&self.provider_title, incident, scope_name, portal_domain),
            client_id,
            board_id,
            status_id: None,
            priority_id: self
                .routing
                .severity_priorities
                .get(&incident.severity.as_str().to_lowercase())
                .copied(),
            category_id: self.routing.category_id,
            subcategory_id: self.routing.subcategory_id,
            source: Some(incident.provider.to_string()),
            source_reference: Some(incident.external_id.clone()),
            attributes: serde_json::json!({ "integration_id": self.integration, "unmapped": unmapped }),
        };
        let made = self
            .store
            .create_alert_ticket(self.tenant, alert, ticket, &comments)
            .await?;
        if unmapped {
            report.unmapped += 1;
        }
        if made.created
            && !unmapped
            && self
                .link_asset(alert, made.ticket_id, client_id, incident)
                .await?
        {
            report.assets_linked += 1;
        }
        Ok(())
    }

    /// Best effort: the host name among the client's assets, serial number
    /// breaking ties; only a unique match links.
    async fn link_asset(
        &self,
        alert: AlertId,
        ticket: crate::TicketId,
        client: ClientId,
        incident: &NormalizedIncident,
    ) -> Result<bool, EngineError> {
        let Some(device) = &incident.device_ref else {
            return Ok(false);
        };
        let Some(hostname) = device.hostname.as_deref().filter(|h| !h.trim().is_empty()) else {
            return Ok(false);
        };
        let mut matches = self
            .store
            .find_assets_by_hostname(self.tenant, client, hostname.trim())
            .await?;
        if matches.len() > 1
            && let Some(serial) = device.serial_number.as_deref()
        {
            matches.retain(|m| {
                m.serial_number
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(serial))
            });
        }
        let [asset] = matches.as_slice() else {
            return Ok(false);
        };
        self.store
            .associate_asset(self.tenant, ticket, asset.asset_id)
            .await?;
        self.store
            .set_alert_asset(self.tenant, alert, asset.asset_id)
            .await?;
        if let Some(agent_id) = &device.agent_id {
            self.store
                .upsert_entity_mapping(
                    self.tenant,
                    EntityMapping {
                        integration_type: incident.provider.to_string(),
                        alga_entity_type: "asset".to_owned(),
                        alga_entity_id: asset.asset_id.0,
                        external_entity_id: agent_id.clone(),
                        external_realm_id: self.integration.to_string(),
                        sync_status: "synced".to_owned(),
                        last_synced_at: Some(Utc::now()),
                        metadata: serde_json::json!({ "matched_by": "hostname" }),
                    },
                )
                .await?;
        }
        Ok(true)
    }
}

/// Which incidents are in quarantine during a cycle.
struct QuarantineState {
    /// Ids of the quarantined incidents.
    held: HashSet<String>,
    /// Records a retry of this cycle tried and that failed again, with the
    /// payload tried: the feed bringing the same record is not tried twice.
    failed_again: HashMap<String, serde_json::Value>,
}

impl QuarantineState {
    fn just_failed(&self, record_id: &str, payload: &serde_json::Value) -> bool {
        self.failed_again.get(record_id) == Some(payload)
    }
}

/// The id an undecodable record is quarantined under: its own, or a hash
/// of the record when it has none that can be read.
fn undecodable_id(record: &UndecodableIncident) -> String {
    match record.id.as_deref().filter(|id| !id.trim().is_empty()) {
        Some(id) => id.to_owned(),
        None => QuarantineEntry::payload_id(&record.payload),
    }
}

/// Ids are keys the store looks up again as sent; PostgreSQL cannot hold a
/// NUL in one. Refused here, the same on every backend.
fn check_ids(incident: &NormalizedIncident) -> Result<(), EngineError> {
    let bad = |id: &str| id.contains('\0');
    if incident.external_id.trim().is_empty() {
        return Err(EngineError::InvalidRecord {
            message: "the incident has an empty id".to_owned(),
        });
    }
    if bad(&incident.external_id) || incident.scope_id.as_deref().is_some_and(bad) {
        return Err(EngineError::InvalidRecord {
            message: format!(
                "incident {:?} has a NUL byte in its id or organization id",
                incident.external_id
            ),
        });
    }
    Ok(())
}
