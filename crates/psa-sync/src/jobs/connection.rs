//! Connecting and disconnecting an integration.

use super::context::JobContext;
use crate::{SyncError, schedule, secrets};
use chrono::Utc;
use psa_ingest::engine::incidents::prefill_severity_priorities;
use psa_ingest::engine::scopes::ScopeSyncReport;
use psa_ingest::ports::Store;
use psa_registry::{ConnectionInfo, ProviderSecrets};

impl<S: Store + ?Sized> JobContext<'_, S> {
    /// Connects an integration: tests the connection with `secrets`, stores the
    /// secrets, records what the test learned (under `account` in the settings),
    /// marks the integration active, pre-fills the severity to priority map of a
    /// provider with an incident feed, puts its jobs on the schedule (due at
    /// once) and syncs its scopes (recorded as a sync run).
    pub async fn connect(
        &self,
        secrets: &ProviderSecrets,
    ) -> Result<(ConnectionInfo, Option<ScopeSyncReport>), SyncError> {
        let (store, tenant, integration) = (self.store, self.tenant, self.integration);
        let (record, provider) = self.load().await?;
        let info = provider.test_connection(&record.settings, secrets).await?;
        secrets::save(store, tenant, integration, provider.secret_names(), secrets).await?;

        let mut settings = record.settings.clone();
        if !settings.is_object() {
            settings = serde_json::json!({});
        }
        let map = settings.as_object_mut().expect("an object");
        let mut account = info.details.clone();
        if let Some(name) = &info.account_name {
            account.insert("name".to_owned(), name.clone().into());
        }
        map.insert("account".to_owned(), account.into());
        if provider.descriptor().capabilities.incident_feed {
            let incidents = map
                .entry("incidents")
                .or_insert_with(|| serde_json::json!({}));
            let empty = incidents
                .get("severity_priorities")
                .and_then(|v| v.as_object())
                .is_none_or(|m| m.is_empty());
            if empty && let Some(obj) = incidents.as_object_mut() {
                let prefilled = prefill_severity_priorities(&store.list_priorities(tenant).await?);
                obj.insert(
                    "severity_priorities".to_owned(),
                    serde_json::to_value(prefilled).expect("ids serialize"),
                );
            }
        }
        store
            .update_settings(
                tenant,
                integration,
                record.settings_version,
                settings.clone(),
            )
            .await?;
        store
            .set_connection(tenant, integration, true, Some(Utc::now()))
            .await?;

        // The connection must open with what was stored; the worker then finds
        // the integration's jobs due at once.
        provider.open(&settings, secrets)?;
        let capabilities = provider.descriptor().capabilities;
        schedule::ensure_jobs(
            store,
            tenant,
            integration,
            &capabilities,
            &settings,
            Utc::now(),
        )
        .await?;
        let scopes = if capabilities.scope_sync {
            Some(self.sync_scopes().await?)
        } else {
            None
        };
        Ok((info, scopes))
    }

    /// Disconnects an integration: deletes its provider secrets (a webhook
    /// signing secret stays, so deliveries still verify and are dropped),
    /// takes its jobs off the
    /// schedule and marks it inactive. Its mappings, assets and tickets stay.
    pub async fn disconnect(&self) -> Result<(), SyncError> {
        let (store, tenant, integration) = (self.store, self.tenant, self.integration);
        let (_, provider) = self.load().await?;
        secrets::delete(store, tenant, integration, provider.secret_names()).await?;
        store.unschedule_integration(tenant, integration).await?;
        store
            .set_connection(tenant, integration, false, None)
            .await?;
        Ok(())
    }
}
