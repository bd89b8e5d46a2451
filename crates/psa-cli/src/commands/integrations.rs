//! `psa integration add|list|show`, `psa connect`, `psa disconnect`.

use crate::args::RoutingArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{self, Row, or_dash};
use psa_integrations::ingest::engine::EngineError;
use psa_integrations::ingest::engine::incidents::{Catalog, IncidentSettings};
use psa_integrations::ingest::ports::Integration;
use psa_integrations::prelude::*;
use psa_integrations::secrecy::SecretString;
use psa_integrations::sync::asset_settings::AssetSettings;
use psa_integrations::sync::jobs::{self, RunCounts};
use psa_integrations::sync::schedule::ScheduleSettings;
use psa_integrations::sync::{Job, SyncError};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::io::{BufRead, IsTerminal};

#[derive(Serialize)]
struct IntegrationRow {
    id: IntegrationId,
    provider: String,
    status: String,
    connected: bool,
    last_sync_at: Option<String>,
    error: Option<String>,
}

impl IntegrationRow {
    fn of(i: &Integration) -> Self {
        Self {
            id: i.id,
            provider: i.provider.as_str().to_owned(),
            status: i.sync_status.as_str().to_owned(),
            connected: i.connected_at.is_some(),
            last_sync_at: i.last_sync_at.map(|t| t.to_rfc3339()),
            error: i.sync_error.clone(),
        }
    }
}

impl Row for IntegrationRow {
    const HEADERS: &'static [&'static str] = &[
        "id",
        "provider",
        "status",
        "connected",
        "last sync",
        "error",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.provider.clone(),
            self.status.clone(),
            if self.connected { "yes" } else { "no" }.to_owned(),
            or_dash(self.last_sync_at.as_deref()),
            or_dash(self.error.as_deref()),
        ]
    }
}

pub(super) async fn add(ctx: &Context, provider: &str, pairs: &[String]) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let known = || {
        ctx.registry
            .descriptors()
            .map(|d| d.id.as_str().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let id = ProviderId::new(provider)
        .map_err(|e| CliError::usage(format!("provider {provider:?}: {e} (known: {})", known())))?;
    let found = ctx
        .registry
        .get(&id)
        .map_err(|e| CliError::usage(format!("{e} (known: {})", known())))?;
    let settings = Value::Object(parse_settings(pairs)?);
    found
        .validate_settings(&settings)
        .map_err(|e| CliError::usage(format!("settings for {provider}: {e}")))?;
    let created = ctx
        .store
        .create_integration(
            tenant,
            NewIntegration {
                provider: id,
                instance_url: None,
                settings,
            },
        )
        .await?;
    output::one(
        ctx.json,
        &IntegrationRow::of(&created),
        &created.id.to_string(),
    );
    output::note(
        ctx.json,
        &format!(
            "next: `psa connect {}` with the provider's secrets",
            created.id
        ),
    );
    Ok(())
}

/// `key=value` pairs as settings: numbers and `true`/`false` as such, the
/// rest as text.
fn parse_settings(pairs: &[String]) -> Result<Map<String, Value>, CliError> {
    let mut settings = Map::new();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(CliError::usage(format!(
                "--setting {pair:?}: expected KEY=VALUE"
            )));
        };
        let value = match serde_json::from_str::<Value>(value) {
            Ok(typed @ (Value::Number(_) | Value::Bool(_))) => typed,
            _ => Value::from(value),
        };
        settings.insert(key.trim().to_owned(), value);
    }
    Ok(settings)
}

pub(super) async fn set(ctx: &Context, named: &str, pairs: &[String]) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    let provider = ctx
        .registry
        .get(&integration.provider)
        .map_err(CliError::usage)?;
    let changes = parse_settings(pairs)?;
    let settings = jobs::update_settings(ctx.ports(), tenant, integration.id, |stored| {
        for (key, value) in &changes {
            set_dotted(stored, key, value.clone());
        }
        // Every reader of the settings checks them before they are written.
        let all = Value::Object(stored.clone());
        let settings_error = |e| SyncError::Engine(EngineError::Settings(e));
        provider.validate_settings(&all).map_err(settings_error)?;
        ScheduleSettings::from_settings(&all).map_err(settings_error)?;
        AssetSettings::from_settings(&all).map_err(settings_error)?;
        IncidentSettings::from_integration_settings(&all)
            .and_then(|incidents| incidents.check_ranges())
            .map_err(settings_error)?;
        Ok(())
    })
    .await?;
    output::one(
        ctx.json,
        &json!({ "integration": integration.id, "settings": settings }),
        &format!("settings of {} updated", integration.id),
    );
    Ok(())
}

/// Sets `key` (dotted for a section: `schedule.device_sync_minutes`).
fn set_dotted(settings: &mut Map<String, Value>, key: &str, value: Value) {
    match key.split_once('.') {
        Some((section, rest)) => {
            let entry = settings
                .entry(section.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                set_dotted(inner, rest, value);
            }
        }
        None => {
            settings.insert(key.to_owned(), value);
        }
    }
}

pub(super) async fn routing(ctx: &Context, args: &RoutingArgs) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, &args.integration).await?;
    let catalog = Catalog::load(ctx.ports(), tenant).await?;
    let usage = CliError::usage;
    let board_named = |name: &Option<String>| {
        name.as_deref()
            .map(|name| catalog.board(name).map(|b| b.id).map_err(usage))
            .transpose()
    };
    let board = board_named(&args.board)?;
    let fallback_board = board_named(&args.fallback_board)?;
    let fallback_client = args
        .fallback_client
        .as_deref()
        .map(|name| catalog.client(name).map(|c| c.id).map_err(usage))
        .transpose()?;
    let category = args
        .category
        .as_deref()
        .map(|name| catalog.category(name).map(|c| c.id).map_err(usage))
        .transpose()?;
    let subcategory = match (&args.subcategory, category) {
        (Some(name), Some(parent)) => Some(catalog.subcategory(parent, name).map_err(usage)?.id),
        _ => None,
    };
    let stored = IncidentSettings::from_integration_settings(&integration.settings)
        .map_err(|e| CliError::usage(format!("the stored incident settings: {e}")))?;
    let close_to = match &args.close_to {
        Some(name) => {
            let on = board
                .or(stored.board_id)
                .ok_or_else(|| CliError::usage("--close-to needs a board: give --board too"))?;
            Some(catalog.status(on, name).map_err(usage)?.id)
        }
        None => None,
    };
    let routed = jobs::update_section(
        ctx.ports(),
        tenant,
        integration.id,
        "incidents",
        |s: &mut IncidentSettings| {
            s.board_id = board.or(s.board_id);
            s.fallback_board_id = fallback_board.or(s.fallback_board_id);
            s.fallback_client_id = fallback_client.or(s.fallback_client_id);
            s.category_id = category.or(s.category_id);
            s.subcategory_id = subcategory.or(s.subcategory_id);
            if let Some(status) = close_to {
                s.auto_close = true;
                s.closed_status_id = Some(status);
            }
            s.escalations |= args.escalations;
        },
    )
    .await?;
    if args.escalations && integration.connected_at.is_some() {
        // Connected already: the escalation poll goes on the schedule now.
        ctx.store
            .ensure_job(
                tenant,
                integration.id,
                &Job::Escalations.name(),
                psa_integrations::chrono::Utc::now(),
            )
            .await?;
    }
    let missing: Vec<&str> = [
        ("--board", routed.board_id.is_none()),
        ("--fallback-board", routed.fallback_board_id.is_none()),
        ("--fallback-client", routed.fallback_client_id.is_none()),
    ]
    .into_iter()
    .filter_map(|(flag, missing)| missing.then_some(flag))
    .collect();
    let text = if missing.is_empty() {
        "routing complete: the next poll files tickets".to_owned()
    } else {
        format!(
            "routing saved; still needed before a poll: {}",
            missing.join(", ")
        )
    };
    output::one(
        ctx.json,
        &json!({ "integration": integration.id, "incidents": routed }),
        &text,
    );
    Ok(())
}

pub(super) async fn list(ctx: &Context) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let rows: Vec<_> = ctx
        .store
        .list_integrations(tenant)
        .await?
        .iter()
        .map(IntegrationRow::of)
        .collect();
    output::rows(
        ctx.json,
        &rows,
        "no integrations yet: `psa integration add tanium|huntress`",
    );
    Ok(())
}

pub(super) async fn show(ctx: &Context, named: &str) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    let jobs = ctx
        .store
        .list_scheduled_jobs(tenant, integration.id)
        .await?;
    let runs = ctx.store.list_sync_runs(tenant, integration.id, 5).await?;
    let quarantined = ctx.store.count_quarantined(tenant, integration.id).await?;
    if ctx.json {
        let value = json!({
            "integration": IntegrationRow::of(&integration),
            "connected_at": integration.connected_at.map(|t| t.to_rfc3339()),
            "settings": integration.settings,
            "jobs": jobs.iter().map(|j| json!({
                "job": j.job.as_str(),
                "next_due_at": j.next_due_at.to_rfc3339(),
                "lease_holder": j.lease_holder,
            })).collect::<Vec<_>>(),
            "in_quarantine": quarantined,
            "runs": runs.iter().map(super::reads::RunRow::of).collect::<Vec<_>>(),
        });
        output::one(true, &value, "");
        return Ok(());
    }
    let mut text = format!(
        "integration {}\nprovider    {}\nstatus      {}\nconnected   {}\nlast sync   {}\nerror       {}\nquarantine  {quarantined} records",
        integration.id,
        integration.provider.as_str(),
        integration.sync_status.as_str(),
        or_dash(integration.connected_at.map(|t| t.to_rfc3339())),
        or_dash(integration.last_sync_at.map(|t| t.to_rfc3339())),
        or_dash(integration.sync_error.as_deref()),
    );
    for job in &jobs {
        text.push_str(&format!(
            "\njob         {:<10} next due {}{}",
            job.job.as_str(),
            job.next_due_at.to_rfc3339(),
            job.lease_holder
                .as_deref()
                .map(|h| format!(", running on {h}"))
                .unwrap_or_default()
        ));
    }
    for run in &runs {
        let counts = RunCounts::of(run)
            .ok()
            .and_then(|c| c.report)
            .map(|r| r.to_string());
        text.push_str(&format!(
            "\nrun         {} {:<19} {:<15} {}{}",
            run.started_at.format("%Y-%m-%d %H:%M:%S"),
            run.kind.as_str(),
            run.outcome.as_str(),
            or_dash(counts),
            run.error
                .as_deref()
                .map(|e| format!(" error: {e}"))
                .unwrap_or_default()
        ));
    }
    output::one(false, &(), &text);
    Ok(())
}

pub(super) async fn connect(ctx: &Context, named: &str) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    let provider = ctx
        .registry
        .get(&integration.provider)
        .map_err(CliError::usage)?;
    let mut secrets = ProviderSecrets::new();
    for name in provider.secret_names() {
        let variable = secret_variable(integration.provider.as_str(), name);
        secrets = secrets.with(*name, secret(&variable)?);
    }
    let (info, scopes) =
        jobs::connect(ctx.ports(), &ctx.registry, tenant, integration.id, &secrets).await?;
    let account = info
        .account_name
        .unwrap_or_else(|| "the account".to_owned());
    let text = match &scopes {
        Some(s) => format!(
            "connected to {account}: {} scopes found, {} newly matched to a client by name, {} unmapped",
            s.discovered,
            s.auto_matched.len(),
            s.unmapped.len()
        ),
        None => format!("connected to {account}"),
    };
    let value = json!({
        "integration": integration.id,
        "account": account,
        "scopes": scopes.as_ref().map(|s| json!({
            "discovered": s.discovered,
            "auto_matched": s.auto_matched.len(),
            "unmapped": s.unmapped.len(),
        })),
    });
    output::one(ctx.json, &value, &text);
    Ok(())
}

/// The variable a provider's secret is read from: `TANIUM_API_TOKEN` for
/// Tanium's `api_token`.
fn secret_variable(provider: &str, secret: &str) -> String {
    format!("{provider}_{secret}")
        .to_uppercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
}

/// A secret from its variable or, when unset, one line of standard input.
fn secret(variable: &str) -> Result<SecretString, CliError> {
    if let Ok(value) = std::env::var(variable)
        && !value.is_empty()
    {
        return Ok(SecretString::from(value));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        #[allow(clippy::print_stderr)]
        {
            eprint!("{variable} (not set; type it, input is shown): ");
        }
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::usage(format!("reading {variable} from standard input: {e}")))?;
    let value = line.trim_end_matches(['\r', '\n']);
    if value.is_empty() {
        return Err(CliError::usage(format!(
            "set {variable} or give it on standard input (never as an argument)"
        )));
    }
    Ok(SecretString::from(value.to_owned()))
}

pub(super) async fn webhook_secret(ctx: &Context, named: &str) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    if integration.provider.as_str() != "huntress" {
        return Err(CliError::usage(format!(
            "integration {} is {}: only Huntress integrations receive webhooks",
            integration.id,
            integration.provider.as_str()
        )));
    }
    let value = secret("HUNTRESS_WEBHOOK_SECRET")?;
    psa_integrations::webhooks::set_signing_secret(ctx.ports(), tenant, integration.id, &value)
        .await
        .map_err(|e| match e {
            psa_integrations::webhooks::SecretError::Store(e) => CliError::from(e),
            other => CliError::usage(other),
        })?;
    output::one(
        ctx.json,
        &json!({ "integration": integration.id, "webhook_secret": "set" }),
        &format!(
            "signing secret set: deliveries to /webhooks/huntress/{} are verified with it",
            integration.id
        ),
    );
    Ok(())
}

pub(super) async fn disconnect(ctx: &Context, named: &str) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    jobs::disconnect(ctx.ports(), &ctx.registry, tenant, integration.id).await?;
    output::one(
        ctx.json,
        &json!({ "integration": integration.id, "connected": false }),
        &format!("disconnected {}", integration.id),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_read_from_the_variables_the_examples_use() {
        assert_eq!(secret_variable("tanium", "api_token"), "TANIUM_API_TOKEN");
        assert_eq!(
            secret_variable("huntress", "api_secret"),
            "HUNTRESS_API_SECRET"
        );
    }

    #[test]
    fn settings_keep_numbers_and_booleans_and_read_the_rest_as_text() {
        let settings = parse_settings(&[
            "page_size=20".into(),
            "asset_api_fallback=false".into(),
            "gateway_url=https://x.example/graphql?a=b".into(),
        ])
        .unwrap();
        assert_eq!(
            Value::Object(settings),
            json!({"page_size": 20, "asset_api_fallback": false, "gateway_url": "https://x.example/graphql?a=b"})
        );
        assert!(matches!(
            parse_settings(&["page_size".into()]),
            Err(CliError::Usage(_))
        ));
    }
}
