//! The built-in providers as a service sees them through the registry.

use psa_registry::{Category, Edition, FeatureFlags, builtin};

#[test]
fn builtin_providers_are_enterprise_and_split_by_category() {
    let descriptors = builtin::descriptors();
    let community: Vec<_> = descriptors
        .iter()
        .filter(|d| d.is_available(Edition::Community, &FeatureFlags::default()))
        .collect();
    assert!(
        community.is_empty(),
        "Tanium and Huntress are enterprise-only"
    );
    let tanium = descriptors
        .iter()
        .find(|d| d.id.as_str() == "tanium")
        .unwrap();
    assert_eq!(tanium.category, Category::Rmm);
    assert!(tanium.capabilities.device_sync && tanium.capabilities.scope_sync);
    assert!(!tanium.capabilities.incident_feed);
    let huntress = descriptors
        .iter()
        .find(|d| d.id.as_str() == "huntress")
        .unwrap();
    assert_eq!(huntress.category, Category::Security);
    assert!(huntress.capabilities.incident_feed && !huntress.capabilities.device_sync);
}

/// The worker schedules jobs from a provider's capabilities, so what `open`
/// returns must match them.
#[test]
fn opened_sources_match_the_declared_capabilities() {
    use huntress::provider::{HuntressProvider, SECRET_API_KEY, SECRET_API_SECRET};
    use psa_registry::{Provider, ProviderSecrets};
    use secrecy::SecretString;
    use tanium_gateway::provider::{API_TOKEN_SECRET, TaniumProvider};

    let secret = |s: &str| SecretString::from(s.to_owned());
    let cases: Vec<(Box<dyn Provider>, serde_json::Value, ProviderSecrets)> = vec![
        (
            Box::new(TaniumProvider::new().with_url_policy(tanium_gateway::UrlPolicy::loopback())),
            serde_json::json!({ "gateway_url": "https://acme-api.cloud.tanium.com" }),
            ProviderSecrets::new().with(API_TOKEN_SECRET, secret("token-123")),
        ),
        (
            Box::new(HuntressProvider::new().with_url_policy(huntress::UrlPolicy::loopback())),
            serde_json::json!({}),
            ProviderSecrets::new()
                .with(SECRET_API_KEY, secret("key"))
                .with(SECRET_API_SECRET, secret("secret")),
        ),
    ];
    for (provider, settings, secrets) in cases {
        let capabilities = provider.descriptor().capabilities;
        let connection = provider.open(&settings, &secrets).unwrap();
        assert_eq!(
            (
                connection.scopes.is_some(),
                connection.devices.is_some(),
                connection.incidents.is_some()
            ),
            (
                capabilities.scope_sync,
                capabilities.device_sync,
                capabilities.incident_feed
            ),
            "{}",
            provider.descriptor().id
        );
        assert_eq!(connection.requests_made.get(), 0, "opening sends nothing");
    }
}
