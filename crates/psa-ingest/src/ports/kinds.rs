//! The names the schedule and the run records use, typed. Open enums: a
//! name written by a newer version reads as `Other` instead of failing.

crate::open_enum! {
    /// A scheduled job of an integration (`sync_schedules.job`).
    pub enum JobName {
        /// Scope sync, then device sync.
        Devices => "devices",
        /// Incident poll.
        Incidents => "incidents",
        /// Escalation poll.
        Escalations => "escalations",
        /// Scope sync alone.
        Scopes => "scopes",
    }
}

crate::open_enum! {
    /// What a sync run did (`sync_runs.kind`).
    pub enum RunKind {
        /// Scope sync and auto-match.
        Scopes => "scopes",
        /// Full device walk.
        DevicesFull => "devices_full",
        /// Incremental device walk.
        DevicesIncremental => "devices_incremental",
        /// Incident poll.
        Incidents => "incidents",
        /// Escalation poll.
        Escalations => "escalations",
    }
}
