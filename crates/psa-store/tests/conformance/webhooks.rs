use chrono::{TimeDelta, Utc};
use psa_ingest::IntegrationId;
use psa_ingest::ports::{DELIVERY_MEMORY, StoreError, WebhookStore as _};
use psa_store::test_util::TestStore;

async fn an_integration_is_located_by_its_id_alone(store: TestStore) {
    let first = store.create_tenant("A").await.unwrap();
    let second = store.create_tenant("B").await.unwrap();
    let a = crate::support::integration(&store, first, "huntress")
        .await
        .id;
    let b = crate::support::integration(&store, second, "huntress")
        .await
        .id;
    assert_eq!(store.locate_integration(a).await.unwrap(), Some(first));
    assert_eq!(store.locate_integration(b).await.unwrap(), Some(second));
    assert_eq!(
        store
            .locate_integration(IntegrationId::new())
            .await
            .unwrap(),
        None
    );
}

async fn a_delivery_is_new_once_and_a_replay_is_recognised(store: TestStore) {
    let tenant = store.create_tenant("A").await.unwrap();
    let other = store.create_tenant("B").await.unwrap();
    let (mine, theirs) = (
        crate::support::integration(&store, tenant, "huntress")
            .await
            .id,
        crate::support::integration(&store, other, "huntress")
            .await
            .id,
    );
    let now = Utc::now();
    assert!(
        store
            .record_delivery(tenant, mine, "msg_1", now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_delivery(tenant, mine, "msg_1", now)
            .await
            .unwrap()
    );
    // The same id for another integration is another delivery.
    assert!(
        store
            .record_delivery(other, theirs, "msg_1", now)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_delivery(tenant, mine, "msg_2", now)
            .await
            .unwrap()
    );

    // Remembered for DELIVERY_MEMORY: after that the id is forgotten.
    let later = now + DELIVERY_MEMORY + TimeDelta::minutes(1);
    assert!(
        store
            .record_delivery(tenant, mine, "msg_3", later)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_delivery(tenant, mine, "msg_1", later)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_delivery(other, theirs, "msg_1", now)
            .await
            .unwrap()
    );

    for bad in ["", "with\0nul", &"x".repeat(201)] {
        let refused = store
            .record_delivery(tenant, mine, bad, now)
            .await
            .unwrap_err();
        assert!(
            matches!(refused, StoreError::InvalidInput { .. }),
            "{refused:?}"
        );
    }
}

psa_store::backend_tests!(
    an_integration_is_located_by_its_id_alone,
    a_delivery_is_new_once_and_a_replay_is_recognised,
);
