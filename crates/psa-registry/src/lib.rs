//! The provider registry of the PSA integration layer.
//!
//! Every provider (Tanium, Huntress, and the ones to come) describes itself
//! with a [`ProviderDescriptor`] and implements [`Provider`]. The registry
//! holds them, gates them by edition and feature flag, and lists them grouped
//! by [`Category`] in a stable order.
//!
//! ```
//! use psa_registry::{builtin, Edition, FeatureFlags};
//!
//! let listing = builtin::descriptors();
//! let enterprise: Vec<_> = listing
//!     .iter()
//!     .filter(|d| d.is_available(Edition::Enterprise, &FeatureFlags::default()))
//!     .collect();
//! assert_eq!(enterprise.len(), 2);
//! ```

pub mod builtin;
mod descriptor;
mod provider;
mod registry;

pub use descriptor::{
    Capabilities, Category, Edition, FeatureFlags, ProviderDescriptor, Unavailable,
};
pub use provider::{Connection, ConnectionInfo, Count, Provider, ProviderError, ProviderSecrets};
pub use psa_ingest::ProviderId;
pub use psa_ingest::settings::{FieldError, SettingsError};
pub use registry::{CategoryGroup, ProviderRegistry, RegistryError};
