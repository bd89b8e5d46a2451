//! The read side: assets, the tickets an integration created, alerts.

use super::dialect::{Pool, id, id_list, in_list, opt_id};
use crate::db::Db;
use crate::errors::{DbResultExt as _, invalid};
use crate::rows::{self, RowExt as _};
use async_trait::async_trait;
use psa_ingest::contracts::DeviceType;
use psa_ingest::ports::{
    Alert, AssetFilter, AssetSummary, IntegrationTicket, PageRequest, ReadStore, StoreResult,
};
use psa_ingest::{AssetId, IntegrationId, TenantId, TicketId};
use std::collections::HashMap;

/// `LIMIT` and `OFFSET` of a page, refused past the largest page.
fn bounds(page: PageRequest) -> StoreResult<(i64, i64)> {
    if page.limit == 0 || page.limit > PageRequest::MAX_LIMIT {
        return Err(invalid(format!(
            "a page holds 1 to at most {} rows, not {}",
            PageRequest::MAX_LIMIT,
            page.limit
        )));
    }
    let offset = i64::try_from(page.offset)
        .map_err(|_| invalid(format!("page offset {} is too large", page.offset)))?;
    Ok((i64::from(page.limit), offset))
}

#[async_trait]
impl ReadStore for Db<Pool> {
    async fn list_assets(
        &self,
        tenant: TenantId,
        filter: &AssetFilter,
        page: PageRequest,
    ) -> StoreResult<Vec<AssetSummary>> {
        let (limit, offset) = bounds(page)?;
        // An integration's assets are those its device mappings point at.
        let rows = sqlx::query(
            "SELECT a.asset_id, a.name, a.client_id, c.client_name, a.asset_type, a.status, \
               a.agent_status, a.serial_number, a.last_seen_at, a.rmm_provider, a.rmm_device_id \
             FROM assets a JOIN clients c ON c.tenant = a.tenant AND c.client_id = a.client_id \
             WHERE a.tenant = $1 AND ($2 IS NULL OR a.client_id = $2) \
               AND ($3 IS NULL OR EXISTS ( \
                 SELECT 1 FROM tenant_external_entity_mappings m \
                 JOIN rmm_integrations i ON i.tenant = m.tenant AND i.provider = m.integration_type \
                 WHERE m.tenant = a.tenant AND m.alga_entity_type = 'asset' AND m.alga_entity_id = a.asset_id \
                   AND i.integration_id = $3 AND m.external_realm_id = $4)) \
               AND ($5 OR a.status = 'active') \
             ORDER BY lower(a.name), a.asset_id LIMIT $6 OFFSET $7",
        )
        .bind(id(tenant))
        .bind(opt_id(filter.client))
        .bind(opt_id(filter.integration))
        .bind(filter.integration.map(|i| i.to_string()))
        .bind(filter.include_inactive)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .ctx("list assets")?;
        rows.iter()
            .map(|row| {
                Ok(AssetSummary {
                    id: AssetId(row.uuid("asset_id")?),
                    name: row.text("name")?,
                    client_id: row.uuid("client_id")?.into(),
                    client_name: row.text("client_name")?,
                    asset_type: DeviceType::parse(&row.text("asset_type")?),
                    is_active: row.text("status")? == "active",
                    agent_status: row.opt_text("agent_status")?,
                    serial_number: row.opt_text("serial_number")?,
                    last_seen_at: row.opt_time("last_seen_at")?,
                    rmm_provider: row.opt_text("rmm_provider")?,
                    rmm_device_id: row.opt_text("rmm_device_id")?,
                })
            })
            .collect()
    }

    async fn list_integration_tickets(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        page: PageRequest,
    ) -> StoreResult<Vec<IntegrationTicket>> {
        let alerts: Vec<Alert> = self
            .alerts(
                tenant,
                integration,
                page,
                "AND ticket_id IS NOT NULL",
                "list integration tickets",
            )
            .await?;
        if alerts.is_empty() {
            return Ok(Vec::new());
        }
        let ticket_ids: Vec<TicketId> = alerts.iter().filter_map(|a| a.ticket_id).collect();
        let tickets = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM tickets WHERE tenant = $1 AND ticket_id {}",
            in_list(2)
        )))
        .bind(id(tenant))
        .bind(id_list(&ticket_ids))
        .fetch_all(&self.pool)
        .await
        .ctx("read integration tickets")?;
        let mut tickets: HashMap<TicketId, _> = tickets
            .iter()
            .map(|row| rows::ticket(row).map(|t| (t.id, t)))
            .collect::<StoreResult<_>>()?;
        let links = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT entity_id, asset_id FROM asset_associations \
             WHERE tenant = $1 AND entity_type = 'ticket' AND entity_id {} \
             ORDER BY created_at, asset_id",
            in_list(2)
        )))
        .bind(id(tenant))
        .bind(id_list(&ticket_ids))
        .fetch_all(&self.pool)
        .await
        .ctx("read ticket assets")?;
        let mut assets: HashMap<TicketId, Vec<AssetId>> = HashMap::new();
        for row in &links {
            assets
                .entry(TicketId(row.uuid("entity_id")?))
                .or_default()
                .push(AssetId(row.uuid("asset_id")?));
        }
        Ok(alerts
            .into_iter()
            .filter_map(|alert| {
                let ticket_id = alert.ticket_id?;
                let ticket = tickets.remove(&ticket_id)?;
                Some(IntegrationTicket {
                    ticket,
                    assets: assets.remove(&ticket_id).unwrap_or_default(),
                    alert,
                })
            })
            .collect())
    }

    async fn list_alerts(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        page: PageRequest,
    ) -> StoreResult<Vec<Alert>> {
        self.alerts(tenant, integration, page, "", "list alerts")
            .await
    }
}

impl Db<Pool> {
    /// A page of the integration's alerts, oldest first, with `and` added
    /// to the filter.
    async fn alerts(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        page: PageRequest,
        and: &'static str,
        what: &'static str,
    ) -> StoreResult<Vec<Alert>> {
        let (limit, offset) = bounds(page)?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT * FROM rmm_alerts WHERE tenant = $1 AND integration_id = $2 {and} \
             ORDER BY created_at, alert_id LIMIT $3 OFFSET $4"
        )))
        .bind(id(tenant))
        .bind(id(integration))
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .ctx(what)?;
        rows::all(&rows, rows::alert)
    }
}
