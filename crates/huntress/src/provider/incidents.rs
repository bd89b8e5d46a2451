//! The incident feed: incident reports changed since a cursor, oldest first.
//!
//! Huntress has no "updated since" filter, so the feed walks the list sorted
//! by `updated_at` descending until a row is older than the floor (the
//! cursor's time minus the overlap, or `backfill_from` on a first run).
//!
//! # Ascending order in bounded memory
//!
//! The descending walk keeps only each page's token and the keys
//! (`updated_at`, id) of its first and last rows; it holds no records. The
//! page where the walk stops is in hand: its rows newer than the floor are
//! yielded oldest first. Then the earlier pages are fetched again by their
//! tokens, newest page last, each yielded in reverse. Memory is one page of
//! records plus a token and two keys per page walked, whatever the backlog.
//! A backlog of `k` pages costs `2k - 1` requests; a cycle with nothing new
//! costs one.
//!
//! # When the list changes during the walk
//!
//! Each page fetched again must start and end with the same rows as during
//! the descending walk. If it does not (an incident changed and moved to the
//! top, which shifts offset-based pages), nothing from that page is yielded:
//! the walk starts over from the last yielded incident's time, so no
//! incident between the floor and the end of the walk is skipped. After
//! [`HuntressIncidentSource::MAX_RESTARTS`] restarts the stream ends with a
//! transient error; what was yielded stays valid and the next cycle resumes
//! from its cursor.
//!
//! # Host details
//!
//! On by default ([`HuntressIncidentSource::with_agent_details`]): each
//! incident that names an agent gets its host's name, OS, addresses, serial
//! number and last callback. The descending walk notes the agents of every
//! page it walks; before a page is yielded its agents are read, per
//! organization by single gets or by listing the organization's agents,
//! whichever costs fewer requests, never twice in a walk (see the
//! `agent_details` module). A failed read leaves the details empty.
//!
//! # Errors and undecodable reports
//!
//! Every error ends the stream (HTTP failure, repeated page token, invalid
//! cursor, a list that kept changing). A report that cannot be decoded, or
//! that carries no time at all, is yielded as [`FeedItem::Undecodable`] with
//! the decode error, its JSON path and the report as sent, in its place in
//! the feed (without a cursor of its own): the engine quarantines it, and
//! later retries it through [`IncidentSource::decode_incident`], which
//! decodes the stored report again with the code running then.

use crate::models::{IncidentReport, IncidentReportId, SortDirection, SortField};
use crate::normalize::normalize_incident;
use crate::provider::agent_details::AgentLookups;
use crate::provider::feed_cursor::CursorPosition;
use crate::requests::envelope::decode_record;
use crate::requests::pagination::{PageRow, rows_in_order};
use crate::requests::{IncidentReportsQuery, MAX_PAGE_SIZE};
use crate::{HuntressApi, HuntressError, Page, UndecodableRecord};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use futures::stream::{self, StreamExt};
use psa_ingest::contracts::{NormalizedIncident, NormalizedScope};
use psa_ingest::sources::{
    FeedCursor, FeedItem, IncidentSource, SourceError, SourceStream, UndecodableIncident,
};
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// Huntress incident reports as a [`IncidentSource`].
#[derive(Clone)]
pub struct HuntressIncidentSource {
    api: Arc<dyn HuntressApi>,
    subdomain: Option<String>,
    page_size: u32,
    overlap: TimeDelta,
    agent_details: bool,
}

impl std::fmt::Debug for HuntressIncidentSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HuntressIncidentSource")
            .field("subdomain", &self.subdomain)
            .field("page_size", &self.page_size)
            .field("overlap", &self.overlap)
            .field("agent_details", &self.agent_details)
            .finish_non_exhaustive()
    }
}

impl HuntressIncidentSource {
    /// How far before the cursor each walk starts again, so an incident
    /// whose `updated_at` became visible late is not missed.
    pub const DEFAULT_OVERLAP: TimeDelta = TimeDelta::seconds(60);

    /// Restarts allowed in one walk when the list keeps changing under it.
    pub const MAX_RESTARTS: u32 = 3;

    /// A feed over `api`; `subdomain` is the account's portal subdomain
    /// (for [`portal_url`](crate::normalize::portal_url)), from
    /// `GET /v1/account`.
    pub fn new(api: Arc<dyn HuntressApi>, subdomain: Option<String>) -> Self {
        Self {
            api,
            subdomain,
            page_size: MAX_PAGE_SIZE,
            overlap: Self::DEFAULT_OVERLAP,
            agent_details: true,
        }
    }

    /// Rows per page, default and most 500 (values are clamped to 1..=500).
    pub fn with_page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// The overlap before the cursor, default 60 s (negative counts as 0).
    pub fn with_overlap(mut self, overlap: TimeDelta) -> Self {
        self.overlap = overlap.max(TimeDelta::zero());
        self
    }

    /// Whether to fill each incident's host details (host name, OS,
    /// addresses, serial, last callback) from its agent; on by default. A
    /// walk reads each agent at most once, per organization by single
    /// `GET /v1/agents/{id}` or by listing the organization's agents,
    /// whichever costs fewer requests. Off: a report names its agent only.
    pub fn with_agent_details(mut self, on: bool) -> Self {
        self.agent_details = on;
        self
    }
}

#[async_trait]
impl IncidentSource for HuntressIncidentSource {
    fn incidents_since<'a>(
        &'a self,
        cursor: Option<&'a FeedCursor>,
        backfill_from: DateTime<Utc>,
    ) -> SourceStream<'a, FeedItem> {
        let floor = match cursor.map(CursorPosition::decode).transpose() {
            Ok(Some(position)) => position.updated_at - self.overlap,
            Ok(None) => backfill_from,
            Err(error) => {
                let error = SourceError::Provider {
                    message: error.to_string(),
                    source: Some(Box::new(error)),
                };
                return stream::iter([Err(error)]).boxed();
            }
        };
        let walk = FeedWalk::new(self, floor);
        stream::unfold(walk, |mut walk| async move {
            walk.next().await.map(|item| (item, walk))
        })
        .boxed()
    }

    /// `GET /v1/organizations/{id}`; an id that is not a number is no
    /// organization.
    async fn scope(&self, scope_id: &str) -> Result<Option<NormalizedScope>, SourceError> {
        super::scopes::organization_scope(self.api.as_ref(), scope_id).await
    }

    /// Fetches the report's current version by the id in `stored`
    /// (`GET /v1/incident_reports/{id}`), or decodes `stored` again when it
    /// has no id or the report is gone; with its host's details when they
    /// are on (one agent read).
    async fn reread_incident(
        &self,
        stored: &serde_json::Value,
    ) -> Result<Result<NormalizedIncident, UndecodableIncident>, SourceError> {
        let id = stored
            .get("id")
            .and_then(|id| id.as_u64().or_else(|| id.as_str()?.trim().parse().ok()))
            .map(IncidentReportId);
        let current = match id {
            Some(id) => match self.api.get_incident_report(id).await {
                Ok(found) => found,
                Err(HuntressError::Decode {
                    json_path, message, ..
                }) => {
                    return Ok(Err(UndecodableIncident {
                        id: Some(id.to_string()),
                        json_path: json_path
                            .strip_prefix("incident_report.")
                            .unwrap_or(&json_path)
                            .to_owned(),
                        message,
                        payload: stored.clone(),
                    }));
                }
                Err(error) => return Err(error.into()),
            },
            None => None,
        };
        let report = match current {
            Some(report) => report,
            None => match decode_record::<IncidentReport>(stored.clone(), 0) {
                Ok(report) => report,
                Err(record) => return Ok(Err(undecodable(*record))),
            },
        };
        if report.changed_at().is_none() {
            return Ok(Err(undecodable(timeless(0, report))));
        }
        let organization = report.organization_id;
        let agent = report.agent_id;
        let raw = report.raw.clone();
        let mut incident = match normalize_incident(report, self.subdomain.as_deref()) {
            Ok(incident) => incident,
            Err(error) => {
                return Ok(Err(UndecodableIncident {
                    id: Some(error.id.to_string()),
                    json_path: "updated_at".into(),
                    message: error.to_string(),
                    payload: raw,
                }));
            }
        };
        if self.agent_details
            && let Some(agent) = agent
        {
            let mut lookups = AgentLookups::default();
            lookups.note(organization, agent);
            lookups
                .resolve(self.api.as_ref(), &[(organization, agent)])
                .await;
            if let (Some(facts), Some(device)) = (lookups.facts(agent), &mut incident.device_ref) {
                facts.apply(device);
            }
        }
        Ok(Ok(incident))
    }

    fn portal_domain(&self) -> Option<&str> {
        Some("huntress.io")
    }

    fn requests_made(&self) -> u64 {
        self.api.requests_made()
    }
}

/// A report that cannot be used, as the engine quarantines it.
fn undecodable(record: UndecodableRecord) -> UndecodableIncident {
    UndecodableIncident {
        id: record.id,
        json_path: record.json_path,
        message: record.message,
        payload: record.raw,
    }
}

/// A report without any change time: it cannot be placed in the feed.
fn timeless(index: usize, report: IncidentReport) -> UndecodableRecord {
    UndecodableRecord {
        resource: "incident_report",
        index,
        id: Some(report.id.to_string()),
        json_path: "updated_at".into(),
        message:
            "no updated_at, status_updated_at or sent_at: the report cannot be placed in the feed"
                .into(),
        raw: report.raw,
    }
}

/// A row of a page about to be yielded (nearly always a report, so it is
/// not boxed).
#[allow(clippy::large_enum_variant)]
enum Row {
    Report(IncidentReport),
    Undecodable(UndecodableRecord),
}

/// Sort key of a row: the change time, then the id.
type Key = (DateTime<Utc>, IncidentReportId);

/// A page seen during the descending walk.
#[derive(Debug)]
struct PageMark {
    token: Option<String>,
    first: Option<Key>,
    last: Option<Key>,
}

enum Phase {
    /// Walking down from the newest page; `token` is the next page to fetch.
    Descend {
        token: Option<String>,
    },
    /// Fetching the pages in `marks` again, newest last.
    Replay,
    Done,
}

struct FeedWalk<'a> {
    source: &'a HuntressIncidentSource,
    /// Rows changed before this are not yielded.
    floor: DateTime<Utc>,
    phase: Phase,
    marks: Vec<PageMark>,
    seen_tokens: HashSet<String>,
    pending: VecDeque<Result<FeedItem, SourceError>>,
    last_yielded: Option<DateTime<Utc>>,
    restarts: u32,
    agents: AgentLookups,
}

impl<'a> FeedWalk<'a> {
    fn new(source: &'a HuntressIncidentSource, floor: DateTime<Utc>) -> Self {
        Self {
            source,
            floor,
            phase: Phase::Descend { token: None },
            marks: Vec::new(),
            seen_tokens: HashSet::new(),
            pending: VecDeque::new(),
            last_yielded: None,
            restarts: 0,
            agents: AgentLookups::default(),
        }
    }

    async fn next(&mut self) -> Option<Result<FeedItem, SourceError>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Some(item);
            }
            match std::mem::replace(&mut self.phase, Phase::Done) {
                Phase::Done => return None,
                Phase::Descend { token } => self.descend(token).await,
                Phase::Replay => self.replay().await,
            }
        }
    }

    async fn fetch(&self, token: Option<String>) -> Result<Page<IncidentReport>, HuntressError> {
        let query = IncidentReportsQuery {
            limit: Some(self.source.page_size),
            page_token: token,
            sort_field: Some(SortField::UpdatedAt),
            sort_direction: Some(SortDirection::Desc),
            ..IncidentReportsQuery::default()
        };
        self.source.api.list_incident_reports(&query).await
    }

    /// Fetches one page of the descending walk; yields it if the walk stops
    /// there, else remembers it and goes on.
    async fn descend(&mut self, token: Option<String>) {
        let page = match self.fetch(token.clone()).await {
            Ok(page) => page,
            Err(error) => return self.fail(error.into()),
        };
        let (first, last) = boundary_keys(&page);
        if self.source.agent_details {
            // Noted now, so the choice of how to read agents sees the
            // whole walk before the first page is yielded.
            for report in &page.items {
                if let (Some(agent), Some(at)) = (report.agent_id, report.changed_at())
                    && at >= self.floor
                {
                    self.agents.note(report.organization_id, agent);
                }
            }
        }
        let reaches_floor = page
            .items
            .iter()
            .any(|r| r.changed_at().is_some_and(|at| at < self.floor));
        let next = page.next_page_token.clone();
        if reaches_floor || next.is_none() {
            self.yield_page(page).await;
            self.phase = if self.marks.is_empty() {
                Phase::Done
            } else {
                Phase::Replay
            };
            return;
        }
        let next = next.expect("checked above");
        if !self.seen_tokens.insert(next.clone()) {
            // Nothing was yielded yet, so stopping here loses nothing.
            return self.fail(HuntressError::RepeatedPageToken { token: next }.into());
        }
        self.marks.push(PageMark { token, first, last });
        self.phase = Phase::Descend { token: Some(next) };
    }

    /// Fetches the newest page not yet yielded again and yields it, or
    /// restarts the walk if the list shifted under it.
    async fn replay(&mut self) {
        let Some(mark) = self.marks.pop() else { return };
        let page = match self.fetch(mark.token.clone()).await {
            Ok(page) => page,
            Err(error) => return self.fail(error.into()),
        };
        if boundary_keys(&page) != (mark.first, mark.last) {
            return self.restart();
        }
        self.yield_page(page).await;
        self.phase = if self.marks.is_empty() {
            Phase::Done
        } else {
            Phase::Replay
        };
    }

    fn restart(&mut self) {
        if self.restarts >= HuntressIncidentSource::MAX_RESTARTS {
            tracing::warn!(
                restarts = self.restarts,
                "Huntress incident list kept changing during the walk; resuming next cycle"
            );
            return self.fail(SourceError::Transient {
                message: format!(
                    "the Huntress incident list kept changing during the walk ({} restarts); the incidents yielded are complete up to the last cursor, the rest come next cycle",
                    self.restarts
                ),
                source: None,
            });
        }
        self.restarts += 1;
        tracing::debug!(
            restarts = self.restarts,
            "Huntress incident list shifted during the walk; restarting"
        );
        // Everything before the last yielded incident is done; ties on its
        // time are yielded again (the engine is idempotent).
        if let Some(at) = self.last_yielded {
            self.floor = self.floor.max(at);
        }
        self.marks.clear();
        self.seen_tokens.clear();
        self.phase = Phase::Descend { token: None };
    }

    /// Queues a page's rows at or after the floor, oldest first, with their
    /// host details. Rows that cannot be used (undecodable, or without any
    /// time) are queued as undecodable in their place, unless they sit past
    /// the first row older than the floor.
    async fn yield_page(&mut self, page: Page<IncidentReport>) {
        let mut rows = Vec::new();
        for (position, row) in rows_in_order(page).into_iter().enumerate() {
            match row {
                PageRow::Undecodable(record) => rows.push(Row::Undecodable(record)),
                PageRow::Item(report) => match report.changed_at() {
                    Some(at) if at < self.floor => break,
                    Some(_) => rows.push(Row::Report(report)),
                    None => rows.push(Row::Undecodable(timeless(position, report))),
                },
            }
        }
        if self.source.agent_details {
            let agents: Vec<_> = rows
                .iter()
                .filter_map(|row| match row {
                    Row::Report(r) => Some((r.organization_id, r.agent_id?)),
                    Row::Undecodable(_) => None,
                })
                .collect();
            self.agents.resolve(self.source.api.as_ref(), &agents).await;
        }
        for row in rows.into_iter().rev() {
            let report = match row {
                Row::Report(report) => report,
                Row::Undecodable(record) => {
                    tracing::warn!(id = ?record.id, json_path = %record.json_path, message = %record.message, "undecodable Huntress incident report; the engine quarantines it");
                    self.pending.push_back(Ok(FeedItem::Undecodable {
                        record: undecodable(record),
                        cursor: None,
                    }));
                    continue;
                }
            };
            let id = report.id;
            let agent = report.agent_id;
            // Rows kept have a change time, so normalizing cannot fail.
            let Ok(mut incident) = normalize_incident(report, self.source.subdomain.as_deref())
            else {
                continue;
            };
            if let (Some(agent), Some(device)) = (agent, &mut incident.device_ref)
                && let Some(facts) = self.agents.facts(agent)
            {
                facts.apply(device);
            }
            let at = incident.updated_at;
            self.last_yielded = Some(self.last_yielded.map_or(at, |last| last.max(at)));
            let cursor = CursorPosition {
                updated_at: at,
                id: Some(id),
            }
            .encode();
            self.pending
                .push_back(Ok(FeedItem::Incident { incident, cursor }));
        }
    }

    fn fail(&mut self, error: SourceError) {
        self.pending.push_back(Err(error));
        self.phase = Phase::Done;
    }
}

/// The keys of a page's first and last placeable rows, in server order.
fn boundary_keys(page: &Page<IncidentReport>) -> (Option<Key>, Option<Key>) {
    let mut keys = page
        .items
        .iter()
        .filter_map(|r| r.changed_at().map(|at| (at, r.id)));
    let first = keys.next();
    let last = keys.next_back().or(first);
    (first, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MockHuntressApi;
    use crate::models::OrganizationId;
    use crate::models::{Agent, AgentId, Organization};
    use futures::TryStreamExt;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn at(minute: i64) -> DateTime<Utc> {
        "2025-01-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + TimeDelta::minutes(minute)
    }

    fn report(id: u64, minute: i64) -> IncidentReport {
        IncidentReport {
            id: IncidentReportId(id),
            updated_at: Some(at(minute)),
            ..IncidentReport::default()
        }
    }

    fn source(mock: MockHuntressApi) -> HuntressIncidentSource {
        HuntressIncidentSource::new(Arc::new(mock), Some("acme".into()))
    }

    async fn collect(
        source: &HuntressIncidentSource,
        cursor: Option<&FeedCursor>,
    ) -> Vec<Result<FeedItem, SourceError>> {
        source.incidents_since(cursor, at(0)).collect().await
    }

    #[tokio::test]
    async fn the_cursor_minus_the_overlap_is_the_floor() {
        let mut mock = MockHuntressApi::new();
        mock.expect_list_incident_reports()
            .withf(|q| {
                q.limit == Some(500)
                    && q.page_token.is_none()
                    && q.sort_field == Some(SortField::UpdatedAt)
                    && q.sort_direction == Some(SortDirection::Desc)
            })
            .times(1)
            .returning(|_| {
                Ok(Page::new(vec![
                    report(4, 100),
                    report(3, 99),
                    report(2, 98),
                    report(1, 97),
                ]))
            });
        let source = source(mock);
        let cursor = CursorPosition {
            updated_at: at(99),
            id: Some(IncidentReportId(3)),
        }
        .encode();
        let items: Vec<_> = collect(&source, Some(&cursor))
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect();
        // The floor is 99 min minus 60 s: the row at 98 is kept, 97 is not.
        let ids: Vec<_> = items
            .iter()
            .map(|i| i.incident().unwrap().external_id.as_str())
            .collect();
        assert_eq!(ids, ["2", "3", "4"]);
        assert_eq!(items[2].cursor().unwrap().0, "2025-01-01T01:40:00Z|4");
    }

    #[tokio::test]
    async fn a_repeated_token_in_the_descent_fails_before_yielding_anything() {
        let mut mock = MockHuntressApi::new();
        mock.expect_list_incident_reports()
            .times(2)
            .returning(|_| Ok(Page::new(vec![report(9, 50)]).with_next_page_token("again")));
        let results = collect(&source(mock), None).await;
        assert_eq!(results.len(), 1);
        assert!(
            matches!(&results[0], Err(SourceError::Provider { message, .. }) if message.contains("again"))
        );
    }

    #[tokio::test]
    async fn an_error_mid_walk_ends_the_stream_after_what_was_complete() {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&calls);
        let mut mock = MockHuntressApi::new();
        mock.expect_list_incident_reports().returning(move |q| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            match (n, q.page_token.as_deref()) {
                (0, None) => Ok(Page::new(vec![report(3, 30)]).with_next_page_token("p2")),
                (_, Some("p2")) => Ok(Page::new(vec![report(2, 20)])),
                // Fetching the first page again fails.
                _ => Err(HuntressError::Server {
                    status: 503,
                    path: "/v1/incident_reports".into(),
                    attempts: 4,
                    body: String::new(),
                }),
            }
        });
        let results = collect(&source(mock), None).await;
        assert_eq!(results.len(), 2);
        assert_eq!(
            results[0].as_ref().unwrap().incident().unwrap().external_id,
            "2"
        );
        assert!(results[1].as_ref().unwrap_err().is_transient());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_list_that_never_settles_ends_with_a_transient_error() {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&calls);
        let mut mock = MockHuntressApi::new();
        mock.expect_list_incident_reports().returning(move |q| {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            match q.page_token.as_deref() {
                // The first page looks different on every fetch.
                None => {
                    Ok(Page::new(vec![report(100 + u64::from(n), 90)]).with_next_page_token("p2"))
                }
                _ => Ok(Page::new(vec![report(2, 20), report(1, -5)])),
            }
        });
        let results = collect(&source(mock), None).await;
        let (ok, errors): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].as_ref().unwrap_err().is_transient());
        // Incident 2 yielded by the first walk; later walks start at its time.
        assert!(
            ok.iter()
                .all(|item| item.as_ref().unwrap().incident().unwrap().external_id == "2")
        );
        // (1 walk + 3 restarts) x (descend 2 + replay 1).
        assert_eq!(calls.load(Ordering::SeqCst), 12);
    }

    #[tokio::test]
    async fn an_invalid_cursor_is_refused_without_a_request() {
        let mock = MockHuntressApi::new();
        let cursor = FeedCursor("last tuesday".into());
        let results = collect(&source(mock), Some(&cursor)).await;
        assert_eq!(results.len(), 1);
        assert!(
            matches!(&results[0], Err(SourceError::Provider { message, .. }) if message.contains("last tuesday"))
        );
    }

    #[tokio::test]
    async fn reports_without_any_time_are_yielded_as_undecodable_in_their_place() {
        let mut mock = MockHuntressApi::new();
        mock.expect_list_incident_reports().times(1).returning(|_| {
            let timeless = IncidentReport {
                id: IncidentReportId(7),
                raw: serde_json::json!({ "id": 7 }),
                ..IncidentReport::default()
            };
            Ok(Page::new(vec![report(8, 10), timeless, report(6, 5)]))
        });
        let source = source(mock);
        let items: Vec<_> = source
            .incidents_since(None, at(0))
            .try_collect()
            .await
            .unwrap();
        let order: Vec<String> = items
            .iter()
            .map(|item| match item {
                FeedItem::Incident { incident, .. } => incident.external_id.clone(),
                FeedItem::Undecodable { record, cursor } => {
                    assert_eq!(*cursor, None, "it has no place of its own");
                    assert_eq!(record.json_path, "updated_at");
                    assert_eq!(record.payload, serde_json::json!({ "id": 7 }));
                    format!("undecodable {}", record.id.as_deref().unwrap())
                }
            })
            .collect();
        assert_eq!(order, ["6", "undecodable 7", "8"]);
    }

    #[tokio::test]
    async fn a_quarantined_report_is_read_again_in_its_current_version_with_its_host() {
        let mut mock = MockHuntressApi::new();
        mock.expect_get_incident_report()
            .withf(|id| *id == IncidentReportId(12))
            .times(1)
            .returning(|id| {
                Ok(Some(IncidentReport {
                    agent_id: Some(AgentId(3)),
                    subject: Some("HIGH - Incident on laptop-3".into()),
                    raw: serde_json::json!({ "id": 12, "fixed": true }),
                    ..report(id.0, 10)
                }))
            });
        mock.expect_get_incident_report()
            .withf(|id| *id == IncidentReportId(13))
            .times(1)
            .returning(|_| {
                Err(HuntressError::Decode {
                    path: "/v1/incident_reports/13".into(),
                    json_path: "incident_report.closed_at".into(),
                    message: "not a timestamp".into(),
                    body: String::new(),
                })
            });
        mock.expect_get_incident_report()
            .withf(|id| *id == IncidentReportId(14))
            .times(1)
            .returning(|_| Ok(None));
        mock.expect_get_agent()
            .withf(|id| *id == AgentId(3))
            .times(1)
            .returning(|id| {
                Ok(Some(Agent {
                    id,
                    hostname: Some("LAPTOP-3".into()),
                    ..Agent::default()
                }))
            });
        let source = source(mock);

        let stored = serde_json::json!({ "id": 12, "updated_at": "soon" });
        let incident = source.reread_incident(&stored).await.unwrap().unwrap();
        assert_eq!(incident.external_id, "12");
        assert_eq!(incident.raw["fixed"], true, "the current version");
        assert_eq!(
            incident.device_ref.unwrap().hostname.as_deref(),
            Some("LAPTOP-3")
        );

        let still_broken = serde_json::json!({ "id": 13 });
        let error = source
            .reread_incident(&still_broken)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(error.id.as_deref(), Some("13"));
        assert_eq!(error.json_path, "closed_at");
        assert_eq!(error.payload, still_broken);

        // Gone from the API: the stored record is decoded again.
        let gone = serde_json::json!({ "id": 14, "updated_at": "next week" });
        let error = source.reread_incident(&gone).await.unwrap().unwrap_err();
        assert_eq!(error.json_path, "updated_at");
    }

    #[tokio::test]
    async fn host_details_are_chosen_for_the_whole_walk_before_the_first_page() {
        let on_agent = |id: u64, agent: u64, minute: i64| IncidentReport {
            organization_id: Some(OrganizationId(7)),
            agent_id: Some(AgentId(agent)),
            ..report(id, minute)
        };
        let mut mock = MockHuntressApi::new();
        mock.expect_list_incident_reports()
            .returning(move |q| match q.page_token.as_deref() {
                None => Ok(Page::new(vec![on_agent(4, 1, 40), on_agent(3, 2, 30)])
                    .with_next_page_token("p2")),
                _ => Ok(Page::new(vec![on_agent(2, 3, 20), on_agent(1, 3, 10)])),
            });
        // The oldest page alone names one agent, but the walk down saw
        // three: one listing beats three gets.
        mock.expect_list_organizations().times(1).returning(|_| {
            Ok(Page::new(vec![Organization {
                id: OrganizationId(7),
                agents_count: Some(40),
                ..Organization::default()
            }]))
        });
        mock.expect_list_agents()
            .withf(|q| q.organization_id == Some(OrganizationId(7)) && q.limit == Some(500))
            .times(1)
            .returning(|_| {
                Ok(Page::new(
                    (1..=40)
                        .map(|id| Agent {
                            id: AgentId(id),
                            os: Some(format!("OS {id}")),
                            ..Agent::default()
                        })
                        .collect(),
                ))
            });
        mock.expect_get_agent().never();
        let items: Vec<_> = source(mock)
            .incidents_since(None, at(0))
            .try_collect()
            .await
            .unwrap();
        let os: Vec<_> = items
            .iter()
            .map(|i| {
                i.incident()
                    .unwrap()
                    .device_ref
                    .as_ref()
                    .unwrap()
                    .os
                    .clone()
                    .unwrap()
            })
            .collect();
        assert_eq!(os, ["OS 3", "OS 3", "OS 2", "OS 1"]);
    }

    #[tokio::test]
    async fn host_details_off_reads_no_agent() {
        let mut mock = MockHuntressApi::new();
        mock.expect_list_incident_reports().times(1).returning(|_| {
            Ok(Page::new(vec![IncidentReport {
                agent_id: Some(AgentId(1)),
                ..report(1, 10)
            }]))
        });
        let source = source(mock).with_agent_details(false);
        let items: Vec<_> = source
            .incidents_since(None, at(0))
            .try_collect()
            .await
            .unwrap();
        let device = items[0].incident().unwrap().device_ref.as_ref().unwrap();
        assert_eq!(device.agent_id.as_deref(), Some("1"));
        assert!(device.os.is_none());
    }

    #[tokio::test]
    async fn scope_looks_up_one_organization() {
        let mut mock = MockHuntressApi::new();
        mock.expect_get_organization()
            .withf(|id| *id == OrganizationId(5))
            .returning(|id| {
                Ok(Some(Organization {
                    id,
                    name: Some("Acme".into()),
                    ..Organization::default()
                }))
            });
        mock.expect_requests_made().return_const(1u64);
        let source = source(mock);
        assert_eq!(source.scope("5").await.unwrap().unwrap().name, "Acme");
        assert_eq!(source.scope("x").await.unwrap(), None);
        assert_eq!(source.requests_made(), 1);
    }
}
