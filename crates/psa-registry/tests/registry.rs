//! Registration, gating by edition and feature flag, and listing order.

use async_trait::async_trait;
use psa_registry::{
    Capabilities, Category, Connection, ConnectionInfo, Edition, FeatureFlags, FieldError,
    Provider, ProviderDescriptor, ProviderError, ProviderId, ProviderRegistry, ProviderSecrets,
    RegistryError, SettingsError, Unavailable,
};
use secrecy::SecretString;

struct FakeProvider(ProviderDescriptor);

#[async_trait]
impl Provider for FakeProvider {
    fn descriptor(&self) -> &ProviderDescriptor {
        &self.0
    }

    fn secret_names(&self) -> &'static [&'static str] {
        &["api_key"]
    }

    fn validate_settings(&self, settings: &serde_json::Value) -> Result<(), SettingsError> {
        let mut errors = Vec::new();
        if settings.get("url").and_then(|v| v.as_str()).is_none() {
            errors.push(FieldError::new("url", "is required"));
        }
        if settings
            .get("page_size")
            .and_then(|v| v.as_u64())
            .is_none_or(|n| n == 0 || n > 1000)
        {
            errors.push(FieldError::new("page_size", "must be between 1 and 1000"));
        }
        SettingsError::check(errors)
    }

    async fn test_connection(
        &self,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<ConnectionInfo, ProviderError> {
        self.validate_settings(settings)?;
        secrets.require("api_key")?;
        Ok(ConnectionInfo {
            account_name: Some("Test account".into()),
            ..ConnectionInfo::default()
        })
    }

    fn open(
        &self,
        settings: &serde_json::Value,
        secrets: &ProviderSecrets,
    ) -> Result<Connection, ProviderError> {
        self.validate_settings(settings)?;
        secrets.require("api_key")?;
        Ok(Connection::default())
    }
}

fn descriptor(
    id: &str,
    title: &str,
    category: Category,
    enterprise: bool,
    flag: Option<&str>,
) -> ProviderDescriptor {
    ProviderDescriptor {
        id: ProviderId::new(id).unwrap(),
        title: title.to_owned(),
        description: format!("{title} test provider"),
        category,
        capabilities: Capabilities {
            connection: true,
            ..Capabilities::default()
        },
        requires_enterprise: enterprise,
        feature_flag: flag.map(str::to_owned),
    }
}

fn registry() -> ProviderRegistry {
    let mut registry = ProviderRegistry::new();
    for d in [
        descriptor("sentinelone", "SentinelOne", Category::Security, true, None),
        descriptor("ninjaone", "NinjaOne", Category::Rmm, false, None),
        descriptor(
            "datto",
            "Datto RMM",
            Category::Rmm,
            false,
            Some("datto_beta"),
        ),
        descriptor("tanium", "Tanium", Category::Rmm, true, None),
        descriptor("defender", "Defender", Category::Security, false, None),
    ] {
        registry.register(Box::new(FakeProvider(d))).unwrap();
    }
    registry
}

fn listing(
    registry: &ProviderRegistry,
    edition: Edition,
    flags: &FeatureFlags,
) -> Vec<(Category, Vec<String>)> {
    registry
        .available(edition, flags)
        .into_iter()
        .map(|group| {
            (
                group.category,
                group.providers.iter().map(|d| d.id.to_string()).collect(),
            )
        })
        .collect()
}

#[test]
fn a_duplicate_id_is_refused_and_the_first_registration_kept() {
    let mut registry = registry();
    let err = registry
        .register(Box::new(FakeProvider(descriptor(
            "tanium",
            "Other Tanium",
            Category::Security,
            false,
            None,
        ))))
        .unwrap_err();
    assert_eq!(
        err,
        RegistryError::DuplicateId(ProviderId::new("tanium").unwrap())
    );
    assert!(err.to_string().contains("tanium"));
    let kept = registry.get(&ProviderId::new("tanium").unwrap()).unwrap();
    assert_eq!(kept.descriptor().title, "Tanium");
}

#[test]
fn community_edition_without_flags_sees_only_ungated_providers() {
    let got = listing(&registry(), Edition::Community, &FeatureFlags::default());
    assert_eq!(
        got,
        vec![
            (Category::Rmm, vec!["ninjaone".to_owned()]),
            (Category::Security, vec!["defender".to_owned()])
        ]
    );
}

#[test]
fn a_feature_flag_unlocks_its_provider_and_enterprise_unlocks_the_rest() {
    let flags = FeatureFlags::new(["datto_beta"]);
    let got = listing(&registry(), Edition::Enterprise, &flags);
    // Categories in declaration order; providers by title within a category.
    assert_eq!(
        got,
        vec![
            (
                Category::Rmm,
                vec![
                    "datto".to_owned(),
                    "ninjaone".to_owned(),
                    "tanium".to_owned()
                ]
            ),
            (
                Category::Security,
                vec!["defender".to_owned(), "sentinelone".to_owned()]
            ),
        ]
    );
    let without_flag = listing(&registry(), Edition::Enterprise, &FeatureFlags::default());
    assert!(!without_flag[0].1.contains(&"datto".to_owned()));
}

#[test]
fn an_empty_category_is_left_out() {
    let mut registry = ProviderRegistry::new();
    registry
        .register(Box::new(FakeProvider(descriptor(
            "tanium",
            "Tanium",
            Category::Rmm,
            false,
            None,
        ))))
        .unwrap();
    let groups = registry.available(Edition::Community, &FeatureFlags::default());
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].category, Category::Rmm);
}

#[test]
fn lookup_by_unknown_id_is_a_typed_error() {
    let error = registry()
        .get(&ProviderId::new("nope").unwrap())
        .err()
        .unwrap();
    assert!(matches!(error, Unavailable::Unknown(ref id) if id.as_str() == "nope"));
    assert_eq!(error.to_string(), "no provider nope is registered");
}

/// A community service cannot open an enterprise provider, nor one behind
/// a flag it has not turned on, even by id; what it may use stays usable.
#[test]
fn a_provider_the_edition_or_flags_do_not_allow_is_refused_by_id() {
    let community = registry().with_access(Edition::Community, FeatureFlags::default());
    let id = |name: &str| ProviderId::new(name).unwrap();
    let enterprise_only = community.get(&id("tanium")).err().unwrap();
    assert!(
        matches!(enterprise_only, Unavailable::RequiresEnterprise(ref p) if p.as_str() == "tanium")
    );
    assert_eq!(
        enterprise_only.to_string(),
        "provider tanium needs the enterprise edition"
    );
    let flagged = community.get(&id("datto")).err().unwrap();
    assert!(
        matches!(flagged, Unavailable::FeatureOff { ref flag, .. } if flag == "datto_beta"),
        "{flagged}"
    );
    assert!(community.get(&id("ninjaone")).is_ok());

    let flags = FeatureFlags::new(["datto_beta"]);
    let enterprise = registry().with_access(Edition::Enterprise, flags);
    assert!(enterprise.get(&id("tanium")).is_ok());
    assert!(enterprise.get(&id("datto")).is_ok());
}

#[test]
fn settings_errors_name_every_bad_field() {
    let registry = registry();
    let provider = registry.get(&ProviderId::new("ninjaone").unwrap()).unwrap();
    let err = provider
        .validate_settings(&serde_json::json!({"page_size": 0}))
        .unwrap_err();
    assert_eq!(err.fields(), vec!["url", "page_size"]);
    assert_eq!(
        err.to_string(),
        "invalid settings: url is required; page_size must be between 1 and 1000"
    );
    assert!(
        provider
            .validate_settings(&serde_json::json!({"url": "https://x", "page_size": 100}))
            .is_ok()
    );
}

#[tokio::test]
async fn connect_through_a_boxed_provider_requires_its_secrets() {
    let registry = registry();
    let provider = registry.get(&ProviderId::new("ninjaone").unwrap()).unwrap();
    let settings = serde_json::json!({"url": "https://x", "page_size": 100});
    let err = provider
        .test_connection(&settings, &ProviderSecrets::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::MissingSecret { ref name } if name == "api_key"),
        "{err:?}"
    );
    let secrets = ProviderSecrets::new().with("api_key", SecretString::from("s3cr3t-value"));
    let info = provider.test_connection(&settings, &secrets).await.unwrap();
    assert_eq!(info.account_name.as_deref(), Some("Test account"));
    assert!(provider.open(&settings, &ProviderSecrets::new()).is_err());
    let connection = provider.open(&settings, &secrets).unwrap();
    assert!(connection.scopes.is_none());
    assert!(
        !format!("{secrets:?}").contains("s3cr3t"),
        "Debug shows names only"
    );
}

#[test]
fn provider_ids_are_validated() {
    for bad in ["", "Tanium", "1password", "has space", "dots.not.allowed"] {
        let err = ProviderId::new(bad).unwrap_err();
        assert!(err.to_string().contains("invalid provider id"), "{bad}");
    }
    for good in ["tanium", "tactical-rmm", "ms_defender2"] {
        assert_eq!(ProviderId::new(good).unwrap().as_str(), good);
    }
    assert!(serde_json::from_str::<ProviderId>("\"Bad Id\"").is_err());
}
