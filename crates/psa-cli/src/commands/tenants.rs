//! `psa tenant create|list` and `psa clients`.

use crate::context::Context;
use crate::error::CliError;
use crate::output::{self, Row};
use psa_integrations::prelude::*;
use serde::Serialize;

#[derive(Serialize)]
struct IdRow<T> {
    id: T,
    name: String,
}

impl<T: Serialize + ToString> Row for IdRow<T> {
    const HEADERS: &'static [&'static str] = &["id", "name"];
    fn cells(&self) -> Vec<String> {
        vec![self.id.to_string(), self.name.clone()]
    }
}

pub(super) async fn create(ctx: &Context, name: &str, demo: bool) -> Result<(), CliError> {
    if name.trim().is_empty() {
        return Err(CliError::usage("a tenant needs a name"));
    }
    if ctx.store.find_tenant(name).await?.is_some() {
        return Err(CliError::usage(format!(
            "a tenant named {name:?} exists (`psa tenant list`)"
        )));
    }
    let tenant = if demo {
        ctx.store.seed_demo_tenant(name).await?.tenant
    } else {
        ctx.store.create_tenant(name).await?
    };
    let row = IdRow {
        id: tenant,
        name: name.to_owned(),
    };
    output::one(ctx.json, &row, &tenant.to_string());
    Ok(())
}

pub(super) async fn list(ctx: &Context) -> Result<(), CliError> {
    let rows: Vec<_> = ctx
        .store
        .list_tenants()
        .await?
        .into_iter()
        .map(|t| IdRow {
            id: t.id,
            name: t.name,
        })
        .collect();
    output::rows(ctx.json, &rows, "no tenants yet: `psa tenant create NAME`");
    Ok(())
}

pub(super) async fn clients(ctx: &Context) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let rows: Vec<_> = ctx
        .store
        .list_clients(tenant)
        .await?
        .into_iter()
        .map(|c| IdRow {
            id: c.id,
            name: c.name,
        })
        .collect();
    output::rows(ctx.json, &rows, "the tenant has no clients");
    Ok(())
}
