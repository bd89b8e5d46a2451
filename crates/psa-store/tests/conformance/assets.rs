use crate::support::{asset_snapshot, at, device, integration, provider, raw, write};
use futures::TryStreamExt as _;
use psa_ingest::contracts::{DeviceType, ExternalIdChange};
use psa_ingest::ports::{AssetBatch, AssetStore as _, StoreError};
use psa_ingest::{AssetId, IntegrationId};
use psa_store::test_util::TestStore;
use serde_json::json;

fn ids(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

async fn created_devices_are_found_with_their_hash(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme) = (demo.tenant, demo.clients.acme);
    let int = integration(&store, tenant, "tanium").await;
    let (a1, a2) = (AssetId::new(), AssetId::new());
    let mut server = device("tanium", "d2", "g1");
    server.device_type = DeviceType::Server;
    let batch = AssetBatch {
        creates: vec![
            write(a1, acme, device("tanium", "d1", "g1"), "h1"),
            write(a2, acme, server, "h2"),
        ],
        updates: vec![],
    };
    store
        .write_assets(tenant, int.id, &batch, at(10))
        .await
        .unwrap();

    let known = store
        .find_known_devices(
            tenant,
            int.id,
            &provider("tanium"),
            &ids(&["d1", "d2", "d3"]),
        )
        .await
        .unwrap();
    assert_eq!(known.len(), 2);
    let d1 = known.iter().find(|k| k.external_id == "d1").unwrap();
    assert_eq!(
        (
            d1.asset_id,
            d1.client_id,
            d1.content_hash.as_deref(),
            d1.retired
        ),
        (a1, acme, Some("h1"), false)
    );
    assert_eq!(d1.device_type, DeviceType::Workstation);
    let d2 = known.iter().find(|k| k.external_id == "d2").unwrap();
    assert_eq!(d2.device_type, DeviceType::Server);

    let snap = asset_snapshot(&store, a1).await;
    assert_eq!(snap.name, "host-d1");
    assert_eq!(snap.status, "active");
    assert_eq!(snap.rmm_device_id.as_deref(), Some("d1"));
    assert_eq!(snap.rmm_organization_id.as_deref(), Some("g1"));
    assert_eq!(
        snap.workstation.as_ref().unwrap().0.as_deref(),
        Some("Windows 11 Pro")
    );
    assert!(snap.server.is_none());
    let server = asset_snapshot(&store, a2).await;
    assert!(
        server.server.is_some() && server.workstation.is_none(),
        "servers go to server_assets"
    );

    assert!(
        store
            .find_known_devices(tenant, int.id, &provider("tanium"), &[])
            .await
            .unwrap()
            .is_empty()
    );
}

async fn updates_keep_what_the_provider_did_not_send(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme, globex) = (demo.tenant, demo.clients.acme, demo.clients.globex);
    let int = integration(&store, tenant, "tanium").await;
    let asset = AssetId::new();
    let mut first = device("tanium", "d1", "g1");
    first.extra.insert("kept".into(), json!(1));
    let creates = vec![write(asset, acme, first, "h1")];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();

    // A sparse snapshot: no serial, no OS, no software, empty name.
    let mut sparse = device("tanium", "d1", "g2");
    sparse.name = String::new();
    sparse.serial_number = None;
    sparse.os = Default::default();
    sparse.installed_software = vec![];
    sparse.extra.insert("added".into(), json!(2));
    let updates = vec![write(asset, globex, sparse, "h2")];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates: vec![],
                updates,
            },
            at(2),
        )
        .await
        .unwrap();

    let snap = asset_snapshot(&store, asset).await;
    assert_eq!(snap.name, "host-d1");
    assert_eq!(snap.serial_number.as_deref(), Some("SN-d1"));
    assert_eq!(
        snap.rmm_organization_id.as_deref(),
        Some("g2"),
        "the scope moves"
    );
    assert_eq!(
        snap.attributes,
        json!({ "kept": 1, "added": 2 }),
        "extras are merged"
    );
    let (os, software) = snap.workstation.unwrap();
    assert_eq!(os.as_deref(), Some("Windows 11 Pro"));
    let software: serde_json::Value = serde_json::from_str(&software.unwrap()).unwrap();
    assert_eq!(software[0]["name"], json!("Office"));

    let known = store
        .find_known_devices(tenant, int.id, &provider("tanium"), &ids(&["d1"]))
        .await
        .unwrap();
    assert_eq!(
        (known[0].client_id, known[0].content_hash.as_deref()),
        (globex, Some("h2"))
    );
}

async fn a_type_change_moves_the_extension_row(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme) = (demo.tenant, demo.clients.acme);
    let int = integration(&store, tenant, "tanium").await;
    let asset = AssetId::new();
    let creates = vec![write(asset, acme, device("tanium", "d1", "g1"), "h1")];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();

    let mut as_server = device("tanium", "d1", "g1");
    as_server.device_type = DeviceType::Server;
    let update = write(asset, acme, as_server, "h2");
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates: vec![],
                updates: vec![update],
            },
            at(2),
        )
        .await
        .unwrap();
    let snap = asset_snapshot(&store, asset).await;
    assert_eq!(snap.asset_type, "server");
    assert!(snap.workstation.is_none(), "old extension row removed");
    assert_eq!(snap.server.unwrap().0.as_deref(), Some("Windows 11 Pro"));

    // Back to a mobile device (a workstation_assets type), from the device type alone.
    let mut as_mobile = device("tanium", "d1", "g1");
    as_mobile.device_type = DeviceType::MobileDevice;
    let updates = vec![write(asset, acme, as_mobile, "h3")];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates: vec![],
                updates,
            },
            at(3),
        )
        .await
        .unwrap();
    let snap = asset_snapshot(&store, asset).await;
    assert!(snap.server.is_none() && snap.workstation.is_some());
}

async fn retired_devices_are_inactive_until_seen_again(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme) = (demo.tenant, demo.clients.acme);
    let int = integration(&store, tenant, "tanium").await;
    let (a1, a2) = (AssetId::new(), AssetId::new());
    let creates = vec![
        write(a1, acme, device("tanium", "d1", "g1"), "h1"),
        write(a2, acme, device("tanium", "d2", "g1"), "h"),
    ];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();

    assert_eq!(
        store
            .retire_devices(tenant, int.id, &ids(&["d1", "unknown"]), at(2))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .retire_devices(tenant, int.id, &ids(&["d1"]), at(3))
            .await
            .unwrap(),
        0,
        "already retired"
    );
    assert_eq!(asset_snapshot(&store, a1).await.status, "inactive");
    assert_eq!(asset_snapshot(&store, a2).await.status, "active");
    let known = store
        .find_known_devices(tenant, int.id, &provider("tanium"), &ids(&["d1"]))
        .await
        .unwrap();
    assert!(known[0].retired);
    assert!(
        store
            .find_assets_by_hostname(tenant, acme, "host-d1")
            .await
            .unwrap()
            .is_empty(),
        "inactive assets are not matched"
    );

    let updates = vec![write(a1, acme, device("tanium", "d1", "g1"), "h1")];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates: vec![],
                updates,
            },
            at(4),
        )
        .await
        .unwrap();
    assert_eq!(asset_snapshot(&store, a1).await.status, "active");
    let known = store
        .find_known_devices(tenant, int.id, &provider("tanium"), &ids(&["d1"]))
        .await
        .unwrap();
    assert!(!known[0].retired);
}

async fn scope_devices_lists_live_devices_of_one_scope(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme) = (demo.tenant, demo.clients.acme);
    let int = integration(&store, tenant, "tanium").await;
    let other = integration(&store, tenant, "tanium").await;
    let (a1, a2, a3, a4) = (
        AssetId::new(),
        AssetId::new(),
        AssetId::new(),
        AssetId::new(),
    );
    let creates = vec![
        write(a1, acme, device("tanium", "d1", "g1"), "h"),
        write(a2, acme, device("tanium", "d2", "g1"), "h"),
        write(a3, acme, device("tanium", "d3", "g2"), "h"),
    ];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();
    let creates = vec![write(a4, acme, device("tanium", "d4", "g1"), "h")];
    store
        .write_assets(
            tenant,
            other.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();
    store
        .retire_devices(tenant, int.id, &ids(&["d2"]), at(2))
        .await
        .unwrap();

    let mut live: Vec<_> = store
        .scope_devices(tenant, int.id, "g1")
        .try_collect()
        .await
        .unwrap();
    live.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    assert_eq!(
        live.iter()
            .map(|d| (d.external_id.as_str(), d.asset_id))
            .collect::<Vec<_>>(),
        [("d1", a1)]
    );
    // The same live devices, counted per scope in one query.
    let mut counted = store.count_scope_devices(tenant, int.id).await.unwrap();
    counted.sort();
    assert_eq!(counted, [("g1".to_owned(), 1), ("g2".to_owned(), 1)]);
    let none: Vec<_> = store
        .scope_devices(tenant, int.id, "g9")
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    // Another tenant naming this integration sees nothing.
    let stranger = store.seed_demo_tenant("U").await.unwrap().tenant;
    let none: Vec<_> = store
        .scope_devices(stranger, int.id, "g1")
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
}

async fn rekey_moves_mappings_and_device_ids(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme) = (demo.tenant, demo.clients.acme);
    let int = integration(&store, tenant, "tanium").await;
    let (a1, a2) = (AssetId::new(), AssetId::new());
    let creates = vec![
        write(a1, acme, device("tanium", "old", "g1"), "h"),
        write(a2, acme, device("tanium", "taken", "g1"), "h"),
    ];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();

    let changes = [
        ExternalIdChange {
            old_id: "old".into(),
            new_id: "new".into(),
        },
        ExternalIdChange {
            old_id: "ghost".into(),
            new_id: "whatever".into(),
        },
        ExternalIdChange {
            old_id: "taken".into(),
            new_id: "new".into(),
        },
    ];
    assert_eq!(
        store.rekey_devices(tenant, int.id, &changes).await.unwrap(),
        1
    );
    let known = store
        .find_known_devices(
            tenant,
            int.id,
            &provider("tanium"),
            &ids(&["old", "new", "taken"]),
        )
        .await
        .unwrap();
    let pairs: Vec<_> = known
        .iter()
        .map(|k| (k.external_id.as_str(), k.asset_id))
        .collect();
    assert_eq!(pairs, [("new", a1), ("taken", a2)]);
    assert_eq!(
        asset_snapshot(&store, a1).await.rmm_device_id.as_deref(),
        Some("new")
    );

    // A change onto an id that is already mapped is skipped.
    let clash = [ExternalIdChange {
        old_id: "taken".into(),
        new_id: "new".into(),
    }];
    assert_eq!(
        store.rekey_devices(tenant, int.id, &clash).await.unwrap(),
        0
    );
    assert_eq!(
        asset_snapshot(&store, a2).await.rmm_device_id.as_deref(),
        Some("taken")
    );
}

async fn unmapped_assets_are_found_by_device_id_but_not_across_integrations(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme) = (demo.tenant, demo.clients.acme);
    let first = integration(&store, tenant, "tanium").await;
    let second = integration(&store, tenant, "tanium").await;
    let (legacy, mapped) = (AssetId::new(), AssetId::new());
    let creates = vec![
        write(legacy, acme, device("tanium", "legacy", "g1"), "h"),
        write(mapped, acme, device("tanium", "mapped", "g1"), "h"),
    ];
    store
        .write_assets(
            tenant,
            first.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();
    // Make `legacy` an asset without mapping (as older imports left them).
    raw(
        &store,
        "DELETE FROM tenant_external_entity_mappings WHERE alga_entity_id = $1::uuid",
        "DELETE FROM tenant_external_entity_mappings WHERE alga_entity_id = ?1",
        &[legacy.to_string()],
    )
    .await;

    let via_second = store
        .find_known_devices(
            tenant,
            second.id,
            &provider("tanium"),
            &ids(&["legacy", "mapped"]),
        )
        .await
        .unwrap();
    assert_eq!(
        via_second.len(),
        1,
        "a device mapped under another integration is not taken: {via_second:?}"
    );
    assert_eq!(
        (via_second[0].external_id.as_str(), via_second[0].asset_id),
        ("legacy", legacy)
    );
    assert_eq!(via_second[0].content_hash, None);
    // Another provider does not see it.
    let other_provider = store
        .find_known_devices(tenant, second.id, &provider("ninjaone"), &ids(&["legacy"]))
        .await
        .unwrap();
    assert!(other_provider.is_empty());

    // Writing it as an update through `second` maps it there.
    let updates = vec![write(legacy, acme, device("tanium", "legacy", "g1"), "h2")];
    store
        .write_assets(
            tenant,
            second.id,
            &AssetBatch {
                creates: vec![],
                updates,
            },
            at(2),
        )
        .await
        .unwrap();
    let known = store
        .find_known_devices(tenant, second.id, &provider("tanium"), &ids(&["legacy"]))
        .await
        .unwrap();
    assert_eq!(known[0].content_hash.as_deref(), Some("h2"));
    let via_first = store
        .find_known_devices(tenant, first.id, &provider("tanium"), &ids(&["legacy"]))
        .await
        .unwrap();
    assert!(
        via_first.is_empty(),
        "now claimed by the second integration"
    );
}

async fn batches_drop_duplicates_and_may_be_large(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme) = (demo.tenant, demo.clients.acme);
    let int = integration(&store, tenant, "tanium").await;
    let twice = AssetId::new();
    let mut older = device("tanium", "dup", "g1");
    older.name = "older".into();
    let mut newer = device("tanium", "dup", "g1");
    newer.name = "newer".into();
    // 2000 devices: beyond one SQLite statement for the 20-column extension rows.
    let mut creates: Vec<_> = (0..2000)
        .map(|i| {
            write(
                AssetId::new(),
                acme,
                device("tanium", &format!("bulk-{i}"), "g1"),
                "h",
            )
        })
        .collect();
    creates.push(write(twice, acme, older, "h-old"));
    creates.push(write(twice, acme, newer, "h-new"));
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();

    let wanted: Vec<String> = (0..2000)
        .map(|i| format!("bulk-{i}"))
        .chain(["dup".to_owned()])
        .collect();
    let known = store
        .find_known_devices(tenant, int.id, &provider("tanium"), &wanted)
        .await
        .unwrap();
    assert_eq!(known.len(), 2001);
    assert_eq!(asset_snapshot(&store, twice).await.name, "newer");
    let dup = known.iter().find(|k| k.external_id == "dup").unwrap();
    assert_eq!(dup.content_hash.as_deref(), Some("h-new"));
    let extension_rows = raw(
        &store,
        "SELECT count(*)::text FROM workstation_assets",
        "SELECT CAST(count(*) AS TEXT) FROM workstation_assets",
        &[],
    )
    .await;
    assert_eq!(extension_rows[0][0].as_deref(), Some("2001"));
}

async fn bad_batches_are_refused_whole(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme) = (demo.tenant, demo.clients.acme);
    let int = integration(&store, tenant, "tanium").await;
    let good = AssetId::new();

    let creates = vec![
        write(good, acme, device("tanium", "ok", "g1"), "h"),
        write(AssetId::new(), acme, device("huntress", "x", "g1"), "h"),
    ];
    let err = store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::InvalidInput { message } if message.contains("huntress")),
        "{err}"
    );

    let creates = vec![write(good, acme, device("tanium", "ok", "g1"), "h")];
    let err = store
        .write_assets(
            tenant,
            IntegrationId::new(),
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                entity: "integration",
                ..
            }
        ),
        "{err}"
    );

    // An update of an asset that does not exist fails the batch, creates included.
    let creates = vec![write(good, acme, device("tanium", "ok", "g1"), "h")];
    let updates = vec![write(
        AssetId::new(),
        acme,
        device("tanium", "gone", "g1"),
        "h",
    )];
    let err = store
        .write_assets(tenant, int.id, &AssetBatch { creates, updates }, at(1))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert!(
        store
            .find_known_devices(tenant, int.id, &provider("tanium"), &ids(&["ok"]))
            .await
            .unwrap()
            .is_empty()
    );

    store
        .write_assets(tenant, int.id, &AssetBatch::default(), at(1))
        .await
        .unwrap();
}

async fn hostname_lookup_ignores_case_and_other_clients(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme, globex) = (demo.tenant, demo.clients.acme, demo.clients.globex);
    let int = integration(&store, tenant, "tanium").await;
    let (mine, theirs) = (AssetId::new(), AssetId::new());
    let mut a = device("tanium", "d1", "g1");
    a.name = "WS-Reception".into();
    let mut b = device("tanium", "d2", "g2");
    b.name = "ws-reception".into();
    let creates = vec![write(mine, acme, a, "h"), write(theirs, globex, b, "h")];
    store
        .write_assets(
            tenant,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();

    let found = store
        .find_assets_by_hostname(tenant, acme, "ws-RECEPTION")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (
            found[0].asset_id,
            found[0].name.as_str(),
            found[0].serial_number.as_deref()
        ),
        (mine, "WS-Reception", Some("SN-d1"))
    );
    assert!(
        store
            .find_assets_by_hostname(tenant, acme, "other")
            .await
            .unwrap()
            .is_empty()
    );
}

psa_store::backend_tests!(
    created_devices_are_found_with_their_hash,
    updates_keep_what_the_provider_did_not_send,
    a_type_change_moves_the_extension_row,
    retired_devices_are_inactive_until_seen_again,
    scope_devices_lists_live_devices_of_one_scope,
    rekey_moves_mappings_and_device_ids,
    unmapped_assets_are_found_by_device_id_but_not_across_integrations,
    batches_drop_duplicates_and_may_be_large,
    bad_batches_are_refused_whole,
    hostname_lookup_ignores_case_and_other_clients,
);
