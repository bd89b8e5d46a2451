//! The Tanium provider against the simulator: settings, connection test, scopes,
//! devices (full, incremental, Asset API fallback) and id changes.

use chrono::TimeDelta;
use futures::TryStreamExt;
use psa_ingest::contracts::{AgentStatus, DeviceType, NormalizedDevice, ScopeKind};
use psa_ingest::sources::{DeviceSource, SourceError};
use psa_registry::{Connection, Provider, ProviderError, ProviderSecrets};
use psa_testkit::tanium::{GroupSpec, SimGroup, TaniumSim};
use secrecy::SecretString;
use serde_json::{Value, json};
use tanium_gateway::RetryPolicy;
use tanium_gateway::provider::TaniumProvider;

async fn sim() -> TaniumSim {
    TaniumSim::builder()
        .start_generated(&[
            GroupSpec::new("1", "Acme", 25),
            GroupSpec::new("2", "Globex", 5),
        ])
        .await
}

fn provider(sim: &TaniumSim) -> TaniumProvider {
    TaniumProvider::new()
        .with_url_policy(tanium_gateway::UrlPolicy::loopback())
        .with_retry_policy(RetryPolicy::immediate(2))
        .with_clock(sim.clock().as_fn())
}

fn secrets(token: &str) -> ProviderSecrets {
    ProviderSecrets::new().with("api_token", SecretString::from(token.to_owned()))
}

fn settings(sim: &TaniumSim, extra: Value) -> Value {
    let mut settings =
        json!({"gateway_url": sim.gateway_url(), "page_size": 10, "online_threshold_minutes": 60});
    let Value::Object(extra) = extra else {
        panic!("extra settings must be an object")
    };
    settings.as_object_mut().unwrap().extend(extra);
    settings
}

/// Opens the sources (no request is made).
fn open(sim: &TaniumSim, extra: Value) -> Connection {
    provider(sim)
        .open(&settings(sim, extra), &secrets(&sim.token()))
        .unwrap()
}

async fn devices(source: &dyn DeviceSource, scope: &str) -> Vec<NormalizedDevice> {
    let pages: Vec<_> = source.devices(scope).try_collect().await.unwrap();
    pages.into_iter().flatten().collect()
}

#[tokio::test]
async fn describes_itself_and_checks_settings() {
    let provider = TaniumProvider::new().with_url_policy(tanium_gateway::UrlPolicy::loopback());

    assert_eq!(provider.descriptor(), &psa_registry::builtin::tanium());
    assert_eq!(provider.secret_names(), ["api_token"]);
    let error = provider
        .validate_settings(&json!({"gateway_url": "nope", "page_size": "big"}))
        .unwrap_err();
    assert_eq!(error.fields(), ["gateway_url", "page_size"]);
}

#[test]
fn settings_with_a_url_the_service_does_not_allow_are_refused_when_checked() {
    let local = json!({"gateway_url": "http://127.0.0.1:9/graphql"});
    assert!(
        TaniumProvider::new()
            .with_url_policy(tanium_gateway::UrlPolicy::loopback())
            .validate_settings(&local)
            .is_ok()
    );
    // The default policy: https to public addresses only.
    let error = TaniumProvider::new().validate_settings(&local).unwrap_err();
    assert_eq!(error.fields(), ["gateway_url", "asset_api_url"]);
    assert!(error.to_string().contains("https only"), "{error}");
}

#[tokio::test]
async fn bad_settings_and_secrets_are_refused_before_any_request() {
    let sim = sim().await;
    let provider = provider(&sim);

    let bad = provider
        .test_connection(&json!({"page_size": 0}), &secrets(&sim.token()))
        .await
        .unwrap_err();
    assert!(
        matches!(bad, ProviderError::Settings(ref e) if e.fields() == ["gateway_url", "page_size"]),
        "{bad:?}"
    );

    let missing = provider
        .open(&settings(&sim, json!({})), &ProviderSecrets::new())
        .unwrap_err();
    assert!(matches!(missing, ProviderError::MissingSecret { ref name } if name == "api_token"));

    let unprefixed = provider
        .test_connection(&settings(&sim, json!({})), &secrets("simulator-0123"))
        .await
        .unwrap_err();
    assert!(
        matches!(unprefixed, ProviderError::Source(SourceError::Authentication { ref message }) if message.contains("token-"))
    );

    assert!(
        provider
            .open(&settings(&sim, json!({})), &secrets("simulator-0123"))
            .is_err()
    );
    assert!(sim.requests().is_empty());
}

/// Tenants type the Gateway URL; the service's URL policy decides where a
/// worker may go. A refused URL is a settings error naming the rule, and
/// no request leaves.
#[tokio::test]
async fn urls_the_service_policy_refuses_are_settings_errors() {
    let sim = sim().await;
    let strict = TaniumProvider::new();
    let refused = |url: &str| {
        let Err(error) = strict.open(&json!({ "gateway_url": url }), &secrets(&sim.token())) else {
            panic!("{url} was not refused");
        };
        match error {
            ProviderError::Settings(e) => {
                assert_eq!(e.fields(), ["gateway_url"]);
                e.to_string()
            }
            other => panic!("{other:?}"),
        }
    };
    assert!(
        refused(&sim.gateway_url()).contains("https only"),
        "plain http"
    );
    assert!(refused("https://10.20.0.4/plugin/products/gateway/graphql").contains("no private"));
    assert!(refused("https://169.254.169.254/").contains("cloud-metadata"));
    assert!(refused("https://127.0.0.1:8443/").contains("no loopback"));
    assert!(
        strict
            .open(
                &json!({ "gateway_url": "https://acme-api.cloud.tanium.com" }),
                &secrets(&sim.token())
            )
            .is_ok()
    );
    assert!(sim.requests().is_empty());
}

#[tokio::test]
async fn the_connection_test_reports_the_account() {
    let sim = sim().await;

    let info = provider(&sim)
        .test_connection(&settings(&sim, json!({})), &secrets(&sim.token()))
        .await
        .unwrap();

    assert_eq!(info.account_name.as_deref(), Some("127.0.0.1"));
    assert_eq!(info.details["computer_groups"], 2);
    assert!(info.details["server_time"].as_str().is_some());
    assert_eq!(sim.request_count("ConnectionTest"), 1);
}

#[tokio::test]
async fn a_refused_token_fails_the_connection_test() {
    let sim = sim().await;

    let error = provider(&sim)
        .test_connection(&settings(&sim, json!({})), &secrets("token-revoked"))
        .await
        .unwrap_err();

    assert!(
        matches!(
            error,
            ProviderError::Source(SourceError::Authentication { .. })
        ),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        !text.contains("token-revoked"),
        "the token never appears in errors: {text}"
    );
}

#[tokio::test]
async fn opens_without_a_request_and_lists_groups_as_scopes() {
    let sim = sim().await;

    let connection = open(&sim, json!({"account": {"name": "127.0.0.1"}}));

    assert!(sim.requests().is_empty(), "opening makes no request");
    assert!(connection.incidents.is_none(), "pull only");
    let scopes: Vec<_> = connection
        .scopes
        .as_ref()
        .unwrap()
        .scopes()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<_> = scopes
        .iter()
        .map(|s| (s.external_id.as_str(), s.name.as_str()))
        .collect();
    assert_eq!(names, [("1", "Acme"), ("2", "Globex")]);
    assert!(scopes.iter().all(|s| s.kind == ScopeKind::Group));
}

#[tokio::test]
async fn a_full_walk_normalizes_every_member_of_a_group() {
    let sim = sim().await;
    let connection = open(&sim, json!({}));

    let devices = devices(connection.devices.as_deref().unwrap(), "1").await;

    assert_eq!(devices.len(), 25);
    assert!(
        devices
            .iter()
            .all(|d| d.scope_id == "1" && d.provider.as_str() == "tanium")
    );
    let offline = devices
        .iter()
        .filter(|d| d.agent_status == AgentStatus::Offline)
        .count();
    assert_eq!(
        offline, 5,
        "every fifth generated endpoint was last seen three days ago"
    );
    assert_eq!(
        devices
            .iter()
            .filter(|d| d.device_type == DeviceType::Server)
            .count(),
        8
    );
    assert_eq!(sim.request_count("Endpoints"), 3, "pages of 10");
}

#[tokio::test]
async fn the_online_threshold_is_a_setting() {
    let sim = sim().await;
    let connection = open(&sim, json!({"online_threshold_minutes": 5}));

    let devices = devices(connection.devices.as_deref().unwrap(), "2").await;

    // Generated endpoints 25..29 were last seen 25..29 minutes ago (29 is three days).
    assert!(
        devices
            .iter()
            .all(|d| d.agent_status == AgentStatus::Offline),
        "{devices:?}"
    );
}

#[tokio::test]
async fn an_incremental_walk_and_id_changes_follow_the_estate() {
    let sim = sim().await;
    let connection = open(&sim, json!({}));
    let source = connection.devices.as_deref().unwrap();
    let since = sim.clock().now();

    sim.clock().advance(TimeDelta::minutes(15));
    sim.touch_endpoint("1004");
    sim.change_endpoint_id("1007", "7007");

    let changed: Vec<_> = source
        .devices_changed_since("1", since)
        .try_collect()
        .await
        .unwrap();
    let changed: Vec<_> = changed.into_iter().flatten().collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].external_id, "1004");
    assert_eq!(
        changed[0].agent_status,
        AgentStatus::Online,
        "was offline, seen just now"
    );

    let changes = source.id_changes(since).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].old_id.as_str(), changes[0].new_id.as_str()),
        ("1007", "7007")
    );
}

#[tokio::test]
async fn an_empty_group_reads_the_asset_api_when_the_fallback_is_on() {
    let sim = TaniumSim::builder()
        .start_generated(&[GroupSpec::new("1", "Acme", 6)])
        .await;
    for id in sim.group_members("1") {
        sim.age_out_of_tds(&id);
    }

    let without = open(&sim, json!({}));
    assert!(
        devices(without.devices.as_deref().unwrap(), "1")
            .await
            .is_empty()
    );
    assert_eq!(sim.request_count("assets"), 0);

    let with = open(&sim, json!({"asset_api_fallback": true}));
    let devices = devices(with.devices.as_deref().unwrap(), "1").await;
    assert_eq!(devices.len(), 6);
    assert!(
        devices
            .iter()
            .all(|d| d.external_id.starts_with("asset:") && d.scope_id == "1")
    );
    assert_eq!(devices[0].extra["source"], "asset_api");
}

#[tokio::test]
async fn a_group_with_gateway_endpoints_never_reads_the_asset_api() {
    let sim = sim().await;
    sim.add_group(SimGroup::new("3", "Empty"));
    let connection = open(&sim, json!({"asset_api_fallback": true}));

    let members = devices(connection.devices.as_deref().unwrap(), "2").await;

    assert_eq!(members.len(), 5);
    assert_eq!(sim.request_count("assets"), 0);
}
