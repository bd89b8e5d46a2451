//! `rmm_alerts` and alert tickets on SQLite.

use super::tickets::{add_comment_in, insert_ticket, set_status_in};
use super::{Writer, id, json, opt_ts, ts};
use crate::errors::{DbResultExt as _, corrupt, not_found};
use crate::rows;
use chrono::Utc;
use psa_ingest::ports::{
    Alert, AlertTicket, AlertTicketUpdate, AlertUpsert, AlertUpserted, NewComment, NewTicket,
    StoreError, StoreResult,
};
use psa_ingest::{AlertId, AssetId, IntegrationId, TenantId, TicketId};
use sqlx::{SqliteConnection, SqlitePool};

/// How often a lost race on the ticket's source reference is retried.
const RACE_ATTEMPTS: usize = 3;

pub(crate) async fn upsert(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    alert: AlertUpsert,
) -> StoreResult<AlertUpserted> {
    let mut tx = db.begin().await?;
    let upserted = upsert_in(&mut tx, tenant, integration, alert).await?;
    tx.commit().await.ctx("commit alert upsert")?;
    Ok(upserted)
}

pub(crate) async fn update_ticket(
    db: Writer<'_>,
    tenant: TenantId,
    integration: IntegrationId,
    update: AlertTicketUpdate,
) -> StoreResult<AlertUpserted> {
    let mut tx = db.begin().await?;
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

/// Upserts an alert inside the caller's transaction.
async fn upsert_in(
    conn: &mut SqliteConnection,
    tenant: TenantId,
    integration: IntegrationId,
    alert: AlertUpsert,
) -> StoreResult<AlertUpserted> {
    let previous = sqlx::query(
        "SELECT * FROM rmm_alerts WHERE tenant = ?1 AND integration_id = ?2 AND external_alert_id = ?3",
    )
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
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12) \
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
    let stored = rows::alert(&row)?;
    Ok(AlertUpserted {
        alert: stored,
        previous,
    })
}

pub(crate) async fn get(
    pool: &SqlitePool,
    tenant: TenantId,
    integration: IntegrationId,
    external_alert_id: &str,
) -> StoreResult<Option<Alert>> {
    let row = sqlx::query("SELECT * FROM rmm_alerts WHERE tenant = ?1 AND integration_id = ?2 AND external_alert_id = ?3")
        .bind(id(tenant))
        .bind(id(integration))
        .bind(external_alert_id)
        .fetch_optional(pool)
        .await
        .ctx("get alert")?;
    row.as_ref().map(rows::alert).transpose()
}

fn ticket_id(text: &str) -> StoreResult<TicketId> {
    uuid::Uuid::parse_str(text)
        .map(TicketId)
        .map_err(|_| corrupt(format!("ticket id {text:?}")))
}

pub(crate) async fn create_ticket(
    db: Writer<'_>,
    tenant: TenantId,
    alert: AlertId,
    ticket: NewTicket,
    comments: &[NewComment],
) -> StoreResult<AlertTicket> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        // BEGIN IMMEDIATE: writers of this database queue here, so the
        // second writer for an alert sees the first one's ticket.
        let mut tx = db.begin().await?;
        let current: Option<Option<String>> = sqlx::query_scalar(
            "SELECT ticket_id FROM rmm_alerts WHERE tenant = ?1 AND alert_id = ?2",
        )
        .bind(id(tenant))
        .bind(id(alert))
        .fetch_optional(&mut *tx)
        .await
        .ctx("read alert")?;
        let existing = match current {
            None => return Err(not_found("alert", alert)),
            Some(Some(ticket_id)) => Some(ticket_id),
            // The alert row is the link: one ticket per incident per
            // integration (two accounts of one provider may share an id).
            Some(None) => None,
        };
        let (ticket_id, created) = match existing {
            Some(existing) => (ticket_id(&existing)?, false),
            None => match insert_ticket(&mut tx, tenant, &ticket, comments).await {
                Ok(made) => (made.id, true),
                Err(StoreError::Conflict { .. }) if attempt < RACE_ATTEMPTS => {
                    tx.rollback().await.ctx("roll back alert ticket")?;
                    continue;
                }
                Err(err) => return Err(err),
            },
        };
        sqlx::query("UPDATE rmm_alerts SET ticket_id = ?3, updated_at = ?4 WHERE tenant = ?1 AND alert_id = ?2")
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

pub(crate) async fn set_error(
    db: Writer<'_>,
    tenant: TenantId,
    alert: AlertId,
    error: Option<String>,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE rmm_alerts SET processing_error = ?3, updated_at = ?4 WHERE tenant = ?1 AND alert_id = ?2",
    )
    .bind(id(tenant))
    .bind(id(alert))
    .bind(error)
    .bind(ts(Utc::now()))
    .execute(&mut *tx)
    .await
    .ctx("set alert error")?;
    tx.commit().await.ctx("commit alerts set_error")?;
    if done.rows_affected() == 0 {
        Err(not_found("alert", alert))
    } else {
        Ok(())
    }
}

pub(crate) async fn set_asset(
    db: Writer<'_>,
    tenant: TenantId,
    alert: AlertId,
    asset: AssetId,
) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE rmm_alerts SET asset_id = ?3, updated_at = ?4 WHERE tenant = ?1 AND alert_id = ?2",
    )
    .bind(id(tenant))
    .bind(id(alert))
    .bind(id(asset))
    .bind(ts(Utc::now()))
    .execute(&mut *tx)
    .await
    .ctx("set alert asset")?;
    tx.commit().await.ctx("commit alerts set_asset")?;
    if done.rows_affected() == 0 {
        Err(not_found("alert", alert))
    } else {
        Ok(())
    }
}
