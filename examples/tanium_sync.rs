//! Connects a Tanium integration, maps its computer groups to clients and
//! syncs its endpoints into assets: a full walk, then an incremental one.
//!
//! ```text
//! cargo run --example tanium_sync
//! ```
//!
//! Environment:
//! - `TANIUM_GATEWAY_URL`: the Gateway URL (or the Tanium host; the path
//!   defaults to `/plugin/products/gateway/graphql`). Unset, a local
//!   simulator starts with a generated estate whose groups are named like
//!   the demo clients ("Acme Corp", "Globex", "Initech") plus an unmapped
//!   "Lab" group, and one endpoint is renamed between the two walks.
//! - `TANIUM_API_TOKEN`: the API token (required with `TANIUM_GATEWAY_URL`;
//!   the simulator's own otherwise).
//! - `TANIUM_ASSET_API_URL`: the Asset API URL, when it is not beside the
//!   Gateway.
//! - `DATABASE_URL`: default `sqlite://tanium_sync.db` in the current
//!   directory, its secret key in `tanium_sync.db.key` beside it (created
//!   on first use). For PostgreSQL the key comes from `PSA_SECRET_KEY` or
//!   `PSA_SECRET_KEY_FILE`.
//!
//! Each run seeds a new demo tenant (named after the time it ran) and
//! creates a new integration in it, so runs never see each other's data;
//! the run records printed are this run's.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use chrono::Utc;
use futures::TryStreamExt;
use psa_ingest::engine::assets::{AssetEngineOptions, AssetSyncReport};
use psa_ingest::ports::{
    AssetStore, CatalogStore, IntegrationStore, MappingDecision, NewIntegration, ScopeMappingStore,
    SyncRunStore,
};
use psa_ingest::{ClientId, IntegrationId, ProviderId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::{OpenOptions, PsaStore, SecretKey};
use psa_testkit::tanium::{GroupSpec, TaniumSim};
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::error::Error;
use std::process::ExitCode;
use tanium_gateway::provider::{API_TOKEN_SECRET, TaniumProvider};

type AnyError = Box<dyn Error + Send + Sync>;

const DEFAULT_DATABASE_URL: &str = "sqlite://tanium_sync.db";

/// Endpoints per Gateway page.
const PAGE_SIZE: u32 = 50;

#[path = "support/problems.rs"]
mod problems;

#[tokio::main]
async fn main() -> ExitCode {
    // Errors print with their message, not their debug form.
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Where to sync from.
struct Target {
    settings: serde_json::Value,
    secrets: ProviderSecrets,
    /// The simulator, when no Gateway was named (kept alive while it runs).
    sim: Option<TaniumSim>,
}

async fn run() -> Result<(), AnyError> {
    let started = Utc::now();
    let target = tanium_target().await?;
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let store = open_store(&database_url).await?;
    println!("store: {} ({database_url})", store.backend());

    let demo = store
        .seed_demo_tenant(&format!("Tanium demo {}", Utc::now().to_rfc3339()))
        .await?;
    let tenant = demo.tenant;
    let integration = store
        .create_integration(
            tenant,
            NewIntegration {
                provider: ProviderId::new("tanium")?,
                instance_url: target.settings["gateway_url"].as_str().map(str::to_owned),
                settings: target.settings.clone(),
            },
        )
        .await?
        .id;

    // With the simulator, agent status is judged by its clock.
    let mut provider = TaniumProvider::new().with_url_policy(tanium_gateway::UrlPolicy::loopback());
    if let Some(sim) = &target.sim {
        provider = provider.with_clock(sim.clock().as_fn());
    }
    let mut registry = ProviderRegistry::new();
    registry.register(Box::new(provider))?;

    let (info, scopes) =
        psa_sync::jobs::connect(&store, &registry, tenant, integration, &target.secrets).await?;
    println!(
        "connected to {}",
        info.account_name.as_deref().unwrap_or("an unnamed Gateway")
    );
    if let Some(scopes) = &scopes {
        println!(
            "computer groups: {} found, {} matched to a client by name, {} unmapped",
            scopes.discovered,
            scopes.auto_matched.len(),
            scopes.unmapped.len()
        );
    }

    let options = AssetEngineOptions::default();
    let full =
        psa_sync::jobs::sync_devices(&store, &registry, tenant, integration, true, options).await?;
    print_report("full sync", &full);

    if let Some(sim) = &target.sim {
        // Something for the incremental walk to find.
        let id = sim
            .endpoints()
            .first()
            .map(|e| e.id.clone())
            .ok_or("the simulator has no endpoints")?;
        sim.modify_endpoint(&id, |e| e.name = format!("{}-renamed", e.name));
        sim.touch_endpoint(&id);
        println!("simulator: endpoint {id} renamed and seen now");
    }
    let incremental =
        psa_sync::jobs::sync_devices(&store, &registry, tenant, integration, false, options)
            .await?;
    print_report("incremental sync", &incremental);

    print_summary(&store, tenant, integration).await?;
    problems::print_problems(&store, tenant, &[("Tanium", integration)], started).await?;
    Ok(())
}

/// The Gateway to talk to: the one `TANIUM_GATEWAY_URL` names, or a
/// simulator.
async fn tanium_target() -> Result<Target, AnyError> {
    if let Ok(url) = std::env::var("TANIUM_GATEWAY_URL") {
        let token = std::env::var("TANIUM_API_TOKEN")
            .map_err(|_| "TANIUM_API_TOKEN is required with TANIUM_GATEWAY_URL")?;
        let mut settings = serde_json::json!({ "gateway_url": url, "page_size": PAGE_SIZE });
        if let Ok(asset_api_url) = std::env::var("TANIUM_ASSET_API_URL") {
            settings["asset_api_url"] = asset_api_url.into();
        }
        return Ok(Target {
            settings,
            secrets: secrets(token),
            sim: None,
        });
    }
    let sim = TaniumSim::builder()
        .start_generated(&[
            GroupSpec::new("1", "Acme Corp", 12),
            GroupSpec::new("2", "Globex", 8),
            GroupSpec::new("3", "Initech", 5),
            GroupSpec::new("4", "Lab", 3),
        ])
        .await;
    println!(
        "TANIUM_GATEWAY_URL is not set: simulator at {} with {} groups and {} endpoints",
        sim.gateway_url(),
        sim.groups().len(),
        sim.endpoints().len()
    );
    Ok(Target {
        settings: serde_json::json!({ "gateway_url": sim.gateway_url(), "page_size": PAGE_SIZE }),
        secrets: secrets(sim.token()),
        sim: Some(sim),
    })
}

fn secrets(token: String) -> ProviderSecrets {
    ProviderSecrets::new().with(API_TOKEN_SECRET, SecretString::from(token))
}

/// Opens the store; a SQLite file keeps its secret key in a file beside it.
async fn open_store(url: &str) -> Result<PsaStore, AnyError> {
    let key = match url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Some(":memory:") | Some("") => SecretKey::generate(),
        Some(path) => SecretKey::load_or_create_file(SecretKey::key_file_beside(path))?,
        None => SecretKey::from_env()?,
    };
    Ok(PsaStore::open_with(url, OpenOptions::new().secret_key(key)).await?)
}

fn print_report(what: &str, report: &AssetSyncReport) {
    println!(
        "{what}: {} endpoints received, {} assets created, {} updated, {} unchanged, {} retired, {} re-keyed, {} skipped, {} failed ({} ms)",
        report.received,
        report.created,
        report.updated,
        report.unchanged,
        report.tombstoned,
        report.rekeyed,
        report.skipped_total(),
        report.failed.len(),
        report.timings.total.as_millis()
    );
    for failure in &report.failed {
        println!("  endpoint {}: {}", failure.external_id, failure.error);
    }
    for (scope, error) in &report.incomplete_scopes {
        println!("  group {scope} not walked to the end: {error}");
    }
}

/// Prints the groups and their clients, the live assets per client, and
/// this integration's run records.
async fn print_summary(
    store: &PsaStore,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<(), AnyError> {
    let clients: BTreeMap<ClientId, String> = store
        .list_clients(tenant)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let client_name = |id: &ClientId| clients.get(id).map_or("?", String::as_str).to_owned();

    println!("groups:");
    let mut assets_per_client: BTreeMap<String, usize> = BTreeMap::new();
    for mapping in store.list_scope_mappings(tenant, integration).await? {
        let live: Vec<_> = store
            .scope_devices(tenant, integration, &mapping.external_id)
            .try_collect()
            .await?;
        let client = match &mapping.client_id {
            Some(id) => {
                let how = match mapping.decided_by {
                    MappingDecision::AutoMatch => "matched by name",
                    _ => "linked by a person",
                };
                *assets_per_client.entry(client_name(id)).or_default() += live.len();
                format!("-> {} ({how})", client_name(id))
            }
            None => "unmapped".to_owned(),
        };
        println!(
            "  {:<6} {:<24} {client}, {} assets",
            mapping.external_id,
            mapping.name,
            live.len()
        );
    }

    println!("assets per client:");
    for (client, count) in &assets_per_client {
        println!("  {client:<24} {count}");
    }

    println!("sync runs (newest first):");
    for run in store.list_sync_runs(tenant, integration, 10).await? {
        let took = run
            .finished_at
            .map(|f| format!("{} ms", (f - run.started_at).num_milliseconds()))
            .unwrap_or_else(|| "unfinished".to_owned());
        let count = |key: &str| run.counts.get(key).cloned().unwrap_or_default();
        println!(
            "  {} {:<20} {:<16} {took:<10} created {} updated {} unchanged {} retired {}{}",
            run.started_at.format("%H:%M:%S"),
            run.kind,
            run.outcome.as_str(),
            count("created"),
            count("updated"),
            count("unchanged"),
            count("tombstoned"),
            run.error
                .as_deref()
                .map(|e| format!(" error: {e}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}
