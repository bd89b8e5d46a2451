//! Changing an integration's settings as typed values, instead of merging
//! JSON by hand.

use crate::SyncError;
use psa_ingest::IntegrationId;
use psa_ingest::TenantId;
use psa_ingest::ports::{Store, StoreError};
use psa_ingest::settings::{FieldError, SettingsError};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How often a change is re-applied when another writer changed the
/// settings between the read and the write.
const ATTEMPTS: usize = 5;

/// Reads the section `key` of an integration's settings (`incidents`,
/// `assets`, `schedule`, ...) as `T` (missing: `T::default()`), lets
/// `change` edit it, and writes it back by compare-and-set on the settings
/// version; a concurrent change is re-read and `change` applied again.
/// Other sections are left as they are, and nothing is written when the
/// section did not change. Returns the section as it now stands.
///
/// ```no_run
/// # async fn demo<S: psa_ingest::ports::Store + ?Sized>(
/// #     store: &S, tenant: psa_ingest::TenantId, integration: psa_ingest::IntegrationId,
/// #     board: psa_ingest::BoardId,
/// # ) -> Result<(), psa_sync::SyncError> {
/// use psa_ingest::engine::incidents::IncidentSettings;
/// psa_sync::jobs::update_section(store, tenant, integration, "incidents", |s: &mut IncidentSettings| {
///     s.board_id = Some(board);
///     s.auto_close = true;
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn update_section<S, T>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    key: &str,
    change: impl Fn(&mut T),
) -> Result<T, SyncError>
where
    S: Store + ?Sized,
    T: Serialize + DeserializeOwned + Default,
{
    let invalid = |message: String| {
        SyncError::Engine(psa_ingest::engine::EngineError::Settings(
            SettingsError::new(vec![FieldError::new(key, message)]),
        ))
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        let record = store
            .get_integration(tenant, integration)
            .await?
            .ok_or_else(|| SyncError::IntegrationNotFound(integration.to_string()))?;
        let mut settings = match record.settings {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        let mut section: T = match settings.get(key) {
            None | Some(serde_json::Value::Null) => T::default(),
            Some(value) => {
                serde_json::from_value(value.clone()).map_err(|e| invalid(e.to_string()))?
            }
        };
        change(&mut section);
        let value = serde_json::to_value(&section).map_err(|e| invalid(e.to_string()))?;
        if settings.get(key) == Some(&value) {
            return Ok(section);
        }
        settings.insert(key.to_owned(), value);
        match store
            .update_settings(
                tenant,
                integration,
                record.settings_version,
                serde_json::Value::Object(settings),
            )
            .await
        {
            Ok(_) => return Ok(section),
            Err(StoreError::Conflict { .. }) if attempt < ATTEMPTS => continue,
            Err(error) => return Err(error.into()),
        }
    }
}
