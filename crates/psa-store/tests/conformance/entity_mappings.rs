use crate::support::at;
use psa_ingest::ports::{EntityMapping, EntityMappingStore as _};
use psa_store::test_util::TestStore;
use serde_json::json;
use uuid::Uuid;

fn mapping(alga_id: Uuid, status: &str) -> EntityMapping {
    EntityMapping {
        integration_type: "huntress".into(),
        alga_entity_type: "client".into(),
        alga_entity_id: alga_id,
        external_entity_id: "org-1".into(),
        external_realm_id: "realm".into(),
        sync_status: status.into(),
        last_synced_at: Some(at(1)),
        metadata: json!({ "note": status }),
    }
}

async fn mappings_are_upserted_by_their_external_key(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
    store
        .upsert_entity_mapping(tenant, mapping(first, "synced"))
        .await
        .unwrap();
    store
        .upsert_entity_mapping(tenant, mapping(second, "pending"))
        .await
        .unwrap();

    let found = store
        .find_entity_mapping(tenant, "huntress", "client", "realm", "org-1")
        .await
        .unwrap();
    assert_eq!(found, Some(mapping(second, "pending")));
    assert_eq!(
        store
            .find_entity_mapping(tenant, "huntress", "client", "other-realm", "org-1")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .find_entity_mapping(tenant, "tanium", "client", "realm", "org-1")
            .await
            .unwrap(),
        None
    );
}

psa_store::backend_tests!(mappings_are_upserted_by_their_external_key);
