use crate::support::{integration, scope};
use chrono::{SubsecRound as _, TimeDelta, Utc};
use psa_ingest::ports::{
    MappingDecision, ScopeLinkBy, ScopeMappingStore as _, ScopeWalk, StoreError, WalkKind,
    WalkOutcome,
};
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
    assert_eq!(linked.decided_by, MappingDecision::AutoMatch);
    assert!(
        linked.device_sync.mapped_at.is_some(),
        "a link moves mapped_at"
    );
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
    // A person confirming the same client makes it theirs: a change, but
    // not a re-map (the scope needs no new full walk).
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
    assert_eq!(confirmed.decided_by, MappingDecision::Person);
    assert_eq!(
        confirmed.device_sync.mapped_at,
        linked.device_sync.mapped_at
    );
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

    // A person's unlink is final for the auto-matcher.
    assert!(
        !store
            .link_scope(tenant, int.id, "o1", Some(acme), ScopeLinkBy::AutoMatch)
            .await
            .unwrap()
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
    assert!(matches!(err, StoreError::MissingReference { .. }), "{err}");
}

/// Only a completed walk moves a scope's state: a full walk both times,
/// an incremental one the watermark; a failed or guarded walk records its
/// outcome and error and keeps both. A re-map or switching asset sync on
/// asks for a full walk again.
async fn only_a_completed_walk_moves_a_scopes_state(store: TestStore) {
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let tenant = demo.tenant;
    let int = integration(&store, tenant, "tanium").await;
    store
        .upsert_scopes(tenant, int.id, &[scope("tanium", "g1", "Group 1")])
        .await
        .unwrap();
    store
        .link_scope(
            tenant,
            int.id,
            "g1",
            Some(demo.clients.acme),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    let state = || async {
        store
            .get_scope_mapping(tenant, int.id, "g1")
            .await
            .unwrap()
            .unwrap()
            .device_sync
    };
    // Both backends keep microseconds.
    let now = Utc::now().trunc_subsecs(6);
    assert!(state().await.needs_full_walk(now, None), "never walked");

    let full_at = now;
    let walk = |kind, started_at, outcome, error: Option<&str>| ScopeWalk {
        kind,
        started_at,
        outcome,
        error: error.map(str::to_owned),
    };
    store
        .record_scope_walk(
            tenant,
            int.id,
            "g1",
            &walk(WalkKind::Full, full_at, WalkOutcome::Completed, None),
        )
        .await
        .unwrap();
    let after_full = state().await;
    assert_eq!(
        (after_full.full_walk_at, after_full.watermark),
        (Some(full_at), Some(full_at))
    );
    assert!(!after_full.needs_full_walk(full_at, None));
    assert!(after_full.needs_full_walk(full_at + TimeDelta::hours(25), Some(TimeDelta::hours(24))));

    let incremental_at = full_at + TimeDelta::minutes(10);
    store
        .record_scope_walk(
            tenant,
            int.id,
            "g1",
            &walk(
                WalkKind::Incremental,
                incremental_at,
                WalkOutcome::Completed,
                None,
            ),
        )
        .await
        .unwrap();
    for (outcome, error) in [
        (WalkOutcome::Failed, "502 Bad Gateway"),
        (WalkOutcome::Guarded, "would retire 50 of its 50 assets"),
    ] {
        store
            .record_scope_walk(
                tenant,
                int.id,
                "g1",
                &walk(
                    WalkKind::Full,
                    incremental_at + TimeDelta::minutes(10),
                    outcome,
                    Some(error),
                ),
            )
            .await
            .unwrap();
        let kept = state().await;
        assert_eq!(
            (kept.full_walk_at, kept.watermark),
            (Some(full_at), Some(incremental_at)),
            "{outcome:?}"
        );
        assert_eq!(kept.last_outcome, Some(outcome));
        assert_eq!(kept.last_error.as_deref(), Some(error));
        assert!(!kept.needs_full_walk(Utc::now(), None));
    }

    // Re-mapped to another client (after the walk): a full walk is due.
    store
        .link_scope(
            tenant,
            int.id,
            "g1",
            Some(demo.clients.globex),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    let remapped = state().await;
    assert!(remapped.needs_full_walk(Utc::now(), None), "{remapped:?}");
    store
        .set_scope_flags(tenant, int.id, "g1", false, true)
        .await
        .unwrap();
    let off = state().await;
    assert_eq!(
        off.mapped_at, remapped.mapped_at,
        "switching off moves nothing"
    );
    store
        .set_scope_flags(tenant, int.id, "g1", true, true)
        .await
        .unwrap();
    let on = state().await;
    assert!(
        on.mapped_at > off.mapped_at,
        "switching on asks for a full walk"
    );
}

psa_store::backend_tests!(
    only_a_completed_walk_moves_a_scopes_state,
    upsert_creates_renames_and_keeps_user_choices,
    auto_match_only_links_unmapped_scopes,
    linking_to_another_tenants_client_is_refused,
);
