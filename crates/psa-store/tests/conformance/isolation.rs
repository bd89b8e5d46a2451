//! Tenant isolation: for every port method, tenant B neither sees nor
//! changes tenant A's rows, even when it passes A's ids.

use crate::alerts::alert;
use crate::support::{at, device, integration, new_ticket, note, provider, scope, write};
use futures::TryStreamExt as _;
use psa_ingest::AssetId;
use psa_ingest::contracts::ExternalIdChange;
use psa_ingest::ports::{
    AlertStore as _, AssetBatch, AssetStore as _, CatalogStore as _, EntityMapping,
    EntityMappingStore as _, IntegrationStore as _, RunFinish, RunOutcome, ScopeLinkBy,
    ScopeMappingStore as _, SecretStore as _, StoreError, SyncRunStore as _, SyncStateUpdate,
    SyncStatus, TicketStore as _,
};
use psa_store::test_util::TestStore;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::json;

fn is_refused<T>(result: Result<T, StoreError>) -> bool {
    result.err().is_some_and(|err| {
        matches!(
            err,
            StoreError::NotFound { .. }
                | StoreError::InvalidInput { .. }
                | StoreError::MissingReference { .. }
        )
    })
}

async fn tenant_b_neither_sees_nor_changes_tenant_a(store: TestStore) {
    let a = store.seed_demo_tenant("A").await.unwrap();
    let b = store.seed_demo_tenant("B").await.unwrap();
    let (ta, tb) = (a.tenant, b.tenant);

    // Tenant A's world.
    let int = integration(&store, ta, "tanium").await;
    store
        .update_settings(ta, int.id, 0, json!({ "cursor": "a" }))
        .await
        .unwrap();
    store
        .upsert_scopes(ta, int.id, &[scope("tanium", "g1", "Group")])
        .await
        .unwrap();
    store
        .link_scope(ta, int.id, "g1", Some(a.clients.acme), ScopeLinkBy::User)
        .await
        .unwrap();
    let asset = AssetId::new();
    let creates = vec![write(
        asset,
        a.clients.acme,
        device("tanium", "d1", "g1"),
        "h",
    )];
    store
        .write_assets(
            ta,
            int.id,
            &AssetBatch {
                creates,
                updates: vec![],
            },
            at(1),
        )
        .await
        .unwrap();
    let ticket = store
        .create_ticket(ta, new_ticket(&a, "A's ticket"), &[note("a")])
        .await
        .unwrap();
    store.associate_asset(ta, ticket.id, asset).await.unwrap();
    let stored_alert = store
        .upsert_alert(ta, int.id, alert("inc-1"))
        .await
        .unwrap()
        .alert;
    let mapping = EntityMapping {
        integration_type: "huntress".into(),
        alga_entity_type: "client".into(),
        alga_entity_id: a.clients.acme.0,
        external_entity_id: "org".into(),
        external_realm_id: "realm".into(),
        sync_status: "synced".into(),
        last_synced_at: None,
        metadata: json!({}),
    };
    store
        .upsert_entity_mapping(ta, mapping.clone())
        .await
        .unwrap();
    store
        .put_secret(ta, "api", &SecretString::from("a-secret"))
        .await
        .unwrap();
    let run = store
        .start_sync_run(
            ta,
            int.id,
            &psa_ingest::ports::RunKind::parse("scopes"),
            at(1),
        )
        .await
        .unwrap();
    let ids = vec!["d1".to_owned()];

    // Integrations.
    assert_eq!(store.get_integration(tb, int.id).await.unwrap(), None);
    assert!(store.list_integrations(tb).await.unwrap().is_empty());
    assert!(is_refused(
        store
            .update_settings(tb, int.id, 1, json!({ "cursor": "b" }))
            .await
    ));
    assert!(is_refused(
        store.set_connection(tb, int.id, true, None).await
    ));
    let state = SyncStateUpdate {
        status: SyncStatus::Error,
        sync_error: Some("b".into()),
        last_sync_at: None,
        last_full_sync_at: None,
        last_incremental_sync_at: None,
    };
    assert!(is_refused(store.update_sync_state(tb, int.id, state).await));

    // Catalog.
    let b_clients = store.list_clients(tb).await.unwrap();
    assert!(b_clients.iter().all(|c| c.id != a.clients.acme) && b_clients.len() == 3);
    assert!(
        store
            .list_boards(tb)
            .await
            .unwrap()
            .iter()
            .all(|x| x.id != a.default_board.id)
    );
    assert!(
        store
            .list_statuses(tb)
            .await
            .unwrap()
            .iter()
            .all(|x| x.board_id != a.default_board.id)
    );
    assert!(
        store
            .list_priorities(tb)
            .await
            .unwrap()
            .iter()
            .all(|x| x.id != a.priorities.high)
    );
    assert!(
        store
            .list_categories(tb)
            .await
            .unwrap()
            .iter()
            .all(|x| x.id != a.categories.security)
    );

    // Scopes.
    assert!(is_refused(
        store
            .upsert_scopes(tb, int.id, &[scope("tanium", "g1", "Hijacked")])
            .await
    ));
    assert!(
        store
            .list_scope_mappings(tb, int.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.get_scope_mapping(tb, int.id, "g1").await.unwrap(),
        None
    );
    assert!(is_refused(
        store
            .link_scope(tb, int.id, "g1", Some(b.clients.acme), ScopeLinkBy::User)
            .await
    ));
    assert!(is_refused(
        store.set_scope_flags(tb, int.id, "g1", false, false).await
    ));

    // Assets.
    assert!(
        store
            .find_known_devices(tb, int.id, &provider("tanium"), &ids)
            .await
            .unwrap()
            .is_empty()
    );
    let creates = vec![write(
        AssetId::new(),
        b.clients.acme,
        device("tanium", "d1", "g1"),
        "b",
    )];
    assert!(is_refused(
        store
            .write_assets(
                tb,
                int.id,
                &AssetBatch {
                    creates,
                    updates: vec![]
                },
                at(2)
            )
            .await
    ));
    let updates = vec![write(
        asset,
        b.clients.acme,
        device("tanium", "d1", "g1"),
        "b",
    )];
    assert!(
        store
            .write_assets(
                tb,
                int.id,
                &AssetBatch {
                    creates: vec![],
                    updates
                },
                at(2)
            )
            .await
            .is_err()
    );
    assert_eq!(
        store.retire_devices(tb, int.id, &ids, at(2)).await.unwrap(),
        0
    );
    let seen: Vec<_> = store
        .scope_devices(tb, int.id, "g1")
        .try_collect()
        .await
        .unwrap();
    assert!(seen.is_empty());
    let change = [ExternalIdChange {
        old_id: "d1".into(),
        new_id: "d9".into(),
    }];
    assert_eq!(store.rekey_devices(tb, int.id, &change).await.unwrap(), 0);
    assert!(
        store
            .find_assets_by_hostname(tb, a.clients.acme, "host-d1")
            .await
            .unwrap()
            .is_empty()
    );

    // Tickets.
    assert_eq!(store.get_ticket(tb, ticket.id).await.unwrap(), None);
    assert!(store.list_tickets(tb).await.unwrap().is_empty());
    assert!(is_refused(
        store
            .create_ticket(tb, new_ticket(&a, "on A's board"), &[])
            .await
    ));
    assert!(is_refused(
        store.add_comment(tb, ticket.id, note("b")).await
    ));
    assert!(store.list_comments(tb, ticket.id).await.unwrap().is_empty());
    assert!(is_refused(
        store
            .set_ticket_status(tb, ticket.id, a.default_board.closed)
            .await
    ));
    assert!(is_refused(
        store.associate_asset(tb, ticket.id, asset).await
    ));
    assert!(store.ticket_assets(tb, ticket.id).await.unwrap().is_empty());
    // B's own ticket numbers start at 1.
    assert_eq!(
        store
            .create_ticket(tb, new_ticket(&b, "B's"), &[])
            .await
            .unwrap()
            .ticket_number,
        1
    );

    // Alerts.
    assert!(is_refused(
        store.upsert_alert(tb, int.id, alert("inc-1")).await
    ));
    assert_eq!(store.get_alert(tb, int.id, "inc-1").await.unwrap(), None);
    assert!(is_refused(
        store
            .create_alert_ticket(tb, stored_alert.id, new_ticket(&b, "x"), &[])
            .await
    ));
    assert!(is_refused(
        store
            .set_alert_error(tb, stored_alert.id, Some("b".into()))
            .await
    ));
    assert!(is_refused(
        store.set_alert_asset(tb, stored_alert.id, asset).await
    ));

    // Entity mappings: same key, separate rows.
    assert_eq!(
        store
            .find_entity_mapping(tb, "huntress", "client", "realm", "org")
            .await
            .unwrap(),
        None
    );
    let mut b_mapping = mapping.clone();
    b_mapping.alga_entity_id = b.clients.acme.0;
    store.upsert_entity_mapping(tb, b_mapping).await.unwrap();

    // Secrets: same name, separate rows.
    assert!(store.get_secret(tb, "api").await.unwrap().is_none());
    assert!(!store.delete_secret(tb, "api").await.unwrap());
    store
        .put_secret(tb, "api", &SecretString::from("b-secret"))
        .await
        .unwrap();

    // Sync runs.
    assert!(
        store
            .list_sync_runs(tb, int.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let finish = RunFinish {
        outcome: RunOutcome::Failed,
        counts: json!({}),
        requests_made: 0,
        error: None,
    };
    assert!(is_refused(store.finish_sync_run(tb, run, finish).await));
    assert!(is_refused(
        store
            .start_sync_run(
                tb,
                int.id,
                &psa_ingest::ports::RunKind::parse("scopes"),
                at(3)
            )
            .await
    ));

    // Tenant A is exactly as it was.
    let int_now = store.get_integration(ta, int.id).await.unwrap().unwrap();
    assert_eq!(
        (int_now.settings, int_now.settings_version),
        (json!({ "cursor": "a" }), 1)
    );
    assert_eq!(
        (int_now.is_active, int_now.sync_status),
        (false, SyncStatus::Pending)
    );
    let scope_now = store
        .get_scope_mapping(ta, int.id, "g1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            scope_now.name.as_str(),
            scope_now.client_id,
            scope_now.auto_sync_assets
        ),
        ("Group", Some(a.clients.acme), true)
    );
    let known = store
        .find_known_devices(ta, int.id, &provider("tanium"), &ids)
        .await
        .unwrap();
    assert_eq!(
        (known.len(), known[0].asset_id, known[0].retired),
        (1, asset, false)
    );
    assert_eq!(known[0].content_hash.as_deref(), Some("h"));
    let live: Vec<_> = store
        .scope_devices(ta, int.id, "g1")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(live.len(), 1);
    let ticket_now = store.get_ticket(ta, ticket.id).await.unwrap().unwrap();
    assert_eq!(ticket_now, ticket);
    assert_eq!(store.list_comments(ta, ticket.id).await.unwrap().len(), 1);
    assert_eq!(store.ticket_assets(ta, ticket.id).await.unwrap(), [asset]);
    let alert_now = store.get_alert(ta, int.id, "inc-1").await.unwrap().unwrap();
    assert_eq!(alert_now, stored_alert);
    assert_eq!(
        store
            .find_entity_mapping(ta, "huntress", "client", "realm", "org")
            .await
            .unwrap(),
        Some(mapping)
    );
    assert_eq!(
        store
            .get_secret(ta, "api")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "a-secret"
    );
    let runs = store.list_sync_runs(ta, int.id, 10).await.unwrap();
    assert_eq!((runs.len(), runs[0].outcome), (1, RunOutcome::Running));
}

psa_store::backend_tests!(tenant_b_neither_sees_nor_changes_tenant_a);
