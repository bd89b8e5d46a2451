//! Opens a store, seeds a tenant, creates an integration and lists what
//! the registry offers: the facade's API, from the registry's packages.

use psa_integrations::prelude::*;
use psa_integrations::store::{OpenOptions, PsaStore, SecretKey};
use psa_integrations::{UrlPolicy, builtin_registry};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = PsaStore::open_with(
        "sqlite::memory:",
        OpenOptions::new().secret_key(SecretKey::generate()),
    )
    .await?;
    let msp = store.seed_demo_tenant("Downstream MSP").await?;
    let registry = builtin_registry(UrlPolicy::default());
    let tanium = store
        .create_integration(
            msp.tenant,
            NewIntegration {
                provider: ProviderId::new("tanium")?,
                instance_url: None,
                settings: serde_json::json!({}),
            },
        )
        .await?;
    let groups = registry.available(Edition::Enterprise, &FeatureFlags::default());
    for group in &groups {
        for provider in &group.providers {
            println!("{:?}: {} ({})", group.category, provider.title, provider.id);
        }
    }
    println!("integration {} created; migrations applied", tanium.id);
    assert_eq!(groups.iter().map(|g| g.providers.len()).sum::<usize>(), 2);
    Ok(())
}
