//! Device snapshots to assets, in batches, idempotently.
//!
//! For each batch the engine makes one correlation query and one write
//! transaction, whatever the batch size: it validates and de-duplicates the
//! snapshots, resolves each device's client from its scope's mapping, compares
//! content hashes with what is stored, and writes only what changed. After a
//! *complete* full walk of a scope it retires the scope's devices that the
//! walk did not see; a walk that failed part way retires nothing.

mod hash;
mod report;

pub use report::{AssetSyncReport, DeviceFailure, SkipReason, Timings};

use super::EngineError;
use crate::contracts::NormalizedDevice;
use crate::ports::{
    AssetBatch, AssetStore, AssetWrite, KnownDevice, ScopeMapping, ScopeMappingStore,
};
use crate::progress::{Progress, ProgressEvent};
use crate::sources::{DeviceSource, SourceError};
use crate::{AssetId, IntegrationId, ProviderId, TenantId};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt, TryStreamExt};
use hash::{hash_snapshots, id_fingerprint};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// How the engine batches work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetEngineOptions {
    /// Snapshots per correlation query and write transaction.
    pub batch_size: usize,
}

impl Default for AssetEngineOptions {
    fn default() -> Self {
        Self { batch_size: 1000 }
    }
}

/// Which walk to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Walk every device of every mapped scope; retire what a complete walk
    /// did not see. Device id changes since `id_changes_since` are applied
    /// first, so a re-keyed device keeps its asset.
    Full {
        /// Last sync time, if any.
        id_changes_since: Option<DateTime<Utc>>,
    },
    /// Only devices changed since `since` (after applying id changes since then).
    Incremental {
        /// Last sync time.
        since: DateTime<Utc>,
    },
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
}

impl<'s, S> AssetEngine<'s, S>
where
    S: AssetStore + ScopeMappingStore + ?Sized,
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
        })
    }

    /// Reports each batch written to `progress` as the sync runs.
    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = progress;
        self
    }

    /// Runs a full or incremental sync of every mapped scope with asset sync
    /// on. A scope whose walk fails is reported in `incomplete_scopes` and
    /// retires nothing; an authentication failure stops the run.
    pub async fn sync(
        &self,
        source: &dyn DeviceSource,
        mode: SyncMode,
    ) -> Result<AssetSyncReport, EngineError> {
        let mut report = AssetSyncReport::default();
        let since = match mode {
            SyncMode::Full { id_changes_since } => id_changes_since,
            SyncMode::Incremental { since } => Some(since),
        };
        if let Some(since) = since {
            let changes = source.id_changes(since).await?;
            if !changes.is_empty() {
                report.rekeyed += self
                    .store
                    .rekey_devices(self.tenant, self.integration, &changes)
                    .await?;
            }
        }
        let mut scopes: Vec<&ScopeMapping> = self
            .scopes
            .values()
            .filter(|m| m.client_id.is_some() && m.auto_sync_assets)
            .collect();
        scopes.sort_by(|a, b| a.external_id.cmp(&b.external_id));
        for scope in scopes {
            let scope_id = scope.external_id.as_str();
            let result = match mode {
                SyncMode::Full { .. } => {
                    self.ingest(source.devices(scope_id), Some(scope_id)).await
                }
                SyncMode::Incremental { since } => {
                    self.ingest(source.devices_changed_since(scope_id, since), None)
                        .await
                }
            };
            match result {
                Ok(scope_report) => report.merge(scope_report),
                Err(EngineError::Source(SourceError::Authentication { message })) => {
                    return Err(SourceError::Authentication { message }.into());
                }
                Err(EngineError::Source(error)) => {
                    report
                        .incomplete_scopes
                        .push((scope_id.to_owned(), error.to_string()));
                }
                Err(error) => return Err(error),
            }
        }
        Ok(report)
    }

    /// Ingests a stream of device pages. With `full_walk_of`, the stream is a
    /// full walk of that scope: when it ends without error, the scope's
    /// devices it did not contain are retired. A source error ends the
    /// ingest with that error after the batches before it were written.
    pub async fn ingest<St>(
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
        loop {
            let fetch_started = Instant::now();
            let page = pages.next().await;
            report.timings.fetch += fetch_started.elapsed();
            let Some(page) = page else { break };
            let page = page?;
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
        if let Some(scope_id) = full_walk_of {
            self.retire_unseen(scope_id, &seen, &mut report).await?;
            report.complete_scopes.push(scope_id.to_owned());
        }
        report.timings.total += started.elapsed();
        Ok(report)
    }

    async fn process_batch(
        &self,
        devices: Vec<NormalizedDevice>,
        seen: &mut HashSet<u64>,
        report: &mut AssetSyncReport,
    ) -> Result<(), EngineError> {
        let size = devices.len() as u64;
        self.write_batch(devices, seen, report).await?;
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
    ) -> Result<(), EngineError> {
        let prepare_started = Instant::now();
        // Validate, then keep the last snapshot of each device.
        let mut keep = vec![false; devices.len()];
        let mut last: HashMap<&str, usize> = HashMap::with_capacity(devices.len());
        for (i, device) in devices.iter().enumerate() {
            if let Err(error) = self.validate(device) {
                report.failed.push(DeviceFailure {
                    external_id: device.external_id.clone(),
                    error,
                });
                continue;
            }
            if !device.lifecycle.is_gone() {
                seen.insert(id_fingerprint(&device.external_id));
            }
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
            return Ok(());
        }

        // Hash the snapshots while the correlation query is out: the two
        // overlap (one on the database, one here) instead of adding up.
        let correlate_started = Instant::now();
        let ids: Vec<String> = routed.iter().map(|(_, d)| d.external_id.clone()).collect();
        let (known, (hashes, hashing)) = futures::join!(
            self.store
                .find_known_devices(self.tenant, self.integration, &self.provider, &ids),
            hash_snapshots(&routed),
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
            self.write_isolating_failures(batch, now, report).await?;
        }
        if !gone.is_empty() {
            report.tombstoned += self
                .store
                .retire_devices(self.tenant, self.integration, &gone, now)
                .await?;
        }
        report.timings.store += write_started.elapsed();
        Ok(())
    }

    /// Writes a batch; when the batch fails, writes its devices one by one so
    /// one bad snapshot fails alone. When every single write fails too, the
    /// store itself is failing: that error is returned.
    async fn write_isolating_failures(
        &self,
        batch: AssetBatch,
        now: DateTime<Utc>,
        report: &mut AssetSyncReport,
    ) -> Result<(), EngineError> {
        let batch_error = match self
            .store
            .write_assets(self.tenant, self.integration, &batch, now)
            .await
        {
            Ok(()) => {
                report.created += batch.creates.len() as u64;
                report.updated += batch.updates.len() as u64;
                return Ok(());
            }
            Err(error) => error,
        };
        tracing::warn!(error = %batch_error, "asset batch failed; writing its devices one by one");
        let total = batch.creates.len() + batch.updates.len();
        let mut failures = Vec::new();
        let singles = batch
            .creates
            .into_iter()
            .map(|w| (true, w))
            .chain(batch.updates.into_iter().map(|w| (false, w)));
        for (is_create, write) in singles {
            let external_id = write.device.external_id.clone();
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
                Err(error) => failures.push(DeviceFailure {
                    external_id,
                    error: error.to_string(),
                }),
            }
        }
        if failures.len() == total {
            return Err(batch_error.into());
        }
        report.failed.extend(failures);
        Ok(())
    }

    async fn retire_unseen(
        &self,
        scope_id: &str,
        seen: &HashSet<u64>,
        report: &mut AssetSyncReport,
    ) -> Result<(), EngineError> {
        let store_started = Instant::now();
        // Collected before retiring: a single-connection store cannot write
        // while it streams.
        let unseen: Vec<String> = self
            .store
            .scope_devices(self.tenant, self.integration, scope_id)
            .try_filter_map(|d| async move {
                Ok((!seen.contains(&id_fingerprint(&d.external_id))).then_some(d.external_id))
            })
            .try_collect()
            .await?;
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
        Ok(())
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
        if device.scope_id.trim().is_empty() {
            return Err(format!("device {} has no scope id", device.external_id));
        }
        if device.name.trim().is_empty() {
            return Err(format!("device {} has no name", device.external_id));
        }
        Ok(())
    }
}
