//! Every sync job runs inside [`record`]: a `sync_runs` row, and the
//! integration's sync status, error and timestamps, whatever the outcome.

use crate::SyncError;
use crate::events::{Observer, SyncEventKind};
use chrono::{DateTime, Utc};
use psa_ingest::ports::{RunFinish, RunKind, RunOutcome, Store, SyncStateUpdate, SyncStatus};
use psa_ingest::{IntegrationId, TenantId};
use std::future::Future;
use tracing::Instrument;

/// What a run does (the `sync_runs.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// Scope sync and auto-match.
    Scopes,
    /// Full device walk.
    DevicesFull,
    /// Incremental device walk.
    DevicesIncremental,
    /// Incident poll.
    Incidents,
    /// Escalation poll.
    Escalations,
}

impl JobKind {
    /// The kinds one run of this kind stands in for: a device sync is full
    /// or incremental, and one replaces the other.
    fn family(self) -> &'static [RunKind] {
        const SCOPES: &[RunKind] = &[RunKind::Scopes];
        const DEVICES: &[RunKind] = &[RunKind::DevicesFull, RunKind::DevicesIncremental];
        const INCIDENTS: &[RunKind] = &[RunKind::Incidents];
        const ESCALATIONS: &[RunKind] = &[RunKind::Escalations];
        match self {
            Self::Scopes => SCOPES,
            Self::DevicesFull | Self::DevicesIncremental => DEVICES,
            Self::Incidents => INCIDENTS,
            Self::Escalations => ESCALATIONS,
        }
    }

    /// The `sync_runs.kind` of a run of this kind.
    pub fn run_kind(self) -> RunKind {
        RunKind::parse(self.as_str())
    }

    /// The kind a `sync_runs.kind` value names; `None` for one this
    /// version does not know.
    pub fn parse(kind: &str) -> Option<Self> {
        [
            Self::Scopes,
            Self::DevicesFull,
            Self::DevicesIncremental,
            Self::Incidents,
            Self::Escalations,
        ]
        .into_iter()
        .find(|k| k.as_str() == kind)
    }

    /// The `sync_runs.kind` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scopes => "scopes",
            Self::DevicesFull => "devices_full",
            Self::DevicesIncremental => "devices_incremental",
            Self::Incidents => "incidents",
            Self::Escalations => "escalations",
        }
    }
}

/// What a finished job reports to [`record`].
pub(crate) struct JobSummary {
    pub(crate) counts: serde_json::Value,
    pub(crate) requests_made: u64,
    /// Some records failed; the message says which.
    pub(crate) partial_failure: Option<String>,
    /// A device sync: the integration's summary of its scopes' state (the
    /// oldest complete full walk and the oldest watermark); `None` keeps
    /// the stored value.
    pub(crate) device_state: DeviceStateSummary,
}

/// The integration's `last_full_sync_at` and `last_incremental_sync_at`,
/// as a summary of its mapped scopes: set only when every mapped scope has
/// one, so they keep meaning "every mapped scope".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct DeviceStateSummary {
    pub(crate) last_full_sync_at: Option<DateTime<Utc>>,
    pub(crate) last_incremental_sync_at: Option<DateTime<Utc>>,
}

/// Runs `job` as one recorded run of `kind`.
pub(crate) async fn record<S, T, F>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    kind: JobKind,
    observer: &Observer,
    job: F,
) -> Result<T, SyncError>
where
    S: Store + ?Sized,
    F: Future<Output = Result<(T, JobSummary), SyncError>>,
{
    // A run of this kind still open was stopped part way (its process died,
    // or the store failed before its end was recorded): one job runs per
    // kind at a time, so it is closed now rather than read as running.
    store
        .abandon_sync_runs(
            tenant,
            integration,
            kind.family(),
            RunOutcome::Failed,
            "stopped before it finished (the worker stopped or the store failed); closed when the next run started",
        )
        .await?;
    let started_at = Utc::now();
    let run = store
        .start_sync_run(tenant, integration, &kind.run_kind(), started_at)
        .await?;
    store
        .update_sync_state(
            tenant,
            integration,
            state(
                SyncStatus::Syncing,
                None,
                None,
                DeviceStateSummary::default(),
            ),
        )
        .await?;
    observer.emit(tenant, integration, kind, SyncEventKind::Started { run });
    let span =
        tracing::info_span!("sync_run", %tenant, %integration, run = %run, kind = kind.as_str());
    match job.instrument(span).await {
        Ok((value, summary)) => {
            let outcome = if summary.partial_failure.is_some() {
                RunOutcome::PartiallyFailed
            } else {
                RunOutcome::Succeeded
            };
            store
                .finish_sync_run(
                    tenant,
                    run,
                    RunFinish {
                        outcome,
                        counts: summary.counts,
                        requests_made: i64::try_from(summary.requests_made).unwrap_or(i64::MAX),
                        error: summary.partial_failure.clone(),
                    },
                )
                .await?;
            observer.emit(
                tenant,
                integration,
                kind,
                SyncEventKind::Finished {
                    run,
                    outcome,
                    error: summary.partial_failure.clone(),
                },
            );
            let finished = Some(Utc::now());
            store
                .update_sync_state(
                    tenant,
                    integration,
                    state(
                        SyncStatus::Completed,
                        summary.partial_failure,
                        finished,
                        summary.device_state,
                    ),
                )
                .await?;
            Ok(value)
        }
        Err(error) => {
            let message = error.user_message();
            tracing::warn!(%tenant, %integration, kind = kind.as_str(), error = %message, "sync run failed");
            store
                .finish_sync_run(
                    tenant,
                    run,
                    RunFinish {
                        outcome: RunOutcome::Failed,
                        counts: serde_json::json!({}),
                        requests_made: 0,
                        error: Some(message.clone()),
                    },
                )
                .await?;
            store
                .update_sync_state(
                    tenant,
                    integration,
                    state(
                        SyncStatus::Error,
                        Some(message.clone()),
                        None,
                        DeviceStateSummary::default(),
                    ),
                )
                .await?;
            observer.emit(
                tenant,
                integration,
                kind,
                SyncEventKind::Finished {
                    run,
                    outcome: RunOutcome::Failed,
                    error: Some(message),
                },
            );
            Err(error)
        }
    }
}

/// The sync fields to write. The device fields come from the scopes'
/// state (only a device sync sets them; an incident poll keeps its own
/// cursor and never moves them).
fn state(
    status: SyncStatus,
    sync_error: Option<String>,
    finished: Option<DateTime<Utc>>,
    devices: DeviceStateSummary,
) -> SyncStateUpdate {
    SyncStateUpdate {
        status,
        sync_error,
        last_sync_at: finished,
        last_full_sync_at: devices.last_full_sync_at,
        last_incremental_sync_at: devices.last_incremental_sync_at,
    }
}
