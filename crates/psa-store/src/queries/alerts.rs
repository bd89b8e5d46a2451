//! `rmm_alerts` and alert tickets.

use super::dialect::{Conn, FOR_UPDATE, Pool, id, json, opt_ts, ts};
use super::tickets::{add_comment_in, insert_ticket, set_status_in};
use crate::db::Db;
use crate::errors::{DbResultExt as _, not_found};
use crate::rows::{self, RowExt as _};
use crate::storable;
use async_trait::async_trait;
use chrono::Utc;
use psa_ingest::ports::{
    Alert, AlertStore, AlertTicket, AlertTicketUpdate, AlertUpsert, AlertUpserted, NewComment,
    NewTicket, StoreError, StoreResult,
};
use psa_ingest::{AlertId, AssetId, IntegrationId, TenantId, TicketId};

/// How often a lost race on the ticket's source reference is retried; the
/// retry then finds the winner's ticket.
const RACE_ATTEMPTS: usize = 3;

/// Upserts an alert inside the caller's transaction.
async fn upsert_in(
    conn: &mut Conn,
    tenant: TenantId,
    integration: IntegrationId,
    alert: AlertUpsert,
) -> StoreResult<AlertUpserted> {
    let previous = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT * FROM rmm_alerts WHERE tenant = $1 AND integration_id = $2 AND external_alert_id = $3{FOR_UPDATE}"
    )))
    .bind(id(tenant))
    .bind(id(integration))
    .bind(&alert.external_alert_id)
    .fetch_optional(&mut *conn)
    .await
    .ctx("read alert")?;
    let previous = previous.as_ref().map(rows::alert).transpose()?;
    let row = sqlx::query(
        "INSERT INTO rmm_alerts (tenant, alert_id, integration_id, external_alert_id, severity, status, message, \
           device_name, external_device_id, triggered_at, metadata, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
         ON CONFLICT (tenant, integration_id, external_alert_id) DO UPDATE SET \
           severity = excluded.severity, status = excluded.status, message = excluded.message, \
           device_name = excluded.device_name, external_device_id = excluded.external_device_id, \
           triggered_at = excluded.triggered_at, metadata = excluded.metadata, processing_error = NULL, \
           updated_at = excluded.updated_at \
         RETURNING *",
    )
    .bind(id(tenant))
    .bind(id(AlertId::new()))
    .bind(id(integration))
    .bind(&alert.external_alert_id)
    .bind(&alert.severity)
    .bind(&alert.status)
    .bind(&alert.message)
    .bind(&alert.device_name)
    .bind(&alert.external_device_id)
    .bind(opt_ts(alert.triggered_at))
    .bind(json(&alert.metadata))
    .bind(ts(Utc::now()))
    .fetch_one(&mut *conn)
    .await
    .ctx("upsert alert")?;
    Ok(AlertUpserted {
        alert: rows::alert(&row)?,
        previous,
    })
}

impl Db<Pool> {
    /// Sets one column of an alert.
    async fn set_alert_column(
        &self,
        what: &'static str,
        sql: &'static str,
        tenant: TenantId,
        alert: AlertId,
        value: impl for<'q> sqlx::Encode<'q, super::dialect::Database>
        + sqlx::Type<super::dialect::Database>
        + Send
        + 'static,
    ) -> StoreResult<()> {
        let changed = self
            .execute(
                what,
                sqlx::query(sql)
                    .bind(id(tenant))
                    .bind(id(alert))
                    .bind(value)
                    .bind(ts(Utc::now())),
            )
            .await?;
        if changed == 0 {
            Err(not_found("alert", alert))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl AlertStore for Db<Pool> {
    async fn upsert_alert(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        alert: AlertUpsert,
    ) -> StoreResult<AlertUpserted> {
        let mut tx = self.begin("upsert alert").await?;
        let upserted = upsert_in(&mut tx, tenant, integration, storable::alert(alert)).await?;
        tx.commit().await.ctx("commit alert upsert")?;
        Ok(upserted)
    }

    async fn get_alert(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_alert_id: &str,
    ) -> StoreResult<Option<Alert>> {
        let row = sqlx::query(
            "SELECT * FROM rmm_alerts WHERE tenant = $1 AND integration_id = $2 AND external_alert_id = $3",
        )
        .bind(id(tenant))
        .bind(id(integration))
        .bind(external_alert_id)
        .fetch_optional(&self.pool)
        .await
        .ctx("get alert")?;
        row.as_ref().map(rows::alert).transpose()
    }

    async fn create_alert_ticket(
        &self,
        tenant: TenantId,
        alert: AlertId,
        ticket: NewTicket,
        comments: &[NewComment],
    ) -> StoreResult<AlertTicket> {
        let comments = storable::comments(comments);
        let ticket = storable::ticket(ticket);
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The alert row is the link: one ticket per incident per
            // integration (two accounts of one provider may share an id).
            // Its row lock (PostgreSQL) or the write lock (SQLite) queues
            // writers for the same alert: the second sees the first one's
            // ticket.
            let mut tx = self.begin("create alert ticket").await?;
            let current = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT ticket_id FROM rmm_alerts WHERE tenant = $1 AND alert_id = $2{FOR_UPDATE}"
            )))
            .bind(id(tenant))
            .bind(id(alert))
            .fetch_optional(&mut *tx)
            .await
            .ctx("read alert")?;
            let Some(current) = current else {
                return Err(not_found("alert", alert));
            };
            let (ticket_id, created) = match current.opt_uuid("ticket_id")? {
                Some(existing) => (TicketId(existing), false),
                None => match insert_ticket(&mut tx, tenant, &ticket, &comments).await {
                    Ok(made) => (made.id, true),
                    // A racing writer committed the same source reference
                    // first: roll back (the number is given back) and take
                    // theirs.
                    Err(StoreError::Conflict { .. }) if attempt < RACE_ATTEMPTS => {
                        tx.rollback().await.ctx("roll back alert ticket")?;
                        continue;
                    }
                    Err(err) => return Err(err),
                },
            };
            sqlx::query(
                "UPDATE rmm_alerts SET ticket_id = $3, updated_at = $4 WHERE tenant = $1 AND alert_id = $2",
            )
            .bind(id(tenant))
            .bind(id(alert))
            .bind(id(ticket_id))
            .bind(ts(Utc::now()))
            .execute(&mut *tx)
            .await
            .ctx("link alert ticket")?;
            tx.commit().await.ctx("commit alert ticket")?;
            return Ok(AlertTicket { ticket_id, created });
        }
    }

    async fn update_alert_ticket(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        update: AlertTicketUpdate,
    ) -> StoreResult<AlertUpserted> {
        let update = storable::ticket_update(update);
        let mut tx = self.begin("update alert ticket").await?;
        if let Some(status) = update.status {
            set_status_in(&mut tx, tenant, update.ticket, status).await?;
        }
        if let Some(note) = &update.note {
            add_comment_in(&mut tx, tenant, update.ticket, note).await?;
        }
        let upserted = upsert_in(&mut tx, tenant, integration, update.alert).await?;
        tx.commit().await.ctx("commit alert ticket update")?;
        Ok(upserted)
    }

    async fn set_alert_error(
        &self,
        tenant: TenantId,
        alert: AlertId,
        error: Option<String>,
    ) -> StoreResult<()> {
        self.set_alert_column(
            "set alert error",
            "UPDATE rmm_alerts SET processing_error = $3, updated_at = $4 WHERE tenant = $1 AND alert_id = $2",
            tenant,
            alert,
            storable::opt_text(error),
        )
        .await
    }

    async fn set_alert_asset(
        &self,
        tenant: TenantId,
        alert: AlertId,
        asset: AssetId,
    ) -> StoreResult<()> {
        self.set_alert_column(
            "set alert asset",
            "UPDATE rmm_alerts SET asset_id = $3, updated_at = $4 WHERE tenant = $1 AND alert_id = $2",
            tenant,
            alert,
            id(asset),
        )
        .await
    }
}
