//! Scopes to client mappings: upsert one mapping row per scope, then link
//! unmapped rows to clients whose names match exactly once normalized.

use super::EngineError;
use crate::ports::{CatalogStore, MappingDecision, ScopeLinkBy, ScopeMappingStore, UsageStore};
use crate::sources::ScopeSource;
use crate::{ClientId, IntegrationId, TenantId};
use futures::TryStreamExt;
use std::collections::HashMap;

/// Scopes are upserted in chunks of this many, so a provider with many
/// scopes never holds them all in one statement.
const UPSERT_CHUNK: usize = 500;

/// What a scope sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ScopeSyncReport {
    /// Scopes the provider listed.
    pub discovered: usize,
    /// External ids of scopes seen for the first time.
    pub created: Vec<String>,
    /// Renamed scopes: (external id, old name, new name).
    pub renamed: Vec<(String, String, String)>,
    /// Scopes linked to a client by the auto-matcher now.
    pub auto_matched: Vec<(String, ClientId)>,
    /// External ids of scopes that are still unmapped.
    pub unmapped: Vec<String>,
}

/// Lowercases, strips punctuation and collapses whitespace:
/// `"  ACME,  Inc. "` becomes `"acme inc"`.
pub fn normalize_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Syncs the scopes of one integration and auto-matches unmapped ones.
///
/// Names refresh on every sync; a client a person chose (or a person's
/// unlink) and the per-scope switches are never overwritten. Only a unique normalized-name match among
/// active clients links a scope; anything weaker stays unmapped.
pub async fn sync_scopes<S>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    source: &dyn ScopeSource,
) -> Result<ScopeSyncReport, EngineError>
where
    S: ScopeMappingStore + CatalogStore + UsageStore + ?Sized,
{
    let mut report = ScopeSyncReport::default();
    let mut counted = Vec::new();
    let mut scopes = source.scopes().try_chunks(UPSERT_CHUNK);
    while let Some(chunk) = scopes.try_next().await.map_err(|e| e.1)? {
        report.discovered += chunk.len();
        let outcome = store.upsert_scopes(tenant, integration, &chunk).await?;
        report.created.extend(outcome.created);
        report.renamed.extend(outcome.renamed);
        counted.extend(chunk.into_iter().filter(|s| !s.counts.is_empty()));
    }

    let mut clients_by_name: HashMap<String, Vec<ClientId>> = HashMap::new();
    for client in store
        .list_clients(tenant)
        .await?
        .into_iter()
        .filter(|c| !c.is_inactive)
    {
        clients_by_name
            .entry(normalize_name(&client.name))
            .or_default()
            .push(client.id);
    }

    for mapping in store.list_scope_mappings(tenant, integration).await? {
        if mapping.client_id.is_some() {
            continue;
        }
        // A person's unlink is a decision too: the matcher leaves it alone.
        if mapping.decided_by != MappingDecision::Nobody {
            report.unmapped.push(mapping.external_id);
            continue;
        }
        let key = normalize_name(&mapping.name);
        match clients_by_name.get(&key).map(Vec::as_slice) {
            Some([client]) if !key.is_empty() => {
                if store
                    .link_scope(
                        tenant,
                        integration,
                        &mapping.external_id,
                        Some(*client),
                        ScopeLinkBy::AutoMatch,
                    )
                    .await?
                {
                    report.auto_matched.push((mapping.external_id, *client));
                }
            }
            _ => report.unmapped.push(mapping.external_id),
        }
    }
    // The vendor's counts, with the clients as mapped now: today's usage.
    super::usage::record_scope_counts(
        store,
        tenant,
        integration,
        &counted,
        chrono::Utc::now().date_naive(),
    )
    .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::normalize_name;

    #[test]
    fn names_normalize_for_exact_matching() {
        assert_eq!(normalize_name("  ACME,  Inc. "), "acme inc");
        assert_eq!(normalize_name("Acme Inc"), "acme inc");
        assert_eq!(normalize_name("O'Brien & Sons\tLtd"), "obrien sons ltd");
        assert_eq!(normalize_name("Zürich AG"), "zürich ag");
        assert_eq!(normalize_name("..."), "");
        assert_ne!(
            normalize_name("Acme Corp"),
            normalize_name("Acme Corporation")
        );
    }
}
