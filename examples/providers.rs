//! Registers the built-in providers and prints, for each edition, what a
//! tenant is offered, grouped by category.

#![allow(clippy::print_stdout)]

use huntress::provider::HuntressProvider;
use psa_registry::{Edition, FeatureFlags, ProviderRegistry};
use tanium_gateway::provider::TaniumProvider;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut registry = ProviderRegistry::new();
    registry.register(Box::new(
        TaniumProvider::new().with_url_policy(tanium_gateway::UrlPolicy::loopback()),
    ))?;
    registry.register(Box::new(
        HuntressProvider::new().with_url_policy(huntress::UrlPolicy::loopback()),
    ))?;
    for edition in [Edition::Community, Edition::Enterprise] {
        println!("{edition:?} edition:");
        let groups = registry.available(edition, &FeatureFlags::default());
        if groups.is_empty() {
            println!("  (no integrations)");
        }
        for group in groups {
            println!("  {}:", group.category.as_str());
            for d in group.providers {
                let provider = registry
                    .get(&d.id)
                    .expect("listed providers are registered");
                println!("    {} ({}): {}", d.title, d.id, d.description);
                println!("      secrets: {}", provider.secret_names().join(", "));
            }
        }
    }
    Ok(())
}
