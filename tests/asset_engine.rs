//! Device snapshots to assets, on both store backends.

mod support;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use futures::stream;
use psa_ingest::contracts::{
    AgentStatus, DeviceLifecycle, DeviceType, ExternalIdChange, NormalizedDevice, OsInfo,
};
use psa_ingest::contracts::{NormalizedScope, ScopeKind};
use psa_ingest::engine::assets::{
    AssetEngine, AssetEngineOptions, AssetSyncReport, RetirementGuard, SkipReason, SyncMode,
};
use psa_ingest::ports::{
    AssetStore, Pipeline, QuarantineEntry, QuarantineFilter, QuarantineStore, RetryBackoff,
    ScopeLinkBy, ScopeMappingStore, WalkOutcome,
};
use psa_ingest::sources::{DeviceSource, SourceError, SourceStream};
use psa_ingest::{ClientId, IntegrationId, ProviderId, TenantId};
use psa_store::test_util::TestStore;
use std::sync::Mutex;

fn tanium() -> ProviderId {
    ProviderId::new("tanium").unwrap()
}

fn device(id: &str, scope: &str) -> NormalizedDevice {
    NormalizedDevice {
        provider: tanium(),
        external_id: id.to_owned(),
        scope_id: scope.to_owned(),
        lifecycle: DeviceLifecycle::Active,
        device_type: DeviceType::Workstation,
        name: format!("host-{id}"),
        serial_number: Some(format!("SN-{id}")),
        asset_tag: None,
        agent_status: AgentStatus::Online,
        last_seen_at: Some(Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap()),
        os: OsInfo {
            name: Some("Windows 11".into()),
            version: None,
            platform: Some("Windows".into()),
        },
        hardware: Default::default(),
        network: Default::default(),
        users: Default::default(),
        installed_software: vec![],
        extra: Default::default(),
    }
}

struct Setup {
    tenant: TenantId,
    integration: IntegrationId,
    acme: ClientId,
    globex: ClientId,
}

/// A tenant with scopes g1 (Acme), g2 (Globex), g3 (Initech, asset sync
/// off) and g4 (unmapped).
async fn setup(store: &TestStore) -> Setup {
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let tenant = demo.tenant;
    let integration = support::integration(store, tenant, "tanium").await;
    let scopes: Vec<NormalizedScope> = ["g1", "g2", "g3", "g4"]
        .iter()
        .map(|id| NormalizedScope {
            provider: tanium(),
            external_id: (*id).to_owned(),
            name: format!("Group {id}"),
            kind: ScopeKind::Group,
            parent: None,
            counts: Default::default(),
        })
        .collect();
    store
        .upsert_scopes(tenant, integration, &scopes)
        .await
        .unwrap();
    for (scope, client) in [
        ("g1", demo.clients.acme),
        ("g2", demo.clients.globex),
        ("g3", demo.clients.initech),
    ] {
        store
            .link_scope(tenant, integration, scope, Some(client), ScopeLinkBy::User)
            .await
            .unwrap();
    }
    store
        .set_scope_flags(tenant, integration, "g3", false, true)
        .await
        .unwrap();
    Setup {
        tenant,
        integration,
        acme: demo.clients.acme,
        globex: demo.clients.globex,
    }
}

async fn engine<'s>(
    store: &'s TestStore,
    s: &Setup,
    batch_size: usize,
) -> AssetEngine<'s, psa_store::PsaStore> {
    AssetEngine::new(
        store.store(),
        s.tenant,
        s.integration,
        tanium(),
        AssetEngineOptions {
            batch_size,
            ..AssetEngineOptions::default()
        },
    )
    .await
    .unwrap()
}

async fn ingest(
    store: &TestStore,
    s: &Setup,
    devices: Vec<NormalizedDevice>,
    full_walk_of: Option<&str>,
) -> AssetSyncReport {
    let engine = engine(store, s, 3).await;
    let pages: Vec<Result<Vec<NormalizedDevice>, SourceError>> =
        devices.chunks(2).map(|c| Ok(c.to_vec())).collect();
    engine
        .ingest(stream::iter(pages), full_walk_of)
        .await
        .unwrap()
}

async fn sync(store: &TestStore, s: &Setup, source: &Inventory, mode: SyncMode) -> AssetSyncReport {
    engine(store, s, 10).await.sync(source, mode).await.unwrap()
}

async fn active_names(
    store: &TestStore,
    s: &Setup,
    client: ClientId,
    hostname: &str,
) -> Vec<Option<String>> {
    store
        .find_assets_by_hostname(s.tenant, client, hostname)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.serial_number)
        .collect()
}

async fn cold_ingest_creates_and_a_rerun_writes_nothing(store: TestStore) {
    let s = setup(&store).await;
    let devices: Vec<_> = (0..7)
        .map(|i| device(&format!("d{i}"), if i % 2 == 0 { "g1" } else { "g2" }))
        .collect();

    let first = ingest(&store, &s, devices.clone(), None).await;
    assert_eq!(
        (
            first.received,
            first.created,
            first.updated,
            first.unchanged
        ),
        (7, 7, 0, 0)
    );
    assert!(first.failed.is_empty());
    assert_eq!(
        support::count(&store, "SELECT COUNT(*) FROM assets").await,
        7
    );
    assert_eq!(
        support::count(&store, "SELECT COUNT(*) FROM workstation_assets").await,
        7
    );
    assert_eq!(
        active_names(&store, &s, s.acme, "HOST-D0").await,
        vec![Some("SN-d0".to_owned())]
    );
    assert_eq!(active_names(&store, &s, s.globex, "host-d1").await.len(), 1);

    let second = ingest(&store, &s, devices, None).await;
    assert_eq!(
        (
            second.created,
            second.updated,
            second.unchanged,
            second.writes()
        ),
        (0, 0, 7, 0)
    );
    assert_eq!(
        support::count(&store, "SELECT COUNT(*) FROM assets").await,
        7
    );
}

async fn unsent_fields_keep_stored_values_and_changes_update(store: TestStore) {
    let s = setup(&store).await;
    ingest(&store, &s, vec![device("d1", "g1")], None).await;
    let mut changed = device("d1", "g1");
    changed.serial_number = None; // not sent this time
    changed.os.version = Some("23H2".into());

    let report = ingest(&store, &s, vec![changed], None).await;

    assert_eq!((report.updated, report.created), (1, 0));
    assert_eq!(
        active_names(&store, &s, s.acme, "host-d1").await,
        vec![Some("SN-d1".to_owned())]
    );
    assert_eq!(
        support::count(&store, "SELECT COUNT(*) FROM workstation_assets WHERE os_version = '23H2' AND os_name = 'Windows 11'").await,
        1
    );
}

async fn a_type_change_moves_the_extension_row(store: TestStore) {
    let s = setup(&store).await;
    ingest(&store, &s, vec![device("d1", "g1")], None).await;
    let mut server = device("d1", "g1");
    server.device_type = DeviceType::Server;

    ingest(&store, &s, vec![server], None).await;

    assert_eq!(
        support::count(&store, "SELECT COUNT(*) FROM workstation_assets").await,
        0
    );
    assert_eq!(
        support::count(&store, "SELECT COUNT(*) FROM server_assets").await,
        1
    );
    assert_eq!(
        support::count(
            &store,
            "SELECT COUNT(*) FROM assets WHERE asset_type = 'server'"
        )
        .await,
        1
    );
}

async fn a_device_moved_to_another_scope_moves_to_its_client(store: TestStore) {
    let s = setup(&store).await;
    ingest(&store, &s, vec![device("d1", "g1")], Some("g1")).await;

    // Seen only in g2 now: g1's complete walk no longer holds it, so g2
    // (Globex) takes it, whichever scope is walked first.
    let source = Inventory::of(vec![device("d1", "g2")]);
    let report = sync(&store, &s, &source, SyncMode::Full).await;

    assert_eq!(report.updated, 1, "{report:?}");
    assert_eq!(report.in_several_scopes, 0, "{report:?}");
    assert!(active_names(&store, &s, s.acme, "host-d1").await.is_empty());
    assert_eq!(active_names(&store, &s, s.globex, "host-d1").await.len(), 1);
    assert_eq!(
        support::count(&store, "SELECT COUNT(*) FROM assets").await,
        1
    );
}

/// A device that sits in two mapped scopes of different clients keeps the
/// scope that owns it: five full syncs, one client, nothing written after
/// the first, and the run counts it.
async fn a_device_in_two_mapped_scopes_keeps_one_client(store: TestStore) {
    let s = setup(&store).await;
    let source = Inventory::of(vec![device("d1", "g1"), device("d1", "g2")]);
    let mut reports = Vec::new();
    for _ in 0..5 {
        reports.push(sync(&store, &s, &source, SyncMode::Full).await);
    }
    assert_eq!(reports[0].created, 1, "{:?}", reports[0]);
    for report in &reports {
        assert_eq!(report.in_several_scopes, 1, "{report:?}");
    }
    for report in &reports[1..] {
        assert_eq!(report.writes(), 0, "{report:?}");
    }
    assert_eq!(active_names(&store, &s, s.acme, "host-d1").await.len(), 1);
    assert!(
        active_names(&store, &s, s.globex, "host-d1")
            .await
            .is_empty()
    );
}

/// The owner keeps a shared device even when the other scope is walked
/// first: g1 owns it, and the second scope (g2) holding it too changes
/// nothing; once g1 is unmapped, g2 takes it.
async fn a_shared_device_moves_only_when_its_owner_lets_go(store: TestStore) {
    let s = setup(&store).await;
    ingest(&store, &s, vec![device("d1", "g2")], Some("g2")).await;
    let source = Inventory::of(vec![device("d1", "g1"), device("d1", "g2")]);
    let report = sync(&store, &s, &source, SyncMode::Full).await;
    assert_eq!(
        (report.writes(), report.in_several_scopes),
        (0, 1),
        "{report:?}"
    );
    assert_eq!(active_names(&store, &s, s.globex, "host-d1").await.len(), 1);

    store
        .link_scope(s.tenant, s.integration, "g2", None, ScopeLinkBy::User)
        .await
        .unwrap();
    let report = sync(&store, &s, &source, SyncMode::Full).await;
    assert_eq!(
        (report.updated, report.in_several_scopes),
        (1, 0),
        "{report:?}"
    );
    assert_eq!(active_names(&store, &s, s.acme, "host-d1").await.len(), 1);
}

/// A complete walk that would retire most of a big scope retires nothing
/// and says why; a person's confirmation lets the next walk retire.
async fn a_walk_that_would_retire_most_of_a_scope_retires_nothing(store: TestStore) {
    let s = setup(&store).await;
    let devices: Vec<_> = (0..30).map(|i| device(&format!("d{i}"), "g1")).collect();
    ingest(&store, &s, devices, Some("g1")).await;
    let empty = Inventory::of(vec![device("d0", "g1")]);

    let report = sync(&store, &s, &empty, SyncMode::Full).await;
    assert_eq!(report.tombstoned, 0, "{report:?}");
    assert_eq!(report.guarded_scopes.len(), 1, "{report:?}");
    assert!(
        report.guarded_scopes[0]
            .1
            .contains("would retire 29 of its 30 assets"),
        "{report:?}"
    );
    assert!(!report.complete_scopes.contains(&"g1".to_owned()));
    let g1 = store
        .get_scope_mapping(s.tenant, s.integration, "g1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g1.device_sync.last_outcome, Some(WalkOutcome::Guarded));

    let confirmed = AssetEngine::new(
        store.store(),
        s.tenant,
        s.integration,
        tanium(),
        AssetEngineOptions {
            batch_size: 10,
            retirement_guard: RetirementGuard {
                confirmed: true,
                ..RetirementGuard::default()
            },
            ..AssetEngineOptions::default()
        },
    )
    .await
    .unwrap();
    let report = confirmed.sync(&empty, SyncMode::Full).await.unwrap();
    assert_eq!(
        (report.tombstoned, report.confirmed_retirements),
        (29, 29),
        "{report:?}"
    );
}

async fn unmapped_and_switched_off_scopes_are_skipped_with_reasons(store: TestStore) {
    let s = setup(&store).await;
    let report = ingest(
        &store,
        &s,
        vec![
            device("d1", "g3"),
            device("d2", "g4"),
            device("d3", "nope"),
            device("d4", "g1"),
        ],
        None,
    )
    .await;
    assert_eq!(report.created, 1);
    assert_eq!(report.skipped.get(&SkipReason::AssetSyncOff), Some(&1));
    assert_eq!(report.skipped.get(&SkipReason::UnmappedScope), Some(&2));
    assert_eq!(
        support::count(&store, "SELECT COUNT(*) FROM assets").await,
        1
    );
}

async fn one_bad_snapshot_fails_alone(store: TestStore) {
    let s = setup(&store).await;
    let mut nameless = device("d2", "g1");
    nameless.name = "  ".into();
    let mut empty_id = device("", "g1");
    empty_id.name = "x".into();

    let report = ingest(
        &store,
        &s,
        vec![device("d1", "g1"), nameless, empty_id, device("d3", "g1")],
        None,
    )
    .await;

    assert_eq!(report.created, 2);
    assert_eq!(report.failed.len(), 2);
    assert!(
        report.failed[0].error.contains("d2") && report.failed[0].error.contains("no name"),
        "{:?}",
        report.failed
    );
    assert!(report.failed[1].error.contains("empty external id"));
}

/// A vendor sending a NUL byte, a core count past `i32::MAX` and memory
/// past `i64::MAX` (both backends refuse or differ on them): the device is
/// stored with the NUL removed and the numbers as null, counted; a device
/// whose id holds a NUL fails alone (on both backends); the rest of the
/// batch and the next scope are written.
async fn vendor_values_the_database_cannot_hold_stop_nothing(store: TestStore) {
    let s = setup(&store).await;
    let mut odd = device("d2", "g1");
    odd.name = "host\0-d2".into();
    odd.os.name = Some("Windows\0 11".into());
    odd.hardware.cpu_cores = Some(u32::MAX);
    odd.hardware.ram_bytes = Some(u64::MAX);
    odd.hardware.cpu = Some("Xeon\0".into());
    odd.network.ip_addresses = vec!["10.0.0.\u{0}2".into()];
    let bad_id = device("d\u{0}9", "g1");
    let devices = vec![
        device("d1", "g1"),
        odd,
        bad_id,
        device("d3", "g1"),
        device("e1", "g2"),
    ];
    let report = ingest(&store, &s, devices, None).await;

    assert_eq!(report.values_not_stored, 2, "{report:?}");
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert!(
        report.failed[0].error.contains("NUL"),
        "{:?}",
        report.failed
    );
    assert_eq!(report.created, 4, "{report:?}");
    let stored = store
        .find_assets_by_hostname(s.tenant, s.acme, "host-d2")
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "stored under the cleaned name");
    assert_eq!(active_names(&store, &s, s.globex, "host-e1").await.len(), 1);
    let rows = support::count_for_tenant(
        &store,
        "SELECT COUNT(*) FROM workstation_assets WHERE tenant = $1 AND cpu_cores IS NULL \
         AND ram_bytes IS NULL AND cpu_model = 'Xeon' AND os_name = 'Windows 11'",
        s.tenant,
    )
    .await;
    assert!(rows >= 1, "the odd device's row is stored, cleaned");

    // Nothing changed: the next run writes nothing and fails nothing new.
    let devices = vec![device("d1", "g1"), device("d3", "g1")];
    let again = ingest(&store, &s, devices, None).await;
    assert_eq!((again.created, again.updated), (0, 0), "{again:?}");
}

async fn deleted_snapshots_retire_and_a_complete_walk_tombstones_the_unseen(store: TestStore) {
    let s = setup(&store).await;
    ingest(
        &store,
        &s,
        (1..=4).map(|i| device(&format!("d{i}"), "g1")).collect(),
        Some("g1"),
    )
    .await;
    let mut deleted = device("d1", "g1");
    deleted.lifecycle = DeviceLifecycle::Deleted;

    // d1 deleted, d2 and d3 seen, d4 missing from a complete walk of g1.
    let report = ingest(
        &store,
        &s,
        vec![deleted, device("d2", "g1"), device("d3", "g1")],
        Some("g1"),
    )
    .await;

    assert_eq!(report.tombstoned, 2, "{report:?}");
    assert_eq!(report.complete_scopes, vec!["g1".to_owned()]);
    assert!(active_names(&store, &s, s.acme, "host-d1").await.is_empty());
    assert!(active_names(&store, &s, s.acme, "host-d4").await.is_empty());
    assert_eq!(active_names(&store, &s, s.acme, "host-d2").await.len(), 1);
    assert_eq!(
        support::count(
            &store,
            "SELECT COUNT(*) FROM assets WHERE status = 'inactive' AND agent_status = 'offline'"
        )
        .await,
        2
    );
    assert_eq!(
        support::count(
            &store,
            "SELECT COUNT(*) FROM tenant_external_entity_mappings WHERE sync_status = 'deleted'"
        )
        .await,
        2
    );

    // Seen again: the asset comes back.
    let back = ingest(&store, &s, vec![device("d4", "g1")], None).await;
    assert_eq!(back.updated, 1);
    assert_eq!(active_names(&store, &s, s.acme, "host-d4").await.len(), 1);
}

/// A device source over a fixed inventory that can fail after some pages
/// and reports id changes.
struct Inventory {
    devices: Mutex<Vec<NormalizedDevice>>,
    /// Fail the walk of this scope after this many pages.
    fail_in: Option<(&'static str, usize)>,
    id_changes: Vec<ExternalIdChange>,
}

impl Inventory {
    /// These devices, no failure, no id change.
    fn of(devices: Vec<NormalizedDevice>) -> Self {
        Self {
            devices: Mutex::new(devices),
            fail_in: None,
            id_changes: vec![],
        }
    }
}

#[async_trait]
impl DeviceSource for Inventory {
    fn devices<'a>(&'a self, scope_id: &'a str) -> SourceStream<'a, Vec<NormalizedDevice>> {
        let devices: Vec<_> = self
            .devices
            .lock()
            .unwrap()
            .iter()
            .filter(|d| d.scope_id == scope_id)
            .cloned()
            .collect();
        let mut pages: Vec<Result<Vec<NormalizedDevice>, SourceError>> =
            devices.chunks(1).map(|c| Ok(c.to_vec())).collect();
        if let Some((scope, n)) = self.fail_in
            && scope == scope_id
        {
            pages.truncate(n);
            pages.push(Err(SourceError::Transient {
                message: "502 Bad Gateway".into(),
                source: None,
            }));
        }
        Box::pin(stream::iter(pages))
    }

    fn devices_changed_since<'a>(
        &'a self,
        scope_id: &'a str,
        _since: DateTime<Utc>,
    ) -> SourceStream<'a, Vec<NormalizedDevice>> {
        self.devices(scope_id)
    }

    async fn id_changes(
        &self,
        _since: DateTime<Utc>,
    ) -> Result<Vec<ExternalIdChange>, SourceError> {
        Ok(self.id_changes.clone())
    }
}

async fn a_walk_that_fails_part_way_tombstones_nothing(store: TestStore) {
    let s = setup(&store).await;
    ingest(
        &store,
        &s,
        (1..=3).map(|i| device(&format!("d{i}"), "g1")).collect(),
        Some("g1"),
    )
    .await;
    let source = Inventory {
        devices: Mutex::new(vec![device("d1", "g1")]),
        fail_in: Some(("g1", 1)),
        id_changes: vec![],
    };

    let report = sync(&store, &s, &source, SyncMode::Full).await;

    assert_eq!(report.tombstoned, 0);
    assert_eq!(report.incomplete_scopes.len(), 1);
    assert!(report.incomplete_scopes[0].1.contains("502"));
    assert!(
        report.complete_scopes.contains(&"g2".to_owned()),
        "other scopes still walk"
    );
    assert_eq!(
        support::count(
            &store,
            "SELECT COUNT(*) FROM assets WHERE status = 'active'"
        )
        .await,
        3
    );
}

async fn a_rekeyed_device_keeps_its_asset(store: TestStore) {
    let s = setup(&store).await;
    let source = Inventory::of(vec![device("old-1", "g1")]);
    sync(&store, &s, &source, SyncMode::Auto).await;
    let mut renamed = device("new-1", "g1");
    renamed.name = "host-old-1".into();
    renamed.serial_number = Some("SN-old-1".into());
    let source = Inventory {
        devices: Mutex::new(vec![renamed]),
        fail_in: None,
        id_changes: vec![ExternalIdChange {
            old_id: "old-1".into(),
            new_id: "new-1".into(),
        }],
    };

    // Id changes are read from the oldest scope watermark.
    let report = sync(&store, &s, &source, SyncMode::Auto).await;

    assert_eq!(report.rekeyed, 1);
    assert_eq!(report.created, 0, "{report:?}");
    assert_eq!(report.tombstoned, 0);
    assert_eq!(
        support::count(&store, "SELECT COUNT(*) FROM assets").await,
        1
    );
    assert_eq!(
        support::count(
            &store,
            "SELECT COUNT(*) FROM assets WHERE rmm_device_id = 'new-1'"
        )
        .await,
        1
    );
}

async fn tenants_are_isolated(store: TestStore) {
    let s = setup(&store).await;
    ingest(&store, &s, vec![device("d1", "g1")], None).await;
    let other = store.seed_demo_tenant("Other MSP").await.unwrap();
    // Tenant B looking up A's device ids and asset names finds nothing.
    let known = store
        .find_known_devices(other.tenant, s.integration, &tanium(), &["d1".to_owned()])
        .await
        .unwrap();
    assert!(known.is_empty());
    assert!(
        store
            .find_assets_by_hostname(other.tenant, s.acme, "host-d1")
            .await
            .unwrap()
            .is_empty()
    );
    // And cannot retire it.
    assert_eq!(
        store
            .retire_devices(other.tenant, s.integration, &["d1".to_owned()], Utc::now())
            .await
            .unwrap(),
        0
    );
    assert_eq!(active_names(&store, &s, s.acme, "host-d1").await.len(), 1);
}

async fn a_device_repeated_in_a_batch_keeps_its_last_snapshot(store: TestStore) {
    let s = setup(&store).await;
    let mut later = device("d1", "g1");
    later.serial_number = Some("SN-later".into());
    // One batch (the helper batches by 3): d1, d2, then d1 again.
    let devices = vec![device("d1", "g1"), device("d2", "g1"), later];

    let first = ingest(&store, &s, devices.clone(), None).await;
    assert_eq!((first.created, first.updated), (2, 0));
    assert_eq!(first.skipped.get(&SkipReason::DuplicateInBatch), Some(&1));
    assert_eq!(
        active_names(&store, &s, s.acme, "host-d1").await,
        vec![Some("SN-later".to_owned())]
    );

    // The stored hash is the later snapshot's: the same batch again is a no-op.
    let again = ingest(&store, &s, devices, None).await;
    assert_eq!((again.unchanged, again.writes()), (2, 0));
}

/// A device that fails for a reason of its own is quarantined with its
/// snapshot; the rest of its batch and the later scopes are written, and
/// once the vendor fixes it the next walk writes it and it leaves
/// quarantine.
async fn a_failing_device_is_quarantined_and_recovered_when_fixed(store: TestStore) {
    let s = setup(&store).await;
    let mut nameless = device("d2", "g1");
    nameless.name = " ".into();
    let source = Inventory::of(vec![
        device("d1", "g1"),
        nameless,
        device("d3", "g1"),
        device("e1", "g2"),
    ]);

    let report = sync(&store, &s, &source, SyncMode::Full).await;

    assert_eq!((report.created, report.quarantined), (3, 1), "{report:?}");
    assert_eq!(report.complete_scopes, ["g1", "g2"]);
    let held = store
        .list_quarantined(s.tenant, s.integration, QuarantineFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].pipeline, held[0].record_id.as_str()),
        (Pipeline::Devices, "d2")
    );
    assert!(held[0].error.contains("no name"), "{}", held[0].error);
    assert_eq!(held[0].payload["external_id"], "d2");

    // Fixed at the vendor: the next walk writes it.
    source.devices.lock().unwrap()[1].name = "host-d2".into();
    let report = sync(&store, &s, &source, SyncMode::Auto).await;
    assert_eq!((report.created, report.recovered), (1, 1), "{report:?}");
    assert_eq!(
        store
            .count_quarantined(s.tenant, s.integration)
            .await
            .unwrap(),
        0
    );
    assert_eq!(active_names(&store, &s, s.acme, "host-d2").await.len(), 1);
}

/// A quarantined snapshot the running code can now write (an older
/// version refused it) is written by the next sync, before the walks, and
/// leaves quarantine; one that still fails counts one more attempt and
/// stops nothing.
async fn due_quarantined_devices_are_retried_from_their_snapshot(store: TestStore) {
    let s = setup(&store).await;
    let source = Inventory::of(vec![device("d1", "g1")]);
    sync(&store, &s, &source, SyncMode::Full).await;
    let past = Utc::now() - chrono::TimeDelta::hours(1);
    let mut still_bad = device("bad", "g1");
    still_bad.name = String::new();
    for (id, snapshot) in [("ok", device("ok", "g1")), ("bad", still_bad)] {
        store
            .quarantine_record(
                s.tenant,
                s.integration,
                QuarantineEntry {
                    pipeline: Pipeline::Devices,
                    record_id: id.into(),
                    payload: serde_json::to_value(snapshot).unwrap(),
                    error: "refused by an older version".into(),
                },
                RetryBackoff::default(),
                past - chrono::TimeDelta::days(2),
            )
            .await
            .unwrap();
    }

    // The incremental walk brings neither device.
    let report = sync(&store, &s, &source, SyncMode::Auto).await;

    assert_eq!((report.full_walks, report.incremental_walks), (0, 2));
    assert_eq!(report.recovered, 1, "{report:?}");
    assert_eq!(report.quarantined, 1);
    assert_eq!(active_names(&store, &s, s.acme, "host-ok").await.len(), 1);
    let held = store
        .list_quarantined(s.tenant, s.integration, QuarantineFilter::default(), 10)
        .await
        .unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!((held[0].record_id.as_str(), held[0].attempts), ("bad", 2));
    assert!(held[0].error.contains("no name"));
    assert!(held[0].next_retry_at > Utc::now());
}

psa_store::backend_tests!(
    a_failing_device_is_quarantined_and_recovered_when_fixed,
    due_quarantined_devices_are_retried_from_their_snapshot,
    vendor_values_the_database_cannot_hold_stop_nothing,
    cold_ingest_creates_and_a_rerun_writes_nothing,
    unsent_fields_keep_stored_values_and_changes_update,
    a_type_change_moves_the_extension_row,
    a_device_moved_to_another_scope_moves_to_its_client,
    a_device_in_two_mapped_scopes_keeps_one_client,
    a_shared_device_moves_only_when_its_owner_lets_go,
    a_walk_that_would_retire_most_of_a_scope_retires_nothing,
    unmapped_and_switched_off_scopes_are_skipped_with_reasons,
    one_bad_snapshot_fails_alone,
    a_device_repeated_in_a_batch_keeps_its_last_snapshot,
    deleted_snapshots_retire_and_a_complete_walk_tombstones_the_unseen,
    a_walk_that_fails_part_way_tombstones_nothing,
    a_rekeyed_device_keeps_its_asset,
    tenants_are_isolated,
);
