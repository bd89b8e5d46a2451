use crate::support::{at, device, integration, new_ticket, note, write};
use psa_ingest::ports::{
    AlertStore as _, AlertUpsert, AssetBatch, AssetStore as _, StoreError, TicketStore as _,
};
use psa_ingest::{AlertId, AssetId, IntegrationId};
use psa_store::test_util::TestStore;
use serde_json::json;

pub(crate) fn alert(id: &str) -> AlertUpsert {
    AlertUpsert {
        external_alert_id: id.into(),
        severity: "high".into(),
        status: "sent".into(),
        message: "Malware found".into(),
        device_name: Some("WS-1".into()),
        external_device_id: Some("agent-1".into()),
        triggered_at: Some(at(5)),
        metadata: json!({ "fingerprint": "f1" }),
    }
}

async fn upsert_reports_the_previous_alert_and_keeps_links(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let tenant = demo.tenant;
    let int = integration(&store, tenant, "huntress").await;

    let first = store
        .upsert_alert(tenant, int.id, alert("inc-1"))
        .await
        .unwrap();
    assert_eq!(first.previous, None);
    assert_eq!(first.alert.external_alert_id, "inc-1");
    assert_eq!(first.alert.triggered_at, Some(at(5)));
    assert_eq!(first.alert.metadata, json!({ "fingerprint": "f1" }));

    let made = store
        .create_alert_ticket(tenant, first.alert.id, new_ticket(&demo, "Incident"), &[])
        .await
        .unwrap();
    let asset = AssetId::new();
    let creates = vec![write(
        asset,
        demo.clients.acme,
        device("huntress", "agent-1", "o1"),
        "h",
    )];
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
    store
        .set_alert_asset(tenant, first.alert.id, asset)
        .await
        .unwrap();
    store
        .set_alert_error(tenant, first.alert.id, Some("could not route".into()))
        .await
        .unwrap();
    let failed = store
        .get_alert(tenant, int.id, "inc-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.processing_error.as_deref(), Some("could not route"));

    let mut changed = alert("inc-1");
    changed.status = "closed".into();
    let second = store.upsert_alert(tenant, int.id, changed).await.unwrap();
    let previous = second.previous.unwrap();
    assert_eq!(previous.status, "sent");
    assert_eq!(second.alert.id, first.alert.id);
    assert_eq!(second.alert.status, "closed");
    assert_eq!(
        second.alert.ticket_id,
        Some(made.ticket_id),
        "the ticket link is kept"
    );
    assert_eq!(second.alert.asset_id, Some(asset), "the asset link is kept");
    assert_eq!(
        second.alert.processing_error, None,
        "an upsert clears the error"
    );
    assert_eq!(
        store.get_alert(tenant, int.id, "inc-1").await.unwrap(),
        Some(second.alert)
    );
    assert_eq!(
        store.get_alert(tenant, int.id, "inc-2").await.unwrap(),
        None
    );

    store
        .set_alert_error(tenant, first.alert.id, None)
        .await
        .unwrap();
    let missing = store
        .set_alert_error(tenant, AlertId::new(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                entity: "alert",
                ..
            }
        ),
        "{missing}"
    );
    let missing = store
        .set_alert_asset(tenant, AlertId::new(), asset)
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
    let unknown_integration = store
        .upsert_alert(tenant, IntegrationId::new(), alert("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown_integration, StoreError::MissingReference { .. }),
        "{unknown_integration}"
    );
}

async fn an_alert_gets_one_ticket(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let tenant = demo.tenant;
    let int = integration(&store, tenant, "huntress").await;
    let stored = store
        .upsert_alert(tenant, int.id, alert("inc-1"))
        .await
        .unwrap()
        .alert;
    let mut ticket = new_ticket(&demo, "[Huntress] Malware found");
    ticket.source = Some("huntress".into());
    ticket.source_reference = Some(format!("{}:inc-1", int.id));

    let made = store
        .create_alert_ticket(tenant, stored.id, ticket.clone(), &[note("details")])
        .await
        .unwrap();
    assert!(made.created);
    let again = store
        .create_alert_ticket(tenant, stored.id, ticket.clone(), &[note("details")])
        .await
        .unwrap();
    assert_eq!((again.ticket_id, again.created), (made.ticket_id, false));
    assert_eq!(store.list_tickets(tenant).await.unwrap().len(), 1);
    assert_eq!(
        store
            .list_comments(tenant, made.ticket_id)
            .await
            .unwrap()
            .len(),
        1
    );
    let linked = store
        .get_alert(tenant, int.id, "inc-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.ticket_id, Some(made.ticket_id));

    // Another alert row (another integration's incident with the same id)
    // gets a ticket of its own: the alert row is the link, not the
    // reference.
    let twin = store
        .upsert_alert(tenant, int.id, alert("inc-1-copy"))
        .await
        .unwrap()
        .alert;
    let own = store
        .create_alert_ticket(tenant, twin.id, ticket, &[])
        .await
        .unwrap();
    assert!(own.created);
    assert_ne!(own.ticket_id, made.ticket_id);
    assert_eq!(
        store
            .get_alert(tenant, int.id, "inc-1-copy")
            .await
            .unwrap()
            .unwrap()
            .ticket_id,
        Some(own.ticket_id)
    );

    let missing = store
        .create_alert_ticket(tenant, AlertId::new(), new_ticket(&demo, "x"), &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                entity: "alert",
                ..
            }
        ),
        "{missing}"
    );
}

psa_store::backend_tests!(
    upsert_reports_the_previous_alert_and_keeps_links,
    an_alert_gets_one_ticket
);
