//! What every example starts with: logging, the store, a demo tenant kept
//! between runs, an integration per provider, vendor credentials.

// Each example uses part of it.
#![allow(dead_code)]

use psa_integrations::ingest::engine::incidents::{Catalog, IncidentSettings};
use psa_integrations::prelude::*;
use psa_integrations::secrecy::SecretString;
use psa_integrations::store::{OpenOptions, PsaStore, SecretKey};
use psa_integrations::sync::jobs;
use psa_testkit::demo;
use psa_testkit::huntress::HuntressSim;
use psa_testkit::tanium::TaniumSim;
use serde_json::{Value, json};

pub(crate) type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings).
pub(crate) fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

/// The exit code of an example's run: success when no run failed; an
/// error prints with its message, not its debug form.
pub(crate) fn exit_code(outcome: Result<usize, AnyError>) -> std::process::ExitCode {
    match outcome {
        Ok(0) => std::process::ExitCode::SUCCESS,
        Ok(failed) => {
            eprintln!("error: {failed} runs failed (see Problems above)");
            std::process::ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The store `DATABASE_URL` names (else `default`), its secret key beside a
/// SQLite file or from `PSA_SECRET_KEY`.
pub(crate) async fn open_store(default: &str) -> Result<(PsaStore, String), AnyError> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| default.to_owned());
    let options = OpenOptions::new().secret_key(SecretKey::for_url(&url)?);
    Ok((PsaStore::open_with(&url, options).await?, url))
}

/// The demo tenant `name` of an earlier run, or a new one; true when new.
pub(crate) async fn demo_tenant(
    store: &PsaStore,
    name: &str,
) -> Result<(TenantId, bool), AnyError> {
    Ok(match store.find_tenant(name).await? {
        Some(found) => (found.id, false),
        None => (store.seed_demo_tenant(name).await?.tenant, true),
    })
}

/// The tenant's integration of `provider` (created on the first run), with
/// `settings` set over what earlier runs stored (cursors, routing): a
/// simulator listens on a new port every run.
async fn integration(
    store: &PsaStore,
    tenant: TenantId,
    provider: &str,
    settings: Value,
) -> Result<IntegrationId, AnyError> {
    let Value::Object(settings) = settings else {
        return Err("settings are a JSON object".into());
    };
    let existing = store.list_integrations(tenant).await?;
    if let Some(found) = existing.iter().find(|i| i.provider.as_str() == provider) {
        jobs::update_settings(store, tenant, found.id, |stored| {
            stored.extend(settings.clone());
            Ok(())
        })
        .await?;
        return Ok(found.id);
    }
    let new = NewIntegration {
        provider: ProviderId::new(provider)?,
        instance_url: None,
        settings: Value::Object(settings),
    };
    Ok(store.create_integration(tenant, new).await?.id)
}

/// A vendor to connect: its settings and secrets, and the simulator when
/// the environment names no real one (kept alive while the example runs).
pub(crate) struct Vendor<Sim> {
    pub(crate) settings: Value,
    pub(crate) secrets: ProviderSecrets,
    pub(crate) sim: Option<Sim>,
}

/// Tanium at `TANIUM_GATEWAY_URL` with `TANIUM_API_TOKEN` (and
/// `TANIUM_ASSET_API_URL` when the Asset API is elsewhere), else the demo
/// simulator. Pages of `page_size` endpoints.
pub(crate) async fn tanium(page_size: u32) -> Result<Vendor<TaniumSim>, AnyError> {
    if std::env::var_os("TANIUM_GATEWAY_URL").is_some() {
        return Ok(Vendor {
            settings: json!({
                "gateway_url": var("TANIUM_GATEWAY_URL")?,
                "asset_api_url": std::env::var("TANIUM_ASSET_API_URL").ok(),
                "page_size": page_size,
            }),
            secrets: secrets(&[("api_token", var("TANIUM_API_TOKEN")?)]),
            sim: None,
        });
    }
    let sim = demo::tanium().await;
    println!(
        "Tanium:   TANIUM_GATEWAY_URL not set, simulator at {} ({} endpoints)",
        sim.gateway_url(),
        sim.endpoints().len()
    );
    Ok(Vendor {
        settings: json!({ "gateway_url": sim.gateway_url(), "asset_api_url": null, "page_size": page_size }),
        secrets: secrets(&[("api_token", sim.token())]),
        sim: Some(sim),
    })
}

/// Huntress at `HUNTRESS_API_URL` with `HUNTRESS_API_KEY` and
/// `HUNTRESS_API_SECRET`, else the demo simulator (agents named like the
/// Tanium simulator's endpoints, when there is one).
pub(crate) async fn huntress(tanium: Option<&TaniumSim>) -> Result<Vendor<HuntressSim>, AnyError> {
    if std::env::var_os("HUNTRESS_API_URL").is_some() {
        return Ok(Vendor {
            settings: json!({ "api_base_url": var("HUNTRESS_API_URL")? }),
            secrets: secrets(&[
                ("api_key", var("HUNTRESS_API_KEY")?),
                ("api_secret", var("HUNTRESS_API_SECRET")?),
            ]),
            sim: None,
        });
    }
    let sim = demo::huntress(tanium).await;
    println!(
        "Huntress: HUNTRESS_API_URL not set, simulator at {} ({} incidents)",
        sim.uri(),
        sim.incidents().len()
    );
    Ok(Vendor {
        settings: json!({ "api_base_url": sim.uri() }),
        secrets: secrets(&[
            ("api_key", sim.api_key().to_owned()),
            ("api_secret", sim.api_secret().to_owned()),
        ]),
        sim: Some(sim),
    })
}

/// The tenant's integration of `provider` with the vendor's settings,
/// connected (which syncs its scopes); prints what it found.
pub(crate) async fn connect<Sim>(
    store: &PsaStore,
    registry: &ProviderRegistry,
    tenant: TenantId,
    provider: &str,
    vendor: &Vendor<Sim>,
) -> Result<IntegrationId, AnyError> {
    let id = integration(store, tenant, provider, vendor.settings.clone()).await?;
    let (info, scopes) = jobs::connect(store, registry, tenant, id, &vendor.secrets).await?;
    let account = info
        .account_name
        .unwrap_or_else(|| "an unnamed account".into());
    let scopes = scopes.map(|s| {
        let (matched, unmapped) = (s.auto_matched.len(), s.unmapped.len());
        format!(
            ": {} scopes, {matched} newly matched by name, {unmapped} unmapped",
            s.discovered
        )
    });
    println!(
        "{provider:<9} connected to {account}{}",
        scopes.unwrap_or_default()
    );
    Ok(id)
}

/// A variable the real vendor needs.
fn var(name: &str) -> Result<String, AnyError> {
    std::env::var(name).map_err(|_| format!("{name} is required to use the real vendor").into())
}

/// Secrets by name.
fn secrets(pairs: &[(&str, String)]) -> ProviderSecrets {
    pairs
        .iter()
        .fold(ProviderSecrets::new(), |secrets, (name, value)| {
            secrets.with(*name, SecretString::from(value.clone()))
        })
}

/// Routes Huntress tickets where nobody chose yet: mapped organizations to
/// the default board (category Security / Incident), unmapped ones to client
/// Initech on the Triage board, closed incidents close their tickets.
/// Connecting already filled the severity to priority map.
pub(crate) async fn route_incidents(
    store: &PsaStore,
    tenant: TenantId,
    huntress: IntegrationId,
) -> Result<IncidentSettings, AnyError> {
    let catalog = Catalog::load(store, tenant).await?;
    let board = catalog
        .boards
        .iter()
        .find(|b| b.is_default)
        .ok_or("no default board")?;
    let closed = catalog.status(board.id, "Closed")?.id;
    let triage = catalog.board("Triage")?.id;
    let initech = catalog.client("Initech")?.id;
    let security = catalog.category("Security")?.id;
    let incident = catalog.subcategory(security, "Incident")?.id;
    let routed = jobs::update_section(
        store,
        tenant,
        huntress,
        "incidents",
        |s: &mut IncidentSettings| {
            s.board_id.get_or_insert(board.id);
            s.fallback_board_id.get_or_insert(triage);
            s.fallback_client_id.get_or_insert(initech);
            s.category_id.get_or_insert(security);
            s.subcategory_id.get_or_insert(incident);
            if s.closed_status_id.is_none() {
                s.auto_close = true;
                s.closed_status_id = Some(closed);
            }
        },
    )
    .await?;
    Ok(routed)
}
