//! The whole flow in one command: a demo tenant, Tanium and Huntress
//! connected, scopes mapped, assets synced, incidents turned into tickets,
//! all run by the sync worker, then a summary.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With no configuration it uses an embedded SQLite file and starts both
//! simulators with a small fixed dataset: Tanium computer groups and Huntress
//! organizations named like the demo clients (so they are matched by name)
//! plus one unmapped each, and Huntress agents named like Tanium endpoints
//! (so their tickets link to those assets). Run it twice: the second run
//! finds the same tenant, gets the same data again and creates nothing.
//!
//! Environment (each vendor independently; unset, its simulator starts):
//! - `TANIUM_GATEWAY_URL`, `TANIUM_API_TOKEN`, optional
//!   `TANIUM_ASSET_API_URL`: as in the `tanium_sync` example.
//! - `HUNTRESS_API_URL`, `HUNTRESS_API_KEY`, `HUNTRESS_API_SECRET`: as in
//!   the `huntress_poll` example.
//! - `DATABASE_URL`: default `sqlite://quickstart.db` in the current
//!   directory, its secret key in `quickstart.db.key` beside it. For
//!   PostgreSQL the key comes from `PSA_SECRET_KEY` or `PSA_SECRET_KEY_FILE`.
//!
//! The demo tenant's id is kept in a file (`quickstart.db.tenant` beside a
//! SQLite database, `quickstart.tenant` in the current directory otherwise)
//! so later runs reuse the tenant and its two integrations. Simulator data
//! and real vendor data should not share one database.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use chrono::{DateTime, TimeDelta, Utc};
use futures::TryStreamExt;
use huntress::provider::{HuntressProvider, SECRET_API_KEY, SECRET_API_SECRET};
use psa_ingest::engine::incidents::{Catalog, IncidentSettings};
use psa_ingest::ports::{
    AlertStore, AssetStore, CatalogStore, IntegrationStore, NewIntegration, ScheduleStore,
    ScopeMappingStore, SyncRunStore, TicketStore,
};
use psa_ingest::{BoardId, ClientId, IntegrationId, ProviderId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::{OpenOptions, PsaStore, SecretKey};
use psa_sync::jobs::JobKind;
use psa_sync::{ProgressEvent, SyncEvent, SyncEventKind, Worker, WorkerConfig};
use psa_testkit::huntress::{HuntressSim, NewIncident, SimConfig};
use psa_testkit::tanium::{GroupSpec, TaniumSim};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::error::Error;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tanium_gateway::provider::{API_TOKEN_SECRET, TaniumProvider};

type AnyError = Box<dyn Error + Send + Sync>;

const DEFAULT_DATABASE_URL: &str = "sqlite://quickstart.db";
const TENANT_NAME: &str = "Quickstart demo";
/// Endpoints per Gateway page: small, so the simulated walk takes a few pages.
const PAGE_SIZE: u32 = 20;

#[path = "support/problems.rs"]
mod problems;

#[tokio::main]
async fn main() -> ExitCode {
    // Errors print with their message, not their debug form.
    match run().await {
        Ok(0) => ExitCode::SUCCESS,
        Ok(failed) => {
            eprintln!("error: {failed} runs failed (see Problems above)");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the demo; returns how many runs failed.
async fn run() -> Result<usize, AnyError> {
    let started = Utc::now();
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let store = Arc::new(open_store(&database_url).await?);
    let (tenant, seeded) = demo_tenant(&store, &database_url).await?;
    println!("store:    {} ({database_url})", store.backend());
    println!(
        "tenant:   {TENANT_NAME} {tenant} ({})",
        if seeded {
            "seeded now"
        } else {
            "from an earlier run"
        }
    );

    let tanium = tanium_target().await?;
    let huntress = huntress_target(tanium.sim.as_ref()).await?;
    let mut provider = TaniumProvider::new().with_url_policy(tanium_gateway::UrlPolicy::loopback());
    if let Some(sim) = &tanium.sim {
        // With the simulator, agent status is judged by its clock.
        provider = provider.with_clock(sim.clock().as_fn());
    }
    let mut registry = ProviderRegistry::new();
    registry.register(Box::new(provider))?;
    registry.register(Box::new(
        HuntressProvider::new().with_url_policy(huntress::UrlPolicy::loopback()),
    ))?;
    let registry = Arc::new(registry);

    let tanium_id = integration(&store, tenant, "tanium", &tanium.settings).await?;
    let huntress_id = integration(&store, tenant, "huntress", &huntress.settings).await?;
    for (name, id, secrets) in [
        ("Tanium", tanium_id, &tanium.secrets),
        ("Huntress", huntress_id, &huntress.secrets),
    ] {
        let (info, scopes) =
            psa_sync::jobs::connect(&*store, &registry, tenant, id, secrets).await?;
        let account = info.account_name.as_deref().unwrap_or("an unnamed account");
        match scopes {
            Some(s) => println!(
                "{name:<9} connected to {account}: {} scopes found, {} newly matched to a client by name, {} unmapped",
                s.discovered,
                s.auto_matched.len(),
                s.unmapped.len()
            ),
            None => println!("{name:<9} connected to {account}"),
        }
    }
    complete_incident_routing(&store, tenant, huntress_id).await?;
    make_due_now(&store, tenant, &[tanium_id, huntress_id]).await?;

    let before = totals(&store, tenant, tanium_id).await?;
    let names = HashMap::from([(tanium_id, "tanium"), (huntress_id, "huntress")]);
    let expected = HashMap::from([
        (
            JobKind::DevicesFull,
            tanium.sim.as_ref().map(|s| s.endpoints().len() as u64),
        ),
        (
            JobKind::Incidents,
            huntress.sim.as_ref().map(|s| s.incidents().len() as u64),
        ),
    ]);
    let line = Arc::new(ProgressLine::new(names, expected));
    let worker = Worker::builder(Arc::clone(&store), Arc::clone(&registry))
        // One job at a time, earliest due first: the device sync writes the
        // assets before the incident poll looks for them to link.
        .config(WorkerConfig {
            max_jobs: 1,
            ..WorkerConfig::default()
        })
        .subscriber(Arc::new(move |event: &SyncEvent| line.on_event(event)))
        .build()?;
    println!("\nsyncing:");
    let report = worker.run_until_idle().await?;
    println!(
        "worker:   {} jobs succeeded, {} failed",
        report.succeeded, report.failed
    );
    let after = totals(&store, tenant, tanium_id).await?;

    print_assets(&store, tenant, tanium_id, huntress_id).await?;
    print_tickets(&store, tenant, huntress_id).await?;
    print_runs(
        &store,
        tenant,
        &[("tanium", tanium_id), ("huntress", huntress_id)],
        started,
    )
    .await?;

    let failed = problems::print_problems(
        &store,
        tenant,
        &[("Tanium", tanium_id), ("Huntress", huntress_id)],
        started,
    )
    .await?;

    let (assets, tickets) = (
        after.0.saturating_sub(before.0),
        after.1.saturating_sub(before.1),
    );
    println!("\ntotals:   {} assets, {} tickets", after.0, after.1);
    if seeded {
        println!(
            "this run: created {assets} assets, {tickets} tickets (run it again: nothing is duplicated)"
        );
    } else if assets == 0 && tickets == 0 {
        println!("this run: created 0 assets, 0 tickets: nothing duplicated");
    } else {
        println!(
            "this run: created {assets} assets, {tickets} tickets (new at the source since the last run)"
        );
    }
    Ok(failed)
}

/// A provider to talk to: its settings and secrets, and the simulator when
/// no real one was named (kept alive while the example runs).
struct Target<Sim> {
    /// Settings this example owns; `null` removes a key left by a former run.
    settings: Value,
    secrets: ProviderSecrets,
    sim: Option<Sim>,
}

async fn tanium_target() -> Result<Target<TaniumSim>, AnyError> {
    if let Ok(url) = std::env::var("TANIUM_GATEWAY_URL") {
        let token = std::env::var("TANIUM_API_TOKEN")
            .map_err(|_| "TANIUM_API_TOKEN is required with TANIUM_GATEWAY_URL")?;
        return Ok(Target {
            settings: json!({
                "gateway_url": url,
                "asset_api_url": std::env::var("TANIUM_ASSET_API_URL").ok(),
                "page_size": PAGE_SIZE,
            }),
            secrets: ProviderSecrets::new().with(API_TOKEN_SECRET, SecretString::from(token)),
            sim: None,
        });
    }
    let sim = TaniumSim::builder()
        .start_generated(&[
            GroupSpec::new("1", "Acme Corp", 40),
            GroupSpec::new("2", "Globex", 25),
            GroupSpec::new("3", "Initech", 12),
            GroupSpec::new("4", "Lab", 5),
        ])
        .await;
    println!(
        "Tanium:   TANIUM_GATEWAY_URL not set, simulator at {} ({} groups, {} endpoints)",
        sim.gateway_url(),
        sim.groups().len(),
        sim.endpoints().len()
    );
    Ok(Target {
        settings: json!({
            "gateway_url": sim.gateway_url(),
            "asset_api_url": null,
            "page_size": PAGE_SIZE,
        }),
        secrets: ProviderSecrets::new().with(API_TOKEN_SECRET, SecretString::from(sim.token())),
        sim: Some(sim),
    })
}

/// The Huntress API named by `HUNTRESS_*`, or a simulator whose agents are
/// named like the first endpoints of the Tanium simulator's groups.
async fn huntress_target(tanium: Option<&TaniumSim>) -> Result<Target<HuntressSim>, AnyError> {
    if let Ok(url) = std::env::var("HUNTRESS_API_URL") {
        let secret = |name: &str| {
            std::env::var(name)
                .map(SecretString::from)
                .map_err(|_| format!("{name} is required with HUNTRESS_API_URL"))
        };
        return Ok(Target {
            settings: json!({ "api_base_url": url }),
            secrets: ProviderSecrets::new()
                .with(SECRET_API_KEY, secret("HUNTRESS_API_KEY")?)
                .with(SECRET_API_SECRET, secret("HUNTRESS_API_SECRET")?),
            sim: None,
        });
    }
    let host = |group: &str, n: usize, fallback: &str| {
        tanium
            .and_then(|sim| {
                sim.endpoints()
                    .into_iter()
                    .filter(|e| e.groups.contains(group))
                    .nth(n)
            })
            .map_or_else(|| fallback.to_owned(), |e| e.name)
    };
    // The clock starts an hour back so every record is in the past; the same
    // calls give the same ids on every run.
    let sim = HuntressSim::start_with(SimConfig {
        start: Utc::now() - TimeDelta::hours(1),
        ..SimConfig::default()
    })
    .await;
    let acme = sim.add_organization("Acme Corp");
    let globex = sim.add_organization("Globex");
    let umbrella = sim.add_organization("Umbrella Health");
    let acme_1 = sim.add_agent(acme, &host("1", 0, "ACME-WS01"));
    let acme_2 = sim.add_agent(acme, &host("1", 1, "ACME-SRV01"));
    let globex_1 = sim.add_agent(globex, &host("2", 0, "GLOBEX-WS01"));
    let umbrella_1 = sim.add_agent(umbrella, "UMB-WS01");
    for incident in [
        NewIncident::new(acme, Some(acme_1)).severity("high"),
        NewIncident::new(acme, Some(acme_2)).severity("critical"),
        NewIncident::new(acme, Some(acme_1))
            .severity("low")
            .status("closed"),
        NewIncident::new(globex, Some(globex_1)).severity("low"),
        NewIncident::new(globex, None).severity("high"),
        NewIncident::new(umbrella, Some(umbrella_1)).severity("high"),
    ] {
        sim.add_incident(incident);
    }
    println!(
        "Huntress: HUNTRESS_API_URL not set, simulator at {} ({} organizations, {} agents, {} incidents)",
        sim.uri(),
        sim.organizations().len(),
        sim.agent_count(),
        sim.incidents().len()
    );
    Ok(Target {
        settings: json!({ "api_base_url": sim.uri() }),
        secrets: ProviderSecrets::new()
            .with(SECRET_API_KEY, SecretString::from(sim.api_key()))
            .with(SECRET_API_SECRET, SecretString::from(sim.api_secret())),
        sim: Some(sim),
    })
}

/// The path of a SQLite database file, `None` for other URLs.
fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
}

/// Opens the store; a SQLite file keeps its secret key in a file beside it.
async fn open_store(url: &str) -> Result<PsaStore, AnyError> {
    let key = match sqlite_path(url) {
        Some(":memory:") | Some("") => SecretKey::generate(),
        Some(path) => SecretKey::load_or_create_file(SecretKey::key_file_beside(path))?,
        None => SecretKey::from_env()?,
    };
    Ok(PsaStore::open_with(url, OpenOptions::new().secret_key(key)).await?)
}

/// The demo tenant of an earlier run, or a new one; true when new. The store
/// cannot look tenants up, so the id is kept in a file.
async fn demo_tenant(store: &PsaStore, url: &str) -> Result<(TenantId, bool), AnyError> {
    let file = match sqlite_path(url) {
        Some(":memory:") | Some("") => None,
        Some(path) => Some(format!("{path}.tenant")),
        None => Some("quickstart.tenant".to_owned()),
    };
    if let Some(text) = file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()) {
        let id: Option<TenantId> = serde_json::from_value(Value::from(text.trim())).ok();
        // A tenant without clients is not in this database (it was reset).
        if let Some(id) = id
            && !store.list_clients(id).await?.is_empty()
        {
            return Ok((id, false));
        }
    }
    let tenant = store.seed_demo_tenant(TENANT_NAME).await?.tenant;
    if let Some(file) = file {
        std::fs::write(&file, format!("{tenant}\n"))
            .map_err(|e| format!("cannot write {file}: {e}"))?;
    }
    Ok((tenant, true))
}

/// The tenant's integration of `provider` (created on the first run), with
/// `settings` merged into what earlier runs stored (cursors, routing).
async fn integration(
    store: &PsaStore,
    tenant: TenantId,
    provider: &str,
    settings: &Value,
) -> Result<IntegrationId, AnyError> {
    let existing = store
        .list_integrations(tenant)
        .await?
        .into_iter()
        .find(|i| i.provider.as_str() == provider);
    let Some(record) = existing else {
        let mut fresh = json!({});
        merge(&mut fresh, settings);
        let created = store
            .create_integration(
                tenant,
                NewIntegration {
                    provider: ProviderId::new(provider)?,
                    instance_url: None,
                    settings: fresh,
                },
            )
            .await?;
        return Ok(created.id);
    };
    // The simulators listen on a new port every run.
    let mut merged = record.settings.clone();
    merge(&mut merged, settings);
    if merged != record.settings {
        store
            .update_settings(tenant, record.id, record.settings_version, merged)
            .await?;
    }
    Ok(record.id)
}

/// Sets each key of `changes` in `settings`; a `null` removes it.
fn merge(settings: &mut Value, changes: &Value) {
    if !settings.is_object() {
        *settings = json!({});
    }
    let (Some(target), Some(changes)) = (settings.as_object_mut(), changes.as_object()) else {
        return;
    };
    for (key, value) in changes {
        if value.is_null() {
            target.remove(key);
        } else {
            target.insert(key.clone(), value.clone());
        }
    }
}

/// Routes Huntress tickets, once: mapped organizations to the default board
/// (category Security / Incident), unmapped ones to client Initech on the
/// Triage board. Connecting already filled the severity to priority map.
async fn complete_incident_routing(
    store: &PsaStore,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<(), AnyError> {
    let catalog = Catalog::load(store, tenant).await?;
    let board = catalog
        .boards
        .iter()
        .find(|b| b.is_default)
        .ok_or("the tenant has no default board")?
        .id;
    let triage = catalog.board("Triage")?.id;
    let initech = catalog.client("Initech")?.id;
    let security = catalog.category("Security")?.id;
    let incident = catalog.subcategory(security, "Incident")?.id;
    psa_sync::jobs::update_section(
        store,
        tenant,
        integration,
        "incidents",
        |s: &mut IncidentSettings| {
            s.board_id.get_or_insert(board);
            s.fallback_board_id.get_or_insert(triage);
            s.fallback_client_id.get_or_insert(initech);
            s.category_id.get_or_insert(security);
            s.subcategory_id.get_or_insert(incident);
        },
    )
    .await?;
    Ok(())
}

/// Makes the device sync and incident poll due now (a later run would
/// otherwise find them scheduled an interval ahead), devices first. The
/// scope jobs stay as they are: connecting has just synced the scopes.
async fn make_due_now(
    store: &PsaStore,
    tenant: TenantId,
    integrations: &[IntegrationId],
) -> Result<(), AnyError> {
    let mut due = Utc::now() - TimeDelta::seconds(10);
    for &integration in integrations {
        for job in store.list_scheduled_jobs(tenant, integration).await? {
            if job.job != "scopes" {
                store
                    .set_job_due(tenant, integration, &job.job, due)
                    .await?;
                due += TimeDelta::seconds(1);
            }
        }
    }
    Ok(())
}

/// Live assets and tickets of the tenant.
async fn totals(
    store: &PsaStore,
    tenant: TenantId,
    tanium: IntegrationId,
) -> Result<(usize, usize), AnyError> {
    let mut assets = 0;
    for mapping in store.list_scope_mappings(tenant, tanium).await? {
        assets += live_devices(store, tenant, tanium, &mapping.external_id).await?;
    }
    Ok((assets, store.list_tickets(tenant).await?.len()))
}

async fn live_devices(
    store: &PsaStore,
    tenant: TenantId,
    integration: IntegrationId,
    scope: &str,
) -> Result<usize, AnyError> {
    let devices: Vec<_> = store
        .scope_devices(tenant, integration, scope)
        .try_collect()
        .await?;
    Ok(devices.len())
}

async fn client_names(
    store: &PsaStore,
    tenant: TenantId,
) -> Result<BTreeMap<ClientId, String>, AnyError> {
    Ok(store
        .list_clients(tenant)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// The Tanium groups and Huntress organizations with their clients, and the
/// assets per client.
async fn print_assets(
    store: &PsaStore,
    tenant: TenantId,
    tanium: IntegrationId,
    huntress: IntegrationId,
) -> Result<(), AnyError> {
    let clients = client_names(store, tenant).await?;
    let client = |id: Option<ClientId>| {
        id.and_then(|id| clients.get(&id).cloned())
            .unwrap_or_else(|| "(unmapped)".to_owned())
    };
    let mut per_client: BTreeMap<String, usize> =
        clients.values().map(|name| (name.clone(), 0)).collect();
    println!("\nTanium computer groups        client            assets");
    for mapping in store.list_scope_mappings(tenant, tanium).await? {
        let live = live_devices(store, tenant, tanium, &mapping.external_id).await?;
        if let Some(id) = mapping.client_id {
            *per_client.entry(client(Some(id))).or_default() += live;
        }
        println!(
            "  {:<28}{:<18}{live:>6}",
            mapping.name,
            client(mapping.client_id)
        );
    }
    println!("\nHuntress organizations        client");
    for mapping in store.list_scope_mappings(tenant, huntress).await? {
        let to = match mapping.client_id {
            Some(id) => client(Some(id)),
            None => "(unmapped: tickets go to the fallback client)".to_owned(),
        };
        println!("  {:<28}{to}", mapping.name);
    }
    println!("\nAssets per client");
    for (name, count) in &per_client {
        println!("  {name:<28}{count:>6}");
    }
    Ok(())
}

/// Every ticket with its client, board and linked assets.
async fn print_tickets(
    store: &PsaStore,
    tenant: TenantId,
    huntress: IntegrationId,
) -> Result<(), AnyError> {
    let clients = client_names(store, tenant).await?;
    let boards: HashMap<BoardId, String> = store
        .list_boards(tenant)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    println!("\nTickets");
    println!(
        "  {:<5}{:<12}{:<9}{:<8}{:<16}title",
        "#", "client", "board", "state", "linked assets"
    );
    let mut tickets = store.list_tickets(tenant).await?;
    tickets.sort_by_key(|t| t.ticket_number);
    for ticket in tickets {
        let linked = store.ticket_assets(tenant, ticket.id).await?;
        // An asset is linked through the incident's host name: name it by that.
        let host = match &ticket.source_reference {
            Some(reference) if !linked.is_empty() => store
                .get_alert(tenant, huntress, reference)
                .await?
                .and_then(|a| a.device_name),
            _ => None,
        };
        let mut names = Vec::new();
        for asset in &linked {
            let name = match &host {
                Some(host) => store
                    .find_assets_by_hostname(tenant, ticket.client_id, host)
                    .await?
                    .into_iter()
                    .find(|m| m.asset_id == *asset)
                    .map(|m| m.name),
                None => None,
            };
            names.push(name.unwrap_or_else(|| asset.to_string()));
        }
        println!(
            "  {:<5}{:<12}{:<9}{:<8}{:<16}{}",
            ticket.ticket_number,
            clients.get(&ticket.client_id).map_or("?", String::as_str),
            boards.get(&ticket.board_id).map_or("?", String::as_str),
            if ticket.closed_at.is_some() {
                "closed"
            } else {
                "open"
            },
            if names.is_empty() {
                "-".to_owned()
            } else {
                names.join(", ")
            },
            ticket.title,
        );
    }
    Ok(())
}

/// The run records of both integrations, newest first; `*` marks this run's.
async fn print_runs(
    store: &PsaStore,
    tenant: TenantId,
    integrations: &[(&str, IntegrationId)],
    started: DateTime<Utc>,
) -> Result<(), AnyError> {
    let mut runs = Vec::new();
    for &(provider, id) in integrations {
        for run in store.list_sync_runs(tenant, id, 12).await? {
            runs.push((provider, run));
        }
    }
    runs.sort_by_key(|(_, run)| std::cmp::Reverse(run.started_at));
    runs.truncate(16);
    println!("\nSync runs, newest first (* = this run)");
    println!(
        "    {:<10}{:<10}{:<21}{:<11}{:>9}  counts",
        "started", "provider", "kind", "outcome", "requests"
    );
    for (provider, run) in runs {
        let n = |key: &str| match &run.counts[key] {
            Value::Array(items) => items.len() as u64,
            value => value.as_u64().unwrap_or(0),
        };
        let counts = match run.kind.as_str() {
            "scopes" => format!(
                "{} found, {} new, {} matched, {} unmapped",
                n("discovered"),
                n("created"),
                n("auto_matched"),
                n("unmapped")
            ),
            "incidents" => format!(
                "{} received, {} tickets created, {} notes, {} closed, {} unchanged, {} assets linked, {} quarantined",
                n("received"),
                n("tickets_created"),
                n("notes_added"),
                n("tickets_closed"),
                n("unchanged"),
                n("assets_linked"),
                n("quarantined")
            ),
            _ => format!(
                "{} received, {} created, {} updated, {} unchanged, {} retired, {} quarantined",
                n("received"),
                n("created"),
                n("updated"),
                n("unchanged"),
                n("tombstoned"),
                n("quarantined")
            ),
        };
        println!(
            "  {} {:<10}{:<10}{:<21}{:<11}{:>9}  {counts}{}",
            if run.started_at >= started { '*' } else { ' ' },
            run.started_at.format("%H:%M:%S"),
            provider,
            run.kind,
            run.outcome.as_str(),
            run.requests_made,
            run.error
                .as_deref()
                .map(|e| format!(" error: {e}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// One line on stderr per run, redrawn in place (on a terminal) as its
/// progress events arrive: a bar when the total is known, counts otherwise.
struct ProgressLine {
    names: HashMap<IntegrationId, &'static str>,
    expected: HashMap<JobKind, Option<u64>>,
    redraw: bool,
    state: Mutex<RunState>,
}

#[derive(Default)]
struct RunState {
    label: String,
    total: Option<u64>,
    done: u64,
    unit: &'static str,
    requests: u64,
    tickets: u64,
    since: Option<Instant>,
}

impl ProgressLine {
    fn new(
        names: HashMap<IntegrationId, &'static str>,
        expected: HashMap<JobKind, Option<u64>>,
    ) -> Self {
        Self {
            names,
            expected,
            redraw: std::io::stderr().is_terminal(),
            state: Mutex::new(RunState::default()),
        }
    }

    fn on_event(&self, event: &SyncEvent) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match &event.what {
            SyncEventKind::Started { .. } => {
                *state = RunState {
                    label: format!(
                        "{:<9}{:<21}",
                        self.names.get(&event.integration).unwrap_or(&"?"),
                        event.kind.as_str()
                    ),
                    total: self.expected.get(&event.kind).copied().flatten(),
                    since: Some(Instant::now()),
                    ..RunState::default()
                };
            }
            SyncEventKind::Progress(progress) => match progress {
                ProgressEvent::RequestsMade { total } => state.requests = *total,
                ProgressEvent::DevicesWritten { total, .. } => {
                    (state.done, state.unit) = (*total, "devices");
                }
                ProgressEvent::IncidentProcessed { total, .. } => {
                    (state.done, state.unit) = (*total, "incidents");
                }
                ProgressEvent::TicketCreated { .. } => state.tickets += 1,
                _ => return,
            },
            SyncEventKind::Finished { outcome, .. } => {
                let seconds = state.since.map_or(0.0, |s| s.elapsed().as_secs_f64());
                let line = format!(
                    "  {}{:<11}{:>5.1} s  {}",
                    state.label,
                    outcome.as_str(),
                    seconds,
                    counts(&state)
                );
                let line = line.trim_end();
                if self.redraw {
                    eprintln!("\r\x1b[2K{line}");
                } else {
                    eprintln!("{line}");
                }
                return;
            }
            _ => return,
        }
        if self.redraw {
            let bar = match state.total {
                Some(total) if total > 0 && state.done <= total => {
                    let filled = (state.done * 30 / total) as usize;
                    format!("[{}{}] ", "#".repeat(filled), ".".repeat(30 - filled))
                }
                _ => String::new(),
            };
            eprint!(
                "\r\x1b[2K  {}running    {bar}{}",
                state.label,
                counts(&state)
            );
        }
    }
}

/// What the run's events have told so far (a run that reports no progress
/// shows only its outcome).
fn counts(state: &RunState) -> String {
    let mut parts = Vec::new();
    if !state.unit.is_empty() {
        parts.push(format!("{} {}", state.done, state.unit));
    }
    if state.requests > 0 {
        parts.push(format!("{} requests", state.requests));
    }
    if state.tickets > 0 {
        parts.push(format!("{} tickets created", state.tickets));
    }
    parts.join(", ")
}
