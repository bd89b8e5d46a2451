use super::JobName;
use super::StoreResult;
use crate::{IntegrationId, ProviderId, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One scheduled job of one integration (`sync_schedules`), e.g. its device
/// sync or its incident poll.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledJob {
    /// Owning tenant.
    pub tenant: TenantId,
    /// Integration.
    pub integration: IntegrationId,
    /// Which job, e.g. `devices` or `incidents`.
    pub job: JobName,
    /// When it is due next.
    pub next_due_at: DateTime<Utc>,
    /// The worker holding its lease, while one does.
    pub lease_holder: Option<String>,
    /// When that lease ends unless renewed.
    pub lease_expires_at: Option<DateTime<Utc>>,
}

/// A claimed job: the right to run it until `expires_at`, unless renewed.
/// `token` identifies this claim; renewing or releasing with a token that is
/// no longer current (the lease expired and another worker took it) fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Owning tenant.
    pub tenant: TenantId,
    /// Integration.
    pub integration: IntegrationId,
    /// The integration's provider.
    pub provider: ProviderId,
    /// Which job.
    pub job: JobName,
    /// When the job was due.
    pub due_at: DateTime<Utc>,
    /// The claiming worker.
    pub holder: String,
    /// This claim.
    pub token: Uuid,
    /// When the lease ends unless renewed.
    pub expires_at: DateTime<Utc>,
    /// The worker whose expired lease this claim took over, if any: its run
    /// stopped part way.
    pub taken_over_from: Option<String>,
}

impl Lease {
    /// The fence every write made under this lease carries.
    pub fn fence(&self) -> Fence {
        Fence {
            tenant: self.tenant,
            integration: self.integration,
            job: self.job.clone(),
            token: self.token,
        }
    }
}

/// What fences a job's writes to its lease: a store view made with
/// [`ScheduleStore::fenced`] checks, in the same transaction as each write,
/// that the job's lease still has this token, and refuses the write with
/// [`StoreError::Fenced`](super::StoreError::Fenced) when it does not (the
/// lease expired and another worker took the job over, or it was released).
/// Serializable, so a job sent to another process keeps its fence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fence {
    /// Owning tenant.
    pub tenant: TenantId,
    /// Integration.
    pub integration: IntegrationId,
    /// Which job.
    pub job: JobName,
    /// The claim's token.
    pub token: Uuid,
}

/// The schedule of every integration's jobs and the leases that let any
/// number of workers share them.
///
/// Unlike the other ports, [`claim_due_jobs`](Self::claim_due_jobs) reads
/// across tenants: it is the scheduler's one entry point, and each lease it
/// returns names its tenant, which scopes everything done under it. Times are
/// the caller's clock, so the workers' clocks must agree (NTP) to within a
/// small part of the lease length.
#[async_trait]
pub trait ScheduleStore: Send + Sync {
    /// Adds `job` to the integration's schedule, due at `due_at`; a job
    /// already scheduled keeps its time.
    async fn ensure_job(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        job: &JobName,
        due_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Sets when `job` is due next (adding it when missing), e.g. "sync now".
    async fn set_job_due(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        job: &JobName,
        due_at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Removes every job of the integration; returns how many there were.
    async fn unschedule_integration(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<u64>;

    /// The integration's scheduled jobs, by job name.
    async fn list_scheduled_jobs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Vec<ScheduledJob>>;

    /// Claims up to `limit` jobs of active integrations, of any tenant, that
    /// are due at `now` and not leased (or whose lease expired before `now`),
    /// earliest due first, leasing them to `holder` until `expires_at`.
    /// Concurrent callers never claim the same job.
    async fn claim_due_jobs(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Lease>>;

    /// Extends a lease still held to `expires_at`; `false` when it is no
    /// longer held (it expired and was taken over, or was released).
    async fn renew_lease(&self, lease: &Lease, expires_at: DateTime<Utc>) -> StoreResult<bool>;

    /// Ends a lease still held and sets when the job is due next; `false`
    /// (and nothing changed) when it is no longer held.
    async fn release_lease(&self, lease: &Lease, next_due_at: DateTime<Utc>) -> StoreResult<bool>;

    /// This store, with every write of every port (except the schedule's
    /// own lease calls) fenced by `fence`: checked in the write's own
    /// transaction, so a worker that lost its lease lands nothing.
    fn fenced(&self, fence: Fence) -> std::sync::Arc<dyn super::Store>;
}
