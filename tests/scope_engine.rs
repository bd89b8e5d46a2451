//! Scopes to client mappings, on both store backends.

mod support;

use async_trait::async_trait;
use futures::stream;
use psa_ingest::ProviderId;
use psa_ingest::contracts::{NormalizedScope, ScopeKind};
use psa_ingest::engine::scopes::sync_scopes;
use psa_ingest::ports::{CatalogStore, MappingDecision, ScopeLinkBy, ScopeMappingStore};
use psa_ingest::sources::{ScopeSource, SourceStream};
use psa_store::test_util::TestStore;

struct Scopes(Vec<(&'static str, &'static str)>);

#[async_trait]
impl ScopeSource for Scopes {
    fn scopes(&self) -> SourceStream<'_, NormalizedScope> {
        Box::pin(stream::iter(self.0.iter().map(|(id, name)| {
            Ok(NormalizedScope {
                provider: ProviderId::new("tanium").unwrap(),
                external_id: (*id).to_owned(),
                name: (*name).to_owned(),
                kind: ScopeKind::Group,
                parent: None,
                counts: Default::default(),
            })
        })))
    }
}

async fn unique_names_auto_match_and_ambiguous_ones_stay_unmapped(store: TestStore) {
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let tenant = demo.tenant;
    let integration = support::integration(&store, tenant, "tanium").await;
    // Two clients that normalize to the same name make "acme inc" ambiguous.
    store.create_client(tenant, "Acme Inc").await.unwrap();
    store.create_client(tenant, "ACME, Inc.").await.unwrap();
    let source = Scopes(vec![
        ("g1", "  GLOBEX "),
        ("g2", "acme inc"),
        ("g3", "Unknown Co"),
        ("g4", "Initech!"),
    ]);

    let report = sync_scopes(store.store(), tenant, integration, &source)
        .await
        .unwrap();

    assert_eq!(report.discovered, 4);
    assert_eq!(report.created.len(), 4);
    let mut matched: Vec<_> = report
        .auto_matched
        .iter()
        .map(|(id, client)| (id.as_str(), *client))
        .collect();
    matched.sort();
    assert_eq!(
        matched,
        vec![("g1", demo.clients.globex), ("g4", demo.clients.initech)]
    );
    let mut unmapped = report.unmapped.clone();
    unmapped.sort();
    assert_eq!(unmapped, vec!["g2", "g3"]);
    let g1 = store
        .get_scope_mapping(tenant, integration, "g1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g1.decided_by, MappingDecision::AutoMatch);
    assert_eq!(g1.client_id, Some(demo.clients.globex));
}

async fn names_refresh_but_user_choices_are_never_overwritten(store: TestStore) {
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let tenant = demo.tenant;
    let integration = support::integration(&store, tenant, "tanium").await;
    sync_scopes(
        store.store(),
        tenant,
        integration,
        &Scopes(vec![("g1", "Servers")]),
    )
    .await
    .unwrap();
    // A person maps g1 to Acme and turns ticket creation off.
    store
        .link_scope(
            tenant,
            integration,
            "g1",
            Some(demo.clients.acme),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    store
        .set_scope_flags(tenant, integration, "g1", true, false)
        .await
        .unwrap();

    // The group is renamed to a name that would auto-match Globex.
    let report = sync_scopes(
        store.store(),
        tenant,
        integration,
        &Scopes(vec![("g1", "Globex")]),
    )
    .await
    .unwrap();

    assert_eq!(
        report.renamed,
        vec![("g1".to_owned(), "Servers".to_owned(), "Globex".to_owned())]
    );
    assert!(report.created.is_empty() && report.auto_matched.is_empty());
    let g1 = store
        .get_scope_mapping(tenant, integration, "g1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g1.name, "Globex");
    assert_eq!(
        g1.client_id,
        Some(demo.clients.acme),
        "the person's choice stays"
    );
    assert!(
        g1.auto_sync_assets && !g1.auto_create_tickets,
        "switches stay"
    );
}

async fn tenants_do_not_see_each_others_scopes(store: TestStore) {
    let a = store.seed_demo_tenant("A").await.unwrap();
    let b = store.seed_demo_tenant("B").await.unwrap();
    let ia = support::integration(&store, a.tenant, "tanium").await;
    sync_scopes(
        store.store(),
        a.tenant,
        ia,
        &Scopes(vec![("g1", "Acme Corp")]),
    )
    .await
    .unwrap();
    assert!(
        store
            .list_scope_mappings(b.tenant, ia)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .get_scope_mapping(b.tenant, ia, "g1")
            .await
            .unwrap()
            .is_none()
    );
    // Tenant B's client named like A's scope is not linked to A's scope.
    let g1 = store
        .get_scope_mapping(a.tenant, ia, "g1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g1.client_id, Some(a.clients.acme));
}

psa_store::backend_tests!(
    unique_names_auto_match_and_ambiguous_ones_stay_unmapped,
    names_refresh_but_user_choices_are_never_overwritten,
    tenants_do_not_see_each_others_scopes,
);
