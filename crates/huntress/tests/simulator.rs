//! The client against the stateful simulator: the limiter, 429 recovery,
//! injected faults, odd shapes.

use chrono::Utc;
use futures::TryStreamExt;
use huntress::{HuntressClient, HuntressError, OrganizationId, RateLimit, RetryPolicy};
use psa_testkit::huntress::{Fault, HuntressSim, NewIncident, OddShape, SimConfig, SimRateLimit};
use secrecy::SecretString;
use std::time::{Duration, Instant};

fn client_for(sim: &HuntressSim, rate_limit: RateLimit) -> HuntressClient {
    HuntressClient::builder()
        .url_policy(huntress::UrlPolicy::loopback())
        .credentials(
            SecretString::from(sim.api_key()),
            SecretString::from(sim.api_secret()),
        )
        .base_url(sim.uri())
        .rate_limit(rate_limit)
        .retry(RetryPolicy::fast(Duration::from_millis(5)))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

async fn strict_sim(limit: SimRateLimit) -> HuntressSim {
    HuntressSim::start_with(SimConfig {
        rate_limit: Some(limit),
        ..SimConfig::default()
    })
    .await
}

#[tokio::test]
async fn the_limiter_keeps_a_concurrent_burst_under_the_strict_window() {
    let window = Duration::from_millis(200);
    let sim = strict_sim(SimRateLimit::new(10, window).with_retry_after()).await;
    let client = client_for(&sim, RateLimit::new(10, window));

    let started = Instant::now();
    // 35 requests from 5 clones at once: one limiter for all of them.
    let tasks: Vec<_> = (0..5)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..7 {
                    client.account().await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(sim.rate_limited(), 0, "no 429 at all");
    assert_eq!(sim.requests_served(), 35);
    assert_eq!(client.requests_made(), 35);
    // 35 requests at 10 per window need at least three windows.
    assert!(
        started.elapsed() >= window * 3,
        "took only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn without_the_limiter_the_server_says_429_and_the_client_recovers() {
    let window = Duration::from_millis(150);
    let sim = strict_sim(SimRateLimit::new(5, window)).await; // no Retry-After
    let client = HuntressClient::builder()
        .url_policy(huntress::UrlPolicy::loopback())
        .credentials(
            SecretString::from(sim.api_key()),
            SecretString::from(sim.api_secret()),
        )
        .base_url(sim.uri())
        .rate_limit(RateLimit::new(1_000, Duration::from_millis(1)))
        .retry({
            let fast = RetryPolicy::fast(Duration::from_millis(5));
            RetryPolicy {
                rate_limited: psa_http::RetryStrategy {
                    initial_delay: Duration::from_millis(50),
                    max_delay: Duration::from_millis(50) * 16,
                    ..fast.rate_limited
                },
                ..fast
            }
        })
        .build()
        .unwrap();
    // Twelve at once: far more than the window takes.
    let burst = (0..12).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.account().await })
    });
    for result in futures::future::join_all(burst).await {
        result.unwrap().unwrap();
    }
    assert!(
        sim.rate_limited() > 0,
        "the strict window must have refused some"
    );
    assert_eq!(client.requests_made(), sim.requests_served());
}

#[tokio::test]
async fn injected_faults_are_retried() {
    let sim = HuntressSim::start().await;
    let org = sim.add_organization("Acme Dental");
    sim.inject_on("/v1/organizations", Fault::Status(503), 2);
    sim.inject_on(
        "/v1/organizations",
        Fault::Slow(Duration::from_millis(800)),
        1,
    );
    let client = HuntressClient::builder()
        .url_policy(huntress::UrlPolicy::loopback())
        .credentials(
            SecretString::from(sim.api_key()),
            SecretString::from(sim.api_secret()),
        )
        .base_url(sim.uri())
        .retry(RetryPolicy::fast(Duration::from_millis(1)))
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let page = client.organizations().send().await.unwrap();
    assert_eq!(page.items[0].id, OrganizationId(org));
    // Two 503s, one timeout, then the answer.
    assert_eq!(sim.requests_served(), 4);
    assert_eq!(client.requests_made(), 4);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_403() {
    let sim = HuntressSim::start().await;
    let client = HuntressClient::builder()
        .url_policy(huntress::UrlPolicy::loopback())
        .credentials(
            SecretString::from(sim.api_key()),
            SecretString::from("wrong"),
        )
        .base_url(sim.uri())
        .build()
        .unwrap();
    let error = client.account().await.unwrap_err();
    assert!(
        matches!(error, HuntressError::Authentication { status: 403, .. }),
        "{error}"
    );
}

#[tokio::test]
async fn odd_shapes_from_the_simulator_decode() {
    let sim = HuntressSim::start().await;
    let org = sim.add_organization("Acme Dental");
    let agent = sim.add_agent(org, "ACME-WS01");
    let shapes = [
        OddShape::IndicatorTypesAsObject,
        OddShape::IndicatorTypesAsScalar,
        OddShape::RemediationItemsAsObject,
        OddShape::RemediationParametersAsObject,
        OddShape::RemediationParametersAsScalar,
        OddShape::Undecodable,
    ];
    let remediation = psa_testkit::huntress::SimRemediation {
        id: 1,
        kind: "manual".into(),
        action: "Delete File".into(),
        parameters: vec![("path".into(), "c:\\evil.exe".into())],
        status: "unapproved".into(),
    };
    for shape in shapes {
        let id = sim.add_incident(
            NewIncident::new(org, Some(agent)).remediations(vec![remediation.clone()]),
        );
        sim.set_odd_shape(id, Some(shape));
    }
    let client = client_for(&sim, RateLimit::HUNTRESS);
    let pages: Vec<_> = client
        .incident_reports()
        .limit(500)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let page = &pages[0];
    assert_eq!(page.items.len(), 5);
    assert_eq!(page.undecodable.len(), 1);
    for report in &page.items {
        assert!(!report.indicator_types.is_empty(), "{}", report.id);
        assert_eq!(report.remediations.items.len(), 1, "{}", report.id);
        let parameter = &report.remediations.items[0].parameters[0];
        assert_eq!(
            parameter.description.as_deref(),
            Some("c:\\evil.exe"),
            "{}",
            report.id
        );
    }
}

/// The default clock is the present: a first poll's backfill of the last
/// seven days (what the incident settings default to) sees an incident
/// reported now.
#[tokio::test]
async fn the_default_clock_is_the_present() {
    let sim = HuntressSim::start().await;
    let drift = (Utc::now() - sim.now()).num_seconds().abs();
    assert!(drift < 60, "the clock is {drift} s away from now");
    let org = sim.add_organization("Acme Dental");
    sim.add_incident(NewIncident::new(org, None));
    let week_ago = Utc::now() - chrono::TimeDelta::days(7);
    assert!(sim.incidents().iter().all(|i| i.updated_at >= week_ago));
}
