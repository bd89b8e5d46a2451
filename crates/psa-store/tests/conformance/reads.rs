//! The read side: what an admin screen or a service lists.

use crate::support::{at, device, integration, new_ticket, write};
use psa_ingest::AssetId;
use psa_ingest::contracts::DeviceType;
use psa_ingest::ports::{
    AlertStore as _, AlertUpsert, AssetBatch, AssetFilter, AssetStore as _, PageRequest,
    ReadStore as _, TicketStore as _,
};
use psa_store::test_util::TestStore;
use serde_json::json;

async fn assets_list_by_client_and_integration_with_their_facts(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme, globex) = (demo.tenant, demo.clients.acme, demo.clients.globex);
    let tanium = integration(&store, tenant, "tanium").await;
    let other = integration(&store, tenant, "ninja").await;
    let mut server = device("tanium", "d2", "g1");
    server.device_type = DeviceType::Server;
    server.name = "Alpha-SRV".into();
    let (a1, a2, a3, a4) = (
        AssetId::new(),
        AssetId::new(),
        AssetId::new(),
        AssetId::new(),
    );
    let batch = AssetBatch {
        creates: vec![
            write(a1, acme, device("tanium", "d1", "g1"), "h1"),
            write(a2, acme, server, "h2"),
            write(a3, globex, device("tanium", "d3", "g2"), "h3"),
        ],
        updates: vec![],
    };
    store
        .write_assets(tenant, tanium.id, &batch, at(10))
        .await
        .unwrap();
    let ninja = AssetBatch {
        creates: vec![write(a4, acme, device("ninja", "n1", "s1"), "h4")],
        updates: vec![],
    };
    store
        .write_assets(tenant, other.id, &ninja, at(10))
        .await
        .unwrap();

    let of_acme = store
        .list_assets(tenant, &AssetFilter::client(acme), PageRequest::first(10))
        .await
        .unwrap();
    // By name, case folded: Alpha-SRV, host-d1, host-n1.
    assert_eq!(
        of_acme.iter().map(|a| a.id).collect::<Vec<_>>(),
        [a2, a1, a4]
    );
    let alpha = &of_acme[0];
    assert_eq!(alpha.name, "Alpha-SRV");
    assert_eq!(alpha.client_id, acme);
    assert_eq!(alpha.client_name, "Acme Corp");
    assert_eq!(alpha.asset_type, DeviceType::Server);
    assert_eq!(alpha.serial_number.as_deref(), Some("SN-d2"));
    assert_eq!(alpha.agent_status.as_deref(), Some("online"));
    assert_eq!(alpha.last_seen_at, Some(at(0)));
    assert_eq!(alpha.rmm_device_id.as_deref(), Some("d2"));
    assert!(alpha.is_active);

    let of_tanium = store
        .list_assets(
            tenant,
            &AssetFilter::integration(tanium.id),
            PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(
        of_tanium.iter().map(|a| a.id).collect::<Vec<_>>(),
        [a2, a1, a3]
    );
    let both = AssetFilter {
        client: Some(acme),
        integration: Some(tanium.id),
        ..AssetFilter::default()
    };
    let page_one = store
        .list_assets(tenant, &both, PageRequest::first(1))
        .await
        .unwrap();
    let page_two = store
        .list_assets(tenant, &both, PageRequest::first(1).next())
        .await
        .unwrap();
    let page_three = store
        .list_assets(tenant, &both, PageRequest::first(1).next().next())
        .await
        .unwrap();
    assert_eq!(page_one.iter().map(|a| a.id).collect::<Vec<_>>(), [a2]);
    assert_eq!(page_two.iter().map(|a| a.id).collect::<Vec<_>>(), [a1]);
    assert!(page_three.is_empty());

    // Retired devices are left out unless asked for.
    store
        .retire_devices(tenant, tanium.id, &["d1".to_owned()], at(20))
        .await
        .unwrap();
    let live = store
        .list_assets(tenant, &AssetFilter::client(acme), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(live.iter().map(|a| a.id).collect::<Vec<_>>(), [a2, a4]);
    let all = AssetFilter {
        include_inactive: true,
        ..AssetFilter::client(acme)
    };
    let with_retired = store
        .list_assets(tenant, &all, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(with_retired.len(), 3);
    assert!(!with_retired.iter().find(|a| a.id == a1).unwrap().is_active);

    // Another tenant sees none of them.
    let other_tenant = store.seed_demo_tenant("U").await.unwrap();
    let none = store
        .list_assets(
            other_tenant.tenant,
            &AssetFilter::default(),
            PageRequest::first(10),
        )
        .await
        .unwrap();
    assert!(none.is_empty());
}

async fn integration_tickets_come_with_their_alert_and_assets(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let tenant = demo.tenant;
    let huntress = integration(&store, tenant, "huntress").await;
    let tanium = integration(&store, tenant, "tanium").await;
    let asset = AssetId::new();
    let batch = AssetBatch {
        creates: vec![write(
            asset,
            demo.clients.acme,
            device("tanium", "d1", "g1"),
            "h1",
        )],
        updates: vec![],
    };
    store
        .write_assets(tenant, tanium.id, &batch, at(10))
        .await
        .unwrap();
    let alert = |id: &str| AlertUpsert {
        external_alert_id: id.into(),
        severity: "critical".into(),
        status: "sent".into(),
        message: format!("Incident {id}"),
        device_name: Some("host-d1".into()),
        external_device_id: None,
        triggered_at: Some(at(5)),
        metadata: json!({}),
    };
    let first = store
        .upsert_alert(tenant, huntress.id, alert("i1"))
        .await
        .unwrap();
    let second = store
        .upsert_alert(tenant, huntress.id, alert("i2"))
        .await
        .unwrap();
    let made = store
        .create_alert_ticket(tenant, first.alert.id, new_ticket(&demo, "First"), &[])
        .await
        .unwrap();
    store
        .create_alert_ticket(tenant, second.alert.id, new_ticket(&demo, "Second"), &[])
        .await
        .unwrap();
    store
        .associate_asset(tenant, made.ticket_id, asset)
        .await
        .unwrap();
    // A ticket nobody's integration made is not listed.
    store
        .create_ticket(tenant, new_ticket(&demo, "By hand"), &[])
        .await
        .unwrap();

    let tickets = store
        .list_integration_tickets(tenant, huntress.id, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(
        tickets
            .iter()
            .map(|t| (t.ticket.title.as_str(), t.alert.external_alert_id.as_str()))
            .collect::<Vec<_>>(),
        [("First", "i1"), ("Second", "i2")]
    );
    assert_eq!(tickets[0].assets, [asset]);
    assert!(tickets[1].assets.is_empty());
    assert!(
        store
            .list_integration_tickets(tenant, tanium.id, PageRequest::first(10))
            .await
            .unwrap()
            .is_empty()
    );

    let alerts = store
        .list_alerts(tenant, huntress.id, PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].external_alert_id, "i1");
    assert_eq!(alerts[0].ticket_id, Some(made.ticket_id));
}

async fn a_page_larger_than_the_maximum_is_refused(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let error = store
        .list_assets(
            demo.tenant,
            &AssetFilter::default(),
            PageRequest::first(PageRequest::MAX_LIMIT + 1),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("at most"), "{error}");
}

psa_store::backend_tests!(
    assets_list_by_client_and_integration_with_their_facts,
    integration_tickets_come_with_their_alert_and_assets,
    a_page_larger_than_the_maximum_is_refused,
);
