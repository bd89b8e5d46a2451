//! `psa sync` (one run now, with progress) and `psa worker` (every tenant,
//! until a signal).

use crate::args::SyncArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output;
use crate::progress::ProgressBars;
use psa_integrations::ingest::engine::assets::AssetEngineOptions;
use psa_integrations::ingest::engine::incidents::{Catalog, IncidentSettings};
use psa_integrations::prelude::*;
use psa_integrations::sync::jobs::{self, JobContext, JobReport};
use psa_integrations::sync::schedule::ScheduleSettings;
use psa_integrations::sync::{
    CancellationToken, Job, JobRequest, SyncSubscriber, Worker, WorkerConfig,
};
use psa_integrations::webhooks::Webhooks;
use std::sync::Arc;

pub(super) async fn sync(ctx: &Context, args: &SyncArgs) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, &args.integration).await?;
    let bars = Arc::new(ProgressBars::new().label(integration.id, integration.provider.as_str()));
    let subscriber: Arc<dyn SyncSubscriber> = bars.clone();
    let jobs_to_run: Vec<Job> = if args.scopes {
        vec![Job::Scopes]
    } else if args.devices {
        vec![Job::Devices]
    } else if args.incidents {
        vec![Job::Incidents]
    } else {
        let scheduled = ctx
            .store
            .list_scheduled_jobs(tenant, integration.id)
            .await?;
        let jobs: Vec<Job> = scheduled.iter().filter_map(|j| Job::of(&j.job)).collect();
        if jobs.is_empty() {
            return Err(CliError::usage(format!(
                "integration {} has no jobs: `psa connect {}` first",
                integration.id, integration.id
            )));
        }
        jobs
    };
    if jobs_to_run.contains(&Job::Incidents) {
        // Refused before a run is recorded: routing is the operator's to fix.
        let catalog = Catalog::load(ctx.ports(), tenant).await?;
        IncidentSettings::from_integration_settings(&integration.settings)
            .and_then(|settings| settings.routing(&catalog))
            .map_err(|e| {
                CliError::usage(format!(
                    "incidents cannot become tickets yet: {e} (set them with `psa routing {}`)",
                    integration.id
                ))
            })?;
    }
    let mut reports: Vec<JobReport> = Vec::new();
    for job in jobs_to_run {
        if job == Job::Devices && args.full {
            // A full walk of every scope, whatever the schedule says.
            let schedule = ScheduleSettings::from_settings(&integration.settings)
                .map_err(|e| CliError::usage(format!("settings: {e}")))?;
            let report = JobContext::new(ctx.ports(), &ctx.registry, tenant, integration.id)
                .observed_by(Some(Arc::clone(&subscriber)))
                .sync_devices(
                    true,
                    AssetEngineOptions {
                        max_pages_per_walk: schedule.max_pages_per_walk,
                        ..AssetEngineOptions::default()
                    },
                )
                .await?;
            reports.push(JobReport::Devices(report));
            continue;
        }
        // Outside the worker's leases: the run writes unfenced, as a run
        // started by hand does.
        let request = JobRequest {
            tenant,
            integration: integration.id,
            provider: integration.provider.clone(),
            job,
            fence: None,
        };
        let done = jobs::run_job(
            ctx.ports(),
            &ctx.registry,
            &request,
            Some(Arc::clone(&subscriber)),
        )
        .await;
        match done {
            Ok(steps) => reports.extend(steps),
            Err(error) => {
                bars.clear();
                return Err(error.into());
            }
        }
    }
    bars.clear();
    let lines: Vec<String> = reports.iter().map(ToString::to_string).collect();
    output::one(
        ctx.json,
        &serde_json::json!({ "integration": integration.id, "reports": lines }),
        &lines.join("\n"),
    );
    Ok(())
}

pub(super) async fn worker(
    ctx: &Context,
    concurrency: Option<usize>,
    listen: Option<std::net::SocketAddr>,
) -> Result<(), CliError> {
    let mut config = WorkerConfig::from_env().map_err(CliError::usage)?;
    if let Some(jobs) = concurrency {
        if !(1..=64).contains(&jobs) {
            return Err(CliError::usage(format!(
                "--concurrency {jobs}: between 1 and 64"
            )));
        }
        config.max_jobs = jobs;
    }
    let worker = Worker::builder(Arc::clone(&ctx.store), Arc::clone(&ctx.registry))
        .config(config)
        .build()
        .map_err(CliError::usage)?;
    let shutdown = CancellationToken::new();
    cancel_on_signal(shutdown.clone())?;
    let receiver = match listen {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| CliError::usage(format!("--listen {address}: {e}")))?;
            let address = listener.local_addr().unwrap_or(address);
            output::note(
                ctx.json,
                &format!(
                    "receiving webhooks at http://{address}/webhooks/huntress/<integration id>"
                ),
            );
            let hooks = Webhooks::new(ctx.store.clone()).waker(worker.waker());
            Some(tokio::spawn(hooks.serve(listener, shutdown.clone())))
        }
        None => None,
    };
    tracing::info!(worker = %worker.config().id, "worker started; SIGINT or SIGTERM stops it");
    output::note(
        ctx.json,
        &format!(
            "worker {} running every tenant's due jobs ({} at once); Ctrl-C stops it",
            worker.config().id,
            worker.config().max_jobs
        ),
    );
    let report = worker.run(shutdown).await;
    if let Some(receiver) = receiver {
        match receiver.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "the webhook receiver failed"),
            Err(e) => tracing::error!(error = %e, "the webhook receiver panicked"),
        }
    }
    output::one(
        ctx.json,
        &serde_json::json!({
            "succeeded": report.succeeded,
            "failed": report.failed,
            "lease_lost": report.lease_lost,
            "stopped": report.stopped,
        }),
        &format!(
            "worker stopped: {} jobs succeeded, {} failed, {} lost their lease, {} stopped at shutdown",
            report.succeeded, report.failed, report.lease_lost, report.stopped
        ),
    );
    Ok(())
}

/// Cancels `shutdown` at the first SIGINT or SIGTERM. The handlers are
/// installed before this returns, so a signal sent once the worker says it
/// runs is never the default (killing) action.
fn cancel_on_signal(shutdown: CancellationToken) -> Result<(), CliError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let failed = |e: std::io::Error| CliError::Failed(format!("cannot handle signals: {e}"));
        let mut interrupt = signal(SignalKind::interrupt()).map_err(failed)?;
        let mut terminate = signal(SignalKind::terminate()).map_err(failed)?;
        tokio::spawn(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            tracing::info!("shutting down: running jobs get the shutdown grace");
            shutdown.cancel();
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        shutdown.cancel();
    });
    Ok(())
}
