use super::RunKind;
use super::StoreResult;
use crate::{IntegrationId, SyncRunId, TenantId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Still running (or its worker died).
    Running,
    /// Everything done.
    Succeeded,
    /// Done, but some records failed.
    PartiallyFailed,
    /// Stopped by an error.
    Failed,
    /// Stopped by shutdown.
    Cancelled,
}

impl RunOutcome {
    /// The stored string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::PartiallyFailed => "partially_failed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses the stored string.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "partially_failed" => Self::PartiallyFailed,
            "failed" => Self::Failed,
            "cancelled" => Self::Cancelled,
            _ => return None,
        })
    }
}

/// One run of one pipeline for one integration (`sync_runs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRun {
    /// Id.
    pub id: SyncRunId,
    /// Integration.
    pub integration_id: IntegrationId,
    /// What ran, e.g. `scopes`, `devices_full`, `devices_incremental`, `incidents`.
    pub kind: RunKind,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Outcome.
    pub outcome: RunOutcome,
    /// Counts (created, updated, ...), as the engine reports them.
    pub counts: serde_json::Value,
    /// Requests made to the provider.
    pub requests_made: i64,
    /// Error, when it failed.
    pub error: Option<String>,
}

/// How a run finished.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFinish {
    /// Outcome.
    pub outcome: RunOutcome,
    /// Counts.
    pub counts: serde_json::Value,
    /// Requests made to the provider.
    pub requests_made: i64,
    /// Error, when it failed.
    pub error: Option<String>,
}

/// Sync-run records.
#[async_trait]
pub trait SyncRunStore: Send + Sync {
    /// Records a run as started; returns its id.
    async fn start_sync_run(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kind: &RunKind,
        started_at: DateTime<Utc>,
    ) -> StoreResult<SyncRunId>;

    /// Records how a run finished.
    async fn finish_sync_run(
        &self,
        tenant: TenantId,
        run: SyncRunId,
        finish: RunFinish,
    ) -> StoreResult<()>;

    /// The integration's runs, newest first, at most `limit`.
    async fn list_sync_runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRun>>;

    /// Ends the integration's runs of these kinds that are still `running`
    /// with `outcome` and `error`: their worker stopped without finishing
    /// them (it crashed and another worker took the job over, or it was shut
    /// down). Returns how many were ended.
    async fn abandon_sync_runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        kinds: &[RunKind],
        outcome: RunOutcome,
        error: &str,
    ) -> StoreResult<u64>;
}
