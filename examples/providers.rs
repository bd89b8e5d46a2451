//! Prints the built-in providers, grouped by category, for each edition.

use psa_registry::{Edition, FeatureFlags, builtin};

fn main() {
    for edition in [Edition::Community, Edition::Enterprise] {
        println!("{edition:?} edition:");
        let available: Vec<_> = builtin::descriptors()
            .into_iter()
            .filter(|d| d.is_available(edition, &FeatureFlags::default()))
            .collect();
        if available.is_empty() {
            println!("  (no integrations)");
        }
        for d in available {
            println!(
                "  [{}] {} ({}): {}",
                d.category.as_str(),
                d.title,
                d.id,
                d.description
            );
        }
    }
}
