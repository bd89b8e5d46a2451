use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Why a device was not ingested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Its scope is not mapped to a client.
    UnmappedScope,
    /// Its scope is mapped but `auto_sync_assets` is off.
    AssetSyncOff,
    /// It is deleted or tombstoned and was never an asset.
    GoneAndUnknown,
    /// The same device appeared again later in the same batch; the later
    /// snapshot was used.
    DuplicateInBatch,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnmappedScope => "scope not mapped to a client",
            Self::AssetSyncOff => "asset sync turned off for the scope",
            Self::GoneAndUnknown => "deleted device that was never an asset",
            Self::DuplicateInBatch => "repeated in the same batch",
        })
    }
}

/// One device that could not be ingested, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFailure {
    /// The provider's device id (may be empty when that was the problem).
    pub external_id: String,
    /// What went wrong.
    pub error: String,
}

/// Where the time went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timings {
    /// Waiting for the source.
    pub fetch: Duration,
    /// Validating, de-duplicating and routing snapshots, and comparing
    /// their hashes with the stored ones.
    pub prepare: Duration,
    /// Store calls (correlation, writes, retirements).
    pub store: Duration,
    /// Part of `store`: the correlation queries, with the snapshots hashed
    /// while they run.
    pub correlate: Duration,
    /// Hashing snapshots, done while the correlation queries run (so it
    /// overlaps `correlate`).
    pub hash: Duration,
    /// Part of `store`: listing and retiring a scope's unseen devices after
    /// a complete walk.
    pub retire_unseen: Duration,
    /// Everything.
    pub total: Duration,
}

/// What an asset sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssetSyncReport {
    /// Snapshots received.
    pub received: u64,
    /// Assets created.
    pub created: u64,
    /// Assets updated.
    pub updated: u64,
    /// Devices whose snapshot had not changed (nothing written).
    pub unchanged: u64,
    /// Assets retired (deleted, tombstoned, or missing from a complete walk).
    pub tombstoned: u64,
    /// Asset mappings moved to a new device id.
    pub rekeyed: u64,
    /// Devices skipped, by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Devices that failed, with their errors (each is quarantined).
    pub failed: Vec<DeviceFailure>,
    /// Devices put in quarantine, or kept there by a failed retry.
    pub quarantined: u64,
    /// Quarantined devices that went through and left quarantine.
    pub recovered: u64,
    /// Scopes whose full walk completed (unseen devices were retired).
    pub complete_scopes: Vec<String>,
    /// Scopes whose walk stopped on a provider error: (scope id, error).
    pub incomplete_scopes: Vec<(String, String)>,
    /// Scopes whose complete walk would have retired more than the guard
    /// allows, so retired nothing: (scope id, message for a person).
    pub guarded_scopes: Vec<(String, String)>,
    /// Assets retired past the guard because a person confirmed it.
    pub confirmed_retirements: u64,
    /// Devices seen in a mapped scope other than the one that owns them:
    /// they stayed with their owner. A person may want to fix the mapping.
    pub in_several_scopes: u64,
    /// Assets whose agent status the status step changed.
    pub agent_status_changed: u64,
    /// Values beyond what the store keeps (a CPU core count above
    /// [`MAX_STORED_CPU_CORES`](crate::ports::MAX_STORED_CPU_CORES), memory
    /// above [`MAX_STORED_RAM_BYTES`](crate::ports::MAX_STORED_RAM_BYTES)):
    /// stored as null, the rest of the device kept.
    pub values_not_stored: u64,
    /// Scopes walked in full.
    pub full_walks: u64,
    /// Scopes walked incrementally.
    pub incremental_walks: u64,
    /// Timings.
    pub timings: Timings,
}

impl AssetSyncReport {
    /// Adds another report's counts to this one.
    pub fn merge(&mut self, other: AssetSyncReport) {
        self.received += other.received;
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.tombstoned += other.tombstoned;
        self.rekeyed += other.rekeyed;
        for (reason, n) in other.skipped {
            *self.skipped.entry(reason).or_default() += n;
        }
        self.failed.extend(other.failed);
        self.quarantined += other.quarantined;
        self.recovered += other.recovered;
        self.complete_scopes.extend(other.complete_scopes);
        self.incomplete_scopes.extend(other.incomplete_scopes);
        self.guarded_scopes.extend(other.guarded_scopes);
        self.confirmed_retirements += other.confirmed_retirements;
        self.in_several_scopes += other.in_several_scopes;
        self.agent_status_changed += other.agent_status_changed;
        self.values_not_stored += other.values_not_stored;
        self.full_walks += other.full_walks;
        self.incremental_walks += other.incremental_walks;
        self.timings.fetch += other.timings.fetch;
        self.timings.prepare += other.timings.prepare;
        self.timings.store += other.timings.store;
        self.timings.correlate += other.timings.correlate;
        self.timings.hash += other.timings.hash;
        self.timings.retire_unseen += other.timings.retire_unseen;
        self.timings.total += other.timings.total;
    }

    pub(crate) fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_default() += 1;
    }

    /// Devices skipped for any reason.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    /// Rows written: creates, updates, retirements, re-keys and agent
    /// status changes.
    pub fn writes(&self) -> u64 {
        self.created + self.updated + self.tombstoned + self.rekeyed + self.agent_status_changed
    }
}
