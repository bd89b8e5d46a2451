//! The simulator's shared state: the estate, cursor collections, faults and
//! the request log.

use crate::tanium::clock::SimClock;
use crate::tanium::faults::{Api, Fault, FaultRule};
use crate::tanium::inventory::{Inventory, SimEndpoint, SimGroup};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use std::collections::HashMap;

/// A request the simulator received.
#[derive(Debug, Clone, PartialEq)]
pub struct SimRequest {
    /// Which API.
    pub api: Api,
    /// The GraphQL `operationName`, or `assets` for the Asset API.
    pub operation: String,
    /// The GraphQL variables, or the Asset API query parameters as an object.
    pub variables: Value,
    /// The simulator clock's time when it arrived.
    pub at: DateTime<Utc>,
}

/// An endpoint id change, as `endpointIdChanges` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedIdChange {
    pub(crate) at: DateTime<Utc>,
    pub(crate) old_id: String,
    pub(crate) new_id: String,
}

/// A paged result set: the ids matched when the first page was asked for.
#[derive(Debug)]
struct Collection {
    kind: &'static str,
    ids: Vec<String>,
    last_used: DateTime<Utc>,
    expired: bool,
}

/// One page cut from a collection.
#[derive(Debug)]
pub(crate) struct Slice {
    /// `(cursor, id)` of each record of the page.
    pub(crate) entries: Vec<(String, String)>,
    pub(crate) has_next: bool,
    pub(crate) end_cursor: Option<String>,
    pub(crate) total: usize,
}

#[derive(Debug)]
pub(crate) struct SimState {
    pub(crate) token: String,
    pub(crate) clock: SimClock,
    pub(crate) cursor_ttl: TimeDelta,
    pub(crate) groups: Vec<SimGroup>,
    pub(crate) endpoints: Vec<SimEndpoint>,
    pub(crate) id_changes: Vec<RecordedIdChange>,
    collections: HashMap<u64, Collection>,
    next_collection: u64,
    pub(crate) faults: Vec<FaultRule>,
    pub(crate) requests: Vec<SimRequest>,
}

/// The Gateway's default page size when `first` is not sent.
const DEFAULT_FIRST: i64 = 20;

impl SimState {
    pub(crate) fn new(
        token: String,
        clock: SimClock,
        cursor_ttl: TimeDelta,
        inventory: Inventory,
    ) -> Self {
        Self {
            token,
            clock,
            cursor_ttl,
            groups: inventory.groups,
            endpoints: inventory.endpoints,
            id_changes: Vec::new(),
            collections: HashMap::new(),
            next_collection: 1,
            faults: Vec::new(),
            requests: Vec::new(),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The first fault that applies, counted as fired.
    pub(crate) fn take_fault(
        &mut self,
        api: Api,
        operation: &str,
        first: Option<i64>,
    ) -> Option<Fault> {
        let rule = self
            .faults
            .iter_mut()
            .find(|rule| rule.applies(api, operation, first))?;
        if let Some(remaining) = rule.remaining.as_mut() {
            *remaining -= 1;
        }
        let fault = rule.fault.clone();
        self.faults.retain(|rule| rule.remaining != Some(0));
        Some(fault)
    }

    pub(crate) fn expire_cursors(&mut self) {
        for collection in self.collections.values_mut() {
            collection.expired = true;
        }
    }

    pub(crate) fn endpoint(&self, id: &str) -> Option<&SimEndpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }

    pub(crate) fn endpoint_mut(&mut self, id: &str) -> Option<&mut SimEndpoint> {
        self.endpoints.iter_mut().find(|e| e.id == id)
    }

    /// Cuts a page. Without `after`, a new collection of `ids()` starts (a
    /// snapshot: later changes to the estate do not shift its cursors).
    /// An unknown, expired or foreign cursor is an error message.
    pub(crate) fn page(
        &mut self,
        kind: &'static str,
        first: Option<i64>,
        after: Option<&str>,
        ids: impl FnOnce(&Self) -> Result<Vec<String>, String>,
    ) -> Result<Slice, String> {
        let first = first.unwrap_or(DEFAULT_FIRST);
        let first = usize::try_from(first)
            .ok()
            .filter(|f| *f > 0)
            .ok_or_else(|| format!("first must be positive, got {first}"))?;
        let now = self.now();
        let (collection_id, start) = match after {
            None => {
                let ids = ids(self)?;
                let id = self.next_collection;
                self.next_collection += 1;
                self.collections.insert(
                    id,
                    Collection {
                        kind,
                        ids,
                        last_used: now,
                        expired: false,
                    },
                );
                (id, 0)
            }
            Some(cursor) => {
                let (collection_id, index) =
                    parse_cursor(cursor).ok_or_else(|| format!("invalid cursor {cursor:?}"))?;
                let ttl = self.cursor_ttl;
                let collection = self
                    .collections
                    .get(&collection_id)
                    .ok_or_else(|| format!("cursor {cursor:?} is not valid: unknown collection"))?;
                if collection.kind != kind {
                    return Err(format!("cursor {cursor:?} is not valid for {kind}"));
                }
                if collection.expired || now - collection.last_used > ttl {
                    return Err(
                        "Cursor expired: the cursor is no longer valid; restart the query"
                            .to_owned(),
                    );
                }
                (collection_id, index + 1)
            }
        };
        let collection = self
            .collections
            .get_mut(&collection_id)
            .expect("collection exists");
        collection.last_used = now;
        let end = (start + first).min(collection.ids.len());
        let start = start.min(end);
        let entries: Vec<(String, String)> = (start..end)
            .map(|i| (make_cursor(collection_id, i), collection.ids[i].clone()))
            .collect();
        Ok(Slice {
            end_cursor: entries.last().map(|(cursor, _)| cursor.clone()),
            has_next: end < collection.ids.len(),
            total: collection.ids.len(),
            entries,
        })
    }
}

fn make_cursor(collection: u64, index: usize) -> String {
    format!("sim1.{collection}.{index}")
}

fn parse_cursor(cursor: &str) -> Option<(u64, usize)> {
    let mut parts = cursor.strip_prefix("sim1.")?.split('.');
    let collection = parts.next()?.parse().ok()?;
    let index = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((collection, index))
}
