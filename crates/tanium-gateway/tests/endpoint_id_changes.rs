//! `endpointIdChanges(after)`.

mod support;

use chrono::{TimeZone, Utc};
use support::{Operation, client, gateway_post, json_fixture, request_bodies};

#[tokio::test]
async fn returns_the_changes_in_server_order() {
    let server = wiremock::MockServer::start().await;
    gateway_post()
        .and(Operation("EndpointIdChanges"))
        .respond_with(json_fixture("endpoint_id_changes.json"))
        .mount(&server)
        .await;
    let since = Utc.with_ymd_and_hms(2024, 5, 31, 12, 0, 0).unwrap();

    let changes = client(&server).endpoint_id_changes(since).await.unwrap();

    let pairs: Vec<_> = changes
        .changes
        .iter()
        .map(|c| (c.old_id.as_str(), c.new_id.as_str()))
        .collect();
    assert_eq!(pairs, [("50417", "61002"), ("61002", "61777")]);
    assert_eq!(
        changes.before,
        Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
    );
    assert_eq!(
        request_bodies(&server).await[0]["variables"]["after"],
        "2024-05-31T12:00:00Z"
    );
}
