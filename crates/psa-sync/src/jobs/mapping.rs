//! A person's mapping decisions, through the jobs API: the store records
//! them, and the device sync is brought forward so the assets appear
//! without waiting for the interval.

use crate::SyncError;
use crate::schedule::{Job, ScheduleSettings};
use chrono::Utc;
use psa_ingest::ports::{ScopeLinkBy, Store};
use psa_ingest::{ClientId, IntegrationId, TenantId};

/// Links a scope to a client (or with `None` unlinks it) as a person's
/// decision, which the auto-matcher never overrides. A link to another
/// client makes the device sync due within `schedule.after_mapping_seconds`
/// (it walks that scope in full). Returns whether the mapping changed.
pub async fn map_scope<S: Store + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    scope: &str,
    client: Option<ClientId>,
) -> Result<bool, SyncError> {
    let before = store.get_scope_mapping(tenant, integration, scope).await?;
    let changed = store
        .link_scope(tenant, integration, scope, client, ScopeLinkBy::User)
        .await?;
    let relinked = client.is_some() && before.is_some_and(|b| b.client_id != client);
    if relinked {
        bring_device_sync_forward(store, tenant, integration).await?;
    }
    Ok(changed)
}

/// Sets a scope's two switches. Turning asset sync on makes the device
/// sync due within `schedule.after_mapping_seconds` (it walks that scope in
/// full).
pub async fn set_scope_switches<S: Store + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    scope: &str,
    auto_sync_assets: bool,
    auto_create_tickets: bool,
) -> Result<(), SyncError> {
    let before = store.get_scope_mapping(tenant, integration, scope).await?;
    store
        .set_scope_flags(
            tenant,
            integration,
            scope,
            auto_sync_assets,
            auto_create_tickets,
        )
        .await?;
    let switched_on = auto_sync_assets && before.is_some_and(|b| !b.auto_sync_assets);
    if switched_on {
        bring_device_sync_forward(store, tenant, integration).await?;
    }
    Ok(())
}

/// Makes a scheduled job due now: the worker runs it at its next claim.
/// A job not on the integration's schedule is [`SyncError::NotScheduled`].
pub async fn run_now<S: Store + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    job: Job,
) -> Result<(), SyncError> {
    let scheduled = store
        .list_scheduled_jobs(tenant, integration)
        .await?
        .iter()
        .any(|j| j.job == job.name());
    if !scheduled {
        return Err(SyncError::NotScheduled {
            integration: integration.to_string(),
            job,
        });
    }
    store
        .set_job_due(tenant, integration, &job.name(), Utc::now())
        .await?;
    Ok(())
}

/// Makes a scheduled device job due within `after_mapping` (a job due
/// sooner keeps its time; an integration without the job is left alone).
async fn bring_device_sync_forward<S: Store + ?Sized>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<(), SyncError> {
    let Some(record) = store.get_integration(tenant, integration).await? else {
        return Ok(());
    };
    let due = Utc::now() + ScheduleSettings::from_settings(&record.settings)?.after_mapping;
    let job = store
        .list_scheduled_jobs(tenant, integration)
        .await?
        .into_iter()
        .find(|j| j.job == Job::Devices.name());
    if job.is_some_and(|j| j.next_due_at > due) {
        store
            .set_job_due(tenant, integration, &Job::Devices.name(), due)
            .await?;
    }
    Ok(())
}
