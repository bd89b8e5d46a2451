//! The usage report against the simulators, on both backends: Huntress
//! agents and billable identities per organization, Tanium endpoints per
//! mapped group, each with its client and the change since the last
//! snapshot.

mod support;

use chrono::{TimeDelta, Utc};
use huntress::provider::{HuntressProvider, SECRET_API_KEY, SECRET_API_SECRET};
use psa_ingest::engine::usage::{ENDPOINTS, UsageLine, usage_report};
use psa_ingest::ports::{IntegrationStore as _, UsageCount, UsageStore as _};
use psa_ingest::{ClientId, IntegrationId, TenantId};
use psa_registry::{ProviderRegistry, ProviderSecrets};
use psa_store::test_util::TestStore;
use psa_testkit::huntress::{HuntressSim, SimConfig};
use psa_testkit::tanium::{GroupSpec, TaniumSim};
use secrecy::SecretString;
use tanium_gateway::provider::{API_TOKEN_SECRET, TaniumProvider};

psa_store::backend_tests!(the_usage_report_counts_what_each_vendor_bills_per_client);

fn registry() -> ProviderRegistry {
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(
            HuntressProvider::new().with_url_policy(huntress::UrlPolicy::loopback()),
        ))
        .unwrap();
    registry
        .register(Box::new(
            TaniumProvider::new().with_url_policy(tanium_gateway::UrlPolicy::loopback()),
        ))
        .unwrap();
    registry
}

async fn set_url(
    store: &TestStore,
    tenant: TenantId,
    integration: IntegrationId,
    key: &str,
    url: String,
) {
    support::set_settings(store, tenant, integration, serde_json::json!({ key: url })).await;
}

/// (scope name, client, metric, value, change) of each line.
fn lines(report: &[UsageLine]) -> Vec<(String, Option<ClientId>, String, u64, i128)> {
    report
        .iter()
        .map(|l| {
            (
                l.scope_name.clone(),
                l.client_id,
                l.metric.clone(),
                l.value,
                l.change(),
            )
        })
        .collect()
}

async fn the_usage_report_counts_what_each_vendor_bills_per_client(store: TestStore) {
    let demo = store.seed_demo_tenant("MSP").await.unwrap();
    let (tenant, acme, globex) = (demo.tenant, demo.clients.acme, demo.clients.globex);
    let registry = registry();
    let today = Utc::now().date_naive();

    let huntress_sim = HuntressSim::start_with(SimConfig {
        start: Utc::now(),
        ..SimConfig::default()
    })
    .await;
    let acme_org = huntress_sim.add_organization("Acme Corp");
    let globex_org = huntress_sim.add_organization("Globex");
    let umbrella = huntress_sim.add_organization("Umbrella Health");
    for (org, agents) in [(acme_org, 3), (globex_org, 1), (umbrella, 2)] {
        for n in 0..agents {
            huntress_sim.add_agent(org, &format!("host-{org}-{n}"));
        }
    }
    huntress_sim.set_billable_identities(acme_org, 5);
    let huntress = support::integration(&store, tenant, "huntress").await;
    set_url(&store, tenant, huntress, "api_base_url", huntress_sim.uri()).await;
    // Yesterday's snapshot, as an earlier day's sync would have left it.
    store
        .record_usage(
            tenant,
            huntress,
            &[UsageCount {
                day: today - TimeDelta::days(1),
                scope: acme_org.to_string(),
                scope_name: "Acme Corp".into(),
                client_id: Some(acme),
                metric: "agents".into(),
                value: 2,
            }],
        )
        .await
        .unwrap();
    let secrets = ProviderSecrets::new()
        .with(SECRET_API_KEY, SecretString::from(huntress_sim.api_key()))
        .with(
            SECRET_API_SECRET,
            SecretString::from(huntress_sim.api_secret()),
        );
    psa_sync::jobs::connect(store.store(), &registry, tenant, huntress, &secrets)
        .await
        .unwrap();

    let report = usage_report(store.store(), tenant, huntress, today)
        .await
        .unwrap();
    let metric = |m: &str| m.to_owned();
    assert_eq!(
        lines(&report),
        [
            ("Acme Corp".into(), Some(acme), metric("agents"), 3, 1),
            (
                "Acme Corp".into(),
                Some(acme),
                metric("billable_identities"),
                5,
                5
            ),
            ("Acme Corp".into(), Some(acme), metric("log_sources"), 0, 0),
            ("Acme Corp".into(), Some(acme), metric("sat_learners"), 0, 0),
            ("Globex".into(), Some(globex), metric("agents"), 1, 1),
            (
                "Globex".into(),
                Some(globex),
                metric("billable_identities"),
                0,
                0
            ),
            ("Globex".into(), Some(globex), metric("log_sources"), 0, 0),
            ("Globex".into(), Some(globex), metric("sat_learners"), 0, 0),
            ("Umbrella Health".into(), None, metric("agents"), 2, 2),
            (
                "Umbrella Health".into(),
                None,
                metric("billable_identities"),
                0,
                0
            ),
            ("Umbrella Health".into(), None, metric("log_sources"), 0, 0),
            ("Umbrella Health".into(), None, metric("sat_learners"), 0, 0),
        ]
    );
    let acme_agents = &report[0];
    assert_eq!(acme_agents.previous, Some((today - TimeDelta::days(1), 2)));

    // A person maps Umbrella and Huntress counts another agent: the day's
    // snapshot is replaced by the next scope sync.
    psa_sync::jobs::map_scope(
        store.store(),
        tenant,
        huntress,
        &umbrella.to_string(),
        Some(globex),
    )
    .await
    .unwrap();
    huntress_sim.add_agent(umbrella, "host-late");
    psa_sync::jobs::sync_scopes(store.store(), &registry, tenant, huntress)
        .await
        .unwrap();
    let report = usage_report(store.store(), tenant, huntress, today)
        .await
        .unwrap();
    let umbrella_agents = report
        .iter()
        .find(|l| l.scope_name == "Umbrella Health" && l.metric == "agents")
        .unwrap();
    assert_eq!(
        (umbrella_agents.value, umbrella_agents.client_id),
        (3, Some(globex))
    );

    // Tanium: live endpoints per mapped group, after the device sync.
    let tanium_sim = TaniumSim::builder()
        .start_generated(&[
            GroupSpec::new("1", "Acme Corp", 4),
            GroupSpec::new("2", "Globex", 2),
            GroupSpec::new("3", "Lab", 3),
        ])
        .await;
    let tanium = support::integration(&store, tenant, "tanium").await;
    set_url(
        &store,
        tenant,
        tanium,
        "gateway_url",
        tanium_sim.gateway_url(),
    )
    .await;
    let secrets =
        ProviderSecrets::new().with(API_TOKEN_SECRET, SecretString::from(tanium_sim.token()));
    psa_sync::jobs::connect(store.store(), &registry, tenant, tanium, &secrets)
        .await
        .unwrap();
    psa_sync::jobs::sync_devices(
        store.store(),
        &registry,
        tenant,
        tanium,
        true,
        Default::default(),
    )
    .await
    .unwrap();
    let report = usage_report(store.store(), tenant, tanium, today)
        .await
        .unwrap();
    assert_eq!(
        lines(&report),
        [
            ("Acme Corp".into(), Some(acme), ENDPOINTS.to_owned(), 4, 4),
            ("Globex".into(), Some(globex), ENDPOINTS.to_owned(), 2, 2),
        ]
    );
    assert!(
        store
            .get_integration(tenant, tanium)
            .await
            .unwrap()
            .is_some()
    );
}
