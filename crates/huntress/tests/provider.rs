//! The provider against the simulator: settings, connection test, sources.

use futures::TryStreamExt;
use huntress::provider::{HuntressProvider, HuntressSettings, SECRET_API_KEY, SECRET_API_SECRET};
use huntress::{RateLimit, RetryPolicy};
use psa_ingest::contracts::ScopeKind;
use psa_ingest::sources::SourceError;
use psa_registry::{Provider, ProviderError, ProviderSecrets};
use psa_testkit::huntress::{HuntressSim, NewIncident};
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;

fn provider() -> HuntressProvider {
    HuntressProvider::new()
        .with_url_policy(huntress::UrlPolicy::loopback())
        .with_rate_limit(RateLimit::new(1_000, Duration::from_secs(1)))
        .with_retry(RetryPolicy::fast(Duration::from_millis(1)))
}

fn secrets(sim: &HuntressSim) -> ProviderSecrets {
    ProviderSecrets::new()
        .with(SECRET_API_KEY, SecretString::from(sim.api_key()))
        .with(SECRET_API_SECRET, SecretString::from(sim.api_secret()))
}

#[test]
fn describes_itself_and_checks_only_client_settings() {
    let provider = HuntressProvider::new().with_url_policy(huntress::UrlPolicy::loopback());
    assert_eq!(provider.descriptor(), &psa_registry::builtin::huntress());
    assert_eq!(provider.secret_names(), ["api_key", "api_secret"]);
    assert!(provider.validate_settings(&json!({})).is_ok());
    assert!(
        provider
            .validate_settings(&json!({"incidents": {"anything": true}}))
            .is_ok()
    );
    let error = provider
        .validate_settings(&json!({"api_base_url": "ftp://api.huntress.io"}))
        .unwrap_err();
    assert_eq!(error.fields(), ["api_base_url"]);
}

#[test]
fn settings_with_a_url_the_service_does_not_allow_are_refused_when_checked() {
    let local = json!({"api_base_url": "http://127.0.0.1:9"});
    assert!(provider().validate_settings(&local).is_ok());
    let error = HuntressProvider::new()
        .validate_settings(&json!({"api_base_url": "https://169.254.169.254"}))
        .unwrap_err();
    assert_eq!(error.fields(), ["api_base_url"]);
}

#[tokio::test]
async fn test_connection_reads_the_account() {
    let sim = HuntressSim::start().await;
    let info = provider()
        .test_connection(&json!({"api_base_url": sim.uri()}), &secrets(&sim))
        .await
        .unwrap();
    assert_eq!(info.account_name.as_deref(), Some("Sim MSP"));
    assert_eq!(info.details["subdomain"], "simmsp");
    assert_eq!(info.details["account_id"], 1);
    assert_eq!(sim.request_log(), ["/v1/account"]);
}

#[tokio::test]
async fn a_refused_credential_is_an_authentication_failure() {
    let sim = HuntressSim::start().await;
    let secrets = ProviderSecrets::new()
        .with(SECRET_API_KEY, SecretString::from(sim.api_key()))
        .with(SECRET_API_SECRET, SecretString::from("not-the-secret"));
    let error = provider()
        .test_connection(&json!({"api_base_url": sim.uri()}), &secrets)
        .await
        .unwrap_err();
    let ProviderError::Source(SourceError::Authentication { message }) = error else {
        panic!("{error}")
    };
    assert!(
        message.contains("403") && !message.contains("not-the-secret"),
        "{message}"
    );
}

#[tokio::test]
async fn missing_or_blank_secrets_are_named() {
    let only_key = ProviderSecrets::new().with(SECRET_API_KEY, SecretString::from("k"));
    let error = provider()
        .test_connection(&json!({}), &only_key)
        .await
        .unwrap_err();
    assert!(matches!(error, ProviderError::MissingSecret { ref name } if name == "api_secret"));
    let blank = only_key.with(SECRET_API_SECRET, SecretString::from("  "));
    let error = provider().open(&json!({}), &blank).unwrap_err();
    assert!(matches!(error, ProviderError::MissingSecret { ref name } if name == "api_secret"));
}

#[tokio::test]
async fn open_makes_no_request_and_its_sources_work() {
    let sim = HuntressSim::start().await;
    let acme = sim.add_organization("Acme Dental");
    let globex = sim.add_organization("Globex Logistics");
    let broken = sim.add_organization("Broken Org");
    sim.set_organization_undecodable(broken, true);
    let agent = sim.add_agent(acme, "ACME-WS01");
    let incident = sim.add_incident(NewIncident::new(acme, Some(agent)).severity("critical"));
    let provider = provider();

    let settings = json!({"api_base_url": sim.uri(), "account": {"name": "Sim MSP", "subdomain": "simmsp", "account_id": 1}});
    let connection = provider.open(&settings, &secrets(&sim)).unwrap();
    assert_eq!(sim.requests_served(), 0);
    assert!(connection.devices.is_none());

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
        .map(|s| (s.external_id.clone(), s.name.clone()))
        .collect();
    assert_eq!(
        names,
        [
            (acme.to_string(), "Acme Dental".to_owned()),
            (globex.to_string(), "Globex Logistics".to_owned())
        ]
    );
    assert!(
        scopes
            .iter()
            .all(|s| s.kind == ScopeKind::Organization && s.provider.as_str() == "huntress")
    );
    assert_eq!(
        provider.skipped().total(),
        1,
        "the undecodable organization is kept for reporting"
    );

    let incidents = connection.incidents.as_ref().unwrap();
    let items: Vec<_> = incidents
        .incidents_since(None, sim.now() - chrono::TimeDelta::days(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    let found = items[0].incident().unwrap();
    assert_eq!(found.external_id, incident.to_string());
    assert_eq!(found.scope_id.as_deref(), Some(acme.to_string().as_str()));
    assert_eq!(
        found.portal_url.as_deref(),
        Some(format!("https://simmsp.huntress.io/incident_reports/{incident}").as_str())
    );
    assert_eq!(
        found.device_ref.as_ref().unwrap().agent_id.as_deref(),
        Some(agent.to_string().as_str())
    );

    let scope = incidents.scope(&globex.to_string()).await.unwrap().unwrap();
    assert_eq!(scope.name, "Globex Logistics");
    assert_eq!(incidents.scope("999").await.unwrap(), None);
    assert_eq!(incidents.scope("not-a-number").await.unwrap(), None);
    assert_eq!(incidents.requests_made(), sim.requests_served());
}

#[tokio::test]
async fn host_details_fill_the_device_unless_turned_off() {
    let sim = HuntressSim::start().await;
    let acme = sim.add_organization("Acme Dental");
    let agent = sim.add_agent(acme, "ACME-WS01");
    for _ in 0..3 {
        sim.add_incident(NewIncident::new(acme, Some(agent)));
    }
    // Host details are on by default.
    let settings = json!({"api_base_url": sim.uri(), "account": {"subdomain": "simmsp"}});
    let connection = provider().open(&settings, &secrets(&sim)).unwrap();
    let items: Vec<_> = connection
        .incidents
        .as_ref()
        .unwrap()
        .incidents_since(None, sim.now() - chrono::TimeDelta::days(1))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    for item in &items {
        let device = item.incident().unwrap().device_ref.as_ref().unwrap();
        assert_eq!(device.hostname.as_deref(), Some("ACME-WS01"));
        assert_eq!(device.os.as_deref(), Some("Windows 11 Pro"));
        assert_eq!(
            device.serial_number.as_deref(),
            Some(format!("SN{agent:08}").as_str())
        );
        assert_eq!(device.ip_addresses.len(), 2);
        assert!(device.last_seen_at.is_some());
    }
    // One list request, one agent request for the three incidents.
    assert_eq!(
        sim.request_log(),
        [
            "/v1/incident_reports?limit=500&sort_field=updated_at&sort_direction=desc".to_owned(),
            format!("/v1/agents/{agent}")
        ]
    );

    sim.reset_counters();
    let settings = json!({"api_base_url": sim.uri(), "agent_details": false});
    let connection = provider().open(&settings, &secrets(&sim)).unwrap();
    let items: Vec<_> = connection
        .incidents
        .as_ref()
        .unwrap()
        .incidents_since(None, sim.now() - chrono::TimeDelta::days(1))
        .try_collect()
        .await
        .unwrap();
    let device = items[0].incident().unwrap().device_ref.as_ref().unwrap();
    assert_eq!(
        device.hostname.as_deref(),
        Some("ACME-WS01"),
        "from the subject"
    );
    assert!(device.os.is_none());
    assert_eq!(sim.requests_served(), 1, "the list only");
}

#[tokio::test]
async fn clients_of_one_account_share_its_rate_limit() {
    let sim = HuntressSim::start().await;
    let window = Duration::from_millis(600);
    let provider = HuntressProvider::new()
        .with_url_policy(huntress::UrlPolicy::loopback())
        .with_rate_limit(RateLimit::new(2, window))
        .with_retry(RetryPolicy::fast(Duration::from_millis(1)));
    let settings = HuntressSettings::from_json(&json!({"api_base_url": sim.uri()})).unwrap();
    // Two jobs of one account, each with its own client.
    let a = provider.client(&settings, &secrets(&sim)).unwrap();
    let b = provider.client(&settings, &secrets(&sim)).unwrap();
    let started = std::time::Instant::now();
    for client in [&a, &b, &a, &b] {
        client.account().await.unwrap();
    }
    // Two per window between them: the third request waited for the window.
    assert!(started.elapsed() >= window, "{:?}", started.elapsed());
    // Each client still counts only its own requests.
    assert_eq!((a.requests_made(), b.requests_made()), (2, 2));
    assert_eq!(sim.rate_limited(), 0);
}
