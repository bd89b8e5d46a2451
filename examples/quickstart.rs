//! The whole flow in one command: a demo tenant, Tanium and Huntress
//! connected, scopes mapped, assets synced, incidents turned into tickets,
//! all run by the sync worker, then a summary.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With no configuration it uses an embedded SQLite file (`quickstart.db`,
//! its key in `quickstart.db.key`) and starts both simulators with the
//! fixed dataset of `psa_testkit::demo`. Run it twice: the second run finds
//! the same tenant, gets the same data again and creates nothing.
//!
//! Environment (each vendor independently; unset, its simulator starts):
//! `TANIUM_GATEWAY_URL` with `TANIUM_API_TOKEN`; `HUNTRESS_API_URL` with
//! `HUNTRESS_API_KEY` and `HUNTRESS_API_SECRET`; `DATABASE_URL` (for
//! PostgreSQL the key comes from `PSA_SECRET_KEY` or `PSA_SECRET_KEY_FILE`);
//! `RUST_LOG`. Simulator and real vendor data should not share a database.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use psa_cli::progress::ProgressBars;
use psa_integrations::chrono::{DateTime, Utc};
use psa_integrations::ingest::ports::{AssetFilter, all_pages};
use psa_integrations::prelude::*;
use psa_integrations::store::PsaStore;
use psa_integrations::sync::jobs::{self, JobKind, JobReport, RunCounts};
use psa_integrations::sync::{Job, Worker, WorkerConfig};
use psa_integrations::{UrlPolicy, builtin_registry};
use setup::AnyError;
use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::sync::Arc;

const TENANT: &str = "Quickstart demo";

#[path = "support/problems.rs"]
mod problems;
#[path = "support/setup.rs"]
mod setup;

#[tokio::main]
async fn main() -> ExitCode {
    setup::init_logging();
    setup::exit_code(run().await)
}

/// Runs the demo; returns how many runs failed.
async fn run() -> Result<usize, AnyError> {
    let started = Utc::now();
    let (store, url) = setup::open_store("sqlite://quickstart.db").await?;
    let store = Arc::new(store);
    let (tenant, seeded) = setup::demo_tenant(&store, TENANT).await?;
    println!(
        "store:    {} ({url})\ntenant:   {TENANT} {tenant}{}",
        store.backend(),
        if seeded { " (seeded now)" } else { "" }
    );

    let registry = Arc::new(builtin_registry(UrlPolicy::loopback()));
    let tanium_vendor = setup::tanium(20).await?;
    let huntress_vendor = setup::huntress(tanium_vendor.sim.as_ref()).await?;
    let tanium = setup::connect(&store, &registry, tenant, "tanium", &tanium_vendor).await?;
    let huntress = setup::connect(&store, &registry, tenant, "huntress", &huntress_vendor).await?;
    setup::route_incidents(&store, tenant, huntress).await?;

    // Devices first: the incident poll links tickets to the assets it finds.
    jobs::run_now(&*store, tenant, tanium, Job::Devices).await?;
    jobs::run_now(&*store, tenant, huntress, Job::Incidents).await?;
    let mut bars = ProgressBars::new()
        .label(tanium, "tanium")
        .label(huntress, "huntress");
    if let Some(sim) = &tanium_vendor.sim {
        bars = bars.expect(JobKind::DevicesFull, sim.endpoints().len() as u64);
    }
    if let Some(sim) = &huntress_vendor.sim {
        bars = bars.expect(JobKind::Incidents, sim.incidents().len() as u64);
    }
    let worker = Worker::builder(Arc::clone(&store), Arc::clone(&registry))
        // One job at a time, earliest due first.
        .config(WorkerConfig {
            max_jobs: 1,
            ..WorkerConfig::default()
        })
        .subscriber(Arc::new(bars))
        .build()?;
    println!("\nsyncing:");
    let report = worker.run_until_idle().await?;
    println!(
        "worker:   {} jobs succeeded, {} failed",
        report.succeeded, report.failed
    );
    let named = [("tanium", tanium), ("huntress", huntress)];
    let (assets, tickets) = print_summary(&store, tenant, &named, started).await?;
    let failed = problems::print_problems(&store, tenant, &named, started).await?;
    println!(
        "\nthis run: created {assets} assets, {tickets} tickets{}",
        match (seeded, assets + tickets) {
            (true, _) => " (run it again: nothing is duplicated)",
            (false, 0) => ": nothing duplicated",
            _ => " (new at the source since the last run)",
        }
    );
    Ok(failed)
}

/// Each integration's scopes with their clients, the assets per client, the
/// tickets with their linked assets, and the runs (`*` marks this run's).
/// Returns the assets and tickets this run's runs created.
async fn print_summary(
    store: &PsaStore,
    tenant: TenantId,
    integrations: &[(&str, IntegrationId)],
    started: DateTime<Utc>,
) -> Result<(u64, u64), AnyError> {
    let clients: HashMap<ClientId, String> = store
        .list_clients(tenant)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let all = AssetFilter::default();
    let assets = all_pages(1000, |page| store.list_assets(tenant, &all, page)).await?;
    let mut runs = Vec::new();
    for &(provider, id) in integrations {
        println!("\n{provider} scopes                client");
        for m in store.list_scope_mappings(tenant, id).await? {
            let client = m
                .client_id
                .and_then(|c| clients.get(&c))
                .map_or("(unmapped)", String::as_str);
            println!("  {:<28}{client}", m.name);
        }
        runs.extend(
            store
                .list_sync_runs(tenant, id, 8)
                .await?
                .into_iter()
                .map(|r| (provider, r)),
        );
    }
    let mut per_client: BTreeMap<&str, usize> = clients.values().map(|c| (c.as_str(), 0)).collect();
    for asset in &assets {
        *per_client.entry(asset.client_name.as_str()).or_default() += 1;
    }
    println!("\nAssets per client");
    for (client, count) in per_client {
        println!("  {client:<28}{count:>6}");
    }
    let names: HashMap<_, _> = assets.iter().map(|a| (a.id, a.name.as_str())).collect();
    println!("\nTickets\n  #    client      state   severity  linked assets   title");
    let (_, huntress) = integrations[1];
    let tickets = all_pages(1000, |page| {
        store.list_integration_tickets(tenant, huntress, page)
    })
    .await?;
    for t in &tickets {
        let linked: Vec<&str> = t
            .assets
            .iter()
            .filter_map(|a| names.get(a).copied())
            .collect();
        let state = if t.ticket.closed_at.is_some() {
            "closed"
        } else {
            "open"
        };
        let client = clients.get(&t.ticket.client_id).map_or("?", String::as_str);
        let linked = if linked.is_empty() {
            "-".to_owned()
        } else {
            linked.join(", ")
        };
        println!(
            "  {:<5}{client:<12}{state:<8}{:<10}{linked:<16}{}",
            t.ticket.ticket_number, t.alert.severity, t.ticket.title
        );
    }
    println!(
        "\ntotals:   {} assets, {} tickets",
        assets.len(),
        tickets.len()
    );
    runs.sort_by_key(|(_, run)| std::cmp::Reverse(run.started_at));
    println!("\nSync runs, newest first (* = this run)");
    let mut created = (0, 0);
    for (provider, run) in runs.iter().take(12) {
        let report = RunCounts::of(run).ok().and_then(|c| c.report);
        let this_run = run.started_at >= started;
        match &report {
            Some(JobReport::Devices(r)) if this_run => created.0 += r.created,
            Some(JobReport::Incidents(r)) if this_run => created.1 += r.tickets_created,
            _ => {}
        }
        let (kind, outcome) = (run.kind.as_str(), run.outcome.as_str());
        println!(
            "  {} {} {provider:<9}{kind:<20}{outcome:<16}{}",
            if this_run { '*' } else { ' ' },
            run.started_at.format("%H:%M:%S"),
            report.map(|r| r.to_string()).unwrap_or_default()
        );
    }
    Ok(created)
}
