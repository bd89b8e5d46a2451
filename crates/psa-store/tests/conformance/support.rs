//! Shared fixtures of the conformance suite.

use chrono::{DateTime, TimeZone as _, Utc};
use psa_ingest::contracts::{
    AgentStatus, DeviceLifecycle, DeviceType, NormalizedDevice, NormalizedScope, ScopeKind,
};
use psa_ingest::ports::{
    AssetWrite, Integration, IntegrationStore as _, NewComment, NewIntegration, NewTicket,
};
use psa_ingest::{AssetId, ClientId, ProviderId, TenantId};
use psa_store::{Backend, DemoTenant, PsaStore};
use sqlx::Row as _;

pub(crate) fn provider(name: &str) -> ProviderId {
    ProviderId::new(name).unwrap()
}

/// A fixed instant (microsecond precision, as both backends store).
pub(crate) fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 123_456_000)
        .unwrap()
}

pub(crate) async fn integration(
    store: &PsaStore,
    tenant: TenantId,
    provider_name: &str,
) -> Integration {
    store
        .create_integration(
            tenant,
            NewIntegration {
                provider: provider(provider_name),
                instance_url: Some("https://example.test".into()),
                settings: serde_json::json!({ "cursor": null }),
            },
        )
        .await
        .unwrap()
}

pub(crate) fn scope(provider_name: &str, id: &str, name: &str) -> NormalizedScope {
    NormalizedScope {
        provider: provider(provider_name),
        external_id: id.into(),
        name: name.into(),
        kind: ScopeKind::Group,
        parent: None,
        counts: Default::default(),
    }
}

pub(crate) fn device(provider_name: &str, id: &str, scope: &str) -> NormalizedDevice {
    NormalizedDevice {
        provider: provider(provider_name),
        external_id: id.into(),
        scope_id: scope.into(),
        lifecycle: DeviceLifecycle::Active,
        device_type: DeviceType::Workstation,
        name: format!("host-{id}"),
        serial_number: Some(format!("SN-{id}")),
        asset_tag: None,
        agent_status: AgentStatus::Online,
        last_seen_at: Some(at(0)),
        os: psa_ingest::contracts::OsInfo {
            name: Some("Windows 11 Pro".into()),
            version: Some("23H2".into()),
            platform: Some("Windows".into()),
        },
        hardware: Default::default(),
        network: Default::default(),
        users: Default::default(),
        installed_software: vec![psa_ingest::contracts::Software {
            name: "Office".into(),
            version: None,
        }],
        extra: Default::default(),
    }
}

pub(crate) fn write(
    asset: AssetId,
    client: ClientId,
    device: NormalizedDevice,
    hash: &str,
) -> AssetWrite {
    AssetWrite {
        asset_id: asset,
        client_id: client,
        device,
        content_hash: hash.into(),
    }
}

pub(crate) fn new_ticket(demo: &DemoTenant, title: &str) -> NewTicket {
    NewTicket {
        title: title.into(),
        description: "Body".into(),
        client_id: demo.clients.acme,
        board_id: demo.default_board.id,
        status_id: None,
        priority_id: Some(demo.priorities.high),
        category_id: None,
        subcategory_id: None,
        source: None,
        source_reference: None,
        attributes: serde_json::json!({}),
    }
}

pub(crate) fn note(text: &str) -> NewComment {
    NewComment {
        note: text.into(),
        is_internal: true,
        is_system_generated: true,
    }
}

/// Runs a raw query whose columns are all text (cast them) and whose binds
/// are all text, written once per backend. Tests use it to look at rows no
/// port returns.
pub(crate) async fn raw(
    store: &PsaStore,
    pg: &'static str,
    sqlite: &'static str,
    binds: &[String],
) -> Vec<Vec<Option<String>>> {
    match store.backend() {
        Backend::Postgres => {
            let mut query = sqlx::query(pg);
            for bind in binds {
                query = query.bind(bind.clone());
            }
            let rows = query
                .fetch_all(store.postgres_pool().unwrap())
                .await
                .unwrap();
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.get::<Option<String>, _>(i))
                        .collect()
                })
                .collect()
        }
        Backend::Sqlite => {
            let mut query = sqlx::query(sqlite);
            for bind in binds {
                query = query.bind(bind.clone());
            }
            let rows = query.fetch_all(store.sqlite_pool().unwrap()).await.unwrap();
            rows.iter()
                .map(|r| {
                    (0..r.len())
                        .map(|i| r.get::<Option<String>, _>(i))
                        .collect()
                })
                .collect()
        }
    }
}

/// What the asset tables hold for one asset.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AssetSnapshot {
    pub(crate) name: String,
    pub(crate) serial_number: Option<String>,
    pub(crate) status: String,
    pub(crate) asset_type: String,
    pub(crate) rmm_device_id: Option<String>,
    pub(crate) rmm_organization_id: Option<String>,
    pub(crate) attributes: serde_json::Value,
    /// `workstation_assets` row: (os_name, installed_software json).
    pub(crate) workstation: Option<(Option<String>, Option<String>)>,
    /// `server_assets` row: (os_name, installed_software json).
    pub(crate) server: Option<(Option<String>, Option<String>)>,
}

pub(crate) async fn asset_snapshot(store: &PsaStore, asset: AssetId) -> AssetSnapshot {
    let id = vec![asset.to_string()];
    let rows = raw(
        store,
        "SELECT name, serial_number, status, asset_type, rmm_device_id, rmm_organization_id, attributes::text \
         FROM assets WHERE asset_id = $1::uuid",
        "SELECT name, serial_number, status, asset_type, rmm_device_id, rmm_organization_id, attributes \
         FROM assets WHERE asset_id = ?1",
        &id,
    )
    .await;
    let row = rows
        .first()
        .unwrap_or_else(|| panic!("asset {asset} not stored"));
    let extension =
        |rows: Vec<Vec<Option<String>>>| rows.first().map(|r| (r[0].clone(), r[1].clone()));
    let workstation = extension(
        raw(
            store,
            "SELECT os_name, installed_software::text FROM workstation_assets WHERE asset_id = $1::uuid",
            "SELECT os_name, installed_software FROM workstation_assets WHERE asset_id = ?1",
            &id,
        )
        .await,
    );
    let server = extension(
        raw(
            store,
            "SELECT os_name, installed_software::text FROM server_assets WHERE asset_id = $1::uuid",
            "SELECT os_name, installed_software FROM server_assets WHERE asset_id = ?1",
            &id,
        )
        .await,
    );
    AssetSnapshot {
        name: row[0].clone().unwrap(),
        serial_number: row[1].clone(),
        status: row[2].clone().unwrap(),
        asset_type: row[3].clone().unwrap(),
        rmm_device_id: row[4].clone(),
        rmm_organization_id: row[5].clone(),
        attributes: serde_json::from_str(row[6].as_deref().unwrap()).unwrap(),
        workstation,
        server,
    }
}
