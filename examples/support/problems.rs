//! What went wrong in a run, told plainly: the runs that failed or partly
//! failed, and the records waiting in quarantine with their errors.

use psa_integrations::chrono::{DateTime, Utc};
use psa_integrations::ingest::ports::{
    QuarantineFilter, QuarantineStore as _, RunOutcome, StoreError, SyncRunStore as _,
};
use psa_integrations::ingest::{IntegrationId, TenantId};
use psa_integrations::store::PsaStore;

/// Quarantined records listed per integration (the count covers all).
const LISTED: i64 = 10;

/// Prints each integration's runs since `since` that did not succeed and
/// its quarantined records. Returns how many of those runs failed.
pub(crate) async fn print_problems(
    store: &PsaStore,
    tenant: TenantId,
    integrations: &[(&str, IntegrationId)],
    since: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut failed = 0;
    let mut printed_header = false;
    let mut header = || {
        if !printed_header {
            println!("\nProblems");
            printed_header = true;
        }
    };
    for (name, integration) in integrations {
        for run in store.list_sync_runs(tenant, *integration, 50).await? {
            if run.started_at < since
                || matches!(run.outcome, RunOutcome::Succeeded | RunOutcome::Running)
            {
                continue;
            }
            if run.outcome == RunOutcome::Failed {
                failed += 1;
            }
            header();
            println!(
                "  {name} {} run {}: {}",
                run.kind,
                run.outcome.as_str().replace('_', " "),
                run.error.as_deref().unwrap_or("no message")
            );
        }
        let count = store.count_quarantined(tenant, *integration).await?;
        if count == 0 {
            continue;
        }
        header();
        println!(
            "  {name}: {count} records in quarantine (retried with backoff; \
             QuarantineStore::requeue_quarantined retries them at the next run):"
        );
        let records = store
            .list_quarantined(tenant, *integration, QuarantineFilter::default(), LISTED)
            .await?;
        for record in records {
            println!(
                "    {} {} (attempt {}, next retry {}): {}",
                record.pipeline,
                record.record_id,
                record.attempts,
                record.next_retry_at.format("%Y-%m-%d %H:%M:%S"),
                record.error
            );
        }
    }
    Ok(failed)
}
