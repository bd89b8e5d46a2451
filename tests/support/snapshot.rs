//! A tenant's end state as plain text rows, to compare two runs of one
//! scenario: every id replaced by a natural key (device id, incident id,
//! client name), timestamps as seconds from the scenario's start, clock-
//! dependent bookkeeping (`updated_at`, run times) left out.

use chrono::{DateTime, Utc};
use psa_ingest::IntegrationId;
use psa_ingest::TenantId;
use psa_ingest::ports::{IntegrationStore, SyncRunStore};
use psa_store::{Backend, PsaStore};
use sqlx::Row as _;
use std::collections::BTreeMap;

/// Named row sets of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(pub BTreeMap<&'static str, Vec<String>>);

impl Snapshot {
    /// Where two snapshots differ, table by table, for a failure message.
    pub fn diff(&self, other: &Snapshot) -> String {
        let mut out = String::new();
        for (table, rows) in &self.0 {
            let theirs = other.0.get(table).cloned().unwrap_or_default();
            if *rows != theirs {
                let missing: Vec<&String> = rows.iter().filter(|r| !theirs.contains(r)).collect();
                let extra: Vec<&String> = theirs.iter().filter(|r| !rows.contains(r)).collect();
                out.push_str(&format!(
                    "{table}: {} vs {} rows\n  expected, not found: {missing:#?}\n  found, not expected: {extra:#?}\n",
                    rows.len(),
                    theirs.len()
                ));
            }
        }
        out
    }
}

/// A timestamp column as `T<seconds since the scenario's start>`.
fn t(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Postgres => {
            format!("'T' || CAST(CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT) AS TEXT)")
        }
        Backend::Sqlite => format!("'T' || strftime('%s', {column})"),
    }
}

/// The tables a sync writes, with `{t:col}` standing for a timestamp.
const TABLES: &[(&str, &str)] = &[
    (
        "assets",
        "SELECT a.rmm_device_id, a.name, a.status, a.agent_status, a.asset_type, a.serial_number, \
           a.asset_tag, {t:a.last_seen_at}, a.rmm_provider, a.rmm_organization_id, \
           CAST(a.attributes AS TEXT), c.client_name \
         FROM assets a JOIN clients c ON c.tenant = a.tenant AND c.client_id = a.client_id \
         WHERE a.tenant = $1",
    ),
    (
        "workstation_assets",
        "SELECT a.rmm_device_id, w.os_name, w.os_version, w.os_platform, w.manufacturer, w.model, \
           w.cpu_model, CAST(w.cpu_cores AS TEXT), CAST(w.ram_bytes AS TEXT), CAST(w.disks AS TEXT), \
           CAST(w.is_virtual AS TEXT), w.lan_ip, w.wan_ip, CAST(w.ip_addresses AS TEXT), \
           CAST(w.mac_addresses AS TEXT), w.current_user_name, w.last_logged_in_user, \
           CAST(w.installed_software AS TEXT) \
         FROM workstation_assets w JOIN assets a ON a.tenant = w.tenant AND a.asset_id = w.asset_id \
         WHERE w.tenant = $1",
    ),
    (
        "server_assets",
        "SELECT a.rmm_device_id, w.os_name, w.os_version, w.model, CAST(w.cpu_cores AS TEXT), \
           CAST(w.ram_bytes AS TEXT), CAST(w.disks AS TEXT), w.lan_ip, CAST(w.installed_software AS TEXT) \
         FROM server_assets w JOIN assets a ON a.tenant = w.tenant AND a.asset_id = w.asset_id \
         WHERE w.tenant = $1",
    ),
    (
        "device_mappings",
        "SELECT m.integration_type, m.alga_entity_type, m.external_entity_id, \
           a.rmm_device_id, m.sync_status, \
           CASE WHEN m.content_hash IS NULL THEN 'no hash' ELSE 'hash' END, CAST(m.metadata AS TEXT) \
         FROM tenant_external_entity_mappings m \
         LEFT JOIN assets a ON a.tenant = m.tenant AND a.asset_id = m.alga_entity_id \
         WHERE m.tenant = $1",
    ),
    (
        "scope_mappings",
        "SELECT m.external_organization_id, m.name, c.client_name, CAST(m.auto_sync_assets AS TEXT), \
           CAST(m.auto_create_tickets AS TEXT), m.decided_by, CAST(m.metadata AS TEXT), \
           CASE WHEN m.full_walk_at IS NULL THEN 'never walked in full' ELSE 'walked in full' END, \
           CASE WHEN m.device_watermark IS NULL THEN 'no watermark' ELSE 'watermark' END, \
           m.last_walk_outcome, m.last_walk_error \
         FROM rmm_organization_mappings m \
         LEFT JOIN clients c ON c.tenant = m.tenant AND c.client_id = m.client_id \
         WHERE m.tenant = $1",
    ),
    (
        "tickets",
        "SELECT t.source, t.source_reference, t.title, t.description, c.client_name, b.board_name, \
           s.name, p.priority_name, k.category_name, CAST(t.attributes AS TEXT), \
           CASE WHEN t.closed_at IS NULL THEN 'open' ELSE 'closed' END \
         FROM tickets t \
         JOIN clients c ON c.tenant = t.tenant AND c.client_id = t.client_id \
         JOIN boards b ON b.tenant = t.tenant AND b.board_id = t.board_id \
         JOIN statuses s ON s.tenant = t.tenant AND s.status_id = t.status_id \
         LEFT JOIN priorities p ON p.tenant = t.tenant AND p.priority_id = t.priority_id \
         LEFT JOIN categories k ON k.tenant = t.tenant AND k.category_id = t.category_id \
         WHERE t.tenant = $1",
    ),
    (
        "comments",
        "SELECT t.source_reference, n.note, CAST(n.is_internal AS TEXT), CAST(n.is_system_generated AS TEXT) \
         FROM comments n JOIN tickets t ON t.tenant = n.tenant AND t.ticket_id = n.ticket_id \
         WHERE n.tenant = $1",
    ),
    (
        "alerts",
        "SELECT r.external_alert_id, r.severity, r.status, r.message, r.device_name, \
           r.external_device_id, a.rmm_device_id, a.name, t.source_reference, {t:r.triggered_at}, \
           r.processing_error, CAST(r.metadata AS TEXT) \
         FROM rmm_alerts r \
         LEFT JOIN assets a ON a.tenant = r.tenant AND a.asset_id = r.asset_id \
         LEFT JOIN tickets t ON t.tenant = r.tenant AND t.ticket_id = r.ticket_id \
         WHERE r.tenant = $1",
    ),
    (
        "asset_associations",
        "SELECT a.rmm_device_id, a.name, s.entity_type, t.source_reference, s.relationship_type \
         FROM asset_associations s \
         JOIN assets a ON a.tenant = s.tenant AND a.asset_id = s.asset_id \
         LEFT JOIN tickets t ON t.tenant = s.tenant AND t.ticket_id = s.entity_id \
         WHERE s.tenant = $1",
    ),
    (
        "open_runs",
        "SELECT kind, outcome FROM sync_runs WHERE tenant = $1 AND outcome = 'running'",
    ),
];

fn expand(backend: Backend, sql: &str) -> String {
    let mut out = String::new();
    let mut rest = sql;
    while let Some(start) = rest.find("{t:") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closed placeholder") + start;
        out.push_str(&t(backend, &rest[start + 3..end]));
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Rows as text: NULL as `∅`, `T<epoch>` and RFC 3339 times inside text
/// (JSON, rendered descriptions) as seconds from `start`.
fn render(values: Vec<Option<String>>, start: i64) -> String {
    values
        .into_iter()
        .map(|value| match value {
            None => "∅".to_owned(),
            Some(v) => match v.strip_prefix('T').and_then(|s| s.parse::<i64>().ok()) {
                Some(epoch) => format!("t{:+}", epoch - start),
                None => relative_times(&v, start),
            },
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Replaces each `YYYY-MM-DDTHH:MM:SS[.fff]Z` in `text` by its offset.
fn relative_times(text: &str, start: i64) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let looks_like_time = bytes.len() >= i + 20
            && bytes[i..i + 4].iter().all(u8::is_ascii_digit)
            && bytes[i + 4] == b'-'
            && bytes[i + 10] == b'T';
        if looks_like_time {
            let end = text[i..].find(['Z', '"', ' ']).map_or(text.len(), |e| {
                i + e + usize::from(bytes.get(i + e) == Some(&b'Z'))
            });
            if let Ok(at) = DateTime::parse_from_rfc3339(&text[i..end]) {
                out.push_str(&format!("t{:+}", at.timestamp() - start));
                i = end;
                continue;
            }
        }
        out.push(text[i..].chars().next().expect("in bounds"));
        i += text[i..].chars().next().expect("in bounds").len_utf8();
    }
    out
}

async fn rows(
    store: &PsaStore,
    tenant: TenantId,
    sql: &str,
    start: i64,
    ids: &[(String, String)],
) -> Vec<String> {
    let sql = expand(store.backend(), sql);
    let mut out: Vec<String> = match store.backend() {
        Backend::Postgres => sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(tenant.0)
            .fetch_all(store.postgres_pool().unwrap())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .iter()
            .map(|row| {
                let values = (0..row.len())
                    .map(|i| row.try_get::<Option<String>, _>(i).unwrap())
                    .collect();
                render(values, start)
            })
            .collect(),
        Backend::Sqlite => sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(tenant.0.hyphenated().to_string())
            .fetch_all(store.sqlite_pool().unwrap())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .iter()
            .map(|row| {
                let values = (0..row.len())
                    .map(|i| {
                        row.try_get::<Option<String>, _>(i)
                            .or_else(|_| {
                                row.try_get::<Option<i64>, _>(i)
                                    .map(|v| v.map(|v| v.to_string()))
                            })
                            .unwrap()
                    })
                    .collect();
                render(values, start)
            })
            .collect(),
    };
    // Ids differ from run to run: each integration's id becomes its label.
    for row in &mut out {
        for (id, label) in ids {
            *row = row.replace(id.as_str(), label);
        }
    }
    out.sort();
    out
}

/// The tenant's end state, timestamps relative to `start`, plus each
/// integration's sync state, incident cursor and newest run's outcome.
pub async fn snapshot(
    store: &PsaStore,
    tenant: TenantId,
    integrations: &[IntegrationId],
    start: DateTime<Utc>,
) -> Snapshot {
    let start = start.timestamp();
    let ids: Vec<(String, String)> = integrations
        .iter()
        .enumerate()
        .map(|(i, id)| (id.to_string(), format!("integration#{i}")))
        .collect();
    let mut tables = BTreeMap::new();
    for (name, sql) in TABLES {
        tables.insert(*name, rows(store, tenant, sql, start, &ids).await);
    }
    let mut state = Vec::new();
    for integration in integrations {
        let record = store
            .get_integration(tenant, *integration)
            .await
            .unwrap()
            .unwrap();
        state.push(format!(
            "{} status {:?} error {:?} full {} incremental {} cursor {}",
            record.provider,
            record.sync_status,
            record.sync_error,
            record.last_full_sync_at.is_some(),
            record.last_incremental_sync_at.is_some(),
            record
                .settings
                .get("incident_cursor")
                .cloned()
                .unwrap_or_default(),
        ));
        // The newest run: the step's last attempt (the kind may differ from
        // a clean run's: a retried device sync walks incrementally the
        // scopes the failed attempt completed).
        if let Some(run) = store
            .list_sync_runs(tenant, *integration, 1)
            .await
            .unwrap()
            .first()
        {
            state.push(format!(
                "{} newest run: {:?} {:?}",
                record.provider, run.outcome, run.error
            ));
        }
    }
    tables.insert("integrations", state);
    Snapshot(tables)
}
