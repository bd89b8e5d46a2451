use crate::support::{at, integration};
use psa_ingest::IntegrationId;
use psa_ingest::ports::{IntegrationStore as _, StoreError, SyncStateUpdate, SyncStatus};
use psa_store::test_util::TestStore;
use serde_json::json;

async fn several_of_one_provider_are_listed_oldest_first(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let first = integration(&store, tenant, "tanium").await;
    let second = integration(&store, tenant, "tanium").await;
    assert_eq!(first.tenant, tenant);
    assert!(!first.is_active);
    assert_eq!(first.sync_status, SyncStatus::Pending);
    assert_eq!(first.settings, json!({ "cursor": null }));
    assert_eq!(first.settings_version, 0);

    let listed = store.list_integrations(tenant).await.unwrap();
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        [first.id, second.id]
    );
    assert_eq!(
        store.get_integration(tenant, second.id).await.unwrap(),
        Some(second)
    );
    assert_eq!(
        store
            .get_integration(tenant, IntegrationId::new())
            .await
            .unwrap(),
        None
    );
}

async fn settings_are_replaced_by_compare_and_set(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let made = integration(&store, tenant, "huntress").await;

    let v1 = store
        .update_settings(tenant, made.id, 0, json!({ "cursor": "a" }))
        .await
        .unwrap();
    assert_eq!(v1, 1);
    let stale = store
        .update_settings(tenant, made.id, 0, json!({ "cursor": "b" }))
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Conflict { .. }), "{stale}");
    let v2 = store
        .update_settings(tenant, made.id, v1, json!({ "cursor": "c" }))
        .await
        .unwrap();
    assert_eq!(v2, 2);

    let stored = store
        .get_integration(tenant, made.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.settings, stored.settings_version),
        (json!({ "cursor": "c" }), 2)
    );
    let missing = store
        .update_settings(tenant, IntegrationId::new(), 0, json!({}))
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                entity: "integration",
                ..
            }
        ),
        "{missing}"
    );
}

async fn connection_and_sync_state_are_written(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let made = integration(&store, tenant, "tanium").await;

    store
        .set_connection(tenant, made.id, true, Some(at(1)))
        .await
        .unwrap();
    store
        .update_sync_state(
            tenant,
            made.id,
            SyncStateUpdate {
                status: SyncStatus::Error,
                sync_error: Some("token expired".into()),
                last_sync_at: Some(at(2)),
                last_full_sync_at: Some(at(3)),
                last_incremental_sync_at: None,
            },
        )
        .await
        .unwrap();
    // `None` keeps the timestamps; sync_error is always written.
    store
        .update_sync_state(
            tenant,
            made.id,
            SyncStateUpdate {
                status: SyncStatus::Completed,
                sync_error: None,
                last_sync_at: None,
                last_full_sync_at: None,
                last_incremental_sync_at: Some(at(4)),
            },
        )
        .await
        .unwrap();
    let stored = store
        .get_integration(tenant, made.id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.is_active);
    assert_eq!(stored.connected_at, Some(at(1)));
    assert_eq!(stored.sync_status, SyncStatus::Completed);
    assert_eq!(stored.sync_error, None);
    assert_eq!(stored.last_sync_at, Some(at(2)));
    assert_eq!(stored.last_full_sync_at, Some(at(3)));
    assert_eq!(stored.last_incremental_sync_at, Some(at(4)));

    store
        .set_connection(tenant, made.id, false, None)
        .await
        .unwrap();
    let stored = store
        .get_integration(tenant, made.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.is_active, stored.connected_at), (false, None));

    let missing = store
        .set_connection(tenant, IntegrationId::new(), true, None)
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
}

async fn integration_of_unknown_tenant_is_refused(store: TestStore) {
    let err = store
        .create_integration(
            psa_ingest::TenantId::new(),
            psa_ingest::ports::NewIntegration {
                provider: crate::support::provider("tanium"),
                instance_url: None,
                settings: json!({}),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::MissingReference { .. }), "{err}");
}

psa_store::backend_tests!(
    several_of_one_provider_are_listed_oldest_first,
    settings_are_replaced_by_compare_and_set,
    connection_and_sync_state_are_written,
    integration_of_unknown_tenant_is_refused,
);
