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
