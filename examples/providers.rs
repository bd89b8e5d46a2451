//! Prints, for each edition, what a tenant is offered: the built-in
//! providers grouped by category, with the secrets each needs.
//!
//! ```text
//! cargo run --example providers
//! ```

#![allow(clippy::print_stdout)]

use psa_integrations::registry::{Edition, FeatureFlags};
use psa_integrations::{UrlPolicy, builtin_registry};

fn main() {
    let registry = builtin_registry(UrlPolicy::default());
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
}
