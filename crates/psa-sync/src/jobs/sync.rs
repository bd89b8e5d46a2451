use super::connection::open;
use super::run::{JobKind, JobSummary, record};
use crate::SyncError;
use crate::events::Observer;
use chrono::Duration;
use psa_ingest::engine::assets::{AssetEngine, AssetEngineOptions, AssetSyncReport, SyncMode};
use psa_ingest::engine::incidents::{IncidentEngine, IncidentPollReport};
use psa_ingest::engine::scopes::{self, ScopeSyncReport};
use psa_ingest::ports::Store;
use psa_ingest::progress::{Progress, ProgressEvent};
use psa_ingest::{IntegrationId, TenantId};
use psa_registry::{Count, ProviderRegistry};

/// An incremental walk starts this much before the last run started, so a
/// device whose change raced the last walk is not missed (re-reading it
/// costs nothing: its hash has not changed).
const INCREMENTAL_OVERLAP_MINUTES: i64 = 5;

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

/// A step's record: the report's counts plus the records the connection
/// skipped, and every problem (a skipped record is one: the run partly
/// failed, though nothing stopped it).
fn summarize<T: serde::Serialize>(
    report: &T,
    requests_made: u64,
    records_skipped: &Count,
    mut problems: Vec<String>,
) -> JobSummary {
    let mut counts = serde_json::to_value(report).unwrap_or_else(|_| serde_json::json!({}));
    let skipped = records_skipped.get();
    if let Some(map) = counts.as_object_mut() {
        map.insert("records_skipped".to_owned(), skipped.into());
    }
    if skipped > 0 {
        problems.push(format!(
            "{skipped} records could not be read and were skipped (the logs show them)"
        ));
    }
    JobSummary {
        counts,
        requests_made,
        partial_failure: (!problems.is_empty()).then(|| problems.join("; ")),
    }
}

/// Syncs the integration's scopes and auto-matches them to clients.
pub async fn sync_scopes<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<ScopeSyncReport, SyncError> {
    observed_sync_scopes(store, registry, tenant, integration, &Observer::default()).await
}

pub(crate) async fn observed_sync_scopes<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
    observer: &Observer,
) -> Result<ScopeSyncReport, SyncError> {
    record(
        store,
        tenant,
        integration,
        JobKind::Scopes,
        observer,
        async {
            let (record, connection) = open(store, registry, tenant, integration).await?;
            let source = connection.scopes.ok_or(SyncError::Unsupported {
                provider: record.provider.clone(),
                capability: "scope source",
            })?;
            let report = scopes::sync_scopes(store, tenant, integration, source.as_ref()).await?;
            let summary = summarize(
                &report,
                connection.requests_made.get(),
                &connection.records_skipped,
                Vec::new(),
            );
            Ok((report, summary))
        },
    )
    .await
}

/// Syncs the integration's devices into assets: a full walk when `full` is
/// set or no full walk has completed yet, else the devices changed since the
/// last walk.
pub async fn sync_devices<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
    full: bool,
    options: AssetEngineOptions,
) -> Result<AssetSyncReport, SyncError> {
    observed_sync_devices(
        store,
        registry,
        tenant,
        integration,
        full,
        options,
        &Observer::default(),
    )
    .await
}

pub(crate) async fn observed_sync_devices<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
    full: bool,
    options: AssetEngineOptions,
    observer: &Observer,
) -> Result<AssetSyncReport, SyncError> {
    let current = store
        .get_integration(tenant, integration)
        .await?
        .ok_or_else(|| SyncError::IntegrationNotFound(integration.to_string()))?;
    let last = current
        .last_incremental_sync_at
        .max(current.last_full_sync_at);
    let (kind, mode) = match (full, current.last_full_sync_at, last) {
        (false, Some(_), Some(last)) => (
            JobKind::DevicesIncremental,
            SyncMode::Incremental {
                since: last - Duration::minutes(INCREMENTAL_OVERLAP_MINUTES),
            },
        ),
        _ => (
            JobKind::DevicesFull,
            SyncMode::Full {
                id_changes_since: last,
            },
        ),
    };
    record(store, tenant, integration, kind, observer, async {
        let (record, connection) = open(store, registry, tenant, integration).await?;
        let source = connection.devices.ok_or(SyncError::Unsupported {
            provider: record.provider.clone(),
            capability: "device source",
        })?;
        // Each batch written also reports the requests made so far.
        let requests = connection.requests_made.clone();
        let observed = observer.progress(tenant, integration, kind);
        let progress = Progress::new(move |event| {
            observed.emit(event);
            if matches!(event, ProgressEvent::DevicesWritten { .. }) {
                observed.emit(&ProgressEvent::RequestsMade {
                    total: requests.get(),
                });
            }
        });
        let engine = AssetEngine::new(store, tenant, integration, record.provider.clone(), options)
            .await?
            .with_progress(progress);
        let report = engine.sync(source.as_ref(), mode).await?;
        let mut problems = Vec::new();
        if !report.failed.is_empty() {
            problems.push(format!("{} devices failed", report.failed.len()));
        }
        for (scope, error) in &report.incomplete_scopes {
            problems.push(format!("walk of scope {scope} stopped: {error}"));
        }
        let summary = summarize(
            &report,
            connection.requests_made.get(),
            &connection.records_skipped,
            problems,
        );
        Ok((report, summary))
    })
    .await
}

/// Runs one incident poll cycle. Refuses to run (naming every missing
/// setting) until the incident settings are complete.
pub async fn poll_incidents<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<IncidentPollReport, SyncError> {
    observed_poll_incidents(store, registry, tenant, integration, &Observer::default()).await
}

pub(crate) async fn observed_poll_incidents<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    tenant: TenantId,
    integration: IntegrationId,
    observer: &Observer,
) -> Result<IncidentPollReport, SyncError> {
    let progress = observer.progress(tenant, integration, JobKind::Incidents);
    record(
        store,
        tenant,
        integration,
        JobKind::Incidents,
        observer,
        async {
            let (record, connection) = open(store, registry, tenant, integration).await?;
            let provider = registry
                .get(&record.provider)
                .ok_or_else(|| SyncError::UnknownProvider(record.provider.clone()))?;
            let source = connection.incidents.ok_or(SyncError::Unsupported {
                provider: record.provider.clone(),
                capability: "incident source",
            })?;
            let engine = IncidentEngine::new(
                store,
                tenant,
                integration,
                provider.descriptor().title.clone(),
            )
            .await?
            .with_progress(progress);
            let report = engine.poll(source.as_ref()).await?;
            let problems = report
                .failed
                .iter()
                .map(|f| format!("incident {} failed: {}", f.external_id, f.error))
                .collect();
            let summary = summarize(
                &report,
                report.requests_made,
                &connection.records_skipped,
                problems,
            );
            Ok((report, summary))
        },
    )
    .await
}
