//! Device snapshots to assets, in batches, idempotently.
//!
//! For each batch the engine makes one correlation query and one write
//! transaction, whatever the batch size: it validates and de-duplicates the
//! snapshots, resolves each device's client from its scope's mapping, compares
//! content hashes with what is stored, and writes only what changed. After a
//! *complete* full walk of a scope it retires the scope's devices that the
//! walk did not see; a walk that failed part way retires nothing, and a walk
//! that would retire most of a scope retires nothing until a person confirms.
//!
//! State is kept per scope ([`ScopeSyncState`]): each scope is walked in
//! full or incrementally from its own watermark, and only a walk that
//! completed moves it. A device seen in several mapped scopes keeps the scope
//! that owns it (the one it was last written from) while that scope is
//! mapped and still holds it; otherwise the first scope to see it, in scope
//! id order, takes it. Agent status derived from the last-seen time is
//! recomputed for every stored asset at each sync.
//!
//! A device that fails for a reason of its own (its data, a rule the store
//! applies to it) fails alone: it is quarantined with its snapshot and the
//! error, and the rest of its batch and the later scopes are written. Each
//! sync first retries the quarantined devices that are due; a device that
//! succeeds, then or when a walk brings it again, leaves quarantine. Only a
//! failure of the store itself stops the run.

mod hash;
mod report;

pub use report::{AssetSyncReport, DeviceFailure, SkipReason, Timings};

use super::EngineError;
use crate::contracts::NormalizedDevice;
use crate::ports::{
    AssetBatch, AssetStore, AssetWrite, KnownDevice, Pipeline, QuarantineEntry, QuarantineFilter,
    QuarantineStore, RetryBackoff, ScopeMapping, ScopeMappingStore, ScopeSyncState, ScopeWalk,
    WalkKind, WalkOutcome,
};
use crate::ports::{MAX_STORED_CPU_CORES, MAX_STORED_RAM_BYTES};
use crate::progress::{Progress, ProgressEvent};
use crate::settings::{FieldError, SettingsError};
use crate::sources::{DeviceSource, SourceError};
use crate::{AssetId, IntegrationId, ProviderId, TenantId};
use chrono::{DateTime, TimeDelta, Utc};
use futures::{Stream, StreamExt, TryStreamExt};
use hash::{hash_snapshots, id_fingerprint};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// An incremental walk reads changes from this long before the scope's
/// watermark, so a device whose change raced the last walk is not missed
/// (re-reading it costs nothing: its hash has not changed).
pub const INCREMENTAL_OVERLAP: TimeDelta = TimeDelta::minutes(5);

/// How the engine batches work and when it walks scopes in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetEngineOptions {
    /// Snapshots per correlation query and write transaction.
    pub batch_size: usize,
    /// A scope whose last complete full walk is older than this is walked in
    /// full; `None`: only scopes never fully walked since they were mapped.
    pub full_walk_every: Option<TimeDelta>,
    /// What a complete walk may retire without a person's confirmation.
    pub retirement_guard: RetirementGuard,
    /// Pages one scope's walk may read; past it the walk fails (a vendor
    /// that keeps handing out new cursors cannot hold a job forever).
    pub max_pages_per_walk: u64,
    /// How long quarantined devices wait between retries.
    pub retry_backoff: RetryBackoff,
}

impl Default for AssetEngineOptions {
    fn default() -> Self {
        Self {
            batch_size: 1000,
            full_walk_every: None,
            retirement_guard: RetirementGuard::default(),
            max_pages_per_walk: 100_000,
            retry_backoff: RetryBackoff::default(),
        }
    }
}

/// A complete walk that would retire more than `max_percent` of a scope's
/// live assets, and at least `min_assets` of them, retires none (a Tanium
/// permission change or an edited group filter looks like an empty group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetirementGuard {
    /// Share of the scope's live assets, in percent (default 50).
    pub max_percent: u8,
    /// Retirements below this count are always allowed (default 20).
    pub min_assets: u64,
    /// A person confirmed that the devices left: retire them anyway.
    pub confirmed: bool,
}

impl Default for RetirementGuard {
    fn default() -> Self {
        Self {
            max_percent: 50,
            min_assets: 20,
            confirmed: false,
        }
    }
}

impl RetirementGuard {
    /// Whether retiring `unseen` of `live` assets goes ahead.
    pub fn allows(&self, unseen: u64, live: u64) -> bool {
        self.confirmed || self.allows_unconfirmed(unseen, live)
    }

    /// Whether it goes ahead without a person's confirmation.
    pub fn allows_unconfirmed(&self, unseen: u64, live: u64) -> bool {
        unseen < self.min_assets
            || u128::from(unseen) * 100 <= u128::from(live) * u128::from(self.max_percent)
    }
}

/// Which walks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Walk every mapped scope in full.
    Full,
    /// Walk in full each scope that needs it (never completed a full walk
    /// since it was mapped or switched on, or its last one is older than
    /// [`AssetEngineOptions::full_walk_every`]); the others incrementally
    /// from their own watermark.
    Auto,
}

/// The walk planned for one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedWalk {
    /// The scope.
    pub scope_id: String,
    /// Full or incremental.
    pub kind: WalkKind,
    /// For an incremental walk: changes since this time.
    pub since: Option<DateTime<Utc>>,
}

/// The walks of one sync, in scope id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncPlan {
    /// One walk per mapped scope with asset sync on.
    pub walks: Vec<PlannedWalk>,
    /// Device id changes are applied from this time first (the oldest
    /// watermark), so a re-keyed device keeps its asset.
    pub id_changes_since: Option<DateTime<Utc>>,
}

impl SyncPlan {
    /// Every walk is full (and there is at least one).
    pub fn is_full(&self) -> bool {
        !self.walks.is_empty() && self.walks.iter().all(|w| w.kind == WalkKind::Full)
    }
}

/// The asset pipeline of one integration.
pub struct AssetEngine<'s, S: ?Sized> {
    store: &'s S,
    tenant: TenantId,
    integration: IntegrationId,
    provider: ProviderId,
    options: AssetEngineOptions,
    scopes: HashMap<String, ScopeMapping>,
    progress: Progress,
    /// Snapshots handled so far, for progress events.
    handled: AtomicU64,
    /// Snapshots of devices seen in a scope that does not own them, settled
    /// once every scope was walked (the owner may drop them meanwhile).
    deferred: Mutex<Vec<NormalizedDevice>>,
    /// The source derives agent status from the last-seen time: it is then
    /// left out of the content hash (the status step keeps it true).
    derived_status: AtomicBool,
    /// Ids of the integration's quarantined devices, loaded when a sync
    /// starts.
    quarantined: Mutex<HashSet<String>>,
}

/// Quarantined devices retried per sync at most (the longest due first).
pub const RETRIES_PER_SYNC: i64 = 10_000;

impl<'s, S> AssetEngine<'s, S>
where
    S: AssetStore + ScopeMappingStore + QuarantineStore + ?Sized,
{
    /// An engine for one integration; loads its scope mappings once.
    pub async fn new(
        store: &'s S,
        tenant: TenantId,
        integration: IntegrationId,
        provider: ProviderId,
        options: AssetEngineOptions,
    ) -> Result<Self, EngineError> {
        let scopes = store
            .list_scope_mappings(tenant, integration)
            .await?
            .into_iter()
            .map(|m| (m.external_id.clone(), m))
            .collect();
        let options = AssetEngineOptions {
            batch_size: options.batch_size.max(1),
            ..options
        };
        Ok(Self {
            store,
            tenant,
            integration,
            provider,
            options,
            scopes,
            progress: Progress::default(),
            handled: AtomicU64::new(0),
            deferred: Mutex::new(Vec::new()),
            derived_status: AtomicBool::new(false),
            quarantined: Mutex::new(HashSet::new()),
        })
    }

    /// Reports each batch written to `progress` as the sync runs.
    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = progress;
        self
    }

    /// The walks [`sync`](Self::sync) runs in `mode`, from each scope's
    /// state.
    pub fn plan(&self, mode: SyncMode) -> SyncPlan {
        let now = Utc::now();
        let mut scopes: Vec<&ScopeMapping> =
            self.scopes.values().filter(|m| m.syncs_assets()).collect();
        scopes.sort_by(|a, b| a.external_id.cmp(&b.external_id));
        let walks = scopes
            .iter()
            .map(|scope| {
                let state: &ScopeSyncState = &scope.device_sync;
                let full = mode == SyncMode::Full
                    || state.watermark.is_none()
                    || state.needs_full_walk(now, self.options.full_walk_every);
                PlannedWalk {
                    scope_id: scope.external_id.clone(),
                    kind: if full {
                        WalkKind::Full
                    } else {
                        WalkKind::Incremental
                    },
                    since: (!full)
                        .then(|| state.watermark.map(|w| w - INCREMENTAL_OVERLAP))
                        .flatten(),
                }
            })
            .collect();
        let id_changes_since = scopes
            .iter()
            .filter_map(|s| s.device_sync.watermark)
            .min()
            .map(|w| w - INCREMENTAL_OVERLAP);
        SyncPlan {
            walks,
            id_changes_since,
        }
    }

    /// Runs the walks of [`plan`](Self::plan)`(mode)`.
    pub async fn sync(
        &self,
        source: &dyn DeviceSource,
        mode: SyncMode,
    ) -> Result<AssetSyncReport, EngineError> {
        self.sync_planned(source, &self.plan(mode)).await
    }

    /// Runs a planned sync: id changes first, then the quarantined devices
    /// that are due, then each scope's walk, then
    /// the devices seen outside their owning scope, then the agent status
    /// of every stored asset. A scope whose walk fails is reported in
    /// `incomplete_scopes` and keeps its state; an authentication failure
    /// stops the run. Each scope's state is recorded at the end, so a run
    /// that stops on a store failure moves no scope.
    pub async fn sync_planned(
        &self,
        source: &dyn DeviceSource,
        plan: &SyncPlan,
    ) -> Result<AssetSyncReport, EngineError> {
        if let Some(fallback) = source.unscoped_fallback()
            && plan.walks.len() > 1
        {
            return Err(SettingsError::new(vec![FieldError::new(
                fallback.setting,
                format!(
                    "{} cannot be filtered by scope, so it can serve only an integration \
                     that maps exactly one scope; {} are mapped. Turn the setting off or \
                     map a single scope.",
                    fallback.what,
                    plan.walks.len()
                ),
            )])
            .into());
        }
        let status_rule = source.agent_status_rule();
        self.derived_status
            .store(status_rule.is_some(), Ordering::Relaxed);
        let mut report = AssetSyncReport::default();
        if let Some(since) = plan.id_changes_since {
            let changes = source.id_changes(since).await?;
            if !changes.is_empty() {
                report.rekeyed += self
                    .store
                    .rekey_devices(self.tenant, self.integration, &changes)
                    .await?;
            }
        }
        self.retry_quarantined(&mut report).await?;
        let mut walks = Vec::with_capacity(plan.walks.len());
        for walk in &plan.walks {
            let scope_id = walk.scope_id.as_str();
            let started_at = Utc::now();
            let result = match (walk.kind, walk.since) {
                (WalkKind::Incremental, Some(since)) => {
                    self.ingest_scope(source.devices_changed_since(scope_id, since), None)
                        .await
                }
                _ => {
                    self.ingest_scope(source.devices(scope_id), Some(scope_id))
                        .await
                }
            };
            let (outcome, error) = match result {
                Ok(scope_report) => {
                    let guarded = scope_report.guarded_scopes.first().map(|g| g.1.clone());
                    report.merge(scope_report);
                    match guarded {
                        Some(message) => (WalkOutcome::Guarded, Some(message)),
                        None => (WalkOutcome::Completed, None),
                    }
                }
                Err(EngineError::Source(SourceError::Authentication { message })) => {
                    return Err(SourceError::Authentication { message }.into());
                }
                Err(EngineError::Source(error)) => {
                    report
                        .incomplete_scopes
                        .push((scope_id.to_owned(), error.to_string()));
                    (WalkOutcome::Failed, Some(error.to_string()))
                }
                Err(error) => return Err(error),
            };
            match walk.kind {
                WalkKind::Full => report.full_walks += 1,
                WalkKind::Incremental => report.incremental_walks += 1,
            }
            walks.push((
                scope_id,
                ScopeWalk {
                    kind: walk.kind,
                    started_at,
                    outcome,
                    error,
                },
            ));
        }
        self.settle_deferred(&mut report).await?;
        if let Some(rule) = status_rule {
            report.agent_status_changed += self
                .store
                .refresh_agent_status(
                    self.tenant,
                    self.integration,
                    rule.online_since(),
                    Utc::now(),
                )
                .await?;
        }
        for (scope_id, walk) in &walks {
            self.store
                .record_scope_walk(self.tenant, self.integration, scope_id, walk)
                .await?;
        }
        Ok(report)
    }

    /// Ingests a stream of device pages. With `full_walk_of`, the stream is a
    /// full walk of that scope: when it ends without error, the scope's
    /// devices it did not contain are retired. A source error ends the
    /// ingest with that error after the batches before it were written.
    ///
    /// A device owned by another mapped scope is settled at the end: it
    /// stays with its owner if the owner still holds it.
    pub async fn ingest<St>(
        &self,
        pages: St,
        full_walk_of: Option<&str>,
    ) -> Result<AssetSyncReport, EngineError>
    where
        St: Stream<Item = Result<Vec<NormalizedDevice>, SourceError>>,
    {
        let mut report = self.ingest_scope(pages, full_walk_of).await?;
        self.settle_deferred(&mut report).await?;
        Ok(report)
    }

    /// Loads which devices are in quarantine, then writes the due ones
    /// again from their stored snapshots.
    async fn retry_quarantined(&self, report: &mut AssetSyncReport) -> Result<(), EngineError> {
        let held: HashSet<String> = self
            .store
            .quarantined_ids(self.tenant, self.integration, Pipeline::Devices)
            .await?
            .into_iter()
            .collect();
        let any = !held.is_empty();
        *self.quarantined.lock().expect("not poisoned") = held;
        if !any {
            return Ok(());
        }
        let due = self
            .store
            .list_quarantined(
                self.tenant,
                self.integration,
                QuarantineFilter {
                    pipeline: Some(Pipeline::Devices),
                    due_at: Some(Utc::now()),
                },
                RETRIES_PER_SYNC,
            )
            .await?;
        let mut devices = Vec::with_capacity(due.len());
        for entry in due {
            match serde_json::from_value::<NormalizedDevice>(entry.payload.clone()) {
                Ok(device) => devices.push(device),
                Err(error) => {
                    let error = format!("its stored snapshot cannot be read: {error}");
                    self.quarantine(&entry.record_id, entry.payload, &error, report)
                        .await?;
                }
            }
        }
        for chunk in devices.chunks(self.options.batch_size) {
            self.write_batch(chunk.to_vec(), &mut HashSet::new(), report, Pass::Walk)
                .await?;
        }
        Ok(())
    }

    /// Records a failed device: in the report and in quarantine.
    async fn fail_device(
        &self,
        device: &NormalizedDevice,
        error: String,
        report: &mut AssetSyncReport,
    ) -> Result<(), EngineError> {
        let payload = serde_json::to_value(device).expect("a device always serializes");
        let record_id = if device.external_id.trim().is_empty() {
            QuarantineEntry::payload_id(&payload)
        } else {
            device.external_id.clone()
        };
        self.quarantine(&record_id, payload, &error, report).await?;
        report.failed.push(DeviceFailure {
            external_id: device.external_id.clone(),
            error,
        });
        Ok(())
    }

    async fn quarantine(
        &self,
        record_id: &str,
        payload: serde_json::Value,
        error: &str,
        report: &mut AssetSyncReport,
    ) -> Result<(), EngineError> {
        self.store
            .quarantine_record(
                self.tenant,
                self.integration,
                QuarantineEntry {
                    pipeline: Pipeline::Devices,
                    record_id: record_id.to_owned(),
                    payload,
                    error: error.to_owned(),
                },
                self.options.retry_backoff,
                Utc::now(),
            )
            .await?;
        self.quarantined
            .lock()
            .expect("not poisoned")
            .insert(record_id.to_owned());
        report.quarantined += 1;
        Ok(())
    }

    /// Takes the devices of a batch that went through out of quarantine.
    async fn release(
        &self,
        settled: Vec<String>,
        report: &mut AssetSyncReport,
    ) -> Result<(), EngineError> {
        if settled.is_empty() {
            return Ok(());
        }
        report.recovered += self
            .store
            .release_quarantined(self.tenant, self.integration, Pipeline::Devices, &settled)
            .await?;
        Ok(())
    }

    async fn ingest_scope<St>(
        &self,
        pages: St,
        full_walk_of: Option<&str>,
    ) -> Result<AssetSyncReport, EngineError>
    where
        St: Stream<Item = Result<Vec<NormalizedDevice>, SourceError>>,
    {
        let started = Instant::now();
        let mut report = AssetSyncReport::default();
        let mut seen: HashSet<u64> = HashSet::new();
        let mut pending: Vec<NormalizedDevice> = Vec::with_capacity(self.options.batch_size);
        let mut pages = std::pin::pin!(pages);
        let mut pages_read: u64 = 0;
        loop {
            let fetch_started = Instant::now();
            let page = pages.next().await;
            report.timings.fetch += fetch_started.elapsed();
            let Some(page) = page else { break };
            let page = page?;
            pages_read += 1;
            if pages_read > self.options.max_pages_per_walk {
                return Err(SourceError::Provider {
                    message: format!(
                        "the walk read {} pages without ending (schedule.max_pages_per_walk); \
                         the vendor keeps returning new cursors",
                        self.options.max_pages_per_walk
                    ),
                    source: None,
                }
                .into());
            }
            report.received += page.len() as u64;
            for device in page {
                pending.push(device);
                if pending.len() >= self.options.batch_size {
                    let batch = std::mem::replace(
                        &mut pending,
                        Vec::with_capacity(self.options.batch_size),
                    );
                    self.process_batch(batch, &mut seen, &mut report).await?;
                }
            }
        }
        if !pending.is_empty() {
            self.process_batch(pending, &mut seen, &mut report).await?;
        }
        if let Some(scope_id) = full_walk_of
            && self.retire_unseen(scope_id, &seen, &mut report).await?
        {
            report.complete_scopes.push(scope_id.to_owned());
        }
        report.timings.total += started.elapsed();
        Ok(report)
    }

    /// Writes the devices seen outside their owning scope, now that every
    /// scope was walked: each one whose owner still holds it (mapped, live)
    /// stays there and is counted in `in_several_scopes`; the others are
    /// written from the scope that saw them.
    async fn settle_deferred(&self, report: &mut AssetSyncReport) -> Result<(), EngineError> {
        let deferred = std::mem::take(&mut *self.deferred.lock().expect("not poisoned"));
        for chunk in deferred.chunks(self.options.batch_size) {
            self.write_batch(chunk.to_vec(), &mut HashSet::new(), report, Pass::Settle)
                .await?;
        }
        Ok(())
    }

    async fn process_batch(
        &self,
        devices: Vec<NormalizedDevice>,
        seen: &mut HashSet<u64>,
        report: &mut AssetSyncReport,
    ) -> Result<(), EngineError> {
        let size = devices.len() as u64;
        self.write_batch(devices, seen, report, Pass::Walk).await?;
        let total = self.handled.fetch_add(size, Ordering::Relaxed) + size;
        self.progress
            .emit(&ProgressEvent::DevicesWritten { batch: size, total });
        Ok(())
    }

    async fn write_batch(
        &self,
        devices: Vec<NormalizedDevice>,
        seen: &mut HashSet<u64>,
        report: &mut AssetSyncReport,
        pass: Pass,
    ) -> Result<(), EngineError> {
        let prepare_started = Instant::now();
        // Quarantined devices in the batch leave quarantine unless they fail
        // again (or wait for another scope, below).
        let mut settled: HashSet<String> = {
            let held = self.quarantined.lock().expect("not poisoned");
            if held.is_empty() {
                HashSet::new()
            } else {
                devices
                    .iter()
                    .filter(|d| held.contains(&d.external_id))
                    .map(|d| d.external_id.clone())
                    .collect()
            }
        };
        // Validate, then keep the last snapshot of each device.
        let mut keep = vec![false; devices.len()];
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(devices.len());
        for (i, device) in devices.iter().enumerate() {
            if let Err(error) = self.validate(device) {
                settled.remove(&device.external_id);
                self.fail_device(device, error, report).await?;
                continue;
            }
            if !device.lifecycle.is_gone() {
                seen.insert(id_fingerprint(&device.external_id));
            }
            let hardware = &device.hardware;
            report.values_not_stored +=
                u64::from(hardware.cpu_cores.is_some_and(|n| n > MAX_STORED_CPU_CORES))
                    + u64::from(hardware.ram_bytes.is_some_and(|n| n > MAX_STORED_RAM_BYTES));
            if let Some(previous) = last.insert(&device.external_id, i) {
                keep[previous] = false;
                report.skip(SkipReason::DuplicateInBatch);
            }
            keep[i] = true;
        }

        // Resolve each device's client from its scope's mapping.
        let mut routed = Vec::with_capacity(devices.len());
        for (device, keep) in devices.into_iter().zip(keep) {
            if !keep {
                continue;
            }
            match self.scopes.get(&device.scope_id) {
                Some(ScopeMapping {
                    client_id: Some(client),
                    auto_sync_assets: true,
                    ..
                }) => {
                    routed.push((*client, device));
                }
                Some(ScopeMapping {
                    client_id: Some(_), ..
                }) => {
                    report.skip(SkipReason::AssetSyncOff);
                }
                _ => report.skip(SkipReason::UnmappedScope),
            }
        }
        report.timings.prepare += prepare_started.elapsed();
        if routed.is_empty() {
            return self.release(settled.into_iter().collect(), report).await;
        }

        // Hash the snapshots while the correlation query is out: the two
        // overlap (one on the database, one here) instead of adding up.
        let correlate_started = Instant::now();
        let ids: Vec<String> = routed.iter().map(|(_, d)| d.external_id.clone()).collect();
        let derived_status = self.derived_status.load(Ordering::Relaxed);
        let (known, (hashes, hashing)) = futures::join!(
            self.store
                .find_known_devices(self.tenant, self.integration, &self.provider, &ids),
            hash_snapshots(&mut routed, derived_status),
        );
        let known: HashMap<String, KnownDevice> = known?
            .into_iter()
            .map(|k| (k.external_id.clone(), k))
            .collect();
        let correlated = correlate_started.elapsed();
        report.timings.correlate += correlated;
        report.timings.store += correlated;
        report.timings.hash += hashing;

        let compare_started = Instant::now();
        let mut batch = AssetBatch::default();
        let mut gone = Vec::new();
        for ((client_id, device), content_hash) in routed.into_iter().zip(hashes) {
            let known = known.get(&device.external_id);
            let Some(content_hash) = content_hash else {
                match known {
                    Some(k) if !k.retired => gone.push(device.external_id),
                    Some(_) => report.unchanged += 1,
                    None => report.skip(SkipReason::GoneAndUnknown),
                }
                continue;
            };
            match known {
                Some(k) if !k.retired && self.owned_elsewhere(k, &device) => match pass {
                    Pass::Walk => {
                        settled.remove(&device.external_id);
                        self.deferred.lock().expect("not poisoned").push(device);
                    }
                    Pass::Settle => report.in_several_scopes += 1,
                },
                Some(k)
                    if !k.retired && k.content_hash.as_deref() == Some(content_hash.as_str()) =>
                {
                    report.unchanged += 1;
                }
                Some(k) => batch.updates.push(AssetWrite {
                    asset_id: k.asset_id,
                    client_id,
                    device,
                    content_hash,
                }),
                None => batch.creates.push(AssetWrite {
                    asset_id: AssetId::new(),
                    client_id,
                    device,
                    content_hash,
                }),
            }
        }
        report.timings.prepare += compare_started.elapsed();

        let write_started = Instant::now();
        let now = Utc::now();
        if !batch.is_empty() {
            for failed in self.write_isolating_failures(batch, now, report).await? {
                settled.remove(&failed);
            }
        }
        if !gone.is_empty() {
            report.tombstoned += self
                .store
                .retire_devices(self.tenant, self.integration, &gone, now)
                .await?;
        }
        self.release(settled.into_iter().collect(), report).await?;
        report.timings.store += write_started.elapsed();
        Ok(())
    }

    /// Writes a batch; when the batch fails, writes its devices one by one so
    /// one bad snapshot fails alone (quarantined). A single write that fails
    /// for a reason of the store's own (not the record's) means the store is
    /// failing: that error is returned and the run stops. Returns the ids of
    /// the devices that failed.
    async fn write_isolating_failures(
        &self,
        batch: AssetBatch,
        now: DateTime<Utc>,
        report: &mut AssetSyncReport,
    ) -> Result<Vec<String>, EngineError> {
        let batch_error = match self
            .store
            .write_assets(self.tenant, self.integration, &batch, now)
            .await
        {
            Ok(()) => {
                report.created += batch.creates.len() as u64;
                report.updated += batch.updates.len() as u64;
                return Ok(Vec::new());
            }
            Err(error) => error,
        };
        tracing::warn!(error = %batch_error, "asset batch failed; writing its devices one by one");
        let mut failed = Vec::new();
        let singles = batch
            .creates
            .into_iter()
            .map(|w| (true, w))
            .chain(batch.updates.into_iter().map(|w| (false, w)));
        for (is_create, write) in singles {
            let single = if is_create {
                AssetBatch {
                    creates: vec![write],
                    updates: Vec::new(),
                }
            } else {
                AssetBatch {
                    creates: Vec::new(),
                    updates: vec![write],
                }
            };
            match self
                .store
                .write_assets(self.tenant, self.integration, &single, now)
                .await
            {
                Ok(()) if is_create => report.created += 1,
                Ok(()) => report.updated += 1,
                Err(error) if error.is_about_the_record() => {
                    let device = single
                        .creates
                        .into_iter()
                        .chain(single.updates)
                        .next()
                        .expect("one write")
                        .device;
                    self.fail_device(&device, error.to_string(), report).await?;
                    failed.push(device.external_id);
                }
                Err(error) => return Err(error.into()),
            }
        }
        if failed.is_empty() && !batch_error.is_about_the_record() {
            // Every device went through alone: the batch met a passing
            // store failure.
            tracing::warn!(error = %batch_error, "asset batch failed, then each device succeeded");
        }
        Ok(failed)
    }

    /// A device the walk saw that another mapped scope owns: it stays there.
    fn owned_elsewhere(&self, known: &KnownDevice, device: &NormalizedDevice) -> bool {
        known.scope_id.as_deref().is_some_and(|owner| {
            owner != device.scope_id && self.scopes.get(owner).is_some_and(|m| m.syncs_assets())
        })
    }

    /// Retires the scope's live devices that the complete walk did not see,
    /// unless that is more than the guard allows. Returns whether it went
    /// ahead.
    async fn retire_unseen(
        &self,
        scope_id: &str,
        seen: &HashSet<u64>,
        report: &mut AssetSyncReport,
    ) -> Result<bool, EngineError> {
        let store_started = Instant::now();
        // Collected before retiring: a single-connection store cannot write
        // while it streams.
        let live = AtomicU64::new(0);
        let unseen: Vec<String> = self
            .store
            .scope_devices(self.tenant, self.integration, scope_id)
            .try_filter_map(|d| {
                live.fetch_add(1, Ordering::Relaxed);
                async move {
                    Ok((!seen.contains(&id_fingerprint(&d.external_id))).then_some(d.external_id))
                }
            })
            .try_collect()
            .await?;
        let live = live.into_inner();
        let guard = self.options.retirement_guard;
        if !guard.allows(unseen.len() as u64, live) {
            report.guarded_scopes.push((
                scope_id.to_owned(),
                format!(
                    "the full walk of scope {scope_id} would retire {} of its {live} assets, \
                     so nothing was retired. If those devices really left the scope, set \
                     assets.confirm_retirement to true in the integration's settings to \
                     allow it once; if not, check the provider's permissions and the \
                     scope's filter.",
                    unseen.len()
                ),
            ));
            let elapsed = store_started.elapsed();
            report.timings.store += elapsed;
            report.timings.retire_unseen += elapsed;
            return Ok(false);
        }
        if guard.confirmed && !guard.allows_unconfirmed(unseen.len() as u64, live) {
            report.confirmed_retirements += unseen.len() as u64;
        }
        let now = Utc::now();
        for chunk in unseen.chunks(self.options.batch_size) {
            report.tombstoned += self
                .store
                .retire_devices(self.tenant, self.integration, chunk, now)
                .await?;
        }
        let elapsed = store_started.elapsed();
        report.timings.store += elapsed;
        report.timings.retire_unseen += elapsed;
        Ok(true)
    }

    fn validate(&self, device: &NormalizedDevice) -> Result<(), String> {
        if device.external_id.trim().is_empty() {
            return Err("device has an empty external id".to_owned());
        }
        if device.provider != self.provider {
            return Err(format!(
                "device {} comes from provider {}, not {}",
                device.external_id, device.provider, self.provider
            ));
        }
        // Ids are keys the store looks up again as sent; PostgreSQL cannot
        // hold a NUL in one. Refused here, the same on every backend.
        if device.external_id.contains('\0') || device.scope_id.contains('\0') {
            return Err(format!(
                "device {:?} has a NUL byte in its id or scope id",
                device.external_id
            ));
        }
        if device.scope_id.trim().is_empty() {
            return Err(format!("device {} has no scope id", device.external_id));
        }
        if device.name.trim().is_empty() {
            return Err(format!("device {} has no name", device.external_id));
        }
        Ok(())
    }
}

/// Which pass over the snapshots: a scope's walk, or the settling of
/// devices seen outside their owning scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    Walk,
    Settle,
}
