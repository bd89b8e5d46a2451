//! The transport seam: how the worker gets a claimed job run.
//!
//! The default, [`DirectTransport`], runs the job in the worker's process.
//! An embedding service can register its own (a queue, a workflow engine)
//! under a name and choose it per provider with `<PROVIDER>_SYNC_TRANSPORT`,
//! or for every provider with `RMM_SYNC_TRANSPORT`; neither set means
//! `direct`. Whatever the transport, [`SyncTransport::run`] returns when the
//! job has finished, so the worker holds the job's lease (and renews it)
//! for exactly as long as the job runs.

use crate::jobs::{JobReport, JobRequest, run_job};
use crate::{SyncError, SyncSubscriber};
use async_trait::async_trait;
use psa_ingest::ProviderId;
use psa_ingest::ports::Store;
use psa_registry::ProviderRegistry;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Runs jobs somewhere and reports how they ended.
#[async_trait]
pub trait SyncTransport: Send + Sync {
    /// Runs `request` to the end. A remote transport sends it and awaits
    /// the result; its far side calls [`run_job`].
    async fn run(&self, request: &JobRequest) -> Result<Vec<JobReport>, SyncError>;
}

/// Runs jobs in this process, through the registry's providers and the
/// shared engines.
pub struct DirectTransport<S: ?Sized> {
    store: Arc<S>,
    registry: Arc<ProviderRegistry>,
    subscriber: Option<Arc<dyn SyncSubscriber>>,
}

impl<S: ?Sized> DirectTransport<S> {
    /// The transport named `direct`; events go to `subscriber`.
    pub fn new(
        store: Arc<S>,
        registry: Arc<ProviderRegistry>,
        subscriber: Option<Arc<dyn SyncSubscriber>>,
    ) -> Self {
        Self {
            store,
            registry,
            subscriber,
        }
    }
}

#[async_trait]
impl<S: Store + ?Sized + 'static> SyncTransport for DirectTransport<S> {
    async fn run(&self, request: &JobRequest) -> Result<Vec<JobReport>, SyncError> {
        run_job(
            self.store.as_ref(),
            &self.registry,
            request,
            self.subscriber.clone(),
        )
        .await
    }
}

/// The name of the built-in transport.
pub const DIRECT: &str = "direct";

/// The environment variable that picks a provider's transport, e.g.
/// `TANIUM_SYNC_TRANSPORT`.
pub fn transport_variable(provider: &ProviderId) -> String {
    let name: String = provider
        .as_str()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{name}_SYNC_TRANSPORT")
}

/// The variable that picks the transport of every provider without its own.
pub const ANY_PROVIDER_VARIABLE: &str = "RMM_SYNC_TRANSPORT";

/// Which transport runs a provider's jobs, and which variable said so
/// (`None`: nothing was set, so `direct`).
pub fn choose_transport(
    provider: &ProviderId,
    env: &dyn Fn(&str) -> Option<String>,
) -> (String, Option<String>) {
    for variable in [
        transport_variable(provider),
        ANY_PROVIDER_VARIABLE.to_owned(),
    ] {
        if let Some(value) = env(&variable).map(|v| v.trim().to_owned())
            && !value.is_empty()
        {
            return (value, Some(variable));
        }
    }
    (DIRECT.to_owned(), None)
}

/// Named transports, `direct` included, resolved per provider.
pub(crate) struct Transports {
    by_provider: BTreeMap<ProviderId, Arc<dyn SyncTransport>>,
    direct: Arc<dyn SyncTransport>,
}

impl Transports {
    /// Picks each registered provider's transport from the environment.
    /// A name that is not registered is an error naming the variable.
    pub(crate) fn resolve(
        providers: impl IntoIterator<Item = ProviderId>,
        named: &BTreeMap<String, Arc<dyn SyncTransport>>,
        direct: Arc<dyn SyncTransport>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, crate::WorkerConfigError> {
        let mut by_provider = BTreeMap::new();
        for provider in providers {
            let (name, variable) = choose_transport(&provider, env);
            let transport = if name == DIRECT {
                Arc::clone(&direct)
            } else {
                let found =
                    named
                        .get(&name)
                        .ok_or_else(|| crate::WorkerConfigError::UnknownTransport {
                            variable: variable.clone().unwrap_or_default(),
                            name: name.clone(),
                            known: std::iter::once(DIRECT.to_owned())
                                .chain(named.keys().cloned())
                                .collect::<Vec<_>>()
                                .join(", "),
                        })?;
                Arc::clone(found)
            };
            by_provider.insert(provider, transport);
        }
        Ok(Self {
            by_provider,
            direct,
        })
    }

    /// The transport of `provider` (`direct` for one the registry gained
    /// after the worker started).
    pub(crate) fn get(&self, provider: &ProviderId) -> &Arc<dyn SyncTransport> {
        self.by_provider.get(provider).unwrap_or(&self.direct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |key| map.get(key).cloned()
    }

    fn provider(name: &str) -> ProviderId {
        ProviderId::new(name).unwrap()
    }

    #[test]
    fn provider_variable_then_any_provider_variable_then_direct() {
        let tanium = provider("tanium");
        let both = env(&[
            ("TANIUM_SYNC_TRANSPORT", "queue"),
            ("RMM_SYNC_TRANSPORT", "workflow"),
        ]);
        assert_eq!(
            choose_transport(&tanium, &both),
            ("queue".into(), Some("TANIUM_SYNC_TRANSPORT".into()))
        );
        let any = env(&[
            ("RMM_SYNC_TRANSPORT", "workflow"),
            ("TANIUM_SYNC_TRANSPORT", " "),
        ]);
        assert_eq!(
            choose_transport(&tanium, &any),
            ("workflow".into(), Some("RMM_SYNC_TRANSPORT".into()))
        );
        assert_eq!(
            choose_transport(&tanium, &env(&[])),
            ("direct".into(), None)
        );
        assert_eq!(
            transport_variable(&provider("tactical-rmm")),
            "TACTICAL_RMM_SYNC_TRANSPORT"
        );
    }

    struct Fails;

    #[async_trait]
    impl SyncTransport for Fails {
        async fn run(&self, request: &JobRequest) -> Result<Vec<JobReport>, SyncError> {
            Err(SyncError::IntegrationNotFound(
                request.integration.to_string(),
            ))
        }
    }

    #[test]
    fn unknown_names_are_refused_naming_the_variable() {
        let direct: Arc<dyn SyncTransport> = Arc::new(Fails);
        let named = BTreeMap::from([(
            "queue".to_owned(),
            Arc::new(Fails) as Arc<dyn SyncTransport>,
        )]);
        let error = Transports::resolve(
            [provider("huntress")],
            &named,
            Arc::clone(&direct),
            &env(&[("HUNTRESS_SYNC_TRANSPORT", "kafka")]),
        )
        .err()
        .unwrap();
        assert_eq!(
            error.to_string(),
            "HUNTRESS_SYNC_TRANSPORT names transport \"kafka\", which is not registered (known: direct, queue)"
        );
        let chosen = Transports::resolve(
            [provider("huntress"), provider("tanium")],
            &named,
            Arc::clone(&direct),
            &env(&[("HUNTRESS_SYNC_TRANSPORT", "queue")]),
        )
        .unwrap();
        assert!(Arc::ptr_eq(
            chosen.get(&provider("huntress")),
            &named["queue"]
        ));
        assert!(Arc::ptr_eq(chosen.get(&provider("tanium")), &direct));
        assert!(Arc::ptr_eq(chosen.get(&provider("other")), &direct));
    }
}
