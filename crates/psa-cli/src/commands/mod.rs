//! One module per group of commands; each checks what it was given before
//! it writes anything.

mod integrations;
mod mappings;
mod reads;
mod sync;
mod tenants;

use crate::args::{Cli, Command, IntegrationCommand, TenantCommand};
use crate::context::Context;
use crate::error::CliError;

/// Runs the command the operator gave.
pub(crate) async fn run(cli: Cli) -> Result<(), CliError> {
    let ctx = Context::open(&cli).await?;
    match cli.command {
        Command::Tenant(TenantCommand::Create { name, demo }) => {
            tenants::create(&ctx, &name, demo).await
        }
        Command::Tenant(TenantCommand::List) => tenants::list(&ctx).await,
        Command::Clients => tenants::clients(&ctx).await,
        Command::Integration(IntegrationCommand::Add { provider, settings }) => {
            integrations::add(&ctx, &provider, &settings).await
        }
        Command::Integration(IntegrationCommand::List) => integrations::list(&ctx).await,
        Command::Integration(IntegrationCommand::Set {
            integration,
            settings,
        }) => integrations::set(&ctx, &integration, &settings).await,
        Command::Routing(args) => integrations::routing(&ctx, &args).await,
        Command::Integration(IntegrationCommand::Show { integration }) => {
            integrations::show(&ctx, &integration).await
        }
        Command::Connect { integration } => integrations::connect(&ctx, &integration).await,
        Command::Disconnect { integration } => integrations::disconnect(&ctx, &integration).await,
        Command::Mappings { integration } => mappings::list(&ctx, &integration).await,
        Command::Map {
            integration,
            scope,
            client,
        } => mappings::map(&ctx, &integration, &scope, Some(&client)).await,
        Command::Unmap { integration, scope } => {
            mappings::map(&ctx, &integration, &scope, None).await
        }
        Command::Sync(args) => sync::sync(&ctx, &args).await,
        Command::Worker {
            concurrency,
            listen,
        } => sync::worker(&ctx, concurrency, listen).await,
        Command::WebhookSecret { integration } => {
            integrations::webhook_secret(&ctx, &integration).await
        }
        Command::Runs { integration, limit } => reads::runs(&ctx, &integration, limit).await,
        Command::Assets {
            client,
            integration,
            inactive,
        } => reads::assets(&ctx, client.as_deref(), integration.as_deref(), inactive).await,
        Command::Tickets { integration } => reads::tickets(&ctx, &integration).await,
        Command::Usage { integration } => reads::usage(&ctx, &integration).await,
    }
}
