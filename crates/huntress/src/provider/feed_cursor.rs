//! The incident feed's durable position: the `updated_at` and id of the last
//! incident processed, as `"<RFC 3339 timestamp>|<id>"`.

use crate::models::IncidentReportId;
use chrono::{DateTime, SecondsFormat, Utc};
use psa_ingest::sources::FeedCursor;

/// A decoded feed cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CursorPosition {
    /// The incident's last change.
    pub updated_at: DateTime<Utc>,
    /// The incident's id; `None` in a cursor that holds only a time.
    pub id: Option<IncidentReportId>,
}

/// A cursor that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Huntress feed cursor {value:?}: expected \"<RFC 3339 timestamp>|<incident id>\"")]
pub struct InvalidCursor {
    /// The rejected cursor.
    pub value: String,
}

impl CursorPosition {
    /// The cursor pointing just past this incident.
    pub fn encode(&self) -> FeedCursor {
        let at = self.updated_at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        FeedCursor(match self.id {
            Some(id) => format!("{at}|{id}"),
            None => at,
        })
    }

    /// Reads a cursor written by [`encode`](Self::encode); a bare RFC 3339
    /// timestamp is accepted too.
    pub fn decode(cursor: &FeedCursor) -> Result<Self, InvalidCursor> {
        let invalid = || InvalidCursor {
            value: cursor.0.clone(),
        };
        let (at, id) = match cursor.0.rsplit_once('|') {
            Some((at, id)) => (
                at,
                Some(id.parse::<IncidentReportId>().map_err(|_| invalid())?),
            ),
            None => (cursor.0.as_str(), None),
        };
        let updated_at = DateTime::parse_from_rfc3339(at.trim())
            .map_err(|_| invalid())?
            .with_timezone(&Utc);
        Ok(Self { updated_at, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let position = CursorPosition {
            updated_at: "2024-05-01T10:00:00.250Z".parse().unwrap(),
            id: Some(IncidentReportId(42)),
        };
        let cursor = position.encode();
        assert_eq!(cursor.0, "2024-05-01T10:00:00.250Z|42");
        assert_eq!(CursorPosition::decode(&cursor).unwrap(), position);
    }

    #[test]
    fn a_bare_timestamp_is_a_cursor() {
        let position = CursorPosition::decode(&FeedCursor("2024-05-01T10:00:00Z".into())).unwrap();
        assert_eq!(position.id, None);
    }

    #[test]
    fn garbage_is_refused_by_name() {
        for value in ["", "yesterday|4", "2024-05-01T10:00:00Z|x"] {
            let error = CursorPosition::decode(&FeedCursor(value.into())).unwrap_err();
            assert!(error.to_string().contains(value));
        }
    }
}
