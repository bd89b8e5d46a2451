use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An endpoint whose id changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointIdChange {
    /// The id used before.
    pub old_id: String,
    /// The id used from now on.
    pub new_id: String,
}

/// The answer of `endpointIdChanges(after)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointIdChanges {
    /// The changes, in server order (oldest first).
    pub changes: Vec<EndpointIdChange>,
    /// Changes up to this time are included: ask from here next time.
    pub before: DateTime<Utc>,
}
