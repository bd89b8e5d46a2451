use crate::{Category, Edition, FeatureFlags, Provider, ProviderDescriptor, Unavailable};
use psa_ingest::ProviderId;
use std::collections::BTreeMap;

/// Why a provider could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Another provider already has this id.
    #[error("provider {0} is already registered")]
    DuplicateId(ProviderId),
}

/// The providers of one category, as listed for a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryGroup<'a> {
    /// The category.
    pub category: Category,
    /// Its providers, by title then id.
    pub providers: Vec<&'a ProviderDescriptor>,
}

/// The providers a service knows, by id, and the edition and feature flags
/// it runs with (by default: every provider allowed).
#[derive(Default)]
pub struct ProviderRegistry {
    providers: BTreeMap<ProviderId, Box<dyn Provider>>,
    access: Option<(Edition, FeatureFlags)>,
}

impl std::fmt::Debug for ProviderRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.providers.keys()).finish()
    }
}

impl ProviderRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a provider; an id already registered is an error.
    pub fn register(&mut self, provider: Box<dyn Provider>) -> Result<(), RegistryError> {
        let id = provider.descriptor().id.clone();
        if self.providers.contains_key(&id) {
            return Err(RegistryError::DuplicateId(id));
        }
        self.providers.insert(id, provider);
        Ok(())
    }

    /// The same registry, allowing only what `edition` with `flags`
    /// allows: [`get`](Self::get) (and so connecting, opening and running
    /// an integration) refuses any other provider.
    pub fn with_access(mut self, edition: Edition, flags: FeatureFlags) -> Self {
        self.access = Some((edition, flags));
        self
    }

    /// A provider by id, if it is registered and the registry's edition and
    /// flags allow it.
    pub fn get(&self, id: &ProviderId) -> Result<&dyn Provider, Unavailable> {
        let provider = self
            .providers
            .get(id)
            .ok_or_else(|| Unavailable::Unknown(id.clone()))?;
        if let Some((edition, flags)) = &self.access {
            provider.descriptor().check_access(*edition, flags)?;
        }
        Ok(provider.as_ref())
    }

    /// Every registered descriptor, by id.
    pub fn descriptors(&self) -> impl Iterator<Item = &ProviderDescriptor> {
        self.providers.values().map(|p| p.descriptor())
    }

    /// What a tenant of `edition` with `flags` may use, grouped by category
    /// (categories in declaration order, providers by title then id). Empty
    /// categories are left out.
    pub fn available(&self, edition: Edition, flags: &FeatureFlags) -> Vec<CategoryGroup<'_>> {
        let mut groups: BTreeMap<Category, Vec<&ProviderDescriptor>> = BTreeMap::new();
        for descriptor in self
            .descriptors()
            .filter(|d| d.is_available(edition, flags))
        {
            groups
                .entry(descriptor.category)
                .or_default()
                .push(descriptor);
        }
        groups
            .into_iter()
            .map(|(category, mut providers)| {
                providers.sort_by(|a, b| a.title.cmp(&b.title).then_with(|| a.id.cmp(&b.id)));
                CategoryGroup {
                    category,
                    providers,
                }
            })
            .collect()
    }
}
