//! The README's program on both backends: connect Tanium to the simulator,
//! map a group, sync, read the assets per client through the read ports.

use psa_integrations::prelude::*;
use psa_integrations::store::test_util::TestStore;
use psa_integrations::{UrlPolicy, builtin_registry, secrecy::SecretString, sync::jobs};
use psa_testkit::tanium::{GroupSpec, TaniumSim};

async fn a_service_embeds_the_crates(store: TestStore) {
    let sim = TaniumSim::builder()
        .start_generated(&[
            GroupSpec::new("7", "Lab", 2),
            GroupSpec::new("8", "Acme Corp", 3),
        ])
        .await;
    let msp = store.seed_demo_tenant("Acme MSP").await.unwrap();
    let registry = builtin_registry(UrlPolicy::loopback());
    let tanium = store
        .create_integration(
            msp.tenant,
            NewIntegration {
                provider: ProviderId::new("tanium").unwrap(),
                instance_url: None,
                settings: serde_json::json!({ "gateway_url": sim.gateway_url() }),
            },
        )
        .await
        .unwrap();
    let secrets = ProviderSecrets::new().with("api_token", SecretString::from(sim.token()));
    let (_, scopes) = jobs::connect(store.store(), &registry, msp.tenant, tanium.id, &secrets)
        .await
        .unwrap();
    // "Acme Corp" matched the client of that name; "Lab" waits for a person.
    assert_eq!(scopes.unwrap().unmapped, ["7"]);
    store
        .link_scope(
            msp.tenant,
            tanium.id,
            "7",
            Some(msp.clients.globex),
            ScopeLinkBy::User,
        )
        .await
        .unwrap();
    jobs::sync_devices(
        store.store(),
        &registry,
        msp.tenant,
        tanium.id,
        true,
        Default::default(),
    )
    .await
    .unwrap();

    let page = PageRequest::first(100);
    let per_client = |client| AssetFilter::client(client);
    let globex = store
        .list_assets(msp.tenant, &per_client(msp.clients.globex), page)
        .await
        .unwrap();
    let acme = store
        .list_assets(msp.tenant, &per_client(msp.clients.acme), page)
        .await
        .unwrap();
    assert_eq!((globex.len(), acme.len()), (2, 3));
    assert!(globex.iter().all(|a| a.client_name == "Globex"));
    let all = store
        .list_assets(msp.tenant, &AssetFilter::integration(tanium.id), page)
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
}

/// Routing set up by name and written as typed settings: the other
/// sections stay, and an unchanged section is not written again.
async fn routing_is_set_by_name_as_typed_settings(store: TestStore) {
    use psa_integrations::ingest::engine::incidents::{Catalog, IncidentSettings};
    let msp = store.seed_demo_tenant("Acme MSP").await.unwrap();
    let huntress = store
        .create_integration(
            msp.tenant,
            NewIntegration {
                provider: ProviderId::new("huntress").unwrap(),
                instance_url: None,
                settings: serde_json::json!({ "api_base_url": "https://api.huntress.io", "schedule": { "full_sync_hours": 12 } }),
            },
        )
        .await
        .unwrap();
    let catalog = Catalog::load(store.store(), msp.tenant).await.unwrap();
    let triage = catalog.board("triage").unwrap().id;
    let initech = catalog.client("Initech").unwrap().id;
    let missing = catalog.board("Escalations").unwrap_err();
    assert!(missing.to_string().contains("Default, Triage"), "{missing}");

    let route = |s: &mut IncidentSettings| {
        s.fallback_board_id = Some(triage);
        s.fallback_client_id = Some(initech);
    };
    let written = jobs::update_section(store.store(), msp.tenant, huntress.id, "incidents", route)
        .await
        .unwrap();
    assert_eq!(written.fallback_board_id, Some(triage));
    let record = store
        .get_integration(msp.tenant, huntress.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.settings["schedule"]["full_sync_hours"], 12);
    assert_eq!(
        IncidentSettings::from_integration_settings(&record.settings)
            .unwrap()
            .fallback_client_id,
        Some(initech)
    );
    jobs::update_section(store.store(), msp.tenant, huntress.id, "incidents", route)
        .await
        .unwrap();
    let again = store
        .get_integration(msp.tenant, huntress.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.settings_version, record.settings_version);
}

psa_integrations::store::backend_tests!(
    a_service_embeds_the_crates,
    routing_is_set_by_name_as_typed_settings,
);
