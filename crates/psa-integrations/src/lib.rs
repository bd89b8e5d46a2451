//! The PSA integration layer in one dependency.
//!
//! - [`store`]: persistence on PostgreSQL or embedded SQLite (features
//!   `postgres`, `sqlite`; each builds only its own driver);
//! - [`registry`]: provider descriptors, categories, edition gating;
//! - [`tanium`] and [`huntress`]: the providers (features `tanium`, `huntress`);
//! - [`sync`]: jobs, the schedule and the multi-tenant worker (feature `sync`);
//! - [`webhooks`]: receivers that make polls due (feature `webhooks`);
//! - [`prelude`]: the port traits, to call the store's methods;
//! - [`builtin_registry`]: every provider compiled in;
//! - `chrono`, `uuid` and `secrecy`: the versions the API takes.
//!
//! The workspace README's "Use it from your service" section shows a whole
//! program: open a store, register the providers, connect Tanium, map a
//! scope with [`link_scope`](prelude::ScopeMappingStore::link_scope)
//! (`ScopeLinkBy::User`, what an admin screen does), sync, and list the
//! assets per client with [`list_assets`](prelude::ReadStore::list_assets).

pub use chrono;
pub use psa_http::UrlPolicy;
pub use psa_ingest as ingest;
pub use psa_registry as registry;
pub use secrecy;
pub use uuid;

#[cfg(feature = "huntress")]
pub use huntress;
#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub use psa_store as store;
#[cfg(feature = "sync")]
pub use psa_sync as sync;
#[cfg(feature = "webhooks")]
pub use psa_webhooks as webhooks;
#[cfg(feature = "tanium")]
pub use tanium_gateway as tanium;

pub mod prelude;

/// The workspace README's program, run as a doc test.
#[cfg(all(doctest, feature = "sqlite", feature = "tanium", feature = "sync"))]
#[doc = include_str!("../../../README.md")]
pub struct WorkspaceReadme;

use psa_registry::ProviderRegistry;

/// A registry with every provider this build has (features `tanium` and
/// `huntress`), each calling only the URLs `urls` allows (the default
/// policy: `https` to public addresses; [`UrlPolicy::loopback`] for
/// simulators on this machine).
pub fn builtin_registry(urls: UrlPolicy) -> ProviderRegistry {
    registry(urls, None)
}

/// [`builtin_registry`] whose providers share each vendor account's request
/// budget with every process on `store` (Huntress: 60 requests a minute per
/// account, however many workers poll it). What a worker fleet uses.
pub fn builtin_registry_with_budget(
    urls: UrlPolicy,
    store: std::sync::Arc<dyn psa_ingest::ports::RequestBudgetStore>,
) -> ProviderRegistry {
    registry(urls, Some(store))
}

fn registry(
    urls: UrlPolicy,
    budget: Option<std::sync::Arc<dyn psa_ingest::ports::RequestBudgetStore>>,
) -> ProviderRegistry {
    #[allow(unused_mut)]
    let mut registry = ProviderRegistry::new();
    #[cfg(feature = "tanium")]
    registry
        .register(Box::new(
            tanium_gateway::provider::TaniumProvider::new().with_url_policy(urls),
        ))
        .expect("one Tanium provider");
    #[cfg(feature = "huntress")]
    {
        let mut huntress = huntress::provider::HuntressProvider::new().with_url_policy(urls);
        if let Some(store) = budget {
            huntress = huntress.with_shared_budget(store);
        }
        registry
            .register(Box::new(huntress))
            .expect("one Huntress provider");
    }
    #[cfg(not(any(feature = "tanium", feature = "huntress")))]
    let _ = urls;
    #[cfg(not(feature = "huntress"))]
    let _ = budget;
    registry
}
