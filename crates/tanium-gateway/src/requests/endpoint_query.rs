//! Which endpoints a walk asks for.

use crate::requests::operations::endpoints::{
    EndpointFieldFilter, EndpointFieldFilterComputerGroup, FieldFilterOp,
};
use chrono::{DateTime, SecondsFormat, Utc};

/// The endpoint field an incremental walk filters on.
pub const LAST_SEEN_FIELD: &str = "eidLastSeen";

/// Which endpoints to walk, and the page size.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use tanium_gateway::EndpointQuery;
///
/// let since = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
/// let query = EndpointQuery::in_group("42").changed_after(since).page_size(250);
/// assert_eq!(query.group_id(), Some("42"));
/// assert_eq!(query.page_size_value(), 250);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointQuery {
    group_id: Option<String>,
    changed_after: Option<DateTime<Utc>>,
    page_size: u32,
}

impl EndpointQuery {
    /// The page size used unless set: Tanium advises starting near 100;
    /// larger pages mean fewer cursors to keep alive.
    pub const DEFAULT_PAGE_SIZE: u32 = 200;

    /// Every endpoint the token can see.
    pub fn all_endpoints() -> Self {
        Self {
            group_id: None,
            changed_after: None,
            page_size: Self::DEFAULT_PAGE_SIZE,
        }
    }

    /// The members of one computer group (the `memberOf` filter).
    pub fn in_group(group_id: impl Into<String>) -> Self {
        Self {
            group_id: Some(group_id.into()),
            ..Self::all_endpoints()
        }
    }

    /// Only endpoints whose `eidLastSeen` changed after `time` (the
    /// `UPDATED_AFTER` filter op).
    pub fn changed_after(mut self, time: DateTime<Utc>) -> Self {
        self.changed_after = Some(time);
        self
    }

    /// Records per page; `0` is taken as `1`.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size.max(1);
        self
    }

    /// The group the walk is scoped to.
    pub fn group_id(&self) -> Option<&str> {
        self.group_id.as_deref()
    }

    /// The incremental lower bound.
    pub fn changed_since(&self) -> Option<DateTime<Utc>> {
        self.changed_after
    }

    /// Records per page.
    pub fn page_size_value(&self) -> u32 {
        self.page_size
    }

    /// The GraphQL filter: `memberOf`, `eidLastSeen UPDATED_AFTER`, or both
    /// combined with AND.
    pub(crate) fn filter(&self) -> Option<EndpointFieldFilter> {
        let group = self.group_id.as_ref().map(|id| EndpointFieldFilter {
            member_of: Some(EndpointFieldFilterComputerGroup {
                id: Some(id.clone()),
                name: None,
            }),
            ..empty_filter()
        });
        let changed = self.changed_after.map(|time| EndpointFieldFilter {
            path: Some(LAST_SEEN_FIELD.to_owned()),
            op: Some(FieldFilterOp::UPDATED_AFTER),
            value: Some(time.to_rfc3339_opts(SecondsFormat::Secs, true)),
            ..empty_filter()
        });
        match (group, changed) {
            (Some(group), Some(changed)) => Some(EndpointFieldFilter {
                filters: Some(vec![group, changed]),
                any: Some(false),
                ..empty_filter()
            }),
            (group, changed) => group.or(changed),
        }
    }
}

fn empty_filter() -> EndpointFieldFilter {
    EndpointFieldFilter {
        path: None,
        member_of: None,
        op: None,
        negated: None,
        value: None,
        filters: None,
        any: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn filters_serialize_in_the_gateway_shape() {
        let since = Utc.with_ymd_and_hms(2024, 6, 1, 8, 30, 0).unwrap();
        assert_eq!(
            serde_json::to_value(EndpointQuery::all_endpoints().filter()).unwrap(),
            json!(null)
        );
        assert_eq!(
            serde_json::to_value(EndpointQuery::in_group("7").filter()).unwrap(),
            json!({"memberOf": {"id": "7"}})
        );
        assert_eq!(
            serde_json::to_value(EndpointQuery::in_group("7").changed_after(since).filter())
                .unwrap(),
            json!({
                "filters": [
                    {"memberOf": {"id": "7"}},
                    {"path": "eidLastSeen", "op": "UPDATED_AFTER", "value": "2024-06-01T08:30:00Z"}
                ],
                "any": false
            })
        );
    }

    #[test]
    fn page_size_is_at_least_one() {
        assert_eq!(
            EndpointQuery::all_endpoints()
                .page_size(0)
                .page_size_value(),
            1
        );
    }
}
