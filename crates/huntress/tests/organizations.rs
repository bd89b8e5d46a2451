//! `GET /v1/organizations`: envelopes, pagination, one odd record.

mod common;

use common::{client, fixture, get};
use futures::{StreamExt, TryStreamExt};
use huntress::{HuntressError, OrganizationId, OrganizationSortField, SortDirection};
use wiremock::matchers::{query_param, query_param_is_missing};
use wiremock::{MockServer, ResponseTemplate};

async fn two_pages(server: &MockServer) {
    get("/v1/organizations")
        .and(query_param("limit", "2"))
        .and(query_param_is_missing("page_token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("organizations_page_1.json")),
        )
        .expect(1)
        .mount(server)
        .await;
    get("/v1/organizations")
        .and(query_param("limit", "2"))
        .and(query_param("page_token", "eyJpZCI6Mn0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("organizations_page_2.json")),
        )
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn one_page_with_its_query_and_pagination() {
    let server = MockServer::start().await;
    get("/v1/organizations")
        .and(query_param("limit", "2"))
        .and(query_param("sort_field", "name"))
        .and(query_param("sort_direction", "asc"))
        .and(query_param("key", "acmedental"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("organizations_page_1.json")),
        )
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server);
    let page = client
        .organizations()
        .limit(2)
        .sort(OrganizationSortField::Name, SortDirection::Asc)
        .key("acmedental")
        .send()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.items[0].name.as_deref(), Some("Acme Dental"));
    assert_eq!(page.items[0].report_recipients.len(), 2);
    // A scalar where an array was documented.
    assert_eq!(page.items[1].report_recipients, ["ops@globex.example"]);
    assert_eq!(page.next_page_token.as_deref(), Some("eyJpZCI6Mn0"));
    assert!(
        page.next_page_url
            .as_deref()
            .unwrap()
            .contains("page_token=eyJpZCI6Mn0")
    );
}

#[tokio::test]
async fn the_stream_follows_tokens_and_keeps_the_odd_record_in_place() {
    let server = MockServer::start().await;
    two_pages(&server).await;
    let client = client(&server);

    let results: Vec<_> = client
        .organizations()
        .limit(2)
        .into_stream()
        .collect()
        .await;
    assert_eq!(results.len(), 4);
    let ids: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|o| o.id)
        .collect();
    assert_eq!(
        ids,
        [OrganizationId(1), OrganizationId(2), OrganizationId(3)]
    );
    let Err(HuntressError::Undecodable(record)) = &results[3] else {
        panic!("expected the odd record last: {results:?}")
    };
    assert_eq!(record.id.as_deref(), Some("4"));
    assert_eq!(record.json_path, "name");
    assert_eq!(record.raw["key"], "broken");
    assert_eq!(client.requests_made(), 2);
}

#[tokio::test]
async fn pages_keep_undecodable_records_beside_the_items() {
    let server = MockServer::start().await;
    two_pages(&server).await;
    let client = client(&server);

    let pages: Vec<_> = client
        .organizations()
        .limit(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert!(pages[0].undecodable.is_empty());
    assert_eq!(pages[1].items.len(), 1);
    assert_eq!(pages[1].undecodable.len(), 1);
    assert_eq!(pages[1].undecodable[0].index, 1);
    assert!(pages[1].is_last());
}

#[tokio::test]
async fn a_repeated_token_ends_the_walk_instead_of_looping() {
    let server = MockServer::start().await;
    let looping =
        r#"{"organizations": [{"id": 1, "name": "A"}], "pagination": {"next_page_token": "same"}}"#;
    get("/v1/organizations")
        .respond_with(ResponseTemplate::new(200).set_body_string(looping))
        .mount(&server)
        .await;
    let client = client(&server);

    let results: Vec<_> = client.organizations().pages().collect().await;
    assert_eq!(
        results.len(),
        3,
        "first page, the page of token `same`, then the error"
    );
    assert!(
        matches!(results[2], Err(HuntressError::RepeatedPageToken { ref token }) if token == "same")
    );
    assert_eq!(client.requests_made(), 2);
}

#[tokio::test]
async fn get_one_and_missing_one() {
    let server = MockServer::start().await;
    get("/v1/organizations/1")
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("organization.json")))
        .mount(&server)
        .await;
    get("/v1/organizations/9")
        .respond_with(ResponseTemplate::new(404).set_body_string(r#"{"error":"Not Found"}"#))
        .mount(&server)
        .await;
    let client = client(&server);

    let org = client
        .get_organization(OrganizationId(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(org.agents_count, Some(42));
    assert_eq!(
        client.get_organization(OrganizationId(9)).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_404_on_a_list_is_an_error_not_an_empty_list() {
    let server = MockServer::start().await;
    get("/v1/organizations")
        .respond_with(ResponseTemplate::new(404).set_body_string("no such route"))
        .mount(&server)
        .await;
    let error = client(&server).organizations().send().await.unwrap_err();
    assert!(
        matches!(error, HuntressError::Api { status: 404, ref body, .. } if body == "no such route")
    );
}
