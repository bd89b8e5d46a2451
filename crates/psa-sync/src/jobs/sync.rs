use super::context::JobContext;
use super::run::{DeviceStateSummary, JobKind, JobSummary, record};
use crate::SyncError;
use crate::asset_settings::AssetSettings;
use psa_ingest::engine::assets::{AssetEngine, AssetEngineOptions, AssetSyncReport, SyncMode};
use psa_ingest::engine::incidents::{IncidentEngine, IncidentPollReport, IncidentStream};
use psa_ingest::engine::scopes::{self, ScopeSyncReport};
use psa_ingest::engine::usage;
use psa_ingest::ports::{ScopeMapping, Store, WalkKind};
use psa_ingest::progress::{Progress, ProgressEvent};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::Count;

/// What a job did, for callers that handle any job alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobReport {
    /// A scope sync.
    Scopes(ScopeSyncReport),
    /// A device sync.
    Devices(AssetSyncReport),
    /// An incident poll.
    Incidents(IncidentPollReport),
}

/// One line of counts, as an operator reads it: `40 found, 3 new, 2
/// matched, 1 unmapped` for a scope sync.
impl std::fmt::Display for JobReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Scopes(r) => write!(
                f,
                "{} found, {} new, {} matched, {} unmapped",
                r.discovered,
                r.created.len(),
                r.auto_matched.len(),
                r.unmapped.len()
            ),
            Self::Devices(r) => write!(
                f,
                "{} received, {} created, {} updated, {} unchanged, {} retired, {} quarantined",
                r.received, r.created, r.updated, r.unchanged, r.tombstoned, r.quarantined
            ),
            Self::Incidents(r) => write!(
                f,
                "{} received, {} tickets created, {} notes, {} closed, {} unchanged, {} assets linked, {} quarantined",
                r.received,
                r.tickets_created,
                r.notes_added,
                r.tickets_closed,
                r.unchanged,
                r.assets_linked,
                r.quarantined
            ),
        }
    }
}

/// A step's record: the report's counts plus the records the connection
/// skipped and the integration's records in quarantine, and every problem
/// (a skipped or quarantined record is one: the run partly failed, though
/// nothing stopped it).
fn summarize<T: serde::Serialize>(
    report: &T,
    requests_made: u64,
    records_skipped: &Count,
    in_quarantine: u64,
    mut problems: Vec<String>,
) -> JobSummary {
    let mut counts = serde_json::to_value(report).unwrap_or_else(|_| serde_json::json!({}));
    let skipped = records_skipped.get();
    if let Some(map) = counts.as_object_mut() {
        map.insert("records_skipped".to_owned(), skipped.into());
        map.insert("in_quarantine".to_owned(), in_quarantine.into());
    }
    if skipped > 0 {
        problems.push(format!(
            "{skipped} records could not be read and were skipped (the logs show them)"
        ));
    }
    if in_quarantine > 0 {
        problems.push(format!(
            "{in_quarantine} records of this integration are in quarantine \
             (failed for a reason of their own; listed with their errors by \
             QuarantineStore::list_quarantined, retried with backoff)"
        ));
    }
    JobSummary {
        counts,
        requests_made,
        partial_failure: (!problems.is_empty()).then(|| problems.join("; ")),
        device_state: DeviceStateSummary::default(),
    }
}

impl<S: Store + ?Sized> JobContext<'_, S> {
    /// Syncs the integration's scopes and auto-matches them to clients.
    pub async fn sync_scopes(&self) -> Result<ScopeSyncReport, SyncError> {
        let (store, tenant, integration) = (self.store, self.tenant, self.integration);
        record(
            store,
            tenant,
            integration,
            JobKind::Scopes,
            &self.observer,
            async {
                let (record, connection) = self.open().await?;
                let source = connection.scopes.ok_or(SyncError::Unsupported {
                    provider: record.provider.clone(),
                    capability: "scope source",
                })?;
                let report =
                    scopes::sync_scopes(store, tenant, integration, source.as_ref()).await?;
                let summary = summarize(
                    &report,
                    connection.requests_made.get(),
                    &connection.records_skipped,
                    0,
                    Vec::new(),
                );
                Ok((report, summary))
            },
        )
        .await
    }

    /// Syncs the integration's devices into assets. Each mapped scope is
    /// walked in full when `full` is set or the scope needs it (never fully
    /// walked since it was mapped or switched on, or last walked in full longer
    /// ago than `options.full_walk_every`), else incrementally from its own
    /// watermark. The run is `devices_full` when every walk is full.
    pub async fn sync_devices(
        &self,
        full: bool,
        options: AssetEngineOptions,
    ) -> Result<AssetSyncReport, SyncError> {
        let (store, tenant, integration) = (self.store, self.tenant, self.integration);
        let current = store
            .get_integration(tenant, integration)
            .await?
            .ok_or_else(|| SyncError::IntegrationNotFound(integration.to_string()))?;
        let assets = AssetSettings::from_settings(&current.settings)?;
        let options = AssetEngineOptions {
            retirement_guard: assets.retirement_guard,
            ..options
        };
        let engine = AssetEngine::new(
            store,
            tenant,
            integration,
            current.provider.clone(),
            options,
        )
        .await?;
        let plan = engine.plan(if full { SyncMode::Full } else { SyncMode::Auto });
        let kind = if plan.walks.iter().all(|w| w.kind == WalkKind::Full) {
            JobKind::DevicesFull
        } else {
            JobKind::DevicesIncremental
        };
        // Each batch written also reports the requests made so far.
        let observed = self.observer.progress(tenant, integration, kind);
        record(store, tenant, integration, kind, &self.observer, async {
            let (record, connection) = self.open().await?;
            let source = connection.devices.ok_or(SyncError::Unsupported {
                provider: record.provider.clone(),
                capability: "device source",
            })?;
            let requests = connection.requests_made.clone();
            let progress = Progress::new(move |event| {
                observed.emit(event);
                if matches!(event, ProgressEvent::DevicesWritten { .. }) {
                    observed.emit(&ProgressEvent::RequestsMade {
                        total: requests.get(),
                    });
                }
            });
            let engine = engine.with_progress(progress);
            // Boxed: a planned sync is a large future, kept off the caller's stack.
            let report = Box::pin(engine.sync_planned(source.as_ref(), &plan)).await?;
            if report.confirmed_retirements > 0 {
                clear_retirement_confirmation(store, tenant, integration).await?;
            }
            let mut problems = Vec::new();
            if !report.failed.is_empty() {
                problems.push(format!(
                    "{} devices failed and were quarantined (first: {} — {})",
                    report.failed.len(),
                    report.failed[0].external_id,
                    report.failed[0].error
                ));
            }
            for (scope, error) in &report.incomplete_scopes {
                problems.push(format!("walk of scope {scope} stopped: {error}"));
            }
            for (_, message) in &report.guarded_scopes {
                problems.push(message.clone());
            }
            let mut summary = summarize(
                &report,
                connection.requests_made.get(),
                &connection.records_skipped,
                store.count_quarantined(tenant, integration).await?,
                problems,
            );
            summary.device_state =
                device_state(&store.list_scope_mappings(tenant, integration).await?);
            // Today's endpoints per mapped scope, for the usage report.
            usage::record_device_counts(
                store,
                tenant,
                integration,
                chrono::Utc::now().date_naive(),
            )
            .await?;
            Ok((report, summary))
        })
        .await
    }
}

/// The integration's device fields from its mapped scopes' state: each the
/// oldest of its scopes', and only when every mapped scope has one.
fn device_state(mappings: &[ScopeMapping]) -> DeviceStateSummary {
    let mapped: Vec<&ScopeMapping> = mappings.iter().filter(|m| m.syncs_assets()).collect();
    let oldest = |pick: fn(&ScopeMapping) -> Option<chrono::DateTime<chrono::Utc>>| {
        mapped
            .iter()
            .map(|m| pick(m))
            .collect::<Option<Vec<_>>>()
            .and_then(|all| all.into_iter().min())
    };
    DeviceStateSummary {
        last_full_sync_at: oldest(|m| m.device_sync.full_walk_at),
        last_incremental_sync_at: oldest(|m| m.device_sync.watermark),
    }
}

/// A person's confirmation allows one guarded retirement: cleared once a
/// walk used it (compare-and-set; a settings change meanwhile wins and the
/// confirmation stays for a person to see).
async fn clear_retirement_confirmation<S: Store + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<(), SyncError> {
    let Some(record) = store.get_integration(tenant, integration).await? else {
        return Ok(());
    };
    let mut settings = record.settings;
    if let Some(section) = settings
        .get_mut(AssetSettings::KEY)
        .and_then(|s| s.as_object_mut())
    {
        section.remove(AssetSettings::CONFIRM_RETIREMENT);
    }
    if let Err(error) = store
        .update_settings(tenant, integration, record.settings_version, settings)
        .await
    {
        tracing::warn!(%tenant, %integration, %error, "could not clear assets.confirm_retirement");
    }
    Ok(())
}

impl<S: Store + ?Sized> JobContext<'_, S> {
    /// Runs one incident poll cycle. Refuses to run (naming every missing
    /// setting) until the incident settings are complete.
    pub async fn poll_incidents(&self) -> Result<IncidentPollReport, SyncError> {
        self.poll_stream(JobKind::Incidents).await
    }

    /// Runs one escalation poll cycle: the incident pipeline on the
    /// provider's escalation stream (its own cursor and quarantine; the
    /// same routing, notes and auto-close).
    pub async fn poll_escalations(&self) -> Result<IncidentPollReport, SyncError> {
        self.poll_stream(JobKind::Escalations).await
    }

    async fn poll_stream(&self, kind: JobKind) -> Result<IncidentPollReport, SyncError> {
        let (store, tenant, integration) = (self.store, self.tenant, self.integration);
        let progress = self.observer.progress(tenant, integration, kind);
        record(store, tenant, integration, kind, &self.observer, async {
            let (record, connection) = self.open().await?;
            let provider = self.registry.get(&record.provider)?;
            let (source, stream, what) = match kind {
                JobKind::Escalations => (
                    connection.escalations,
                    IncidentStream::ESCALATIONS,
                    "escalation source",
                ),
                _ => (
                    connection.incidents,
                    IncidentStream::INCIDENTS,
                    "incident source",
                ),
            };
            let source = source.ok_or(SyncError::Unsupported {
                provider: record.provider.clone(),
                capability: what,
            })?;
            let engine = IncidentEngine::new(
                store,
                tenant,
                integration,
                provider.descriptor().title.clone(),
            )
            .await?
            .with_stream(stream)
            .with_progress(progress);
            // Boxed: a poll cycle is a large future, kept off the caller's stack.
            let report = Box::pin(engine.poll(source.as_ref())).await?;
            let mut problems: Vec<String> = report
                .failed
                .iter()
                .map(|f| format!("{} {} failed: {}", stream.pipeline, f.external_id, f.error))
                .collect();
            if let Some(first) = report.quarantine_failures.first() {
                problems.push(format!(
                    "{} records failed and were quarantined (first: {} — {})",
                    report.quarantined, first.external_id, first.error
                ));
            }
            let summary = summarize(
                &report,
                report.requests_made,
                &connection.records_skipped,
                store.count_quarantined(tenant, integration).await?,
                problems,
            );
            Ok((report, summary))
        })
        .await
    }
}
