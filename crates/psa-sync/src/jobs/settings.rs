//! Changing an integration's settings as typed values, instead of merging
//! JSON by hand.

use crate::SyncError;
use psa_ingest::IntegrationId;
use psa_ingest::TenantId;
use psa_ingest::ports::{Store, StoreError};
use psa_ingest::settings::{FieldError, SettingsError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

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
    let mut section = None;
    update_settings(store, tenant, integration, |settings| {
        let mut typed: T = match settings.get(key) {
            None | Some(Value::Null) => T::default(),
            Some(value) => {
                serde_json::from_value(value.clone()).map_err(|e| invalid(e.to_string()))?
            }
        };
        change(&mut typed);
        let value = serde_json::to_value(&typed).map_err(|e| invalid(e.to_string()))?;
        settings.insert(key.to_owned(), value);
        section = Some(typed);
        Ok(())
    })
    .await?;
    Ok(section.expect("the change ran"))
}

/// Lets `change` edit an integration's settings object (a setting removed
/// is removed) and writes it back by compare-and-set on the settings
/// version; a concurrent change is re-read and `change` applied again, and
/// nothing is written when the settings did not change. An error from
/// `change` ends it with nothing written. Returns the settings as they now
/// stand.
///
/// ```no_run
/// # async fn demo<S: psa_ingest::ports::Store + ?Sized>(
/// #     store: &S, tenant: psa_ingest::TenantId, integration: psa_ingest::IntegrationId,
/// # ) -> Result<(), psa_sync::SyncError> {
/// // The simulator listens on a new port each run.
/// psa_sync::jobs::update_settings(store, tenant, integration, |s| {
///     s.insert("gateway_url".into(), "http://127.0.0.1:4100/graphql".into());
///     Ok(())
/// })
/// .await?;
/// # Ok(()) }
/// ```
pub async fn update_settings<S>(
    store: &S,
    tenant: TenantId,
    integration: IntegrationId,
    mut change: impl FnMut(&mut Map<String, Value>) -> Result<(), SyncError>,
) -> Result<Value, SyncError>
where
    S: Store + ?Sized,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let record = store
            .get_integration(tenant, integration)
            .await?
            .ok_or_else(|| SyncError::IntegrationNotFound(integration.to_string()))?;
        let mut settings = match &record.settings {
            Value::Object(map) => map.clone(),
            _ => Map::new(),
        };
        change(&mut settings)?;
        let settings = Value::Object(settings);
        if settings == record.settings {
            return Ok(settings);
        }
        match store
            .update_settings(
                tenant,
                integration,
                record.settings_version,
                settings.clone(),
            )
            .await
        {
            Ok(_) => return Ok(settings),
            Err(StoreError::Conflict { .. }) if attempt < ATTEMPTS => continue,
            Err(error) => return Err(error.into()),
        }
    }
}
