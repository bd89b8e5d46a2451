//! Connects a Huntress integration and turns its incidents into tickets.
//!
//! ```text
//! cargo run --example huntress_poll             # one poll cycle
//! cargo run --example huntress_poll -- --watch  # poll every poll interval
//! ```
//!
//! Environment: `HUNTRESS_API_URL` with `HUNTRESS_API_KEY` and
//! `HUNTRESS_API_SECRET`. Unset, a local simulator starts with the demo
//! dataset (and, with `--watch`, a new and a closed incident between
//! cycles). `DATABASE_URL`: default `sqlite://huntress_poll.db`, its key
//! beside it. `RUST_LOG`.
//!
//! The tenant ("Huntress demo") and its integration are kept between runs:
//! connecting syncs the organizations, and routing is completed from the
//! demo tenant where nobody chose (default board, Triage board and client
//! Initech for unmapped organizations, closing to Closed). A person can map
//! an organization between runs with `psa map`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use psa_integrations::chrono::Utc;
use psa_integrations::ingest::TicketId;
use psa_integrations::ingest::ports::{IntegrationTicket, all_pages};
use psa_integrations::prelude::*;
use psa_integrations::store::PsaStore;
use psa_integrations::sync::jobs::{self, JobReport};
use psa_integrations::{UrlPolicy, builtin_registry};
use psa_testkit::huntress::{HuntressSim, NewIncident};
use setup::AnyError;
use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Duration;

const TENANT: &str = "Huntress demo";

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
    let watch = std::env::args().skip(1).any(|arg| arg == "--watch");
    let (store, url) = setup::open_store("sqlite://huntress_poll.db").await?;
    let (tenant, _) = setup::demo_tenant(&store, TENANT).await?;
    println!("store:    {} ({url}), tenant {TENANT}", store.backend());
    let vendor = setup::huntress(None).await?;
    let registry = builtin_registry(UrlPolicy::loopback());
    let integration = setup::connect(&store, &registry, tenant, "huntress", &vendor).await?;
    let routing = setup::route_incidents(&store, tenant, integration).await?;
    let interval = Duration::from_secs(u64::from(routing.poll_interval_minutes) * 60);

    let mut failed = 0;
    for cycle in 1.. {
        let cycle_started = Utc::now();
        let before = tickets(&store, tenant, integration).await?;
        let report = jobs::poll_incidents(&store, &registry, tenant, integration).await?;
        println!("poll {cycle}: {}", JobReport::Incidents(report.clone()));
        print_changes(&before, &tickets(&store, tenant, integration).await?);
        failed +=
            problems::print_problems(&store, tenant, &[("huntress", integration)], cycle_started)
                .await?;
        if let Some(failed) = &report.failed {
            let (id, error) = (&failed.external_id, &failed.error);
            return Err(format!("the poll stopped at incident {id}: {error}").into());
        }
        if !watch {
            break;
        }
        if let Some(sim) = &vendor.sim {
            simulate_activity(sim);
        }
        println!("next poll in {} s (Ctrl-C to stop)", interval.as_secs());
        tokio::time::sleep(interval).await;
    }
    Ok(failed)
}

/// The integration's tickets by id.
async fn tickets(
    store: &PsaStore,
    tenant: TenantId,
    integration: IntegrationId,
) -> Result<HashMap<TicketId, IntegrationTicket>, AnyError> {
    let all = all_pages(1000, |page| {
        store.list_integration_tickets(tenant, integration, page)
    })
    .await?;
    Ok(all.into_iter().map(|t| (t.ticket.id, t)).collect())
}

/// The tickets created, closed or updated between `before` and `after`.
fn print_changes(
    before: &HashMap<TicketId, IntegrationTicket>,
    after: &HashMap<TicketId, IntegrationTicket>,
) {
    let mut changed: Vec<(i64, &str, &str)> = after
        .values()
        .filter_map(|now| {
            let t = &now.ticket;
            let what = match before.get(&t.id).map(|b| &b.ticket) {
                None => "created",
                Some(b) if b.closed_at.is_none() && t.closed_at.is_some() => "closed",
                Some(b) if b.updated_at != t.updated_at => "updated",
                Some(_) => return None,
            };
            Some((t.ticket_number, what, t.title.as_str()))
        })
        .collect();
    changed.sort();
    for (number, what, title) in changed {
        println!("  #{number:<4} {what:<8} {title}");
    }
}

/// Between watch cycles, on Acme Corp (mapped by name, so its tickets are
/// on the default board): a new incident, and its oldest open one closed.
fn simulate_activity(sim: &HuntressSim) {
    let Some(org) = sim
        .organizations()
        .into_iter()
        .find(|o| o.name == "Acme Corp")
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
