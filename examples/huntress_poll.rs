//! Connects a Huntress integration and turns its incidents into tickets.
//!
//! ```text
//! cargo run --example huntress_poll             # one poll cycle
//! cargo run --example huntress_poll -- --watch  # poll every poll interval
//! ```
//!
//! Environment:
//! - `HUNTRESS_API_URL`: the Huntress API host. Unset, a local simulator
//!   starts with a small generated dataset (and, with `--watch`, new and
//!   closed incidents between cycles).
//! - `HUNTRESS_API_KEY`, `HUNTRESS_API_SECRET`: the credentials (required
//!   with `HUNTRESS_API_URL`; the simulator's own otherwise).
//! - `DATABASE_URL`: default `sqlite://huntress_poll.db` in the current
//!   directory, its secret key in `huntress_poll.db.key` beside it (created
//!   on first use). For PostgreSQL the key comes from `PSA_SECRET_KEY` or
//!   `PSA_SECRET_KEY_FILE`.
//!
//! Each run seeds a new demo tenant, creates the integration, connects it
//! (which syncs the organizations), completes the incident settings from the
//! demo tenant (default board, triage board, fallback client Initech,
//! auto-close to Closed) and polls.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use chrono::{TimeDelta, Utc};
use huntress::provider::{HuntressProvider, SECRET_API_KEY, SECRET_API_SECRET};
use psa_ingest::engine::incidents::IncidentSettings;
use psa_ingest::ports::{IntegrationStore, NewIntegration, TicketStore};
use psa_ingest::{IntegrationId, ProviderId, TenantId, TicketId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::{DemoTenant, OpenOptions, PsaStore, SecretKey};
use psa_testkit::huntress::{DatasetSpec, HuntressSim, NewIncident, SimConfig};
use secrecy::SecretString;
use std::collections::HashMap;
use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

type AnyError = Box<dyn Error + Send + Sync>;

const DEFAULT_DATABASE_URL: &str = "sqlite://huntress_poll.db";

/// A simulated organization named like a demo client: the auto-matcher maps it.
const MAPPED_ORGANIZATION: &str = "Acme Corp";

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

async fn run() -> Result<(), AnyError> {
    let watch = std::env::args().skip(1).any(|arg| arg == "--watch");

    let (api_url, secrets, sim) = huntress_target().await?;
    let database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let store = open_store(&database_url).await?;
    println!("store: {}", store.backend());

    let demo = store
        .seed_demo_tenant(&format!("Huntress demo {}", Utc::now().to_rfc3339()))
        .await?;
    let tenant = demo.tenant;
    let integration = store
        .create_integration(
            tenant,
            NewIntegration {
                provider: ProviderId::new("huntress")?,
                instance_url: Some(api_url.clone()),
                settings: serde_json::json!({ "api_base_url": api_url }),
            },
        )
        .await?
        .id;

    let mut registry = ProviderRegistry::new();
    registry.register(Box::new(
        HuntressProvider::new().with_url_policy(huntress::UrlPolicy::loopback()),
    ))?;

    let (info, scopes) =
        psa_sync::jobs::connect(&store, &registry, tenant, integration, &secrets).await?;
    println!(
        "connected to {} ({api_url})",
        info.account_name.as_deref().unwrap_or("an unnamed account")
    );
    if let Some(scopes) = scopes {
        println!(
            "organizations: {} found, {} matched to a client by name, {} unmapped",
            scopes.discovered,
            scopes.auto_matched.len(),
            scopes.unmapped.len()
        );
    }

    let interval = complete_incident_settings(&store, &demo, integration).await?;

    let mut cycle = 0u32;
    loop {
        cycle += 1;
        let cycle_started = Utc::now();
        let before = ticket_states(&store, tenant).await?;
        let report = psa_sync::jobs::poll_incidents(&store, &registry, tenant, integration).await?;
        println!(
            "poll {cycle}: {} incidents received, {} tickets created, {} notes added, {} closed, {} recorded only, {} unchanged, {} requests",
            report.received,
            report.tickets_created,
            report.notes_added,
            report.tickets_closed,
            report.recorded_only,
            report.unchanged,
            report.requests_made
        );
        if report.tickets_reopened + report.recovered > 0 {
            println!(
                "  {} tickets reopened, {} quarantined incidents recovered",
                report.tickets_reopened, report.recovered
            );
        }
        print_changes(&store, tenant, &before).await?;
        problems::print_problems(&store, tenant, &[("Huntress", integration)], cycle_started)
            .await?;
        if let Some(failed) = &report.failed {
            return Err(format!(
                "the poll stopped at incident {}: {}",
                failed.external_id, failed.error
            )
            .into());
        }

        if !watch {
            return Ok(());
        }
        if let Some(sim) = &sim {
            // Something to see next cycle: a new incident and a closed one.
            simulate_activity(sim);
        }
        println!("next poll in {} s (Ctrl-C to stop)", interval.as_secs());
        tokio::time::sleep(interval).await;
    }
}

/// The API to talk to: the one `HUNTRESS_API_URL` names, or a simulator
/// (kept alive by the returned handle).
async fn huntress_target() -> Result<(String, ProviderSecrets, Option<HuntressSim>), AnyError> {
    if let Ok(url) = std::env::var("HUNTRESS_API_URL") {
        let secret = |name: &str| {
            std::env::var(name)
                .map(SecretString::from)
                .map_err(|_| format!("{name} is required with HUNTRESS_API_URL"))
        };
        let secrets = ProviderSecrets::new()
            .with(SECRET_API_KEY, secret("HUNTRESS_API_KEY")?)
            .with(SECRET_API_SECRET, secret("HUNTRESS_API_SECRET")?);
        return Ok((url, secrets, None));
    }
    // The simulator's clock is the real time: the first poll reaches back a
    // week from now, and the dataset stays inside that week.
    let sim = HuntressSim::start_with(SimConfig {
        start: Utc::now(),
        ..SimConfig::default()
    })
    .await;
    let summary = sim.generate(&DatasetSpec {
        organizations: 4,
        agents: 40,
        incidents: 25,
        history: TimeDelta::days(6),
        ..DatasetSpec::default()
    });
    // One organization named like a demo client, so the auto-matcher maps it.
    let acme = sim.add_organization(MAPPED_ORGANIZATION);
    let host = sim.add_agent(acme, "ACME-WS01");
    sim.add_incident(NewIncident::new(acme, Some(host)).severity("high"));
    println!(
        "HUNTRESS_API_URL is not set: simulator at {} with {} organizations, {} agents, {} incidents",
        sim.uri(),
        summary.organization_ids.len() + 1,
        sim.agent_count(),
        sim.incidents().len()
    );
    let secrets = ProviderSecrets::new()
        .with(SECRET_API_KEY, SecretString::from(sim.api_key()))
        .with(SECRET_API_SECRET, SecretString::from(sim.api_secret()));
    Ok((sim.uri(), secrets, Some(sim)))
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

/// Adds routing to the settings connecting wrote (the severity map is
/// already prefilled), by compare-and-set; returns the poll interval.
async fn complete_incident_settings(
    store: &PsaStore,
    demo: &DemoTenant,
    integration: IntegrationId,
) -> Result<Duration, AnyError> {
    let record = store
        .get_integration(demo.tenant, integration)
        .await?
        .ok_or("the integration just created is gone")?;
    let mut settings = record.settings.clone();
    let mut incidents = IncidentSettings::from_integration_settings(&settings)?;
    incidents.board_id = Some(demo.default_board.id);
    incidents.category_id = Some(demo.categories.security);
    incidents.subcategory_id = Some(demo.categories.incident);
    incidents.fallback_client_id = Some(demo.clients.initech);
    incidents.fallback_board_id = Some(demo.triage_board.id);
    incidents.auto_close = true;
    incidents.closed_status_id = Some(demo.default_board.closed);
    let minutes = incidents.poll_interval_minutes;
    settings
        .as_object_mut()
        .ok_or("settings are not a JSON object")?
        .insert("incidents".to_owned(), serde_json::to_value(incidents)?);
    store
        .update_settings(demo.tenant, integration, record.settings_version, settings)
        .await?;
    Ok(Duration::from_secs(u64::from(minutes) * 60))
}

/// Per ticket: how many comments it has and whether it is closed.
async fn ticket_states(
    store: &PsaStore,
    tenant: TenantId,
) -> Result<HashMap<TicketId, (usize, bool)>, AnyError> {
    let mut states = HashMap::new();
    for ticket in store.list_tickets(tenant).await? {
        let comments = store.list_comments(tenant, ticket.id).await?.len();
        states.insert(ticket.id, (comments, ticket.closed_at.is_some()));
    }
    Ok(states)
}

/// Prints the tickets created, and those that got a note or closed, since `before`.
async fn print_changes(
    store: &PsaStore,
    tenant: TenantId,
    before: &HashMap<TicketId, (usize, bool)>,
) -> Result<(), AnyError> {
    let mut tickets = store.list_tickets(tenant).await?;
    tickets.sort_by_key(|t| t.ticket_number);
    for ticket in tickets {
        let closed = ticket.closed_at.is_some();
        let what = match before.get(&ticket.id) {
            None => "created",
            Some((_, false)) if closed => "closed",
            Some((comments, _)) => {
                let now = store.list_comments(tenant, ticket.id).await?.len();
                if now > *comments {
                    "updated"
                } else {
                    continue;
                }
            }
        };
        println!(
            "  #{:<4} {what:<8} {}{}",
            ticket.ticket_number,
            ticket.title,
            if closed { " [closed]" } else { "" }
        );
    }
    Ok(())
}

/// Between watch cycles, on the organization named like a demo client (so
/// its tickets are on the default board): a new incident, and its oldest
/// open incident closed.
fn simulate_activity(sim: &HuntressSim) {
    let Some(org) = sim
        .organizations()
        .into_iter()
        .find(|o| o.name == MAPPED_ORGANIZATION)
    else {
        return;
    };
    let oldest_open = sim
        .incidents()
        .into_iter()
        .filter(|i| i.organization_id == org.id && i.status == "sent")
        .min_by_key(|i| i.updated_at);
    sim.add_incident(NewIncident::new(org.id, None).severity("critical"));
    if let Some(incident) = oldest_open {
        sim.close_incident(incident.id);
    }
}
