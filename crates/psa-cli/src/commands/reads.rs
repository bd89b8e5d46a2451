//! `psa runs`, `psa assets`, `psa tickets`: what the syncs wrote, through
//! the read ports.

use crate::context::Context;
use crate::error::CliError;
use crate::output::{self, Row, or_dash};
use psa_integrations::ingest::AssetId;
use psa_integrations::ingest::engine::usage::usage_report;
use psa_integrations::ingest::ports::{AssetFilter, PageRequest, SyncRun, all_pages};
use psa_integrations::prelude::*;
use psa_integrations::sync::jobs::RunCounts;
use serde::Serialize;

#[derive(Serialize)]
pub(super) struct RunRow {
    started_at: String,
    kind: String,
    outcome: String,
    requests: i64,
    counts: Option<String>,
    error: Option<String>,
}

impl RunRow {
    pub(super) fn of(run: &SyncRun) -> Self {
        Self {
            started_at: run.started_at.to_rfc3339(),
            kind: run.kind.as_str().to_owned(),
            outcome: run.outcome.as_str().to_owned(),
            requests: run.requests_made,
            counts: RunCounts::of(run)
                .ok()
                .and_then(|c| c.report)
                .map(|r| r.to_string()),
            error: run.error.clone(),
        }
    }
}

impl Row for RunRow {
    const HEADERS: &'static [&'static str] =
        &["started", "kind", "outcome", "requests", "counts", "error"];
    fn cells(&self) -> Vec<String> {
        vec![
            self.started_at.clone(),
            self.kind.clone(),
            self.outcome.clone(),
            self.requests.to_string(),
            or_dash(self.counts.as_deref()),
            or_dash(self.error.as_deref()),
        ]
    }
}

pub(super) async fn runs(ctx: &Context, named: &str, limit: u32) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    let rows: Vec<_> = ctx
        .store
        .list_sync_runs(tenant, integration.id, i64::from(limit))
        .await?
        .iter()
        .map(RunRow::of)
        .collect();
    output::rows(ctx.json, &rows, "no runs yet: `psa sync ID` runs one now");
    Ok(())
}

#[derive(Serialize)]
struct AssetRow {
    id: AssetId,
    name: String,
    client: String,
    asset_type: String,
    active: bool,
    agent_status: Option<String>,
    serial_number: Option<String>,
    last_seen_at: Option<String>,
}

impl Row for AssetRow {
    const HEADERS: &'static [&'static str] = &[
        "name",
        "client",
        "type",
        "active",
        "agent",
        "serial",
        "last seen",
        "id",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.client.clone(),
            self.asset_type.clone(),
            if self.active { "yes" } else { "no" }.to_owned(),
            or_dash(self.agent_status.as_deref()),
            or_dash(self.serial_number.as_deref()),
            or_dash(self.last_seen_at.as_deref()),
            self.id.to_string(),
        ]
    }
}

pub(super) async fn assets(
    ctx: &Context,
    client: Option<&str>,
    integration: Option<&str>,
    inactive: bool,
) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let filter = AssetFilter {
        client: match client {
            Some(named) => Some(ctx.client(tenant, named).await?.id),
            None => None,
        },
        integration: match integration {
            Some(named) => Some(ctx.integration(tenant, named).await?.id),
            None => None,
        },
        include_inactive: inactive,
    };
    let assets = all_pages(PageRequest::MAX_LIMIT, |page| {
        ctx.store.list_assets(tenant, &filter, page)
    })
    .await?;
    let rows: Vec<_> = assets
        .into_iter()
        .map(|a| AssetRow {
            id: a.id,
            name: a.name,
            client: a.client_name,
            asset_type: a.asset_type.as_str().to_owned(),
            active: a.is_active,
            agent_status: a.agent_status,
            serial_number: a.serial_number,
            last_seen_at: a.last_seen_at.map(|t| t.to_rfc3339()),
        })
        .collect();
    output::rows(ctx.json, &rows, "no assets");
    Ok(())
}

#[derive(Serialize)]
struct TicketRow {
    number: i64,
    title: String,
    client: String,
    state: &'static str,
    alert: String,
    severity: String,
    assets: usize,
}

impl Row for TicketRow {
    const HEADERS: &'static [&'static str] = &[
        "#", "client", "state", "severity", "alert", "assets", "title",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            self.number.to_string(),
            self.client.clone(),
            self.state.to_owned(),
            self.severity.clone(),
            self.alert.clone(),
            self.assets.to_string(),
            self.title.clone(),
        ]
    }
}

pub(super) async fn tickets(ctx: &Context, named: &str) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    let clients = ctx.client_names(tenant).await?;
    let tickets = all_pages(PageRequest::MAX_LIMIT, |page| {
        ctx.store
            .list_integration_tickets(tenant, integration.id, page)
    })
    .await?;
    let rows: Vec<_> = tickets
        .into_iter()
        .map(|t| TicketRow {
            number: t.ticket.ticket_number,
            client: clients
                .get(&t.ticket.client_id)
                .cloned()
                .unwrap_or_default(),
            state: if t.ticket.closed_at.is_some() {
                "closed"
            } else {
                "open"
            },
            severity: t.alert.severity,
            alert: t.alert.external_alert_id,
            assets: t.assets.len(),
            title: t.ticket.title,
        })
        .collect();
    output::rows(ctx.json, &rows, "no tickets");
    Ok(())
}

#[derive(Serialize)]
struct UsageRow {
    client: Option<String>,
    scope: String,
    scope_name: String,
    metric: String,
    value: u64,
    change: i128,
    day: String,
    previous_day: Option<String>,
}

impl Row for UsageRow {
    const HEADERS: &'static [&'static str] = &[
        "client", "scope", "metric", "count", "change", "counted", "since",
    ];
    fn cells(&self) -> Vec<String> {
        vec![
            or_dash(self.client.as_deref()),
            format!("{} ({})", self.scope_name, self.scope),
            self.metric.clone(),
            self.value.to_string(),
            format!("{:+}", self.change),
            self.day.clone(),
            or_dash(self.previous_day.as_deref()),
        ]
    }
}

pub(super) async fn usage(ctx: &Context, named: &str) -> Result<(), CliError> {
    let tenant = ctx.tenant().await?;
    let integration = ctx.integration(tenant, named).await?;
    let clients = ctx.client_names(tenant).await?;
    let today = psa_integrations::chrono::Utc::now().date_naive();
    let lines = usage_report(ctx.ports(), tenant, integration.id, today).await?;
    let rows: Vec<_> = lines
        .into_iter()
        .map(|l| UsageRow {
            client: l.client_id.and_then(|c| clients.get(&c).cloned()),
            change: l.change(),
            previous_day: l.previous.map(|(day, _)| day.to_string()),
            day: l.day.to_string(),
            scope: l.scope,
            scope_name: l.scope_name,
            metric: l.metric,
            value: l.value,
        })
        .collect();
    output::rows(
        ctx.json,
        &rows,
        "no usage counted yet: a scope sync (Huntress) or device sync (Tanium) records it",
    );
    Ok(())
}
