//! Connects a Tanium integration, maps its computer groups to clients and
//! syncs its endpoints into assets: a full walk, then an incremental one.
//!
//! ```text
//! cargo run --example tanium_sync
//! ```
//!
//! Environment: `TANIUM_GATEWAY_URL` (the Gateway URL, or just the host)
//! with `TANIUM_API_TOKEN`, and `TANIUM_ASSET_API_URL` when the Asset API is
//! not beside the Gateway. Unset, a local simulator starts with the demo
//! estate (groups named like the demo clients plus an unmapped "Lab"), and
//! one endpoint is renamed between the two walks. `DATABASE_URL`: default
//! `sqlite://tanium_sync.db`, its key beside it. `RUST_LOG`.
//!
//! The tenant ("Tanium demo") and its integration are kept between runs, so
//! a person can map a group between two runs, e.g. Lab to Initech:
//!
//! ```text
//! psa --database sqlite://tanium_sync.db --tenant "Tanium demo" map <integration> 4 Initech
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use psa_cli::progress::ProgressBars;
use psa_integrations::chrono::Utc;
use psa_integrations::ingest::engine::assets::AssetEngineOptions;
use psa_integrations::ingest::ports::{AssetFilter, all_pages};
use psa_integrations::prelude::*;
use psa_integrations::store::PsaStore;
use psa_integrations::sync::jobs::{JobContext, JobKind, JobReport};
use psa_integrations::{UrlPolicy, builtin_registry};
use setup::AnyError;
use std::collections::{BTreeMap, HashMap};
use std::process::ExitCode;
use std::sync::Arc;

const TENANT: &str = "Tanium demo";

#[path = "support/problems.rs"]
mod problems;
#[path = "support/setup.rs"]
mod setup;

#[tokio::main]
async fn main() -> ExitCode {
    setup::init_logging();
    setup::exit_code(run().await)
}

async fn run() -> Result<usize, AnyError> {
    let started = Utc::now();
    let (store, url) = setup::open_store("sqlite://tanium_sync.db").await?;
    let (tenant, _) = setup::demo_tenant(&store, TENANT).await?;
    println!("store:    {} ({url}), tenant {TENANT}", store.backend());
    let vendor = setup::tanium(50).await?;
    let registry = builtin_registry(UrlPolicy::loopback());
    let integration = setup::connect(&store, &registry, tenant, "tanium", &vendor).await?;
    println!("integration {integration}");

    let bars = ProgressBars::new().label(integration, "tanium");
    let bars = match &vendor.sim {
        Some(sim) => bars.expect(JobKind::DevicesFull, sim.endpoints().len() as u64),
        None => bars,
    };
    let job =
        JobContext::new(&store, &registry, tenant, integration).observed_by(Some(Arc::new(bars)));
    let options = AssetEngineOptions::default();
    let full = job.sync_devices(true, options).await?;
    println!("full walk:        {}", JobReport::Devices(full));

    if let Some(sim) = &vendor.sim {
        // Something for the incremental walk to find.
        let id = sim
            .endpoints()
            .first()
            .map(|e| e.id.clone())
            .ok_or("no endpoints")?;
        sim.modify_endpoint(&id, |e| e.name = format!("{}-renamed", e.name));
        sim.touch_endpoint(&id);
        println!("simulator: endpoint {id} renamed and seen now");
    }
    let incremental = job.sync_devices(false, options).await?;
    println!("incremental walk: {}", JobReport::Devices(incremental));

    print_groups(&store, tenant, integration).await?;
    let failed =
        problems::print_problems(&store, tenant, &[("tanium", integration)], started).await?;
    Ok(failed)
}

/// Each computer group with its client, and the integration's assets per
/// client.
async fn print_groups(
    store: &PsaStore,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<(), AnyError> {
    let clients: HashMap<ClientId, String> = store
        .list_clients(tenant)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    println!(
        "\n  {:<6}{:<24}{:<16}decided by",
        "id", "computer group", "client"
    );
    for m in store.list_scope_mappings(tenant, integration).await? {
        let client = m
            .client_id
            .and_then(|c| clients.get(&c))
            .map_or("-", String::as_str);
        let decided = m.decided_by.as_str();
        println!("  {:<6}{:<24}{client:<16}{decided}", m.external_id, m.name);
    }
    let filter = AssetFilter::integration(integration);
    let assets = all_pages(1000, |page| store.list_assets(tenant, &filter, page)).await?;
    let mut per_client: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for asset in &assets {
        let online = asset.agent_status.as_deref() == Some("online");
        let counts = per_client.entry(asset.client_name.as_str()).or_default();
        *counts = (counts.0 + 1, counts.1 + usize::from(online));
    }
    println!("\n  {:<24}{:>7}{:>8}", "client", "assets", "online");
    for (client, (count, online)) in per_client {
        println!("  {client:<24}{count:>7}{online:>8}");
    }
    Ok(())
}
