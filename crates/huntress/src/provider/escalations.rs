//! Escalations as a second stream of the incident pipeline: every
//! escalation changed since the cursor, oldest change first, one record per
//! organization it names. Escalations are few, so each poll lists them all
//! (sorted by `updated_at`, pages of 500) and keeps those past the cursor.

use super::feed_cursor::CursorPosition;
use crate::HuntressApi;
use crate::models::{Escalation, IncidentReportId, SortDirection, SortField};
use crate::normalize::normalize_escalation;
use crate::requests::ListEscalations;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::{StreamExt as _, TryStreamExt as _, stream};
use psa_ingest::contracts::{NormalizedIncident, NormalizedScope};
use psa_ingest::sources::{
    FeedCursor, FeedItem, IncidentSource, SourceError, SourceStream, UndecodableIncident,
};
use std::sync::Arc;

/// The escalation feed of one connection.
pub struct HuntressEscalationSource {
    api: Arc<dyn HuntressApi>,
}

impl HuntressEscalationSource {
    /// The feed over `api`.
    pub fn new(api: Arc<dyn HuntressApi>) -> Self {
        Self { api }
    }

    async fn changed_since(
        &self,
        floor: Option<CursorPosition>,
        backfill_from: DateTime<Utc>,
    ) -> Result<Vec<FeedItem>, SourceError> {
        let pages: Vec<_> = ListEscalations::new(self.api.as_ref())
            .limit(crate::requests::MAX_PAGE_SIZE)
            .sort(SortField::UpdatedAt, SortDirection::Asc)
            .pages()
            .try_collect()
            .await?;
        let mut items = Vec::new();
        let mut changed: Vec<(CursorPosition, Vec<NormalizedIncident>)> = Vec::new();
        for page in pages {
            for record in page.undecodable {
                items.push(FeedItem::Undecodable {
                    record: UndecodableIncident {
                        id: record.id,
                        json_path: record.json_path,
                        message: record.message,
                        payload: record.raw,
                    },
                    cursor: None,
                });
            }
            for escalation in page.items {
                let Some(records) = normalize_escalation(&escalation) else {
                    continue;
                };
                let position = position(&escalation, records[0].updated_at);
                let past = match floor {
                    Some(floor) => position > floor,
                    None => position.updated_at >= backfill_from,
                };
                if past {
                    changed.push((position, records));
                }
            }
        }
        changed.sort_by_key(|(position, _)| *position);
        // The cursor moves past an escalation only with its last record, so
        // a cycle stopped midway sends the whole escalation again.
        let mut previous = floor.map(|p| p.encode());
        for (position, records) in changed {
            let last = records.len() - 1;
            for (n, incident) in records.into_iter().enumerate() {
                let cursor = if n == last {
                    position.encode()
                } else {
                    previous.clone().unwrap_or_else(|| {
                        CursorPosition {
                            id: None,
                            ..position
                        }
                        .encode()
                    })
                };
                items.push(FeedItem::Incident { incident, cursor });
            }
            previous = Some(position.encode());
        }
        Ok(items)
    }
}

fn position(escalation: &Escalation, updated_at: DateTime<Utc>) -> CursorPosition {
    CursorPosition {
        updated_at,
        id: Some(IncidentReportId(escalation.id)),
    }
}

#[async_trait]
impl IncidentSource for HuntressEscalationSource {
    fn incidents_since<'a>(
        &'a self,
        cursor: Option<&'a FeedCursor>,
        backfill_from: DateTime<Utc>,
    ) -> SourceStream<'a, FeedItem> {
        let floor = match cursor.map(CursorPosition::decode).transpose() {
            Ok(floor) => floor,
            Err(error) => {
                let error = SourceError::Provider {
                    message: error.to_string(),
                    source: Some(Box::new(error)),
                };
                return stream::iter([Err(error)]).boxed();
            }
        };
        stream::once(self.changed_since(floor, backfill_from))
            .map(|listed| match listed {
                Ok(items) => stream::iter(items.into_iter().map(Ok)).boxed(),
                Err(error) => stream::iter([Err(error)]).boxed(),
            })
            .flatten()
            .boxed()
    }

    /// `GET /v1/organizations/{id}`.
    async fn scope(&self, scope_id: &str) -> Result<Option<NormalizedScope>, SourceError> {
        super::scopes::organization_scope(self.api.as_ref(), scope_id).await
    }

    /// Decodes the stored escalation again and picks the record of the
    /// organization it was stored for (`organization` in the record).
    async fn reread_incident(
        &self,
        stored: &serde_json::Value,
    ) -> Result<Result<NormalizedIncident, UndecodableIncident>, SourceError> {
        let undecodable = |message: String| UndecodableIncident {
            id: stored.get("id").map(|id| id.to_string()),
            json_path: ".".to_owned(),
            message,
            payload: stored.clone(),
        };
        let mut escalation: Escalation = match serde_json::from_value(stored.clone()) {
            Ok(escalation) => escalation,
            Err(error) => return Ok(Err(undecodable(error.to_string()))),
        };
        escalation.raw = stored.clone();
        let scope = stored["organization"]["id"]
            .as_u64()
            .map(|id| id.to_string());
        Ok(normalize_escalation(&escalation)
            .and_then(|records| records.into_iter().find(|r| r.scope_id == scope))
            .ok_or_else(|| {
                undecodable(
                    "the escalation has no change time or no longer names the organization"
                        .to_owned(),
                )
            }))
    }

    fn portal_domain(&self) -> Option<&str> {
        Some("huntress.io")
    }

    fn requests_made(&self) -> u64 {
        self.api.requests_made()
    }
}
