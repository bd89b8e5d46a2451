//! `GET /v1/incident_reports`: sorting, filters, odd shapes, undecodable records.

mod common;

use common::{client, fixture, get};
use huntress::models::RemediationStatus;
use huntress::{
    HuntressError, IncidentPlatform, IncidentReportId, IncidentReportStatus, IndicatorType,
    OrganizationId, Severity, SortDirection, SortField,
};
use wiremock::matchers::query_param;
use wiremock::{MockServer, ResponseTemplate};

#[tokio::test]
async fn sorted_filtered_list() {
    let server = MockServer::start().await;
    get("/v1/incident_reports")
        .and(query_param("sort_field", "updated_at"))
        .and(query_param("sort_direction", "desc"))
        .and(query_param("status", "sent"))
        .and(query_param("severity", "high"))
        .and(query_param("platform", "windows"))
        .and(query_param("organization_id", "1"))
        .and(query_param("agent_id", "101"))
        .and(query_param("indicator_type", "footholds"))
        .and(query_param("limit", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("incident_reports.json")))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .incident_reports()
        .sort(SortField::UpdatedAt, SortDirection::Desc)
        .status(IncidentReportStatus::Sent)
        .severity(Severity::High)
        .platform(IncidentPlatform::Windows)
        .organization_id(OrganizationId(1))
        .agent_id(101.into())
        .indicator_type(IndicatorType::Footholds)
        .limit(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next_page_token.as_deref(), Some("cGFnZTI"));

    let report = &page.items[0];
    assert_eq!(report.id, IncidentReportId(5001));
    assert_eq!(report.severity, Some(Severity::High));
    assert_eq!(report.indicator_types, [IndicatorType::Footholds]);
    assert_eq!(report.indicator_counts["footholds"], 1);
    let remediation = &report.remediations.items[0];
    assert_eq!(remediation.status, Some(RemediationStatus::Completed));
    assert_eq!(remediation.parameters[0].name.as_deref(), Some("path"));
    assert_eq!(
        remediation.approved_by.as_ref().unwrap().id.as_deref(),
        Some("123123")
    );
    assert_eq!(
        report.raw["summary"],
        report.summary.as_deref().unwrap(),
        "the raw record is kept"
    );

    let identity = &page.items[1];
    assert_eq!(identity.agent_id, None);
    assert_eq!(identity.platform, Some(IncidentPlatform::Microsoft365));
    assert_eq!(
        identity.closed_at,
        Some("2025-06-20T09:00:00Z".parse().unwrap())
    );
}

#[tokio::test]
async fn odd_shapes_decode_and_one_bad_record_does_not_fail_the_page() {
    let server = MockServer::start().await;
    get("/v1/incident_reports")
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("incident_reports_odd_shapes.json")),
        )
        .mount(&server)
        .await;

    let page = client(&server).incident_reports().send().await.unwrap();
    assert_eq!(page.items.len(), 3);
    assert!(page.is_last());

    let object_shaped = &page.items[0];
    assert_eq!(
        object_shaped.indicator_types,
        [IndicatorType::Footholds, IndicatorType::RansomwareCanaries]
    );
    assert_eq!(object_shaped.remediations.items.len(), 1);
    assert_eq!(
        object_shaped.remediations.items[0].parameters[0]
            .description
            .as_deref(),
        Some("ACME-WS01")
    );
    assert_eq!(
        object_shaped.severity,
        Some(Severity::Other("extreme".into()))
    );
    assert_eq!(
        object_shaped.status,
        Some(IncidentReportStatus::Other("escalated".into()))
    );
    assert_eq!(
        object_shaped.platform,
        Some(IncidentPlatform::Other("chromeos".into()))
    );

    let scalar_shaped = &page.items[1];
    assert_eq!(scalar_shaped.agent_id, Some(101.into()), "ids as strings");
    assert_eq!(
        scalar_shaped.indicator_types,
        [IndicatorType::MonitoredFiles]
    );
    let map_params = &scalar_shaped.remediations.items[0].parameters;
    assert_eq!(map_params.len(), 2);
    assert_eq!(map_params[0].name.as_deref(), Some("key"));

    let nulls = &page.items[2];
    assert!(nulls.indicator_types.is_empty() && nulls.remediations.items.is_empty());

    assert_eq!(page.undecodable.len(), 1);
    let bad = &page.undecodable[0];
    assert_eq!(
        (bad.index, bad.id.as_deref(), bad.json_path.as_str()),
        (2, Some("6003"), "updated_at")
    );
    assert!(
        bad.message.contains("the day before yesterday"),
        "{}",
        bad.message
    );
    assert_eq!(
        bad.raw["subject"],
        "LOW - Incident on ACME-WS02 (Acme Dental)"
    );
}

#[tokio::test]
async fn get_one_and_missing_one() {
    let server = MockServer::start().await;
    get("/v1/incident_reports/5001")
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("incident_report.json")))
        .mount(&server)
        .await;
    get("/v1/incident_reports/404")
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let client = client(&server);
    let report = client
        .get_incident_report(IncidentReportId(5001))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.status, Some(IncidentReportStatus::Sent));
    assert_eq!(report.raw["id"], 5001);
    assert_eq!(
        client
            .get_incident_report(IncidentReportId(404))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_limit_over_500_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = client(&server);
    let error = client
        .incident_reports()
        .limit(501)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, HuntressError::InvalidRequest(ref m) if m.contains("501")),
        "{error}"
    );
    assert_eq!(client.requests_made(), 0);
    assert!(server.received_requests().await.unwrap().is_empty());
}
