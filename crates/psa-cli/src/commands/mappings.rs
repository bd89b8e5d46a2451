//! `psa mappings`, `psa map`, `psa unmap`: a person's decisions about which
//! client a scope's devices and incidents belong to.

use crate::context::Context;
use crate::error::CliError;
use crate::output::{self, Row, or_dash};
use psa_integrations::prelude::*;
use psa_integrations::sync::jobs;
use serde::Serialize;
use serde_json::json;

#[derive(Serialize)]
struct MappingRow {
    scope: String,
    name: String,
    client_id: Option<ClientId>,
    client: Option<String>,
    decided_by: &'static str,
    sync_assets: bool,
    create_tickets: bool,
    last_walk: Option<String>,
}

impl Row for MappingRow {
    const HEADERS: &'static [&'static str] = &[
        "scope",
        "name",
        "client",
        "decided by",
        "assets",
        "tickets",
        "last walk",
    ];
    fn cells(&self) -> Vec<String> {
        let on = |b: bool| if b { "on" } else { "off" }.to_owned();
        vec![
            self.scope.clone(),
            self.name.clone(),
            or_dash(self.client.as_deref()),
            self.decided_by.to_owned(),
            on(self.sync_assets),
            on(self.create_tickets),
            or_dash(self.last_walk.as_deref()),
        ]
    }
}

pub(super) async fn list(ctx: &Context, named: &str) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    let clients = ctx.client_names(tenant).await?;
    let rows: Vec<_> = ctx
        .store
        .list_scope_mappings(tenant, integration.id)
        .await?
        .into_iter()
        .map(|m| MappingRow {
            client: m.client_id.and_then(|id| clients.get(&id).cloned()),
            client_id: m.client_id,
            decided_by: m.decided_by.as_str(),
            sync_assets: m.auto_sync_assets,
            create_tickets: m.auto_create_tickets,
            last_walk: m.device_sync.last_outcome.map(|o| o.as_str().to_owned()),
            scope: m.external_id,
            name: m.name,
        })
        .collect();
    output::rows(
        ctx.json,
        &rows,
        "no scopes yet: `psa connect ID` or `psa sync ID --scopes` finds them",
    );
    Ok(())
}

/// Maps `scope` to `client`, or with `None` unmaps it.
pub(super) async fn map(
    ctx: &Context,
    named: &str,
    scope: &str,
    client: Option<&str>,
) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    let Some(mapping) = ctx
        .store
        .get_scope_mapping(tenant, integration.id, scope)
        .await?
    else {
        return Err(CliError::usage(format!(
            "integration {} has no scope {scope:?} (`psa mappings {}` lists them)",
            integration.id, integration.id
        )));
    };
    let client = match client {
        Some(named) => Some(ctx.client(tenant, named).await?),
        None => None,
    };
    let changed = jobs::map_scope(
        ctx.ports(),
        tenant,
        integration.id,
        scope,
        client.as_ref().map(|c| c.id),
    )
    .await?;
    let text = match (&client, changed) {
        (Some(c), true) => format!("mapped {} ({}) to {}", scope, mapping.name, c.name),
        (Some(c), false) => format!(
            "{} ({}) was mapped to {} already",
            scope, mapping.name, c.name
        ),
        (None, true) => format!("unmapped {} ({}); it stays unmapped", scope, mapping.name),
        (None, false) => format!("{} ({}) was unmapped already", scope, mapping.name),
    };
    let value = json!({
        "scope": scope,
        "client_id": client.as_ref().map(|c| c.id),
        "changed": changed,
    });
    output::one(ctx.json, &value, &text);
    Ok(())
}
