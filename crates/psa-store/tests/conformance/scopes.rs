use crate::support::{integration, scope};
use psa_ingest::ports::{ScopeLinkBy, ScopeMappingStore as _, StoreError};
use psa_store::test_util::TestStore;
use serde_json::json;

async fn upsert_creates_renames_and_keeps_user_choices(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme) = (demo.tenant, demo.clients.acme);
    let int = integration(&store, tenant, "tanium").await;

    let first = store
        .upsert_scopes(
            tenant,
            int.id,
            &[
                scope("tanium", "g1", "Acme Group"),
                scope("tanium", "g2", "Other"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(first.created, ["g1", "g2"]);
    assert!(first.renamed.is_empty());

    let created = store
        .get_scope_mapping(tenant, int.id, "g1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(created.client_id, None);
    assert!(created.auto_sync_assets && created.auto_create_tickets);
    assert_eq!(created.metadata["scope_kind"], json!("group"));

    assert!(
        store
            .link_scope(tenant, int.id, "g1", Some(acme), ScopeLinkBy::User)
            .await
            .unwrap()
    );
    store
        .set_scope_flags(tenant, int.id, "g1", false, true)
        .await
        .unwrap();

    // A duplicate within the batch: the last one listed wins.
    let second = store
        .upsert_scopes(
            tenant,
            int.id,
            &[
                scope("tanium", "g1", "Acme Renamed"),
                scope("tanium", "g3", "New"),
                scope("tanium", "g3", "Newest"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(second.created, ["g3"]);
    assert_eq!(
        second.renamed,
        [(
            "g1".to_owned(),
            "Acme Group".to_owned(),
            "Acme Renamed".to_owned()
        )]
    );

    let g1 = store
        .get_scope_mapping(tenant, int.id, "g1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g1.name, "Acme Renamed");
    assert_eq!(
        g1.client_id,
        Some(acme),
        "a refresh never changes the client"
    );
    assert!(!g1.auto_sync_assets, "a refresh never changes the flags");
    let listed = store.list_scope_mappings(tenant, int.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Acme Renamed", "Newest", "Other"]
    );
    assert!(
        store
            .upsert_scopes(tenant, int.id, &[])
            .await
            .unwrap()
            .created
            .is_empty()
    );
}

async fn auto_match_only_links_unmapped_scopes(store: TestStore) {
    let demo = store.seed_demo_tenant("T").await.unwrap();
    let (tenant, acme, globex) = (demo.tenant, demo.clients.acme, demo.clients.globex);
    let int = integration(&store, tenant, "huntress").await;
    store
        .upsert_scopes(tenant, int.id, &[scope("huntress", "o1", "Acme")])
        .await
        .unwrap();

    assert!(
        store
            .link_scope(tenant, int.id, "o1", Some(acme), ScopeLinkBy::AutoMatch)
            .await
            .unwrap()
    );
    let linked = store
        .get_scope_mapping(tenant, int.id, "o1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.client_id, Some(acme));
    assert_eq!(linked.metadata["auto_matched"], json!(true));
    assert_eq!(
        linked.metadata["scope_kind"],
        json!("group"),
        "other metadata is kept"
    );

    // The auto-matcher never overrides a mapped row.
    assert!(
        !store
            .link_scope(tenant, int.id, "o1", Some(globex), ScopeLinkBy::AutoMatch)
            .await
            .unwrap()
    );
    // A person confirming the same client still clears the flag: a change.
    assert!(
        store
            .link_scope(tenant, int.id, "o1", Some(acme), ScopeLinkBy::User)
            .await
            .unwrap()
    );
    let confirmed = store
        .get_scope_mapping(tenant, int.id, "o1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(confirmed.metadata.get("auto_matched"), None);
    // Nothing left to change.
    assert!(
        !store
            .link_scope(tenant, int.id, "o1", Some(acme), ScopeLinkBy::User)
            .await
            .unwrap()
    );
    // Unlinking.
    assert!(
        store
            .link_scope(tenant, int.id, "o1", None, ScopeLinkBy::User)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_scope_mapping(tenant, int.id, "o1")
            .await
            .unwrap()
            .unwrap()
            .client_id,
        None
    );

    let missing = store
        .link_scope(tenant, int.id, "nope", Some(acme), ScopeLinkBy::User)
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            StoreError::NotFound {
                entity: "scope",
                ..
            }
        ),
        "{missing}"
    );
    let no_client = store
        .link_scope(tenant, int.id, "o1", None, ScopeLinkBy::AutoMatch)
        .await
        .unwrap_err();
    assert!(
        matches!(no_client, StoreError::InvalidInput { .. }),
        "{no_client}"
    );
    let flags = store
        .set_scope_flags(tenant, int.id, "nope", true, true)
        .await
        .unwrap_err();
    assert!(matches!(flags, StoreError::NotFound { .. }), "{flags}");
}

async fn linking_to_another_tenants_client_is_refused(store: TestStore) {
    let a = store.seed_demo_tenant("A").await.unwrap();
    let b = store.seed_demo_tenant("B").await.unwrap();
    let int = integration(&store, a.tenant, "tanium").await;
    store
        .upsert_scopes(a.tenant, int.id, &[scope("tanium", "g", "G")])
        .await
        .unwrap();
    let err = store
        .link_scope(
            a.tenant,
            int.id,
            "g",
            Some(b.clients.acme),
            ScopeLinkBy::User,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidInput { .. }), "{err}");
}

psa_store::backend_tests!(
    upsert_creates_renames_and_keeps_user_choices,
    auto_match_only_links_unmapped_scopes,
    linking_to_another_tenants_client_is_refused,
);
