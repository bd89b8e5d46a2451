//! The worker: claims due jobs through leases in the store, runs them
//! through a transport, and releases them with their next due time.
//!
//! Any number of workers (in one process or many) share one store: a claim
//! never hands one job to two workers, and a worker that dies leaves leases
//! that expire and are taken over. While a job runs its lease is renewed
//! every third of its length; a worker that finds its lease gone (it was
//! paused too long and another worker took over), or cannot renew it, stops
//! the job at once. Every write of the job is fenced by its lease in the
//! store, so a paused worker that resumes after a takeover lands nothing.

mod config;

pub use config::{WorkerConfig, WorkerConfigError};

use crate::SyncError;
use crate::events::SyncSubscriber;
use crate::jobs::JobRequest;
use crate::schedule::Job;
use crate::transport::{DirectTransport, SyncTransport, Transports};
use chrono::{DateTime, TimeDelta, Utc};
use psa_ingest::ports::{Lease, RunOutcome, Store};
use psa_registry::ProviderRegistry;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Reads an environment variable (the process environment, or a test's map).
type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Builds a [`Worker`].
pub struct WorkerBuilder<S: ?Sized> {
    store: Arc<S>,
    registry: Arc<ProviderRegistry>,
    config: WorkerConfig,
    named: BTreeMap<String, Arc<dyn SyncTransport>>,
    subscriber: Option<Arc<dyn SyncSubscriber>>,
    env: EnvLookup,
}

impl<S: Store + ?Sized + 'static> WorkerBuilder<S> {
    /// Sets how the worker runs (default: [`WorkerConfig::default`]).
    pub fn config(mut self, config: WorkerConfig) -> Self {
        self.config = config;
        self
    }

    /// Registers a transport under `name`, for `<PROVIDER>_SYNC_TRANSPORT`
    /// or `RMM_SYNC_TRANSPORT` to choose.
    pub fn transport(mut self, name: impl Into<String>, transport: Arc<dyn SyncTransport>) -> Self {
        self.named.insert(name.into(), transport);
        self
    }

    /// Sends every event of the jobs run by the direct transport to
    /// `subscriber`.
    pub fn subscriber(mut self, subscriber: Arc<dyn SyncSubscriber>) -> Self {
        self.subscriber = Some(subscriber);
        self
    }

    /// Reads the transport variables through `env` instead of the process
    /// environment.
    pub fn env(mut self, env: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Box::new(env);
        self
    }

    /// The worker; fails when a transport variable names an unregistered
    /// transport.
    pub fn build(self) -> Result<Worker<S>, WorkerConfigError> {
        let direct: Arc<dyn SyncTransport> = Arc::new(DirectTransport::new(
            Arc::clone(&self.store),
            Arc::clone(&self.registry),
            self.subscriber,
        ));
        let transports = Transports::resolve(
            self.registry.descriptors().map(|d| d.id.clone()),
            &self.named,
            direct,
            &*self.env,
        )?;
        Ok(Worker {
            inner: Arc::new(Inner {
                store: self.store,
                config: self.config,
                transports,
                wake: Arc::new(tokio::sync::Notify::new()),
            }),
        })
    }
}

/// Keeps every tenant's integrations in sync: claims due jobs through leases
/// in the store, runs them through a transport, and releases them with their
/// next due time. Any number of workers (in one process or many) share one
/// store; a dead worker's leases expire and are taken over. See
/// `docs/operations.md`.
pub struct Worker<S: ?Sized> {
    inner: Arc<Inner<S>>,
}

struct Inner<S: ?Sized> {
    store: Arc<S>,
    config: WorkerConfig,
    transports: Transports,
    wake: Arc<tokio::sync::Notify>,
}

/// Wakes a running [`Worker`] to claim due jobs now instead of at its next
/// tick: what a webhook poke in the same process calls after making a job
/// due. Cheap to clone; waking a worker that is not waiting does nothing
/// more than shorten its next wait.
#[derive(Clone)]
pub struct WorkerWaker(Arc<tokio::sync::Notify>);

impl WorkerWaker {
    /// Claims due jobs now.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

impl std::fmt::Debug for WorkerWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkerWaker")
    }
}

/// What a worker did until it returned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WorkerReport {
    /// Jobs that ran to the end and succeeded.
    pub succeeded: u64,
    /// Jobs that ran to the end and failed (their run records say why).
    pub failed: u64,
    /// Jobs stopped because their lease was taken over.
    pub lease_lost: u64,
    /// Jobs stopped by shutdown, their leases released.
    pub stopped: u64,
}

impl WorkerReport {
    fn count(&mut self, end: JobEnd) {
        match end {
            JobEnd::Succeeded => self.succeeded += 1,
            JobEnd::Failed => self.failed += 1,
            JobEnd::LeaseLost => self.lease_lost += 1,
            JobEnd::Stopped => self.stopped += 1,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum JobEnd {
    Succeeded,
    Failed,
    LeaseLost,
    Stopped,
}

impl<S: Store + ?Sized + 'static> Worker<S> {
    /// A builder for a worker on `store` running `registry`'s providers.
    /// Transport variables are read from the process environment.
    pub fn builder(store: Arc<S>, registry: Arc<ProviderRegistry>) -> WorkerBuilder<S> {
        WorkerBuilder {
            store,
            registry,
            config: WorkerConfig::default(),
            named: BTreeMap::new(),
            subscriber: None,
            env: Box::new(|name| std::env::var(name).ok()),
        }
    }

    /// The worker's settings.
    pub fn config(&self) -> &WorkerConfig {
        &self.inner.config
    }

    /// A handle that makes this worker claim due jobs at once.
    pub fn waker(&self) -> WorkerWaker {
        WorkerWaker(Arc::clone(&self.inner.wake))
    }

    /// Runs until `shutdown` is cancelled: every tick, claims as many due
    /// jobs as it has room for and runs them. On shutdown it claims nothing
    /// more, lets running jobs finish within the shutdown grace, then stops
    /// the rest and releases their leases (their runs are recorded as
    /// cancelled; the jobs stay due). A failing store is logged and retried
    /// on the next tick.
    pub async fn run(&self, shutdown: CancellationToken) -> WorkerReport {
        match self.drive(&shutdown, false).await {
            Ok(report) | Err((report, _)) => report,
        }
    }

    /// Runs every job due now (and any that come due meanwhile), then
    /// returns once nothing is due and nothing runs: for one-shot runs
    /// (cron, examples, tests). A failing claim ends it with the error.
    pub async fn run_until_idle(&self) -> Result<WorkerReport, SyncError> {
        self.drive(&CancellationToken::new(), true)
            .await
            .map_err(|(_, error)| error)
    }

    async fn drive(
        &self,
        shutdown: &CancellationToken,
        until_idle: bool,
    ) -> Result<WorkerReport, (WorkerReport, SyncError)> {
        let config = &self.inner.config;
        let lease_length = TimeDelta::from_std(config.lease).unwrap_or(TimeDelta::minutes(5));
        let stop = CancellationToken::new();
        let mut running: JoinSet<JobEnd> = JoinSet::new();
        let mut report = WorkerReport::default();
        let mut failure = None;
        let span = tracing::info_span!("sync_worker", worker = %config.id);
        async {
            while !shutdown.is_cancelled() {
                let room = config.max_jobs.saturating_sub(running.len());
                if room > 0 {
                    let now = Utc::now();
                    match self
                        .inner
                        .store
                        .claim_due_jobs(&config.id, now, now + lease_length, room as i64)
                        .await
                    {
                        Ok(leases) => {
                            for lease in leases {
                                let inner = Arc::clone(&self.inner);
                                running.spawn(run_leased(inner, lease, stop.clone()));
                            }
                        }
                        Err(error) if until_idle => {
                            failure = Some(SyncError::from(error));
                            break;
                        }
                        Err(error) => {
                            tracing::warn!(%error, "could not claim due jobs; retrying next tick");
                        }
                    }
                }
                if until_idle {
                    // Nothing runs after a claim found nothing: idle.
                    match running.join_next().await {
                        Some(end) => report.count(joined(end)),
                        None => break,
                    }
                    continue;
                }
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    Some(end) = running.join_next(), if !running.is_empty() => {
                        report.count(joined(end));
                    }
                    () = tokio::time::sleep(config.tick) => {}
                    () = self.inner.wake.notified() => {}
                }
            }

            // Shutdown (or a failed one-shot claim): finish within the grace,
            // then stop what still runs.
            let grace = tokio::time::sleep(config.shutdown_grace);
            tokio::pin!(grace);
            loop {
                tokio::select! {
                    end = running.join_next() => match end {
                        Some(end) => report.count(joined(end)),
                        None => break,
                    },
                    () = &mut grace => {
                        stop.cancel();
                        while let Some(end) = running.join_next().await {
                            report.count(joined(end));
                        }
                        break;
                    }
                }
            }
        }
        .instrument(span)
        .await;
        match failure {
            None => Ok(report),
            Some(error) => Err((report, error)),
        }
    }
}

fn joined(end: Result<JobEnd, tokio::task::JoinError>) -> JobEnd {
    end.unwrap_or_else(|error| {
        tracing::error!(%error, "a job task panicked");
        JobEnd::Failed
    })
}

/// Runs one claimed job under its lease.
async fn run_leased<S: Store + ?Sized + 'static>(
    inner: Arc<Inner<S>>,
    lease: Lease,
    stop: CancellationToken,
) -> JobEnd {
    let span = tracing::info_span!(
        "sync_job",
        tenant = %lease.tenant,
        integration = %lease.integration,
        provider = %lease.provider,
        job = %lease.job,
    );
    async {
        let store = inner.store.as_ref();
        let Some(job) = Job::of(&lease.job) else {
            tracing::error!("unknown job on the schedule; put off by a day");
            release(store, &lease, Utc::now() + TimeDelta::days(1)).await;
            return JobEnd::Failed;
        };
        if let Some(previous) = &lease.taken_over_from {
            let message = format!(
                "worker {previous} stopped before finishing this run (its lease expired); \
                 worker {} took the job over",
                inner.config.id
            );
            tracing::warn!(%previous, "taking over an expired lease");
            abandon(store, &lease, job, RunOutcome::Failed, &message).await;
        }
        let request = JobRequest {
            tenant: lease.tenant,
            integration: lease.integration,
            provider: lease.provider.clone(),
            job,
            fence: Some(lease.fence()),
        };
        let started = Utc::now();
        let transport = Arc::clone(inner.transports.get(&lease.provider));
        tokio::select! {
            result = transport.run(&request) => {
                let next = next_due(store, &lease, job, started).await;
                release(store, &lease, next).await;
                match result {
                    Ok(_) => JobEnd::Succeeded,
                    Err(error) if error.lease_lost() => {
                        tracing::warn!("lease lost to another worker; its writes were refused");
                        JobEnd::LeaseLost
                    }
                    Err(error) => {
                        tracing::warn!(error = %error.user_message(), "job failed");
                        JobEnd::Failed
                    }
                }
            }
            lost = keep_lease(store, &lease, inner.config.lease) => match lost {
                LeaseEnd::TakenOver => {
                    tracing::warn!("lease lost to another worker; job stopped");
                    JobEnd::LeaseLost
                }
                LeaseEnd::RenewalFailed(error) => {
                    // Unrenewed, the lease may expire while the job writes:
                    // stop now and leave the job due for whoever can reach
                    // the store (best effort: the store may be down).
                    tracing::warn!(%error, "could not renew the lease; job stopped");
                    abandon(
                        store,
                        &lease,
                        job,
                        RunOutcome::Failed,
                        "stopped: the worker could not renew its lease (the store did not answer); the next run resumes",
                    )
                    .await;
                    // Due again once a lease would have run out: soon, but
                    // not in a tight loop while the store stays unreachable.
                    let length = TimeDelta::from_std(inner.config.lease).unwrap_or(TimeDelta::minutes(5));
                    release(store, &lease, Utc::now() + length).await;
                    JobEnd::LeaseLost
                }
            },
            () = stop.cancelled() => {
                abandon(
                    store,
                    &lease,
                    job,
                    RunOutcome::Cancelled,
                    "stopped by worker shutdown; the next run resumes",
                )
                .await;
                release(store, &lease, lease.due_at).await;
                JobEnd::Stopped
            }
        }
    }
    .instrument(span)
    .await
}

/// Why a held lease ended.
enum LeaseEnd {
    /// Another worker holds it now.
    TakenOver,
    /// A renewal failed: the lease may expire unnoticed.
    RenewalFailed(psa_ingest::ports::StoreError),
}

/// Renews the lease every third of its length; returns once it is lost or
/// a renewal fails.
async fn keep_lease<S: Store + ?Sized>(
    store: &S,
    lease: &Lease,
    length: std::time::Duration,
) -> LeaseEnd {
    let length_delta = TimeDelta::from_std(length).unwrap_or(TimeDelta::minutes(5));
    loop {
        tokio::time::sleep(length / 3).await;
        match store.renew_lease(lease, Utc::now() + length_delta).await {
            Ok(true) => {}
            Ok(false) => return LeaseEnd::TakenOver,
            Err(error) => return LeaseEnd::RenewalFailed(error),
        }
    }
}

/// When the job is due next: its interval after this run started, from the
/// integration's current settings (defaults when they are unreadable).
async fn next_due<S: Store + ?Sized>(
    store: &S,
    lease: &Lease,
    job: Job,
    started: DateTime<Utc>,
) -> DateTime<Utc> {
    let settings = match store.get_integration(lease.tenant, lease.integration).await {
        Ok(Some(record)) => record.settings,
        _ => serde_json::Value::Null,
    };
    let interval = job.interval(&settings).unwrap_or_else(|error| {
        tracing::warn!(%error, "schedule settings out of bounds; using the defaults");
        job.interval(&serde_json::Value::Null)
            .expect("defaults are in bounds")
    });
    started + interval
}

async fn release<S: Store + ?Sized>(store: &S, lease: &Lease, next_due: DateTime<Utc>) {
    match store.release_lease(lease, next_due).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!("lease was taken over before the job could release it"),
        // The lease expires on its own and the job is run again.
        Err(error) => tracing::warn!(%error, "could not release the lease"),
    }
}

async fn abandon<S: Store + ?Sized>(
    store: &S,
    lease: &Lease,
    job: Job,
    outcome: RunOutcome,
    message: &str,
) {
    if let Err(error) = store
        .abandon_sync_runs(
            lease.tenant,
            lease.integration,
            job.run_kinds(),
            outcome,
            message,
        )
        .await
    {
        tracing::warn!(%error, "could not close the runs left open");
    }
}
