//! Typed events of running jobs, delivered to a subscriber: a run started,
//! progress inside it (pages fetched, devices written, incidents processed,
//! tickets created), a run finished.

use crate::jobs::JobKind;
use psa_ingest::ports::RunOutcome;
use psa_ingest::progress::{Progress, ProgressEvent};
use psa_ingest::{IntegrationId, SyncRunId, TenantId};
use std::sync::Arc;

/// One event of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncEvent {
    /// The tenant.
    pub tenant: TenantId,
    /// The integration.
    pub integration: IntegrationId,
    /// What runs.
    pub kind: JobKind,
    /// What happened.
    pub what: SyncEventKind,
}

/// What happened in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncEventKind {
    /// The run started and was recorded as `run`.
    Started {
        /// The `sync_runs` row.
        run: SyncRunId,
    },
    /// Progress inside the run.
    Progress(ProgressEvent),
    /// The run ended.
    Finished {
        /// The `sync_runs` row.
        run: SyncRunId,
        /// How it ended.
        outcome: RunOutcome,
        /// Why it failed or partly failed.
        error: Option<String>,
    },
}

/// Receives every event of the runs it is attached to. Runs on the job's
/// task, so it should be quick (send to a channel, update a progress bar).
pub trait SyncSubscriber: Send + Sync {
    /// One event.
    fn on_event(&self, event: &SyncEvent);
}

impl<F: Fn(&SyncEvent) + Send + Sync> SyncSubscriber for F {
    fn on_event(&self, event: &SyncEvent) {
        self(event);
    }
}

/// The subscriber of a job, if any, with the job's identity.
#[derive(Clone, Default)]
pub(crate) struct Observer {
    subscriber: Option<Arc<dyn SyncSubscriber>>,
}

impl Observer {
    pub(crate) fn new(subscriber: Option<Arc<dyn SyncSubscriber>>) -> Self {
        Self { subscriber }
    }

    pub(crate) fn emit(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kind: JobKind,
        what: SyncEventKind,
    ) {
        if let Some(subscriber) = &self.subscriber {
            subscriber.on_event(&SyncEvent {
                tenant,
                integration,
                kind,
                what,
            });
        }
    }

    /// The engine-side handle that turns pipeline progress into events.
    pub(crate) fn progress(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kind: JobKind,
    ) -> Progress {
        match &self.subscriber {
            None => Progress::default(),
            Some(subscriber) => {
                let subscriber = Arc::clone(subscriber);
                Progress::new(move |event| {
                    subscriber.on_event(&SyncEvent {
                        tenant,
                        integration,
                        kind,
                        what: SyncEventKind::Progress(event.clone()),
                    });
                })
            }
        }
    }
}
