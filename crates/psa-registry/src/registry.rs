use crate::{Category, Edition, FeatureFlags, Provider, ProviderDescriptor};
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

/// The providers a service knows, by id.
#[derive(Default)]
pub struct ProviderRegistry {
    providers: BTreeMap<ProviderId, Box<dyn Provider>>,
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

    /// A provider by id.
    pub fn get(&self, id: &ProviderId) -> Option<&dyn Provider> {
        self.providers.get(id).map(|p| p.as_ref())
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
