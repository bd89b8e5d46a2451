use crate::models::Cursor;
use chrono::{DateTime, Utc};

/// One page of a Gateway connection.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The records, in server order.
    pub items: Vec<T>,
    /// The cursor to ask for the next page with.
    pub end_cursor: Option<Cursor>,
    /// Whether the server has more.
    pub has_next_page: bool,
    /// The size of the whole collection, when the server says.
    pub total_records: Option<u64>,
}

/// One page of a page walk (see [`GatewayClient::endpoints`](crate::GatewayClient::endpoints)):
/// records not yielded before in this walk, and progress.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkPage<T> {
    /// The records of this page that the walk had not yielded yet.
    pub items: Vec<T>,
    /// The size of the collection, when the server says (for progress).
    pub total_records: Option<u64>,
    /// Records yielded by the walk so far, this page included.
    pub yielded: u64,
    /// The page size in use (smaller than asked after timeouts).
    pub page_size: u32,
    /// How many times the walk restarted after an expired cursor.
    pub restarts: u32,
}

/// What a connection test learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionCheck {
    /// The Tanium server's clock.
    pub server_time: DateTime<Utc>,
    /// How many computer groups the token can see, when the server says.
    pub computer_groups: Option<u64>,
}
