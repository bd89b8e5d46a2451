//! One scheduled job, run to the end: what a transport carries and what its
//! far side calls.

use super::context::JobContext;
use super::sync::JobReport;
use crate::SyncError;
use crate::events::SyncSubscriber;
use crate::schedule::{Job, ScheduleSettings};
use chrono::Utc;
use psa_ingest::engine::assets::AssetEngineOptions;
use psa_ingest::ports::{Fence, Integration, RunOutcome, Store, SyncStateUpdate, SyncStatus};
use psa_ingest::{IntegrationId, ProviderId, TenantId};
use psa_registry::ProviderRegistry;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// A job to run, as the worker hands it to a
/// [`SyncTransport`](crate::SyncTransport). Serializable, so a transport can
/// put it on a queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRequest {
    /// The tenant.
    pub tenant: TenantId,
    /// The integration.
    pub integration: IntegrationId,
    /// Its provider.
    pub provider: ProviderId,
    /// Which job.
    pub job: Job,
    /// The lease the job runs under: every write it makes is fenced by it,
    /// so a run whose lease was taken over lands nothing. `None` (a run
    /// started by hand, outside the worker) writes unfenced.
    #[serde(default)]
    pub fence: Option<Fence>,
}

/// Runs one job to the end, each step recorded as a sync run:
///
/// - [`Job::Devices`]: a scope sync when some mapped scope was not walked in
///   full within `schedule.full_sync_hours`, then a device sync that walks
///   in full each scope that needs it and the others incrementally;
/// - [`Job::Incidents`]: one incident poll cycle;
/// - [`Job::Scopes`]: a scope sync.
///
/// Returns the reports of the steps that ran; the first failing step ends
/// the job with its error. With a fence, every write goes through
/// [`ScheduleStore::fenced`](psa_ingest::ports::ScheduleStore::fenced). A job
/// that runs past `schedule.job_deadline_seconds` is stopped: its open run
/// is recorded as failed and the error is [`SyncError::DeadlineExceeded`].
pub async fn run_job<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    request: &JobRequest,
    subscriber: Option<Arc<dyn SyncSubscriber>>,
) -> Result<Vec<JobReport>, SyncError> {
    match &request.fence {
        Some(fence) => {
            let fenced = store.fenced(fence.clone());
            run_within_deadline(fenced.as_ref(), registry, request, subscriber).await
        }
        None => run_within_deadline(store, registry, request, subscriber).await,
    }
}

async fn run_within_deadline<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    request: &JobRequest,
    subscriber: Option<Arc<dyn SyncSubscriber>>,
) -> Result<Vec<JobReport>, SyncError> {
    let (tenant, integration) = (request.tenant, request.integration);
    let record = store
        .get_integration(tenant, integration)
        .await?
        .ok_or_else(|| SyncError::IntegrationNotFound(integration.to_string()))?;
    let schedule = ScheduleSettings::from_settings(&record.settings)?;
    let deadline = schedule.job_deadline.to_std().unwrap_or(Duration::MAX);
    match tokio::time::timeout(
        deadline,
        run_steps(store, registry, request, &record, schedule, subscriber),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => {
            let error = SyncError::DeadlineExceeded {
                job: request.job,
                seconds: schedule.job_deadline.num_seconds(),
            };
            // The step that was running was dropped mid-way (its open
            // transaction rolled back): close its run so it does not read
            // as running.
            let message = error.user_message();
            store
                .abandon_sync_runs(
                    tenant,
                    integration,
                    request.job.run_kinds(),
                    RunOutcome::Failed,
                    &message,
                )
                .await?;
            store
                .update_sync_state(
                    tenant,
                    integration,
                    SyncStateUpdate {
                        status: SyncStatus::Error,
                        sync_error: Some(message),
                        last_sync_at: None,
                        last_full_sync_at: None,
                        last_incremental_sync_at: None,
                    },
                )
                .await?;
            Err(error)
        }
    }
}

async fn run_steps<S: Store + ?Sized>(
    store: &S,
    registry: &ProviderRegistry,
    request: &JobRequest,
    record: &Integration,
    schedule: ScheduleSettings,
    subscriber: Option<Arc<dyn SyncSubscriber>>,
) -> Result<Vec<JobReport>, SyncError> {
    let job = JobContext::new(store, registry, request.tenant, request.integration)
        .observed_by(subscriber);
    match request.job {
        Job::Incidents => Ok(vec![JobReport::Incidents(job.poll_incidents().await?)]),
        Job::Escalations => Ok(vec![JobReport::Incidents(job.poll_escalations().await?)]),
        Job::Scopes => Ok(vec![JobReport::Scopes(job.sync_scopes().await?)]),
        Job::Devices => {
            // `last_full_sync_at` is the oldest scope's full walk: when one
            // is due, the scopes are synced first (new groups, renames).
            let scopes_due = record
                .last_full_sync_at
                .is_none_or(|last| Utc::now() - last >= schedule.full_sync);
            let mut reports = Vec::new();
            if scopes_due {
                reports.push(JobReport::Scopes(job.sync_scopes().await?));
            }
            let devices = job
                .sync_devices(
                    false,
                    AssetEngineOptions {
                        full_walk_every: Some(schedule.full_sync),
                        max_pages_per_walk: schedule.max_pages_per_walk,
                        ..AssetEngineOptions::default()
                    },
                )
                .await?;
            reports.push(JobReport::Devices(devices));
            Ok(reports)
        }
    }
}
