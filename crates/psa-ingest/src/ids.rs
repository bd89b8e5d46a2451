//! Typed identifiers. A tenant id and an asset id are both UUIDs; giving each
//! its own type makes it impossible to pass one where the other is expected.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($( $(#[$meta:meta])* $name:ident ),+ $(,)?) => {$(
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered (UUID v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    )+};
}

id_type! {
    /// A tenant: one MSP using the PSA. Every row belongs to exactly one.
    TenantId,
    /// One configured integration (one provider instance) of a tenant.
    IntegrationId,
    /// A PSA client (the MSP's customer).
    ClientId,
    /// A PSA asset.
    AssetId,
    /// A PSA ticket.
    TicketId,
    /// A ticket board.
    BoardId,
    /// A ticket status (belongs to a board).
    StatusId,
    /// A ticket priority.
    PriorityId,
    /// A ticket category or subcategory.
    CategoryId,
    /// A row of `rmm_alerts`.
    AlertId,
    /// A row of `sync_runs`.
    SyncRunId,
}
